/**
 * Time-stamped annotation lists (TALs), the bytes of an EDF+/BDF+ annotation signal
 * (EDF+ spec, section 2.2, https://www.edfplus.info/specs/edfplus.html):
 *
 *   +Onset 0x15 Duration 0x14 Text 0x14 0x00
 *
 * Onset is seconds after the header's start second, signed ('+' or '-'), with an optional
 * decimal point and never an exponent; Duration (optional, with its 0x15) is unsigned.
 * Texts are UTF-8. The first TAL of every data record is the record's time-keeping TAL:
 * its onset, and an empty text (`+Onset 0x14 0x14 0x00`).
 */

const TAL_ONSET_END = 0x14;
const TAL_DURATION_START = 0x15;
const TAL_END = 0x00;
const PLUS = 0x2b;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;

/** Longest annotation text in bytes (UTF-8), ours to choose: long enough for an event's reason, short enough for one record. */
export const MAX_ANNOTATION_TEXT_BYTES = 200;

/** Onsets and durations of annotations must be below this (about 31 years of data): it bounds a TAL's size. */
export const MAX_TAL_SECONDS = 1e9;

/** Annotation onsets and durations are written to the nanosecond (9 decimals; a reader maps them to sample indices). */
const NS_PER_S = 1e9;
const TAL_DECIMALS = 9;

/**
 * The longest TAL `encodeTal` makes: '+' or '-', 10 integer digits (below 1e9 s plus the
 * start's sub-second), '.', 9 decimals; 0x15 and a duration of 10 + 1 + 9 characters; 0x14,
 * the text, 0x14, 0x00.
 */
export const MAX_TAL_BYTES = 1 + 10 + 1 + TAL_DECIMALS + (1 + 10 + 1 + TAL_DECIMALS) + 1 + MAX_ANNOTATION_TEXT_BYTES + 2;

/** Integer digits a time-keeping onset may have (below 1e10 s, some 300 years). */
const MAX_TIME_KEEPING_INTEGER_DIGITS = 10;

/** Decimals a record duration field can have: 8 characters of the form 0.dddddd (formatEdfNumber). */
const MAX_RECORD_DURATION_DECIMALS = 6;

/** The longest time-keeping TAL: '+', the integer digits, '.', the decimals, 0x14 0x14 0x00. */
export const MAX_TIME_KEEPING_TAL_BYTES = 1 + MAX_TIME_KEEPING_INTEGER_DIGITS + 1 + MAX_RECORD_DURATION_DECIMALS + 3;

const ELLIPSIS = Buffer.from('…', 'utf8');

/**
 * An annotation's text as the bytes a TAL holds: UTF-8, without the bytes that delimit
 * TALs (0x00, 0x14, 0x15: a text holding one would end its TAL early), and at most
 * MAX_ANNOTATION_TEXT_BYTES, cut at a character boundary and marked with "…".
 */
export function annotationTextBytes(text: string): Buffer {
  const bytes = Buffer.from(text.replace(/[\x00\x14\x15]/g, ''), 'utf8');
  if (bytes.length <= MAX_ANNOTATION_TEXT_BYTES) return bytes;
  let cut = MAX_ANNOTATION_TEXT_BYTES - ELLIPSIS.length;
  // Back off continuation bytes (10xxxxxx) so that no character is split.
  while (cut > 0 && (bytes[cut] & 0xc0) === 0x80) cut--;
  return Buffer.concat([bytes.subarray(0, cut), ELLIPSIS]);
}

/** Decimal digits of a non-negative integer. */
function digitCount(n: number): number {
  let digits = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    digits++;
  }
  return digits;
}

/** Writes a non-negative safe integer in decimal at `offset`; returns the offset after it. */
function writeInteger(target: Buffer, offset: number, n: number): number {
  const end = offset + digitCount(n);
  for (let at = end - 1; at >= offset; at--) {
    target[at] = ZERO + (n % 10);
    n = Math.floor(n / 10);
  }
  return end;
}

/**
 * Writes `whole + fraction / 10^decimals` (both non-negative integers, fraction below
 * 10^decimals) as decimal text without trailing zeros (no point when the fraction is 0).
 */
function writeDecimal(target: Buffer, offset: number, whole: number, fraction: number, decimals: number): number {
  offset = writeInteger(target, offset, whole);
  if (fraction === 0) return offset;
  while (fraction % 10 === 0) {
    fraction /= 10;
    decimals--;
  }
  target[offset++] = DOT;
  for (let at = offset + decimals - 1; at >= offset; at--) {
    target[at] = ZERO + (fraction % 10);
    fraction = Math.floor(fraction / 10);
  }
  return offset + decimals;
}

/** Seconds as whole seconds and nanoseconds (0 <= ns < 1e9), to the nearest nanosecond. */
function splitSeconds(seconds: number): { whole: number; ns: number } {
  let whole = Math.floor(seconds);
  // x - floor(x) is exact in binary floating point; only the scaling rounds.
  let ns = Math.round((seconds - whole) * NS_PER_S);
  if (ns === NS_PER_S) {
    whole += 1;
    ns = 0;
  }
  return { whole, ns };
}

/**
 * A TAL's time field: `offset_ms / 1000 + seconds`, added exactly and written to the
 * nanosecond with the fewest digits (e.g. "+12.34", "-0.5", "3"). Signed for an onset,
 * unsigned for a duration (which must not be negative).
 */
export function formatTalSeconds(seconds: number, options: { signed: boolean; offset_ms?: number }): string {
  if (!Number.isFinite(seconds) || Math.abs(seconds) >= MAX_TAL_SECONDS) {
    throw new Error(`an annotation time must be a finite number of seconds below ${MAX_TAL_SECONDS}, got ${seconds}`);
  }
  const offset_ms = options.offset_ms ?? 0;
  if (!Number.isInteger(offset_ms) || offset_ms < 0 || offset_ms >= 1000) throw new Error(`the sub-second offset must be whole milliseconds 0..999, got ${offset_ms}`);
  const split = splitSeconds(seconds);
  const ns = split.ns + offset_ms * 1e6;
  let whole = split.whole + Math.floor(ns / NS_PER_S);
  let fraction = ns % NS_PER_S;
  let negative = false;
  if (whole < 0) {
    // -2 + 0.25 is -1.75: write the magnitude.
    negative = true;
    if (fraction === 0) whole = -whole;
    else {
      whole = -whole - 1;
      fraction = NS_PER_S - fraction;
    }
  }
  if (!options.signed && negative) throw new Error(`an annotation duration must not be negative, got ${seconds}`);
  const scratch = Buffer.alloc(1 + 10 + 1 + TAL_DECIMALS);
  let at = 0;
  if (options.signed) scratch[at++] = negative ? MINUS : PLUS;
  at = writeDecimal(scratch, at, whole, fraction, TAL_DECIMALS);
  return scratch.toString('latin1', 0, at);
}

/**
 * One annotation as a TAL: onset (seconds after the header's start second), optional
 * duration, text (cleaned by `annotationTextBytes`; an empty text is refused, since an
 * empty TAL text means time-keeping). At most MAX_TAL_BYTES.
 */
export function encodeTal(onset_s: number, duration_s: number | undefined, text: string, offset_ms = 0): Buffer {
  const textBytes = annotationTextBytes(text);
  if (textBytes.length === 0) throw new Error(`annotation at ${onset_s} s: the text is empty (after removing the bytes 0x00, 0x14, 0x15 that TALs reserve)`);
  const onset = formatTalSeconds(onset_s, { signed: true, offset_ms });
  const duration = duration_s === undefined ? '' : formatTalSeconds(duration_s, { signed: false });
  const parts: Buffer[] = [Buffer.from(onset, 'latin1')];
  if (duration_s !== undefined) parts.push(Buffer.from([TAL_DURATION_START]), Buffer.from(duration, 'latin1'));
  parts.push(Buffer.from([TAL_ONSET_END]), textBytes, Buffer.from([TAL_ONSET_END, TAL_END]));
  return Buffer.concat(parts);
}

/**
 * The time-keeping TAL of each data record, written without allocating (once per record
 * on the recording path). Record r starts `offset_ms / 1000 + r * duration` seconds after
 * the header's start second; both are decimals (the duration exactly as its header field
 * is written), so the onset is computed in integers, scaled by 10^decimals, and written
 * exactly: a reader that checks the records' onsets against the record duration (EDFlib
 * does, for +C files) finds them to the last digit.
 */
export class TimeKeepingTal {
  private readonly decimals: number;
  private readonly scale: number;
  private readonly offsetScaled: number;
  private readonly stepScaled: number;

  /** `recordDurationField` is the header field as written ("1", "0.3"); `offset_ms` the start's sub-second (0..999). */
  constructor(recordDurationField: string, offset_ms: number) {
    const match = /^(\d*)(?:\.(\d*))?$/.exec(recordDurationField.trim());
    if (match === null || (match[1] === '' && (match[2] ?? '') === '')) throw new Error(`record duration field "${recordDurationField}" is not a plain decimal`);
    if (!Number.isInteger(offset_ms) || offset_ms < 0 || offset_ms >= 1000) throw new Error(`the sub-second offset must be whole milliseconds 0..999, got ${offset_ms}`);
    const durationDecimals = (match[2] ?? '').length;
    if (durationDecimals > MAX_RECORD_DURATION_DECIMALS) throw new Error(`record duration field "${recordDurationField}" has more than ${MAX_RECORD_DURATION_DECIMALS} decimals`);
    this.decimals = Math.max(3, durationDecimals);
    this.scale = 10 ** this.decimals;
    this.offsetScaled = offset_ms * 10 ** (this.decimals - 3);
    this.stepScaled = Number(`${match[1]}${match[2] ?? ''}`) * 10 ** (this.decimals - durationDecimals);
  }

  /** The onset of record `record` in seconds (for tests and messages; the TAL itself is exact). */
  onset_s(record: number): number {
    return (this.offsetScaled + record * this.stepScaled) / this.scale;
  }

  /** Writes record `record`'s time-keeping TAL at `offset`; returns the offset after it. */
  write(target: Buffer, offset: number, record: number): number {
    const scaled = this.offsetScaled + record * this.stepScaled;
    const whole = Math.floor(scaled / this.scale);
    if (!Number.isSafeInteger(scaled) || whole >= 10 ** MAX_TIME_KEEPING_INTEGER_DIGITS) {
      throw new Error(`data record ${record} starts too late for its time-keeping annotation`);
    }
    target[offset++] = PLUS;
    offset = writeDecimal(target, offset, whole, scaled - whole * this.scale, this.decimals);
    target[offset++] = TAL_ONSET_END;
    target[offset++] = TAL_ONSET_END;
    target[offset++] = TAL_END;
    return offset;
  }
}
