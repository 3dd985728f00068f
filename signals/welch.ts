import { RealDft } from './realDft.js';

/**
 * Welch power spectral density exactly as docs/design.md (Band power) defines it: periodic Hann
 * segments of `segment` samples, 50 % overlap (step = segment - floor(segment / 2)),
 * constant detrend per segment, one-sided density scaling 2|X_k|^2 / (fs * sum(w^2)) with
 * DC and Nyquist not doubled, averaged over the segments that fit in the data.
 * Equal to scipy.signal.welch(x, fs, window='hann', nperseg=segment,
 * noverlap=segment // 2, detrend='constant', scaling='density').
 *
 * One instance is one plan: the DFT and every scratch buffer are made in the constructor,
 * and `psdInto` allocates nothing once it has seen its input array.
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
  private readonly scale: number;
  private readonly dft: RealDft;
  private readonly segmentBuffer: Float64Array;
  private readonly spectrum: Float64Array;
  /** The second input's spectrum and segment copy of psdPairInto. */
  private readonly pairSpectrum: Float64Array;
  private readonly pairSegmentBuffer: Float64Array;
  private readonly views = new WeakMap<Float64Array, Float64Array[]>();
  private lastArray: Float64Array | null = null;
  private lastViews: Float64Array[] | undefined = undefined;

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
    let sumSquares = 0;
    for (let n = 0; n < segment; n++) {
      // Periodic ("DFT-even") Hann: the symmetric window of length segment + 1, last point
      // dropped. Only its energy is needed here; psdInto applies it in the frequency domain.
      const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / segment);
      sumSquares += w * w;
    }
    this.scale = 1 / (fs_Hz * sumSquares);
    this.dft = new RealDft(segment);
    this.segmentBuffer = new Float64Array(segment);
    this.spectrum = new Float64Array(2 * this.bins);
    this.pairSpectrum = new Float64Array(2 * this.bins);
    this.pairSegmentBuffer = new Float64Array(segment);
  }

  /** Number of segments that fit in `length` samples (0 if length < segment). */
  segmentCount(length: number): number {
    return length < this.segment ? 0 : Math.floor((length - this.segment) / this.step) + 1;
  }

  /**
   * PSD of `x[offset .. offset + length)` into `out[binStart .. binEnd)` (default: every
   * bin), in input units squared per Hz. Bins outside are not computed (those below
   * binStart are 0): the live path asks only for the bins its bands cover. Throws if fewer than `segment` samples are given.
   *
   * How, and why it equals the definition: each segment's plain DFT X is taken straight
   * from `x` (a Float64Array is read in place through a cached view, nothing is copied).
   * The constant detrend only changes the DC bin, which becomes 0. The periodic Hann
   * window w[n] = 1/2 - (e^{2 pi i n/N} + e^{-2 pi i n/N}) / 4 multiplies in time, so in
   * frequency it is the 3-tap combination Y[k] = X[k]/2 - (X[k-1] + X[k+1])/4 (indices
   * mod N; X[-k] = conj X[k] for real input). Y equals DFT((x - mean) * w) to rounding.
   */
  psdInto(x: ArrayLike<number>, offset: number, length: number, out: Float64Array, binEnd = this.bins, binStart = 0): void {
    const count = this.segmentCount(length);
    if (count === 0) throw new Error(`Welch needs at least ${this.segment} samples, got ${length}`);
    const end = Math.min(binEnd, this.bins);
    const begin = Math.max(0, Math.min(binStart, end));
    out.fill(0, 0, end);
    for (let s = 0; s < count; s++) {
      this.forwardForTaps(this.segmentAt(x, offset + s * this.step), begin, end);
      this.accumulate(this.spectrum, out, begin, end);
    }
    this.normalise(out, end, count);
  }

  /**
   * Band power of one window that is exactly one segment (segment = window, the default),
   * straight from its DFT: for each band, power[b][c] = df * sum of the density over the
   * band's bins [first, end). The same operations in the same order as psdInto followed by
   * bandPowerFromPsd, so the same bits, without the PSD array's fill, normalise and
   * re-read passes (the live path's hottest loop after the FFT).
   */
  bandPowersOfSegment(x: ArrayLike<number>, offset: number, bands: readonly { first: number; end: number }[], power: readonly Float64Array[], c: number, binEnd: number, binStart: number): void {
    const end = Math.min(binEnd, this.bins);
    this.forwardForTaps(this.segmentAt(x, offset), Math.max(0, Math.min(binStart, end)), end);
    this.bandSums(this.spectrum, bands, power, c);
  }

  /** bandPowersOfSegment for two inputs through one complex transform (psdPairInto's pairing), the same bits as psdPairInto then the band sums. */
  bandPowersOfSegmentPair(a: ArrayLike<number>, b: ArrayLike<number>, offset: number, bands: readonly { first: number; end: number }[], power: readonly Float64Array[], c: number, binEnd: number, binStart: number): void {
    const end = Math.min(binEnd, this.bins);
    this.forwardPairForTaps(a, b, offset, Math.max(0, Math.min(binStart, end)), end);
    this.bandSums(this.spectrum, bands, power, c);
    this.bandSums(this.pairSpectrum, bands, power, c + 1);
  }

  /**
   * The DFT of one segment into `spectrum`, for outputs [begin, end): the Hann window's taps
   * read one bin more on each side, so those are asked of the DFT too.
   */
  private forwardForTaps(segment: ArrayLike<number>, begin: number, end: number): void {
    this.dft.forward(segment, this.spectrum, Math.min(end + 1, this.bins), Math.max(0, begin - 1));
  }

  /** forwardForTaps for the segments of `a` and `b` at `at` through one complex transform, into `spectrum` and `pairSpectrum`. */
  private forwardPairForTaps(a: ArrayLike<number>, b: ArrayLike<number>, at: number, begin: number, end: number): void {
    // The second view is taken before the first is used: segmentAt may reuse its copy buffer.
    const segA = this.segmentAt(a, at);
    const segB = b instanceof Float64Array ? this.segmentAt(b, at) : this.copySegment(b, at);
    this.dft.forwardPair(segA, segB, this.spectrum, this.pairSpectrum, Math.min(end + 1, this.bins), Math.max(0, begin - 1));
  }

  /**
   * power[b][c] from one segment's raw spectrum (interleaved re, im at each bin's place,
   * bins first - 1 .. end of every band present): detrend, Hann taps, density scaling and
   * the band sum, in psdInto's order. Overwrites bins 0's value with the detrended 0.
   */
  bandSums(spec: Float64Array, bands: readonly { first: number; end: number }[], power: readonly Float64Array[], c: number): void {
    spec[0] = 0; // detrend: (x - mean) has no DC
    spec[1] = 0;
    // psdInto's normalise with one segment: scale / 1 is scale, and its 0 + y2 is y2 (y2 >= 0).
    const norm = this.scale;
    const nyquistBin = this.segment % 2 === 0 ? this.bins - 1 : -1;
    const lastBin = this.bins - 1;
    for (let b = 0; b < bands.length; b++) {
      const first = bands[b].first;
      const bandEnd = bands[b].end;
      let sum = 0;
      for (let k = first; k < bandEnd; k++) {
        let y2: number;
        if (k !== 0 && k !== lastBin) {
          const yr = 0.5 * spec[2 * k] - 0.25 * (spec[2 * k - 2] + spec[2 * k + 2]);
          const yi = 0.5 * spec[2 * k + 1] - 0.25 * (spec[2 * k - 1] + spec[2 * k + 3]);
          y2 = yr * yr + yi * yi;
        } else if (k === 0) {
          y2 = this.threeTap(spec[0], spec[1], spec[2], -spec[3], spec[2], spec[3]);
        } else {
          const m = this.segment - k - 1;
          y2 = this.threeTap(spec[2 * k], spec[2 * k + 1], spec[2 * k - 2], spec[2 * k - 1], spec[2 * m], -spec[2 * m + 1]);
        }
        const doubled = k !== 0 && k !== nyquistBin ? 2 : 1;
        sum += y2 * (norm * doubled);
      }
      power[b][c] = sum * this.df_Hz;
    }
  }

  /** True when psdPairInto is cheaper than two psdInto calls for these bins (odd segments). */
  pairsWell(binEnd = this.bins, binStart = 0): boolean {
    const end = Math.min(binEnd, this.bins);
    return this.dft.pairsWell(Math.min(end + 1, this.bins), Math.max(0, Math.min(binStart, end) - 1));
  }

  /**
   * psdInto for two inputs at once (two channels of the same window), through one complex
   * transform per segment (RealDft.forwardPair): the same definition, the same bins, to
   * rounding. Used where pairsWell says it is cheaper.
   */
  psdPairInto(a: ArrayLike<number>, b: ArrayLike<number>, offset: number, length: number, outA: Float64Array, outB: Float64Array, binEnd = this.bins, binStart = 0): void {
    const count = this.segmentCount(length);
    if (count === 0) throw new Error(`Welch needs at least ${this.segment} samples, got ${length}`);
    const end = Math.min(binEnd, this.bins);
    const begin = Math.max(0, Math.min(binStart, end));
    outA.fill(0, 0, end);
    outB.fill(0, 0, end);
    for (let s = 0; s < count; s++) {
      this.forwardPairForTaps(a, b, offset + s * this.step, begin, end);
      this.accumulate(this.spectrum, outA, begin, end);
      this.accumulate(this.pairSpectrum, outB, begin, end);
    }
    this.normalise(outA, end, count);
    this.normalise(outB, end, count);
  }

  /**
   * One segment's windowed periodogram added into out[begin..end): the constant detrend
   * (DC bin 0) and the periodic Hann window as the 3-tap combination in frequency.
   */
  private accumulate(spec: Float64Array, out: Float64Array, begin: number, end: number): void {
    const n = this.segment;
    const bins = this.bins;
    spec[0] = 0; // detrend: (x - mean) has no DC
    spec[1] = 0;
    // The edge bins (0, whose left neighbour is conj X[1], and the last, whose right one is
    // conj X[N-k-1]) go through threeTap; the bins between need no test (the hot loop).
    const innerEnd = Math.min(end, bins - 1);
    let k = begin;
    if (k === 0 && k < end) {
      out[0] += this.threeTap(spec[0], spec[1], spec[2], -spec[3], spec[2], spec[3]);
      k = 1;
    }
    for (; k < innerEnd; k++) {
      const yr = 0.5 * spec[2 * k] - 0.25 * (spec[2 * k - 2] + spec[2 * k + 2]);
      const yi = 0.5 * spec[2 * k + 1] - 0.25 * (spec[2 * k - 1] + spec[2 * k + 3]);
      out[k] += yr * yr + yi * yi;
    }
    for (; k < end; k++) {
      const m = n - k - 1;
      out[k] += this.threeTap(spec[2 * k], spec[2 * k + 1], spec[2 * k - 2], spec[2 * k - 1], spec[2 * m], -spec[2 * m + 1]);
    }
  }

  /** |X[k]/2 - (L + R)/4|^2 for X[k] = (xr, xi) and its neighbours L, R (the Hann window's taps). */
  private threeTap(xr: number, xi: number, lr: number, li: number, rr: number, ri: number): number {
    const yr = 0.5 * xr - 0.25 * (lr + rr);
    const yi = 0.5 * xi - 0.25 * (li + ri);
    return yr * yr + yi * yi;
  }

  /** Density scaling, averaged over the segments; DC and Nyquist not doubled. */
  private normalise(out: Float64Array, end: number, count: number): void {
    const nyquistBin = this.segment % 2 === 0 ? this.bins - 1 : -1;
    const norm = this.scale / count;
    for (let k = 0; k < end; k++) {
      const doubled = k !== 0 && k !== nyquistBin ? 2 : 1;
      out[k] *= norm * doubled;
    }
  }

  private copySegment(x: ArrayLike<number>, start: number): Float64Array {
    const buf = this.pairSegmentBuffer;
    for (let i = 0; i < this.segment; i++) buf[i] = x[start + i];
    return buf;
  }

  /**
   * The `segment` samples of `x` from `start`: a view into a Float64Array (made once per
   * array and position, then reused, so the streaming path allocates nothing after its
   * first pass over the ring), else a copy into the plan's buffer.
   */
  private segmentAt(x: ArrayLike<number>, start: number): Float64Array {
    if (x instanceof Float64Array) {
      // The streaming path asks about the same ring channel after channel: remember the last.
      let views = x === this.lastArray ? this.lastViews : this.views.get(x);
      if (views === undefined) {
        views = [];
        this.views.set(x, views);
      }
      this.lastArray = x;
      this.lastViews = views;
      let view = views[start];
      if (view === undefined) {
        view = x.subarray(start, start + this.segment);
        views[start] = view;
      }
      return view;
    }
    const buf = this.segmentBuffer;
    for (let i = 0; i < this.segment; i++) buf[i] = x[start + i];
    return buf;
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
