import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readEdfHeader } from '../../drivers/edf/edfHeaderReader.js';
import { openEdfSignal } from '../../drivers/edf/edfReader.js';
import type { EdfAnnotation, EdfReadOptions, EdfSignal } from '../../drivers/edf/edfTypes.js';
import { InputError } from '../../drivers/inputError.js';
import { REPO, tempDir } from '../helpers/cli.js';
import { systemTool } from '../helpers/systemTool.js';

/*
 * neuroloop's EDF/BDF reader against files other programs wrote, with known contents:
 * - Debian's EDFlib (libedf-dev) writes EDF+ and BDF+ files from integers given by a formula
 *   (test/drivers/fixtures/edflib_writer.c, compiled here), so every stored sample is known;
 * - biosig's save2gdf converts such a file to BDF and to EDF (requantizing);
 * - a small writer from the EDF+ specification makes EDF+D / BDF+D files (EDFlib writes only
 *   +C), which MNE-Python and save2gdf read to confirm the file means what we think;
 * - a crashed recording (number of records -1, a truncated last record), read by MNE too.
 * The expected physical values are computed here from the header's numbers with the
 * EDF formula: physical = physMin + (d - digMin) * ((physMax - physMin) / (digMax - digMin)),
 * then as Float32 (what the reader yields).
 */

const FIXTURES = join(REPO, 'test/drivers/fixtures');
// Debian's python with python3-mne; the first python3 on PATH may be another one.
const PYTHON = '/usr/bin/python3';
const MNE_READ = join(REPO, 'scripts/conformance/mne_read.py');

let dir = '';
let writer = '';

beforeAll(() => {
  dir = tempDir('neuroloop-edf-xcheck-');
  writer = join(dir, 'edflib_writer');
  execFileSync(systemTool('gcc'), ['-O1', '-Wall', '-o', writer, join(FIXTURES, 'edflib_writer.c'), '-ledf'], { stdio: 'pipe' });
});

/** Digital sample k of ordinary signal s: the formula of edflib_writer.c and edfplus_writer.py. */
function digitalSample(s: number, k: number, digMin: number, digMax: number): number {
  const span = digMax - digMin + 1;
  if (k === 0) return digMin;
  if (k === 1) return digMax;
  return digMin + ((k * 7919 + s * 104729) % span);
}

interface SignalSpec {
  readonly label: string;
  readonly samples: number;
  readonly physMin: number;
  readonly physMax: number;
  readonly digMin: number;
  readonly digMax: number;
  readonly dimension: string;
}

/** Microvolts per unit of the dimensions used here: the reader yields µV (SampleBlock's unit); a non-voltage passes unchanged. */
function microvoltsPer(dimension: string): number {
  const scale = { uV: 1, mV: 1000, V: 1e6, degC: 1 }[dimension];
  if (scale === undefined) throw new Error(`no µV scale for ${dimension} in this test`);
  return scale;
}

/** Physical sample k of signal s as the reader must return it: in µV, as Float32. */
function expectedSample(spec: SignalSpec, s: number, k: number): number {
  const d = digitalSample(s, k, spec.digMin, spec.digMax);
  const physical = spec.physMin + (d - spec.digMin) * ((spec.physMax - spec.physMin) / (spec.digMax - spec.digMin));
  return Math.fround(physical * microvoltsPer(spec.dimension));
}

function expectedRun(spec: SignalSpec, s: number, from: number, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = expectedSample(spec, s, from + i);
  return out;
}

interface EdflibFile {
  readonly format: 'edf' | 'bdf';
  readonly records: number;
  /** Record duration in EDFlib's units of 10 us (default 1 s). */
  readonly duration_10us?: number;
  /** Start offset in units of 100 ns. */
  readonly subsecond_100ns?: number;
  readonly signals: readonly SignalSpec[];
  /** Annotation signals EDFlib makes room in (default 1). */
  readonly annotation_signals?: number;
  /** Onset and duration in EDFlib's units of 100 us, relative to the first record; duration -1: none. */
  readonly annotations?: readonly { onset_100us: number; duration_100us: number; text: string }[];
}

function writeWithEdflib(name: string, file: EdflibFile): string {
  const path = join(dir, name);
  const args = [path, `format=${file.format}`, `records=${file.records}`, 'start=2021,3,4,5,6,7'];
  if (file.duration_10us !== undefined) args.push(`duration=${file.duration_10us}`);
  if (file.subsecond_100ns !== undefined) args.push(`subsecond=${file.subsecond_100ns}`);
  if (file.annotation_signals !== undefined) args.push(`annotation_signals=${file.annotation_signals}`);
  for (const s of file.signals) args.push(`signal=${s.label},${s.samples},${s.physMin},${s.physMax},${s.digMin},${s.digMax},${s.dimension}`);
  for (const a of file.annotations ?? []) args.push(`annotation=${a.onset_100us},${a.duration_100us},${a.text}`);
  const r = spawnSync(writer, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`edflib_writer ${name}: exit ${r.status}: ${r.stderr}`);
  return path;
}

/** The reader's output, with contiguous blocks joined into runs. */
interface ReadBack {
  readonly signal: EdfSignal;
  readonly runs: { firstIndex: number; data: Float32Array[] }[];
  readonly annotations: EdfAnnotation[];
  readonly notices: string[];
}

async function readBack(path: string, options: EdfReadOptions = {}): Promise<ReadBack> {
  const notices: string[] = [];
  const signal = await openEdfSignal(path, { ...options, onNotice: (m) => notices.push(m) });
  const pieces: { firstIndex: number; data: number[][] }[] = [];
  const annotations: EdfAnnotation[] = [];
  for await (const item of signal.items) {
    if (item.kind === 'annotation') {
      annotations.push(item.annotation);
      continue;
    }
    const { block } = item;
    expect(block.fs_Hz).toBe(signal.fs_Hz);
    expect(block.channels).toEqual(signal.channels);
    for (const channel of block.data) expect(channel).toBeInstanceOf(Float32Array);
    const last = pieces.at(-1);
    const n = block.data[0]?.length ?? 0;
    if (last !== undefined && last.firstIndex + last.data[0].length === block.firstIndex) {
      block.data.forEach((channel, c) => last.data[c].push(...channel));
    } else {
      if (last !== undefined) expect(block.firstIndex).toBeGreaterThan(last.firstIndex + last.data[0].length);
      pieces.push({ firstIndex: block.firstIndex, data: block.data.map((channel) => Array.from(channel)) });
    }
    expect(n).toBeGreaterThan(0);
  }
  const runs = pieces.map((p) => ({ firstIndex: p.firstIndex, data: p.data.map((values) => Float32Array.from(values)) }));
  return { signal, runs, annotations, notices };
}

/** Index of the first sample that differs (or -1), so a failure names where. */
function firstDifference(actual: Float32Array, expected: Float32Array): number {
  if (actual.length !== expected.length) return Math.min(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) if (!Object.is(actual[i], expected[i])) return i;
  return -1;
}

function expectExactly(actual: Float32Array, expected: Float32Array, what: string): void {
  const at = firstDifference(actual, expected);
  expect(at, `${what}: first difference at sample ${at} (read ${actual[at]}, expected ${expected[at]}; lengths ${actual.length}/${expected.length})`).toBe(-1);
}

const EEG_EDF: SignalSpec = { label: 'Fp1', samples: 200, physMin: -3200, physMax: 3200, digMin: -32768, digMax: 32767, dimension: 'uV' };
// Inverted physical range (physMin > physMax: the sign flips) on a narrow digital range.
const INVERTED_EDF: SignalSpec = { label: 'Inverted', samples: 200, physMin: 500, physMax: -500, digMin: -2000, digMax: 2000, dimension: 'mV' };
const EEG_BDF: SignalSpec = { label: 'Cz', samples: 200, physMin: -262144, physMax: 262143, digMin: -8388608, digMax: 8388607, dimension: 'uV' };
const INVERTED_BDF: SignalSpec = { label: 'Inverted', samples: 200, physMin: 8711, physMax: -8711, digMin: -100000, digMax: 100000, dimension: 'uV' };
// UTF-8 text with 2-, 3- and 4-byte characters.
const UTF8_TEXT = 'Stimulus Ω 中文 🙂';

describe.each([
  { format: 'edf' as const, signals: [EEG_EDF, INVERTED_EDF], variant: 'EDF+C' },
  { format: 'bdf' as const, signals: [EEG_BDF, INVERTED_BDF], variant: 'BDF+C' },
])('a $variant file written by EDFlib', ({ format, signals, variant }) => {
  const records = 5;
  let path = '';
  beforeAll(() => {
    path = writeWithEdflib(`plain.${format}`, {
      format,
      records,
      subsecond_100ns: 1_234_000, // the first record starts 0.1234 s after the header's start time
      signals,
      annotations: [
        { onset_100us: 12_500, duration_100us: 5_000, text: UTF8_TEXT },
        { onset_100us: 30_000, duration_100us: -1, text: 'no duration' },
        { onset_100us: 0, duration_100us: 0, text: 'at the first sample' },
      ],
    });
  });

  it('has the header EDFlib wrote', async () => {
    const info = await readEdfHeader(path);
    expect(info.format).toBe(format);
    expect(info.variant).toBe(variant);
    expect(info.start?.toISOString()).toBe('2021-03-04T05:06:07.000Z');
    expect(info.recordCount).toBe(records);
    expect(info.recordDuration_s).toBe(1);
    const ordinary = info.signals.filter((s) => !s.isAnnotation);
    expect(ordinary.map((s) => s.label)).toEqual(signals.map((s) => s.label));
    expect(ordinary.map((s) => s.physicalDimension)).toEqual(signals.map((s) => s.dimension));
    expect(ordinary.map((s) => s.fs_Hz)).toEqual([200, 200]);
    ordinary.forEach((s, i) =>
      expect(s.grid).toEqual({ physicalMin: signals[i].physMin, physicalMax: signals[i].physMax, digitalMin: signals[i].digMin, digitalMax: signals[i].digMax }),
    );
    expect(info.signals.filter((s) => s.isAnnotation)).toHaveLength(1);
  });

  it('returns every sample exactly, the inverted range with its sign flipped', async () => {
    const r = await readBack(path);
    expect(r.signal.channels).toEqual(signals.map((s) => s.label));
    expect(r.signal.fs_Hz).toBe(200);
    expect(r.runs).toHaveLength(1);
    expect(r.runs[0].firstIndex).toBe(0);
    signals.forEach((spec, s) => expectExactly(r.runs[0].data[s], expectedRun(spec, s, 0, records * spec.samples), spec.label));
    // Both ends of the digital range: sample 0 is digMin (physMin), sample 1 digMax (physMax).
    const uV = microvoltsPer(signals[1].dimension);
    expect(r.runs[0].data[1][0]).toBe(Math.fround(signals[1].physMin * uV));
    expect(r.runs[0].data[1][1]).toBe(Math.fround(signals[1].physMax * uV));
  });

  it('starts the data at the sub-second offset and returns the UTF-8 annotations where they are', async () => {
    const r = await readBack(path);
    expect(r.signal.dataStart_s).toBeCloseTo(0.1234, 12);
    // TAL onsets are seconds after the header's start time; EDFlib writes onset + offset.
    const got = r.annotations.map((a) => ({ onset_s: a.onset_s, duration_s: a.duration_s, text: a.text }));
    expect(got).toHaveLength(3);
    expect(got).toEqual(
      expect.arrayContaining([
        { onset_s: expect.closeTo(1.3734, 9), duration_s: expect.closeTo(0.5, 9), text: UTF8_TEXT },
        { onset_s: expect.closeTo(3.1234, 9), duration_s: null, text: 'no duration' },
        { onset_s: expect.closeTo(0.1234, 9), duration_s: 0, text: 'at the first sample' },
      ]),
    );
    // Sample index of an annotation: round((onset - dataStart) * fs).
    const stimulus = r.annotations.find((a) => a.text === UTF8_TEXT);
    expect(Math.round(((stimulus?.onset_s ?? NaN) - r.signal.dataStart_s) * r.signal.fs_Hz)).toBe(250);
  });
});

it('reads the annotations of every annotation signal (EDFlib spreads them over three)', async () => {
  // EDFlib fills each record's annotation signals in turn: three in record 0, two in record 1.
  const path = writeWithEdflib('three-annotation-signals.edf', {
    format: 'edf',
    records: 2,
    annotation_signals: 3,
    signals: [EEG_EDF],
    annotations: ['one', 'two', 'three', 'four', 'five'].map((text, i) => ({ onset_100us: (i + 1) * 1_000, duration_100us: i === 4 ? 2_500 : -1, text })),
  });
  const info = await readEdfHeader(path);
  expect(info.signals.map((s) => s.isAnnotation)).toEqual([false, true, true, true]);
  const r = await readBack(path);
  expect(r.annotations.map((a) => [a.text, a.onset_s, a.duration_s, a.signal, a.record])).toEqual([
    ['one', 0.1, null, 1, 0],
    ['two', 0.2, null, 2, 0],
    ['three', 0.3, null, 3, 0],
    ['four', 0.4, null, 1, 1],
    ['five', 0.5, 0.25, 2, 1],
  ]);
  expectExactly(r.runs[0].data[0], expectedRun(EEG_EDF, 0, 0, 400), 'Fp1');
});

it('takes the header numbers as EDFlib writes them (cut to 8 characters), volts to µV and other units unchanged', async () => {
  const volts: SignalSpec = { label: 'Volts', samples: 50, physMin: -0.00125, physMax: 0.00125, digMin: -32768, digMax: 32767, dimension: 'V' };
  const asked: SignalSpec = { label: 'Temp', samples: 50, physMin: -3.3333333, physMax: 1234567.8, digMin: -30000, digMax: 30000, dimension: 'degC' };
  const path = writeWithEdflib('header-numbers.edf', { format: 'edf', records: 4, signals: [volts, asked] });
  // EDFlib cuts what does not fit: "-3.33333" and "1234567." (the grid the file holds).
  const written: SignalSpec = { ...asked, physMin: -3.33333, physMax: 1234567 };
  const info = await readEdfHeader(path);
  expect(info.signals[1].grid).toEqual({ physicalMin: -3.33333, physicalMax: 1234567, digitalMin: -30000, digitalMax: 30000 });
  const r = await readBack(path);
  expectExactly(r.runs[0].data[0], expectedRun(volts, 0, 0, 200), 'Volts');
  expectExactly(r.runs[0].data[1], expectedRun(written, 1, 0, 200), 'Temp');
  expect(r.notices.join('\n')).toContain('degC');
});

it('streams a file of many read chunks (1.6 MB of BDF) without losing a sample', async () => {
  const specs = [0, 1, 2].map((i): SignalSpec => ({ ...EEG_BDF, label: `C${i}`, samples: 301 }));
  const records = 600;
  const path = writeWithEdflib('long.bdf', { format: 'bdf', records, signals: specs });
  expect(statSync(path).size).toBeGreaterThan(1.5e6);
  const r = await readBack(path, { block_samples: 1000 });
  expect(r.runs).toHaveLength(1);
  specs.forEach((spec, s) => expectExactly(r.runs[0].data[s], expectedRun(spec, s, 0, records * 301), spec.label));
});

describe('record durations that are not 1 s (EDFlib sets them in units of 10 us)', () => {
  // 0.0040002 s cannot be asked of EDFlib (400.02 units of 10 us; its micro-second setting
  // gives 4000.2 us): the nearest it takes is 400 units, 0.004 s. 401 units (0.00401 s)
  // EDFlib writes as the text "0.004009" (it cuts the decimal instead of rounding); the
  // field as written is what a reader must believe.
  it.each([
    { duration_10us: 10_000, samples: 25, field: '0.1', fs_Hz: 250 },
    { duration_10us: 50_000, samples: 100, field: '0.5', fs_Hz: 200 },
    { duration_10us: 400, samples: 2, field: '0.004', fs_Hz: 500 },
    { duration_10us: 401, samples: 2, field: '0.004009', fs_Hz: 2 / 0.004009 },
  ])('$field s records of $samples samples', async ({ duration_10us, samples, field, fs_Hz }) => {
    const records = 40;
    const spec: SignalSpec = { ...EEG_EDF, samples };
    const path = writeWithEdflib(`duration-${duration_10us}.edf`, { format: 'edf', records, duration_10us, signals: [spec], annotations: [{ onset_100us: 10, duration_100us: -1, text: 'mark' }] });
    const info = await readEdfHeader(path);
    expect(info.recordDurationField).toBe(field);
    expect(info.recordDuration_s).toBe(Number(field));
    const r = await readBack(path);
    expect(r.signal.fs_Hz).toBe(fs_Hz);
    expect(r.runs).toHaveLength(1);
    expectExactly(r.runs[0].data[0], expectedRun(spec, 0, 0, records * samples), `${field} s records`);
    expect(r.annotations.map((a) => a.text)).toEqual(['mark']);
  });
});

describe('signals at two rates', () => {
  const fast: SignalSpec = { ...EEG_EDF, label: 'Fast', samples: 256 };
  const slow: SignalSpec = { ...EEG_EDF, label: 'Slow', samples: 32, physMin: -100, physMax: 100 };
  const fast2: SignalSpec = { ...EEG_EDF, label: 'Fast2', samples: 256, digMin: -1000, digMax: 1000 };
  let path = '';
  beforeAll(() => {
    path = writeWithEdflib('two-rates.edf', { format: 'edf', records: 3, signals: [fast, slow, fast2] });
  });

  it('by default reads the first signal’s rate and names the skipped signal', async () => {
    const r = await readBack(path);
    expect(r.signal.channels).toEqual(['Fast', 'Fast2']);
    expect(r.signal.fs_Hz).toBe(256);
    expectExactly(r.runs[0].data[0], expectedRun(fast, 0, 0, 3 * 256), 'Fast');
    expectExactly(r.runs[0].data[1], expectedRun(fast2, 2, 0, 3 * 256), 'Fast2');
    expect(r.notices.join('\n')).toContain('Slow');
  });

  it('reads the other rate when asked for by label or index', async () => {
    for (const channels of [['Slow'], [1]]) {
      const r = await readBack(path, { channels });
      expect(r.signal.channels).toEqual(['Slow']);
      expect(r.signal.fs_Hz).toBe(32);
      expectExactly(r.runs[0].data[0], expectedRun(slow, 1, 0, 3 * 32), 'Slow');
    }
  });

  it('refuses signals of different rates in one read', async () => {
    await expect(openEdfSignal(path, { channels: ['Fast', 'Slow'] })).rejects.toBeInstanceOf(InputError);
  });
});

describe('files converted by biosig’s save2gdf', () => {
  // save2gdf (biosig 2.5) writes the BDF with one sample per record (800 records of
  // 0.005 s) on the same digital grid, so the values are the same. It writes the EDF on a
  // grid of its own (digital ±32767, the inverted range turned upright): there the values
  // move by up to half a step of the new grid, and up to a whole step on the channel whose
  // range it turned (save2gdf's rounding, not ours: the source's values are exact above).
  // Its EDF/BDF output keeps no annotations, so only samples are compared.
  const signals = [EEG_EDF, INVERTED_EDF];
  let source = '';
  beforeAll(() => {
    source = writeWithEdflib('for-save2gdf.edf', { format: 'edf', records: 4, signals });
  });

  function convert(format: 'BDF' | 'EDF'): string {
    const out = join(dir, `converted.${format.toLowerCase()}`);
    const r = spawnSync(systemTool('save2gdf'), [`-f=${format}`, source, out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return out;
  }

  it('BDF: the same values exactly', async () => {
    const r = await readBack(convert('BDF'));
    expect(r.signal.info.format).toBe('bdf');
    expect(r.signal.channels).toEqual(['Fp1', 'Inverted']);
    expect(r.signal.fs_Hz).toBeCloseTo(200, 9);
    expect(r.runs).toHaveLength(1);
    signals.forEach((spec, s) => expectExactly(r.runs[0].data[s], expectedRun(spec, s, 0, 800), spec.label));
  });

  it('EDF: the same values within a step of the grid save2gdf chose', async () => {
    const r = await readBack(convert('EDF'));
    expect(r.signal.info.format).toBe('edf');
    expect(r.signal.fs_Hz).toBe(200);
    const chosen = r.signal.selected.map((s) => s.grid);
    expect(chosen.map((g) => Math.sign(g.physicalMax - g.physicalMin))).toEqual([1, 1]);
    signals.forEach((spec, s) => {
      const step = Math.abs((chosen[s].physicalMax - chosen[s].physicalMin) / (chosen[s].digitalMax - chosen[s].digitalMin)) * microvoltsPer(spec.dimension);
      const expected = expectedRun(spec, s, 0, 800);
      const got = r.runs[0].data[s];
      expect(got.length).toBe(800);
      // Half a step (a whole one on the turned range), plus the Float32 rounding of both values.
      const steps = spec.physMin > spec.physMax ? 1 : 0.5;
      for (let i = 0; i < 800; i++) {
        const allowed = steps * step + Math.abs(expected[i]) * 2 ** -23;
        if (!(Math.abs(got[i] - expected[i]) <= allowed)) expect.fail(`${spec.label} sample ${i}: ${got[i]} µV, written ${expected[i]} µV`);
      }
    });
  });
});

/** MNE's reading of a file (scripts/conformance/mne_read.py): one group per rate. */
interface MneRead {
  readonly error: string | null;
  readonly groups: { header_indices: number[]; sfreq: number; ch_names: string[]; n_times: number; n_records: number; units: number[]; data: string; warnings: string[] }[];
  readonly annotations: { onset: number[]; duration: number[]; description: string[] } | null;
}

function readWithMne(path: string): { read: MneRead; channel: (group: number, c: number) => Float64Array } {
  const out = join(dir, `mne-${path.split('/').pop()}`);
  execFileSync(PYTHON, [MNE_READ, path, out], { stdio: 'pipe' });
  const read = JSON.parse(readFileSync(join(out, 'mne.json'), 'utf8')) as MneRead;
  const channel = (group: number, c: number): Float64Array => {
    const g = read.groups[group];
    const bytes = readFileSync(join(out, g.data));
    const all = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
    // MNE returns volts for uV/mV channels: to µV, neuroloop's unit.
    return all.slice(c * g.n_times, (c + 1) * g.n_times).map((v) => (v / g.units[c]) * (g.units[c] === 1e-3 ? 1000 : 1));
  };
  return { read, channel };
}

/** Largest |ours - MNE| relative to one Float32 rounding of MNE's value (≤ 1 passes). */
function worstFloat32Ratio(ours: Float32Array, mne: Float64Array, step: number): number {
  let worst = 0;
  for (let i = 0; i < ours.length; i++) {
    const allowed = Math.abs(mne[i]) * 2 ** -24 + Math.abs(step) * 1e-9;
    worst = Math.max(worst, Math.abs(ours[i] - mne[i]) / allowed);
  }
  return worst;
}

/** StartOfRecording and segment-break times from `save2gdf -JSON` (biosig's reading). */
function biosigSegments(path: string): { start_ms: number; breaks_s: number[] } {
  const r = spawnSync(systemTool('save2gdf'), ['-JSON', path], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const json = JSON.parse(r.stdout) as { StartOfRecording: string; EVENT?: { TYP: string; TimeStamp: string }[] };
  // "2020-02-29 23:59:57.999991": biosig prints microseconds (and float noise in them).
  const ms = (stamp: string): number => {
    const [whole, fraction = '0'] = stamp.split('.');
    return Date.parse(`${whole.replace(' ', 'T')}Z`) + Number(`0.${fraction}`) * 1000;
  };
  const start_ms = ms(json.StartOfRecording);
  // 0x7ffe: "start of a new segment (after a break)".
  const breaks_s = (json.EVENT ?? []).filter((e) => e.TYP === '0x7ffe').map((e) => (ms(e.TimeStamp) - start_ms) / 1000);
  return { start_ms, breaks_s };
}

describe.each([
  { format: 'edf' as const, variant: 'EDF+D', spec: { ...EEG_EDF, samples: 64 } },
  { format: 'bdf' as const, variant: 'BDF+D', spec: { ...EEG_BDF, samples: 64 } },
])('a discontinuous $variant file (records that jump in time)', ({ format, variant, spec }) => {
  // 0.5 s records of 64 samples (128 Hz) at these onsets: contiguous, then a 2 s gap,
  // contiguous again, then a 6.25 s gap.
  const onsets = ['+0', '+0.5', '+3', '+3.5', '+10.25'];
  const expectedStarts = [0, 384, 1312]; // round(onset * 128) of each contiguous segment
  let path = '';
  beforeAll(() => {
    path = join(dir, `gaps.${format}`);
    const specPath = join(dir, `gaps-${format}.json`);
    writeFileSync(
      specPath,
      JSON.stringify({
        path,
        format,
        variant,
        start: [2020, 2, 29, 23, 59, 58],
        duration_field: '0.5',
        onsets,
        signals: [{ label: spec.label, samples: spec.samples, phys_min: spec.physMin, phys_max: spec.physMax, dig_min: spec.digMin, dig_max: spec.digMax, dimension: spec.dimension }],
        annotation_bytes: 60,
        annotations: [
          { record: 1, onset: '+0.75', duration: null, text: 'Ω before the gap' },
          { record: 4, onset: '+10.5', duration: '0.25', text: 'after the gap' },
        ],
      }),
    );
    execFileSync(PYTHON, [join(FIXTURES, 'edfplus_writer.py'), specPath], { stdio: 'pipe' });
  });

  it('is understood the same way by MNE (records joined) and biosig (a break per record)', () => {
    const mne = readWithMne(path);
    expect(mne.read.error).toBeNull();
    expect(mne.read.groups[0].n_times).toBe(5 * 64);
    // MNE joins the records (2.5 s of data) and so drops the annotation at 10.5 s.
    expect(mne.read.annotations?.description).toEqual(['Ω before the gap']);
    expect(mne.read.annotations?.onset).toEqual([0.75]);
    const mneValues = mne.channel(0, 0);
    const written = expectedRun(spec, 0, 0, 5 * 64);
    expect(worstFloat32Ratio(written, mneValues, 1)).toBeLessThanOrEqual(1);
    const biosig = biosigSegments(path);
    expect(Math.abs(biosig.start_ms - Date.parse('2020-02-29T23:59:58Z'))).toBeLessThan(1);
    for (const onset of onsets) expect(biosig.breaks_s.some((t) => Math.abs(t - Number(onset)) < 1e-3), `biosig break at ${onset}`).toBe(true);
  });

  it('makes index jumps of the size of each gap, with the samples in between exactly', async () => {
    const r = await readBack(path);
    expect(r.signal.info.variant).toBe(variant);
    expect(r.signal.fs_Hz).toBe(128);
    expect(r.runs.map((run) => run.firstIndex)).toEqual(expectedStarts);
    expect(r.runs.map((run) => run.data[0].length)).toEqual([128, 128, 64]);
    let k = 0;
    for (const run of r.runs) {
      expectExactly(run.data[0], expectedRun(spec, 0, k, run.data[0].length), `segment at ${run.firstIndex}`);
      k += run.data[0].length;
    }
    expect(r.annotations.map((a) => [a.onset_s, a.duration_s, a.text, a.record])).toEqual([
      [0.75, null, 'Ω before the gap', 1],
      [10.5, 0.25, 'after the gap', 4],
    ]);
  });
});

describe('a crashed recording: number of records -1 and a truncated last record', () => {
  const spec: SignalSpec = { ...EEG_EDF, samples: 100 };
  let path = '';
  beforeAll(() => {
    // As MNE's own test does: the record count field becomes -1 and the file is cut mid-record.
    path = writeWithEdflib('crashed.edf', { format: 'edf', records: 6, signals: [spec] });
    const header = readFileSync(path).subarray(0, 256);
    const headerBytes = Number(header.subarray(184, 192).toString('ascii'));
    const recordBytes = (statSync(path).size - headerBytes) / 6;
    truncateSync(path, headerBytes + 4 * recordBytes + Math.floor(recordBytes / 3));
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.from('-1      ', 'ascii'), 0, 8, 236);
    closeSync(fd);
  });

  it('infers four complete records and drops the partial one, as MNE does', async () => {
    const info = await readEdfHeader(path);
    expect(info.recordCountField).toBe(-1);
    expect(info.recordCount).toBe(4);
    const r = await readBack(path);
    expect(r.runs).toHaveLength(1);
    expectExactly(r.runs[0].data[0], expectedRun(spec, 0, 0, 400), 'crashed');
    expect([...info.warnings, ...r.notices].join('\n')).toMatch(/truncat|partial|incomplete/i);

    const mne = readWithMne(path);
    expect(mne.read.groups[0].n_records).toBe(4);
    expect(mne.read.groups[0].n_times).toBe(400);
    expect(worstFloat32Ratio(r.runs[0].data[0], mne.channel(0, 0), spec.physMax / 32768)).toBeLessThanOrEqual(1);
    expect(mne.read.groups[0].units).toEqual([1e-6]);
  });
});
