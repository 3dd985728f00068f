import { close, open, read, statSync } from 'node:fs';
import { promisify } from 'node:util';
import type { SampleBlock } from '../signals/sampleBlock.js';
import { scanCsvDecimal } from './csvDecimal.js';
import { InputError } from './inputError.js';
import { PLAUSIBLE } from '../config/plausibleRanges.js';

const openFile = promisify(open);
const readFile = promisify(read);

export interface CsvSignalOptions {
  /** Sample rate; required when the file has no `t` column, checked against it when it has. */
  readonly fs_Hz?: number;
  /** Samples per emitted block. */
  readonly block_samples?: number;
  /** Called now and then with the fraction of the file read (0..1). */
  readonly onProgress?: (fraction: number) => void;
  /** Bytes asked of the file at a time (default 1 MiB); tests make it tiny to put chunk ends everywhere. */
  readonly read_bytes?: number;
}

export interface CsvSignal {
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
export async function openCsvSignal(path: string, options: CsvSignalOptions = {}): Promise<CsvSignal> {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(`${path}: ${code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? String(error)})`}`);
  }
  let fd: number;
  try {
    fd = await openFile(path, 'r');
  } catch (error) {
    throw new InputError(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const rows = new CsvRows(path, fd, options.read_bytes ?? CHUNK_BYTES);
  try {
    const headerLine = await rows.nextText();
    if (headerLine === null) throw new InputError(`${path}: empty file; expected a header line of channel names (e.g. t,C3,C4)`);
    const header = headerLine.split(',').map((cell) => cell.trim().replace(/^"(.*)"$/, '$1'));
    if (header.every((cell) => NUMBER.test(cell))) {
      throw new InputError(`${path}: line ${rows.lineNumber}: expected a header of channel names, got numbers; add a first line such as t,ch0,ch1`);
    }
    header.forEach((name, i) => {
      if (name === '') throw new InputError(`${path}: line ${rows.lineNumber}, column ${i + 1}: empty channel name in the header`);
      if (header.indexOf(name) !== i) throw new InputError(`${path}: line ${rows.lineNumber}, column ${i + 1}: channel name "${name}" appears twice`);
    });
    const hasTime = header[0].toLowerCase() === 't';
    const channels = hasTime ? header.slice(1) : header;
    if (channels.length === 0) throw new InputError(`${path}: line ${rows.lineNumber}: the header has a t column but no channel`);
    rows.setHeader(header, hasTime);
    const width = header.length;

    // Read ahead enough rows to know fs.
    const ahead: { line: number; values: Float64Array }[] = [];
    while (ahead.length < (hasTime ? INFERENCE_ROWS : 1)) {
      const values = new Float64Array(width);
      if (!(await rows.nextRow(values))) break;
      ahead.push({ line: rows.lineNumber, values });
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
    return { path, channels, hasTime, fs_Hz, blocks: sampleBlocks(rows, ahead, { channels, hasTime, fs_Hz, size, options }) };
  } catch (error) {
    rows.close();
    throw error;
  }
}

/** What the block loop needs to know about the file. */
interface BlockContext {
  readonly channels: readonly string[];
  readonly hasTime: boolean;
  readonly fs_Hz: number;
  readonly size: number;
  readonly options: CsvSignalOptions;
}

/** The rows (those read ahead first) as blocks; a jump in t starts a new block after the gap. Closes the file when done. */
async function* sampleBlocks(rows: CsvRows, ahead: readonly { line: number; values: Float64Array }[], context: BlockContext): AsyncGenerator<SampleBlock> {
  const { channels, hasTime, fs_Hz, size, options } = context;
  const path = rows.path;
  const blockSize = options.block_samples ?? 1024;
  const t0 = hasTime ? ahead[0].values[0] : 0;
  const offset = hasTime ? 1 : 0;
  let data = newBlockData(channels.length, blockSize);
  let fill = 0;
  let firstIndex = 0;
  let expected = 0;
  let lastProgress = 0;
  const row = new Float64Array(channels.length + offset);
  // The block under way lives in plain locals, not in a closure: the per-row loop reads them.
  const blockOf = (filled: Float64Array[], length: number, at: number): SampleBlock => ({ firstIndex: at, fs_Hz, channels, data: length === blockSize ? filled : filled.map((d) => d.subarray(0, length)) });
  try {
    let aheadAt = 0;
    for (;;) {
      let values: Float64Array;
      let line: number;
      if (aheadAt < ahead.length) {
        values = ahead[aheadAt].values;
        line = ahead[aheadAt].line;
        aheadAt++;
      } else {
        const status = rows.next(row);
        if (status === NEED_BYTES) {
          await rows.fill();
          continue;
        }
        if (status === END) break;
        values = row;
        line = rows.lineNumber;
      }
      let index = expected;
      if (hasTime) {
        const position = (values[0] - t0) * fs_Hz;
        index = Math.round(position);
        if (Math.abs(position - index) > 0.25 || index < expected) {
          throw new InputError(
            `${path}: line ${line}, column 1 (t): ${values[0]} s is ${index < expected ? 'not after the previous row' : 'off the sample grid'} at ${fs_Hz} Hz (expected ${(t0 + expected / fs_Hz).toPrecision(10)} s)`,
          );
        }
      }
      if (index > expected) {
        const gap = index - expected;
        if (gap > PLAUSIBLE.gap_samples.max || gap / fs_Hz > PLAUSIBLE.gap_s.max) {
          throw new InputError(
            `${path}: line ${line}, column 1 (t): ${values[0]} s jumps ${(gap / fs_Hz).toPrecision(6)} s past the previous row; a gap may be at most ${PLAUSIBLE.gap_s.max / 3600} h and ${PLAUSIBLE.gap_samples.max} samples`,
          );
        }
        // A gap in t: end the block, the next starts after the jump.
        if (fill > 0) {
          yield blockOf(data, fill, firstIndex);
          data = newBlockData(channels.length, blockSize);
          fill = 0;
        }
        firstIndex = index;
      }
      for (let c = 0; c < channels.length; c++) data[c][fill] = values[c + offset];
      fill++;
      expected = index + 1;
      if (fill === blockSize) {
        yield blockOf(data, fill, firstIndex);
        data = newBlockData(channels.length, blockSize);
        firstIndex += fill;
        fill = 0;
        if (options.onProgress && size > 0) {
          const fraction = rows.bytesRead / size;
          if (fraction - lastProgress >= 0.01) {
            lastProgress = fraction;
            options.onProgress(fraction);
          }
        }
      }
    }
    if (fill > 0) yield blockOf(data, fill, firstIndex);
  } finally {
    rows.close();
  }
}

/**
 * A block's channels, fresh (the consumer may keep a block), in one allocation: one
 * backing store per block rather than one per channel keeps the collector's work down.
 */
function newBlockData(channels: number, blockSize: number): Float64Array[] {
  const whole = new Float64Array(channels * blockSize);
  return Array.from({ length: channels }, (_, c) => whole.subarray(c * blockSize, (c + 1) * blockSize));
}

/** Bytes asked of the file at a time. */
const CHUNK_BYTES = 1 << 20;
/** A longer line is not a row of samples (256 channels of 17-digit numbers take 5 kB). */
const MAX_LINE_BYTES = 64 << 20;

/** What CsvRows.next found. */
const ROW = 0;
const NEED_BYTES = 1;
const END = 2;
/** What CsvRows's fast path says of a line it leaves to the text path. */
const UNUSUAL = 3;

/**
 * The lines of a CSV file, split and parsed straight from its bytes, in big chunks. The
 * rules are those of a UTF-8 text read with node:readline: a line ends at \n, \r\n or a
 * lone \r; a line that trims to nothing is skipped (and counted). A row of plain ASCII
 * numbers or NaN cells (the whole of a recording, nearly always) is parsed without making a
 * string. Anything else (a non-ASCII byte, a cell that is not a number, the wrong number of
 * cells, a blank line) sends that line through the text path, which decodes it and applies
 * the checks the reader always had, with the same messages.
 */
class CsvRows {
  /** Line number (1-based) of the line last returned. */
  lineNumber = 0;
  bytesRead = 0;
  private buffer: Buffer;
  /** Unread bytes are buffer[at, end). */
  private at = 0;
  private end = 0;
  private eof = false;
  private closed = false;
  /** Lines of an unusual segment (a lone \r splits it), as text, for the text path. */
  private readonly pending: string[] = [];
  private header: readonly string[] = [];
  private width = 0;
  private hasTime = false;

  constructor(
    readonly path: string,
    private readonly fd: number,
    chunk_bytes: number,
  ) {
    this.buffer = Buffer.allocUnsafe(Math.max(1, Math.floor(chunk_bytes)));
  }

  setHeader(header: readonly string[], hasTime: boolean): void {
    this.header = header;
    this.width = header.length;
    this.hasTime = hasTime;
  }

  /** Reads more of the file after what is left unread. */
  async fill(): Promise<void> {
    const left = this.end - this.at;
    if (this.at > 0) this.buffer.copyWithin(0, this.at, this.end);
    this.at = 0;
    this.end = left;
    if (this.end === this.buffer.length) {
      if (this.buffer.length >= MAX_LINE_BYTES) throw new InputError(`${this.path}: line ${this.lineNumber + 1} is longer than ${MAX_LINE_BYTES >> 20} MB; expected one row of samples per line`);
      const bigger = Buffer.allocUnsafe(this.buffer.length * 2);
      this.buffer.copy(bigger, 0, 0, this.end);
      this.buffer = bigger;
    }
    let bytesRead: number;
    try {
      ({ bytesRead } = await readFile(this.fd, this.buffer, this.end, this.buffer.length - this.end, null));
    } catch (error) {
      throw new InputError(`${this.path}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    if (bytesRead === 0) this.eof = true;
    this.end += bytesRead;
    this.bytesRead += bytesRead;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    close(this.fd, () => {});
  }

  /** The next line that is not blank, as text (the header), or null at the end of the file. */
  async nextText(): Promise<string | null> {
    for (;;) {
      const text = this.pending.shift();
      if (text !== undefined) {
        this.lineNumber++;
        if (text.trim() !== '') return text;
        continue;
      }
      const lineEnd = this.findLineEnd();
      if (lineEnd === -1) {
        if (this.eof) return null;
        await this.fill();
        continue;
      }
      this.pending.push(...this.takeLine(lineEnd).split('\r'));
    }
  }

  /** The next row into `row`: true, or false at the end of the file. */
  async nextRow(row: Float64Array): Promise<boolean> {
    for (;;) {
      const status = this.next(row);
      if (status === ROW) return true;
      if (status === END) return false;
      await this.fill();
    }
  }

  /**
   * The next row into `row` from the bytes at hand: ROW, NEED_BYTES (call fill, then
   * again) or END. Throws an InputError naming the line and column of a bad cell.
   */
  next(row: Float64Array): number {
    for (;;) {
      if (this.pending.length === 0) {
        const status = this.plainRow(row);
        if (status !== UNUSUAL) return status;
        const lineEnd = this.findLineEnd();
        if (lineEnd === -1) return this.eof ? END : NEED_BYTES;
        if (this.isBlank(lineEnd)) {
          this.at = lineEnd + 1;
          this.lineNumber++;
          continue;
        }
        this.pending.push(...this.takeLine(lineEnd).split('\r'));
      }
      const text = this.pending.shift() as string;
      this.lineNumber++;
      if (text.trim() === '') continue;
      this.parseText(text, row);
      return ROW;
    }
  }

  /**
   * The fast path: the line at `at` into `row` when it is `width` plain ASCII numbers (or
   * NaN where samples are) separated by commas, ending at \n, \r\n, a lone \r or the end
   * of the file; then ROW. NEED_BYTES when the bytes at hand end inside such a line.
   * UNUSUAL for anything else, without moving: the caller looks at the line again.
   */
  private plainRow(row: Float64Array): number {
    const bytes = this.buffer;
    const end = this.end;
    const last = this.width - 1;
    let p = this.at;
    for (let c = 0; ; c++) {
      while (p < end && isAsciiSpace(bytes[p])) p++;
      const stop = scanCsvDecimal(bytes, p, end, row, c);
      if (stop === -1) {
        // A NaN cell (a missing sample) where samples are; anything else is for the text path.
        if ((c === 0 && this.hasTime) || !isNanWord(bytes, p, end)) return p === end && !this.eof ? NEED_BYTES : UNUSUAL;
        row[c] = Number.NaN;
        p += 3;
      } else {
        // 1e400: the text path names the cell that is not finite.
        if (!Number.isFinite(row[c])) return UNUSUAL;
        p = stop;
      }
      while (p < end && isAsciiSpace(bytes[p])) p++;
      // The number may go on in the bytes not read yet.
      if (p === end && !this.eof) return NEED_BYTES;
      const b = p === end ? 10 : bytes[p];
      if (b === 44) {
        // ','
        if (c === last) return UNUSUAL;
        p++;
        continue;
      }
      if (c !== last) return UNUSUAL;
      if (b === 10) {
        this.at = p < end ? p + 1 : end;
      } else if (b === 13) {
        // \r\n, or a lone \r, which ends a line too.
        if (p + 1 === end && !this.eof) return NEED_BYTES;
        this.at = p + 1 < end && bytes[p + 1] === 10 ? p + 2 : p + 1;
      } else return UNUSUAL;
      this.lineNumber++;
      return ROW;
    }
  }

  /** Index of the \n ending the line at `at` (or `end` for the file's unterminated last line); -1 when more bytes are needed or none are left. */
  private findLineEnd(): number {
    if (this.at >= this.end) return -1;
    const newline = this.buffer.indexOf(10, this.at);
    if (newline >= 0 && newline < this.end) return newline;
    return this.eof ? this.end : -1;
  }

  /** Whether the line from `at` to lineEnd is white space only (and holds no lone \r, which would make it two lines). */
  private isBlank(lineEnd: number): boolean {
    let stop = lineEnd;
    if (stop > this.at && this.buffer[stop - 1] === 13) stop--;
    for (let p = this.at; p < stop; p++) if (!isAsciiSpace(this.buffer[p])) return false;
    return true;
  }

  /** The line at `at` as text (without its \n or \r\n), moving past it. */
  private takeLine(lineEnd: number): string {
    let stop = lineEnd;
    if (stop > this.at && this.buffer[stop - 1] === 13) stop--;
    const text = this.buffer.toString('utf8', this.at, stop);
    this.at = lineEnd + 1;
    return text;
  }

  /** The text path: one line's cells, each checked, the first problem an InputError naming it. */
  private parseText(text: string, row: Float64Array): void {
    const { path, header, width, lineNumber } = this;
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
      } else if (i > 0 || !this.hasTime ? /^nan$/i.test(cell) : false) row[i] = Number.NaN;
      else {
        throw new InputError(`${path}: line ${lineNumber}, column ${i + 1} (${header[i]}): expected a number, got "${cell.slice(0, 40)}"`);
      }
    }
  }
}

/** Space, tab, vertical tab, form feed: the ASCII white space String.prototype.trim removes inside a line. */
function isAsciiSpace(byte: number): boolean {
  // One comparison for the usual byte (a digit, a sign, a comma).
  return byte <= 32 && (byte === 32 || byte === 9 || byte === 11 || byte === 12);
}

/** Whether bytes[start..] begin with "nan" in any case (before `end`). */
function isNanWord(bytes: Buffer, start: number, end: number): boolean {
  return end - start >= 3 && (bytes[start] | 32) === 110 && (bytes[start + 1] | 32) === 97 && (bytes[start + 2] | 32) === 110;
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
