import { circularSummary, degreesToRadians, radiansToDegrees, wrapToPi } from './circularStats.js';
import { type BandGroundTruth, groundTruthPhase } from './groundTruthPhase.js';
import type { BandEdges } from './zeroPhaseBandPass.js';

/** How phase-locked triggers are judged against a recording. */
export interface PhaseAccuracySpec {
  readonly fs_Hz: number;
  /** The band of the ground truth, e.g. [8, 13] Hz. */
  readonly band: BandEdges;
  /** Butterworth order of the zero-phase ground-truth band-pass (butter's N). Default 2. */
  readonly order?: number;
  /** The phase the triggers aimed at, degrees (0 = peak, 180 = trough). */
  readonly targetPhase_deg: number;
  /**
   * Triggers closer than this to either end of the recording are left out (counted in
   * excludedAtEdges): there the forward-backward filter runs on its padding and the
   * Hilbert transform on the DFT's wrap-around, and the "truth" is not one. Default 1 s.
   */
  readonly edgeExclusion_s?: number;
}

/** Circular figures of the phase error of one set of triggers. */
export interface PhaseErrorFigures {
  readonly triggers: number;
  /** Circular mean of (true phase - target), degrees in (-180, 180]; NaN for no triggers. */
  readonly circMean_deg: number;
  /** Circular standard deviation sqrt(-2 ln R), degrees. */
  readonly circSd_deg: number;
  readonly resultantLength: number;
}

export interface PhaseAccuracy {
  /** All triggers inside the edges. */
  readonly all: PhaseErrorFigures;
  /** Those whose ground-truth amplitude is at least the recording's median (the top half). */
  readonly topHalf: PhaseErrorFigures;
  readonly excludedAtEdges: number;
  /** Triggers inside the edges per second of the whole recording. */
  readonly rate_per_s: number;
  /** Median ground-truth amplitude over the whole recording: the top-half line. */
  readonly medianAmplitude: number;
  readonly duration_s: number;
}

const DEFAULT_GROUND_TRUTH_ORDER = 2;
const DEFAULT_EDGE_EXCLUSION_S = 1;

/**
 * The figures of Zrenner et al. 2020 ("The shaky ground truth of real-time phase
 * estimation", NeuroImage 214): the true phase at each trigger from a non-causal
 * zero-phase band-pass and Hilbert transform of the whole recording
 * (signals/groundTruthPhase.ts), its error against the target, and the circular mean and
 * circular standard deviation of the errors, on all triggers and on those where the band's
 * ground-truth amplitude is in the top half (median split over the whole recording).
 * Pure; offline.
 */
export function phaseAccuracy(x: ArrayLike<number>, fired: readonly number[], spec: PhaseAccuracySpec): PhaseAccuracy {
  return phaseAccuracyAgainst(groundTruthPhase(x, spec.fs_Hz, spec.band, spec.order ?? DEFAULT_GROUND_TRUTH_ORDER), fired, spec);
}

/** The same against a ground truth computed once (several trigger sets on one recording). */
export function phaseAccuracyAgainst(truth: BandGroundTruth, fired: readonly number[], spec: PhaseAccuracySpec): PhaseAccuracy {
  const n = truth.phase_rad.length;
  const edge = Math.round((spec.edgeExclusion_s ?? DEFAULT_EDGE_EXCLUSION_S) * spec.fs_Hz);
  const medianAmplitude = median(truth.amplitude);
  const target_rad = degreesToRadians(spec.targetPhase_deg);
  const errors: number[] = [];
  const strong: number[] = [];
  let excluded = 0;
  for (const index of fired) {
    if (!Number.isInteger(index) || index < 0 || index >= n) throw new Error(`trigger index ${index} is outside the recording (0 to ${n - 1})`);
    if (index < edge || index >= n - edge) {
      excluded++;
      continue;
    }
    const error = wrapToPi(truth.phase_rad[index] - target_rad);
    errors.push(error);
    if (truth.amplitude[index] >= medianAmplitude) strong.push(error);
  }
  const duration_s = n / spec.fs_Hz;
  return { all: figures(errors), topHalf: figures(strong), excludedAtEdges: excluded, rate_per_s: errors.length / duration_s, medianAmplitude, duration_s };
}

function figures(errors_rad: readonly number[]): PhaseErrorFigures {
  const s = circularSummary(errors_rad);
  return { triggers: s.count, circMean_deg: radiansToDegrees(s.mean_rad), circSd_deg: radiansToDegrees(s.sd_rad), resultantLength: s.resultantLength };
}

/** numpy.median: the middle value, or the mean of the two middle values. */
function median(values: Float64Array): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : 0.5 * (sorted[mid - 1] + sorted[mid]);
}
