import { truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEdfHeader } from '../../drivers/edf/edfHeaderReader.js';
import { InputError } from '../../drivers/inputError.js';
import { edfBytes, ramp, timeKeeping, writeTempEdf, type TestFile, type TestSignal } from '../helpers/edfBytes.js';

/*
 * Byte offsets in the expected messages are worked out here from the EDF specification
 * (https://www.edfplus.info/specs/edf.html), not taken from the code under test:
 * fixed part: version 0, patient 8, recording 88, startdate 168, starttime 176,
 * header bytes 184, reserved 192, records 236, duration 244, signal count 252 (256 bytes);
 * then per field, that field for every signal: label 16, transducer 80, dimension 8,
 * physical min 8, physical max 8, digital min 8, digital max 8, prefiltering 80,
 * samples 8, reserved 32 (256 per signal).
 */

const eeg = (label: string, extra: Partial<TestSignal> = {}): TestSignal => ({ label, samples: 4, physMin: -3276.8, physMax: 3276.7, ...extra });
const fourSignals = (extra: Partial<Record<number, Partial<TestSignal>>> = {}): TestSignal[] =>
  ['EEG C3', 'EEG Cz', 'EEG Pz', 'EEG C4'].map((label, i) => eeg(label, extra[i]));

function fileWith(spec: Partial<TestFile> & { signals?: TestSignal[] }, records = 2): string {
  const signals = spec.signals ?? fourSignals();
  const data = spec.data ?? Array.from({ length: records }, (_, r) => signals.map((s) => (s.label.endsWith('Annotations') ? timeKeeping(`+${r}`) : ramp(Number(s.samples), r * 10))));
  return writeTempEdf(edfBytes({ ...spec, signals, data }), 'x.edf');
}

async function headerError(path: string): Promise<string> {
  const error = await readEdfHeader(path).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return (error as InputError).message;
}

describe('readEdfHeader: a well-formed file', () => {
  it('reads every field of an EDF+C header', async () => {
    const path = fileWith({
      patient: 'MCH-0234567 F 02-MAY-1951 Haagse_Harry',
      recording: 'Startdate 02-MAR-2002 EMG561 BK/JOP Sony. MNC R Median Nerve.',
      startdate: '02.03.02',
      starttime: '14.27.01',
      signals: [eeg('EEG Fpz-Cz', { transducer: 'AgAgCl electrode', prefiltering: 'HP:0.1Hz LP:75Hz' }), { label: 'EDF Annotations', samples: 30 }],
    });
    const info = await readEdfHeader(path);
    expect(info).toMatchObject({
      path,
      format: 'edf',
      variant: 'EDF+C',
      patient: 'MCH-0234567 F 02-MAY-1951 Haagse_Harry',
      headerBytes: 768,
      recordCountField: 2,
      recordCount: 2,
      recordDurationField: '1',
      recordDuration_s: 1,
      recordBytes: (4 + 30) * 2,
      writtenByNeuroloop: false,
      warnings: [],
    });
    expect(info.start?.toISOString()).toBe('2002-03-02T14:27:01.000Z');
    expect(info.signals).toEqual([
      {
        index: 0,
        label: 'EEG Fpz-Cz',
        transducer: 'AgAgCl electrode',
        physicalDimension: 'uV',
        prefiltering: 'HP:0.1Hz LP:75Hz',
        samplesPerRecord: 4,
        fs_Hz: 4,
        grid: { physicalMin: -3276.8, physicalMax: 3276.7, digitalMin: -32768, digitalMax: 32767 },
        isAnnotation: false,
      },
      expect.objectContaining({ index: 1, label: 'EDF Annotations', isAnnotation: true, samplesPerRecord: 30 }),
    ]);
  });

  it('knows BDF by its version bytes, and BDF+ annotation signals by either label', async () => {
    const info = await readEdfHeader(
      fileWith({ format: 'bdf', signals: [eeg('A1', { digMin: -8388608, digMax: 8388607 }), { label: 'BDF Annotations', samples: 20 }] }),
    );
    expect(info.format).toBe('bdf');
    expect(info.variant).toBe('BDF+C');
    expect(info.recordBytes).toBe((4 + 20) * 3);
    expect(info.signals[1].isAnnotation).toBe(true);
  });

  it('names neuroloop recordings from the equipment subfield', async () => {
    expect((await readEdfHeader(fileWith({ recording: 'Startdate 01-JAN-2024 X X neuroloop-0.1.0' }))).writtenByNeuroloop).toBe(true);
    expect((await readEdfHeader(fileWith({ recording: 'Startdate 01-JAN-2024 X neuroloop X' }))).writtenByNeuroloop).toBe(false);
  });

  it('computes fs as samples per record / the record duration as written', async () => {
    const cases: [string, number, number][] = [
      ['0.1', 3000, 30000],
      // 9 characters do not fit the 8-character field: writers drop the leading zero.
      ['.0040002', 1, 1 / 0.0040002],
      ['9.59375', 1228, 128],
      ['0.5', 1000, 2000],
      ['2', 975, 487.5],
      ['1.000000', 200, 200],
    ];
    for (const [duration, samples, fs_Hz] of cases) {
      const info = await readEdfHeader(fileWith({ duration, signals: [eeg('A', { samples })] }, 1));
      expect(info.recordDurationField).toBe(duration);
      expect(info.recordDuration_s).toBe(Number(duration));
      expect(info.signals[0].fs_Hz).toBe(samples / Number(duration));
      expect(info.signals[0].fs_Hz).toBeCloseTo(fs_Hz, 9);
    }
  });

  it('accepts a record duration of 0 (annotation-only files): fs is NaN', async () => {
    const info = await readEdfHeader(fileWith({ duration: 0, signals: [{ label: 'EDF Annotations', samples: 50 }] }, 1));
    expect(info.recordDuration_s).toBe(0);
    expect(info.signals[0].fs_Hz).toBeNaN();
  });
});

describe('readEdfHeader: what real tools write', () => {
  it('reads numbers with leading spaces and odd reserved fields', async () => {
    // MNE's test.bdf: reserved "24BIT", record count "  1     ".
    const bdf = await readEdfHeader(fileWith({ format: 'bdf', reserved: '24BIT', records: '  1', signals: [eeg('A', { digMin: '-8388608', digMax: ' 8388607', samples: ' 4' })] }, 1));
    expect(bdf).toMatchObject({ variant: 'BDF', recordCountField: 1, recordCount: 1, warnings: [] });
    expect((await readEdfHeader(fileWith({ reserved: 'reserved' }))).variant).toBe('EDF');
    // EDF.jl's bdf_test.bdf: a BDF whose reserved field says EDF+C.
    expect((await readEdfHeader(fileWith({ format: 'bdf', reserved: 'EDF+C', signals: [eeg('A', { digMin: -8388608, digMax: 8388607 })] }))).variant).toBe('BDF+C');
    // pyedflib's test_legacy.edf: plain EDF with an annotation signal.
    const legacy = await readEdfHeader(fileWith({ reserved: '', signals: [eeg('A'), { label: 'EDF Annotations', samples: 20 }] }));
    expect(legacy.variant).toBe('EDF');
    expect(legacy.signals[1].isAnnotation).toBe(true);
    expect((await readEdfHeader(fileWith({ reserved: 'EDF+D', signals: [eeg('A'), { label: 'EDF Annotations', samples: 20 }] }))).variant).toBe('EDF+D');
  });

  it('keeps inverted physical ranges, non-full-scale digital ranges and duplicate labels as written', async () => {
    const info = await readEdfHeader(
      fileWith({ signals: [eeg('EEG F1-Ref', { physMin: 8711, physMax: -8711 }), eeg('EEG F1-Ref', { physMin: '-12002.9', physMax: '-11502.9', digMin: -2048, digMax: 2047, dimension: 'mV' })] }),
    );
    expect(info.signals[0].grid).toEqual({ physicalMin: 8711, physicalMax: -8711, digitalMin: -32768, digitalMax: 32767 });
    expect(info.signals[1].grid).toEqual({ physicalMin: -12002.9, physicalMax: -11502.9, digitalMin: -2048, digitalMax: 2047 });
    expect(info.signals.map((s) => s.label)).toEqual(['EEG F1-Ref', 'EEG F1-Ref']);
  });

  it('gives an impossible start date as null with a warning, not an error', async () => {
    // EDF.jl's test_uneven_samp.edf.
    const info = await readEdfHeader(fileWith({ startdate: '42.00.00', starttime: '26.00.99' }));
    expect(info.start).toBeNull();
    expect(info.warnings).toEqual([expect.stringMatching(/"startdate" and "starttime" at bytes 168 and 176 \("42\.00\.00" "26\.00\.99"\).*start time is unknown/)]);
    expect((await readEdfHeader(fileWith({ startdate: '31.02.20' }))).start).toBeNull();
    expect((await readEdfHeader(fileWith({ starttime: '12:00' }))).start).toBeNull();
  });

  it('applies the EDF clipping rule to two-digit years, and takes the four-digit year of an EDF+ recording field', async () => {
    const start = async (startdate: string, recording = 'X'): Promise<string | undefined> => (await readEdfHeader(fileWith({ startdate, recording }))).start?.toISOString();
    expect(await start('24.04.89')).toBe('1989-04-24T12:00:00.000Z');
    expect(await start('24.04.85')).toBe('1985-04-24T12:00:00.000Z');
    expect(await start('24.04.84')).toBe('2084-04-24T12:00:00.000Z');
    expect(await start('01.08.13')).toBe('2013-08-01T12:00:00.000Z');
    expect(await start('02.03.02', 'Startdate 02-MAR-2002 X X X')).toBe('2002-03-02T12:00:00.000Z');
    // After 2084 EDF+ writes "yy" and the year is only in the recording field.
    expect(await start('02.03.yy', 'Startdate 02-MAR-2091 X X X')).toBe('2091-03-02T12:00:00.000Z');
  });

  it('infers a -1 record count from the file size and drops a truncated last record', async () => {
    // 2 signals of 4 samples: 16-byte records.
    const bytes = edfBytes({ records: -1, signals: [eeg('A'), eeg('B')], data: [0, 1, 2].map((r) => [ramp(4, r), ramp(4, r)]) });
    const path = writeTempEdf(bytes.subarray(0, bytes.length - 6), 'x.edf');
    const info = await readEdfHeader(path);
    expect(info.recordCountField).toBe(-1);
    expect(info.recordCount).toBe(2);
    expect(info.warnings).toEqual([expect.stringMatching(/-1 .*2 complete records/), 'record 2 is truncated (10 of 16 bytes): dropped']);
  });

  it('reads what is there when the record count says more, and ignores trailing bytes', async () => {
    const more = await readEdfHeader(fileWith({ records: 5, signals: [eeg('A')] }, 3));
    expect(more.recordCount).toBe(3);
    expect(more.warnings).toEqual([expect.stringMatching(/says 5 records, but the file holds 3 complete records/)]);
    const trailing = await readEdfHeader(writeTempEdf(edfBytes({ signals: [eeg('A')], data: [[ramp(4, 0)]], trailing: Buffer.from('\n') })));
    expect(trailing.recordCount).toBe(1);
    expect(trailing.warnings).toEqual(['1 byte after the last of the 1 data records: ignored']);
  });
});

describe('readEdfHeader: broken fields are InputErrors naming the field and its byte offset', () => {
  it('names fixed fields', async () => {
    expect(await headerError(fileWith({ version: Buffer.from('1       ') }))).toMatch(/x\.edf: header field "version" at byte 0: expected "0" \(EDF\) or byte 0xFF then "BIOSEMI" \(BDF\), got "1       "/);
    expect(await headerError(fileWith({ signalCount: 0 }))).toMatch(/x\.edf: header field "number of signals" at byte 252: expected a whole number of signals, at least 1, got "0"/);
    expect(await headerError(fileWith({ signalCount: 'two' }))).toMatch(/header field "number of signals" at byte 252: .*got "two"/);
    expect(await headerError(fileWith({ headerBytes: 1024 }))).toMatch(/x\.edf: header field "header bytes" at byte 184: expected 1280 .*got "1024"/);
    expect(await headerError(fileWith({ records: '12a' }))).toMatch(/x\.edf: header field "number of data records" at byte 236: expected a whole number of records, or -1 when unknown, got "12a"/);
    expect(await headerError(fileWith({ records: -2 }))).toMatch(/"number of data records" at byte 236: .*got "-2"/);
    expect(await headerError(fileWith({ duration: '-1' }))).toMatch(/x\.edf: header field "duration of a data record" at byte 244: expected a number of seconds, 0 or more .*got "-1"/);
    expect(await headerError(fileWith({ duration: '1,5' }))).toMatch(/"duration of a data record" at byte 244: .*got "1,5"/);
  });

  it('names per-signal fields with the signal index and label', async () => {
    // 4 signals: field f of signal i is at 256 + 4 * (widths of the fields before f) + i * width(f).
    const path = fileWith({ signals: fourSignals({ 3: { samples: '12a' } }) }, 0);
    // 256 + 4 * (16 + 80 + 8 + 8 + 8 + 8 + 8 + 80) + 3 * 8 = 1144
    expect(await headerError(path)).toBe(`${path}: header field "samples per data record" of signal 3 ("EEG C4") at byte 1144: expected a positive integer, got "12a"`);
    const cases: [Partial<Record<number, Partial<TestSignal>>>, RegExp][] = [
      [{ 0: { samples: 0 } }, /"samples per data record" of signal 0 \("EEG C3"\) at byte 1120: expected a positive integer, got "0"/],
      [{ 1: { physMax: -3276.8 } }, /"physical maximum" of signal 1 \("EEG Cz"\) at byte 712: expected a number different from the physical minimum \(-3276\.8\), got "-3276\.8"/],
      [{ 2: { physMin: 'abc' } }, /"physical minimum" of signal 2 \("EEG Pz"\) at byte 688: expected a number, got "abc"/],
      [{ 2: { digMin: -40000 } }, /"digital minimum" of signal 2 \("EEG Pz"\) at byte 752: expected an integer from -32768 to 32767 \(EDF\), got "-40000"/],
      [{ 3: { digMax: '2047.5' } }, /"digital maximum" of signal 3 \("EEG C4"\) at byte 792: expected an integer from -32768 to 32767 \(EDF\), got "2047\.5"/],
      [{ 0: { digMin: 100, digMax: 100 } }, /"digital maximum" of signal 0 \("EEG C3"\) at byte 768: expected an integer greater than the digital minimum \(100\), got "100"/],
    ];
    for (const [extra, message] of cases) expect(await headerError(fileWith({ signals: fourSignals(extra) }, 0))).toMatch(message);
  });

  it('checks BDF digital ranges against 24 bits', async () => {
    expect(await headerError(fileWith({ format: 'bdf', signals: [eeg('A', { digMin: -8388608, digMax: 8388608 })] }))).toMatch(
      /"digital maximum" of signal 0 \("A"\) at byte 384: expected an integer from -8388608 to 8388607 \(BDF\), got "8388608"/,
    );
  });

  it('refuses files shorter than their header, and missing files', async () => {
    const path = fileWith({});
    truncateSync(path, 1000);
    expect(await headerError(path)).toMatch(/x\.edf: header field "number of signals" at byte 252 says 4 signals, so the header is 1280 bytes, but the file is only 1000 bytes long/);
    truncateSync(path, 100);
    expect(await headerError(path)).toMatch(/x\.edf: the file is 100 bytes, shorter than the 256-byte fixed part/);
    expect(await headerError(join(dirname(path), 'missing.edf'))).toMatch(/missing\.edf: file not found/);
    expect(await headerError(dirname(path))).toMatch(/: not a file; expected an EDF\/BDF file/);
    writeFileSync(path, '');
    expect(await headerError(path)).toMatch(/the file is 0 bytes/);
  });
});
