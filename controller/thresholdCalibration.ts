import { type PolicyConfig, policySchema } from '../config/policySchema.js';
import { formatIssues } from '../config/problems.js';

/** What the calibration sees of a feature frame. */
export interface CalibrationFrame {
  readonly t_s: number;
  readonly biomarker: number;
  readonly reasons: readonly string[];
}

/**
 * One threshold to place: the policy parameter, at P(at_pct) + k * (P(at_pct) -
 * P(spread_pct)) of the baseline (k 0: at the percentile itself).
 */
export interface ThresholdPlacement {
  readonly parameter: string;
  readonly at_pct: number;
  readonly spread_pct: number;
  readonly k: number;
}

/**
 * The calibration's outcome, once: the thresholds it placed (ok), or why it placed none
 * (the policy keeps the thresholds of its config). Values in the policy's units (z when
 * the biomarker is z-scored against the baseline).
 */
export interface CalibrationResult {
  readonly ok: boolean;
  /** Baseline frames the percentiles were taken over, and their mean and SD (biomarker before z-scoring). */
  readonly frames: number;
  readonly mean: number;
  readonly sd: number;
  /** Parameter -> value placed (after clamping into the range). */
  readonly placed: Readonly<Record<string, number>>;
  /** Parameter -> value before (the config's). */
  readonly previous: Readonly<Record<string, number>>;
  /** Parameters whose percentile fell outside the range and were clamped into it. */
  readonly clamped: readonly string[];
  /** The whole policy with the placed thresholds (ok only; valid by policySchema). */
  readonly next?: PolicyConfig;
  /** Why nothing was placed (not ok). */
  readonly error?: string;
}

/** The `calibration` event: in the log, the events topic, the trace and the summary's counts. */
export interface CalibrationEvent {
  readonly t_s: number;
  readonly kind: 'calibration';
  readonly reason: string;
  readonly ok: boolean;
  readonly placed: Readonly<Record<string, number>>;
  readonly previous: Readonly<Record<string, number>>;
  readonly baseline: { readonly frames: number; readonly mean: number; readonly sd: number };
}

/**
 * Percentile `p` (0..100) of the first `n` values of `sorted` (ascending), by linear
 * interpolation between the closest ranks (numpy's default, `method='linear'`).
 */
export function percentileOfSorted(sorted: Float64Array, n: number, p: number): number {
  if (n === 0) return Number.NaN;
  const rank = (p / 100) * (n - 1);
  const below = Math.floor(rank);
  const above = Math.min(n - 1, below + 1);
  return sorted[below] + (rank - below) * (sorted[above] - sorted[below]);
}

/** The thresholds a policy's `calibration` places, or null when it has none. */
export function thresholdPlacements(policy: PolicyConfig): { placements: ThresholdPlacement[]; range: { min: number; max: number } } | null {
  const at = (parameter: string, pct: number): ThresholdPlacement => ({ parameter, at_pct: pct, spread_pct: pct, k: 0 });
  const floor = (parameter: string, c: { floor_pct: number; spread_pct: number }, k: number): ThresholdPlacement => ({ parameter, at_pct: c.floor_pct, spread_pct: c.spread_pct, k });
  if (policy.kind === 'threshold' && policy.calibration !== undefined) {
    const c = policy.calibration;
    return { placements: [c.kind === 'percentile' ? at('threshold', c.threshold_pct) : floor('threshold', c, c.threshold_k)], range: c.range };
  }
  if (policy.kind === 'dual-threshold' && policy.calibration !== undefined) {
    const c = policy.calibration;
    const placements = c.kind === 'percentile' ? [at('lowerThreshold', c.lower_pct), at('upperThreshold', c.upper_pct)] : [floor('lowerThreshold', c, c.lower_k), floor('upperThreshold', c, c.upper_k)];
    return { placements, range: c.range };
  }
  return null;
}

/**
 * Places a policy's thresholds from the patient's own biomarker over the baseline period
 * (issue 14): at percentiles of it (`percentile`; Little et al. 2013, Ann Neurol 74:449: the
 * threshold at the 75th percentile of the patient's beta), or against its beta-free floor
 * (`floor`: P(floor_pct) + k * (P(floor_pct) - P(spread_pct))). The baseline frames carry the biomarker before
 * z-scoring (reason `baseline`); the percentiles are turned into the policy's z units with
 * the baseline's own mean and sample SD, computed here as signals/biomarker.ts does
 * (Welford, the same values in the same order). The first frame after the baseline
 * period completes it, before the policy steps on that frame.
 *
 * It only proposes: the session applies the result through policySchema (every rule of
 * the policy, as a state switch is checked) and `retune`, and reports it as an event.
 * Limits are not policy parameters, so nothing here can reach them; stimulation during
 * the baseline is excluded by the config check (startupDelay_ms covers the baseline).
 *
 * Per frame it allocates nothing: the values go into a buffer sized from the baseline's
 * length and the hop, and frames past it (a baseline longer than declared) are not taken.
 */
export class ThresholdCalibration {
  private readonly values: Float64Array;
  private count = 0;
  private mean = 0;
  private m2 = 0;
  private done = false;

  constructor(
    private readonly placements: readonly ThresholdPlacement[],
    private readonly range: { readonly min: number; readonly max: number },
    /** The biomarker's baseline period (signals.biomarker.baseline_s). */
    private readonly baseline_s: number,
    /** Most baseline frames there can be: baseline_s * fs / hop, plus one. */
    capacity_frames: number,
  ) {
    if (!(baseline_s > 0)) throw new Error(`calibration needs a baseline period, got baseline_s ${baseline_s}`);
    if (!(capacity_frames >= 1)) throw new Error(`calibration needs room for at least one frame, got ${capacity_frames}`);
    this.values = new Float64Array(Math.ceil(capacity_frames));
  }

  get finished(): boolean {
    return this.done;
  }

  /**
   * Feeds one frame. Returns null while the baseline lasts (and after the result was
   * given); on the first frame after it, the result for `current` (the policy's parameters now).
   */
  observe(frame: CalibrationFrame, current: Readonly<PolicyConfig>): CalibrationResult | null {
    if (this.done) return null;
    if (frame.t_s <= this.baseline_s) {
      // The biomarker's own baseline frames (signals/biomarker.ts: t_s <= baseline_s, after the moving average has filled, signal valid).
      const reasons = frame.reasons;
      const v = frame.biomarker;
      if (reasons.length === 1 && reasons[0] === 'baseline' && Number.isFinite(v) && this.count < this.values.length) {
        this.values[this.count++] = v;
        const delta = v - this.mean;
        this.mean += delta / this.count;
        this.m2 += delta * (v - this.mean);
      }
      return null;
    }
    this.done = true;
    return this.place(current);
  }

  private place(current: Readonly<PolicyConfig>): CalibrationResult {
    const before = current as Readonly<Record<string, unknown>>;
    const previous: Record<string, number> = {};
    for (const p of this.placements) previous[p.parameter] = before[p.parameter] as number;
    const n = this.count;
    const sd = n > 1 ? Math.sqrt(this.m2 / (n - 1)) : 0;
    const base = { frames: n, mean: this.mean, sd, previous, clamped: [] as string[] };
    if (!(sd > 0)) return { ...base, ok: false, placed: {}, error: `the baseline has ${n} frame(s) with SD ${sd}: no distribution to place thresholds in` };
    const sorted = this.values.subarray(0, n).sort();
    const placed: Record<string, number> = {};
    for (const p of this.placements) {
      const atValue = percentileOfSorted(sorted, n, p.at_pct);
      const value = p.k === 0 ? atValue : atValue + p.k * (atValue - percentileOfSorted(sorted, n, p.spread_pct));
      const z = (value - this.mean) / sd;
      const clampedValue = Math.min(this.range.max, Math.max(this.range.min, z));
      if (clampedValue !== z) base.clamped.push(p.parameter);
      placed[p.parameter] = clampedValue;
    }
    const parsed = policySchema.safeParse({ ...current, ...placed });
    if (!parsed.success) return { ...base, ok: false, placed, error: formatIssues(parsed.error.issues).map((line) => `policy.${line}`).join('; ') };
    return { ...base, ok: true, placed, next: parsed.data };
  }
}

/** The event of a calibration's result at `t_s`. */
export function calibrationEvent(t_s: number, r: CalibrationResult): CalibrationEvent {
  const baseline = { frames: r.frames, mean: r.mean, sd: r.sd };
  const what = Object.entries(r.placed)
    .map(([k, v]) => `${k} ${r.previous[k]} -> ${round(v)}${r.clamped.includes(k) ? ' (clamped into the range)' : ''}`)
    .join(', ');
  const over = `${r.frames} baseline frames (mean ${round(r.mean)}, SD ${round(r.sd)})`;
  const reason = r.ok ? `calibration: ${what}, from percentiles of ${over} (from this frame)` : `calibration not taken: ${r.error}; thresholds unchanged (${over})`;
  return { t_s, kind: 'calibration', reason, ok: r.ok, placed: r.ok ? r.placed : {}, previous: r.previous, baseline };
}

function round(x: number): number {
  return Number(x.toPrecision(4));
}

/**
 * The calibration a policy's config asks for on this signal path, or undefined for none.
 * Throws when it asks for one and the biomarker has no baseline (the config check says so
 * first, naming the keys).
 */
export function createThresholdCalibration(policy: PolicyConfig, signalPath: { readonly fs_Hz: number; readonly hop: number; readonly biomarker?: { readonly baseline_s: number } | null }): ThresholdCalibration | undefined {
  const plan = thresholdPlacements(policy);
  if (plan === null) return undefined;
  const baseline_s = signalPath.biomarker?.baseline_s ?? 0;
  if (!(baseline_s > 0)) throw new Error('policy.calibration needs signals.biomarker.baseline_s > 0: the thresholds are placed from the baseline');
  const capacity_frames = Math.floor((baseline_s * signalPath.fs_Hz) / signalPath.hop) + 2;
  return new ThresholdCalibration(plan.placements, plan.range, baseline_s, capacity_frames);
}
