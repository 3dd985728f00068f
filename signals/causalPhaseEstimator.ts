import { butterworthSos } from './butterworth.js';
import { ComplexDft } from './complexDft.js';
import type { SosCoefficients } from './sos.js';
import type { BandEdges } from './zeroPhaseBandPass.js';

/** What the estimator is built from; see CausalPhaseEstimator. */
export interface CausalPhaseEstimatorSpec {
  readonly fs_Hz: number;
  /**
   * Edges (-3 dB) of the causal Butterworth band-pass, in Hz, as echt.m takes them
   * (filt_lf, filt_hf). `centredBand` puts its zero-phase frequency on a chosen frequency.
   */
  readonly filterBand: BandEdges;
  /** Samples in the window the DFT spans (N). */
  readonly window_samples: number;
  /** Make an estimate every this many pushes once the window is full (default 1: every sample). */
  readonly estimateEvery_samples?: number;
  /** Butterworth order N of the causal band-pass (butter's N; 2N poles). Default 2, as echt.m. */
  readonly filterOrder?: number;
  /**
   * Time constant in seconds of the frequency tracking (see the class), or 0 for none:
   * plain ecHT, the phase advanced at the filter's centre between estimates. Default
   * DEFAULT_FREQUENCY_TRACKING_S.
   */
  readonly frequencyTracking_s?: number;
}

/*
 * The defaults, for alpha/mu, and why. Measured on the design seed (PHASE_DESIGN_SEED = 1
 * in bench/phaseEvaluation.ts: 120 s of the simulator's first channel, circular SD of
 * (estimate - ground truth) over the samples in the top half of the band amplitude);
 * the other seeds only test them (bench/phaseEvaluation.ts, test/controller).
 * - Window 500 ms. The band-pass of width B has an impulse response whose envelope decays
 *   by e every sqrt 2 / (pi B), 90 ms at B = 5 Hz, so 500 ms hold 5.5 time constants and
 *   what the DFT wraps from the window's start onto its end is down to 0.4 %. At 250 ms
 *   the wrap shows: a +5 deg bias (with a filter centred on the rhythm, no tracking); at
 *   1000 ms nothing is gained (16.4 deg against 16.3 deg at 1 kHz) for twice the cost.
 * - Band-pass width f_c / 2 (echt.m's note: "a filter bandwidth of up to half the signal's
 *   central frequency works well"). Narrower rejects more background but its phase turns
 *   faster with frequency (about 2 sqrt 2 / B rad per Hz off centre: 32 deg per Hz at
 *   B = 5 Hz), wider lets in more background: with tracking, SD 16.5 / 17.0 / 19.0 deg
 *   at 4 / 5 / 6 Hz on the default patient, 24.4 / 23.0 / 22.7 deg with the variable alpha.
 * - Frequency tracking with a 1 s time constant. Without it, the 8-13 Hz band's centre
 *   (10.2 Hz) against the simulator's 10 Hz alpha is a +6.5 deg bias, and a 9.3 Hz alpha
 *   gives +30 deg; with it +-1.5 deg and 0 deg. Shorter is noisier (0.25 / 0.5 / 1 / 2 s:
 *   SD 18.8 / 17.6 / 17.0 / 16.7 deg on the default patient), longer follows a wandering
 *   alpha less well (bias 0.5 / 1.7 / 2.8 deg at 0.5 / 1 / 2 s with the variable alpha).
 */
export const DEFAULT_ESTIMATOR_WINDOW_MS = 500;
export const DEFAULT_BANDWIDTH_FRACTION = 0.5;
export const ECHT_FILTER_ORDER = 2;
export const DEFAULT_FREQUENCY_TRACKING_S = 1;

/** Tan-warped frequency, the bilinear transform's map from the digital to the analog axis. */
const warp = (f_Hz: number, fs_Hz: number): number => Math.tan((Math.PI * f_Hz) / fs_Hz);

/**
 * The frequency where a digital Butterworth band-pass with these edges has zero phase and
 * unit gain: the geometric mean of the edges on the analog (pre-warped) axis, mapped back.
 */
export function butterworthCentre_Hz(band: BandEdges, fs_Hz: number): number {
  return (fs_Hz / Math.PI) * Math.atan(Math.sqrt(warp(band.lo_Hz, fs_Hz) * warp(band.hi_Hz, fs_Hz)));
}

/**
 * Band-pass edges `width_Hz` apart whose Butterworth centre (zero phase, unit gain) is
 * exactly `centre_Hz`. The arithmetic centre would not do: [7.5, 12.5] Hz has zero phase
 * at 9.68 Hz, and a 10 Hz rhythm would come out about 10 degrees late through it.
 */
export function centredBand(centre_Hz: number, width_Hz: number, fs_Hz: number): BandEdges {
  const nyquist_Hz = fs_Hz / 2;
  if (!(centre_Hz > 0 && centre_Hz < nyquist_Hz)) throw new Error(`centre_Hz must be inside (0, ${nyquist_Hz}) Hz, got ${centre_Hz}`);
  if (!(width_Hz > 0)) throw new Error(`band width must be > 0 Hz, got ${width_Hz}`);
  const target = warp(centre_Hz, fs_Hz) ** 2;
  // tan(lo) tan(lo + width) grows with lo: bisect for the lo that puts the centre on centre_Hz.
  let low = 0;
  let high = Math.min(centre_Hz, nyquist_Hz - width_Hz);
  if (!(high > 0) || warp(high, fs_Hz) * warp(high + width_Hz, fs_Hz) < target) {
    throw new Error(`a band ${width_Hz} Hz wide centred on ${centre_Hz} Hz does not fit inside (0, ${nyquist_Hz}) Hz`);
  }
  for (let i = 0; i < 200 && high - low > 1e-13 * centre_Hz; i++) {
    const mid = 0.5 * (low + high);
    if (warp(mid, fs_Hz) * warp(mid + width_Hz, fs_Hz) < target) low = mid;
    else high = mid;
  }
  const lo_Hz = 0.5 * (low + high);
  return { lo_Hz, hi_Hz: lo_Hz + width_Hz };
}

/** Frequency response of a cascade of sections at normalised angular frequency w (rad/sample), as [re, im]. */
export function sosResponse(coefficients: SosCoefficients, w: number): [number, number] {
  const { sos, sections } = coefficients;
  // z^-1 = e^{-iw}, z^-2 = e^{-2iw}.
  const c1 = Math.cos(w);
  const s1 = -Math.sin(w);
  const c2 = Math.cos(2 * w);
  const s2 = -Math.sin(2 * w);
  let re = 1;
  let im = 0;
  for (let s = 0; s < sections; s++) {
    const k = 6 * s;
    const nr = sos[k] + sos[k + 1] * c1 + sos[k + 2] * c2;
    const ni = sos[k + 1] * s1 + sos[k + 2] * s2;
    const dr = sos[k + 3] + sos[k + 4] * c1 + sos[k + 5] * c2;
    const di = sos[k + 4] * s1 + sos[k + 5] * s2;
    const d2 = dr * dr + di * di;
    const qr = (nr * dr + ni * di) / d2;
    const qi = (ni * dr - nr * di) / d2;
    const r = re * qr - im * qi;
    im = re * qi + im * qr;
    re = r;
  }
  return [re, im];
}

/**
 * The ecHT taps: the analytic signal at the last of N samples x[0..N-1] (oldest first) is
 * sum_n (re[n] + i im[n]) x[n]. CausalPhaseEstimator's comment has the derivation.
 */
export function echtTaps(fs_Hz: number, filterBand: BandEdges, window_samples: number, filterOrder = ECHT_FILTER_ORDER): { re: Float64Array; im: Float64Array } {
  const n = window_samples;
  if (!Number.isSafeInteger(n) || n < 8) throw new Error(`phase estimator window must be a whole number of at least 8 samples, got ${n}`);
  const sos = butterworthSos({ kind: 'bandpass', order: filterOrder, cutoff_Hz: [filterBand.lo_Hz, filterBand.hi_Hz], fs_Hz });
  // conj(w_k), w_k = c_k H(f_k) / N, for the inverse DFT through the forward plan.
  const weights = new Float64Array(2 * n);
  const positiveEnd = n % 2 === 0 ? n / 2 : (n - 1) / 2;
  for (let k = 0; k <= positiveEnd; k++) {
    const c = k === 0 || (n % 2 === 0 && k === n / 2) ? 1 : 2;
    const [hr, hi] = sosResponse(sos, (2 * Math.PI * k) / n);
    weights[2 * k] = (c * hr) / n;
    weights[2 * k + 1] = (-c * hi) / n;
  }
  const spectrum = new Float64Array(2 * n);
  new ComplexDft(n).forward(weights, spectrum, n);
  // h[j] = sum_k w_k e^{2 pi i k j / N} = conj(DFT(conj w))[j]; tap n is h[N - 1 - n].
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const j = n - 1 - i;
    re[i] = spectrum[2 * j];
    im[i] = -spectrum[2 * j + 1];
  }
  return { re, im };
}

/** Points of the response table over the filter band used by the frequency tracking. */
const RESPONSE_TABLE_POINTS = 257;

/**
 * Causal instantaneous phase and amplitude of a band, from the past only: the
 * endpoint-corrected Hilbert transform (ecHT) of Schreglmann et al. 2021 ("Non-invasive
 * suppression of essential tremor via phase-locked disruption of its temporal coherence",
 * Nature Communications 12:363; the authors' echt.m). On the last N samples: the DFT, the
 * negative frequencies zeroed and the positive ones doubled (DC and Nyquist kept once, as
 * in scipy.signal.hilbert), the spectrum multiplied by the frequency response of a causal
 * 2nd-order Butterworth band-pass at each bin's frequency, the inverse DFT; the phase and
 * modulus of its LAST sample are the estimate. The causal filter is what corrects the
 * endpoint: its impulse response decays into the past, so the discontinuity where the
 * DFT wraps the window's end onto its start is weighted down at the last sample, where the
 * plain Hilbert transform's Gibbs error is largest. (Zrenner et al. 2018, Brain Stimulation
 * 11(2), get past the same end effect the other way: an autoregressive forward prediction
 * of the band-passed window, then the Hilbert transform; not implemented here, as ecHT
 * met the target.)
 *
 * Phase convention: that of angle(hilbert(x)), 0 at a cosine's peak, pi at its trough,
 * rising with time; in (-pi, pi].
 *
 * Computed as one complex FIR filter. Every step above is linear and only the last sample
 * is kept, so the ecHT at the window's end is sum_n g[n] x[n] with fixed taps
 * g[n] = (1/N) sum_k c_k H(f_k) e^{2 pi i k (N - 1 - n) / N} (c_k the 1/2/0 weights, H the
 * band-pass's response at f_k = k fs / N): the band-pass's analytic impulse response,
 * wrapped into the window. The taps are made once with one DFT (ComplexDft: fft.js for
 * powers of two, mixed radix or Bluestein otherwise); an estimate is then N complex
 * multiply-adds over the ring, cheaper than the FFT and inverse FFT it replaces, and equal
 * to them to about 1e-13 (test/golden/phase.json, computed step by step as echt.m does).
 *
 * Frequency tracking (ours, on top of ecHT): the causal band-pass turns the phase of a
 * rhythm off its centre (32 deg per Hz at 5 Hz width), so the estimator tracks the
 * rhythm's frequency f from the phase steps of its own estimates (see track()) and takes
 * off the phase, and divides out the gain, that its taps give a rhythm at f (a table of
 * the taps' response over the band, made once). For a pure tone anywhere in the band the
 * estimate is then right to about 1 deg (the rest is the negative frequencies' leakage).
 *
 * Cost control: an estimate is made every `estimateEvery_samples` pushes (counted from the
 * first full window, so the same samples give the same estimates however they are cut into
 * blocks) or on demand (`estimate()`). Between estimates the phase is advanced by
 * 2 pi f / fs per sample (f the tracked frequency, or the filter's centre without
 * tracking) and the amplitude is held: the prediction of a rhythm at f. At 64 channels
 * and 1 kHz an estimate every 4 samples costs a quarter of one per sample, and the
 * advance is off by 2 pi x 0.5 Hz x 3 ms = 0.5 deg at most for a rhythm 0.5 Hz away from f.
 *
 * push() allocates nothing; every buffer is made in the constructor.
 */
export class CausalPhaseEstimator {
  readonly fs_Hz: number;
  readonly window_samples: number;
  readonly estimateEvery_samples: number;
  readonly filterBand: BandEdges;
  /** Where the causal band-pass has zero phase and unit gain; without tracking the phase advances at this rate between estimates. */
  readonly centre_Hz: number;
  private readonly tapsRe: Float64Array;
  private readonly tapsIm: Float64Array;
  /** The last N samples twice over (ring[i] = ring[i + N]), so the window is always contiguous. */
  private readonly ring: Float64Array;
  private head = 0;
  private pushed = 0;
  /** Phase advance per sample at the filter's centre. */
  private readonly centreAdvance_rad: number;
  private phase = Number.NaN;
  private amplitude = Number.NaN;
  private sinceEstimate = 0;
  private lastRe = Number.NaN;
  private lastIm = Number.NaN;
  // Frequency tracking: the smoothed unit phasor of the phase step between successive cadence estimates.
  private readonly trackingWeight: number;
  private lagRe = 0;
  private lagIm = 0;
  private previousRe = Number.NaN;
  private previousIm = Number.NaN;
  private frequency_Hz: number;
  /** Phase advance per sample at the tracked frequency. */
  private advance_rad = 0;
  /** arg and modulus of G(f) / 2 over the filter band (G the taps' response to e^{2 pi i f t}). */
  private readonly tablePhase: Float64Array;
  private readonly tableGain: Float64Array;
  private readonly tableStep_Hz: number;

  constructor(spec: CausalPhaseEstimatorSpec) {
    const every = spec.estimateEvery_samples ?? 1;
    if (!Number.isSafeInteger(every) || every < 1) throw new Error(`estimateEvery_samples must be a whole number >= 1, got ${every}`);
    this.fs_Hz = spec.fs_Hz;
    this.window_samples = spec.window_samples;
    this.estimateEvery_samples = every;
    this.filterBand = { lo_Hz: spec.filterBand.lo_Hz, hi_Hz: spec.filterBand.hi_Hz };
    const taps = echtTaps(spec.fs_Hz, spec.filterBand, spec.window_samples, spec.filterOrder ?? ECHT_FILTER_ORDER);
    this.tapsRe = taps.re;
    this.tapsIm = taps.im;
    this.ring = new Float64Array(2 * spec.window_samples);
    this.centre_Hz = butterworthCentre_Hz(spec.filterBand, spec.fs_Hz);
    this.centreAdvance_rad = (2 * Math.PI * this.centre_Hz) / spec.fs_Hz;
    this.frequency_Hz = this.centre_Hz;
    this.advance_rad = this.centreAdvance_rad;
    const tracking_s = spec.frequencyTracking_s ?? DEFAULT_FREQUENCY_TRACKING_S;
    if (!(tracking_s >= 0) || !Number.isFinite(tracking_s)) throw new Error(`frequencyTracking_s must be a finite number >= 0, got ${tracking_s}`);
    if (tracking_s > 0 && 2 * every * spec.filterBand.hi_Hz >= spec.fs_Hz) {
      throw new Error(`frequency tracking needs estimates at least twice per cycle of the band's top (${spec.filterBand.hi_Hz} Hz): estimateEvery_samples ${every} is too many at ${spec.fs_Hz} Hz`);
    }
    this.trackingWeight = tracking_s > 0 ? 1 - Math.exp(-every / (tracking_s * spec.fs_Hz)) : 0;
    // The taps' response over the band: what a rhythm at f comes out as (phase turned by arg G(f) / 2, scaled by |G(f)| / 2).
    this.tablePhase = new Float64Array(RESPONSE_TABLE_POINTS);
    this.tableGain = new Float64Array(RESPONSE_TABLE_POINTS);
    this.tableStep_Hz = (spec.filterBand.hi_Hz - spec.filterBand.lo_Hz) / (RESPONSE_TABLE_POINTS - 1);
    const n = spec.window_samples;
    for (let p = 0; p < RESPONSE_TABLE_POINTS; p++) {
      const w = (2 * Math.PI * (spec.filterBand.lo_Hz + p * this.tableStep_Hz)) / spec.fs_Hz;
      let re = 0;
      let im = 0;
      for (let i = 0; i < n; i++) {
        // Input e^{i w (i - (N - 1))}: phase 0 at the newest sample.
        const angle = w * (i - (n - 1));
        const c = Math.cos(angle);
        const s = Math.sin(angle);
        re += this.tapsRe[i] * c - this.tapsIm[i] * s;
        im += this.tapsRe[i] * s + this.tapsIm[i] * c;
      }
      this.tablePhase[p] = Math.atan2(im, re);
      this.tableGain[p] = Math.hypot(re, im) / 2;
    }
  }

  /** The tracked frequency of the rhythm (the filter's centre until tracking has something, or without tracking). */
  get trackedFrequency_Hz(): number {
    return this.frequency_Hz;
  }

  /** True once N samples have been pushed since the start or the last reset. */
  get ready(): boolean {
    return this.pushed >= this.window_samples;
  }

  /** Samples pushed since the start or the last reset. */
  get samplesPushed(): number {
    return this.pushed;
  }

  /** Samples pushed since the last estimate (0 right after one). */
  get samplesSinceEstimate(): number {
    return this.sinceEstimate;
  }

  /** Phase at the newest sample in (-pi, pi]: the last estimate, advanced since at the tracked frequency. NaN before the first estimate. */
  get phase_rad(): number {
    return this.phase;
  }

  /** Band amplitude at the newest sample (the last estimate's, held), in the input's units. NaN before the first estimate. */
  get amplitude_uV(): number {
    return this.amplitude;
  }

  /** Forgets every sample (after a gap in the data): no estimate until the window is full again. */
  reset(): void {
    this.ring.fill(0);
    this.head = 0;
    this.pushed = 0;
    this.phase = Number.NaN;
    this.amplitude = Number.NaN;
    this.sinceEstimate = 0;
    this.lastRe = Number.NaN;
    this.lastIm = Number.NaN;
    this.lagRe = 0;
    this.lagIm = 0;
    this.previousRe = Number.NaN;
    this.previousIm = Number.NaN;
    this.frequency_Hz = this.centre_Hz;
    this.advance_rad = this.centreAdvance_rad;
  }

  /** Takes the next sample; estimates when the cadence says so, else advances the phase. */
  push(x_uV: number): void {
    const n = this.window_samples;
    this.ring[this.head] = x_uV;
    this.ring[this.head + n] = x_uV;
    this.head = this.head + 1 === n ? 0 : this.head + 1;
    this.pushed++;
    if (this.pushed < n) return;
    // Counted from the first full window, so the cadence is a function of the sample count only.
    if ((this.pushed - n) % this.estimateEvery_samples === 0) {
      this.estimate();
      if (this.trackingWeight > 0) this.track();
      return;
    }
    this.sinceEstimate++;
    let phase = this.phase + this.advance_rad;
    if (phase > Math.PI) phase -= 2 * Math.PI;
    this.phase = phase;
  }

  /** The ecHT at the newest sample now, whatever the cadence. Does nothing before the window is full. */
  estimate(): void {
    if (this.pushed < this.window_samples) return;
    const n = this.window_samples;
    const ring = this.ring;
    const tr = this.tapsRe;
    const ti = this.tapsIm;
    // The oldest sample is at head (the next to be overwritten).
    const start = this.head;
    let re = 0;
    let im = 0;
    for (let i = 0; i < n; i++) {
      const x = ring[start + i];
      re += tr[i] * x;
      im += ti[i] * x;
    }
    this.lastRe = re;
    this.lastIm = im;
    let phase = Math.atan2(im, re);
    let amplitude = Math.hypot(re, im);
    if (this.trackingWeight > 0) {
      // Undo what the taps do to a rhythm at the tracked frequency (linear interpolation in the table).
      const at = Math.min(RESPONSE_TABLE_POINTS - 1, Math.max(0, (this.frequency_Hz - this.filterBand.lo_Hz) / this.tableStep_Hz));
      const p = Math.min(RESPONSE_TABLE_POINTS - 2, Math.floor(at));
      const f = at - p;
      phase -= this.tablePhase[p] + f * (this.tablePhase[p + 1] - this.tablePhase[p]);
      amplitude /= this.tableGain[p] + f * (this.tableGain[p + 1] - this.tableGain[p]);
      if (phase > Math.PI) phase -= 2 * Math.PI;
      else if (phase <= -Math.PI) phase += 2 * Math.PI;
    }
    this.phase = phase === -Math.PI ? Math.PI : phase;
    this.amplitude = amplitude;
    this.sinceEstimate = 0;
  }

  /**
   * One step of the frequency tracking, after a cadence estimate: the unit phasor of the
   * phase step z_t conj(z_{t-k}) / |z_t z_{t-k}| between successive raw ecHT values,
   * smoothed exponentially, has the angle 2 pi f k / fs of the rhythm's mean instantaneous
   * frequency f. Unweighted on purpose: weighting by amplitude squared (the pulse-pair
   * estimator) let the simulator's artefacts and beta bursts, large and broadband, pull f
   * towards the filter's centre (10.19 Hz for a 10 Hz alpha on the design seed at 250 Hz;
   * 10.01 Hz unweighted). f is kept inside the filter band.
   */
  private track(): void {
    if (!Number.isNaN(this.previousRe)) {
      const norm = Math.hypot(this.lastRe, this.lastIm) * Math.hypot(this.previousRe, this.previousIm);
      if (norm > 0) {
        // Unit phasor of the phase step: every step counts alike, whatever the amplitude.
        const w = this.trackingWeight;
        this.lagRe += w * ((this.lastRe * this.previousRe + this.lastIm * this.previousIm) / norm - this.lagRe);
        this.lagIm += w * ((this.lastIm * this.previousRe - this.lastRe * this.previousIm) / norm - this.lagIm);
      }
      if (this.lagRe !== 0 || this.lagIm !== 0) {
        const f = (Math.atan2(this.lagIm, this.lagRe) * this.fs_Hz) / (2 * Math.PI * this.estimateEvery_samples);
        this.frequency_Hz = Math.min(this.filterBand.hi_Hz, Math.max(this.filterBand.lo_Hz, f));
        this.advance_rad = (2 * Math.PI * this.frequency_Hz) / this.fs_Hz;
      }
    }
    this.previousRe = this.lastRe;
    this.previousIm = this.lastIm;
  }

  /** The raw ecHT value (before any frequency correction) at the newest sample, as a fresh estimate: for tests and tools. */
  analyticNow(): [number, number] {
    this.estimate();
    return [this.lastRe, this.lastIm];
  }
}
