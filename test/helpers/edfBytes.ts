import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A tiny EDF/BDF byte builder for tests, written from the specifications (EDF:
 * https://www.edfplus.info/specs/edf.html, EDF+: https://www.edfplus.info/specs/edfplus.html,
 * BDF: version byte 0xFF then "BIOSEMI", 24-bit samples), NOT from the project's writer or
 * layout module: a test that builds its file with the code under test proves nothing.
 *
 * Header fields are given as the text to write (so a test can break any of them); numbers
 * are written with String(). Fields are left-aligned and space-padded to their widths.
 */

export interface TestSignal {
  readonly label: string;
  readonly transducer?: string;
  readonly dimension?: string;
  readonly physMin?: string | number;
  readonly physMax?: string | number;
  readonly digMin?: string | number;
  readonly digMax?: string | number;
  readonly prefiltering?: string;
  /** Samples per data record. */
  readonly samples: string | number;
}

/** One data record: per signal, its digital samples, or for an annotation signal its TAL bytes/text (NUL-padded). */
export type TestRecord = readonly (readonly number[] | string | Uint8Array)[];

export interface TestFile {
  readonly format?: 'edf' | 'bdf';
  /** The 8-byte version field as raw bytes (overrides format's). */
  readonly version?: Uint8Array;
  readonly patient?: string;
  readonly recording?: string;
  readonly startdate?: string;
  readonly starttime?: string;
  /** Default: 256 * (signals + 1). */
  readonly headerBytes?: string | number;
  readonly reserved?: string;
  /** Default: the number of records given. */
  readonly records?: string | number;
  readonly duration?: string | number;
  /** Default: the number of signals given. */
  readonly signalCount?: string | number;
  readonly signals: readonly TestSignal[];
  readonly data?: readonly TestRecord[];
  /** Bytes after the last record (a truncated record, a stray newline). */
  readonly trailing?: Uint8Array;
}

/** The EDF fixed header, in order: [width]. */
const FIXED = { version: 8, patient: 80, recording: 80, startdate: 8, starttime: 8, headerBytes: 8, reserved: 44, records: 8, duration: 8, signalCount: 4 };
/** Per-signal fields, in order (each written for all signals before the next). */
const PER_SIGNAL: readonly [keyof TestSignal | 'reserved', number][] = [
  ['label', 16],
  ['transducer', 80],
  ['dimension', 8],
  ['physMin', 8],
  ['physMax', 8],
  ['digMin', 8],
  ['digMax', 8],
  ['prefiltering', 80],
  ['samples', 8],
  ['reserved', 32],
];

function field(text: string | number, width: number): Buffer {
  const s = String(text);
  if (s.length > width) throw new Error(`test EDF field "${s}" is longer than ${width}`);
  return Buffer.from(s.padEnd(width, ' '), 'latin1');
}

export function edfBytes(file: TestFile): Buffer {
  const bdf = file.format === 'bdf';
  const bps = bdf ? 3 : 2;
  const ns = file.signals.length;
  const data = file.data ?? [];
  const version = file.version ?? (bdf ? Buffer.concat([Buffer.from([0xff]), Buffer.from('BIOSEMI', 'latin1')]) : field('0', 8));
  const defaults = bdf ? { physMin: -8388608, physMax: 8388607, digMin: -8388608, digMax: 8388607 } : { physMin: -32768, physMax: 32767, digMin: -32768, digMax: 32767 };
  const parts: Buffer[] = [
    Buffer.from(version),
    field(file.patient ?? 'X X X X', FIXED.patient),
    field(file.recording ?? 'Startdate 01-JAN-2024 X X test', FIXED.recording),
    field(file.startdate ?? '01.01.24', FIXED.startdate),
    field(file.starttime ?? '12.00.00', FIXED.starttime),
    field(file.headerBytes ?? 256 * (ns + 1), FIXED.headerBytes),
    field(file.reserved ?? (bdf ? 'BDF+C' : 'EDF+C'), FIXED.reserved),
    field(file.records ?? data.length, FIXED.records),
    field(file.duration ?? 1, FIXED.duration),
    field(file.signalCount ?? ns, FIXED.signalCount),
  ];
  for (const [key, width] of PER_SIGNAL) {
    for (const s of file.signals) {
      const annotation = s.label === 'EDF Annotations' || s.label === 'BDF Annotations';
      const value =
        key === 'reserved'
          ? ''
          : key === 'dimension'
            ? (s.dimension ?? (annotation ? '' : 'uV'))
            : key === 'transducer' || key === 'prefiltering'
              ? (s[key] ?? '')
              : key === 'physMin' || key === 'physMax' || key === 'digMin' || key === 'digMax'
                ? (s[key] ?? (annotation && key.startsWith('phys') ? (key === 'physMin' ? -1 : 1) : defaults[key]))
                : s[key];
      parts.push(field(value, width));
    }
  }
  for (const [r, record] of data.entries()) {
    file.signals.forEach((s, i) => {
      const content = record[i];
      const bytes = Buffer.alloc(Number(s.samples) * bps);
      if (typeof content === 'string' || content instanceof Uint8Array) {
        const tal = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
        if (tal.length > bytes.length) throw new Error(`record ${r} signal ${i}: ${tal.length} TAL bytes do not fit in ${bytes.length}`);
        tal.copy(bytes);
      } else {
        if (content.length !== Number(s.samples)) throw new Error(`record ${r} signal ${i}: ${content.length} samples, expected ${s.samples}`);
        content.forEach((v, k) => (bdf ? bytes.writeIntLE(v, k * 3, 3) : bytes.writeInt16LE(v, k * 2)));
      }
      parts.push(bytes);
    });
  }
  if (file.trailing) parts.push(Buffer.from(file.trailing));
  return Buffer.concat(parts);
}

/** A TAL: `+onset[\x15duration]\x14text\x14...\x00` (onset written as given, with its sign). */
export function tal(onset: string, texts: readonly string[], duration?: string): string {
  return `${onset}${duration === undefined ? '' : `\x15${duration}`}\x14${texts.map((t) => `${t}\x14`).join('')}\x00`;
}

/** The time-keeping TAL that starts each record's first annotation signal. */
export function timeKeeping(onset: string): string {
  return `${onset}\x14\x14\x00`;
}

/** Writes bytes to a new file in a fresh temp folder and returns its path. */
export function writeTempEdf(bytes: Uint8Array, name = 'test.edf'): string {
  const path = join(mkdtempSync(join(tmpdir(), 'neuroloop-edf-')), name);
  writeFileSync(path, bytes);
  return path;
}

/** n samples of a ramp starting at `from` (step 1): easy to check by index. */
export function ramp(n: number, from: number): number[] {
  return Array.from({ length: n }, (_, k) => from + k);
}
