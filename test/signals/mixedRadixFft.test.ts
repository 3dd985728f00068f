import { describe, expect, it } from 'vitest';
import { ComplexDft } from '../../signals/complexDft.js';
import { MixedRadixFft, smoothFactors } from '../../signals/mixedRadixFft.js';
import { RealDft } from '../../signals/realDft.js';
import * as welchModule from '../../signals/welch.js';
import { FeatureExtractor } from '../../signals/featureExtractor.js';
import { maxRelativeError, readGolden } from '../helpers/golden.js';
import { expectWelchMatchesScipy, type WelchGoldenCase } from '../helpers/welchGolden.js';

interface FftCase {
  n: number;
  /** Interleaved re, im. */
  x: number[];
  X: number[];
}
const golden = readGolden<{ fft: FftCase[]; welch: WelchGoldenCase[] }>('fft.json');

/** Largest |actual - expected| over every re and im, relative to the largest |X_k|. */
function errorToPeak(actual: ArrayLike<number>, expected: readonly number[]): number {
  let peak = 0;
  for (let k = 0; k < expected.length; k += 2) peak = Math.max(peak, Math.hypot(expected[k], expected[k + 1]));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  return worst / peak;
}

describe('complex FFT against scipy.fft.fft', () => {
  it.each(golden.fft.map((c) => [c.n, c] as const))('n = %i through ComplexDft', (_n, c) => {
    const out = new Float64Array(2 * c.n);
    new ComplexDft(c.n).forward(Float64Array.from(c.x), out);
    expect(errorToPeak(out, c.X)).toBeLessThan(1e-12);
  });

  it.each(golden.fft.filter((c) => smoothFactors(c.n) !== null).map((c) => [c.n, c] as const))('n = %i through MixedRadixFft directly', (_n, c) => {
    const fft = new MixedRadixFft(c.n);
    const out = new Float64Array(2 * c.n);
    fft.forward(Float64Array.from(c.x), out);
    expect(errorToPeak(out, c.X)).toBeLessThan(1e-12);
    // A plain array as input, and an output with room for only the first bins, give the same numbers.
    const few = Math.ceil(c.n / 3);
    const part = new Float64Array(2 * few);
    fft.forward(c.x, part, few);
    expect(Array.from(part)).toEqual(Array.from(out.subarray(0, 2 * few)));
    // Only the bins below the last stage's stride (the pruned last stage: plain sums) hold to scipy too, and equal the full path's.
    const below = c.n / fft.factors[fft.factors.length - 1];
    const low = new Float64Array(2 * below);
    fft.forward(Float64Array.from(c.x), low, below);
    expect(errorToPeak(low, c.X.slice(0, 2 * below))).toBeLessThan(1e-12);
    expect(Array.from(low)).toEqual(Array.from(out.subarray(0, 2 * below)));
    // Running again on the same plan gives the same numbers (no state leaks between calls).
    const again = new Float64Array(2 * c.n);
    fft.forward(Float64Array.from(c.x), again);
    expect(Array.from(again)).toEqual(Array.from(out));
  });

  it('the real DFT of the golden inputs\' real parts matches the definition, through every RealDft path', () => {
    for (const c of golden.fft) {
      const x = Float64Array.from({ length: c.n }, (_, i) => c.x[2 * i]);
      const dft = new RealDft(c.n);
      const out = new Float64Array(2 * dft.bins);
      dft.forward(x, out);
      // Reference: the real part's spectrum from scipy's X by symmetry, (X[k] + conj X[n-k]) / 2.
      const ref: number[] = [];
      for (let k = 0; k < dft.bins; k++) {
        const j = (c.n - k) % c.n;
        ref.push(0.5 * (c.X[2 * k] + c.X[2 * j]), 0.5 * (c.X[2 * k + 1] - c.X[2 * j + 1]));
      }
      expect(errorToPeak(out, ref), `n = ${c.n}`).toBeLessThan(1e-12);
    }
  });
});

describe('smoothFactors', () => {
  it('factors 2-3-5-7-smooth sizes into radices 4, 2, 3, 5, 7 and refuses the rest', () => {
    expect(smoothFactors(125)).toEqual([5, 5, 5]);
    expect(smoothFactors(1000)).toEqual([4, 2, 5, 5, 5]);
    expect(smoothFactors(360)).toEqual([4, 2, 3, 3, 5]);
    expect(smoothFactors(343)).toEqual([7, 7, 7]);
    expect(smoothFactors(1001)).toBeNull();
    expect(smoothFactors(22)).toBeNull();
    expect(smoothFactors(1)).toBeNull();
    expect(smoothFactors(2.5)).toBeNull();
    expect(() => new MixedRadixFft(1001)).toThrow(/no prime factor above 7, got 1001/);
  });
});

describe('Welch band power with mixed-radix segment lengths against scipy.signal.welch', () => {
  it.each(golden.welch.map((c) => [`${c.x.length} samples, segment ${c.segment} @ ${c.fs_Hz} Hz`, c] as const))('%s', (_name, c) => {
    expectWelchMatchesScipy(c);
  });
});

describe('two channels through one complex transform (odd segments)', () => {
  it.each(golden.welch.filter((c) => c.segment % 2 === 1).map((c) => [`segment ${c.segment} @ ${c.fs_Hz} Hz`, c] as const))(
    'psdPairInto gives each channel scipy.signal.welch\'s PSD, whatever the other channel holds (%s)',
    (_name, c) => {
      const { WelchPsd } = welchModule;
      const psd = new WelchPsd(c.segment, c.fs_Hz);
      // The partner: the same signal reversed and 50 times larger, so a leak between the pair would show.
      const other = Float64Array.from(c.x, (_, i) => 50 * c.x[c.x.length - 1 - i]);
      const a = new Float64Array(psd.bins);
      const b = new Float64Array(psd.bins);
      psd.psdPairInto(Float64Array.from(c.x), other, 0, c.x.length, a, b);
      const peak = Math.max(...c.psd);
      expect(maxRelativeError(a, c.psd, peak * 1e-9)).toBeLessThan(1e-6);
      const alone = new Float64Array(psd.bins);
      psd.psdInto(other, 0, other.length, alone);
      const peakB = Math.max(...alone);
      for (let k = 0; k < psd.bins; k++) expect(Math.abs(b[k] - alone[k]) / peakB).toBeLessThan(1e-12);
    },
  );

  it('a FeatureExtractor pairs channels on an odd window and gives each channel the band power it gives alone', () => {
    const fs_Hz = 250;
    const n = 250 * 6;
    const make = (f: number, amp: number) => Float32Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * f * i) / fs_Hz) + ((i * 7919) % 13) - 6);
    const data = [make(20, 10), make(10, 400), make(25, 3)];
    const bands = [{ name: 'beta', lo_Hz: 13, hi_Hz: 30 }, { name: 'alpha', lo_Hz: 8, hi_Hz: 13 }];
    const run = (channels: Float32Array[]): Float64Array[][] => {
      const names = channels.map((_, c) => `ch${c}`);
      const fx = new FeatureExtractor({ fs_Hz, channels: names, window: 125, hop: 25, segment: 125, bands });
      const out: Float64Array[][] = [];
      fx.push({ firstIndex: 0, fs_Hz, channels: names, data: channels }, (frame) => out.push(bands.map((b) => Float64Array.from(frame.bandPower[b.name]))));
      return out;
    };
    const together = run(data);
    for (let c = 0; c < data.length; c++) {
      const alone = run([data[c]]);
      expect(alone.length).toBe(together.length);
      for (let f = 0; f < alone.length; f++) {
        for (let b = 0; b < bands.length; b++) expect(Math.abs(together[f][b][c] - alone[f][b][0]) / alone[f][b][0]).toBeLessThan(1e-9);
      }
    }
  });
});
