import { describe, expect, it } from 'vitest';
import { ComplexDft } from '../../signals/complexDft.js';
import { RealDft } from '../../signals/realDft.js';

/** The definition, O(n^2), as the reference. */
function naive(x: ArrayLike<number>, complexInput: boolean): Float64Array {
  const n = complexInput ? x.length / 2 : x.length;
  const out = new Float64Array(2 * n);
  for (let k = 0; k < n; k++) {
    let re = 0;
    let im = 0;
    for (let t = 0; t < n; t++) {
      const a = (-2 * Math.PI * ((k * t) % n)) / n;
      const xr = complexInput ? x[2 * t] : x[t];
      const xi = complexInput ? x[2 * t + 1] : 0;
      re += xr * Math.cos(a) - xi * Math.sin(a);
      im += xr * Math.sin(a) + xi * Math.cos(a);
    }
    out[2 * k] = re;
    out[2 * k + 1] = im;
  }
  return out;
}

const signal = (n: number): Float64Array => Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.7) * 3 + ((i * 7919) % 13) - 6);

describe('DFT plans against the definition', () => {
  it('RealDft: every size from 2 to 70 and a few large ones (powers of two, even, odd)', () => {
    for (const n of [...Array.from({ length: 69 }, (_, i) => i + 2), 250, 255, 500, 512, 1000]) {
      const x = signal(n);
      const dft = new RealDft(n);
      const out = new Float64Array(2 * dft.bins);
      dft.forward(x, out);
      const ref = naive(x, false);
      const scale = Math.max(...Array.from(ref, Math.abs));
      for (let i = 0; i < 2 * dft.bins; i++) expect(Math.abs(out[i] - ref[i]) / scale).toBeLessThan(1e-12);
      // Asking for fewer bins (where a direct sum is cheaper, RealDft takes it) gives those bins to the same accuracy.
      const part = new Float64Array(2 * dft.bins);
      dft.forward(Array.from(x), part, Math.ceil(dft.bins / 3));
      for (let i = 0; i < 2 * Math.ceil(dft.bins / 3); i++) expect(Math.abs(part[i] - ref[i]) / scale).toBeLessThan(1e-12);
      // And the same bins twice are the same numbers (the path depends on size and bins only).
      const again = new Float64Array(2 * dft.bins);
      dft.forward(x, again, Math.ceil(dft.bins / 3));
      for (let i = 0; i < 2 * Math.ceil(dft.bins / 3); i++) expect(again[i]).toBe(part[i]);
    }
  });

  it('ComplexDft: powers of two and Bluestein sizes', () => {
    for (const n of [2, 3, 5, 8, 12, 17, 64, 100, 125]) {
      const x = signal(2 * n);
      const out = new Float64Array(2 * n);
      new ComplexDft(n).forward(x, out);
      const ref = naive(x, true);
      const scale = Math.max(...Array.from(ref, Math.abs));
      for (let i = 0; i < 2 * n; i++) expect(Math.abs(out[i] - ref[i]) / scale).toBeLessThan(1e-12);
    }
  });
});
