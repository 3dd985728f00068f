import { RealDft } from './realDft.js';

/**
 * Welch power spectral density exactly as DESIGN.md (Band power) defines it: periodic Hann
 * segments of `segment` samples, 50 % overlap (step = segment - floor(segment / 2)),
 * constant detrend per segment, one-sided density scaling 2|X_k|^2 / (fs * sum(w^2)) with
 * DC and Nyquist not doubled, averaged over the segments that fit in the data.
 * Equal to scipy.signal.welch(x, fs, window='hann', nperseg=segment,
 * noverlap=segment // 2, detrend='constant', scaling='density').
 *
 * One instance is one plan: the window, the DFT and every scratch buffer are made in the
 * constructor, and `psdInto` allocates nothing.
 */
export class WelchPsd {
  readonly segment: number;
  readonly fs_Hz: number;
  readonly bins: number;
  readonly step: number;
  /** Bin spacing fs / segment, in Hz. */
  readonly df_Hz: number;
  /** Bin centre frequencies, computed the way numpy.fft.rfftfreq does (bit for bit). */
  readonly frequencies_Hz: Float64Array;
  private readonly window: Float64Array;
  private readonly scale: number;
  private readonly dft: RealDft;
  private readonly segmentBuffer: Float64Array;
  private readonly spectrum: Float64Array;

  constructor(segment: number, fs_Hz: number) {
    if (!Number.isInteger(segment) || segment < 2) throw new Error(`Welch segment must be an integer >= 2 samples, got ${segment}`);
    if (!(fs_Hz > 0) || !Number.isFinite(fs_Hz)) throw new Error(`fs_Hz must be a positive number, got ${fs_Hz}`);
    this.segment = segment;
    this.fs_Hz = fs_Hz;
    this.bins = Math.floor(segment / 2) + 1;
    this.step = segment - Math.floor(segment / 2);
    this.df_Hz = fs_Hz / segment;
    const binWidth = 1 / (segment * (1 / fs_Hz));
    this.frequencies_Hz = new Float64Array(this.bins);
    for (let k = 0; k < this.bins; k++) this.frequencies_Hz[k] = k * binWidth;
    this.window = new Float64Array(segment);
    let sumSquares = 0;
    for (let n = 0; n < segment; n++) {
      // Periodic ("DFT-even") Hann: the symmetric window of length segment + 1, last point dropped.
      const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / segment);
      this.window[n] = w;
      sumSquares += w * w;
    }
    this.scale = 1 / (fs_Hz * sumSquares);
    this.dft = new RealDft(segment);
    this.segmentBuffer = new Float64Array(segment);
    this.spectrum = new Float64Array(2 * this.bins);
  }

  /** Number of segments that fit in `length` samples (0 if length < segment). */
  segmentCount(length: number): number {
    return length < this.segment ? 0 : Math.floor((length - this.segment) / this.step) + 1;
  }

  /**
   * PSD of `x[offset .. offset + length)` into `out[0 .. bins)`, in input units squared
   * per Hz. Throws if fewer than `segment` samples are given.
   */
  psdInto(x: ArrayLike<number>, offset: number, length: number, out: Float64Array): void {
    const count = this.segmentCount(length);
    if (count === 0) throw new Error(`Welch needs at least ${this.segment} samples, got ${length}`);
    const seg = this.segment;
    const buf = this.segmentBuffer;
    const spec = this.spectrum;
    const w = this.window;
    const bins = this.bins;
    const nyquistBin = seg % 2 === 0 ? bins - 1 : -1;
    out.fill(0, 0, bins);
    for (let s = 0; s < count; s++) {
      const start = offset + s * this.step;
      let mean = 0;
      for (let n = 0; n < seg; n++) mean += x[start + n];
      mean /= seg;
      for (let n = 0; n < seg; n++) buf[n] = (x[start + n] - mean) * w[n];
      this.dft.forward(buf, spec);
      for (let k = 0; k < bins; k++) {
        const re = spec[2 * k];
        const im = spec[2 * k + 1];
        out[k] += re * re + im * im;
      }
    }
    const norm = this.scale / count;
    for (let k = 0; k < bins; k++) {
      const doubled = k !== 0 && k !== nyquistBin ? 2 : 1;
      out[k] *= norm * doubled;
    }
  }
}

export interface Psd {
  readonly frequencies_Hz: Float64Array;
  readonly psd: Float64Array;
}

/** Offline convenience: the Welch PSD of a whole signal. */
export function welch(x: ArrayLike<number>, fs_Hz: number, segment: number): Psd {
  const plan = new WelchPsd(segment, fs_Hz);
  const psd = new Float64Array(plan.bins);
  plan.psdInto(x, 0, x.length, psd);
  return { frequencies_Hz: plan.frequencies_Hz, psd };
}
