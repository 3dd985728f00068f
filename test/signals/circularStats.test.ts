import { describe, expect, it } from 'vitest';
import {
  circularMean,
  circularSd,
  circularSdFromR,
  circularSummary,
  degreesToRadians,
  radiansToDegrees,
  resultantLength,
  wrapToPi,
} from '../../signals/circularStats.js';

const deg = degreesToRadians;

describe('wrapToPi', () => {
  it('maps into (-pi, pi]: pi stays, -pi becomes pi, whole turns vanish', () => {
    expect(wrapToPi(0)).toBe(0);
    expect(wrapToPi(Math.PI)).toBe(Math.PI);
    expect(wrapToPi(-Math.PI)).toBe(Math.PI);
    expect(wrapToPi(3 * Math.PI)).toBeCloseTo(Math.PI, 12);
    expect(wrapToPi(2 * Math.PI)).toBeCloseTo(0, 12);
    expect(wrapToPi(-1.5 * Math.PI)).toBeCloseTo(0.5 * Math.PI, 12);
    expect(wrapToPi(7)).toBeCloseTo(7 - 2 * Math.PI, 12);
    expect(wrapToPi(-7)).toBeCloseTo(-7 + 2 * Math.PI, 12);
    expect(wrapToPi(deg(350))).toBeCloseTo(deg(-10), 12);
    for (const a of [-100, -3.2, -1, 0.5, 3.2, 40, 1e4]) {
      const w = wrapToPi(a);
      expect(w).toBeGreaterThan(-Math.PI);
      expect(w).toBeLessThanOrEqual(Math.PI);
      expect(Math.cos(w)).toBeCloseTo(Math.cos(a), 9);
      expect(Math.sin(w)).toBeCloseTo(Math.sin(a), 9);
    }
  });

  it('converts degrees and radians', () => {
    expect(degreesToRadians(180)).toBe(Math.PI);
    expect(radiansToDegrees(Math.PI / 2)).toBe(90);
  });
});

describe('circular mean, resultant length and circular SD (hand-computed cases)', () => {
  it('350 and 10 degrees average to 0, not 180', () => {
    expect(circularMean([deg(350), deg(10)])).toBeCloseTo(0, 12);
    // R = cos 10 deg.
    expect(resultantLength([deg(350), deg(10)])).toBeCloseTo(Math.cos(deg(10)), 12);
  });

  it('0 and 90 degrees: mean 45, R = sqrt(2) / 2, SD = sqrt(-2 ln R) = sqrt(ln 2) rad', () => {
    const s = circularSummary([0, Math.PI / 2]);
    expect(radiansToDegrees(s.mean_rad)).toBeCloseTo(45, 10);
    expect(s.resultantLength).toBeCloseTo(Math.SQRT1_2, 12);
    expect(s.sd_rad).toBeCloseTo(Math.sqrt(Math.LN2), 12);
    expect(radiansToDegrees(s.sd_rad)).toBeCloseTo(47.7, 1);
  });

  it('identical angles: R 1, SD 0; opposite angles: R 0, no mean, SD infinite', () => {
    const same = circularSummary([2, 2, 2]);
    expect(same.resultantLength).toBeCloseTo(1, 15);
    // hypot(cos 2, sin 2) is 1 - 1e-16 in floating point, which is 1.5e-8 rad of SD.
    expect(same.sd_rad).toBeLessThan(1e-7);
    expect(circularSdFromR(1)).toBe(0);
    expect(same.mean_rad).toBeCloseTo(2, 12);
    const opposite = circularSummary([0, Math.PI]);
    expect(opposite.resultantLength).toBeLessThan(1e-15);
    expect(circularSdFromR(0)).toBe(Number.POSITIVE_INFINITY);
  });

  it('three angles at 0, 120 and 240 degrees cancel', () => {
    expect(resultantLength([0, deg(120), deg(240)])).toBeLessThan(1e-15);
  });

  it('for a small symmetric spread +-d the SD is sqrt(-2 ln cos d), close to d', () => {
    const d = deg(5);
    expect(circularSd([-d, d, -d, d])).toBeCloseTo(Math.sqrt(-2 * Math.log(Math.cos(d))), 12);
    expect(radiansToDegrees(circularSd([-d, d]))).toBeCloseTo(5, 1);
  });

  it('a mean near +-180 degrees is reported in (-180, 180]', () => {
    expect(radiansToDegrees(circularMean([deg(170), deg(-170)]))).toBeCloseTo(180, 9);
  });

  it('has no figures for no angles', () => {
    const s = circularSummary([]);
    expect(s.count).toBe(0);
    expect(s.mean_rad).toBeNaN();
    expect(s.sd_rad).toBeNaN();
  });
});
