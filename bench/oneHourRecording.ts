import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The recording the recording jobs share: one hour, 8 channels at 250 Hz, as a signal CSV
 * and as a BDF+ file holding the same samples. Generated at bench time into a cache folder
 * (not committed; NEUROLOOP_BENCH_CACHE moves it), once: later runs reuse it.
 *
 * The BDF+ is written by EDFlib (bench/edflibWriteBdf.c, compiled here with gcc -ledf), not
 * by neuroloop. Its grid, [-131072, 131072] uV over [-4194304, 4194304], makes one digital
 * step 2^-5 uV (31.25 nV, BioSemi's resolution), so every physical value is exact in
 * float32 and float64 and the CSV holds it exactly in at most 5 decimals: the CSV and the
 * BDF+ are the very same numbers.
 */
export interface OneHourRecording {
  readonly csv: string;
  readonly bdf: string;
  readonly channels: number;
  readonly fs_Hz: number;
  /** Samples per channel. */
  readonly samples: number;
  readonly seconds: number;
}

const CHANNELS = 8;
const FS_HZ = 250;
const SECONDS = 3600;
const PHYS_MAX_UV = 131072;
const DIG_MAX = 4194304;
const STEPS_PER_UV = DIG_MAX / PHYS_MAX_UV;
/** Bump when the signal or the files change, so that an old cache is not reused. */
const VERSION = 'h1-8ch-250Hz-v1';

const C_SOURCE = fileURLToPath(new URL('../../bench/edflibWriteBdf.c', import.meta.url));

export function oneHourRecording(log: (message: string) => void = () => {}): OneHourRecording {
  const dir = join(process.env.NEUROLOOP_BENCH_CACHE ?? join(tmpdir(), 'neuroloop-bench-cache'), VERSION);
  const recording = { csv: join(dir, 'recording.csv'), bdf: join(dir, 'recording.bdf'), channels: CHANNELS, fs_Hz: FS_HZ, samples: SECONDS * FS_HZ, seconds: SECONDS };
  const complete = join(dir, 'complete');
  if (existsSync(complete)) return recording;
  log(`writing the one-hour recording (CSV, and BDF+ through EDFlib) into ${dir}...\n`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });

  const digital = makeDigitalSamples();
  writeCsv(recording.csv, digital);
  // Digital samples in record order for the EDFlib program.
  const raw = join(dir, 'samples.raw');
  const record = new Int32Array(FS_HZ);
  const rawFd = openSync(raw, 'w');
  for (let second = 0; second < SECONDS; second++) {
    for (let c = 0; c < CHANNELS; c++) {
      record.set(digital[c].subarray(second * FS_HZ, (second + 1) * FS_HZ));
      writeSync(rawFd, new Uint8Array(record.buffer));
    }
  }
  closeSync(rawFd);
  const program = join(dir, 'edflibWriteBdf');
  try {
    execFileSync('gcc', ['-O2', '-o', program, C_SOURCE, '-ledf'], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    throw new Error(`cannot build ${C_SOURCE} (needs gcc and libedf-dev): ${(error as { stderr?: Buffer }).stderr?.toString() ?? String(error)}`);
  }
  const partial = `${recording.bdf}.partial`;
  execFileSync(program, [raw, partial, String(CHANNELS), String(FS_HZ), String(PHYS_MAX_UV), String(DIG_MAX)], { stdio: ['ignore', 'ignore', 'inherit'] });
  renameSync(partial, recording.bdf);
  rmSync(raw);
  writeFileSync(complete, `${new Date().toISOString()}\n`);
  return recording;
}

/**
 * Per channel: alpha at 10 Hz, beta at 21 Hz in bursts (a slow envelope, different per
 * channel, so that an adaptive policy has something to follow) and uniform noise from a
 * linear congruential generator, in digital steps. Deterministic.
 */
function makeDigitalSamples(): Int32Array[] {
  const n = SECONDS * FS_HZ;
  return Array.from({ length: CHANNELS }, (_, c) => {
    const x = new Int32Array(n);
    let seed = 2024 + c;
    for (let i = 0; i < n; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const t = i / FS_HZ;
      const burst = Math.max(0, Math.sin(2 * Math.PI * (0.13 + 0.02 * c) * t + c)) ** 2;
      const uV = 8 * Math.sin(2 * Math.PI * 10 * t + c) + 15 * burst * Math.sin(2 * Math.PI * 21 * t) + (seed / 2 ** 32 - 0.5) * 10;
      x[i] = Math.round(uV * STEPS_PER_UV);
    }
    return x;
  });
}

function writeCsv(path: string, digital: readonly Int32Array[]): void {
  const fd = openSync(path, 'w');
  writeSync(fd, `t,${digital.map((_, c) => `ch${c}`).join(',')}\n`);
  const n = digital[0].length;
  const ROWS = 10_000;
  for (let at = 0; at < n; at += ROWS) {
    const lines: string[] = [];
    for (let i = at; i < Math.min(n, at + ROWS); i++) {
      let line = String(i / FS_HZ);
      for (let c = 0; c < digital.length; c++) line += `,${digital[c][i] / STEPS_PER_UV}`;
      lines.push(line);
    }
    writeSync(fd, `${lines.join('\n')}\n`);
  }
  closeSync(fd);
}
