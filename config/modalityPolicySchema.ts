import { z } from 'zod';
import { states } from './policyStatesSchema.js';

/**
 * The policies of the current modalities (docs/modalities-currents.md): VNS duty cycles,
 * responsive VNS, tDCS and tACS sessions with ramps. Their requests are made to fit the
 * governor's limits (the config refuses parameters that could not: config/modalityChecks.ts);
 * the governor still has the last word. Times are data time.
 */
const seconds = z.number().finite().positive().max(86_400);
const amplitude = z.number().finite().min(0);
const startup = {
  startupDelay_ms: z.number().finite().min(0).default(0).describe('Stimulation stays off this long after the session starts (a baseline, a settling time).'),
};
const vnsPulse = {
  amplitude_mA: amplitude.describe('Amplitude during an on-period (VNS labelling: 0.25 to 3.5 mA).'),
  frequency_Hz: z.number().finite().positive().default(30).describe('Pulse rate (VNS labelling: 20 to 30 Hz).'),
  pulseWidth_us: z.number().finite().positive().default(250).describe('Pulse width, one phase (VNS labelling: 250 or 500 us).'),
};
const vnsCycle = {
  on_s: seconds.describe('One on-period, its ramps included (compare limits.vns.maxOn_s).'),
  ramp_s: z.number().finite().positive().max(3600).default(2).describe('Ramp up at the start of an on-period and down at its end (no faster than limits.rampUp_mA_per_s and rampDown_mA_per_s allow).'),
};

/** Both ramps must fit in the on-period (or the session). */
function rampsFit(ramp_s: number, key: 'on_s' | 'duration_s', length_s: number, ctx: z.RefinementCtx): void {
  if (2 * ramp_s > length_s) ctx.addIssue({ code: 'custom', path: ['ramp_s'], message: `two ramps of ${ramp_s} s do not fit in ${key} (${length_s} s)` });
}

export const vnsDutyCyclePolicySchema = z
  .strictObject({
    kind: z.literal('vns-duty-cycle').describe('VNS in fixed cycles: on_s (ramps included), then off_s at 0 mA, repeated from the start-up delay.'),
    ...vnsPulse,
    ...vnsCycle,
    off_s: seconds.describe('Off-period between two on-periods (compare limits.vns.minOff_s).'),
    ...startup,
    // Parameter sets by declared state (MedOn, MedOff, ...; docs/markers.md), as every policy with parameters has.
    ...states,
  })
  .superRefine((p, ctx) => rampsFit(p.ramp_s, 'on_s', p.on_s, ctx));

export const vnsResponsivePolicySchema = z
  .strictObject({
    kind: z.literal('vns-responsive').describe('Responsive VNS (as AspireSR): an on-period starts when the biomarker rises above the threshold, at least off_s after the last one ended.'),
    ...vnsPulse,
    ...vnsCycle,
    threshold: z.number().finite().describe('An on-period starts when the biomarker rises above this (biomarker units), from at or below it.'),
    onset_ms: z.number().finite().min(0).default(0).describe('The biomarker must stay above the threshold this long before the on-period starts.'),
    off_s: seconds.describe('The least time at 0 mA after an on-period before the next may start (compare limits.vns.minOff_s); a rise in it is ignored.'),
    ...startup,
    // Parameter sets by declared state (MedOn, MedOff, ...; docs/markers.md), as every policy with parameters has.
    ...states,
  })
  .superRefine((p, ctx) => rampsFit(p.ramp_s, 'on_s', p.on_s, ctx));

const currentSession = {
  ramp_s: z.number().finite().positive().max(3600).default(30).describe('Ramp up at the start and down at the end (tens of seconds is usual).'),
  duration_s: seconds.describe('Time with current on, both ramps included (compare limits.current.maxDuration_s): the ramp down ends duration_s after the ramp up began.'),
  ...startup,
  // Parameter sets by declared state (MedOn, MedOff, ...; docs/markers.md), as every policy with parameters has.
  ...states,
};

export const tdcsRampPolicySchema = z
  .strictObject({
    kind: z.literal('tdcs-ramp').describe('One tDCS session: ramp up, hold amplitude_mA, ramp down at the end of duration_s.'),
    amplitude_mA: amplitude.describe('Direct current while holding (tDCS: up to about 2 to 4 mA).'),
    ...currentSession,
  })
  .superRefine((p, ctx) => rampsFit(p.ramp_s, 'duration_s', p.duration_s, ctx));

export const tacsPolicySchema = z
  .strictObject({
    kind: z.literal('tacs').describe('One tACS session: a sine at frequency_Hz whose peak ramps up, holds amplitude_mA and ramps down at the end of duration_s.'),
    amplitude_mA: amplitude.describe('Peak of the sinusoidal current while holding.'),
    frequency_Hz: z.number().finite().positive().max(1000).describe('Frequency of the sine (10 Hz: alpha).'),
    ...currentSession,
  })
  .superRefine((p, ctx) => rampsFit(p.ramp_s, 'duration_s', p.duration_s, ctx));

export type VnsDutyCyclePolicyConfig = z.output<typeof vnsDutyCyclePolicySchema>;
export type VnsResponsivePolicyConfig = z.output<typeof vnsResponsivePolicySchema>;
export type TdcsRampPolicyConfig = z.output<typeof tdcsRampPolicySchema>;
export type TacsPolicyConfig = z.output<typeof tacsPolicySchema>;

/** The policy kinds that belong to one modality, and that modality. */
export const MODALITY_OF_POLICY = { 'vns-duty-cycle': 'vns', 'vns-responsive': 'vns', 'tdcs-ramp': 'tdcs', tacs: 'tacs' } as const;
