import FFT from 'fft.js';

const isPowerOfTwo = (n: number): boolean => n >= 2 && (n & (n - 1)) === 0;

/**
 * Discrete Fourier transform of a real sequence of any length n >= 2, bins 0..floor(n/2).
 *
 * - n a power of two (>= 4): the n real samples are packed as n/2 complex ones, one fft.js
 *   complex transform of size n/2 runs, and the requested bins are unpacked (the classic
 *   "real FFT through a half-size complex FFT"; measured faster than fft.js's own real
 *   transform, and only the bins asked for are unpacked).
 * - any other n: Bluestein's chirp-z algorithm on a power-of-two fft.js plan, so a 250- or
 *   500-sample window costs O(n log n) too.
 *
 * One plan per size, every buffer allocated here: `forward` allocates nothing.
 */
export class RealDft {
  readonly size: number;
  readonly bins: number;
  private readonly half: FFT | null = null;
  private readonly packed: Float64Array | null = null;
  private readonly packedSpectrum: Float64Array | null = null;
  /** cos and sin of -2*pi*k/n for the unpacking, k = 0..n/2. */
  private readonly twiddleRe: Float64Array | null = null;
  private readonly twiddleIm: Float64Array | null = null;
  // Bluestein state.
  private readonly conv: FFT | null = null;
  private readonly chirpRe: Float64Array | null = null;
  private readonly chirpIm: Float64Array | null = null;
  private readonly kernelSpectrum: Float64Array | null = null;
  private readonly work: Float64Array | null = null;
  private readonly workSpectrum: Float64Array | null = null;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 2) throw new Error(`DFT size must be an integer >= 2, got ${size}`);
    this.size = size;
    this.bins = Math.floor(size / 2) + 1;
    if (size === 2) return;
    if (isPowerOfTwo(size)) {
      const m = size / 2;
      this.half = new FFT(m);
      this.packed = new Float64Array(2 * m);
      this.packedSpectrum = new Float64Array(2 * m);
      this.twiddleRe = new Float64Array(this.bins);
      this.twiddleIm = new Float64Array(this.bins);
      for (let k = 0; k < this.bins; k++) {
        this.twiddleRe[k] = Math.cos((2 * Math.PI * k) / size);
        this.twiddleIm[k] = -Math.sin((2 * Math.PI * k) / size);
      }
      return;
    }
    let m = 2;
    while (m < 2 * size - 1) m *= 2;
    this.conv = new FFT(m);
    // chirp w_n = exp(-i*pi*n^2/N); n^2 is reduced mod 2N first so the angle stays exact.
    this.chirpRe = new Float64Array(size);
    this.chirpIm = new Float64Array(size);
    for (let n = 0; n < size; n++) {
      const angle = (Math.PI * ((n * n) % (2 * size))) / size;
      this.chirpRe[n] = Math.cos(angle);
      this.chirpIm[n] = -Math.sin(angle);
    }
    const kernel = new Float64Array(2 * m);
    kernel[0] = this.chirpRe[0];
    kernel[1] = -this.chirpIm[0];
    for (let n = 1; n < size; n++) {
      kernel[2 * n] = this.chirpRe[n];
      kernel[2 * n + 1] = -this.chirpIm[n];
      kernel[2 * (m - n)] = this.chirpRe[n];
      kernel[2 * (m - n) + 1] = -this.chirpIm[n];
    }
    this.kernelSpectrum = new Float64Array(2 * m);
    this.conv.transform(this.kernelSpectrum, kernel);
    this.work = new Float64Array(2 * m);
    this.workSpectrum = new Float64Array(2 * m);
  }

  /**
   * Transforms `input[0..size)` and writes bins 0..binEnd-1 (default: all, floor(size/2))
   * to `out` as interleaved (re, im) pairs: `out.length >= 2 * binEnd`.
   */
  forward(input: ArrayLike<number>, out: Float64Array, binEnd = this.bins): void {
    if (this.size === 2) {
      out[0] = input[0] + input[1];
      out[1] = 0;
      if (binEnd > 1) {
        out[2] = input[0] - input[1];
        out[3] = 0;
      }
    } else if (this.half !== null) {
      this.forwardPacked(input, out, binEnd);
    } else {
      this.forwardBluestein(input, out, binEnd);
    }
  }

  private forwardPacked(input: ArrayLike<number>, out: Float64Array, binEnd: number): void {
    const m = this.size / 2;
    const spec = this.packedSpectrum as Float64Array;
    const cr = this.twiddleRe as Float64Array;
    const ci = this.twiddleIm as Float64Array;
    // n reals read as n/2 interleaved complex values: a Float64Array already is that layout.
    let z: ArrayLike<number> = input;
    if (!(input instanceof Float64Array)) {
      const copy = this.packed as Float64Array;
      for (let i = 0; i < this.size; i++) copy[i] = input[i];
      z = copy;
    }
    (this.half as FFT).transform(spec, z);
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

  private forwardBluestein(input: ArrayLike<number>, out: Float64Array, binEnd: number): void {
    const n = this.size;
    const conv = this.conv as FFT;
    const chirpRe = this.chirpRe as Float64Array;
    const chirpIm = this.chirpIm as Float64Array;
    const kernel = this.kernelSpectrum as Float64Array;
    const work = this.work as Float64Array;
    const spec = this.workSpectrum as Float64Array;
    work.fill(0);
    for (let i = 0; i < n; i++) {
      work[2 * i] = input[i] * chirpRe[i];
      work[2 * i + 1] = input[i] * chirpIm[i];
    }
    conv.transform(spec, work);
    for (let i = 0; i < spec.length; i += 2) {
      const re = spec[i] * kernel[i] - spec[i + 1] * kernel[i + 1];
      const im = spec[i] * kernel[i + 1] + spec[i + 1] * kernel[i];
      spec[i] = re;
      spec[i + 1] = im;
    }
    conv.inverseTransform(work, spec);
    for (let k = 0; k < binEnd; k++) {
      const re = work[2 * k];
      const im = work[2 * k + 1];
      out[2 * k] = re * chirpRe[k] - im * chirpIm[k];
      out[2 * k + 1] = re * chirpIm[k] + im * chirpRe[k];
    }
  }
}
