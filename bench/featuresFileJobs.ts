import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { featuresCommand } from '../cli/featuresCommand.js';
import { openCsvSignal } from '../drivers/csvSignalReader.js';
import { openEdfSignal } from '../drivers/edf/edfReader.js';
import { openCsvSignalBeforeFastPath } from './csvSignalReaderBeforeFastPath.js';
import type { OneHourRecording } from './oneHourRecording.js';

/**
 * `neuroloop features` (default window, hop and bands) on the one-hour recording, as CSV
 * (features-csv-1h) and as BDF+ (features-bdf-1h): samples per second of the whole command
 * (in this process, output to a file), and the share of that time the reader alone takes
 * (a pass that only reads every block). For the CSV, the reader as it was before the
 * byte-level fast path (bench/csvSignalReaderBeforeFastPath.ts) reads the same file, which
 * gives the new parser's speed-up. A sample is one time point of every channel.
 */
export interface FeaturesFileResult {
  job: string;
  samples_per_s: number;
  /** Samples per second of the reader alone. */
  parse_samples_per_s: number;
  /** Reader-only time / whole-command time. */
  parse_share: number;
  /** CSV: the old reader's samples per second, and new over old. */
  old_parse_samples_per_s?: number;
  parse_speedup_vs_old?: number;
  /** BDF+: the output is byte for byte the CSV's (same samples, same rows). */
  same_rows_as_csv?: boolean;
  best_of: number;
  /** CSV: runs of each reader alone (alternating). */
  parse_best_of?: number;
}

const RUNS = 3;
/** The reader comparison is the brief's measure of the CSV speed-up: more runs. */
const PARSE_RUNS = 5;

async function bestSeconds(work: () => Promise<unknown>, runs = RUNS): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await work();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
  }
  return best;
}

/** Reads every block and touches one value of each, so that no work can be skipped. */
async function drain(blocks: AsyncIterable<{ data: readonly ArrayLike<number>[] }>): Promise<number> {
  let sum = 0;
  for await (const block of blocks) sum += block.data[0][0] ?? 0;
  return sum;
}

async function* blocksOfItems(path: string): AsyncGenerator<{ data: readonly ArrayLike<number>[] }> {
  const signal = await openEdfSignal(path, { block_samples: 4096 });
  for await (const item of signal.items) if (item.kind === 'block') yield item.block;
}

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

export async function runFeaturesFileJobs(recording: OneHourRecording): Promise<FeaturesFileResult[]> {
  const outDir = dirname(recording.csv);
  const outputs = { csv: join(outDir, 'features-from-csv.csv'), bdf: join(outDir, 'features-from-bdf.csv') };
  const n = recording.samples;

  // The new and the old CSV reader alternate, so that a busy moment of a shared machine weighs on both.
  let csvParse = Number.POSITIVE_INFINITY;
  let csvOldParse = Number.POSITIVE_INFINITY;
  for (let i = 0; i < PARSE_RUNS; i++) {
    csvParse = Math.min(csvParse, await bestSeconds(async () => drain((await openCsvSignal(recording.csv, { block_samples: 4096 })).blocks), 1));
    csvOldParse = Math.min(csvOldParse, await bestSeconds(async () => drain((await openCsvSignalBeforeFastPath(recording.csv, { block_samples: 4096 })).blocks), 1));
  }
  const csvFull = await bestSeconds(() => featuresCommand([recording.csv, '--out', outputs.csv]));
  const bdfParse = await bestSeconds(() => drain(blocksOfItems(recording.bdf)));
  const bdfFull = await bestSeconds(() => featuresCommand([recording.bdf, '--out', outputs.bdf]));
  const digest = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

  return [
    {
      job: 'features-csv-1h',
      samples_per_s: Math.round(n / csvFull),
      parse_samples_per_s: Math.round(n / csvParse),
      parse_share: round(csvParse / csvFull, 3),
      old_parse_samples_per_s: Math.round(n / csvOldParse),
      parse_speedup_vs_old: round(csvOldParse / csvParse, 2),
      best_of: RUNS,
      parse_best_of: PARSE_RUNS,
    },
    {
      job: 'features-bdf-1h',
      samples_per_s: Math.round(n / bdfFull),
      parse_samples_per_s: Math.round(n / bdfParse),
      parse_share: round(bdfParse / bdfFull, 3),
      same_rows_as_csv: digest(outputs.csv) === digest(outputs.bdf),
      best_of: RUNS,
    },
  ];
}
