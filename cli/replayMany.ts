import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { AtomicTextOutput } from '../drivers/atomicTextOutput.js';
import { InputError } from '../drivers/inputError.js';
import { checkOutputPaths } from '../drivers/outputPaths.js';
import { parseInteger } from './args.js';
import { Progress } from './progress.js';
import { type ReplayJob, type ReplayRow, ROW_COLUMNS, rowAsCsv } from './replayOne.js';

export interface ReplayManyOptions {
  readonly configPath?: string;
  readonly sets: readonly string[];
  readonly from_s?: number;
  readonly to_s?: number;
  readonly channels?: readonly (string | number)[];
  readonly summary?: string;
  readonly jobs?: string;
  /** Options that mean one session and have no place in a batch. */
  readonly refused: Readonly<Record<string, unknown>>;
}

/**
 * `neuroloop replay A.bdf B.edf ... --jobs N`: every file replayed at full speed on N
 * worker threads, one summary row per file in the order given (so the output is the same
 * whatever N). A file that cannot be replayed gets a row saying why, the others go on;
 * the exit code is then 2.
 */
export async function replayMany(files: readonly string[], o: ReplayManyOptions): Promise<number> {
  for (const [name, value] of Object.entries(o.refused)) {
    if (value !== undefined) throw new InputError(`--${name}: one session only; with several files (or --jobs) each file gives a summary row (--summary ROWS.csv|ROWS.ndjson)`);
  }
  if (o.configPath === undefined) throw new InputError('replay: several files need --config FILE (the policy, signal path and limits to replay them with)');
  const jobs = parseInteger('--jobs', o.jobs, 1, 256) ?? Math.min(files.length, Math.max(1, availableParallelism() - 1));
  const out = o.summary ?? '-';
  const format = out.toLowerCase().endsWith('.csv') ? 'csv' : 'ndjson';
  if (out !== '-' && !/\.(csv|ndjson|jsonl)$/i.test(out)) throw new InputError(`--summary ${out}: with several files, a .csv or .ndjson file (one row per file)`);
  checkOutputPaths([{ place: '--summary', path: out, atomic: true }], [{ place: '--config', path: o.configPath }, ...files.map((path) => ({ place: 'FILE', path }))]);

  // The files already share the cores (--jobs): band power stays on each file's own thread. The rows are the same either way (bit-identical frames).
  const sets = [...o.sets, 'signals.threads=1'];
  const work: ReplayJob[] = files.map((file) => ({ file, configPath: o.configPath as string, sets, from_s: o.from_s, to_s: o.to_s, channels: o.channels }));
  const rows: (ReplayRow | undefined)[] = new Array(work.length);
  const progress = new Progress('replay');
  let done = 0;
  let next = 0;
  const workers = Array.from({ length: Math.min(jobs, work.length) }, () => new Worker(new URL('./replayWorker.js', import.meta.url)));
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolveWorker, rejectWorker) => {
            const give = (): void => {
              if (next >= work.length) {
                resolveWorker();
                return;
              }
              const seq = next++;
              worker.postMessage({ seq, job: work[seq] });
            };
            worker.on('message', (message: { seq: number; row: ReplayRow }) => {
              rows[message.seq] = message.row;
              done++;
              progress.update(`${done} of ${work.length} files`);
              give();
            });
            worker.on('error', rejectWorker);
            give();
          }),
      ),
    );
  } finally {
    progress.done();
    await Promise.all(workers.map((w) => w.terminate()));
  }
  const complete = rows as ReplayRow[];
  await AtomicTextOutput.writeWith(out, async (output) => {
    if (format === 'csv') {
      await output.write(`${ROW_COLUMNS.join(',')}\n`);
      for (const row of complete) await output.write(`${rowAsCsv(row)}\n`);
    } else {
      for (const row of complete) await output.write(`${JSON.stringify(row)}\n`);
    }
  });
  const failed = complete.filter((r) => !r.ok);
  for (const row of failed) if (!row.ok) process.stderr.write(`neuroloop: ${row.error.startsWith(row.file) ? row.error : `${row.file}: ${row.error}`}\n`);
  return failed.length > 0 ? 2 : 0;
}
