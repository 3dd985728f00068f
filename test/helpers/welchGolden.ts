import { expect } from 'vitest';
import { type Band, bandBins, bandPowerFromPsd } from '../../signals/band.js';
import { welch } from '../../signals/welch.js';
import { maxRelativeError } from './golden.js';

/** One scipy.signal.welch case of a golden file (welch.json, fft.json; scripts/golden/make_golden.py). */
export interface WelchGoldenCase {
  fs_Hz: number;
  segment: number;
  x: number[];
  frequencies_Hz: number[];
  psd: number[];
  bands: Band[];
  bandPower: Record<string, number>;
}

/** Our welch() against SciPy's: bin frequencies exact, PSD and band powers to 1e-6 relative. */
export function expectWelchMatchesScipy(c: WelchGoldenCase): void {
  const { frequencies_Hz, psd } = welch(c.x, c.fs_Hz, c.segment);
  expect(Array.from(frequencies_Hz)).toEqual(c.frequencies_Hz);
  const peak = Math.max(...c.psd);
  // Bins far below the peak are limited by float64 rounding of the peak's leakage.
  expect(maxRelativeError(psd, c.psd, peak * 1e-9)).toBeLessThan(1e-6);
  for (const band of c.bands) {
    const { first, end } = bandBins(frequencies_Hz, band);
    const power = bandPowerFromPsd(psd, c.fs_Hz / c.segment, first, end);
    expect(Math.abs(power - c.bandPower[band.name]) / c.bandPower[band.name]).toBeLessThan(1e-6);
  }
}
