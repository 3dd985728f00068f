/**
 * BENCH ONLY: the CSV reader as it was before the byte-level fast path (readline, a split
 * and a regular expression per row), kept verbatim so that the features-csv-1h job can
 * report the new reader's speed-up against it. Nothing outside bench/ may import this.
 */
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { SampleBlock } from '../signals/sampleBlock.js';
import { InputError } from '../drivers/inputError.js';
import { PLAUSIBLE } from '../config/plausibleRanges.js';

interface CsvSignalOptions {
  /** Sample rate; required when the file has no `t` column, checked against it when it has. */
  readonly fs_Hz?: number;
  /** Samples per emitted block. */
  readonly block_samples?: number;
  /** Called now and then with the fraction of the file read (0..1). */
  readonly onProgress?: (fraction: number) => void;
}

interface CsvSignal {
  readonly path: string;
  readonly channels: readonly string[];
  readonly hasTime: boolean;
  readonly fs_Hz: number;
  /** Blocks of Float64Array samples in file order; a time gap is a jump in firstIndex. */
  readonly blocks: AsyncIterable<SampleBlock>;
}

/** Rows read before the sample rate is inferred from the t column. */
const INFERENCE_ROWS = 1000;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Reads a signal CSV: a header of channel names (optionally `t` first, in seconds), then
 * one row per sample in microvolts. Every malformed thing is an InputError naming the
 * line and column. Values keep full float64 precision. NaN cells are allowed (missing
 * samples); the signal path marks the frames that hold them invalid.
 */
export async function openCsvSignalBeforeFastPath(path: string, options: CsvSignalOptions = {}): Promise<CsvSignal> {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(`${path}: ${code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? String(error)})`}`);
  }
  const stream = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })[Symbol.asyncIterator]();
  let lineNumber = 0;
  const nextLine = async (): Promise<string | null> => {
    for (;;) {
      const r = await lines.next();
      if (r.done) return null;
      lineNumber++;
      if (r.value.trim() !== '') return r.value;
    }
  };

  const headerLine = await nextLine();
  if (headerLine === null) throw new InputError(`${path}: empty file; expected a header line of channel names (e.g. t,C3,C4)`);
  const header = headerLine.split(',').map((cell) => cell.trim().replace(/^"(.*)"$/, '$1'));
  if (header.every((cell) => NUMBER.test(cell))) {
    throw new InputError(`${path}: line ${lineNumber}: expected a header of channel names, got numbers; add a first line such as t,ch0,ch1`);
  }
  header.forEach((name, i) => {
    if (name === '') throw new InputError(`${path}: line ${lineNumber}, column ${i + 1}: empty channel name in the header`);
    if (header.indexOf(name) !== i) throw new InputError(`${path}: line ${lineNumber}, column ${i + 1}: channel name "${name}" appears twice`);
  });
  const hasTime = header[0].toLowerCase() === 't';
  const channels = hasTime ? header.slice(1) : header;
  if (channels.length === 0) throw new InputError(`${path}: line ${lineNumber}: the header has a t column but no channel`);
  const width = header.length;

  const parseRow = (text: string, row: Float64Array): void => {
    const cells = text.split(',');
    if (cells.length !== width) {
      throw new InputError(`${path}: line ${lineNumber}: expected ${width} cells (${header.join(',')}), got ${cells.length}`);
    }
    for (let i = 0; i < width; i++) {
      const cell = cells[i].trim();
      if (NUMBER.test(cell)) {
        const value = Number(cell);
        // 1e400 matches the pattern but is Infinity: a corrupt cell, not a sample.
        if (!Number.isFinite(value)) {
          throw new InputError(`${path}: line ${lineNumber}, column ${i + 1} (${header[i]}): expected a finite number, got "${cell.slice(0, 40)}"`);
        }
        row[i] = value;
      } else if (i > 0 || !hasTime ? /^nan$/i.test(cell) : false) row[i] = Number.NaN;
      else {
        throw new InputError(`${path}: line ${lineNumber}, column ${i + 1} (${header[i]}): expected a number, got "${cell.slice(0, 40)}"`);
      }
    }
  };

  // Read ahead enough rows to know fs.
  const ahead: { line: number; values: Float64Array }[] = [];
  while (ahead.length < (hasTime ? INFERENCE_ROWS : 1)) {
    const text = await nextLine();
    if (text === null) break;
    const values = new Float64Array(width);
    parseRow(text, values);
    ahead.push({ line: lineNumber, values });
  }
  if (ahead.length === 0) throw new InputError(`${path}: no data rows after the header`);

  let fs_Hz: number;
  if (hasTime) {
    const inferred = inferSampleRate(ahead.map((r) => r.values[0]), path, ahead.map((r) => r.line));
    if (options.fs_Hz !== undefined && inferred !== undefined && Math.abs(options.fs_Hz - inferred) > 1e-3 * options.fs_Hz) {
      throw new InputError(`--fs ${options.fs_Hz} disagrees with the t column of ${path}, which is sampled at ${inferred} Hz`);
    }
    const chosen = options.fs_Hz ?? inferred;
    if (chosen === undefined) throw new InputError(`${path}: one data row is not enough to infer the sample rate from the t column; give --fs`);
    if (chosen < PLAUSIBLE.fs_Hz.min || chosen > PLAUSIBLE.fs_Hz.max) {
      throw new InputError(`${path}: column 1 (t): the rows give a sample rate of ${chosen} Hz, expected one from ${PLAUSIBLE.fs_Hz.min} to ${PLAUSIBLE.fs_Hz.max} Hz (is t in seconds?)`);
    }
    fs_Hz = chosen;
  } else {
    if (options.fs_Hz === undefined) throw new InputError(`${path}: the file has no t column, so the sample rate must be given (--fs HZ)`);
    fs_Hz = options.fs_Hz;
  }

  const blockSize = options.block_samples ?? 1024;
  const t0 = hasTime ? ahead[0].values[0] : 0;
  async function* blocks(): AsyncGenerator<SampleBlock> {
    let data = channels.map(() => new Float64Array(blockSize));
    let fill = 0;
    let firstIndex = 0;
    let expected = 0;
    let lastProgress = 0;
    const row = new Float64Array(width);
    const flush = (): SampleBlock => {
      const block: SampleBlock = { firstIndex, fs_Hz, channels, data: data.map((d) => d.subarray(0, fill)) };
      data = channels.map(() => new Float64Array(blockSize));
      firstIndex += fill;
      fill = 0;
      return block;
    };
    let aheadAt = 0;
    for (;;) {
      let values: Float64Array;
      if (aheadAt < ahead.length) {
        values = ahead[aheadAt].values;
        lineNumber = ahead[aheadAt].line;
        aheadAt++;
      } else {
        const text = await nextLine();
        if (text === null) break;
        parseRow(text, row);
        values = row;
      }
      let index = expected;
      if (hasTime) {
        const position = (values[0] - t0) * fs_Hz;
        index = Math.round(position);
        if (Math.abs(position - index) > 0.25 || index < expected) {
          throw new InputError(
            `${path}: line ${lineNumber}, column 1 (t): ${values[0]} s is ${index < expected ? 'not after the previous row' : 'off the sample grid'} at ${fs_Hz} Hz (expected ${(t0 + expected / fs_Hz).toPrecision(10)} s)`,
          );
        }
      }
      if (index > expected) {
        const gap = index - expected;
        if (gap > PLAUSIBLE.gap_samples.max || gap / fs_Hz > PLAUSIBLE.gap_s.max) {
          throw new InputError(
            `${path}: line ${lineNumber}, column 1 (t): ${values[0]} s jumps ${(gap / fs_Hz).toPrecision(6)} s past the previous row; a gap may be at most ${PLAUSIBLE.gap_s.max / 3600} h and ${PLAUSIBLE.gap_samples.max} samples`,
          );
        }
        // A gap in t: end the block, the next starts after the jump.
        if (fill > 0) yield flush();
        firstIndex = index;
      }
      const offset = hasTime ? 1 : 0;
      for (let c = 0; c < channels.length; c++) data[c][fill] = values[c + offset];
      fill++;
      expected = index + 1;
      if (fill === blockSize) {
        yield flush();
        if (options.onProgress && size > 0) {
          const fraction = stream.bytesRead / size;
          if (fraction - lastProgress >= 0.01) {
            lastProgress = fraction;
            options.onProgress(fraction);
          }
        }
      }
    }
    if (fill > 0) yield flush();
  }
  return { path, channels, hasTime, fs_Hz, blocks: blocks() };
}

/**
 * Sample rate from the first timestamps: the median step gives a first estimate, the
 * whole span refines it, and a rate within 1e-6 of a whole number of Hz is snapped to it
 * (t columns are printed with few decimals).
 */
function inferSampleRate(times: readonly number[], path: string, lines: readonly number[]): number | undefined {
  if (times.length < 2) return undefined;
  const steps: number[] = [];
  for (let i = 1; i < times.length; i++) {
    const dt = times[i] - times[i - 1];
    if (!(dt > 0)) throw new InputError(`${path}: line ${lines[i]}, column 1 (t): ${times[i]} s is not after the previous row (${times[i - 1]} s)`);
    steps.push(dt);
  }
  steps.sort((a, b) => a - b);
  const rough = 1 / steps[Math.floor(steps.length / 2)];
  const span = times[times.length - 1] - times[0];
  const fine = Math.round(span * rough) / span;
  const whole = Math.round(fine);
  return Math.abs(fine - whole) <= 1e-6 * fine ? whole : Number(fine.toPrecision(9));
}
