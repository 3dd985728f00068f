import { z } from 'zod';
import { formatIssues, formatPath } from './problems.js';
import { MAX_POLICY_STATES, states } from './policyStatesSchema.js';
import { tacsPolicySchema, tdcsRampPolicySchema, vnsDutyCyclePolicySchema, vnsResponsivePolicySchema } from './modalityPolicySchema.js';
export type { TacsPolicyConfig, TdcsRampPolicyConfig, VnsDutyCyclePolicyConfig, VnsResponsivePolicyConfig } from './modalityPolicySchema.js';

/**
 * policy: what the biomarker asks for (docs/design.md, Policies). A discriminated union on
 * `kind`. Amplitudes here are requests: the safety governor clamps them to `limits`.
 */
const ms = z.number().finite().min(0);
const amplitude = z.number().finite().min(0);

const pulse = {
  frequency_Hz: z.number().finite().positive().default(130).describe('Requested pulse rate.'),
  pulseWidth_us: z.number().finite().positive().default(60).describe('Requested pulse width (one phase).'),
};
const startup = {
  startupDelay_ms: ms.default(0).describe('Stimulation stays off this long after the session starts.'),
};
const timing = {
  ...startup,
  onset_ms: ms.default(0).describe('The "more stimulation" condition must hold this long before a change.'),
  termination_ms: ms.default(0).describe('The "less stimulation" condition must hold this long before a change.'),
  blanking_ms: ms.default(0).describe('After a change the detector is ignored this long.'),
};

export { MAX_POLICY_STATES, MAX_STATE_NAME_CHARS, policyStateName } from './policyStatesSchema.js';

/**
 * `calibration` (issue 14): the policy's thresholds placed from the patient's own data at
 * the start of the session, instead of fixed in the file: at percentiles of the biomarker
 * over the baseline period (signals.biomarker.baseline_s, before any stimulation), as
 * Little et al. 2013 (Ann Neurol 74:449) set their threshold at the 75th percentile of the
 * patient's own beta. Placed thresholds are clamped into `range` (biomarker units, z when
 * the biomarker is z-scored); nothing else of the policy, and no limit, is changed.
 */
const pct = z.number().finite().min(0).max(100);
const calibrationRange = z
  .strictObject({
    min: z.number().finite().default(-5),
    max: z.number().finite().default(5),
  })
  .refine((r) => r.max > r.min, { message: 'max must be > min', path: ['max'] })
  .describe('Bounds of a placed threshold (biomarker units): a value outside is clamped into them, with the event saying so.');

/**
 * `floor`: thresholds placed relative to the patient's beta-free floor rather than at a
 * share of the time: the floor is the `floor_pct` percentile of the baseline (low enough to
 * lie outside the bursts whatever their rate) and its width is the distance down to the
 * `spread_pct` percentile; a threshold is floor + k * width. A fixed percentile puts the
 * threshold inside the floor when bursts are rare and inside the bursts when they are
 * frequent; this one stays at the same place against the floor.
 */
const floorPlacement = {
  floor_pct: pct.default(25).describe('Percentile of the baseline taken as the beta-free floor.'),
  spread_pct: pct.default(5).describe('Lower percentile: floor minus this is the floor\'s width.'),
};
const floorOrder = (c: { floor_pct: number; spread_pct: number }) => c.floor_pct > c.spread_pct;
const floorOrderIssue = { message: 'floor_pct must be > spread_pct', path: ['floor_pct'] };

export const thresholdCalibrationSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('percentile'),
      threshold_pct: pct.default(75).describe('Percentile of the baseline biomarker the threshold is placed at (Little et al. 2013: 75).'),
      range: calibrationRange.default({ min: -5, max: 5 }),
    }),
    z
      .strictObject({
        kind: z.literal('floor'),
        ...floorPlacement,
        threshold_k: z.number().finite().describe('The threshold: floor + k * width.'),
        range: calibrationRange.default({ min: -5, max: 5 }),
      })
      .refine(floorOrder, floorOrderIssue),
  ])
  .describe('Places `threshold` from the baseline (docs/design.md, Calibration).');

/**
 * `sweep` (issue 14): after the baseline, a short stimulation sweep, as a clinician's set-up
 * (Percept's BrainSense Adaptive set-up measures beta at a few amplitudes): each amplitude
 * held `step_s`, the mean biomarker over the second half of each step, then the policy's
 * lower and upper amplitudes chosen among the swept ones (controller/stimulationSweep.ts).
 * The config check refuses amplitudes above limits.amplitude_mA.max; the requests go
 * through the governor like any.
 */
export const MAX_SWEEP_AMPLITUDES = 8;
export const calibrationSweepSchema = z
  .strictObject({
    amplitudes_mA: z
      .array(amplitude)
      .min(2)
      .max(MAX_SWEEP_AMPLITUDES)
      .refine((a) => a.every((v, i) => i === 0 || v > a[i - 1]), { message: 'must be in increasing order, each once' })
      .describe('Amplitudes to measure, in increasing order (each within limits.amplitude_mA.max).'),
    step_s: z.number().finite().min(1).max(60).default(5).describe('How long each amplitude is held; the mean is taken over its second half.'),
    lower_fraction: z.number().finite().min(0).max(1).default(0.3).describe('lowerAmplitude_mA: the smallest swept amplitude whose suppression is at least this share of the largest measured (0: the smallest swept).'),
    upper_fraction: z.number().finite().min(0).max(1).default(0.8).describe('upperAmplitude_mA: the smallest swept amplitude whose suppression is at least this share of the largest measured.'),
    minSuppression_z: z.number().finite().positive().default(0.5).describe('Below this largest suppression (baseline SDs) the sweep is not taken: the file\'s amplitudes stay.'),
  })
  .refine((s) => s.upper_fraction > s.lower_fraction, { message: 'upper_fraction must be > lower_fraction', path: ['upper_fraction'] })
  .describe('A stimulation sweep after the baseline that chooses lowerAmplitude_mA and upperAmplitude_mA (docs/design.md, Calibration).');

export const dualThresholdCalibrationSchema = z
  .discriminatedUnion('kind', [
    z
      .strictObject({
        kind: z.literal('percentile'),
        lower_pct: pct.describe('Percentile of the baseline biomarker the lower threshold is placed at.'),
        upper_pct: pct.describe('Percentile of the baseline biomarker the upper threshold is placed at.'),
        range: calibrationRange.default({ min: -5, max: 5 }),
        sweep: calibrationSweepSchema.optional(),
      })
      .superRefine((c, ctx) => {
        // Either key may be the one the user changed: both values are named.
        if (!(c.upper_pct > c.lower_pct)) ctx.addIssue({ code: 'custom', path: ['upper_pct'], message: `upper_pct (${c.upper_pct}) must be > lower_pct (${c.lower_pct})` });
      }),
    z
      .strictObject({
        kind: z.literal('floor'),
        ...floorPlacement,
        lower_k: z.number().finite().describe('The lower threshold: floor + k * width.'),
        upper_k: z.number().finite().describe('The upper threshold: floor + k * width.'),
        range: calibrationRange.default({ min: -5, max: 5 }),
        sweep: calibrationSweepSchema.optional(),
      })
      .refine(floorOrder, floorOrderIssue)
      .superRefine((c, ctx) => {
        if (!(c.upper_k > c.lower_k)) ctx.addIssue({ code: 'custom', path: ['upper_k'], message: `upper_k (${c.upper_k}) must be > lower_k (${c.lower_k})` });
      }),
  ])
  .describe('Places `lowerThreshold` and `upperThreshold` from the baseline (docs/design.md, Calibration).');

export const offPolicySchema = z.strictObject({ kind: z.literal('off') });

export const openLoopPolicySchema = z.strictObject({
  kind: z.literal('open-loop'),
  amplitude_mA: amplitude.describe('Constant amplitude: the continuous-stimulation comparator.'),
  ...pulse,
  ...startup,
  ...states,
});

export const thresholdPolicySchema = z.strictObject({
  kind: z.literal('threshold'),
  threshold: z.number().finite().describe('On above, off below (biomarker units). With `calibration`: the value until the calibration places it.'),
  amplitude_mA: amplitude.describe('Amplitude while on.'),
  calibration: thresholdCalibrationSchema.optional(),
  ...pulse,
  ...timing,
  ...states,
});

export const dualThresholdPolicySchema = z
  .strictObject({
    kind: z.literal('dual-threshold'),
    lowerThreshold: z.number().finite(),
    upperThreshold: z.number().finite(),
    lowerAmplitude_mA: amplitude.default(0),
    upperAmplitude_mA: amplitude,
    rampUp_mA_per_s: z.number().finite().positive().default(1).describe('Policy transition rate toward the upper amplitude.'),
    rampDown_mA_per_s: z.number().finite().positive().default(1).describe('Policy transition rate toward the lower amplitude.'),
    calibration: dualThresholdCalibrationSchema.optional(),
    ...pulse,
    ...timing,
    ...states,
  })
  .superRefine((p, ctx) => {
    if (!(p.upperThreshold > p.lowerThreshold)) {
      ctx.addIssue({ code: 'custom', path: ['upperThreshold'], message: `must be > lowerThreshold (${p.lowerThreshold})` });
    }
    if (!(p.upperAmplitude_mA >= p.lowerAmplitude_mA)) {
      ctx.addIssue({ code: 'custom', path: ['upperAmplitude_mA'], message: `must be >= lowerAmplitude_mA (${p.lowerAmplitude_mA})` });
    }
  });

export const proportionalPolicySchema = z
  .strictObject({
    kind: z.literal('proportional'),
    setpoint: z.number().finite().describe('Biomarker value the controller drives toward.'),
    kp_mA_per_unit: z.number().finite().min(0).describe('mA per biomarker unit above the setpoint.'),
    ki_mA_per_unit_s: z.number().finite().min(0).default(0).describe('mA per biomarker unit-second (integral).'),
    bias_mA: amplitude.default(0),
    minAmplitude_mA: amplitude.default(0),
    maxAmplitude_mA: amplitude,
    ...pulse,
    ...startup,
    ...states,
  })
  .superRefine((p, ctx) => {
    if (!(p.maxAmplitude_mA >= p.minAmplitude_mA)) {
      ctx.addIssue({ code: 'custom', path: ['maxAmplitude_mA'], message: `must be >= minAmplitude_mA (${p.minAmplitude_mA})` });
    }
  });

export const policySchema = z
  .discriminatedUnion('kind', [
    offPolicySchema,
    openLoopPolicySchema,
    thresholdPolicySchema,
    dualThresholdPolicySchema,
    proportionalPolicySchema,
    // The current modalities' policies (docs/modalities-currents.md).
    vnsDutyCyclePolicySchema,
    vnsResponsivePolicySchema,
    tdcsRampPolicySchema,
    tacsPolicySchema,
  ])
  // Any policy with `states` (docs/markers.md): each set checked against the policy's own parameters and bounds.
  .superRefine((p, ctx) => {
    for (const problem of stateSetProblems(p)) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
  })
  .describe('What the biomarker asks for (docs/design.md, Policies).');

/**
 * The problems of a policy's `states` (docs/markers.md), each with its path below the
 * policy: a set must name only numeric parameters of this policy (limits are none of
 * them), every set the same ones, and the policy with a set put over it must be valid
 * (bounds, and rules such as upperThreshold > lowerThreshold).
 */
export function stateSetProblems(policy: Readonly<Record<string, unknown>>): { path: string[]; message: string }[] {
  const sets = policy.states as Readonly<Record<string, Readonly<Record<string, number>>>> | undefined;
  if (sets === undefined || typeof sets !== 'object' || sets === null) return [];
  const problems: { path: string[]; message: string }[] = [];
  const names = Object.keys(sets);
  if (names.length > MAX_POLICY_STATES) problems.push({ path: ['states'], message: `at most ${MAX_POLICY_STATES} states, got ${names.length}` });
  const { states: _sets, ...base } = policy;
  const numeric = Object.keys(base).filter((k) => typeof base[k] === 'number');
  const kind = String(policy.kind);
  let first: { name: string; keys: string } | null = null;
  for (const name of names) {
    const set = sets[name];
    const keys = Object.keys(set);
    if (keys.length === 0) {
      problems.push({ path: ['states', name], message: `names no parameter (give some of: ${numeric.join(', ') || 'none'})` });
      continue;
    }
    let known = true;
    for (const key of keys) {
      // A value that is not a finite number is refused by the set's own schema (config/policyStatesSchema.ts).
      const value: unknown = set[key];
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        known = false;
        continue;
      }
      if (numeric.includes(key)) continue;
      known = false;
      // A limits key is refused by the set's own schema (config/policyStatesSchema.ts), with its reason.
      if (/^limits\b/.test(key)) continue;
      problems.push({ path: ['states', name, key], message: `not a numeric parameter of the ${kind} policy (its numeric parameters: ${numeric.join(', ') || 'none'})` });
    }
    const sorted = [...keys].sort().join(', ');
    if (first === null) first = { name, keys: sorted };
    else if (sorted !== first.keys) problems.push({ path: ['states', name], message: `names ${sorted}; every state must name the same parameters as states.${first.name} (${first.keys})` });
    if (!known) continue;
    const merged = policySchema.safeParse({ ...base, ...set });
    if (merged.success) continue;
    for (const issue of merged.error.issues) {
      const line = formatIssues([issue])[0] ?? issue.message;
      const at = formatPath(issue.path);
      problems.push({ path: ['states', name, ...issue.path.map(String)], message: line.startsWith(`${at}: `) ? line.slice(at.length + 2) : line });
    }
  }
  return problems;
}

export type PolicyConfig = z.output<typeof policySchema>;
export type OpenLoopPolicyConfig = z.output<typeof openLoopPolicySchema>;
export type ThresholdPolicyConfig = z.output<typeof thresholdPolicySchema>;
export type DualThresholdPolicyConfig = z.output<typeof dualThresholdPolicySchema>;
export type ProportionalPolicyConfig = z.output<typeof proportionalPolicySchema>;
export type ThresholdCalibrationConfig = z.output<typeof thresholdCalibrationSchema>;
export type DualThresholdCalibrationConfig = z.output<typeof dualThresholdCalibrationSchema>;
export type CalibrationSweepConfig = z.output<typeof calibrationSweepSchema>;

/** The largest amplitude a policy can ask for (0 for off). */
export function policyMaxAmplitude_mA(policy: PolicyConfig): number {
  switch (policy.kind) {
    case 'off':
      return 0;
    case 'open-loop':
    case 'threshold':
    case 'vns-duty-cycle':
    case 'vns-responsive':
    case 'tdcs-ramp':
    case 'tacs':
      return policy.amplitude_mA;
    case 'dual-threshold':
      return policy.upperAmplitude_mA;
    case 'proportional':
      return policy.maxAmplitude_mA;
  }
}
