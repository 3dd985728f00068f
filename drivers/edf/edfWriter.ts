import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { assertValidBlock, blockLength, type SampleBlock } from '../../signals/sampleBlock.js';
import { gridGain, toDigital, type QuantizationGrid } from '../../signals/quantizationGrid.js';
import { InputError } from '../inputError.js';
import {
  ANNOTATION_LABEL,
  DIGITAL_RANGE,
  EDF_FIXED_FIELDS,
  EDF_SIGNAL_FIELDS,
  asWrittenGrid,
  bytesPerSample,
  chooseRecordDuration,
  fixedFieldOffset,
  formatEdfNumber,
  headerBytes,
  padField,
  signalFieldOffset,
  type EdfFixedFieldName,
  type EdfFormat,
  type EdfSignalFieldName,
  type RecordDuration,
} from './edfLayout.js';
import { NEUROLOOP_TAG } from './neuroloopAnnotations.js';
import { MAX_TAL_BYTES, MAX_TIME_KEEPING_TAL_BYTES, TimeKeepingTal, encodeTal } from './talEncoder.js';

/** One ordinary signal of a recording. */
export interface EdfWriterSignal {
  readonly label: string;
  readonly physicalDimension: string;
  readonly transducer?: string;
  readonly prefiltering?: string;
  /** Asked-for grid; the file holds `asWrittenGrid(grid)` (EdfWriter.grids). */
  readonly grid: QuantizationGrid;
}

export interface EdfWriterOptions {
  /** Created (fails if it exists: 'wx'), written in place. */
  readonly path: string;
  /** 'bdf' (BDF+, 24-bit) or 'edf' (EDF+, 16-bit). */
  readonly format: EdfFormat;
  /** One rate for all signals. */
  readonly fs_Hz: number;
  /** Time of sample 0, to the millisecond (the header holds the second, each record's time-keeping annotation the rest). */
  readonly start: Date;
  readonly patient?: { code?: string; sex?: 'M' | 'F'; birthdate?: Date; name?: string };
  /** equipment e.g. 'neuroloop-0.1.0'. */
  readonly recording: { admincode?: string; technician?: string; equipment: string };
  readonly signals: readonly EdfWriterSignal[];
  /** Bytes of annotations per data record; default 512 (rounded up to whole samples). */
  readonly annotationBytesPerRecord?: number;
  /** Longest host time between fsyncs while data flows; default 1000. */
  readonly sync_ms?: number;
}

export interface EdfWriterCounters {
  /** Data records written (complete, in the file). */
  readonly records: number;
  /** Sample indices written from blocks (per channel, not summed over channels). */
  readonly samples: number;
  /** Single channel samples outside their signal's physical range, stored as the range's end. */
  readonly clippedSamples: number;
  /** Sample indices missing from the blocks (firstIndex jumps), padded with held values. */
  readonly lostSamples: number;
  /** Annotations written into the file, neuroloop's own ([lost], [end]) included; time-keeping TALs are not counted. */
  readonly annotations: number;
  /** Bytes written into the file (header and records). */
  readonly bytes: number;
}

/**
 * The annotation signal's label. EDF+ names it "EDF Annotations"; BDF+ files name it
 * "BDF Annotations": EDFlib (the library under EDFbrowser) writes that and refuses a BDF+
 * file whose annotation signal is labelled "EDF Annotations" (libedf 1.23, as the tests
 * run it through test/drivers/fixtures/edflib_read.c). MNE and biosig accept both.
 */
function annotationLabel(format: EdfFormat): string {
  return format === 'bdf' ? 'BDF Annotations' : ANNOTATION_LABEL;
}

const DEFAULT_ANNOTATION_BYTES_PER_RECORD = 512;
const DEFAULT_SYNC_MS = 1000;

/** Room for a record's time-keeping TAL and the longest annotation, so that every annotation fits some record. */
export const MIN_ANNOTATION_BYTES_PER_RECORD = MAX_TIME_KEEPING_TAL_BYTES + MAX_TAL_BYTES;

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

const two = (n: number): string => String(n).padStart(2, '0');

/** dd-MMM-yyyy (EDF+ patient and recording fields), in UTC. */
function edfPlusDate(date: Date): string {
  return `${two(date.getUTCDate())}-${MONTHS[date.getUTCMonth()]}-${date.getUTCFullYear()}`;
}

/** An EDF+ subfield: 'X' when unknown, spaces replaced by '_' (EDF+ spec 2.1.3). */
function subfield(value: string | undefined): string {
  return value === undefined || value === '' ? 'X' : value.replace(/ /g, '_');
}

/** The digital value nearest 0 in a grid's range: what an unwritten channel holds (0 when the range has it). */
function restingDigital(grid: QuantizationGrid): number {
  const lo = Math.min(grid.digitalMin, grid.digitalMax);
  const hi = Math.max(grid.digitalMin, grid.digitalMax);
  return Math.min(hi, Math.max(lo, 0));
}

/** A failed fs call as an Error naming the path, the operation and the system's code. */
function diskError(path: string, operation: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  const detail = error instanceof Error ? error.message : String(error);
  return new Error(`recording ${path}: ${operation} failed${code === undefined ? '' : ` (${code})`}: ${detail}`, { cause: error });
}

interface Layout {
  readonly record: RecordDuration;
  readonly grids: readonly QuantizationGrid[];
  readonly annotationSamples: number;
  readonly header: Buffer;
  readonly offset_ms: number;
}

/** Checks the options and builds the header; every problem is an InputError naming the path and what is wrong. */
function layOut(o: EdfWriterOptions): Layout {
  const where = `recording ${o.path}`;
  if (o.format !== 'bdf' && o.format !== 'edf') throw new InputError(`${where}: format must be 'bdf' or 'edf', got ${String(o.format)}`);
  if (!(Number.isFinite(o.fs_Hz) && o.fs_Hz > 0)) throw new InputError(`${where}: the sample rate must be a positive number of Hz, got ${o.fs_Hz}`);
  const record = chooseRecordDuration(o.fs_Hz);
  if (record === null) {
    throw new InputError(`${where}: no EDF data-record duration (8 characters, up to 60 s) holds a whole number of samples at fs ${o.fs_Hz} Hz; record at a rate such as ${Math.round(o.fs_Hz)} Hz`);
  }
  if (!(o.start instanceof Date) || Number.isNaN(o.start.getTime())) throw new InputError(`${where}: the start time is not a valid date`);
  const startMs = o.start.getTime();
  const offset_ms = ((startMs % 1000) + 1000) % 1000;
  // The header holds the start second; the time-keeping annotations hold the milliseconds (EDF+ spec 2.2.4).
  const startSecond = new Date(startMs - offset_ms);
  const year = startSecond.getUTCFullYear();
  if (year < 1985 || year > 9999) throw new InputError(`${where}: EDF+ start dates run from 1985 to 9999, got ${startSecond.toISOString()}`);
  if (o.signals.length === 0) throw new InputError(`${where}: a recording needs at least one signal`);
  if (o.signals.length + 1 > 9999) throw new InputError(`${where}: ${o.signals.length} signals do not fit the 4-character signal count`);
  const annotationBytes = o.annotationBytesPerRecord ?? DEFAULT_ANNOTATION_BYTES_PER_RECORD;
  if (!Number.isInteger(annotationBytes) || annotationBytes < MIN_ANNOTATION_BYTES_PER_RECORD) {
    throw new InputError(`${where}: annotationBytesPerRecord must be a whole number of at least ${MIN_ANNOTATION_BYTES_PER_RECORD} (a time-keeping annotation and the longest annotation), got ${annotationBytes}`);
  }
  const bps = bytesPerSample(o.format);
  const annotationSamples = Math.ceil(annotationBytes / bps);
  const digital = DIGITAL_RANGE[o.format];

  const ns = o.signals.length + 1;
  const header = Buffer.alloc(headerBytes(ns), 0x20);
  const field = (text: string, offset: number, width: number, what: string): void => {
    try {
      header.write(padField(text, width, what), offset, width, 'latin1');
    } catch (error) {
      throw new InputError(`${where}: ${(error as Error).message}`);
    }
  };
  const fixed = (name: EdfFixedFieldName, text: string, what: string = name): void => {
    const width = EDF_FIXED_FIELDS.find((f) => f.name === name)?.width ?? 0;
    field(text, fixedFieldOffset(name), width, what);
  };
  const perSignal = (name: EdfSignalFieldName, signal: number, text: string, what: string): void => {
    const width = EDF_SIGNAL_FIELDS.find((f) => f.name === name)?.width ?? 0;
    field(text, signalFieldOffset(name, signal, ns), width, what);
  };

  if (o.format === 'bdf') {
    // BDF's version field is the byte 0xFF then "BIOSEMI" (BioSemi, file_format.htm): not ASCII, so not through padField.
    header[0] = 0xff;
    header.write('BIOSEMI', 1, 7, 'latin1');
  } else fixed('version', '0');
  const p = o.patient ?? {};
  const sex = p.sex === 'M' || p.sex === 'F' ? p.sex : 'X';
  if (p.birthdate !== undefined && Number.isNaN(p.birthdate.getTime())) throw new InputError(`${where}: the patient's birthdate is not a valid date`);
  const birthdate = p.birthdate === undefined ? 'X' : edfPlusDate(p.birthdate);
  fixed('patient', `${subfield(p.code)} ${sex} ${birthdate} ${subfield(p.name)}`, 'patient identification');
  const r = o.recording;
  fixed('recording', `Startdate ${edfPlusDate(startSecond)} ${subfield(r.admincode)} ${subfield(r.technician)} ${subfield(r.equipment)}`, 'recording identification');
  // The header's date and time are UTC, as neuroloop's traces are: a recording made abroad
  // or across a daylight-saving change still lines up with its trace.
  const yy = year <= 2084 ? two(year % 100) : 'yy'; // EDF+ spec 2.1.3.2: after 2084 only the recording field holds the year
  fixed('startdate', `${two(startSecond.getUTCDate())}.${two(startSecond.getUTCMonth() + 1)}.${yy}`);
  fixed('starttime', `${two(startSecond.getUTCHours())}.${two(startSecond.getUTCMinutes())}.${two(startSecond.getUTCSeconds())}`);
  fixed('header bytes', formatEdfNumber(header.length));
  fixed('reserved', o.format === 'bdf' ? 'BDF+C' : 'EDF+C');
  // -1 while writing (EDF spec); close() patches the count in place.
  fixed('number of data records', '-1');
  fixed('duration of a data record', record.field);
  fixed('number of signals', formatEdfNumber(ns, 4));

  const grids: QuantizationGrid[] = [];
  o.signals.forEach((s, i) => {
    const name = `signal ${i} (${JSON.stringify(s.label)})`;
    if (s.label.trim() === '') throw new InputError(`${where}: ${name}: the label is empty`);
    if (s.label.trim() === ANNOTATION_LABEL || s.label.trim() === annotationLabel(o.format)) {
      throw new InputError(`${where}: ${name}: "${s.label.trim()}" is the label of the annotation signal`);
    }
    let grid: QuantizationGrid;
    try {
      grid = asWrittenGrid(s.grid);
    } catch (error) {
      throw new InputError(`${where}: ${name}: ${(error as Error).message}`);
    }
    for (const key of ['digitalMin', 'digitalMax'] as const) {
      const d = grid[key];
      if (!Number.isInteger(d) || d < digital.min || d > digital.max) {
        throw new InputError(`${where}: ${name}: ${key} must be a whole number in ${digital.min}..${digital.max} for ${o.format.toUpperCase()}, got ${s.grid[key]}`);
      }
    }
    if (grid.digitalMin === grid.digitalMax) throw new InputError(`${where}: ${name}: the digital minimum and maximum are equal (${grid.digitalMin})`);
    if (grid.physicalMin === grid.physicalMax) {
      throw new InputError(`${where}: ${name}: the physical minimum and maximum are equal as written (${s.grid.physicalMin}, ${s.grid.physicalMax} -> ${grid.physicalMin})`);
    }
    grids.push(grid);
    perSignal('label', i, s.label, `${name} label`);
    perSignal('transducer type', i, s.transducer ?? '', `${name} transducer`);
    perSignal('physical dimension', i, s.physicalDimension, `${name} physical dimension`);
    perSignal('physical minimum', i, formatEdfNumber(grid.physicalMin), `${name} physical minimum`);
    perSignal('physical maximum', i, formatEdfNumber(grid.physicalMax), `${name} physical maximum`);
    perSignal('digital minimum', i, formatEdfNumber(grid.digitalMin), `${name} digital minimum`);
    perSignal('digital maximum', i, formatEdfNumber(grid.digitalMax), `${name} digital maximum`);
    perSignal('prefiltering', i, s.prefiltering ?? '', `${name} prefiltering`);
    perSignal('samples per data record', i, formatEdfNumber(record.samples), `${name} samples per data record`);
  });
  // The annotation signal, last (EDF+ spec 2.2.1): blank transducer, dimension and
  // prefiltering; any physical minimum and maximum that differ; the format's whole digital range.
  const a = o.signals.length;
  perSignal('label', a, annotationLabel(o.format), 'annotation signal label');
  perSignal('physical minimum', a, '-1', 'annotation signal physical minimum');
  perSignal('physical maximum', a, '1', 'annotation signal physical maximum');
  perSignal('digital minimum', a, formatEdfNumber(digital.min), 'annotation signal digital minimum');
  perSignal('digital maximum', a, formatEdfNumber(digital.max), 'annotation signal digital maximum');
  perSignal('samples per data record', a, formatEdfNumber(annotationSamples), 'annotation signal samples per data record');
  return { record, grids, annotationSamples, header, offset_ms };
}

/**
 * Writes a session to a BDF+ or EDF+ file as it runs, so that EDFbrowser, MNE and biosig
 * read it, also after a crash (EDF+: https://www.edfplus.info/specs/edfplus.html; BDF:
 * https://www.biosemi.com/faq/file_format.htm with the EDF+ rules).
 *
 * Samples fill a preallocated record; each record is written with one positioned write as
 * soon as it is complete, and fsynced at least every `sync_ms` of host time, so a kill -9
 * loses at most the record being filled (a second or less, unless the rate needs longer
 * records: chooseRecordDuration) and leaves complete records
 * that readers open (the record count stays -1 until close; readers infer it from the size).
 *
 * Lost samples (a jump in firstIndex) are padded with each channel's last value and
 * described by a "[lost] N samples" annotation in the record holding the padding, so the
 * file stays continuous (+C) and a neuroloop-aware reader can turn the span back into a gap.
 */
export class EdfWriter {
  readonly path: string;
  readonly format: EdfFormat;
  readonly fs_Hz: number;
  readonly record: RecordDuration;
  readonly grids: readonly QuantizationGrid[];

  private readonly fd: number;
  private readonly bps: 2 | 3;
  private readonly spr: number;
  private readonly headerSize: number;
  private readonly recordBytes: number;
  private readonly recordBuffer: Buffer;
  /** The annotation signal's bytes inside recordBuffer. */
  private readonly annotationArea: Buffer;
  private readonly timeKeeping: TimeKeepingTal;
  private readonly offset_ms: number;
  private readonly gains: Float64Array;
  private readonly physicalLo: Float64Array;
  private readonly physicalHi: Float64Array;
  /** Each channel's last digital value: what padding repeats. */
  private readonly held: Int32Array;
  private readonly syncEvery_ms: number;

  /** Next sample index expected, and its slot in the record being filled. */
  private nextIndex = 0;
  private slot = 0;
  /** Lost spans inside the record being filled (first index, length); merged when more come than fit. */
  private readonly lostFirst: Float64Array;
  private readonly lostLength: Float64Array;
  private lostSpans = 0;
  /** Encoded TALs waiting for room, oldest first. */
  private readonly pending: Buffer[] = [];

  private records = 0;
  private samples = 0;
  private clipped = 0;
  private lost = 0;
  private annotationCount = 0;

  private unsynced = false;
  private lastSync_ms: number;
  private readonly timer: NodeJS.Timeout;
  /** A disk error, kept to be thrown by the next call (a timer cannot throw to anyone). */
  private failure: Error | null = null;
  private state: 'open' | 'closed' = 'open';
  private closing: Promise<void> | null = null;

  private constructor(o: EdfWriterOptions, layout: Layout, fd: number) {
    this.path = o.path;
    this.format = o.format;
    this.fs_Hz = o.fs_Hz;
    this.record = layout.record;
    this.grids = layout.grids;
    this.fd = fd;
    this.bps = bytesPerSample(o.format);
    this.spr = layout.record.samples;
    this.headerSize = layout.header.length;
    const signalBytes = this.grids.length * this.spr * this.bps;
    this.recordBytes = signalBytes + layout.annotationSamples * this.bps;
    this.recordBuffer = Buffer.alloc(this.recordBytes);
    this.annotationArea = this.recordBuffer.subarray(signalBytes);
    this.offset_ms = layout.offset_ms;
    this.timeKeeping = new TimeKeepingTal(layout.record.field, layout.offset_ms);
    this.gains = Float64Array.from(this.grids, gridGain);
    this.physicalLo = Float64Array.from(this.grids, (g) => Math.min(g.physicalMin, g.physicalMax));
    this.physicalHi = Float64Array.from(this.grids, (g) => Math.max(g.physicalMin, g.physicalMax));
    this.held = Int32Array.from(this.grids, restingDigital);
    // The shortest [lost] TAL is about 20 bytes: more spans than this cannot fit one record anyway.
    const maxSpans = Math.max(1, Math.floor(this.annotationArea.length / 20));
    this.lostFirst = new Float64Array(maxSpans);
    this.lostLength = new Float64Array(maxSpans);
    this.syncEvery_ms = o.sync_ms ?? DEFAULT_SYNC_MS;
    this.lastSync_ms = performance.now();
    this.timer = setInterval(() => this.syncFromTimer(), this.syncEvery_ms);
    // The timer alone must not keep the process alive.
    this.timer.unref();
  }

  /** Creates the file (never overwrites one) and writes its header. */
  static async create(o: EdfWriterOptions): Promise<EdfWriter> {
    const sync_ms = o.sync_ms ?? DEFAULT_SYNC_MS;
    if (!(Number.isFinite(sync_ms) && sync_ms > 0)) throw new InputError(`recording ${o.path}: sync_ms must be a positive number of milliseconds, got ${sync_ms}`);
    const layout = layOut(o);
    let fd: number;
    try {
      fd = openSync(o.path, 'wx');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new InputError(`recording ${o.path}: the file already exists (a recording is never overwritten); choose another path`);
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new InputError(`recording ${o.path}: its folder does not exist`);
      if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw new InputError(`recording ${o.path}: not allowed to create the file (${code})`);
      throw diskError(o.path, 'create', error);
    }
    const writer = new EdfWriter(o, layout, fd);
    try {
      writer.writeAt(layout.header, 0, 'write the header');
      writer.sync();
    } catch (error) {
      writer.abandon();
      throw error;
    }
    return writer;
  }

  /**
   * Appends a block (any length; channels in the order of `signals`). A firstIndex past the
   * next expected index is a gap: the lost samples are padded and annotated. Going back is an Error.
   */
  write(block: SampleBlock): void {
    this.assertWritable();
    try {
      assertValidBlock(block, this.grids.length, this.fs_Hz);
    } catch (error) {
      throw new Error(`recording ${this.path}: ${(error as Error).message}`);
    }
    const n = blockLength(block);
    if (n === 0) return;
    if (block.firstIndex < this.nextIndex) {
      throw new Error(`recording ${this.path}: a block starts at sample ${block.firstIndex}, before the next expected sample ${this.nextIndex}; indices never go back`);
    }
    if (block.firstIndex > this.nextIndex) this.padGap(block.firstIndex - this.nextIndex);
    const bps = this.bps;
    const spr = this.spr;
    let i = 0;
    while (i < n) {
      const chunk = Math.min(n - i, spr - this.slot);
      for (let c = 0; c < block.data.length; c++) {
        const data = block.data[c];
        const grid = this.grids[c];
        const gain = this.gains[c];
        const lo = this.physicalLo[c];
        const hi = this.physicalHi[c];
        let at = (c * spr + this.slot) * bps;
        let d = this.held[c];
        for (let j = i; j < i + chunk; j++) {
          const x = data[j];
          // Outside the physical range the file holds the range's end (NaN: digitalMin, uncounted, as the live path's snap).
          if (x < lo || x > hi) this.clipped++;
          d = toDigital(grid, gain, x);
          this.putSample(at, d);
          at += bps;
        }
        this.held[c] = d;
      }
      this.slot += chunk;
      this.nextIndex += chunk;
      this.samples += chunk;
      i += chunk;
      if (this.slot === spr) this.writeRecord();
    }
    if (this.unsynced && performance.now() - this.lastSync_ms >= this.syncEvery_ms) this.sync();
  }

  /**
   * Queues an annotation at data time `onset_s` (seconds from sample 0); it is written in
   * the next record(s) written, whole, never dropped. The text is cleaned and cut as
   * talEncoder's `annotationTextBytes` says.
   */
  annotate(onset_s: number, text: string, duration_s?: number): void {
    this.assertWritable();
    try {
      this.pending.push(encodeTal(onset_s, duration_s, text, this.offset_ms));
    } catch (error) {
      throw new Error(`recording ${this.path}: ${(error as Error).message}`);
    }
  }

  counters(): EdfWriterCounters {
    return { records: this.records, samples: this.samples, clippedSamples: this.clipped, lostSamples: this.lost, annotations: this.annotationCount, bytes: this.headerSize + this.records * this.recordBytes };
  }

  /**
   * Ends the recording: "[end] <endReason>" just after the last sample, the last record
   * padded with held values, every pending annotation written (in extra padded records if
   * need be), the record count patched in place, fsync, close. Idempotent.
   */
  close(endReason: string): Promise<void> {
    if (this.closing === null) {
      this.closing = new Promise<void>((resolve) => resolve(this.finish(endReason)));
    }
    return this.closing;
  }

  /** Closes the file as it is, without the last record or the record count: what a crash leaves (tests). */
  abandon(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closing ??= Promise.resolve();
    clearInterval(this.timer);
    try {
      closeSync(this.fd);
    } catch {
      // Nothing to save: the file is being left as a crash would leave it.
    }
  }

  private finish(endReason: string): void {
    if (this.state === 'closed') return;
    clearInterval(this.timer);
    const earlier = this.failure;
    try {
      if (earlier !== null) throw earlier;
      const reason = endReason.trim();
      this.pending.push(encodeTal(this.nextIndex / this.fs_Hz, undefined, reason === '' ? NEUROLOOP_TAG.end : `${NEUROLOOP_TAG.end} ${reason}`, this.offset_ms));
      if (this.slot > 0) this.padRecord();
      // Annotations that did not fit, and a recording without samples, get padded records of their own.
      while (this.pending.length > 0 || this.records === 0) {
        const waiting = this.pending.length;
        this.padRecord();
        if (this.pending.length === waiting && waiting > 0) throw new Error(`recording ${this.path}: an annotation does not fit an empty record`);
      }
      const count = Buffer.from(padField(formatEdfNumber(this.records), 8, 'number of data records'), 'latin1');
      this.writeAt(count, fixedFieldOffset('number of data records'), 'patch the record count');
      this.sync();
    } catch (error) {
      this.abandon();
      if (earlier !== null) throw new Error(`recording ${this.path}: not finished (no [end], record count left at -1) after an earlier error: ${earlier.message}`, { cause: earlier });
      throw error;
    }
    this.state = 'closed';
    try {
      closeSync(this.fd);
    } catch (error) {
      throw diskError(this.path, 'close', error);
    }
  }

  private assertWritable(): void {
    if (this.state === 'closed' || this.closing !== null) throw new Error(`recording ${this.path}: already closed`);
    if (this.failure !== null) throw this.failure;
  }

  /** Two's complement, little-endian: 16-bit for EDF, 24-bit for BDF. */
  private putSample(at: number, d: number): void {
    const b = this.recordBuffer;
    b[at] = d & 0xff;
    b[at + 1] = (d >> 8) & 0xff;
    if (this.bps === 3) b[at + 2] = (d >> 16) & 0xff;
  }

  /** Fills `count` slots from the current one with each channel's held value. */
  private hold(count: number): void {
    const bps = this.bps;
    for (let c = 0; c < this.grids.length; c++) {
      const d = this.held[c];
      let at = (c * this.spr + this.slot) * bps;
      for (let k = 0; k < count; k++, at += bps) this.putSample(at, d);
    }
    this.slot += count;
  }

  /** Pads `count` lost samples record by record, noting each record's span for its [lost] annotation. */
  private padGap(count: number): void {
    while (count > 0) {
      const chunk = Math.min(count, this.spr - this.slot);
      this.noteLostSpan(this.nextIndex, chunk);
      this.hold(chunk);
      this.nextIndex += chunk;
      this.lost += chunk;
      count -= chunk;
      if (this.slot === this.spr) this.writeRecord();
    }
  }

  private noteLostSpan(first: number, length: number): void {
    const last = this.lostSpans - 1;
    if (this.lostSpans === this.lostFirst.length) {
      // More gaps in one record than its annotations can describe: widen the last span over this one.
      this.lostLength[last] = first + length - this.lostFirst[last];
      return;
    }
    this.lostFirst[this.lostSpans] = first;
    this.lostLength[this.lostSpans] = length;
    this.lostSpans++;
  }

  /** Pads the rest of the record being filled with held values (samples after the data's end) and writes it. */
  private padRecord(): void {
    this.hold(this.spr - this.slot);
    this.writeRecord();
  }

  private lostTal(span: number): Buffer {
    const length = this.lostLength[span];
    return encodeTal(this.lostFirst[span] / this.fs_Hz, length / this.fs_Hz, `${NEUROLOOP_TAG.lost} ${length} samples`, this.offset_ms);
  }

  /**
   * Writes the full record: its time-keeping TAL, the [lost] TALs of its padding (they must
   * be in this record: a reader meets them before the samples they describe), then as many
   * waiting annotations as fit, in order.
   */
  private writeRecord(): void {
    const area = this.annotationArea;
    area.fill(0);
    let at = this.timeKeeping.write(area, 0, this.records);
    if (this.lostSpans > 0) {
      let tals: Buffer[] = [];
      for (;;) {
        tals = [];
        let total = at;
        for (let s = 0; s < this.lostSpans; s++) {
          const tal = this.lostTal(s);
          tals.push(tal);
          total += tal.length;
        }
        if (total <= area.length || this.lostSpans === 1) break;
        // Too many gaps for one record's annotations: the last two spans become one, the
        // real samples between them then described as lost too (only ever in pathological input).
        const a = this.lostSpans - 2;
        const b = this.lostSpans - 1;
        this.lostLength[a] = this.lostFirst[b] + this.lostLength[b] - this.lostFirst[a];
        this.lostSpans--;
      }
      for (const tal of tals) {
        tal.copy(area, at);
        at += tal.length;
        this.annotationCount++;
      }
      this.lostSpans = 0;
    }
    while (this.pending.length > 0 && this.pending[0].length <= area.length - at) {
      const tal = this.pending[0];
      tal.copy(area, at);
      at += tal.length;
      this.pending.shift();
      this.annotationCount++;
    }
    this.writeAt(this.recordBuffer, this.headerSize + this.records * this.recordBytes, `write data record ${this.records}`);
    this.records++;
    this.slot = 0;
  }

  /** A positioned write of the whole buffer (a regular file may take it in parts). */
  private writeAt(buffer: Buffer, position: number, operation: string): void {
    let done = 0;
    try {
      while (done < buffer.length) {
        const written = writeSync(this.fd, buffer, done, buffer.length - done, position + done);
        if (written <= 0) throw new Error(`wrote ${written} bytes`);
        done += written;
      }
    } catch (error) {
      this.failure = diskError(this.path, operation, error);
      throw this.failure;
    } finally {
      if (done > 0) this.unsynced = true;
    }
  }

  private sync(): void {
    try {
      fsyncSync(this.fd);
    } catch (error) {
      this.failure = diskError(this.path, 'fsync', error);
      throw this.failure;
    }
    this.unsynced = false;
    this.lastSync_ms = performance.now();
  }

  /** The timer's fsync, for a source that goes quiet; an error waits for the next call. */
  private syncFromTimer(): void {
    if (!this.unsynced || this.failure !== null || this.state === 'closed') return;
    try {
      this.sync();
    } catch {
      // Kept in this.failure; write(), annotate() and close() throw it.
    }
  }
}
