import { ComplexDft } from './complexDft.js';
import { smoothFactors } from './mixedRadixFft.js';

/**
 * Discrete Fourier transform of a real sequence of any length n >= 2, bins 0..floor(n/2).
 *
 * Even n: the n reals are read as n/2 complex values (a Float64Array already has that
 * layout, so nothing is copied), one complex DFT of size n/2 runs (ComplexDft: fft.js,
 * mixed radix or Bluestein) and only the requested bins are unpacked: the classic "real
 * FFT through a half-size complex FFT", measured faster than fft.js's own real transform.
 * Odd n: a complex DFT of size n on the real input.
 *
 * One plan per size, every buffer allocated here: `forward` allocates nothing.
 */
export class RealDft {
  readonly size: number;
  readonly bins: number;
  private readonly half: ComplexDft | null = null;
  private readonly full: ComplexDft | null = null;
  private readonly packed: Float64Array;
  private readonly spectrum: Float64Array;
  /** cos and sin of -2*pi*k/n for the unpacking, k = 0..n/2. */
  private readonly twiddleRe: Float64Array;
  private readonly twiddleIm: Float64Array;
  /** cos and -sin of 2*pi*m/n, m = 0..n-1: the direct DFT's twiddles (made on first use). */
  private cosTable: Float64Array | null = null;
  private sinTable: Float64Array | null = null;
  /** Rough operation count of one transform through the FFT path, to pick the direct sum when it is cheaper. */
  private readonly fftCost: number;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 2) throw new Error(`DFT size must be an integer >= 2, got ${size}`);
    this.size = size;
    this.bins = Math.floor(size / 2) + 1;
    this.twiddleRe = new Float64Array(this.bins);
    this.twiddleIm = new Float64Array(this.bins);
    for (let k = 0; k < this.bins; k++) {
      this.twiddleRe[k] = Math.cos((2 * Math.PI * k) / size);
      this.twiddleIm[k] = -Math.sin((2 * Math.PI * k) / size);
    }
    const complexSize = size % 2 === 0 ? size / 2 : size;
    this.fftCost = fftOperations(complexSize);
    if (size % 2 === 0 && size >= 4) {
      this.half = new ComplexDft(size / 2);
      this.packed = new Float64Array(size);
      this.spectrum = new Float64Array(size);
    } else {
      this.full = size === 2 ? null : new ComplexDft(size);
      this.packed = new Float64Array(2 * size);
      this.spectrum = new Float64Array(2 * size);
    }
  }

  /**
   * Transforms `input[0..size)` and writes bins binStart..binEnd-1 (default: all,
   * 0..floor(size/2)) to `out` as interleaved (re, im) pairs at their bin's place:
   * `out.length >= 2 * binEnd`. Bins below binStart may be written too (the FFT path
   * computes them anyway) or left as they were.
   */
  /**
   * True when two real sequences of this odd size are cheaper as one complex transform
   * (forwardPair) than as two: the FFT path would run a full-size complex transform for
   * each, and the direct sum of these bins is not cheaper than one of them.
   */
  pairsWell(binEnd = this.bins, binStart = 0): boolean {
    return this.full !== null && this.size % 2 === 1 && !((binEnd - binStart) * this.size * 2 < this.fftCost);
  }

  /**
   * Two real inputs of odd size at once: z = a + i b through one complex transform, then
   * A[k] = (Z[k] + conj Z[n-k]) / 2 and B[k] = (Z[k] - conj Z[n-k]) / 2i for the bins
   * binStart..binEnd-1, written to outA and outB like `forward` writes them. An odd real
   * transform otherwise costs a full complex one per input (even sizes have the cheaper
   * half-size packing); this halves it for channel pairs.
   */
  forwardPair(a: ArrayLike<number>, b: ArrayLike<number>, outA: Float64Array, outB: Float64Array, binEnd = this.bins, binStart = 0): void {
    const n = this.size;
    const z = this.packed;
    for (let i = 0; i < n; i++) {
      z[2 * i] = a[i];
      z[2 * i + 1] = b[i];
    }
    const spec = this.spectrum;
    (this.full as ComplexDft).forward(z, spec, n);
    for (let k = binStart; k < binEnd; k++) {
      const m = k === 0 ? 0 : n - k;
      const ar = spec[2 * k];
      const ai = spec[2 * k + 1];
      const br = spec[2 * m];
      const bi = spec[2 * m + 1];
      outA[2 * k] = 0.5 * (ar + br);
      outA[2 * k + 1] = 0.5 * (ai - bi);
      outB[2 * k] = 0.5 * (ai + bi);
      outB[2 * k + 1] = -0.5 * (ar - br);
    }
  }

  forward(input: ArrayLike<number>, out: Float64Array, binEnd = this.bins, binStart = 0): void {
    if (this.size > 2 && (binEnd - binStart) * this.size < this.fftCost) {
      this.forwardDirect(input, out, binStart, binEnd);
    } else if (this.size === 2) {
      out[0] = input[0] + input[1];
      out[1] = 0;
      if (binEnd > 1) {
        out[2] = input[0] - input[1];
        out[3] = 0;
      }
    } else if (this.half !== null) {
      this.forwardPacked(input, out, binEnd);
    } else {
      const z = this.packed;
      for (let i = 0; i < this.size; i++) {
        z[2 * i] = input[i];
        z[2 * i + 1] = 0;
      }
      (this.full as ComplexDft).forward(z, this.spectrum, binEnd);
      for (let i = 0; i < 2 * binEnd; i++) out[i] = this.spectrum[i];
    }
  }

  /**
   * Bins binStart..binEnd-1 as plain sums, X[k] = sum x[n] e^{-2 pi i k n / N}, with the
   * twiddle of k*n mod N from one table: when the bands need only a few low bins (beta at
   * 250 Hz in a 0.5 s window: 16 of 63), this can be cheaper than a whole transform,
   * above all of a length that goes through Bluestein's FFTs of twice its size or more.
   * Which path runs depends only on the size and binEnd, so results stay the same from run
   * to run.
   */
  private forwardDirect(input: ArrayLike<number>, out: Float64Array, binStart: number, binEnd: number): void {
    const n = this.size;
    if (this.cosTable === null || this.sinTable === null) {
      this.cosTable = new Float64Array(n);
      this.sinTable = new Float64Array(n);
      for (let m = 0; m < n; m++) {
        this.cosTable[m] = Math.cos((2 * Math.PI * m) / n);
        this.sinTable[m] = -Math.sin((2 * Math.PI * m) / n);
      }
    }
    const c = this.cosTable;
    const sn = this.sinTable;
    for (let k = binStart; k < binEnd; k++) {
      let re = 0;
      let im = 0;
      let m = 0;
      for (let i = 0; i < n; i++) {
        const x = input[i];
        re += x * c[m];
        im += x * sn[m];
        m += k;
        if (m >= n) m -= n;
      }
      out[2 * k] = re;
      out[2 * k + 1] = im;
    }
  }

  private forwardPacked(input: ArrayLike<number>, out: Float64Array, binEnd: number): void {
    const m = this.size / 2;
    const spec = this.spectrum;
    const cr = this.twiddleRe;
    const ci = this.twiddleIm;
    // n reals read as n/2 interleaved complex values: a Float64Array already is that layout.
    let z: ArrayLike<number> = input;
    if (!(input instanceof Float64Array)) {
      for (let i = 0; i < this.size; i++) this.packed[i] = input[i];
      z = this.packed;
    }
    // Unpacking bin k needs Z[k] and Z[m-k], from both ends of Z: compute all of it.
    (this.half as ComplexDft).forward(z, spec, m);
    for (let k = 0; k < binEnd; k++) {
      const a = k === m ? 0 : k;
      const b = k === 0 ? 0 : m - k;
      const zr = spec[2 * a];
      const zi = spec[2 * a + 1];
      const wr = spec[2 * b];
      const wi = -spec[2 * b + 1];
      // Even-sample spectrum E = (Z[k] + conj Z[m-k]) / 2, odd O = (Z[k] - conj Z[m-k]) / 2i.
      const er = 0.5 * (zr + wr);
      const ei = 0.5 * (zi + wi);
      const or = 0.5 * (zi - wi);
      const oi = -0.5 * (zr - wr);
      out[2 * k] = er + cr[k] * or - ci[k] * oi;
      out[2 * k + 1] = ei + cr[k] * oi + ci[k] * or;
    }
  }
}

/**
 * Cost of one complex DFT of size n through the FFT path, in units of one multiply-add of
 * the direct sum (about 3 ns here). Measured on the development machine (node 20, x64):
 * fft.js for powers of two costs about 0.6 n log2 n units; the mixed-radix FFT for sizes
 * made of 2, 3, 5 and 7 about the same per stage (n log2(radix) each), the odd radices 10 %
 * more (125 points take 1.04x the time of fft.js's 128); Bluestein (three FFTs of the next
 * power of two >= 2n - 1 and the chirps) about 1.6 m log2 m. The choice only has to be
 * roughly right: every path gives the same bins to 1e-12.
 */
function fftOperations(n: number): number {
  if ((n & (n - 1)) === 0) return 0.6 * n * Math.log2(Math.max(2, n));
  const factors = smoothFactors(n);
  if (factors !== null) return 0.6 * n * factors.reduce((sum, r) => sum + Math.log2(r) * (r % 2 === 0 ? 1 : 1.1), 0);
  let m = 1;
  while (m < 2 * n - 1) m *= 2;
  return 1.6 * m * Math.log2(m);
}
