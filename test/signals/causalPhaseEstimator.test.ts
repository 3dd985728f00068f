import { describe, expect, it } from 'vitest';
import { butterworthSos } from '../../signals/butterworth.js';
import {
  CausalPhaseEstimator,
  butterworthCentre_Hz,
  centredBand,
  echtTaps,
  sosResponse,
} from '../../signals/causalPhaseEstimator.js';
import { radiansToDegrees, wrapToPi } from '../../signals/circularStats.js';

/** Largest |estimated - true| phase (deg) of a cosine A cos(2 pi f t + p0) after `settle_s`, sample by sample. */
function worstPhaseError(estimator: CausalPhaseEstimator, fs: number, f: number, seconds: number, settle_s: number, amplitude = 5, p0 = 0.7): { worst_deg: number; amplitude: number } {
  let worst = 0;
  for (let i = 0; i < seconds * fs; i++) {
    const truth = (2 * Math.PI * f * i) / fs + p0;
    estimator.push(amplitude * Math.cos(truth));
    if (i < settle_s * fs) continue;
    worst = Math.max(worst, Math.abs(wrapToPi(estimator.phase_rad - truth)));
  }
  return { worst_deg: radiansToDegrees(worst), amplitude: estimator.amplitude_uV };
}

describe('the causal band-pass of the ecHT', () => {
  it.each([[10, 5, 1000], [10, 5, 250], [6, 3, 128], [20, 10, 250]])('centredBand(%s Hz, %s Hz wide) at %s Hz: unit gain and zero phase at the centre', (centre, width, fs) => {
    const band = centredBand(centre, width, fs);
    expect(band.hi_Hz - band.lo_Hz).toBeCloseTo(width, 9);
    expect(butterworthCentre_Hz(band, fs)).toBeCloseTo(centre, 9);
    const [re, im] = sosResponse(butterworthSos({ kind: 'bandpass', order: 2, cutoff_Hz: [band.lo_Hz, band.hi_Hz], fs_Hz: fs }), (2 * Math.PI * centre) / fs);
    expect(re).toBeCloseTo(1, 9);
    expect(im).toBeCloseTo(0, 9);
    // The arithmetic centre would not have been it: (lo + hi) / 2 lies above.
    expect((band.lo_Hz + band.hi_Hz) / 2).toBeGreaterThan(centre);
  });

  it('refuses a band that does not fit below Nyquist, and fits one that does, however close', () => {
    expect(() => centredBand(100, 130, 250)).toThrow(/does not fit/);
    const near = centredBand(120, 20, 250);
    expect(near.hi_Hz).toBeLessThan(125);
    expect(butterworthCentre_Hz(near, 250)).toBeCloseTo(120, 6);
    expect(() => centredBand(0, 2, 250)).toThrow(/centre_Hz/);
  });

  it('the taps give a tone at the centre back with its amplitude and phase (analytic response 2 H = 2 at f_c)', () => {
    const fs = 500;
    const n = 250;
    const taps = echtTaps(fs, centredBand(10, 5, fs), n);
    // A cosine with phase 0 at the newest sample.
    let re = 0;
    let im = 0;
    for (let i = 0; i < n; i++) {
      const x = Math.cos((2 * Math.PI * 10 * (i - (n - 1))) / fs);
      re += taps.re[i] * x;
      im += taps.im[i] * x;
    }
    expect(Math.hypot(re, im)).toBeCloseTo(1, 2);
    expect(Math.abs(radiansToDegrees(Math.atan2(im, re)))).toBeLessThan(1);
  });
});

describe('CausalPhaseEstimator on pure tones', () => {
  it.each([250, 1000])('a 10 Hz cosine at %s Hz through a filter centred on 10 Hz: phase within 0.5 deg, amplitude within 1 percent', (fs) => {
    const e = new CausalPhaseEstimator({ fs_Hz: fs, filterBand: centredBand(10, 5, fs), window_samples: fs / 2, frequencyTracking_s: 0 });
    const r = worstPhaseError(e, fs, 10, 6, 1);
    expect(r.worst_deg).toBeLessThan(0.5);
    expect(Math.abs(r.amplitude - 5) / 5).toBeLessThan(0.01);
  });

  it('phase 0 is the peak and pi the trough (the convention of angle(hilbert(x)))', () => {
    const fs = 1000;
    const e = new CausalPhaseEstimator({ fs_Hz: fs, filterBand: centredBand(10, 5, fs), window_samples: 500 });
    // cos peaks every 100 samples; the newest sample at 3000 is a peak, at 3050 a trough.
    for (let i = 0; i <= 3000; i++) e.push(Math.cos((2 * Math.PI * 10 * i) / fs));
    expect(Math.abs(radiansToDegrees(e.phase_rad))).toBeLessThan(1);
    for (let i = 3001; i <= 3050; i++) e.push(Math.cos((2 * Math.PI * 10 * i) / fs));
    expect(Math.abs(radiansToDegrees(wrapToPi(e.phase_rad - Math.PI)))).toBeLessThan(1);
  });

  it('a 9.3 Hz tone through a filter centred on 10.2 Hz: plain ecHT is tens of degrees off, frequency tracking puts it within 2 deg', () => {
    const fs = 250;
    const band = centredBand(10.2, 5.1, fs);
    const plain = worstPhaseError(new CausalPhaseEstimator({ fs_Hz: fs, filterBand: band, window_samples: 125, frequencyTracking_s: 0 }), fs, 9.3, 20, 10);
    const tracked = new CausalPhaseEstimator({ fs_Hz: fs, filterBand: band, window_samples: 125, frequencyTracking_s: 1 });
    const r = worstPhaseError(tracked, fs, 9.3, 20, 10);
    expect(plain.worst_deg).toBeGreaterThan(20);
    expect(r.worst_deg).toBeLessThan(2);
    expect(tracked.trackedFrequency_Hz).toBeCloseTo(9.3, 1);
    expect(Math.abs(r.amplitude - 5) / 5).toBeLessThan(0.03);
  });

  it('estimating every 4 samples and advancing in between stays within 1 deg of estimating every sample', () => {
    const fs = 1000;
    const band = centredBand(10.2, 5.1, fs);
    const every1 = new CausalPhaseEstimator({ fs_Hz: fs, filterBand: band, window_samples: 500 });
    const every4 = new CausalPhaseEstimator({ fs_Hz: fs, filterBand: band, window_samples: 500, estimateEvery_samples: 4 });
    let worst = 0;
    let estimatesSkipped = 0;
    for (let i = 0; i < 8000; i++) {
      const x = 5 * Math.cos((2 * Math.PI * 10.6 * i) / fs) + 2 * Math.sin((2 * Math.PI * 3 * i) / fs);
      every1.push(x);
      every4.push(x);
      if (every4.samplesSinceEstimate > 0) estimatesSkipped++;
      if (i > 4000) worst = Math.max(worst, Math.abs(wrapToPi(every1.phase_rad - every4.phase_rad)));
    }
    expect(radiansToDegrees(worst)).toBeLessThan(1);
    // Three of every four samples were advanced, not estimated.
    expect(estimatesSkipped / 7500).toBeCloseTo(0.75, 2);
  });

  it('estimates on demand and forgets everything on reset', () => {
    const fs = 250;
    const e = new CausalPhaseEstimator({ fs_Hz: fs, filterBand: centredBand(10, 5, fs), window_samples: 125, estimateEvery_samples: 1000, frequencyTracking_s: 0 });
    for (let i = 0; i < 124; i++) e.push(Math.cos((2 * Math.PI * 10 * i) / fs));
    expect(e.ready).toBe(false);
    expect(e.phase_rad).toBeNaN();
    e.push(Math.cos((2 * Math.PI * 10 * 124) / fs));
    expect(e.ready).toBe(true);
    for (let i = 125; i < 150; i++) e.push(Math.cos((2 * Math.PI * 10 * i) / fs));
    expect(e.samplesSinceEstimate).toBe(25);
    e.estimate();
    expect(e.samplesSinceEstimate).toBe(0);
    expect(Math.abs(radiansToDegrees(wrapToPi(e.phase_rad - (2 * Math.PI * 10 * 149) / fs)))).toBeLessThan(1);
    e.reset();
    expect(e.ready).toBe(false);
    expect(e.amplitude_uV).toBeNaN();
    expect(e.samplesPushed).toBe(0);
  });

  it('refuses a cadence too slow for tracking and windows too short', () => {
    expect(() => new CausalPhaseEstimator({ fs_Hz: 250, filterBand: { lo_Hz: 8, hi_Hz: 13 }, window_samples: 125, estimateEvery_samples: 10 })).toThrow(/twice per cycle/);
    expect(() => new CausalPhaseEstimator({ fs_Hz: 250, filterBand: { lo_Hz: 8, hi_Hz: 13 }, window_samples: 4 })).toThrow(/at least 8/);
  });
});
