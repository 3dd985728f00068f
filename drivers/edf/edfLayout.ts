import type { QuantizationGrid } from '../../signals/quantizationGrid.js';

/**
 * The byte layout of an EDF/BDF header (EDF: Kemp et al. 1992; EDF+: Kemp & Olivan 2003,
 * https://www.edfplus.info/specs/edfplus.html; BDF: BioSemi's 24-bit variant). Shared by
 * the reader (which names a broken field and its byte offset) and the writer.
 *
 * Every field is printable US-ASCII, left-aligned and space-padded. The header is a fixed
 * 256-byte part, then 256 bytes per signal stored field by field: all labels, then all
 * transducers, and so on.
 */

export type EdfFormat = 'edf' | 'bdf';

export interface EdfField {
  readonly name: string;
  readonly width: number;
}

/** The fixed part, in file order (256 bytes). */
export const EDF_FIXED_FIELDS = [
  { name: 'version', width: 8 },
  { name: 'patient', width: 80 },
  { name: 'recording', width: 80 },
  { name: 'startdate', width: 8 },
  { name: 'starttime', width: 8 },
  { name: 'header bytes', width: 8 },
  { name: 'reserved', width: 44 },
  { name: 'number of data records', width: 8 },
  { name: 'duration of a data record', width: 8 },
  { name: 'number of signals', width: 4 },
] as const satisfies readonly EdfField[];

/** The per-signal fields, in file order (256 bytes per signal). */
export const EDF_SIGNAL_FIELDS = [
  { name: 'label', width: 16 },
  { name: 'transducer type', width: 80 },
  { name: 'physical dimension', width: 8 },
  { name: 'physical minimum', width: 8 },
  { name: 'physical maximum', width: 8 },
  { name: 'digital minimum', width: 8 },
  { name: 'digital maximum', width: 8 },
  { name: 'prefiltering', width: 80 },
  { name: 'samples per data record', width: 8 },
  { name: 'reserved', width: 32 },
] as const satisfies readonly EdfField[];

export type EdfFixedFieldName = (typeof EDF_FIXED_FIELDS)[number]['name'];
export type EdfSignalFieldName = (typeof EDF_SIGNAL_FIELDS)[number]['name'];

export const EDF_FIXED_BYTES = 256;
export const EDF_SIGNAL_BYTES = 256;

/** Byte offset of a fixed field. */
export function fixedFieldOffset(name: EdfFixedFieldName): number {
  let offset = 0;
  for (const f of EDF_FIXED_FIELDS) {
    if (f.name === name) return offset;
    offset += f.width;
  }
  throw new Error(`no EDF header field ${name}`);
}

/** Byte offset of signal `signal`'s field `name` in a header of `signalCount` signals. */
export function signalFieldOffset(name: EdfSignalFieldName, signal: number, signalCount: number): number {
  let offset = EDF_FIXED_BYTES;
  for (const f of EDF_SIGNAL_FIELDS) {
    if (f.name === name) return offset + signal * f.width;
    offset += f.width * signalCount;
  }
  throw new Error(`no EDF signal field ${name}`);
}

/** Header size for `signalCount` signals. */
export function headerBytes(signalCount: number): number {
  return EDF_FIXED_BYTES + EDF_SIGNAL_BYTES * signalCount;
}

/** Bytes per stored sample. */
export function bytesPerSample(format: EdfFormat): 2 | 3 {
  return format === 'bdf' ? 3 : 2;
}

/** The widest digital range of each format (two's complement, little-endian on disk). */
export const DIGITAL_RANGE: { readonly [F in EdfFormat]: { readonly min: number; readonly max: number } } = {
  edf: { min: -32768, max: 32767 },
  bdf: { min: -8388608, max: 8388607 },
};

/** The label of an EDF+ annotation signal. */
export const ANNOTATION_LABEL = 'EDF Annotations';

/**
 * A number as an EDF header field of `width` characters: the shortest decimal that
 * reads back as the same number, else the closest that fits (rounded to fewer decimals).
 * Throws when even the integer part does not fit. Callers that need the value the file
 * will hold (a quantization grid) must use `Number(formatEdfNumber(x))`, not `x`.
 */
export function formatEdfNumber(x: number, width = 8): string {
  if (!Number.isFinite(x)) throw new Error(`${x} cannot be written in an EDF header`);
  const plain = String(x);
  if (plain.length <= width && !plain.includes('e')) return plain;
  for (let decimals = width; decimals >= 0; decimals--) {
    let s = x.toFixed(decimals);
    if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
    if (s === '-0') s = '0';
    if (s.length <= width) return s;
  }
  throw new Error(`${x} does not fit in an EDF header field of ${width} characters`);
}

/** Left-aligned, space-padded ASCII of exactly `width` bytes (throws when too long or not printable ASCII). */
export function padField(text: string, width: number, what: string): string {
  if (!/^[\x20-\x7e]*$/.test(text)) throw new Error(`${what}: EDF header fields hold printable ASCII only, got ${JSON.stringify(text)}`);
  if (text.length > width) throw new Error(`${what}: "${text}" is longer than its ${width}-character field`);
  return text.padEnd(width, ' ');
}

/**
 * A grid as an EDF header will hold it: each number through its 8-character field. The
 * live path snaps samples onto this, never onto the numbers it was asked for, so that the
 * file and the session agree to the last bit.
 */
export function asWrittenGrid(grid: QuantizationGrid): QuantizationGrid {
  return {
    physicalMin: Number(formatEdfNumber(grid.physicalMin)),
    physicalMax: Number(formatEdfNumber(grid.physicalMax)),
    digitalMin: Number(formatEdfNumber(grid.digitalMin)),
    digitalMax: Number(formatEdfNumber(grid.digitalMax)),
  };
}

/** The grid of a symmetric physical range ±range over a format's whole digital range, as written. */
export function symmetricGrid(range: number, format: EdfFormat): QuantizationGrid {
  const digital = DIGITAL_RANGE[format];
  return asWrittenGrid({ physicalMin: -range, physicalMax: range, digitalMin: digital.min, digitalMax: digital.max });
}

/** How long one data record lasts: its field text and the samples per record at fs_Hz. */
export interface RecordDuration {
  /** The header field, exactly as written (at most 8 characters). */
  readonly field: string;
  readonly duration_s: number;
  readonly samples: number;
}

/**
 * The data-record duration for a sample rate: the shortest record of at most 1 s (so a
 * crash loses at most a second) that holds a whole number of samples and whose 8-character
 * duration field reads back to exactly this rate (samples / duration === fs_Hz in float64,
 * which is how a reader computes it). 1 s when fs is an integer; e.g. 0.3 s (43 samples)
 * for an ADS1115 at 860/6 Hz. Longer records (up to 60 s) only for rates no shorter record
 * can express; null when none can.
 */
export function chooseRecordDuration(fs_Hz: number): RecordDuration | null {
  if (Number.isInteger(fs_Hz)) return { field: '1', duration_s: 1, samples: fs_Hz };
  let best: RecordDuration | null = null;
  for (let samples = 1; samples <= Math.ceil(fs_Hz * 60); samples++) {
    let field: string;
    try {
      field = formatEdfNumber(samples / fs_Hz);
    } catch {
      continue;
    }
    const duration_s = Number(field);
    if (duration_s <= 0 || samples / duration_s !== fs_Hz) continue;
    const candidate = { field, duration_s, samples };
    // Prefer the longest record within a second (fewer time-keeping annotations), else the shortest beyond it.
    if (duration_s <= 1) best = candidate;
    else return best ?? candidate;
  }
  return best;
}
