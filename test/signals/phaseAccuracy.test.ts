import { describe, expect, it } from 'vitest';
import { phaseAccuracy } from '../../signals/phaseAccuracy.js';

const fs = 1000;
const alpha = { lo_Hz: 8, hi_Hz: 13 };

/** 10 Hz cosine, peaks at every multiple of 100 samples; amplitude per sample from `amplitudeAt`. */
function cosine(seconds: number, amplitudeAt: (i: number) => number = () => 10): Float64Array {
  return Float64Array.from({ length: seconds * fs }, (_, i) => amplitudeAt(i) * Math.cos((2 * Math.PI * 10 * i) / fs));
}

describe('phaseAccuracy (Zrenner et al. 2020 figures)', () => {
  it('triggers on the peaks of a 10 Hz cosine: error 0 at target 0, -90 deg at target 90', () => {
    const x = cosine(20);
    const peaks = Array.from({ length: 150 }, (_, k) => 1000 + 100 * k);
    const atPeak = phaseAccuracy(x, peaks, { fs_Hz: fs, band: alpha, targetPhase_deg: 0 });
    expect(atPeak.all.triggers).toBe(150);
    // Not 0 exactly: the forward-backward filter's start-up from its padding still echoes 1 s in.
    expect(Math.abs(atPeak.all.circMean_deg)).toBeLessThan(0.1);
    expect(atPeak.all.circSd_deg).toBeLessThan(0.1);
    expect(atPeak.rate_per_s).toBeCloseTo(150 / 20, 12);
    const aimedElsewhere = phaseAccuracy(x, peaks, { fs_Hz: fs, band: alpha, targetPhase_deg: 90 });
    expect(aimedElsewhere.all.circMean_deg).toBeCloseTo(-90, 1);
  });

  it('triggers on peaks and troughs alike have no mean direction and an infinite circular SD', () => {
    const x = cosine(20);
    const both = Array.from({ length: 100 }, (_, k) => 1000 + 50 * k);
    const r = phaseAccuracy(x, both, { fs_Hz: fs, band: alpha, targetPhase_deg: 0 });
    expect(r.all.resultantLength).toBeLessThan(1e-3);
    expect(r.all.circSd_deg).toBeGreaterThan(200);
  });

  it('a quarter cycle late (25 ms after each peak) is -90 deg, whatever the spread of a few samples', () => {
    const x = cosine(20);
    // 25 samples after the peak = phase +90 deg; true - target(0) = +90. Alternate 24 and 26: spread +-3.6 deg.
    const late = Array.from({ length: 100 }, (_, k) => 1000 + 100 * k + (k % 2 === 0 ? 24 : 26));
    const r = phaseAccuracy(x, late, { fs_Hz: fs, band: alpha, targetPhase_deg: 0 });
    expect(r.all.circMean_deg).toBeCloseTo(90, 1);
    // R = cos 3.6 deg, SD = sqrt(-2 ln R).
    expect(r.all.circSd_deg).toBeCloseTo((Math.sqrt(-2 * Math.log(Math.cos((3.6 * Math.PI) / 180))) * 180) / Math.PI, 1);
  });

  it('the top half is split at the median of the whole recording\'s band amplitude', () => {
    // 2 uV for the first half of the recording, 10 uV for the second: the median falls between.
    const x = cosine(20, (i) => (i < 10 * fs ? 2 : 10));
    const peaks = Array.from({ length: 170 }, (_, k) => 1500 + 100 * k).filter((i) => i < 8500 || i > 11500);
    const r = phaseAccuracy(x, peaks, { fs_Hz: fs, band: alpha, targetPhase_deg: 0 });
    const strong = peaks.filter((i) => i >= 10 * fs).length;
    expect(r.topHalf.triggers).toBe(strong);
    expect(r.all.triggers).toBe(peaks.length);
    expect(r.medianAmplitude).toBeGreaterThan(2.5);
    expect(r.medianAmplitude).toBeLessThan(9.5);
  });

  it('leaves out triggers within the edge exclusion and counts them; refuses indices outside the recording', () => {
    const x = cosine(10);
    const r = phaseAccuracy(x, [0, 500, 999, 1000, 5000, 8999, 9000, 9999], { fs_Hz: fs, band: alpha, targetPhase_deg: 0, edgeExclusion_s: 1 });
    expect(r.excludedAtEdges).toBe(5);
    expect(r.all.triggers).toBe(3);
    expect(() => phaseAccuracy(x, [10_000], { fs_Hz: fs, band: alpha, targetPhase_deg: 0 })).toThrow(/outside the recording/);
  });
});
