import { describe, expect, it } from 'vitest';
import { bandBins, bandPowerFromPsd, type Band } from '../../signals/band.js';
import { welch } from '../../signals/welch.js';
import { maxRelativeError, readGolden } from '../helpers/golden.js';

interface WelchCase {
  fs_Hz: number; segment: number; x: number[]; frequencies_Hz: number[]; psd: number[];
  bands: Band[]; bandPower: Record<string, number>;
}
const golden = readGolden<{ cases: WelchCase[] }>('welch.json');

describe('Welch PSD and band power against scipy.signal.welch', () => {
  it.each(golden.cases.map((c) => [`${c.x.length} samples, segment ${c.segment} @ ${c.fs_Hz} Hz`, c] as const))('%s', (_name, c) => {
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
  });
});
