import { type CalibrationSweepConfig, type PolicyConfig, policySchema } from '../config/policySchema.js';
import { formatIssues } from '../config/problems.js';
import type { StimParams } from './stimParams.js';

/** What the sweep sees of a feature frame. */
export interface SweepFrame {
  readonly t_s: number;
  readonly biomarker: number;
  readonly valid: boolean;
}

/** One swept amplitude: what was measured over the second half of its step. */
export interface SweepStep {
  readonly amplitude_mA: number;
  /** Valid frames averaged. */
  readonly frames: number;
  /** Mean biomarker over them (z against the baseline when the biomarker is z-scored). */
  readonly mean: number;
  /** The baseline's mean (0 in z) minus the mean: how far this amplitude lowered the biomarker. */
  readonly suppression: number;
}

/**
 * The sweep's outcome, once: the amplitudes chosen (ok), or why none were (the policy keeps
 * its config's amplitudes).
 */
export interface SweepResult {
  readonly ok: boolean;
  readonly steps: readonly SweepStep[];
  /** lowerAmplitude_mA and upperAmplitude_mA chosen (ok only). */
  readonly chosen: Readonly<Record<string, number>>;
  /** The same parameters before (the config's). */
  readonly previous: Readonly<Record<string, number>>;
  /** The whole policy with the chosen amplitudes (ok only; valid by policySchema). */
  readonly next?: PolicyConfig;
  readonly error?: string;
}

/** The `calibration-sweep` event: in the log, the events topic, the trace and the summary. */
export interface CalibrationSweepEvent {
  readonly t_s: number;
  readonly kind: 'calibration-sweep';
  readonly reason: string;
  readonly ok: boolean;
  readonly steps: readonly SweepStep[];
  readonly chosen: Readonly<Record<string, number>>;
  readonly previous: Readonly<Record<string, number>>;
}

/** The baseline's mean in the biomarker's units after the baseline: z-scored against it, so 0. */
const BASELINE_MEAN_Z = 0;
/** Applied and requested amplitudes closer than this are the same (float round-off of the governor's ramp). */
const AMPLITUDE_TOLERANCE_mA = 1e-9;

/**
 * The stimulation sweep of a dual-threshold policy's calibration (issue 14), as a
 * clinician's set-up measures beta at a few amplitudes (Percept's BrainSense Adaptive
 * set-up): from `start_s` (the end of the baseline, or of the start-up delay if later)
 * each amplitude of `amplitudes_mA` in turn is requested for `step_s`, and the mean
 * biomarker over the second half of each step (after the governor's ramp and the plant's
 * response have settled) is its measurement. Suppression is the baseline mean minus it.
 * At the first frame after the last step it chooses, with S the largest suppression
 * measured:
 *   lowerAmplitude_mA = the smallest swept amplitude with suppression >= lower_fraction * S,
 *   upperAmplitude_mA = the smallest swept amplitude with suppression >= upper_fraction * S
 * (so lower <= upper; a fraction of 0 is the smallest swept amplitude). With S below minSuppression_z, or a step without a valid frame,
 * nothing is chosen and the file's amplitudes stay.
 *
 * It only requests and proposes: the session sends its request to the governor in place
 * of the policy's (limits and ramps apply; the config check keeps the amplitudes within
 * limits.amplitude_mA.max), and applies the choice through policySchema and `retune`,
 * with a `calibration-sweep` event. Data time only; per frame it allocates nothing (the
 * requests are built once, at the sweep's first frame).
 */
export class StimulationSweep {
  private readonly sums: Float64Array;
  private readonly counts: Uint32Array;
  private readonly end_s: number;
  private requests: StimParams[] | null = null;
  private done = false;

  constructor(
    private readonly plan: CalibrationSweepConfig,
    /** When the sweep starts (data time, s): the first step covers (start_s, start_s + step_s]. */
    private readonly start_s: number,
  ) {
    if (plan.amplitudes_mA.length === 0) throw new Error('a sweep needs at least one amplitude');
    this.sums = new Float64Array(plan.amplitudes_mA.length);
    this.counts = new Uint32Array(plan.amplitudes_mA.length);
    this.end_s = start_s + plan.amplitudes_mA.length * plan.step_s;
  }

  get finished(): boolean {
    return this.done;
  }

  /** The step a time falls in: -1 before the sweep, the number of steps after it. */
  private stepAt(t_s: number): number {
    if (t_s <= this.start_s) return -1;
    if (t_s > this.end_s) return this.plan.amplitudes_mA.length;
    return Math.min(this.plan.amplitudes_mA.length - 1, Math.ceil((t_s - this.start_s) / this.plan.step_s) - 1);
  }

  /**
   * The sweep's request for a frame at `t_s` (null outside the sweep: the policy's stands),
   * with the pulse of `pulse` (the policy's, taken at the sweep's first frame).
   */
  request(t_s: number, pulse: { readonly frequency_Hz: number; readonly pulseWidth_us: number }): StimParams | null {
    if (this.done) return null;
    const k = this.stepAt(t_s);
    if (k < 0 || k >= this.plan.amplitudes_mA.length) return null;
    this.requests ??= this.plan.amplitudes_mA.map((a) => ({ enabled: a > 0, amplitude_mA: a, frequency_Hz: pulse.frequency_Hz, pulseWidth_us: pulse.pulseWidth_us }));
    return this.requests[k];
  }

  /**
   * Feeds one frame (before the policy steps on it), with the amplitude the governor
   * applied up to it. Returns null during the sweep; on
   * the first frame after it, the result for `current` (the policy's parameters now).
   */
  observe(frame: SweepFrame, current: Readonly<PolicyConfig>, applied_mA: number): SweepResult | null {
    if (this.done) return null;
    const k = this.stepAt(frame.t_s);
    if (k < 0) return null;
    if (k < this.plan.amplitudes_mA.length) {
      const halfway_s = this.start_s + (k + 0.5) * this.plan.step_s;
      // Only frames behind which the step's amplitude was applied: a governor that clamped or latched makes it another measurement.
      const asRequested = Math.abs(applied_mA - this.plan.amplitudes_mA[k]) <= AMPLITUDE_TOLERANCE_mA;
      if (frame.t_s > halfway_s && asRequested && frame.valid && Number.isFinite(frame.biomarker)) {
        this.sums[k] += frame.biomarker;
        this.counts[k]++;
      }
      return null;
    }
    this.done = true;
    return this.choose(current);
  }

  private choose(current: Readonly<PolicyConfig>): SweepResult {
    const before = current as Readonly<Record<string, unknown>>;
    const previous = { lowerAmplitude_mA: before.lowerAmplitude_mA as number, upperAmplitude_mA: before.upperAmplitude_mA as number };
    const steps: SweepStep[] = this.plan.amplitudes_mA.map((amplitude_mA, k) => {
      const frames = this.counts[k];
      const mean = frames > 0 ? this.sums[k] / frames : Number.NaN;
      return { amplitude_mA, frames, mean, suppression: BASELINE_MEAN_Z - mean };
    });
    const fail = (error: string): SweepResult => ({ ok: false, steps, chosen: {}, previous, error });
    const empty = steps.find((s) => s.frames === 0);
    if (empty !== undefined) return fail(`no valid frame with ${empty.amplitude_mA} mA applied in the second half of its step`);
    const largest = Math.max(...steps.map((s) => s.suppression));
    if (!(largest >= this.plan.minSuppression_z)) return fail(`largest suppression ${round(largest)} is below minSuppression_z ${this.plan.minSuppression_z}: no measurable response to choose amplitudes from`);
    // A fraction of 0 is the smallest swept amplitude whatever was measured there (its suppression may come out below 0 in noise).
    const smallestReaching = (fraction: number): number => (fraction <= 0 ? steps[0] : (steps.find((s) => s.suppression >= fraction * largest) ?? steps[steps.length - 1])).amplitude_mA;
    const chosen = { lowerAmplitude_mA: smallestReaching(this.plan.lower_fraction), upperAmplitude_mA: smallestReaching(this.plan.upper_fraction) };
    const parsed = policySchema.safeParse({ ...current, ...chosen });
    if (!parsed.success) return { ...fail(formatIssues(parsed.error.issues).map((line) => `policy.${line}`).join('; ')), chosen };
    return { ok: true, steps, chosen, previous, next: parsed.data };
  }
}

/** The event of a sweep's result at `t_s`. */
export function calibrationSweepEvent(t_s: number, r: SweepResult): CalibrationSweepEvent {
  const measured = r.steps.map((s) => `${s.amplitude_mA} mA ${Number.isFinite(s.suppression) ? round(s.suppression) : 'n/a'}`).join(', ');
  const what = Object.entries(r.chosen)
    .map(([k, v]) => `${k} ${r.previous[k]} -> ${v}`)
    .join(', ');
  const reason = r.ok ? `calibration sweep: ${what} (suppression ${measured}; from this frame)` : `calibration sweep not taken: ${r.error}; amplitudes unchanged (suppression ${measured})`;
  return { t_s, kind: 'calibration-sweep', reason, ok: r.ok, steps: r.steps, chosen: r.ok ? r.chosen : {}, previous: r.previous };
}

function round(x: number): number {
  return Number(x.toPrecision(4));
}

/**
 * The sweep a policy's config asks for, or undefined for none. It starts at the end of the
 * baseline or of the start-up delay, whichever is later: stimulation stays off through both.
 */
export function createStimulationSweep(policy: PolicyConfig, signalPath: { readonly biomarker?: { readonly baseline_s: number } | null }): StimulationSweep | undefined {
  if (policy.kind !== 'dual-threshold' || policy.calibration?.sweep === undefined) return undefined;
  const baseline_s = signalPath.biomarker?.baseline_s ?? 0;
  if (!(baseline_s > 0)) throw new Error('policy.calibration.sweep needs signals.biomarker.baseline_s > 0: suppression is measured against the baseline');
  return new StimulationSweep(policy.calibration.sweep, Math.max(baseline_s, policy.startupDelay_ms / 1000));
}
