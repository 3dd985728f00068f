import { describe, expect, it } from 'vitest';
import { Biomarker } from '../../signals/biomarker.js';

const power = (beta0: number, beta1: number, alpha0 = 1): Float64Array[] => [Float64Array.of(alpha0, 0), Float64Array.of(beta0, beta1)];

describe('Biomarker', () => {
  it('weights, subtracts, multiplies, then log10', () => {
    const b = new Biomarker({ terms: [{ channel: 0, band: 1, weight: 2 }, { channel: 1, band: 1, weight: -1 }, { channel: 0, band: 0, weight: 0.5 }], offset: 1, scale: 10, log10: true, averageFrames: 1, baseline_s: 0 });
    const r = b.update(power(30, 20, 4), 1, true);
    // 10 * (2*30 - 20 + 0.5*4 - 1) = 410
    expect(r.valid).toBe(true);
    expect(r.value).toBeCloseTo(Math.log10(410), 12);
  });

  it('log10 of a non-positive combination is an invalid frame, not NaN passed on as valid', () => {
    const b = new Biomarker({ terms: [{ channel: 0, band: 1, weight: 1 }], offset: 50, scale: 1, log10: true, averageFrames: 1, baseline_s: 0 });
    const r = b.update(power(30, 0), 1, true);
    expect(r).toMatchObject({ valid: false, reason: 'log-of-nonpositive' });
  });

  it('averages the last K valid values and is invalid until K are collected', () => {
    const b = new Biomarker({ terms: [{ channel: 0, band: 1, weight: 1 }], offset: 0, scale: 1, log10: false, averageFrames: 3, baseline_s: 0 });
    expect(b.update(power(1, 0), 0.1, true).reason).toBe('averaging');
    expect(b.update(power(2, 0), 0.2, true).reason).toBe('averaging');
    expect(b.update(power(3, 0), 0.3, true)).toMatchObject({ valid: true, value: 2 });
    expect(b.update(power(99, 0), 0.4, false)).toMatchObject({ valid: false });
    expect(b.update(power(10, 0), 0.5, true)).toMatchObject({ valid: true, value: 5 });
  });

  it('z-scores against the baseline period (sample standard deviation)', () => {
    const b = new Biomarker({ terms: [{ channel: 0, band: 1, weight: 1 }], offset: 0, scale: 1, log10: false, averageFrames: 1, baseline_s: 1 });
    const baseline = [2, 4, 4, 4, 5, 5, 7, 9];
    baseline.forEach((v, i) => expect(b.update(power(v, 0), (i + 1) / 8, true).reason).toBe('baseline'));
    const mean = 5;
    const sd = Math.sqrt(baseline.reduce((s, v) => s + (v - mean) ** 2, 0) / 7);
    const r = b.update(power(8, 0), 1.2, true);
    expect(r.valid).toBe(true);
    expect(r.value).toBeCloseTo((8 - mean) / sd, 12);
    expect(b.baseline()).toMatchObject({ frames: 8 });
  });
});
