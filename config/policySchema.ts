import { z } from 'zod';

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

export const offPolicySchema = z.strictObject({ kind: z.literal('off') });

export const openLoopPolicySchema = z.strictObject({
  kind: z.literal('open-loop'),
  amplitude_mA: amplitude.describe('Constant amplitude: the continuous-stimulation comparator.'),
  ...pulse,
  ...startup,
});

export const thresholdPolicySchema = z.strictObject({
  kind: z.literal('threshold'),
  threshold: z.number().finite().describe('On above, off below (biomarker units).'),
  amplitude_mA: amplitude.describe('Amplitude while on.'),
  ...pulse,
  ...timing,
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
    ...pulse,
    ...timing,
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
  })
  .superRefine((p, ctx) => {
    if (!(p.maxAmplitude_mA >= p.minAmplitude_mA)) {
      ctx.addIssue({ code: 'custom', path: ['maxAmplitude_mA'], message: `must be >= minAmplitude_mA (${p.minAmplitude_mA})` });
    }
  });

export const policySchema = z
  .discriminatedUnion('kind', [offPolicySchema, openLoopPolicySchema, thresholdPolicySchema, dualThresholdPolicySchema, proportionalPolicySchema])
  .describe('What the biomarker asks for (docs/design.md, Policies).');

export type PolicyConfig = z.output<typeof policySchema>;
export type OpenLoopPolicyConfig = z.output<typeof openLoopPolicySchema>;
export type ThresholdPolicyConfig = z.output<typeof thresholdPolicySchema>;
export type DualThresholdPolicyConfig = z.output<typeof dualThresholdPolicySchema>;
export type ProportionalPolicyConfig = z.output<typeof proportionalPolicySchema>;

/** The largest amplitude a policy can ask for (0 for off). */
export function policyMaxAmplitude_mA(policy: PolicyConfig): number {
  switch (policy.kind) {
    case 'off':
      return 0;
    case 'open-loop':
    case 'threshold':
      return policy.amplitude_mA;
    case 'dual-threshold':
      return policy.upperAmplitude_mA;
    case 'proportional':
      return policy.maxAmplitude_mA;
  }
}
