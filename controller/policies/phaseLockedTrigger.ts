import {
  CausalPhaseEstimator,
  DEFAULT_BANDWIDTH_FRACTION,
  DEFAULT_ESTIMATOR_WINDOW_MS,
  DEFAULT_FREQUENCY_TRACKING_S,
  butterworthCentre_Hz,
  centredBand,
} from '../../signals/causalPhaseEstimator.js';
import { degreesToRadians, wrapToPi } from '../../signals/circularStats.js';
import type { SampleBlock } from '../../signals/sampleBlock.js';
import type { BandEdges } from '../../signals/zeroPhaseBandPass.js';
import type { PulseSchedule } from './pulseSchedule.js';

/**
 * When the band is strong enough to trigger on. Phase is only meaningful where the
 * rhythm stands out of the background (Zrenner et al. 2018, Brain Stimulation 11(2):
 * triggers on the mu-alpha rhythm only above an amplitude threshold; Zrenner et al. 2020
 * judge accuracy on the epochs whose band amplitude is in the top half).
 */
export type AmplitudeGate =
  /** The estimated band amplitude at least this many microvolts. */
  | { readonly kind: 'absolute'; readonly min_uV: number }
  /**
   * The estimated band amplitude at least this percentile (0..100, linear interpolation
   * as numpy.percentile) of the estimated amplitude over the last `over_s` seconds, sampled
   * every AMPLITUDE_HISTORY_STEP_MS. 50 is "the top half". No trigger until `over_s`
   * seconds of estimates are there.
   */
  | { readonly kind: 'percentile'; readonly percentile: number; readonly over_s: number };

/** How the causal estimate is made (signals/causalPhaseEstimator.ts); every field has a default. */
export interface PhaseEstimatorOptions {
  /** Zero-phase frequency of the causal band-pass; default the Butterworth centre of `band` (10.2 Hz for 8-13 Hz). */
  readonly centre_Hz?: number;
  /** Width of the causal band-pass; default centre_Hz x DEFAULT_BANDWIDTH_FRACTION (echt.m's "up to half the central frequency"). */
  readonly bandwidth_Hz?: number;
  /** Window of the ecHT; default DEFAULT_ESTIMATOR_WINDOW_MS. */
  readonly window_ms?: number;
  /** A fresh ecHT every this many samples, the phase advanced in between; default 1. */
  readonly estimateEvery_samples?: number;
  /** Time constant of the frequency tracking, 0 for none; default DEFAULT_FREQUENCY_TRACKING_S. */
  readonly frequencyTracking_s?: number;
}

export interface PhaseLockedTriggerSpec {
  /** Index of the watched channel in each block's data. */
  readonly channel: number;
  /** Phase to fire at, degrees: 0 the band's peak, 180 its trough, 90 the falling zero crossing (the convention of angle(hilbert(x))). */
  readonly targetPhase_deg: number;
  /** The band whose phase is tracked, e.g. alpha/mu [8, 13] Hz. */
  readonly band: BandEdges;
  readonly amplitudeGate: AmplitudeGate;
  /** No pulse is asked for within this long after the last one asked for. */
  readonly refractory_ms: number;
  /**
   * Latency compensation: fire when the phase predicted this far ahead (at the tracked
   * frequency) reaches the target, so that a stimulator that acts lead_ms after the
   * sample hits the target. Default 0.
   */
  readonly lead_ms?: number;
  /**
   * Blanking of the stimulation artefact: for this long after each pulse asked for (from
   * the sample after its index), the estimator is fed a forward prediction instead of the
   * samples. Default 0 (none). See `observe`.
   */
  readonly blank_ms?: number;
  readonly estimator?: PhaseEstimatorOptions;
}

/** The percentile gate samples the estimated amplitude this often (100 values per second). */
export const AMPLITUDE_HISTORY_STEP_MS = 10;

/** Why crossings did not become pulses, and how many did: for the summary and the tests. */
export interface PhaseTriggerCounts {
  /** Upward crossings of the target phase seen once the estimator was ready. */
  readonly crossings: number;
  readonly fired: number;
  /** Crossings before the percentile gate had its `over_s` of history. */
  readonly warmingUp: number;
  readonly belowAmplitude: number;
  readonly inRefractory: number;
  /** Gaps in the sample indices, each of which restarted the estimator. */
  readonly gaps: number;
}

/**
 * True when the phase's difference to the target (wrapped to (-pi, pi]) went from
 * negative to non-negative through 0, i.e. by a step shorter than pi: forwards through
 * the target. A step from near -pi to near +pi is the phase going backwards through the
 * opposite phase, not a crossing. NaN (no estimate before) is no crossing.
 */
export function isForwardCrossing(previousDifference_rad: number, difference_rad: number): boolean {
  return previousDifference_rad < 0 && difference_rad >= 0 && difference_rad - previousDifference_rad < Math.PI;
}

/** Returned by dueBefore when nothing is due, so that a quiet block allocates nothing. */
const NOTHING_DUE: readonly number[] = Object.freeze([]);

/**
 * Phase-locked triggering (issue 12): asks for a pulse at the sample where the estimated
 * phase of a band on one channel crosses a target phase, when the band is strong enough
 * and the last pulse asked for is at least `refractory_ms` back. As in Zrenner et al.
 * 2018 (alpha/mu-phase-triggered TMS, Brain Stimulation 11(2)) the phase is estimated
 * causally, from the past only; here by the endpoint-corrected Hilbert transform with
 * frequency tracking (signals/causalPhaseEstimator.ts; Schreglmann et al. 2021, Nature
 * Communications 12:363).
 *
 * The session calls `observe(block)` with every block, then `dueBefore(end)`. Every
 * decision is a function of the samples and their indices only, so the same blocks give
 * the same pulses however the signal is cut (property-tested), live or in a replay.
 *
 * The crossing: at sample i the phase half a sample (plus lead_ms) ahead is predicted,
 * phi_i + w (1/2 + lead), w the tracked frequency per sample; a pulse is due at i when
 * its difference to the target, wrapped to (-pi, pi], goes from negative at i - 1 to
 * non-negative at i by a step shorter than pi (forwards through the target, not round
 * the back through the opposite phase). With a linear phase this picks the sample
 * nearest the crossing instead of the first after it, which would be late by half a
 * sample on average (7 degrees at 10 Hz and 250 Hz). Deciding at i for a crossing between
 * i - 1/2 and i + 1/2 needs nothing later than sample i.
 *
 * A gap in the indices (lost samples) restarts the estimator: no pulse until its window
 * is full again. The percentile gate's history is kept (it is about the band's level,
 * which a gap does not change).
 *
 * Blanking (blank_ms > 0): a TMS pulse leaves an artefact of millivolts in the EEG for
 * milliseconds (Ilmoniemi & Kicic 2010), which would sit in the estimator's window for
 * window_ms after every pulse and skew the phase of the next decisions. So for
 * blank_samples after a pulse asked for at sample p (samples p+1 .. p+blank_samples, which
 * must cover the latency from decision to the pulse on the wire plus the artefact), the
 * estimator is fed not the samples but the band's oscillation predicted from p (amplitude
 * A_p, phase phi_p, tracked frequency w): base + A_p cos(phi_p + w k), base = x_p - A_p
 * cos(phi_p) holding the rest of the signal at its level at p. A plain sample-and-hold (as
 * an amplifier's blanking switch does) would also do, but a quarter of an alpha cycle held
 * flat shifts the estimated phase for a whole window; the prediction carries the rhythm
 * through, in the spirit of the forward prediction of Zrenner et al. 2018. It is done here,
 * per sample, and not by the session on whole blocks, so that the pulses stay a function
 * of the samples and their indices, however the signal is cut into blocks.
 */
export class PhaseLockedTrigger implements PulseSchedule {
  readonly spec: PhaseLockedTriggerSpec;
  readonly describe: string;
  readonly fs_Hz: number;
  private readonly estimator: CausalPhaseEstimator;
  private readonly target_rad: number;
  private readonly lead_samples: number;
  private readonly refractory_ms: number;
  private readonly history: AmplitudeHistory | null;
  private readonly minAmplitude_uV: number;
  private expectedIndex: number | null = null;
  private previousDifference = Number.NaN;
  private lastAsked: number | null = null;
  private readonly pending: number[] = [];
  private readonly blank_samples: number;
  /** Samples below this index are replaced by the prediction made at blankFrom (see the class comment). */
  private blankUntil = 0;
  private blankFrom = 0;
  private blankBase = 0;
  private blankAmplitude = 0;
  private blankPhase = 0;
  private blankStep = 0;
  private readonly tally = { crossings: 0, fired: 0, warmingUp: 0, belowAmplitude: 0, inRefractory: 0, gaps: 0 };

  constructor(spec: PhaseLockedTriggerSpec, fs_Hz: number) {
    if (!Number.isInteger(spec.channel) || spec.channel < 0) throw new Error(`phase trigger channel: expected a whole number >= 0, got ${spec.channel}`);
    if (!Number.isFinite(spec.targetPhase_deg)) throw new Error(`phase trigger targetPhase_deg: expected a finite number, got ${spec.targetPhase_deg}`);
    if (!(spec.refractory_ms >= 0) || !Number.isFinite(spec.refractory_ms)) throw new Error(`phase trigger refractory_ms: expected a finite number >= 0, got ${spec.refractory_ms}`);
    const lead_ms = spec.lead_ms ?? 0;
    if (!(lead_ms >= 0) || !Number.isFinite(lead_ms)) throw new Error(`phase trigger lead_ms: expected a finite number >= 0, got ${lead_ms}`);
    const blank_ms = spec.blank_ms ?? 0;
    if (!(blank_ms >= 0) || !Number.isFinite(blank_ms)) throw new Error(`phase trigger blank_ms: expected a finite number >= 0, got ${blank_ms}`);
    this.blank_samples = Math.round((blank_ms * fs_Hz) / 1000);
    const gate = spec.amplitudeGate;
    if (gate.kind === 'absolute' && !(gate.min_uV >= 0)) throw new Error(`phase trigger amplitudeGate.min_uV: expected a number >= 0, got ${gate.min_uV}`);
    if (gate.kind === 'percentile') {
      if (!(gate.percentile >= 0 && gate.percentile <= 100)) throw new Error(`phase trigger amplitudeGate.percentile: expected 0 to 100, got ${gate.percentile}`);
      if (!(gate.over_s > 0) || !Number.isFinite(gate.over_s)) throw new Error(`phase trigger amplitudeGate.over_s: expected a positive number of seconds, got ${gate.over_s}`);
    }
    this.spec = Object.freeze({ ...spec });
    this.fs_Hz = fs_Hz;
    const options = spec.estimator ?? {};
    const centre_Hz = options.centre_Hz ?? butterworthCentre_Hz(spec.band, fs_Hz);
    const bandwidth_Hz = options.bandwidth_Hz ?? centre_Hz * DEFAULT_BANDWIDTH_FRACTION;
    const window_ms = options.window_ms ?? DEFAULT_ESTIMATOR_WINDOW_MS;
    this.estimator = new CausalPhaseEstimator({
      fs_Hz,
      filterBand: centredBand(centre_Hz, bandwidth_Hz, fs_Hz),
      window_samples: Math.max(8, Math.round((window_ms * fs_Hz) / 1000)),
      estimateEvery_samples: options.estimateEvery_samples ?? 1,
      frequencyTracking_s: options.frequencyTracking_s ?? DEFAULT_FREQUENCY_TRACKING_S,
    });
    this.target_rad = wrapToPi(degreesToRadians(spec.targetPhase_deg));
    this.lead_samples = (lead_ms * fs_Hz) / 1000;
    this.refractory_ms = spec.refractory_ms;
    if (gate.kind === 'percentile') {
      const step = Math.max(1, Math.round((AMPLITUDE_HISTORY_STEP_MS * fs_Hz) / 1000));
      this.history = new AmplitudeHistory(Math.max(1, Math.round((gate.over_s * fs_Hz) / step)), step, gate.percentile);
      this.minAmplitude_uV = Number.NaN;
    } else {
      this.history = null;
      this.minAmplitude_uV = gate.min_uV;
    }
    const gateText = gate.kind === 'absolute' ? `amplitude >= ${gate.min_uV} uV` : `amplitude >= percentile ${gate.percentile} of ${gate.over_s} s`;
    this.describe =
      `phase-locked: channel ${spec.channel} at ${spec.targetPhase_deg} deg of ${spec.band.lo_Hz}-${spec.band.hi_Hz} Hz ` +
      `(ecHT ${window_ms} ms, ${centre_Hz.toFixed(2)} Hz +/- ${(bandwidth_Hz / 2).toFixed(2)} Hz), ${gateText}, refractory ${spec.refractory_ms} ms` +
      (lead_ms > 0 ? `, lead ${lead_ms} ms` : '') +
      (this.blank_samples > 0 ? `, artefact blanked ${blank_ms} ms after each pulse` : '');
  }

  /** Counts of crossings and of what became of them, so far. */
  get counts(): PhaseTriggerCounts {
    return { ...this.tally };
  }

  /** The estimator's latest phase (rad) and amplitude (uV) at the newest sample observed; NaN while it warms up. */
  get latest(): { phase_rad: number; amplitude_uV: number; frequency_Hz: number } {
    return { phase_rad: this.estimator.phase_rad, amplitude_uV: this.estimator.amplitude_uV, frequency_Hz: this.estimator.trackedFrequency_Hz };
  }

  /** Feeds a block; the pulses it asks for wait for dueBefore. Allocates nothing per sample. */
  observe(block: SampleBlock): void {
    if (block.fs_Hz !== this.fs_Hz) throw new Error(`phase trigger: block at index ${block.firstIndex} has fs_Hz ${block.fs_Hz}, expected ${this.fs_Hz}`);
    if (this.spec.channel >= block.data.length) throw new Error(`phase trigger: channel ${this.spec.channel} is not in a block of ${block.data.length} channels`);
    if (this.expectedIndex !== null && block.firstIndex !== this.expectedIndex) {
      if (block.firstIndex < this.expectedIndex) throw new Error(`phase trigger: block at index ${block.firstIndex} goes back (expected ${this.expectedIndex})`);
      this.estimator.reset();
      this.previousDifference = Number.NaN;
      // A prediction across a gap would be a guess about samples that never came: the restart is clean.
      this.blankUntil = 0;
      this.tally.gaps++;
    }
    const x = block.data[this.spec.channel];
    const estimator = this.estimator;
    const history = this.history;
    for (let i = 0; i < x.length; i++) {
      const index = block.firstIndex + i;
      const sample = index < this.blankUntil ? this.blankBase + this.blankAmplitude * Math.cos(this.blankPhase + this.blankStep * (index - this.blankFrom)) : x[i];
      estimator.push(sample);
      if (!estimator.ready) continue;
      const amplitude_uV = estimator.amplitude_uV;
      if (history !== null && index % history.step === 0) history.add(amplitude_uV);
      const advance_rad = (2 * Math.PI * estimator.trackedFrequency_Hz) / this.fs_Hz;
      const difference = wrapToPi(estimator.phase_rad + advance_rad * (0.5 + this.lead_samples) - this.target_rad);
      const previous = this.previousDifference;
      this.previousDifference = difference;
      if (!isForwardCrossing(previous, difference)) continue;
      this.tally.crossings++;
      if (history !== null) {
        if (!history.full) {
          this.tally.warmingUp++;
          continue;
        }
        if (!(amplitude_uV >= history.percentile())) {
          this.tally.belowAmplitude++;
          continue;
        }
      } else if (!(amplitude_uV >= this.minAmplitude_uV)) {
        this.tally.belowAmplitude++;
        continue;
      }
      // Milliseconds as samples x 1000 / fs with a 1e-9 relative slack (docs/design.md, Modalities).
      if (this.lastAsked !== null && ((index - this.lastAsked) * 1000) / this.fs_Hz < this.refractory_ms * (1 - 1e-9)) {
        this.tally.inRefractory++;
        continue;
      }
      this.lastAsked = index;
      this.tally.fired++;
      this.pending.push(index);
      if (this.blank_samples > 0) {
        this.blankFrom = index;
        this.blankUntil = index + 1 + this.blank_samples;
        this.blankAmplitude = amplitude_uV;
        this.blankPhase = estimator.phase_rad;
        this.blankStep = advance_rad;
        this.blankBase = sample - amplitude_uV * Math.cos(estimator.phase_rad);
      }
    }
    this.expectedIndex = block.firstIndex + x.length;
  }

  /** Pulses asked for at indices below `end` not handed out before, in order. */
  dueBefore(end: number): readonly number[] {
    if (this.pending.length === 0 || this.pending[0] >= end) return NOTHING_DUE;
    let count = 0;
    while (count < this.pending.length && this.pending[count] < end) count++;
    return this.pending.splice(0, count);
  }
}

/**
 * The last `capacity` amplitude values (one every `step` samples), kept sorted beside the
 * ring that remembers their order, so a percentile is a lookup: each new value is one
 * binary search and one copyWithin to insert it and one to drop the oldest. No allocation.
 */
class AmplitudeHistory {
  private readonly ring: Float64Array;
  private readonly sorted: Float64Array;
  private size = 0;
  private next = 0;

  constructor(
    readonly capacity: number,
    readonly step: number,
    private readonly percentileRank: number,
  ) {
    this.ring = new Float64Array(capacity);
    this.sorted = new Float64Array(capacity);
  }

  get full(): boolean {
    return this.size === this.capacity;
  }

  add(value: number): void {
    // NaN would poison the order; the estimator gives none once ready, but be safe.
    const v = Number.isNaN(value) ? 0 : value;
    if (this.size === this.capacity) {
      const old = this.ring[this.next];
      const at = this.lowerBound(old);
      this.sorted.copyWithin(at, at + 1, this.size);
      this.size--;
    }
    const at = this.lowerBound(v);
    this.sorted.copyWithin(at + 1, at, this.size);
    this.sorted[at] = v;
    this.size++;
    this.ring[this.next] = v;
    this.next = this.next + 1 === this.capacity ? 0 : this.next + 1;
  }

  /** numpy.percentile's default (linear) of the values held. */
  percentile(): number {
    const position = (this.percentileRank / 100) * (this.size - 1);
    const below = Math.floor(position);
    const above = Math.min(this.size - 1, below + 1);
    return this.sorted[below] + (position - below) * (this.sorted[above] - this.sorted[below]);
  }

  /** First position whose value is >= v. */
  private lowerBound(v: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
