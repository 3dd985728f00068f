import { describe, expect, it } from 'vitest';
import { bandBins, bandPowerFromPsd } from '../../signals/band.js';
import { WelchPsd, welch } from '../../signals/welch.js';

const sine = (n: number, fs: number, f: number, amplitude: number, phase = 0.3): Float64Array =>
  Float64Array.from({ length: n }, (_, i) => amplitude * Math.sin(2 * Math.PI * f * (i / fs) + phase));

describe('band power: analytic checks', () => {
  it('a sine of amplitude A gives band power A^2/2 (power, not amplitude)', () => {
    const fs = 250;
    for (const [f, A] of [[20, 10], [10.5, 3], [37.25, 50]] as const) {
      const { frequencies_Hz, psd } = welch(sine(2500, fs, f, A), fs, 250);
      const { first, end } = bandBins(frequencies_Hz, { name: 'b', lo_Hz: f - 4, hi_Hz: f + 4 });
      const power = bandPowerFromPsd(psd, fs / 250, first, end);
      // Hann leakage puts all but a few 1e-6 of the power within 4 Hz of the line.
      expect(power / (A * A / 2)).toBeGreaterThan(0.999);
      expect(power / (A * A / 2)).toBeLessThan(1.001);
    }
  });

  it("Parseval: the one-sided spectrum integrates to the windowed signal's mean power", () => {
    const fs = 200;
    for (const segment of [128, 100, 77]) {
      const x = Float64Array.from({ length: segment }, (_, i) => Math.sin(i * 0.37) * 5 + Math.cos(i * 1.91) * 2 + (i % 7) - 3);
      const plan = new WelchPsd(segment, fs);
      const psd = new Float64Array(plan.bins);
      plan.psdInto(x, 0, segment, psd);
      const total = bandPowerFromPsd(psd, plan.df_Hz, 0, plan.bins);
      const mean = x.reduce((s, v) => s + v, 0) / segment;
      let weighted = 0;
      let wsum = 0;
      for (let n = 0; n < segment; n++) {
        const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / segment);
        weighted += (w * (x[n] - mean)) ** 2;
        wsum += w * w;
      }
      expect(total).toBeCloseTo(weighted / wsum, 10);
    }
  });

  it('half-open bands: a bin on a shared edge is counted once, in the upper band', () => {
    const fs = 256;
    const { frequencies_Hz } = welch(new Float64Array(256), fs, 256); // df = 1 Hz, bins on whole Hz
    const alpha = bandBins(frequencies_Hz, { name: 'alpha', lo_Hz: 8, hi_Hz: 13 });
    const beta = bandBins(frequencies_Hz, { name: 'beta', lo_Hz: 13, hi_Hz: 30 });
    expect([alpha.first, alpha.end]).toEqual([8, 13]);
    expect([beta.first, beta.end]).toEqual([13, 30]);
  });

  it('the constant detrend removes DC offset', () => {
    const fs = 250;
    const a = welch(sine(500, fs, 20, 5), fs, 250).psd;
    const b = welch(sine(500, fs, 20, 5).map((v) => v + 1000), fs, 250).psd;
    for (let k = 0; k < a.length; k++) expect(b[k]).toBeCloseTo(a[k], 6);
  });
});
