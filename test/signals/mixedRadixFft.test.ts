import { describe, expect, it } from 'vitest';
import { bandBins, bandPowerFromPsd, type Band } from '../../signals/band.js';
import { ComplexDft } from '../../signals/complexDft.js';
import { MixedRadixFft, smoothFactors } from '../../signals/mixedRadixFft.js';
import { RealDft } from '../../signals/realDft.js';
import { welch } from '../../signals/welch.js';
import { maxRelativeError, readGolden } from '../helpers/golden.js';

interface FftCase {
  n: number;
  /** Interleaved re, im. */
  x: number[];
  X: number[];
}
interface WelchCase {
  fs_Hz: number;
  segment: number;
  x: number[];
  frequencies_Hz: number[];
  psd: number[];
  bands: Band[];
  bandPower: Record<string, number>;
}
const golden = readGolden<{ fft: FftCase[]; welch: WelchCase[] }>('fft.json');

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
    const { frequencies_Hz, psd } = welch(c.x, c.fs_Hz, c.segment);
    expect(Array.from(frequencies_Hz)).toEqual(c.frequencies_Hz);
    const peak = Math.max(...c.psd);
    expect(maxRelativeError(psd, c.psd, peak * 1e-9)).toBeLessThan(1e-6);
    for (const band of c.bands) {
      const { first, end } = bandBins(frequencies_Hz, band);
      const power = bandPowerFromPsd(psd, c.fs_Hz / c.segment, first, end);
      expect(Math.abs(power - c.bandPower[band.name]) / c.bandPower[band.name]).toBeLessThan(1e-6);
    }
  });
});
