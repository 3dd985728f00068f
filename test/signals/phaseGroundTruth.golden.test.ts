import { describe, expect, it } from 'vitest';
import { analyticSignal } from '../../signals/analyticSignal.js';
import { butterworthSos } from '../../signals/butterworth.js';
import { CausalPhaseEstimator } from '../../signals/causalPhaseEstimator.js';
import { groundTruthPhase } from '../../signals/groundTruthPhase.js';
import { sosfiltfilt, zeroPhaseBandPass } from '../../signals/zeroPhaseBandPass.js';
import { maxRelativeError, readGolden } from '../helpers/golden.js';

// test/golden/phase.json: scripts/golden/make_golden.py phase (SciPy's sosfiltfilt, hilbert, and ecHT as echt.m computes it).
interface TruthCase {
  fs_Hz: number;
  order: number;
  lo_Hz: number;
  hi_Hz: number;
  x: number[];
  filtered: number[];
  phase_rad: number[];
  amplitude: number[];
  hilbertRe: number[];
  hilbertIm: number[];
}
interface EchtCase { fs_Hz: number; window: number; lo_Hz: number; hi_Hz: number; x: number[]; ends: number[]; re: number[]; im: number[] }
const golden = readGolden<{ truth: TruthCase[]; echt: EchtCase[] }>('phase.json');

const rms = (values: ArrayLike<number>): number => {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] * values[i];
  return Math.sqrt(sum / values.length);
};
/** Relative to the RMS: a pointwise ratio is meaningless where a signal crosses zero. */
const rmsRelativeError = (actual: ArrayLike<number>, expected: number[]): number => maxRelativeError(actual, expected, rms(expected));

const name = (c: TruthCase): string => `${c.x.length} samples @ ${c.fs_Hz} Hz, order ${c.order}, ${c.lo_Hz}-${c.hi_Hz} Hz`;

describe('ground truth against SciPy: sosfiltfilt(butter(...)) then hilbert', () => {
  it('the golden set covers even, odd, prime and power-of-two lengths, both rates and orders 2 and 4', () => {
    const lengths = golden.truth.map((c) => c.x.length);
    expect(lengths.some((n) => n % 2 === 0)).toBe(true);
    expect(lengths.some((n) => n % 2 === 1)).toBe(true);
    expect(lengths).toContain(2999); // prime: Bluestein
    expect(lengths).toContain(1024);
    expect(new Set(golden.truth.map((c) => c.fs_Hz))).toEqual(new Set([250, 1000, 256]));
    expect(golden.truth.map((c) => c.order)).toEqual(expect.arrayContaining([2, 4]));
  });

  it.each(golden.truth.map((c) => [name(c), c] as const))('zero-phase band-pass, %s, matches to 1e-9', (_name, c) => {
    const y = zeroPhaseBandPass(c.x, c.fs_Hz, { lo_Hz: c.lo_Hz, hi_Hz: c.hi_Hz }, c.order);
    expect(rmsRelativeError(y, c.filtered)).toBeLessThan(1e-9);
  });

  it.each(golden.truth.map((c) => [name(c), c] as const))('hilbert of the raw input, %s, matches to 1e-9', (_name, c) => {
    const z = analyticSignal(c.x);
    expect(rmsRelativeError(z.re, c.hilbertRe)).toBeLessThan(1e-9);
    expect(rmsRelativeError(z.im, c.hilbertIm)).toBeLessThan(1e-9);
  });

  it.each(golden.truth.map((c) => [name(c), c] as const))('phase and amplitude of the band, %s, match to 1e-9', (_name, c) => {
    const truth = groundTruthPhase(c.x, c.fs_Hz, { lo_Hz: c.lo_Hz, hi_Hz: c.hi_Hz }, c.order);
    const scale = rms(c.amplitude);
    expect(maxRelativeError(truth.amplitude, c.amplitude, scale)).toBeLessThan(1e-9);
    // A phase is only defined as well as its amplitude: compare the analytic values, |a e^{ip} - b e^{iq}| / rms.
    let worst = 0;
    for (let i = 0; i < c.x.length; i++) {
      const dr = truth.amplitude[i] * Math.cos(truth.phase_rad[i]) - c.amplitude[i] * Math.cos(c.phase_rad[i]);
      const di = truth.amplitude[i] * Math.sin(truth.phase_rad[i]) - c.amplitude[i] * Math.sin(c.phase_rad[i]);
      worst = Math.max(worst, Math.hypot(dr, di) / scale);
    }
    expect(worst).toBeLessThan(1e-9);
    // And where the band is not vanishing, the angles themselves agree (SciPy's angle is in [-pi, pi]).
    for (let i = 0; i < c.x.length; i++) {
      if (c.amplitude[i] < 0.01 * scale) continue;
      const d = Math.abs(truth.phase_rad[i] - c.phase_rad[i]);
      expect(Math.min(d, Math.abs(d - 2 * Math.PI))).toBeLessThan(1e-7);
    }
  });

  it('refuses a signal no longer than SciPy\'s padlen (3 x (2 x sections + 1)), as SciPy does', () => {
    const sos = butterworthSos({ kind: 'bandpass', order: 2, cutoff_Hz: [8, 13], fs_Hz: 250 });
    // Two sections, no first-order ones: padlen = 15.
    expect(() => sosfiltfilt(sos, new Float64Array(15))).toThrow(/longer than padlen 15/);
    expect(sosfiltfilt(sos, new Float64Array(16).fill(3))).toHaveLength(16);
  });

  it('keeps a constant at its steady state: a DC level through a high-pass comes out 0 with no start-up transient', () => {
    // The initial conditions are sosfilt_zi times the edge value; a band-pass has no DC gain.
    const y = zeroPhaseBandPass(new Float64Array(500).fill(40), 250, { lo_Hz: 8, hi_Hz: 13 }, 4);
    expect(Math.max(...Array.from(y, Math.abs))).toBeLessThan(1e-9);
  });
});

describe('ecHT against echt.m step by step (FFT, analytic, times the causal band-pass response, inverse FFT, last sample)', () => {
  it.each(golden.echt.map((c) => [`window ${c.window} @ ${c.fs_Hz} Hz, ${c.lo_Hz}-${c.hi_Hz} Hz`, c] as const))('%s matches to 1e-9', (_name, c) => {
    const estimator = new CausalPhaseEstimator({ fs_Hz: c.fs_Hz, filterBand: { lo_Hz: c.lo_Hz, hi_Hz: c.hi_Hz }, window_samples: c.window, frequencyTracking_s: 0 });
    const scale = Math.sqrt(c.re.reduce((s, v, k) => s + v * v + c.im[k] * c.im[k], 0) / c.re.length);
    let k = 0;
    for (let i = 0; i < c.x.length && k < c.ends.length; i++) {
      estimator.push(c.x[i]);
      if (i + 1 !== c.ends[k]) continue;
      const [re, im] = estimator.analyticNow();
      expect(Math.hypot(re - c.re[k], im - c.im[k]) / scale).toBeLessThan(1e-9);
      // Without tracking, the phase and amplitude reported are those of this value.
      expect(estimator.amplitude_uV).toBeCloseTo(Math.hypot(c.re[k], c.im[k]), 9);
      k++;
    }
    expect(k).toBe(c.ends.length);
  });
});
