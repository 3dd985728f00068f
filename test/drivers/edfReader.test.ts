import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openEdfAnnotations, openEdfSignal } from '../../drivers/edf/edfReader.js';
import type { EdfAnnotation, EdfItem, EdfReadOptions, EdfSignal } from '../../drivers/edf/edfTypes.js';
import { InputError } from '../../drivers/inputError.js';
import { gridGain, toPhysical, type QuantizationGrid } from '../../signals/quantizationGrid.js';
import type { SampleBlock } from '../../signals/sampleBlock.js';
import { edfBytes, ramp, tal, timeKeeping, writeTempEdf, type TestFile, type TestRecord, type TestSignal } from '../helpers/edfBytes.js';

const ANN: TestSignal = { label: 'EDF Annotations', samples: 40 };
const NEUROLOOP_RECORDING = 'Startdate 01-JAN-2024 X X neuroloop-0.1.0';

async function open(file: TestFile, options: EdfReadOptions = {}): Promise<{ signal: EdfSignal; notices: string[] }> {
  const notices: string[] = [];
  const signal = await openEdfSignal(writeTempEdf(edfBytes(file)), { onNotice: (m) => notices.push(m), ...options });
  return { signal, notices };
}

async function collect(signal: EdfSignal): Promise<{ items: EdfItem[]; blocks: SampleBlock[]; annotations: EdfAnnotation[] }> {
  const items: EdfItem[] = [];
  for await (const item of signal.items) items.push(item);
  return {
    items,
    blocks: items.flatMap((i) => (i.kind === 'block' ? [i.block] : [])),
    annotations: items.flatMap((i) => (i.kind === 'annotation' ? [i.annotation] : [])),
  };
}

/** Every sample as [index, channel 0, channel 1, ...], in order. */
function samples(blocks: readonly SampleBlock[]): number[][] {
  return blocks.flatMap((b) => Array.from(b.data[0], (_, i) => [b.firstIndex + i, ...b.data.map((d) => d[i])]));
}

/** [firstIndex, length] of each block. */
const spans = (blocks: readonly SampleBlock[]): number[][] => blocks.map((b) => [b.firstIndex, b.data[0].length]);

/** [firstIndex, length] of each run of contiguous samples (blocks joined). */
function runs(blocks: readonly SampleBlock[]): number[][] {
  const out: number[][] = [];
  for (const [first, n] of spans(blocks)) {
    const last = out[out.length - 1];
    if (last !== undefined && last[0] + last[1] === first) last[1] += n;
    else out.push([first, n]);
  }
  return out;
}

/** What the reader must give for digital value d: the shared formula, stored as Float32. */
const physical = (grid: QuantizationGrid, d: number): number => Math.fround(toPhysical(grid, gridGain(grid), d));

async function inputError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return (error as InputError).message;
}

/** A file of `records` records of the given signals, digital sample k of record r, signal s = r * 100 + k + 1000 * s. */
function rampFile(signals: readonly TestSignal[], records: number, extra: Partial<TestFile> = {}, annotation?: (r: number) => string): TestFile {
  const data: TestRecord[] = Array.from({ length: records }, (_, r) =>
    signals.map((s, i) => (s.label.endsWith('Annotations') ? (annotation?.(r) ?? timeKeeping(`+${r}`)) : ramp(Number(s.samples), r * 100 + 1000 * i))),
  );
  return { signals, data, ...extra };
}

describe('openEdfSignal: samples', () => {
  it('turns digital samples into physical values with the shared grid arithmetic, as Float32', async () => {
    const a: TestSignal = { label: 'C3', samples: 4, physMin: -3276.8, physMax: 3276.7 };
    const b: TestSignal = { label: 'C4', samples: 4, physMin: -500, physMax: 500, digMin: -2048, digMax: 2047 };
    const { signal } = await open(rampFile([a, b, ANN], 3));
    expect(signal.channels).toEqual(['C3', 'C4']);
    expect(signal.fs_Hz).toBe(4);
    expect(signal.dataStart_s).toBe(0);
    const { blocks } = await collect(signal);
    expect(blocks.every((bl) => bl.data.every((d) => d instanceof Float32Array) && bl.fs_Hz === 4)).toBe(true);
    const ga = { physicalMin: -3276.8, physicalMax: 3276.7, digitalMin: -32768, digitalMax: 32767 };
    const gb = { physicalMin: -500, physicalMax: 500, digitalMin: -2048, digitalMax: 2047 };
    const expected = [0, 1, 2].flatMap((r) => [0, 1, 2, 3].map((k) => [r * 4 + k, physical(ga, r * 100 + k), physical(gb, r * 100 + k + 1000)]));
    expect(samples(blocks)).toEqual(expected);
    // By hand: -3276.8 + (1 + 32768) * 0.1 = 0.1 µV.
    expect(samples(blocks)[1][1]).toBeCloseTo(0.1, 5);
  });

  it('flips the sign of an inverted physical range', async () => {
    const { signal } = await open({ signals: [{ label: 'A', samples: 2, physMin: 8711, physMax: -8711 }], data: [[[1000, -1000]]] });
    const [[, up], [, down]] = samples((await collect(signal)).blocks);
    // 8711 + (1000 + 32768) * (-17422 / 65535) = -265.9...
    expect(up).toBeCloseTo(-265.9, 0);
    expect(down).toBeCloseTo(265.6, 0);
    expect(up).toBe(physical({ physicalMin: 8711, physicalMax: -8711, digitalMin: -32768, digitalMax: 32767 }, 1000));
  });

  it('reads 24-bit BDF samples, negative ones included', async () => {
    const digital = [-8388608, -1, -2, 8388607, 0, 1, -123456, 65535];
    const { signal } = await open({ format: 'bdf', signals: [{ label: 'Fp1', samples: 8, physMin: -8388608, physMax: 8388607 }], data: [[digital]] });
    // A grid whose physical range equals its digital range: physical == digital, which Float32 holds exactly for 24 bits.
    expect(samples((await collect(signal)).blocks).map((s) => s[1])).toEqual(digital);
  });

  it('converts mV, V and nV to µV and passes other units through with a notice', async () => {
    const grid = { physMin: -32768, physMax: 32767 };
    const sig = (label: string, dimension: string): TestSignal => ({ label, dimension, samples: 1, ...grid });
    const { signal, notices } = await open({
      signals: [sig('u', 'uV'), sig('mu', 'µV'), sig('m', 'mV'), sig('v', 'V'), sig('n', 'nV'), sig('t', 'degC'), sig('e', '')],
      data: [[[3], [3], [3], [3], [3], [3], [3]]],
    });
    expect(samples((await collect(signal)).blocks)).toEqual([[0, 3, 3, 3000, 3e6, Math.fround(3e-3), 3, 3]]);
    expect(notices).toEqual([
      expect.stringMatching(/signal 5 \("t"\): physical dimension "degC" is not a voltage: its values are passed through unchanged/),
      expect.stringMatching(/signal 6 \("e"\): physical dimension "" is not a voltage/),
    ]);
  });

  it('gives the right fs and sample indices for record durations of 0.1, .0040002, 9.59375, 0.5 and 2 s', async () => {
    const cases: [string, number][] = [
      ['0.1', 3000],
      ['.0040002', 1],
      ['9.59375', 1228],
      ['0.5', 1000],
      ['2', 975],
    ];
    for (const [duration, spr] of cases) {
      const d = Number(duration);
      // EDF+D with the second record one record late: a gap of exactly one record.
      const file = rampFile([{ label: 'A', samples: spr }, ANN], 3, { duration, reserved: 'EDF+D' }, (r) => timeKeeping(`+${[0, 1, 3][r] * d}`));
      const { signal } = await open(file);
      expect(signal.fs_Hz).toBe(spr / d);
      expect(runs((await collect(signal)).blocks)).toEqual([
        [0, 2 * spr],
        [3 * spr, spr],
      ]);
    }
  });

  it('infers a -1 record count and drops a truncated last record with a notice', async () => {
    const bytes = edfBytes({ ...rampFile([{ label: 'A', samples: 5 }], 4), records: -1 });
    const notices: string[] = [];
    const signal = await openEdfSignal(writeTempEdf(bytes.subarray(0, bytes.length - 4)), { onNotice: (m) => notices.push(m) });
    expect(signal.info.recordCount).toBe(3);
    expect(samples((await collect(signal)).blocks).map((s) => s[0])).toEqual(ramp(15, 0));
    expect(notices).toContainEqual(expect.stringMatching(/record 3 is truncated \(6 of 10 bytes\): dropped$/));
  });

  it('streams a file larger than its read chunk, joining records into full blocks', async () => {
    // 64 signals of 1000 samples: 128 000-byte records, 24 of them (about 3 MB, several chunks).
    const signals = Array.from({ length: 64 }, (_, i): TestSignal => ({ label: `ch${i}`, samples: 1000 }));
    const data = Array.from({ length: 24 }, (_, r) => signals.map((_, i) => Array.from({ length: 1000 }, (_, k) => ((r * 1000 + k) * 7 + i * 13) % 65536 - 32768)));
    const { signal } = await open({ signals, data }, { block_samples: 4096 });
    const { blocks } = await collect(signal);
    expect(blocks.map((b) => b.data[0].length)).toEqual([...Array<number>(5).fill(4096), 24000 - 5 * 4096]);
    const grid = { physicalMin: -32768, physicalMax: 32767, digitalMin: -32768, digitalMax: 32767 };
    for (const b of blocks) {
      for (const c of [0, 37, 63]) {
        for (let i = 0; i < b.data[c].length; i += 997) {
          const n = b.firstIndex + i;
          expect(b.data[c][i]).toBe(physical(grid, ((n * 7 + c * 13) % 65536) - 32768));
        }
      }
    }
  });

  it('refuses a bad block size', async () => {
    expect(await inputError(open(rampFile([{ label: 'A', samples: 2 }], 1), { block_samples: 0 }))).toMatch(/block_samples: expected a whole number/);
  });
});

describe('openEdfSignal: choosing signals', () => {
  // 100 Hz and 12.8 Hz (MNE's test_uneven_samp.edf has these rates), then 100 Hz again.
  const mixed = rampFile(
    [
      { label: 'EEG', samples: 1000 },
      { label: 'Slow', samples: 128 },
      { label: 'EMG', samples: 1000 },
      { label: 'EDF Annotations', samples: 30 },
    ],
    1,
    { duration: 10 },
  );

  it('reads every signal at the first one’s rate by default and names the skipped ones', async () => {
    const { signal, notices } = await open(mixed);
    expect(signal.channels).toEqual(['EEG', 'EMG']);
    expect(signal.selected.map((s) => s.index)).toEqual([0, 2]);
    expect(signal.fs_Hz).toBe(100);
    expect(notices).toEqual([expect.stringMatching(/reading the 2 signals at 100 Hz; skipped 1 at other rates: 1 "Slow" \(12\.8 Hz\)/)]);
  });

  it('picks signals by label, by index or by index as text, in the order asked', async () => {
    const byLabel = (await open(mixed, { channels: [' Slow '] })).signal;
    expect(byLabel.channels).toEqual(['Slow']);
    expect(byLabel.fs_Hz).toBe(12.8);
    expect(samples((await collect(byLabel)).blocks).slice(0, 2)).toEqual([
      [0, 1000],
      [1, 1001],
    ]);
    expect((await open(mixed, { channels: [2, 'EEG'] })).signal.channels).toEqual(['EMG', 'EEG']);
    expect((await open(mixed, { channels: ['1'] })).signal.channels).toEqual(['Slow']);
  });

  it('refuses unknown, ambiguous, annotation and mixed-rate choices', async () => {
    expect(await inputError(open(mixed, { channels: ['Cz'] }))).toMatch(/channels: no signal labelled "Cz"; the file has: 0 "EEG" \(100 Hz\), 1 "Slow" \(12\.8 Hz\), 2 "EMG" \(100 Hz\), 3 "EDF Annotations" \(annotations\)/);
    expect(await inputError(open(mixed, { channels: [7] }))).toMatch(/channels: no signal with index 7; the file has: 0 "EEG"/);
    expect(await inputError(open(mixed, { channels: [3] }))).toMatch(/signal 3 \("EDF Annotations"\) holds annotations, not samples/);
    expect(await inputError(open(mixed, { channels: ['EEG', 'Slow'] }))).toMatch(/different sample rates \(0 "EEG" at 100 Hz, 1 "Slow" at 12\.8 Hz\)/);
    expect(await inputError(open(mixed, { channels: [0, 'EEG'] }))).toMatch(/signal 0 \("EEG"\) is chosen twice/);
    expect(await inputError(open(mixed, { channels: [] }))).toMatch(/choose at least one signal/);
    const twins = rampFile([{ label: 'EEG F1-Ref', samples: 2 }, { label: 'EEG F2-Ref', samples: 2 }, { label: 'EEG F1-Ref', samples: 2 }], 1);
    expect(await inputError(open(twins, { channels: ['EEG F1-Ref'] }))).toMatch(/label "EEG F1-Ref" is shared by signals 0 and 2; choose one by index/);
  });

  it('names duplicate labels apart by their index', async () => {
    const twins = rampFile([{ label: 'EEG F1-Ref', samples: 2 }, { label: 'EEG F2-Ref', samples: 2 }, { label: 'EEG F1-Ref', samples: 2 }], 1);
    const { signal, notices } = await open(twins);
    expect(signal.channels).toEqual(['EEG F1-Ref #0', 'EEG F2-Ref', 'EEG F1-Ref #2']);
    expect(notices).toEqual([expect.stringMatching(/duplicate labels/)]);
    expect((await open(twins, { channels: [2] })).signal.channels).toEqual(['EEG F1-Ref']);
  });
});

describe('openEdfSignal: annotations and time', () => {
  it("yields each record's annotations before its samples, without the time-keeping ones", async () => {
    const file = rampFile([{ label: 'A', samples: 4 }, ANN], 3, {}, (r) => timeKeeping(`+${r}`) + (r === 1 ? tal('+1.5', ['blink'], '0.25') : ''));
    const { items } = await collect((await open(file, { block_samples: 4 })).signal);
    expect(items.map((i) => (i.kind === 'block' ? `block ${i.block.firstIndex}` : `${i.annotation.text} @${i.annotation.onset_s}/${i.annotation.duration_s} rec ${i.annotation.record}`))).toEqual([
      'block 0',
      'blink @1.5/0.25 rec 1',
      'block 4',
      'block 8',
    ]);
  });

  it('reads several annotation signals, even non-contiguous ones; the first keeps time', async () => {
    // edfReader's edfAnnonC.edf has annotation signals 0 and 2.
    const signals: TestSignal[] = [ANN, { label: 'A', samples: 3 }, { label: 'EDF Annotations', samples: 20 }];
    const data: TestRecord[] = [
      [timeKeeping('+0.7') + tal('+0.8', ['first']), ramp(3, 0), tal('+0.9', ['second'])],
      [timeKeeping('+1.7'), ramp(3, 3), tal('+1.75', ['third'])],
    ];
    const { signal } = await open({ signals, data, duration: 1 });
    expect(signal.dataStart_s).toBe(0.7);
    const { annotations, blocks } = await collect(signal);
    expect(annotations.map((a) => [a.text, a.onset_s, a.signal, a.record])).toEqual([
      ['first', 0.8, 0, 0],
      ['second', 0.9, 2, 0],
      ['third', 1.75, 2, 1],
    ]);
    expect(spans(blocks)).toEqual([[0, 6]]);
  });

  it('recovers annotations from Nihon Kohden TALs without NULs, with one notice', async () => {
    const file = rampFile([{ label: 'A', samples: 2 }, ANN], 2, { reserved: 'EDF+D' }, (r) => (r === 0 ? '+0.000000\x14\x14+0.000000\x14Segment: REC START\x14' : '+1.000000\x14\x14+1.140000\x14A1+A2 OFF\x14'));
    const { signal, notices } = await open(file);
    const { annotations, blocks } = await collect(signal);
    expect(annotations.map((a) => [a.onset_s, a.text])).toEqual([
      [0, 'Segment: REC START'],
      [1.14, 'A1+A2 OFF'],
    ]);
    expect(spans(blocks)).toEqual([[0, 4]]);
    expect(notices).toEqual([expect.stringMatching(/record 0, .*not separated by \\x00/), expect.stringMatching(/record 1, .*not separated by \\x00/)]);
  });

  it('decodes UTF-8 annotation texts', async () => {
    const file = rampFile([{ label: 'A', samples: 1 }, ANN], 1, {}, () => timeKeeping('+0') + tal('+0', ['仰卧', 'Schlafstadium Ä']));
    expect((await collect((await open(file)).signal)).annotations.map((a) => a.text)).toEqual(['仰卧', 'Schlafstadium Ä']);
  });

  it('gives a malformed TAL a notice and reads on', async () => {
    const file = rampFile([{ label: 'A', samples: 2 }, ANN], 2, {}, (r) => timeKeeping(`+${r}`) + (r === 0 ? 'oops\x14x\x14\x00' : tal('+1', ['fine'])));
    const { signal, notices } = await open(file);
    const { annotations, blocks } = await collect(signal);
    expect(annotations.map((a) => a.text)).toEqual(['fine']);
    expect(spans(blocks)).toEqual([[0, 4]]);
    expect(notices).toEqual([expect.stringMatching(/annotation signal 1, record 0, byte 5 of the signal: expected a TAL starting with a time stamp/)]);
  });

  it('places EDF+D records by their onsets: a jump is a gap, an overlap is kept contiguous with a notice', async () => {
    // cran/edfReader's edfPlusD.edf has records at 0,2,4,5,6,... s.
    const onsets = ['+0', '+2', '+4', '+4.5', '+3', '+8.0'];
    const file = rampFile([{ label: 'A', samples: 10 }, ANN], 6, { reserved: 'EDF+D' }, (r) => timeKeeping(onsets[r]));
    const { signal, notices } = await open(file);
    const { blocks } = await collect(signal);
    expect(spans(blocks)).toEqual([
      [0, 10],
      [20, 10],
      [40, 30],
      [80, 10],
    ]);
    expect(samples(blocks).map((s) => s[1])).toEqual(ramp(10, 0).concat(ramp(10, 100), ramp(10, 200), ramp(10, 300), ramp(10, 400), ramp(10, 500)));
    expect(notices).toEqual([
      expect.stringMatching(/record 3 starts at \+4\.5 s, before the previous record ends \(\+5 s\): read as following it/),
      expect.stringMatching(/record 4 starts at \+3 s, before the previous record ends \(\+6 s\)/),
    ]);
  });

  it('reads an EDF+D record without a time-keeping TAL as following the previous one, with one notice', async () => {
    const file = rampFile([{ label: 'A', samples: 10 }, ANN], 3, { reserved: 'EDF+D' }, (r) => ['+0\x14\x14\x00', tal('+1.5', ['no clock']), timeKeeping('+5')][r]);
    const { signal, notices } = await open(file);
    const { blocks, annotations } = await collect(signal);
    expect(spans(blocks)).toEqual([
      [0, 20],
      [50, 10],
    ]);
    expect(annotations.map((a) => a.text)).toEqual(['no clock']);
    expect(notices).toEqual([expect.stringMatching(/record 1 has no time-keeping onset: read as following the previous record$/)]);
  });

  it('keeps EDF+C and plain EDF records contiguous whatever their TALs say', async () => {
    for (const reserved of ['EDF+C', '']) {
      const file = rampFile([{ label: 'A', samples: 10 }, ANN], 3, { reserved }, (r) => timeKeeping(['+0', '+5', '+9'][r]));
      expect(spans((await collect((await open(file)).signal)).blocks)).toEqual([[0, 30]]);
    }
  });

  it('starts session index 0 at a sub-second first onset', async () => {
    const file = rampFile([{ label: 'A', samples: 128 }, ANN], 3, { reserved: 'EDF+D' }, (r) => timeKeeping(`+${r + 0.3945312}`) + (r === 2 ? tal('+2.5', ['x']) : ''));
    const { signal } = await open(file);
    expect(signal.dataStart_s).toBe(0.3945312);
    const { blocks, annotations } = await collect(signal);
    expect(spans(blocks)).toEqual([[0, 384]]);
    expect(Math.round((annotations[0].onset_s - signal.dataStart_s) * signal.fs_Hz)).toBe(270);
  });

  it('reports progress up to 1', async () => {
    const progress: number[] = [];
    await collect((await open(rampFile([{ label: 'A', samples: 4 }], 5), { onProgress: (f) => progress.push(f) })).signal);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[progress.length - 1]).toBe(1);
    expect(progress.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= progress[i - 1]))).toBe(true);
  });
});

describe("openEdfSignal: neuroloop's own tags", () => {
  // 10 Hz, 3 records of 1 s, first onset +0.25 (a sub-second start). [lost] covers samples
  // 12, 13, 14 (file time 0.25 + 1.2 s, 0.3 s); [end] is at sample 25.
  const tagged = (recording: string): TestFile =>
    rampFile([{ label: 'A', samples: 10 }, ANN], 3, { recording }, (r) =>
      timeKeeping(`+${r + 0.25}`) + (r === 1 ? tal('+1.45', ['[lost] 3 samples'], '0.3') : '') + (r === 2 ? tal('+2.75', ['[end] stopped by the user']) : ''),
    );

  it('makes [lost] spans gaps and ends the data at [end] in a neuroloop recording', async () => {
    const { signal } = await open(tagged(NEUROLOOP_RECORDING));
    expect(signal.info.writtenByNeuroloop).toBe(true);
    const { blocks, annotations } = await collect(signal);
    expect(spans(blocks)).toEqual([
      [0, 12],
      [15, 10],
    ]);
    expect(samples(blocks).map((s) => s[1])).toEqual([...ramp(10, 0), 100, 101, ...ramp(5, 105), ...ramp(5, 200)]);
    expect(annotations.map((a) => a.text)).toEqual(['[lost] 3 samples', '[end] stopped by the user']);
  });

  it('reads the same texts as plain annotations in other files', async () => {
    const { blocks, annotations } = await collect((await open(tagged('Startdate 01-JAN-2024 X X OtherTool'))).signal);
    expect(spans(blocks)).toEqual([[0, 30]]);
    expect(annotations).toHaveLength(2);
  });

  it('finds an [end] written after the last data record', async () => {
    // The writer puts pending annotations in extra padded records at close: [end] can come after the samples it ends.
    const file = rampFile([{ label: 'A', samples: 10 }, ANN], 3, { recording: NEUROLOOP_RECORDING }, (r) => timeKeeping(`+${r}`) + (r === 2 ? tal('+1.5', ['[end] done']) : ''));
    expect(spans((await collect((await open(file)).signal)).blocks)).toEqual([[0, 15]]);
  });
});

describe('openEdfSignal: from_s and to_s', () => {
  const file = rampFile([{ label: 'A', samples: 250 }, ANN], 20, {}, (r) => timeKeeping(`+${r}`) + tal(`+${r}.5`, [`mark ${r}`]));

  it('starts at from_s with the file’s own sample indices and stops before to_s', async () => {
    const { blocks, annotations } = await collect((await open(file, { from_s: 10, to_s: 12.5 })).signal);
    expect(blocks[0].firstIndex).toBe(2500);
    const all = samples(blocks);
    expect(all[0]).toEqual([2500, 1000]);
    expect(all[all.length - 1]).toEqual([3124, 1200 + 124]);
    expect(all).toHaveLength(625);
    expect(annotations.map((a) => a.text)).toEqual(['mark 10', 'mark 11']);
  });

  it('seeks in an EDF+D file through its time-keeping onsets', async () => {
    // 250 Hz records at 0, 1, 5, 6 s: from 5.5 s is inside the third record.
    const gappy = rampFile([{ label: 'A', samples: 250 }, ANN], 4, { reserved: 'EDF+D' }, (r) => timeKeeping(`+${[0, 1, 5, 6][r]}`));
    const { blocks } = await collect((await open(gappy, { from_s: 5.5 })).signal);
    expect(spans(blocks)).toEqual([[1375, 375]]);
    expect(samples(blocks)[0]).toEqual([1375, 200 + 125]);
    // From inside the gap: the next record.
    expect(spans((await collect((await open(gappy, { from_s: 3 })).signal)).blocks)).toEqual([[1250, 500]]);
    expect(await inputError(open(gappy, { from_s: 7 }))).toMatch(/from_s: 7 s is beyond the data of .*, which ends at 7 s/);
  });

  it('refuses from_s beyond the data and impossible ranges', async () => {
    expect(await inputError(open(file, { from_s: 20 }))).toMatch(/from_s: 20 s is beyond the data of .*, which ends at 20 s/);
    expect(await inputError(open(file, { from_s: -1 }))).toMatch(/from_s: expected a number of seconds, 0 or more, got -1/);
    expect(await inputError(open(file, { from_s: 5, to_s: 5 }))).toMatch(/to_s \(5\) must be after from_s \(5\)/);
  });
});

describe('annotation-only files', () => {
  // Like Sleep-EDF's hypnograms: one annotation signal, record duration 0.
  const hypnogram: TestFile = {
    duration: 0,
    signals: [{ label: 'EDF Annotations', samples: 60 }],
    data: [[timeKeeping('+0') + tal('+0', ['Sleep stage W'], '30630') + tal('+30630', ['Sleep stage 1'], '120') + tal('+30750', ['Sleep stage 2'], '390')]],
  };

  it('refuses to read samples from them', async () => {
    expect(await inputError(open(hypnogram))).toMatch(/no signals to read: the file holds only annotations \(3\)/);
  });

  it('reads their annotations', async () => {
    const { annotations, dataStart_s } = await openEdfAnnotations(writeTempEdf(edfBytes(hypnogram)));
    expect(dataStart_s).toBe(0);
    const all: [number, number | null, string][] = [];
    for await (const a of annotations) all.push([a.onset_s, a.duration_s, a.text]);
    expect(all).toEqual([
      [0, 30630, 'Sleep stage W'],
      [30630, 120, 'Sleep stage 1'],
      [30750, 390, 'Sleep stage 2'],
    ]);
  });

  it('refuses samples from signals with a record duration of 0', async () => {
    expect(await inputError(open({ duration: 0, signals: [{ label: 'A', samples: 1 }], data: [[[1]]] }))).toMatch(
      /header field "duration of a data record" at byte 244 is "0", so its signals \("A"\) have no sample rate/,
    );
  });
});

describe('blocks do not depend on block_samples', () => {
  it('gives the same samples at the same indices, in blocks that break only at gaps or when full', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 7 }),
        fc.array(fc.nat(2), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        async (spr, records, blockSamples, seed) => {
          let onset = 0;
          // Each record follows the previous one after 0 to 2 records' worth of gap.
          const data: TestRecord[] = records.map((gapRecords, i) => {
            onset += i === 0 ? 0 : 1 + gapRecords;
            return [ramp(spr, (seed + i * 97) % 30000), Array.from({ length: spr }, (_, k) => -(k + i)), timeKeeping(`+${onset}`)];
          });
          const file: TestFile = { reserved: 'EDF+D', signals: [{ label: 'A', samples: spr }, { label: 'B', samples: spr }, { label: 'EDF Annotations', samples: 20 }], data };
          const path = writeTempEdf(edfBytes(file));
          const one = await collect(await openEdfSignal(path, { block_samples: 1 }));
          const many = await collect(await openEdfSignal(path, { block_samples: blockSamples }));
          expect(samples(many.blocks)).toEqual(samples(one.blocks));
          for (const [i, b] of many.blocks.entries()) {
            const n = b.data[0].length;
            expect(n).toBeGreaterThan(0);
            expect(n).toBeLessThanOrEqual(blockSamples);
            const next = many.blocks[i + 1];
            if (next !== undefined && n < blockSamples) expect(next.firstIndex).toBeGreaterThan(b.firstIndex + n);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
