/**
 * Cost of the window length (issue 11, point 1): band power (FeatureExtractor, the five
 * default bands, Welch segment = window) on 8 channels with hop window/10, for windows of
 * 125, 128, 250, 256 samples at 250 Hz and 1000, 1024 at 1 kHz, so every awkward length
 * sits beside the power of two above it. Then the complex FFT alone at 125, 250 and 1000
 * points against the FFT libraries on npm that take those lengths, each one measured here
 * if it is installed (they are not dependencies: `npm install --no-save kissfft-wasm
 * kissfft-js ndarray-fft ndarray webfft` to include them).
 */
import { createRequire } from 'node:module';
import { DEFAULT_BANDS } from '../signals/band.js';
import { type BandPowerJob, hopBlocks, makeSignal } from './bandPowerJobs.js';
import { ComplexDft } from '../signals/complexDft.js';
import { FeatureExtractor } from '../signals/featureExtractor.js';
import type { SampleBlock } from '../signals/sampleBlock.js';

/** The same fields as a band-power job: channels, rate, window, hop and seconds per timed run. */
export type FftWindowJob = BandPowerJob;

const windowJob = (window: number, fs_Hz: number, seconds: number): FftWindowJob => ({
  job: `fft-window-${window}`,
  channels: 8,
  fs_Hz,
  window,
  // hop N/10, rounded to whole samples (125 and 128 both hop 13).
  hop: Math.round(window / 10),
  seconds,
});

export const FFT_WINDOW_JOBS: readonly FftWindowJob[] = [
  windowJob(125, 250, 240),
  windowJob(128, 250, 240),
  windowJob(250, 250, 240),
  windowJob(256, 250, 240),
  windowJob(1000, 1000, 60),
  windowJob(1024, 1000, 60),
];

export interface FftWindowResult {
  job: string;
  ns_per_sample: number;
  /** Fraction of one core this job takes in real time at its sample rate. */
  core_fraction: number;
  window: number;
  hop: number;
  fs_Hz: number;
  channels: number;
  frames: number;
}

/** Timed runs per job; the fastest counts (the machine is shared). */
const RUNS = 5;

function makeBlocks(job: FftWindowJob): SampleBlock[] {
  return hopBlocks(makeSignal(job), job.fs_Hz, job.hop);
}

function runOnce(job: FftWindowJob, blocks: readonly SampleBlock[]): number {
  // The transform, always: these rows are about the FFT's cost by length ('auto' picks it here anyway).
  const extractor = new FeatureExtractor({ fs_Hz: job.fs_Hz, channels: blocks[0].channels, window: job.window, hop: job.hop, segment: job.window, bands: DEFAULT_BANDS, bandPowerMethod: 'transform' });
  let frames = 0;
  const onFrame = (): void => {
    frames++;
  };
  for (const block of blocks) extractor.push(block, onFrame);
  return frames;
}

/**
 * Times the jobs in turns (each job once per turn, RUNS turns, the fastest run of each
 * counts), so the lengths compared side by side meet the same moments of a shared machine:
 * timed one job after the other, a busy spell during one job alone moved the 125/128
 * ratio between 1.2 and 1.5 from run to run.
 */
export function runFftWindowJobs(jobs: readonly FftWindowJob[], onResult: (result: FftWindowResult) => void): void {
  const prepared = jobs.map((job) => {
    const blocks = makeBlocks(job);
    runOnce(job, blocks.slice(0, Math.ceil(blocks.length / 5)));
    return { job, blocks, best: Number.POSITIVE_INFINITY, frames: 0 };
  });
  for (let r = 0; r < RUNS; r++) {
    for (const p of prepared) {
      const start = process.hrtime.bigint();
      p.frames = runOnce(p.job, p.blocks);
      p.best = Math.min(p.best, Number(process.hrtime.bigint() - start));
    }
  }
  for (const { job, best, frames } of prepared) {
    const nsPerSample = best / Math.round(job.seconds * job.fs_Hz);
    onResult({
      job: job.job,
      ns_per_sample: Math.round(nsPerSample),
      core_fraction: Number(((nsPerSample * job.fs_Hz) / 1e9).toFixed(5)),
      window: job.window,
      hop: job.hop,
      fs_Hz: job.fs_Hz,
      channels: job.channels,
      frames,
    });
  }
}

// ---------------------------------------------------------------------------------------
// The complex FFT alone against other libraries.

/** One library's complex forward transform at one size, ready to time. */
interface Candidate {
  readonly library: string;
  readonly version: string;
  /** Transforms the plan's fixed input; returns the spectrum (interleaved re, im). */
  readonly run: () => ArrayLike<number>;
}

export interface FftLibraryEntry {
  library: string;
  version: string | null;
  ns_per_transform: number | null;
  /** Largest bin error relative to the largest |X_k|, against neuroloop's float64 result. */
  max_error_to_peak: number | null;
  note: string;
}

export interface FftLibraryResult {
  job: string;
  n: number;
  results: FftLibraryEntry[];
}

export const FFT_LIBRARY_SIZES: readonly number[] = [125, 250, 1000];

const requireHere = createRequire(import.meta.url);

function versionOf(name: string): string | null {
  try {
    return (requireHere(`${name}/package.json`) as { version: string }).version;
  } catch {
    return null;
  }
}

interface KissFftWasm {
  FFTConfig: new (n: number, inverse: boolean) => { work(input: KissComplexArray, output: KissComplexArray): void };
  ComplexArray: new (n: number) => KissComplexArray;
}
interface KissComplexArray {
  asFloat32Array(): Float32Array;
}
interface KissFftJs {
  FFT: new (n: number) => { forward(input: ArrayLike<number>): Float32Array };
}
interface NdArrayLike {
  data: Float64Array;
}
type NdArray = (data: Float64Array, shape: number[]) => NdArrayLike;
type NdArrayFft = (direction: number, re: NdArrayLike, im: NdArrayLike) => void;
type WebFft = new (size: number, subLibrary?: string, useProfile?: boolean) => { fft(input: Float32Array): Float32Array };

/** Builds each library's plan for size n from `input` (interleaved), or says why it cannot. */
async function candidates(n: number, input: Float64Array): Promise<(Candidate | FftLibraryEntry)[]> {
  const list: (Candidate | FftLibraryEntry)[] = [];
  const missing = (library: string, note: string): FftLibraryEntry => ({ library, version: versionOf(library), ns_per_transform: null, max_error_to_peak: null, note });

  const ours = new ComplexDft(n);
  const ourOut = new Float64Array(2 * n);
  list.push({ library: 'neuroloop ComplexDft', version: 'this tree', run: () => (ours.forward(input, ourOut), ourOut) });

  if (versionOf('kissfft-wasm') === null) list.push(missing('kissfft-wasm', 'not installed'));
  else {
    try {
      // Its Emscripten loader takes Node for a browser when a global fetch exists (Node >= 18)
      // and fetches the .wasm by file path, which fails; without fetch it reads the file.
      const savedFetch = globalThis.fetch;
      Reflect.deleteProperty(globalThis, 'fetch');
      let kiss: KissFftWasm;
      try {
        kiss = requireHere('kissfft-wasm') as KissFftWasm;
        await (requireHere('kissfft-wasm/lib/wasm.js') as { waitLoading: () => Promise<void> }).waitLoading();
      } finally {
        globalThis.fetch = savedFetch;
      }
      const config = new kiss.FFTConfig(n, false);
      const kin = new kiss.ComplexArray(n);
      const kout = new kiss.ComplexArray(n);
      list.push({
        library: 'kissfft-wasm',
        version: versionOf('kissfft-wasm') ?? '',
        run: () => {
          // Copy in (float32, kissfft's scalar in this build), transform, read the heap view.
          kin.asFloat32Array().set(input);
          config.work(kin, kout);
          return kout.asFloat32Array();
        },
      });
    } catch (error) {
      list.push(missing('kissfft-wasm', `failed: ${(error as Error).message}`));
    }
  }

  if (versionOf('kissfft-js') === null) list.push(missing('kissfft-js', 'not installed'));
  else {
    const kiss = requireHere('kissfft-js') as KissFftJs;
    const plan = new kiss.FFT(n);
    list.push({ library: 'kissfft-js', version: versionOf('kissfft-js') ?? '', run: () => plan.forward(input) });
  }

  if (versionOf('ndarray-fft') === null || versionOf('ndarray') === null) list.push(missing('ndarray-fft', 'not installed (needs ndarray too)'));
  else {
    const fft = requireHere('ndarray-fft') as NdArrayFft;
    const ndarray = requireHere('ndarray') as NdArray;
    const re = ndarray(new Float64Array(n), [n]);
    const im = ndarray(new Float64Array(n), [n]);
    const out = new Float64Array(2 * n);
    list.push({
      library: 'ndarray-fft',
      version: versionOf('ndarray-fft') ?? '',
      run: () => {
        // Split layout and in place, and its direction 1 is e^{+2 pi i kn/N} (direction -1
        // is that inverse, scaled by 1/N): X = conj(F(conj x)), conjugating on the copies.
        for (let i = 0; i < n; i++) {
          re.data[i] = input[2 * i];
          im.data[i] = -input[2 * i + 1];
        }
        fft(1, re, im);
        for (let i = 0; i < n; i++) {
          out[2 * i] = re.data[i];
          out[2 * i + 1] = -im.data[i];
        }
        return out;
      },
    });
  }

  if (versionOf('webfft') === null) list.push(missing('webfft', 'not installed'));
  else {
    try {
      const specifier = 'webfft';
      const WebFftClass = ((await import(specifier)) as { default: WebFft }).default;
      const plan = new WebFftClass(n, 'indutnyJavascript', false);
      const f32 = Float32Array.from(input);
      list.push({ library: 'webfft', version: versionOf('webfft') ?? '', run: () => plan.fft(f32) });
    } catch (error) {
      list.push(missing('webfft', `refuses n = ${n}: ${(error as Error).message}`));
    }
  }
  return list;
}

function timeNs(run: () => unknown, n: number): number {
  // Enough calls per timed run for ~20-50 ms at these sizes; best of 5.
  const calls = Math.max(200, Math.round(4e6 / (n * Math.log2(n))));
  for (let i = 0; i < calls; i++) run();
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 5; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) run();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / calls);
  }
  return Math.round(best);
}

export async function runFftLibraryJob(n: number): Promise<FftLibraryResult> {
  const input = new Float64Array(2 * n);
  let seed = 4242;
  for (let i = 0; i < 2 * n; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    input[i] = Math.sin(0.3 * i) * 5 + (seed / 2 ** 32 - 0.5) * 2;
  }
  const entries = await candidates(n, input);
  const reference = Float64Array.from((entries[0] as Candidate).run());
  let peak = 0;
  for (let k = 0; k < n; k++) peak = Math.max(peak, Math.hypot(reference[2 * k], reference[2 * k + 1]));
  const results: FftLibraryEntry[] = [];
  for (const entry of entries) {
    if (!('run' in entry)) {
      results.push(entry);
      continue;
    }
    const out = entry.run();
    let worst = 0;
    for (let i = 0; i < 2 * n; i++) worst = Math.max(worst, Math.abs(out[i] - reference[i]));
    results.push({ library: entry.library, version: entry.version, ns_per_transform: timeNs(entry.run, n), max_error_to_peak: Number((worst / peak).toPrecision(2)), note: '' });
  }
  return { job: `fft-lib-${n}`, n, results };
}
