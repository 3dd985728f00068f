import { open } from 'node:fs/promises';
import type { QuantizationGrid } from '../../signals/quantizationGrid.js';
import { InputError } from '../inputError.js';
import {
  ANNOTATION_LABEL,
  DIGITAL_RANGE,
  EDF_FIXED_BYTES,
  EDF_FIXED_FIELDS,
  EDF_SIGNAL_FIELDS,
  bytesPerSample,
  fixedFieldOffset,
  headerBytes as headerBytesFor,
  signalFieldOffset,
  type EdfFixedFieldName,
  type EdfFormat,
  type EdfSignalFieldName,
} from './edfLayout.js';
import type { EdfFileInfo, EdfSignalInfo } from './edfTypes.js';
import { isNeuroloopRecording } from './neuroloopAnnotations.js';

/**
 * Reads and checks the header of an EDF, EDF+, BDF or BDF+ file (EDF: Kemp et al. 1992,
 * https://www.edfplus.info/specs/edf.html; EDF+: https://www.edfplus.info/specs/edfplus.html;
 * BDF: BioSemi's 24-bit variant, version byte 0xFF then "BIOSEMI").
 *
 * Every field that the reader depends on is checked, and a broken one is an InputError
 * naming the file, the field (with the signal's index and label), its byte offset and
 * what was expected. Where real tools are known to be sloppy (leading spaces in numbers,
 * "24BIT" or "reserved" in the reserved field, impossible start dates, a trailing byte,
 * a crashed file's -1 record count) the file is read and a warning says what was odd.
 */
export async function readEdfHeader(path: string): Promise<EdfFileInfo> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new InputError(`${path}: ${describeOpenError(error)}`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new InputError(`${path}: not a file; expected an EDF/BDF file`);
    const size = stat.size;
    const fixed = Buffer.alloc(EDF_FIXED_BYTES);
    const fixedRead = await readAt(handle, fixed, 0);
    if (fixedRead < EDF_FIXED_BYTES) {
      throw new InputError(`${path}: the file is ${size} bytes, shorter than the ${EDF_FIXED_BYTES}-byte fixed part of an EDF/BDF header`);
    }
    // The version first: a file that is no EDF/BDF at all is told so, not that its signal count is odd.
    formatOf(fixed, path);
    const signalCount = parseSignalCount(fixed, path);
    const header = Buffer.alloc(headerBytesFor(signalCount));
    fixed.copy(header, 0);
    const headerRead = await readAt(handle, header, 0);
    if (headerRead < header.length) {
      throw new InputError(
        `${path}: header field "number of signals" at byte ${fixedFieldOffset('number of signals')} says ${signalCount} signals, so the header is ${header.length} bytes, but the file is only ${size} bytes long`,
      );
    }
    return parseEdfHeader(header, path, size);
  } finally {
    await handle.close();
  }
}

/** Version: "0" padded with spaces (EDF), or byte 0xFF then "BIOSEMI" (BDF). */
function formatOf(header: Buffer, path: string): EdfFormat {
  if (header[0] === 0xff && header.toString('latin1', 1, 8) === 'BIOSEMI') return 'bdf';
  if (header.toString('latin1', 0, 8).trim() === '0') return 'edf';
  const raw = header[0] === 0xff ? `\\xff${header.toString('latin1', 1, 8)}` : header.toString('latin1', 0, 8);
  throw new InputError(`${path}: header field "version" at byte 0: expected "0" (EDF) or byte 0xFF then "BIOSEMI" (BDF), got ${shown(raw)}; is this an EDF/BDF file?`);
}

/** Reads into `buffer` from `position` until it is full or the file ends; returns the bytes read. */
async function readAt(handle: import('node:fs/promises').FileHandle, buffer: Buffer, position: number): Promise<number> {
  let done = 0;
  while (done < buffer.length) {
    const { bytesRead } = await handle.read(buffer, done, buffer.length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

export function describeOpenError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'file not found';
  return `cannot read (${code ?? String(error)})`;
}

/** A signed decimal integer, with the spaces real tools put around it ("  1     "). */
const INTEGER = /^[+-]?\d+$/;
/** A decimal number as EDF writes them ("0.0040002", "-8711", ".5"); an exponent is tolerated. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The labels of an annotation signal: EDF+ says "EDF Annotations"; BDF+ writers (EDFlib, BioSemi) write "BDF Annotations". */
const ANNOTATION_LABELS: readonly string[] = [ANNOTATION_LABEL, 'BDF Annotations'];

/** A header field as ASCII (bytes above 0x7f kept as Latin-1, which old tools write into names), trimmed. */
function fieldText(header: Buffer, offset: number, width: number): string {
  return header.toString('latin1', offset, offset + width).trim();
}

function shown(text: string): string {
  return JSON.stringify(text);
}

function parseSignalCount(fixed: Buffer, path: string): number {
  const offset = fixedFieldOffset('number of signals');
  const text = fieldText(fixed, offset, 4);
  const n = INTEGER.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new InputError(`${path}: header field "number of signals" at byte ${offset}: expected a whole number of signals, at least 1, got ${shown(text)}`);
  }
  return n;
}

/**
 * Parses a whole header (fixed part and signal part, exactly `256 * (ns + 1)` bytes) of a
 * file of `fileSize` bytes. Exported for tests and for tools that hold the bytes already.
 */
export function parseEdfHeader(header: Buffer, path: string, fileSize: number): EdfFileInfo {
  const warnings: string[] = [];
  const fixedField = (name: EdfFixedFieldName): { text: string; offset: number } => {
    const offset = fixedFieldOffset(name);
    const width = EDF_FIXED_FIELDS.find((f) => f.name === name)?.width ?? 0;
    return { text: fieldText(header, offset, width), offset };
  };
  const fixedError = (name: EdfFixedFieldName, expected: string, got: string): InputError =>
    new InputError(`${path}: header field "${name}" at byte ${fixedFieldOffset(name)}: expected ${expected}, got ${shown(got)}`);

  const format = formatOf(header, path);

  const signalCount = parseSignalCount(header, path);
  const expectedHeaderBytes = headerBytesFor(signalCount);
  const headerBytesField = fixedField('header bytes');
  if (!INTEGER.test(headerBytesField.text) || Number(headerBytesField.text) !== expectedHeaderBytes) {
    throw fixedError('header bytes', `${expectedHeaderBytes} (256 × (${signalCount} signals + 1))`, headerBytesField.text);
  }
  if (fileSize < expectedHeaderBytes) {
    throw new InputError(`${path}: the file is ${fileSize} bytes long, shorter than its ${expectedHeaderBytes}-byte header (${signalCount} signals)`);
  }

  const recordCountField = fixedField('number of data records');
  if (!INTEGER.test(recordCountField.text) || Number(recordCountField.text) < -1 || !Number.isSafeInteger(Number(recordCountField.text))) {
    throw fixedError('number of data records', 'a whole number of records, or -1 when unknown', recordCountField.text);
  }
  const recordCountWritten = Number(recordCountField.text);

  const durationField = fixedField('duration of a data record');
  const recordDuration_s = DECIMAL.test(durationField.text) ? Number(durationField.text) : Number.NaN;
  if (!Number.isFinite(recordDuration_s) || recordDuration_s < 0) {
    throw fixedError('duration of a data record', 'a number of seconds, 0 or more (e.g. 1 or 0.5)', durationField.text);
  }

  // Signals: each field is stored for every signal in turn (all labels, then all transducers...).
  const signals: EdfSignalInfo[] = [];
  const range = DIGITAL_RANGE[format];
  for (let i = 0; i < signalCount; i++) {
    const field = (name: EdfSignalFieldName): { text: string; offset: number } => {
      const offset = signalFieldOffset(name, i, signalCount);
      const width = EDF_SIGNAL_FIELDS.find((f) => f.name === name)?.width ?? 0;
      return { text: fieldText(header, offset, width), offset };
    };
    const label = field('label').text;
    const where = (name: EdfSignalFieldName): string => `${path}: header field "${name}" of signal ${i} (${shown(label)}) at byte ${signalFieldOffset(name, i, signalCount)}`;
    const isAnnotation = ANNOTATION_LABELS.includes(label);

    const samples = field('samples per data record');
    const samplesPerRecord = INTEGER.test(samples.text) ? Number(samples.text) : Number.NaN;
    if (!Number.isSafeInteger(samplesPerRecord) || samplesPerRecord < 1) {
      throw new InputError(`${where('samples per data record')}: expected a positive integer, got ${shown(samples.text)}`);
    }

    const number = (name: 'physical minimum' | 'physical maximum'): number => {
      const f = field(name);
      const x = DECIMAL.test(f.text) ? Number(f.text) : Number.NaN;
      if (!Number.isFinite(x)) throw new InputError(`${where(name)}: expected a number, got ${shown(f.text)}`);
      return x;
    };
    const integer = (name: 'digital minimum' | 'digital maximum'): number => {
      const f = field(name);
      const x = INTEGER.test(f.text) ? Number(f.text) : Number.NaN;
      if (!Number.isSafeInteger(x) || x < range.min || x > range.max) {
        throw new InputError(`${where(name)}: expected an integer from ${range.min} to ${range.max} (${format.toUpperCase()}), got ${shown(f.text)}`);
      }
      return x;
    };

    let grid: QuantizationGrid;
    if (isAnnotation) {
      // An annotation signal holds text, not samples: its ranges are never used, and
      // writers fill them loosely. Take them when they read as numbers.
      grid = annotationGrid(field, range);
    } else {
      const physicalMin = number('physical minimum');
      const physicalMax = number('physical maximum');
      if (physicalMin === physicalMax) {
        throw new InputError(`${where('physical maximum')}: expected a number different from the physical minimum (${physicalMin}), got ${shown(field('physical maximum').text)}`);
      }
      const digitalMin = integer('digital minimum');
      const digitalMax = integer('digital maximum');
      if (digitalMin >= digitalMax) {
        throw new InputError(`${where('digital maximum')}: expected an integer greater than the digital minimum (${digitalMin}), got ${shown(field('digital maximum').text)}`);
      }
      grid = { physicalMin, physicalMax, digitalMin, digitalMax };
    }

    signals.push({
      index: i,
      label,
      transducer: field('transducer type').text,
      physicalDimension: field('physical dimension').text,
      prefiltering: field('prefiltering').text,
      samplesPerRecord,
      fs_Hz: recordDuration_s > 0 ? samplesPerRecord / recordDuration_s : Number.NaN,
      grid,
      isAnnotation,
    });
  }

  const reserved = fixedField('reserved').text;
  const variant = variantOf(format, reserved);
  if (variant.endsWith('D') && !signals.some((s) => s.isAnnotation)) {
    warnings.push(`the reserved field says ${shown(reserved)} (discontinuous) but there is no annotation signal to give the records' onsets: records are read as contiguous`);
  }

  const recording = header.toString('latin1', fixedFieldOffset('recording'), fixedFieldOffset('recording') + 80).trim();
  const start = parseStart(header, recording, warnings);

  // Records: complete ones only; what the size says wins over a field that says more.
  const recordBytes = signals.reduce((sum, s) => sum + s.samplesPerRecord, 0) * bytesPerSample(format);
  const body = fileSize - expectedHeaderBytes;
  const complete = Math.floor(body / recordBytes);
  const remainder = body - complete * recordBytes;
  let recordCount: number;
  if (recordCountWritten === -1) {
    recordCount = complete;
    warnings.push(`the number of data records is -1 (a recording still being written, or one that stopped without closing): ${complete} complete records found from the file size`);
    if (remainder > 0) warnings.push(truncatedRecord(complete, remainder, recordBytes));
  } else if (recordCountWritten > complete) {
    recordCount = complete;
    warnings.push(`header field "number of data records" says ${recordCountWritten} records, but the file holds ${complete} complete records: reading those`);
    if (remainder > 0) warnings.push(truncatedRecord(complete, remainder, recordBytes));
  } else {
    recordCount = recordCountWritten;
    const extra = body - recordCountWritten * recordBytes;
    if (extra > 0) warnings.push(`${extra} byte${extra === 1 ? '' : 's'} after the last of the ${recordCountWritten} data records: ignored`);
  }

  return {
    path,
    format,
    variant,
    patient: header.toString('latin1', fixedFieldOffset('patient'), fixedFieldOffset('patient') + 80).trim(),
    recording,
    start,
    headerBytes: expectedHeaderBytes,
    recordCountField: recordCountWritten,
    recordCount,
    recordDurationField: durationField.text,
    recordDuration_s,
    recordBytes,
    signals,
    writtenByNeuroloop: isNeuroloopRecording(recording),
    warnings,
  };
}

function truncatedRecord(record: number, bytes: number, recordBytes: number): string {
  return `record ${record} is truncated (${bytes} of ${recordBytes} bytes): dropped`;
}

function annotationGrid(field: (name: EdfSignalFieldName) => { text: string }, range: { min: number; max: number }): QuantizationGrid {
  const read = (name: EdfSignalFieldName, fallback: number): number => {
    const text = field(name).text;
    return DECIMAL.test(text) ? Number(text) : fallback;
  };
  return {
    physicalMin: read('physical minimum', -1),
    physicalMax: read('physical maximum', 1),
    digitalMin: read('digital minimum', range.min),
    digitalMax: read('digital maximum', range.max),
  };
}

/**
 * The variant from the reserved field. Only "EDF+C"/"EDF+D" (or "BDF+C"/"BDF+D") mean
 * anything; "24BIT", "reserved" and blanks are plain files. The sample format comes from
 * the version field, so a BDF whose reserved field says "EDF+C" is BDF+C.
 */
function variantOf(format: EdfFormat, reserved: string): EdfFileInfo['variant'] {
  const base = format === 'bdf' ? 'BDF' : 'EDF';
  const plus = /^[EB]DF\+([CD])/.exec(reserved);
  if (plus === null) return base;
  return plus[1] === 'C' ? `${base}+C` : `${base}+D`;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/**
 * Start date and time from "dd.mm.yy" and "hh.mm.ss". EDF's clipping rule gives the
 * century (yy >= 85: 19yy, else 20yy); an EDF+ recording field "Startdate dd-MMM-yyyy"
 * gives the four-digit year when present. Fields that are not a real date and time give
 * null and a warning: files with impossible dates exist (e.g. "42.00.00 26.00.99").
 */
function parseStart(header: Buffer, recording: string, warnings: string[]): Date | null {
  const dateOffset = fixedFieldOffset('startdate');
  const timeOffset = fixedFieldOffset('starttime');
  const dateText = fieldText(header, dateOffset, 8);
  const timeText = fieldText(header, timeOffset, 8);
  // EDF+ writes "yy" as the year after 2084 and leaves the year to the recording field.
  const date = /^(\d\d)\D(\d\d)\D(\d\d|yy)$/.exec(dateText);
  const time = /^(\d\d)\D(\d\d)\D(\d\d)$/.exec(timeText);
  const bad = (): null => {
    warnings.push(`header fields "startdate" and "starttime" at bytes ${dateOffset} and ${timeOffset} (${shown(dateText)} ${shown(timeText)}) are not a valid date and time (dd.mm.yy hh.mm.ss): the start time is unknown`);
    return null;
  };
  if (date === null || time === null) return bad();
  const day = Number(date[1]);
  const month = Number(date[2]);
  const yy = date[3] === 'yy' ? Number.NaN : Number(date[3]);
  let year = yy >= 85 ? 1900 + yy : 2000 + yy;
  const plus = /^Startdate\s+(\d\d)-([A-Za-z]{3})-(\d{4})(?:\s|$)/.exec(recording);
  // The four-digit year counts when it agrees with yy (or yy is "yy"); a disagreeing one is someone's typo, and yy is what every EDF reader uses.
  if (plus !== null && MONTHS.includes(plus[2].toUpperCase()) && (Number.isNaN(yy) || Number(plus[3]) % 100 === yy)) year = Number(plus[3]);
  if (Number.isNaN(year)) return bad();
  const hours = Number(time[1]);
  const minutes = Number(time[2]);
  const seconds = Number(time[3]);
  if (month < 1 || month > 12 || day < 1 || hours > 23 || minutes > 59 || seconds > 59) return bad();
  const start = new Date(Date.UTC(year, month - 1, day, hours, minutes, seconds));
  // Date.UTC rolls 31 February over into March: a day past the month's end is not a date.
  if (start.getUTCDate() !== day) return bad();
  return start;
}
