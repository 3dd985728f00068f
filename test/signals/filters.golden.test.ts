import { describe, expect, it } from 'vitest';
import { butterworthSos, type ButterworthKind } from '../../signals/butterworth.js';
import { notchSos } from '../../signals/notch.js';
import { SosFilterBank, sosfilt } from '../../signals/sosFilter.js';
import { maxRelativeError, readGolden } from '../helpers/golden.js';

interface ButterCase { kind: ButterworthKind; order: number; cutoff_Hz: number | [number, number]; fs_Hz: number; x: number[]; y: number[] }
interface NotchCase { freq_Hz: number; Q: number; fs_Hz: number; x: number[]; y: number[] }
const golden = readGolden<{ butterworth: ButterCase[]; notch: NotchCase[] }>('filters.json');

/** Relative to the output's RMS: a pointwise ratio is meaningless at zero crossings. */
function rmsRelativeError(actual: ArrayLike<number>, expected: number[]): number {
  const rms = Math.sqrt(expected.reduce((s, v) => s + v * v, 0) / expected.length);
  return maxRelativeError(actual, expected, rms);
}

describe('Butterworth SOS filters against scipy.signal.butter + sosfilt', () => {
  it.each(golden.butterworth.map((c) => [`${c.kind} order ${c.order} ${JSON.stringify(c.cutoff_Hz)} Hz @ ${c.fs_Hz} Hz`, c] as const))(
    '%s matches to 1e-9',
    (_name, c) => {
      const sos = butterworthSos({ kind: c.kind, order: c.order, cutoff_Hz: c.cutoff_Hz, fs_Hz: c.fs_Hz });
      expect(rmsRelativeError(sosfilt(sos, c.x), c.y)).toBeLessThan(1e-9);
    },
  );

  it('carries state across blocks: any split gives the same output as one pass', () => {
    const c = golden.butterworth.find((g) => g.kind === 'bandpass' && g.order === 4)!;
    const sos = butterworthSos({ kind: c.kind, order: c.order, cutoff_Hz: c.cutoff_Hz, fs_Hz: c.fs_Hz });
    const bank = new SosFilterBank(sos, 1);
    const out = new Float64Array(c.x.length);
    let at = 0;
    for (const len of [1, 2, 3, 97, 1, 400, 5]) {
      const n = Math.min(len, c.x.length - at);
      bank.process(0, c.x, at, out, at, n);
      at += n;
    }
    bank.process(0, c.x, at, out, at, c.x.length - at);
    expect(Array.from(out)).toEqual(Array.from(sosfilt(sos, c.x)));
  });

  it('rejects edges outside the Nyquist range and bad orders, naming the value', () => {
    expect(() => butterworthSos({ kind: 'lowpass', order: 4, cutoff_Hz: 130, fs_Hz: 250 })).toThrow(/130 Hz must be inside \(0, 125\)/);
    expect(() => butterworthSos({ kind: 'bandpass', order: 2, cutoff_Hz: [30, 13], fs_Hz: 250 })).toThrow(/increasing/);
    expect(() => butterworthSos({ kind: 'highpass', order: 0, cutoff_Hz: 1, fs_Hz: 250 })).toThrow(/order/);
  });
});

describe('notch against scipy.signal.iirnotch', () => {
  it.each(golden.notch.map((c) => [`${c.freq_Hz} Hz Q ${c.Q} @ ${c.fs_Hz} Hz`, c] as const))('%s matches to 1e-9', (_name, c) => {
    expect(rmsRelativeError(sosfilt(notchSos(c.freq_Hz, c.Q, c.fs_Hz), c.x), c.y)).toBeLessThan(1e-9);
  });
});
