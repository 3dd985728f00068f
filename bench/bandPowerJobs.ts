import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver } from 'node:perf_hooks';
import { from, type OperatorFunction } from 'rxjs';
import { DEFAULT_BANDS } from '../signals/band.js';
import { FeatureExtractor } from '../signals/featureExtractor.js';
import type { SampleBlock } from '../signals/sampleBlock.js';

/** One band-power job of the foundation issue: channels, rate, window and hop. */
export interface BandPowerJob {
  readonly job: string;
  readonly channels: number;
  readonly fs_Hz: number;
  readonly window: number;
  readonly hop: number;
  /** Seconds of signal processed per timed run. */
  readonly seconds: number;
}

export const BAND_POWER_JOBS: readonly BandPowerJob[] = [
  { job: 'bandpower-8ch-250Hz', channels: 8, fs_Hz: 250, window: 256, hop: 25, seconds: 300 },
  { job: 'bandpower-32ch-1000Hz', channels: 32, fs_Hz: 1000, window: 1024, hop: 100, seconds: 60 },
];

/** Timed runs per side; the fastest counts. */
const RUNS = 7;

export interface BandPowerResult {
  job: string;
  samples_per_s: number;
  peer_samples_per_s: number;
  ratio: number;
  frames: number;
  peer_frames: number;
  gc_runs: number;
  peer_gc_runs: number;
  /** Vectorised NumPy (numpy.fft.rfft over strided windows) on the same job, same run; null without Debian's python3-numpy. */
  numpy_samples_per_s: number | null;
  ratio_vs_numpy: number | null;
}

/** Deterministic test signal: a few sines and a cheap pseudo-random term per channel. */
export function makeSignal(job: Pick<BandPowerJob, 'channels' | 'fs_Hz' | 'seconds'>): Float32Array[] {
  const n = Math.round(job.seconds * job.fs_Hz);
  return Array.from({ length: job.channels }, (_, c) => {
    const x = new Float32Array(n);
    let seed = 12345 + c;
    for (let i = 0; i < n; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const t = i / job.fs_Hz;
      x[i] = 10 * Math.sin(2 * Math.PI * 10 * t + c) + 6 * Math.sin(2 * Math.PI * 21 * t) + (seed / 2 ** 32 - 0.5) * 8;
    }
    return x;
  });
}

/** Counts garbage collections while `work` runs (they show what the hot path allocates). */
async function countingGc<T>(work: () => Promise<T> | T): Promise<{ value: T; gcRuns: number; seconds: number }> {
  let gcRuns = 0;
  const observer = new PerformanceObserver((list) => {
    gcRuns += list.getEntries().length;
  });
  observer.observe({ entryTypes: ['gc'] });
  const start = process.hrtime.bigint();
  const value = await work();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  // GC entries are delivered asynchronously, after a macrotask or two.
  await new Promise((resolve) => setTimeout(resolve, 200));
  observer.disconnect();
  return { value, gcRuns, seconds };
}

/** Blocks of `hop` samples, as an ADC source would deliver them (made before timing). */
export function hopBlocks(signal: readonly Float32Array[], fs_Hz: number, hop: number): SampleBlock[] {
  const n = signal[0].length;
  const names = signal.map((_, c) => `ch${c}`);
  const blocks: SampleBlock[] = [];
  for (let at = 0; at < n; at += hop) {
    blocks.push({ firstIndex: at, fs_Hz, channels: names, data: signal.map((x) => x.subarray(at, Math.min(n, at + hop))) });
  }
  return blocks;
}

/**
 * Our side of a job on blocks cut beforehand: like the peer's per-sample objects, which are
 * made before its clock starts, the input is ready and only the band power is timed.
 */
function runOurs(job: BandPowerJob, blocks: readonly SampleBlock[]): number {
  const names = blocks[0].channels;
  const extractor = new FeatureExtractor({ fs_Hz: job.fs_Hz, channels: names, window: job.window, hop: job.hop, segment: job.window, bands: DEFAULT_BANDS });
  let frames = 0;
  const onFrame = (): void => {
    frames++;
  };
  for (const block of blocks) extractor.push(block, onFrame);
  return frames;
}

interface NeurositySample {
  data: number[];
  timestamp: number;
}
interface NeurosityPipes {
  epoch(options: { duration: number; interval: number; samplingRate: number }): OperatorFunction<NeurositySample, unknown>;
  fft(options: { bins: number }): OperatorFunction<unknown, unknown>;
  powerByBand(bands: Record<string, [number, number]>): OperatorFunction<unknown, unknown>;
}

async function runPeer(job: BandPowerJob, samples: NeurositySample[]): Promise<number> {
  // The peer ships ESM without file extensions, which Node cannot load; its CommonJS build works.
  const pipes = createRequire(import.meta.url)('@neurosity/pipes') as NeurosityPipes;
  const bands = Object.fromEntries(DEFAULT_BANDS.map((b) => [b.name, [b.lo_Hz, b.hi_Hz] as [number, number]]));
  let frames = 0;
  await new Promise<void>((resolve, reject) => {
    from(samples)
      .pipe(pipes.epoch({ duration: job.window, interval: job.hop, samplingRate: job.fs_Hz }), pipes.fft({ bins: job.window }), pipes.powerByBand(bands))
      .subscribe({ next: () => frames++, error: reject, complete: resolve });
  });
  return frames;
}

export async function runBandPowerJob(job: BandPowerJob): Promise<BandPowerResult> {
  const signal = makeSignal(job);
  const n = signal[0].length;
  const samples: NeurositySample[] = Array.from({ length: n }, (_, i) => ({ data: signal.map((x) => x[i]), timestamp: i }));
  // Warm up both on a tenth of the signal (the JIT settles), then time one full run of each.
  const warmUp = Math.floor(n / 10);
  runOurs(job, hopBlocks(signal.map((x) => x.subarray(0, warmUp)), job.fs_Hz, job.hop));
  await runPeer(job, samples.slice(0, warmUp));
  // Best of RUNS timed runs each, ours and the peer's alternating: on a shared machine the
  // fastest run is the one least disturbed by other work, for both sides alike. Ours take
  // tens of milliseconds, so a few runs are not enough to find an undisturbed one.
  const blocks = hopBlocks(signal, job.fs_Hz, job.hop);
  type Timed<T> = Awaited<ReturnType<typeof countingGc<T>>>;
  const faster = <T>(a: Timed<T> | null, b: Timed<T>): Timed<T> => (a === null || b.seconds < a.seconds ? b : a);
  let ours: Timed<number> | null = null;
  let peer: Timed<number> | null = null;
  for (let i = 0; i < RUNS; i++) {
    ours = faster(ours, await countingGc(() => runOurs(job, blocks)));
    peer = faster(peer, await countingGc(() => runPeer(job, samples)));
  }
  if (ours === null || peer === null) throw new Error('bench: no timed run');
  const samplesPerSecond = n / ours.seconds;
  const peerSamplesPerSecond = n / peer.seconds;
  const numpy = runNumpy(job);
  return {
    job: job.job,
    samples_per_s: Math.round(samplesPerSecond),
    peer_samples_per_s: Math.round(peerSamplesPerSecond),
    ratio: Number((samplesPerSecond / peerSamplesPerSecond).toFixed(1)),
    frames: ours.value,
    peer_frames: peer.value,
    gc_runs: ours.gcRuns,
    peer_gc_runs: peer.gcRuns,
    numpy_samples_per_s: numpy === null ? null : Math.round(numpy),
    ratio_vs_numpy: numpy === null ? null : Number((samplesPerSecond / numpy).toFixed(1)),
  };
}

const PYTHON = '/usr/bin/python3';
const NUMPY_SCRIPT = fileURLToPath(new URL('../../bench/numpyBandPower.py', import.meta.url));

/** The same job done the vectorised NumPy way (bench/numpyBandPower.py), best of RUNS timed inside Python. */
function runNumpy(job: BandPowerJob): number | null {
  if (!existsSync(PYTHON)) return null;
  const r = spawnSync(PYTHON, [NUMPY_SCRIPT, String(job.channels), String(job.fs_Hz), String(job.window), String(job.hop), String(job.seconds), String(RUNS)], { encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(`${job.job}: the NumPy comparison failed (${r.stderr.trim().split('\n').pop() ?? r.status}); is python3-numpy installed?\n`);
    return null;
  }
  return (JSON.parse(r.stdout) as { samples_per_s: number }).samples_per_s;
}

/** Our side of a job alone, in samples per second (for profiling). */
export function runOursOnly(job: BandPowerJob): number {
  const signal = makeSignal(job);
  const blocks = hopBlocks(signal, job.fs_Hz, job.hop);
  const start = process.hrtime.bigint();
  runOurs(job, blocks);
  return signal[0].length / (Number(process.hrtime.bigint() - start) / 1e9);
}
