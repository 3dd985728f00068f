import FFT from 'fft.js';

const isPowerOfTwo = (n: number): boolean => n >= 2 && (n & (n - 1)) === 0;

/**
 * Discrete Fourier transform of a real sequence of any length n >= 2, bins 0..floor(n/2).
 * Powers of two go straight to fft.js; other lengths use Bluestein's chirp-z algorithm
 * on a power-of-two fft.js plan, so a 250- or 500-sample window costs O(n log n) too.
 * One plan per size, every buffer allocated here: `forward` allocates nothing.
 */
export class RealDft {
  readonly size: number;
  readonly bins: number;
  private readonly direct: FFT | null;
  private readonly directOut: Float64Array | null;
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
    if (isPowerOfTwo(size)) {
      this.direct = new FFT(size);
      this.directOut = new Float64Array(2 * size);
      return;
    }
    this.direct = null;
    this.directOut = null;
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
   * Transforms `input[0..size)` and writes bins 0..floor(size/2) to `out` as
   * interleaved (re, im) pairs: `out.length >= 2 * bins`.
   */
  forward(input: Float64Array, out: Float64Array): void {
    const n = this.size;
    if (this.direct !== null && this.directOut !== null) {
      this.direct.realTransform(this.directOut, input);
      const half = 2 * this.bins;
      for (let i = 0; i < half; i++) out[i] = this.directOut[i];
      return;
    }
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
    for (let k = 0; k < this.bins; k++) {
      const re = work[2 * k];
      const im = work[2 * k + 1];
      out[2 * k] = re * chirpRe[k] - im * chirpIm[k];
      out[2 * k + 1] = re * chirpIm[k] + im * chirpRe[k];
    }
  }
}
