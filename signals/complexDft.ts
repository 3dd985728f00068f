import FFT from 'fft.js';
import { MixedRadixFft, isSmooth } from './mixedRadixFft.js';

export const isPowerOfTwo = (n: number): boolean => n >= 2 && (n & (n - 1)) === 0;

/**
 * Complex DFT of any length n >= 2 (interleaved re, im). Powers of two go straight to
 * fft.js; other lengths whose prime factors are 2, 3, 5 and 7 only (125, 250, 1000, ...)
 * to the mixed-radix FFT; the rest use Bluestein's chirp-z algorithm, a convolution done
 * with two power-of-two fft.js transforms, so any n costs O(n log n). One plan per size;
 * every buffer is allocated here and `forward` allocates nothing.
 */
export class ComplexDft {
  readonly size: number;
  private readonly direct: FFT | null = null;
  private readonly mixed: MixedRadixFft | null = null;
  private readonly conv: FFT | null = null;
  private readonly chirpRe: Float64Array | null = null;
  private readonly chirpIm: Float64Array | null = null;
  private readonly kernelSpectrum: Float64Array | null = null;
  private readonly work: Float64Array | null = null;
  private readonly workSpectrum: Float64Array | null = null;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 2) throw new Error(`DFT size must be an integer >= 2, got ${size}`);
    this.size = size;
    if (isPowerOfTwo(size)) {
      this.direct = new FFT(size);
      return;
    }
    if (isSmooth(size)) {
      this.mixed = new MixedRadixFft(size);
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
    // The convolution kernel conj(w) at lags -(N-1) .. N-1, wrapped into length m.
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
   * Transforms `input` (n interleaved complex values) and writes bins 0..binEnd-1 to `out`
   * (interleaved). For a power of two every bin is written, so `out.length >= 2n` there.
   */
  forward(input: ArrayLike<number>, out: Float64Array, binEnd = this.size): void {
    if (this.direct !== null) {
      this.direct.transform(out, input);
      return;
    }
    if (this.mixed !== null) {
      this.mixed.forward(input, out, binEnd);
      return;
    }
    const n = this.size;
    const conv = this.conv as FFT;
    const chirpRe = this.chirpRe as Float64Array;
    const chirpIm = this.chirpIm as Float64Array;
    const kernel = this.kernelSpectrum as Float64Array;
    const work = this.work as Float64Array;
    const spec = this.workSpectrum as Float64Array;
    work.fill(0, 2 * n);
    for (let i = 0; i < n; i++) {
      const re = input[2 * i];
      const im = input[2 * i + 1];
      work[2 * i] = re * chirpRe[i] - im * chirpIm[i];
      work[2 * i + 1] = re * chirpIm[i] + im * chirpRe[i];
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
