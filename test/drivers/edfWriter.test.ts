import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdfWriter, type EdfWriterOptions } from '../../drivers/edf/edfWriter.js';
import { fixedFieldOffset, signalFieldOffset, symmetricGrid, type EdfFixedFieldName, type EdfFormat, type EdfSignalFieldName } from '../../drivers/edf/edfLayout.js';
import { MAX_ANNOTATION_TEXT_BYTES, MAX_TAL_BYTES, TimeKeepingTal, annotationTextBytes, encodeTal, formatTalSeconds } from '../../drivers/edf/talEncoder.js';
import { InputError } from '../../drivers/inputError.js';
import { gridGain, toDigital, toPhysical, type QuantizationGrid } from '../../signals/quantizationGrid.js';
import type { SampleBlock } from '../../signals/sampleBlock.js';
import { STEADY_FS_HZ, steadyValue } from './fixtures/steadySignal.js';

// Every file written here is read back by tools that are not ours: MNE (Debian's
// python3-mne), EDFlib (libedf-dev, the library under EDFbrowser) and biosig's save2gdf.

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PYTHON = '/usr/bin/python3';

let dir: string;
let edflibRead: string;
let fileCount = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'neuroloop-edf-writer-'));
  edflibRead = join(dir, 'edflib_read');
  const gcc = spawnSync('gcc', ['-O2', '-o', edflibRead, join(FIXTURES, 'edflib_read.c'), '-ledf'], { encoding: 'utf8' });
  if (gcc.status !== 0) throw new Error(`compiling the EDFlib reader failed: ${gcc.stderr}`);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const newPath = (format: EdfFormat): string => join(dir, `rec${++fileCount}.${format}`);

// ---------- what the independent tools see ----------

interface MneAnnotation {
  onset: number;
  duration: number;
  description: string;
}
interface MneView {
  sfreq: number;
  ch_names: string[];
  meas_date: string | null;
  n_times: number;
  data: number[][];
  annotations: MneAnnotation[];
  file_annotations: MneAnnotation[];
  warnings: string[];
}

function mne(path: string): MneView {
  const run = spawnSync(PYTHON, [join(FIXTURES, 'mne_read_edf.py'), path], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`MNE could not read ${path}: ${run.stderr}`);
  return JSON.parse(run.stdout) as MneView;
}

interface EdflibView {
  filetype: number;
  signals: number;
  records: number;
  record_duration_100ns: number;
  start: number[];
  start_subsecond_100ns: number;
  patientcode: string;
  gender: string;
  birthdate: string;
  patient_name: string;
  admincode: string;
  technician: string;
  equipment: string;
  channels: { label: string; physdimension: string; samples_per_record: number; samples_in_file: number; dig_min: number; dig_max: number; phys_min: number; phys_max: number; digital: number[] }[];
  annotations: { onset_100ns: number; duration: string; text: string }[];
}

function edflib(path: string): EdflibView {
  const run = spawnSync(edflibRead, [path], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`EDFlib refused ${path}: ${run.stdout}${run.stderr}`);
  return JSON.parse(run.stdout) as EdflibView;
}

interface BiosigView {
  NumberOfRecords: number;
  NumberOfSamples: number;
  Samplingrate: number;
  StartOfRecording: string;
  CHANNEL: { Label: string; Samplingrate: number }[];
  EVENT?: { POS: number; DUR: number; Description: string }[];
}

function biosig(path: string): BiosigView {
  const run = spawnSync('save2gdf', ['-JSON', path], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`save2gdf could not read ${path}: ${run.stdout}${run.stderr}`);
  return JSON.parse(run.stdout) as BiosigView;
}

/** "2024-03-05 13:04:05.393988" (biosig prints UTC for these files) as epoch ms, keeping the microseconds Date.parse would drop. */
function biosigTime_ms(text: string): number {
  const [seconds, fraction = '0'] = text.split('.');
  return Date.parse(`${seconds.replace(' ', 'T')}Z`) + Number(`0.${fraction}`) * 1000;
}

// ---------- the bytes ----------

function field(file: Buffer, offset: number, width: number): string {
  return file.toString('latin1', offset, offset + width);
}
const fixed = (file: Buffer, name: EdfFixedFieldName, width: number): string => field(file, fixedFieldOffset(name), width);
const perSignal = (file: Buffer, name: EdfSignalFieldName, signal: number, ns: number, width: number): string => field(file, signalFieldOffset(name, signal, ns), width);

/** Where things are in a file, from its own header. */
function layoutOf(file: Buffer): { header: number; ns: number; spr: number[]; bps: number; recordBytes: number } {
  const header = Number(fixed(file, 'header bytes', 8));
  const ns = Number(fixed(file, 'number of signals', 4));
  const spr = Array.from({ length: ns }, (_, s) => Number(perSignal(file, 'samples per data record', s, ns, 8)));
  const bps = file[0] === 0xff ? 3 : 2;
  return { header, ns, spr, bps, recordBytes: spr.reduce((a, b) => a + b, 0) * bps };
}

/** The TALs in record `r`'s annotation signal (the last), each without its closing 0x00. */
function recordTals(file: Buffer, r: number): string[] {
  const { header, spr, bps, recordBytes } = layoutOf(file);
  const start = header + r * recordBytes + spr.slice(0, -1).reduce((a, b) => a + b, 0) * bps;
  return file
    .subarray(start, header + (r + 1) * recordBytes)
    .toString('utf8')
    .split('\x00')
    .filter((tal) => tal !== '');
}

/** Digital sample `slot` of signal `s` in record `r`. */
function storedDigital(file: Buffer, r: number, s: number, slot: number): number {
  const { header, spr, bps, recordBytes } = layoutOf(file);
  const at = header + r * recordBytes + (spr.slice(0, s).reduce((a, b) => a + b, 0) + slot) * bps;
  return file.readIntLE(at, bps);
}

// ---------- making recordings ----------

/** A deterministic generator for block lengths (1..max). */
function lengths(total: number, max: number, seed: number): number[] {
  const out: number[] = [];
  let state = seed;
  for (let left = total; left > 0; ) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const n = Math.min(left, 1 + (state % max));
    out.push(n);
    left -= n;
  }
  return out;
}

function writeSignal(writer: EdfWriter, values: readonly Float64Array[], firstIndex: number, blockLengths: readonly number[]): void {
  let at = 0;
  for (const n of blockLengths) {
    const block: SampleBlock = {
      firstIndex: firstIndex + at,
      fs_Hz: writer.fs_Hz,
      channels: values.map((_, c) => `ch${c}`),
      // Float64 here (file sources); the crash test's child writes Float32 (live sources).
      data: values.map((v) => v.slice(at, at + n)),
    };
    writer.write(block);
    at += n;
  }
}

/** What a sample becomes in the file, by the formula the live path and the reader share. */
function onGrid(grid: QuantizationGrid, x: number): { digital: number; physical: number } {
  const gain = gridGain(grid);
  const digital = toDigital(grid, gain, x);
  return { digital, physical: toPhysical(grid, gain, digital) };
}

const baseOptions = (format: EdfFormat, path = newPath(format)): EdfWriterOptions => ({
  path,
  format,
  fs_Hz: 100,
  start: new Date(Date.UTC(2024, 2, 5, 13, 4, 5, 394)),
  recording: { equipment: 'neuroloop-0.1.0' },
  signals: [{ label: 'C3', physicalDimension: 'uV', grid: symmetricGrid(1000, format) }],
});

const ramp = (n: number, from = 0, step = 1): Float64Array => Float64Array.from({ length: n }, (_, i) => from + i * step);

// =====================================================================================

describe('TAL encoder (EDF+ spec 2.2: +Onset 0x15 Duration 0x14 Text 0x14 0x00)', () => {
  it('writes onsets signed and durations unsigned, with the fewest digits and never an exponent', () => {
    expect(formatTalSeconds(12.34, { signed: true })).toBe('+12.34');
    expect(formatTalSeconds(0, { signed: true })).toBe('+0');
    expect(formatTalSeconds(3, { signed: false })).toBe('3');
    expect(formatTalSeconds(-0.5, { signed: true })).toBe('-0.5');
    expect(formatTalSeconds(1e-7, { signed: true })).toBe('+0.0000001');
    expect(formatTalSeconds(123456789.5, { signed: true })).toBe('+123456789.5');
    expect(formatTalSeconds(1 / 3, { signed: true })).toBe('+0.333333333');
  });

  it('adds the start sub-second exactly (no binary rounding noise in the text)', () => {
    expect(formatTalSeconds(12.34, { signed: true, offset_ms: 123 })).toBe('+12.463');
    expect(formatTalSeconds(0.2, { signed: true, offset_ms: 100 })).toBe('+0.3');
    expect(formatTalSeconds(-2, { signed: true, offset_ms: 250 })).toBe('-1.75');
    expect(formatTalSeconds(0.999, { signed: true, offset_ms: 1 })).toBe('+1');
  });

  it('refuses negative durations and times it cannot bound', () => {
    expect(() => formatTalSeconds(-1, { signed: false })).toThrow(/negative/);
    expect(() => formatTalSeconds(Number.NaN, { signed: true })).toThrow(/finite/);
    expect(() => formatTalSeconds(2e9, { signed: true })).toThrow(/below/);
  });

  it('encodes a TAL byte for byte', () => {
    expect(encodeTal(12.34, 0.5, 'stim on').toString('latin1')).toBe('+12.34\x150.5\x14stim on\x14\x00');
    expect(encodeTal(1.5, undefined, 'marker', 394)).toEqual(Buffer.from('+1.894\x14marker\x14\x00', 'latin1'));
    expect(encodeTal(0, 0, 'é')).toEqual(Buffer.concat([Buffer.from('+0\x150\x14', 'latin1'), Buffer.from([0xc3, 0xa9, 0x14, 0x00])]));
  });

  it('removes the bytes TALs reserve and refuses a text left empty', () => {
    expect(annotationTextBytes('a\x14b\x15c\x00d').toString('utf8')).toBe('abcd');
    expect(() => encodeTal(1, undefined, '\x14\x15')).toThrow(/empty/);
  });

  it('cuts texts longer than 200 bytes at a character boundary, marked with …', () => {
    const exact = 'x'.repeat(MAX_ANNOTATION_TEXT_BYTES);
    expect(annotationTextBytes(exact).toString('utf8')).toBe(exact);
    // 150 two-byte characters are 300 bytes: 98 of them (196 bytes) and "…" (3 bytes) fit 200.
    const cut = annotationTextBytes('é'.repeat(150));
    expect(cut.toString('utf8')).toBe(`${'é'.repeat(98)}…`);
    expect(cut.length).toBeLessThanOrEqual(MAX_ANNOTATION_TEXT_BYTES);
    const fourByte = annotationTextBytes('😀'.repeat(60));
    expect(fourByte.toString('utf8')).toBe(`${'😀'.repeat(49)}…`);
  });

  it('bounds the longest TAL', () => {
    expect(encodeTal(-999999999.999999, 999999999.999999, 'é'.repeat(500), 999).length).toBeLessThanOrEqual(MAX_TAL_BYTES);
  });

  it('writes each record time-keeping TAL exactly: start sub-second + record x duration field', () => {
    const tal = (field: string, offset_ms: number, record: number): string => {
      const buffer = Buffer.alloc(64);
      const end = new TimeKeepingTal(field, offset_ms).write(buffer, 0, record);
      return buffer.toString('latin1', 0, end);
    };
    expect(tal('1', 0, 0)).toBe('+0\x14\x14\x00');
    expect(tal('1', 0, 12)).toBe('+12\x14\x14\x00');
    expect(tal('1', 394, 0)).toBe('+0.394\x14\x14\x00');
    expect(tal('0.9', 394, 3)).toBe('+3.094\x14\x14\x00');
    // 0.1 + 0.2 is 0.30000000000000004 in binary; the TAL says 0.3.
    expect(tal('0.1', 200, 1)).toBe('+0.3\x14\x14\x00');
    expect(tal('0.994', 5, 1000)).toBe('+994.005\x14\x14\x00');
    expect(tal('0.000125', 999, 7)).toBe('+0.999875\x14\x14\x00');
    expect(tal('1', 123, 10_000_000)).toBe('+10000000.123\x14\x14\x00');
  });
});

// =====================================================================================

describe('header fields (bytes at the offsets of edfLayout)', () => {
  it('BDF+: version, EDF+ patient and recording fields, UTC start, -1 records while writing, the annotation signal last', async () => {
    const path = newPath('bdf');
    const savedTz = process.env.TZ;
    // Far from UTC: a local-time header would read 1 Jan 2032 13:59:59 here.
    process.env.TZ = 'Pacific/Kiritimati';
    let writer: EdfWriter;
    try {
      writer = await EdfWriter.create({
        path,
        format: 'bdf',
        fs_Hz: 512,
        start: new Date(Date.UTC(2031, 11, 31, 23, 59, 59, 250)),
        patient: { code: 'P-17', sex: 'M', birthdate: new Date(Date.UTC(1951, 7, 2)), name: 'Jane Doe' },
        recording: { admincode: 'PSG 1234', technician: 'NN', equipment: 'neuroloop-0.1.0' },
        signals: [
          { label: 'C3', physicalDimension: 'uV', transducer: 'AgAgCl electrode', prefiltering: 'HP:0.1Hz LP:75Hz', grid: symmetricGrid(1000, 'bdf') },
          { label: 'EMG', physicalDimension: 'mV', grid: { physicalMin: -3.5, physicalMax: 3.5, digitalMin: -2048, digitalMax: 2047 } },
        ],
      });
    } finally {
      if (savedTz === undefined) delete process.env.TZ;
      else process.env.TZ = savedTz;
    }
    writeSignal(writer, [ramp(600), ramp(600, -3, 0.01)], 0, [600]);
    const during = readFileSync(path);
    expect([...during.subarray(0, 8)]).toEqual([0xff, ...Buffer.from('BIOSEMI')]);
    expect(fixed(during, 'patient', 80)).toBe('P-17 M 02-AUG-1951 Jane_Doe'.padEnd(80));
    expect(fixed(during, 'recording', 80)).toBe('Startdate 31-DEC-2031 PSG_1234 NN neuroloop-0.1.0'.padEnd(80));
    expect(fixed(during, 'startdate', 8)).toBe('31.12.31');
    expect(fixed(during, 'starttime', 8)).toBe('23.59.59');
    expect(fixed(during, 'header bytes', 8)).toBe('1024    ');
    expect(fixed(during, 'reserved', 44)).toBe('BDF+C'.padEnd(44));
    expect(fixed(during, 'number of data records', 8)).toBe('-1      ');
    expect(fixed(during, 'duration of a data record', 8)).toBe('1       ');
    expect(fixed(during, 'number of signals', 4)).toBe('3   ');
    const sig = (name: EdfSignalFieldName, width: number): string[] => [0, 1, 2].map((s) => perSignal(during, name, s, 3, width).trimEnd());
    expect(sig('label', 16)).toEqual(['C3', 'EMG', 'BDF Annotations']);
    expect(sig('transducer type', 80)).toEqual(['AgAgCl electrode', '', '']);
    expect(sig('physical dimension', 8)).toEqual(['uV', 'mV', '']);
    expect(sig('physical minimum', 8)).toEqual(['-1000', '-3.5', '-1']);
    expect(sig('physical maximum', 8)).toEqual(['1000', '3.5', '1']);
    expect(sig('digital minimum', 8)).toEqual(['-8388608', '-2048', '-8388608']);
    expect(sig('digital maximum', 8)).toEqual(['8388607', '2047', '8388607']);
    expect(sig('prefiltering', 80)).toEqual(['HP:0.1Hz LP:75Hz', '', '']);
    // 512 bytes of annotations are 171 samples of 3 bytes.
    expect(sig('samples per data record', 8)).toEqual(['512', '512', '171']);
    expect(sig('reserved', 32)).toEqual(['', '', '']);
    expect(during.length).toBe(1024 + (512 + 512 + 171) * 3);
    expect(writer.counters()).toMatchObject({ records: 1, samples: 600, bytes: during.length });

    await writer.close('done');
    const after = readFileSync(path);
    expect(fixed(after, 'number of data records', 8)).toBe('2       ');
    expect(after.length).toBe(1024 + 2 * (512 + 512 + 171) * 3);
    // The first record's time-keeping TAL holds the start's milliseconds.
    expect(recordTals(after, 0)[0]).toBe('+0.25\x14\x14');
    expect(recordTals(after, 1)[0]).toBe('+1.25\x14\x14');

    const lib = edflib(path);
    expect(lib).toMatchObject({ filetype: 3, records: 2, start: [2031, 12, 31, 23, 59, 59], start_subsecond_100ns: 2_500_000 });
    expect(lib).toMatchObject({ patientcode: 'P-17', gender: 'Male', patient_name: 'Jane Doe', admincode: 'PSG 1234', technician: 'NN', equipment: 'neuroloop-0.1.0' });
    expect(lib.birthdate.toLowerCase()).toBe('02 aug 1951');
  });

  it('EDF+: version "0", EDF+C, "EDF Annotations" over the 16-bit range, unknown subfields as X', async () => {
    const path = newPath('edf');
    const writer = await EdfWriter.create({ ...baseOptions('edf', path), recording: { equipment: 'neuroloop-0.1.0', technician: '' } });
    await writer.close('');
    const file = readFileSync(path);
    expect(fixed(file, 'version', 8)).toBe('0       ');
    expect(fixed(file, 'patient', 80)).toBe('X X X X'.padEnd(80));
    expect(fixed(file, 'recording', 80)).toBe('Startdate 05-MAR-2024 X X neuroloop-0.1.0'.padEnd(80));
    expect(fixed(file, 'startdate', 8)).toBe('05.03.24');
    expect(fixed(file, 'starttime', 8)).toBe('13.04.05');
    expect(fixed(file, 'reserved', 44)).toBe('EDF+C'.padEnd(44));
    expect(fixed(file, 'number of data records', 8)).toBe('1       ');
    expect(perSignal(file, 'label', 1, 2, 16)).toBe('EDF Annotations ');
    expect(perSignal(file, 'digital minimum', 1, 2, 8)).toBe('-32768  ');
    expect(perSignal(file, 'digital maximum', 1, 2, 8)).toBe('32767   ');
    expect(perSignal(file, 'samples per data record', 1, 2, 8)).toBe('256     ');
    expect(recordTals(file, 0)).toEqual(['+0.394\x14\x14', '+0.394\x14[end]\x14']);
    expect(edflib(path)).toMatchObject({ filetype: 1, records: 1 });
  });

  it('writes the grid as the header holds it (asWrittenGrid), and exposes it', async () => {
    const writer = await EdfWriter.create({
      ...baseOptions('bdf'),
      signals: [{ label: 'C3', physicalDimension: 'uV', grid: { physicalMin: -1000.123456, physicalMax: 999.9876543, digitalMin: -8388608, digitalMax: 8388607 } }],
    });
    expect(writer.grids).toEqual([{ physicalMin: -1000.12, physicalMax: 999.9877, digitalMin: -8388608, digitalMax: 8388607 }]);
    writer.abandon();
  });

  it('refuses what the header cannot hold, naming the signal or the field', async () => {
    const make = (patch: Partial<EdfWriterOptions>): Promise<EdfWriter> => EdfWriter.create({ ...baseOptions('bdf'), ...patch });
    const sig = { label: 'C3', physicalDimension: 'uV', grid: symmetricGrid(1000, 'bdf') };
    await expect(make({ signals: [sig, { ...sig, label: 'a-very-long-label-x' }] })).rejects.toThrow(/signal 1 \("a-very-long-label-x"\) label.*16-character/);
    await expect(make({ signals: [{ ...sig, label: 'Cz-Fp1µ' }] })).rejects.toThrow(/signal 0 \("Cz-Fp1µ"\) label.*ASCII/);
    await expect(make({ signals: [{ ...sig, physicalDimension: 'microvolt' }] })).rejects.toThrow(/signal 0 \("C3"\) physical dimension/);
    await expect(make({ signals: [{ ...sig, label: 'EDF Annotations' }] })).rejects.toThrow(/annotation signal/);
    await expect(make({ signals: [{ ...sig, grid: { physicalMin: -1, physicalMax: 1, digitalMin: -9_000_000, digitalMax: 9_000_000 } }] })).rejects.toThrow(/digitalMin/);
    await expect(EdfWriter.create({ ...baseOptions('edf'), signals: [{ ...sig, grid: symmetricGrid(1000, 'bdf') }] })).rejects.toThrow(/signal 0.*-32768\.\.32767 for EDF/);
    await expect(make({ fs_Hz: Math.PI })).rejects.toThrow(/fs 3\.14159/);
    await expect(make({ annotationBytesPerRecord: 100 })).rejects.toThrow(/annotationBytesPerRecord/);
    await expect(make({ patient: { name: 'Zoë' } })).rejects.toThrow(/patient identification/);
    await expect(make({ start: new Date(Date.UTC(1984, 0, 1)) })).rejects.toThrow(/1985/);
    await expect(make({ fs_Hz: Math.PI })).rejects.toBeInstanceOf(InputError);
  });

  it('never overwrites a file: an existing path is an InputError naming it', async () => {
    const path = newPath('bdf');
    writeFileSync(path, 'precious');
    const attempt = EdfWriter.create(baseOptions('bdf', path));
    await expect(attempt).rejects.toBeInstanceOf(InputError);
    await expect(attempt).rejects.toThrow(path);
    expect(readFileSync(path, 'utf8')).toBe('precious');
  });

  it('refuses blocks that go back, have the wrong shape, or come after close', async () => {
    const writer = await EdfWriter.create(baseOptions('bdf'));
    writeSignal(writer, [ramp(10)], 0, [10]);
    expect(() => writeSignal(writer, [ramp(5)], 8, [5])).toThrow(/sample 8, before the next expected sample 10/);
    expect(() => writer.write({ firstIndex: 10, fs_Hz: 100, channels: ['a', 'b'], data: [new Float32Array(1), new Float32Array(1)] })).toThrow(/expected 1 channels/);
    expect(() => writer.write({ firstIndex: 10, fs_Hz: 200, channels: ['a'], data: [new Float32Array(1)] })).toThrow(/fs_Hz 100/);
    await writer.close('x');
    await writer.close('again');
    expect(() => writeSignal(writer, [ramp(1)], 10, [1])).toThrow(/closed/);
    expect(() => writer.annotate(0, 'late')).toThrow(/closed/);
  });
});

// =====================================================================================

describe.each(['bdf', 'edf'] as const)('%s round trip through MNE, EDFlib and save2gdf', (format) => {
  const fs_Hz = 250;
  const n = 825; // 3.3 s: three full records and a partial one
  const start = new Date(Date.UTC(2024, 2, 5, 13, 4, 5, 394));
  const digitalSpan = format === 'bdf' ? 8_000_000 : 30_000;
  const grids: QuantizationGrid[] = [symmetricGrid(1000, format), { physicalMin: -200.5, physicalMax: 800.2512345, digitalMin: -digitalSpan, digitalMax: digitalSpan }];
  const values = [
    Float64Array.from({ length: n }, (_, k) => (k === 100 ? 1500 : k === 101 ? -2000 : 900 * Math.sin((2 * Math.PI * 7 * k) / fs_Hz))),
    Float64Array.from({ length: n }, (_, k) => 0.37 * k - 100),
  ];
  const notes = [
    { onset_s: 0.5, duration_s: 0.25, text: 'stim on ✓ «UTF-8»' },
    { onset_s: 1 / 3, duration_s: undefined, text: '[event] governor: limit' },
    { onset_s: 2.004, duration_s: 1.5, text: 'marker' },
  ];
  const expectedNotes = [...notes.map((a) => ({ onset: a.onset_s, duration: a.duration_s ?? 0, description: a.text })), { onset: n / fs_Hz, duration: 0, description: '[end] test done' }].sort(
    (a, b) => a.onset - b.onset,
  );
  let path: string;
  let writer: EdfWriter;
  let written: QuantizationGrid[];

  beforeAll(async () => {
    path = newPath(format);
    writer = await EdfWriter.create({
      path,
      format,
      fs_Hz,
      start,
      recording: { equipment: 'neuroloop-0.1.0' },
      signals: [
        { label: 'C3', physicalDimension: 'uV', grid: grids[0] },
        { label: 'C4', physicalDimension: 'uV', grid: grids[1] },
      ],
    });
    written = [...writer.grids];
    const blocks = lengths(n, 97, 7);
    let at = 0;
    for (const length of blocks) {
      writeSignal(writer, values.map((v) => v.subarray(at, at + length)), at, [length]);
      at += length;
      if (at > 300 && notes.length > 0) {
        for (const a of notes.splice(0)) writer.annotate(a.onset_s, a.text, a.duration_s);
      }
    }
    await writer.close('test done');
  });

  it('counts records, samples and clipped samples', () => {
    expect(written[1].physicalMax).toBe(800.2512);
    expect(writer.counters()).toEqual({ records: 4, samples: n, clippedSamples: 2, lostSamples: 0, annotations: 4, bytes: statSync(path).size });
  });

  it('MNE reads the same samples (on the as-written grid), rate, channels, start and annotations', () => {
    const view = mne(path);
    expect(view.sfreq).toBe(fs_Hz);
    expect(view.ch_names).toEqual(['C3', 'C4']);
    // MNE 1.3 keeps the header's whole second as meas_date (its docs: sub-seconds are set to 0).
    expect(view.meas_date).toBe('2024-03-05T13:04:05+00:00');
    expect(view.n_times).toBe(4 * fs_Hz);
    for (let c = 0; c < 2; c++) {
      const step = Math.abs(gridGain(written[c]));
      let worst = 0;
      for (let k = 0; k < n; k++) worst = Math.max(worst, Math.abs(view.data[c][k] - onGrid(written[c], values[c][k]).physical));
      // The same digital value: far below one step apart (MNE scales to volts and back).
      expect(worst).toBeLessThan(step / 100);
      // After the last sample the record is padded with the last value.
      const last = onGrid(written[c], values[c][n - 1]).physical;
      for (let k = n; k < view.n_times; k++) expect(Math.abs(view.data[c][k] - last)).toBeLessThan(step / 100);
    }
    expect(view.data[0][100]).toBeCloseTo(1000, 3);
    expect(view.data[0][101]).toBeCloseTo(-1000, 3);
    // The raw's annotations are kept to the microsecond by MNE; read_annotations gives the TAL's digits.
    for (const [list, digits] of [
      [view.annotations, 6],
      [view.file_annotations, 9],
    ] as const) {
      expect(list.map((a) => a.description)).toEqual(expectedNotes.map((a) => a.description));
      list.forEach((a, i) => {
        expect(a.onset).toBeCloseTo(expectedNotes[i].onset, digits);
        expect(a.duration).toBeCloseTo(expectedNotes[i].duration, digits);
      });
    }
  });

  it('EDFlib (EDFbrowser) opens it and finds the digital values, the sub-second start and the annotations', () => {
    const lib = edflib(path);
    expect(lib).toMatchObject({ filetype: format === 'bdf' ? 3 : 1, signals: 2, records: 4, record_duration_100ns: 10_000_000, start: [2024, 3, 5, 13, 4, 5], start_subsecond_100ns: 3_940_000 });
    for (let c = 0; c < 2; c++) {
      const channel = lib.channels[c];
      expect(channel.label.trim()).toBe(['C3', 'C4'][c]);
      expect(channel.samples_per_record).toBe(fs_Hz);
      expect(channel.digital.slice(0, n)).toEqual(Array.from(values[c], (x) => onGrid(written[c], x).digital));
      expect(new Set(channel.digital.slice(n))).toEqual(new Set([onGrid(written[c], values[c][n - 1]).digital]));
    }
    const annotations = [...lib.annotations].sort((a, b) => a.onset_100ns - b.onset_100ns);
    expect(annotations.map((a) => a.text)).toEqual(expectedNotes.map((a) => a.description));
    // EDFlib gives onsets from the first sample, in 100 ns units (truncated).
    annotations.forEach((a, i) => expect(Math.abs(a.onset_100ns - expectedNotes[i].onset * 1e7)).toBeLessThanOrEqual(1));
  });

  it('save2gdf reads it (rate, channels, samples, start, events) and converts it to GDF and ASCII', () => {
    const view = biosig(path);
    expect(view.Samplingrate).toBe(fs_Hz);
    expect(view.CHANNEL.map((c) => c.Label)).toEqual(['C3', 'C4', format === 'bdf' ? 'BDF Annotations' : 'EDF Annotations']);
    expect(view.NumberOfRecords).toBe(4);
    expect(view.NumberOfSamples).toBe(4 * fs_Hz);
    // biosig keeps time in GDF units (2^-32 days, about 20 us).
    expect(Math.abs(biosigTime_ms(view.StartOfRecording) - start.getTime())).toBeLessThan(1);
    const events = [...(view.EVENT ?? [])].sort((a, b) => a.POS - b.POS);
    expect(events.map((e) => e.Description)).toEqual(expectedNotes.map((a) => a.description));
    // biosig places events from the header's start second, on the sample grid.
    events.forEach((e, i) => {
      expect(Math.abs(e.POS - (0.394 + expectedNotes[i].onset))).toBeLessThanOrEqual(1 / fs_Hz);
      expect(Math.abs(e.DUR - expectedNotes[i].duration)).toBeLessThanOrEqual(1 / fs_Hz);
    });
    for (const target of ['GDF', 'ASCII']) {
      const out = join(dir, `converted-${format}-${target}.${target.toLowerCase()}`);
      const run = spawnSync('save2gdf', [`-f=${target}`, path, out], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      expect(statSync(out).size).toBeGreaterThan(0);
    }
    expect(biosig(join(dir, `converted-${format}-GDF.gdf`)).NumberOfSamples).toBe(4 * fs_Hz);
  });
});

// =====================================================================================

describe('a rate that is not a whole number of Hz (ADS1115 at 860/6 Hz)', () => {
  it('uses a record that holds whole samples, with time-keeping onsets EDFlib checks to the digit', async () => {
    const fs_Hz = 860 / 6;
    const path = newPath('edf');
    const writer = await EdfWriter.create({ ...baseOptions('edf', path), fs_Hz, start: new Date(Date.UTC(2024, 0, 1, 0, 0, 0, 999)) });
    expect(writer.record).toEqual({ field: '0.9', duration_s: 0.9, samples: 129 });
    const x = Float64Array.from({ length: 500 }, (_, k) => 400 * Math.cos(k / 5));
    writeSignal(writer, [x], 0, lengths(500, 40, 3));
    writer.annotate(1 / 3, 'a third');
    await writer.close('end');
    const file = readFileSync(path);
    expect(recordTals(file, 3)[0]).toBe('+3.699\x14\x14');
    const lib = edflib(path);
    expect(lib).toMatchObject({ records: 4, record_duration_100ns: 9_000_000, start_subsecond_100ns: 9_990_000 });
    expect(lib.annotations.map((a) => a.text).sort()).toEqual(['[end] end', 'a third']);
    const view = mne(path);
    expect(view.sfreq).toBe(fs_Hz);
    expect(view.n_times).toBe(4 * 129);
    expect(view.file_annotations.find((a) => a.description === 'a third')?.onset).toBeCloseTo(1 / 3, 9);
    expect(view.file_annotations.find((a) => a.description === '[end] end')?.onset).toBeCloseTo(500 / fs_Hz, 9);
  });
});

// =====================================================================================

describe('gaps: held values and a [lost] annotation in the record holding the padding', () => {
  it('pads a gap inside a record and one across records, and says so in each record', async () => {
    const path = newPath('bdf');
    const writer = await EdfWriter.create(baseOptions('bdf', path)); // 100 Hz: records of 100 samples
    const grid = writer.grids[0];
    writeSignal(writer, [ramp(50, 1)], 0, [50]); // 0..49 hold 1..50
    writeSignal(writer, [ramp(50, 81)], 80, [20, 30]); // 50..79 lost
    writeSignal(writer, [ramp(90, 431)], 430, [90]); // 130..429 lost: records 1 to 4
    expect(writer.counters().lostSamples).toBe(30 + 300);
    await writer.close('done');
    const file = readFileSync(path);
    // Held: the last value before each gap, on the grid.
    for (let slot = 50; slot < 80; slot++) expect(storedDigital(file, 0, 0, slot)).toBe(onGrid(grid, 50).digital);
    for (let k = 130; k < 430; k++) expect(storedDigital(file, Math.floor(k / 100), 0, k % 100)).toBe(onGrid(grid, 130).digital);
    expect(storedDigital(file, 0, 0, 80)).toBe(onGrid(grid, 81).digital);
    expect(storedDigital(file, 4, 0, 30)).toBe(onGrid(grid, 431).digital);
    // Onsets are file time: the start's 0.394 s plus the data time.
    expect(recordTals(file, 0)).toEqual(['+0.394\x14\x14', '+0.894\x150.3\x14[lost] 30 samples\x14']);
    expect(recordTals(file, 1)).toEqual(['+1.394\x14\x14', '+1.694\x150.7\x14[lost] 70 samples\x14']);
    expect(recordTals(file, 2)).toEqual(['+2.394\x14\x14', '+2.394\x151\x14[lost] 100 samples\x14']);
    expect(recordTals(file, 3)).toEqual(['+3.394\x14\x14', '+3.394\x151\x14[lost] 100 samples\x14']);
    expect(recordTals(file, 4)).toEqual(['+4.394\x14\x14', '+4.394\x150.3\x14[lost] 30 samples\x14']);
    expect(recordTals(file, 5)).toEqual(['+5.394\x14\x14', '+5.594\x14[end] done\x14']);
    expect(fixed(file, 'reserved', 44).trim()).toBe('BDF+C');

    const lost = mne(path).annotations.filter((a) => a.description.startsWith('[lost]'));
    expect(lost.map((a) => [a.onset, a.duration, a.description])).toEqual([
      [0.5, 0.3, '[lost] 30 samples'],
      [1.3, 0.7, '[lost] 70 samples'],
      [2, 1, '[lost] 100 samples'],
      [3, 1, '[lost] 100 samples'],
      [4, 0.3, '[lost] 30 samples'],
    ]);
    expect(edflib(path).records).toBe(6);
  });

  it('a first block after index 0: the lost start holds 0', async () => {
    const path = newPath('edf');
    const writer = await EdfWriter.create(baseOptions('edf', path));
    writeSignal(writer, [ramp(30, 100)], 20, [30]);
    await writer.close('done');
    const lib = edflib(path);
    expect(lib.channels[0].digital.slice(0, 20)).toEqual(Array(20).fill(0));
    expect(lib.channels[0].digital[20]).toBe(onGrid(writer.grids[0], 100).digital);
    expect(lib.annotations.find((a) => a.text.startsWith('[lost]'))).toEqual({ onset_100ns: 0, duration: '0.2', text: '[lost] 20 samples' });
  });

  it('more gaps in one record than its annotations hold: merged spans still cover every lost sample, in that record', async () => {
    const path = newPath('bdf');
    const writer = await EdfWriter.create({ ...baseOptions('bdf', path), fs_Hz: 1000 });
    // Every other sample of the first second is lost: 500 gaps in record 0.
    for (let k = 1; k < 1000; k += 2) writeSignal(writer, [Float64Array.of(k)], k, [1]);
    writeSignal(writer, [ramp(10, 1000)], 1000, [10]);
    await writer.close('done');
    const file = readFileSync(path);
    const spans = recordTals(file, 0)
      .slice(1)
      .map((tal) => /^\+([\d.]+)\x15([\d.]+)\x14\[lost\] (\d+) samples\x14$/.exec(tal))
      .map((m) => {
        expect(m).not.toBeNull();
        const first = Math.round((Number(m![1]) - 0.394) * 1000);
        const length = Number(m![3]);
        expect(Math.round(Number(m![2]) * 1000)).toBe(length);
        return { first, length };
      });
    expect(spans.length).toBeGreaterThan(1);
    for (let k = 0; k < 1000; k += 2) expect(spans.some((s) => k >= s.first && k < s.first + s.length)).toBe(true);
    expect(recordTals(file, 1).some((tal) => tal.includes('[lost]'))).toBe(false);
    expect(edflib(path).records).toBe(2);
  });
});

// =====================================================================================

describe('annotations', () => {
  it('waits for room: never dropped, never split, in order, with padded records added at close', async () => {
    const path = newPath('edf');
    const writer = await EdfWriter.create({ ...baseOptions('edf', path), fs_Hz: 10 });
    const texts = Array.from({ length: 12 }, (_, i) => `${String(i).padStart(2, '0')} ${'n'.repeat(180)}`);
    // Distinct onsets: MNE sorts annotations by onset.
    texts.forEach((text, i) => writer.annotate(0.1 + i / 100, text));
    writeSignal(writer, [ramp(15)], 0, [15]);
    expect(writer.counters().annotations).toBe(2); // two 190-byte annotations fit a 512-byte record
    await writer.close('done');
    const file = readFileSync(path);
    const records = Number(fixed(file, 'number of data records', 8));
    expect(records).toBe(6); // 2 with data, then padded ones carrying the rest (two a record) and [end]
    for (let r = 0; r < records; r++) expect(recordTals(file, r)[0]).toBe(`+${r}.394\x14\x14`);
    const view = mne(path);
    expect(view.annotations.map((a) => a.description)).toEqual([...texts, '[end] done']);
    expect(view.annotations.at(-1)?.onset).toBeCloseTo(1.5, 9);
    expect(edflib(path).annotations.map((a) => a.text)).toEqual([...texts, '[end] done']);
  });

  it('a recording without samples is still a valid file: one padded record holding the annotations', async () => {
    const path = newPath('bdf');
    // A whole-second start: the time-keeping onset is a bare "+0".
    const writer = await EdfWriter.create({ ...baseOptions('bdf', path), start: new Date(Date.UTC(2024, 2, 5, 13, 4, 5)) });
    writer.annotate(0, 'session refused');
    await writer.close('e-stop pressed at start');
    expect(writer.counters()).toMatchObject({ records: 1, samples: 0, annotations: 2 });
    expect(recordTals(readFileSync(path), 0)).toEqual(['+0\x14\x14', '+0\x14session refused\x14', '+0\x14[end] e-stop pressed at start\x14']);
    const view = mne(path);
    expect(view.n_times).toBe(100);
    expect(view.annotations.map((a) => a.description)).toEqual(['session refused', '[end] e-stop pressed at start']);
    expect(new Set(edflib(path).channels[0].digital)).toEqual(new Set([0]));
    expect(biosig(path).NumberOfRecords).toBe(1);
  });

  it('long and odd texts: cut at 200 bytes with …, separator bytes removed', async () => {
    const path = newPath('bdf');
    const writer = await EdfWriter.create(baseOptions('bdf', path));
    writer.annotate(0.01, 'ü'.repeat(150));
    writer.annotate(0.02, 'a\x14b\x15c\x00d');
    await writer.close('x');
    // No samples: [end] is at 0, first in time (MNE), last in the file (EDFlib).
    expect(mne(path).annotations.map((a) => a.description)).toEqual(['[end] x', `${'ü'.repeat(98)}…`, 'abcd']);
    expect(edflib(path).annotations.map((a) => a.text)).toEqual([`${'ü'.repeat(98)}…`, 'abcd', '[end] x']);
  });
});

// =====================================================================================

describe('crash safety', () => {
  const childScript = join(FIXTURES, 'recordInChild.ts');

  it('a SIGKILLed recording keeps its complete records: -1 records, readable by MNE and save2gdf, at most ~1 s lost', async () => {
    const path = newPath('bdf');
    const child = spawn(process.execPath, ['--import', 'tsx', childScript, 'steady', path, 'bdf'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    const progress: { samples: number; at_ms: number }[] = [];
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let buffered = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      buffered += d;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const [samples, at_ms] = line.split(' ').map(Number);
        progress.push({ samples, at_ms });
      }
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    // Run for about 4 s of host time (about 1000 samples), then kill without warning.
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (child.exitCode !== null) {
          clearInterval(timer);
          reject(new Error(`the child ended by itself: ${stderr}`));
        } else if (progress.length > 0 && progress.at(-1)!.at_ms - progress[0].at_ms >= 4000) {
          clearInterval(timer);
          resolve();
        }
      }, 50);
    });
    const killed_ms = Date.now();
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const file = readFileSync(path);
    expect(fixed(file, 'number of data records', 8)).toBe('-1      ');
    const { header, recordBytes } = layoutOf(file);
    const records = Math.floor((file.length - header) / recordBytes);
    // Written more than 1.5 s before the kill: in the file.
    const old = progress.filter((p) => p.at_ms <= killed_ms - 1500).at(-1);
    expect(old).toBeDefined();
    expect(records * STEADY_FS_HZ).toBeGreaterThanOrEqual(old!.samples);

    const view = mne(path);
    expect(view.warnings.join(' ')).toMatch(/Inferring from the file size/);
    expect(view.n_times).toBe(records * STEADY_FS_HZ);
    const grid = symmetricGrid(1000, 'bdf');
    for (let c = 0; c < 2; c++) {
      let worst = 0;
      for (let k = 0; k < view.n_times; k++) worst = Math.max(worst, Math.abs(view.data[c][k] - onGrid(grid, Math.fround(steadyValue(c, k))).physical));
      expect(worst).toBeLessThan(gridGain(grid) / 100);
    }
    const lib = biosig(path);
    expect(lib.NumberOfRecords).toBe(records);
    expect(lib.NumberOfSamples).toBe(records * STEADY_FS_HZ);

    // EDFlib (EDFbrowser) refuses a record count of -1; with the count written in (a repair
    // a tool could make), it opens the complete records and finds their time-keeping in order.
    expect(spawnSync(edflibRead, [path], { encoding: 'utf8' }).status).toBe(1);
    const repaired = Buffer.from(file.subarray(0, header + records * recordBytes));
    repaired.write(String(records).padEnd(8), fixedFieldOffset('number of data records'), 'latin1');
    const repairedPath = join(dir, 'repaired.bdf');
    writeFileSync(repairedPath, repaired);
    expect(edflib(repairedPath)).toMatchObject({ filetype: 3, records, start_subsecond_100ns: 6_780_000 });
  });

  it('abandon() leaves what a crash leaves: the complete records, count -1', async () => {
    const path = newPath('edf');
    const writer = await EdfWriter.create(baseOptions('edf', path));
    writer.annotate(0.5, 'before the crash');
    writeSignal(writer, [ramp(250)], 0, [250]);
    writer.abandon();
    const file = readFileSync(path);
    expect(fixed(file, 'number of data records', 8)).toBe('-1      ');
    expect(file.length).toBe(layoutOf(file).header + 2 * layoutOf(file).recordBytes);
    const view = mne(path);
    expect(view.n_times).toBe(200);
    expect(view.annotations.map((a) => a.description)).toEqual(['before the crash']);
    expect(biosig(path).NumberOfRecords).toBe(2);
  });

  it('a disk that refuses a write (file size limit: EFBIG) surfaces as an error naming the path', () => {
    const path = newPath('bdf');
    const run = spawnSync('bash', ['-c', 'ulimit -f 64 && exec "$0" --import tsx "$1" fill "$2" bdf', process.execPath, childScript, path], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`error recording ${path}: write data record`);
    expect(run.stdout).toContain('EFBIG');
  });

  it('the fsync timer does not keep a process alive', () => {
    const path = newPath('bdf');
    const run = spawnSync(process.execPath, ['--import', 'tsx', childScript, 'idle', path, 'bdf'], { cwd: REPO, encoding: 'utf8', timeout: 30_000 });
    expect(run.signal).toBeNull();
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe('done\n');
    expect(existsSync(path)).toBe(true);
  });
});
