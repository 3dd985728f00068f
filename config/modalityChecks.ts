import type { z } from 'zod';
import type { LimitsConfig } from './limitsSchema.js';
import type { Modality } from './modalityLimitsSchema.js';
import { MODALITY_OF_POLICY } from './modalityPolicySchema.js';
import type { PolicyConfig } from './policySchema.js';

/**
 * The config's cross-checks of stimulator.modality (docs/modalities-currents.md): each
 * modality has the limits its governor needs and no limits it would not apply, and the
 * modality's own policies ask only for what those limits allow (their requests are
 * honest; the governor still has the last word). Called from configSchema's superRefine.
 */
export function modalityChecks(
  cfg: { readonly stimulator: { readonly modality: Modality }; readonly limits: LimitsConfig; readonly pulses?: unknown; readonly policy: PolicyConfig },
  ctx: z.RefinementCtx,
): void {
  const m = cfg.stimulator.modality;
  const L = cfg.limits;
  const issue = (path: (string | number)[], message: string): void => ctx.addIssue({ code: 'custom', path, message });
  const pulseModality = m === 'tms' || m === 'ttl';

  if (cfg.pulses !== undefined && !pulseModality) {
    issue(['stimulator', 'modality'], `is ${m}, but the pulses section fires pulses: set tms or ttl`);
  }
  if (pulseModality) {
    if (cfg.pulses === undefined) {
      issue(['pulses'], `is missing, but stimulator.modality ${m} delivers pulses: add a pulses section (schedule)`);
      if (L.pulses === undefined) issue(['limits', 'pulses'], `is missing, but stimulator.modality ${m} delivers pulses; set the pulse limits (minInterval_ms, maxPerTrain, maxTrainDuration_ms, minInterTrain_ms, maxPerSession)`);
    }
    if (L.amplitude_mA.max !== 0) issue(['limits', 'amplitude_mA', 'max'], `is ${L.amplitude_mA.max} mA, but stimulator.modality ${m} delivers no current: must be 0`);
  }
  // (With a pulses section the modality was named just above: one problem, one message.)
  if (!pulseModality && L.pulses !== undefined && cfg.pulses === undefined) issue(['limits', 'pulses'], `applies to stimulator.modality tms or ttl only (it is ${m}): remove it or set the modality`);
  if (m === 'vns' && L.vns === undefined) issue(['limits', 'vns'], 'is missing, but stimulator.modality is vns: set maxOn_s and minOff_s (the duty cycle)');
  if (m !== 'vns' && L.vns !== undefined) issue(['limits', 'vns'], `applies to stimulator.modality vns only (it is ${m}): remove it or set the modality`);
  const current = m === 'tdcs' || m === 'tacs';
  if (current && L.current === undefined) issue(['limits', 'current'], `is missing, but stimulator.modality is ${m}: set maxDuration_s, maxCharge_mC and minRamp_s${m === 'tacs' ? ', and frequency_Hz {min, max}' : ''}`);
  if (!current && L.current !== undefined) issue(['limits', 'current'], `applies to stimulator.modality tdcs or tacs only (it is ${m}): remove it or set the modality`);
  if (m === 'tacs' && L.current !== undefined && L.current.frequency_Hz === undefined) issue(['limits', 'current', 'frequency_Hz'], 'is missing, but stimulator.modality is tacs: set the range {min, max} of the sine\'s frequency');
  if (m === 'tdcs' && L.current?.frequency_Hz !== undefined) issue(['limits', 'current', 'frequency_Hz'], 'is for tacs only: stimulator.modality is tdcs (direct current has no frequency)');

  const p = cfg.policy;
  if (!Object.hasOwn(MODALITY_OF_POLICY, p.kind)) return;
  const needs = MODALITY_OF_POLICY[p.kind as keyof typeof MODALITY_OF_POLICY];
  if (needs !== m) {
    issue(['policy', 'kind'], `${p.kind} needs stimulator.modality ${needs} (it is ${m})`);
    return;
  }
  const atFault = new Set<string>();
  honestRequests(p, L, (key, message) => {
    atFault.add(key);
    issue(['policy', key], message);
  });
  // Each state's set (MedOn, MedOff, ...; docs/markers.md) is a policy the session may switch
  // to mid-run: it must ask only for what the limits allow, as the policy itself must. A
  // problem of a key the set keeps from the policy is named on the set (its values made it),
  // unless the policy alone has it already.
  const sets = 'states' in p ? p.states : undefined;
  for (const [name, set] of Object.entries(sets ?? {})) {
    honestRequests({ ...p, ...set } as PolicyConfig, L, (key, message) => {
      if (Object.hasOwn(set, key)) issue(['policy', 'states', name, key], message);
      else if (!atFault.has(key)) issue(['policy', 'states', name], `with this set, policy.${key} ${message}`);
    });
  }
}

/** The modality policy `p` asks only for what the limits allow; `issue(key, message)` names the policy key at fault. */
function honestRequests(p: PolicyConfig, L: LimitsConfig, issue: (key: string, message: string) => void): void {
  // Honest requests: within the amplitude limit, and ramps the governor does not have to stretch.
  if (p.kind === 'vns-duty-cycle' || p.kind === 'vns-responsive' || p.kind === 'tdcs-ramp' || p.kind === 'tacs') {
    if (p.amplitude_mA > L.amplitude_mA.max) issue('amplitude_mA', `is ${p.amplitude_mA} mA, more than limits.amplitude_mA.max (${L.amplitude_mA.max} mA)`);
  }
  const rampFits = (ramp_s: number, amplitude_mA: number, rate_mA_per_s: number, rateName: string): void => {
    if (amplitude_mA === 0) return;
    if (!(amplitude_mA <= rate_mA_per_s * ramp_s * (1 + 1e-9))) {
      const shortest = amplitude_mA / rate_mA_per_s;
      issue('ramp_s', `${ramp_s} s to ${amplitude_mA} mA is faster than ${rateName} (${round(rate_mA_per_s)} mA/s) allows: the governor would stretch the ramp; make ramp_s at least ${round(shortest)} s`);
    }
  };
  if (p.kind === 'vns-duty-cycle' || p.kind === 'vns-responsive') {
    const v = L.vns;
    if (v === undefined) return;
    if (p.on_s > v.maxOn_s) issue('on_s', `is ${p.on_s} s, longer than limits.vns.maxOn_s (${v.maxOn_s} s): the governor would cut every on-period short`);
    if (p.off_s < v.minOff_s) issue('off_s', `is ${p.off_s} s, shorter than limits.vns.minOff_s (${v.minOff_s} s): the governor would refuse the on-periods asked for sooner`);
    rampFits(p.ramp_s, p.amplitude_mA, Math.min(L.rampUp_mA_per_s, L.rampDown_mA_per_s), L.rampUp_mA_per_s <= L.rampDown_mA_per_s ? 'limits.rampUp_mA_per_s' : 'limits.rampDown_mA_per_s');
    if (p.frequency_Hz < L.frequency_Hz.min || p.frequency_Hz > L.frequency_Hz.max) issue('frequency_Hz', `is ${p.frequency_Hz} Hz, outside limits.frequency_Hz [${L.frequency_Hz.min}, ${L.frequency_Hz.max}]`);
    if (p.pulseWidth_us < L.pulseWidth_us.min || p.pulseWidth_us > L.pulseWidth_us.max) issue('pulseWidth_us', `is ${p.pulseWidth_us} us, outside limits.pulseWidth_us [${L.pulseWidth_us.min}, ${L.pulseWidth_us.max}]`);
    // Charge per phase (docs/design.md, Safety governor): the tighter of density and Shannon (controller/chargeLimit.ts).
    const maxQ_uC = Math.min(L.maxChargeDensity_uC_cm2 * L.electrodeArea_cm2, Math.sqrt(10 ** L.shannonK * L.electrodeArea_cm2));
    const q_uC = (p.amplitude_mA * p.pulseWidth_us) / 1000;
    if (q_uC > maxQ_uC * (1 + 1e-9)) issue('amplitude_mA', `${p.amplitude_mA} mA at ${p.pulseWidth_us} us is ${round(q_uC)} uC per phase, over the ${round(maxQ_uC)} uC the charge density and Shannon limits allow at limits.electrodeArea_cm2 ${L.electrodeArea_cm2}`);
    return;
  }
  const c = L.current;
  if (c === undefined || (p.kind !== 'tdcs-ramp' && p.kind !== 'tacs')) return;
  const slew = Math.min(L.rampUp_mA_per_s, L.rampDown_mA_per_s, L.amplitude_mA.max / c.minRamp_s);
  const slewName = slew === L.amplitude_mA.max / c.minRamp_s ? 'limits.amplitude_mA.max / limits.current.minRamp_s' : slew === L.rampUp_mA_per_s ? 'limits.rampUp_mA_per_s' : 'limits.rampDown_mA_per_s';
  if (slew > 0) rampFits(p.ramp_s, p.amplitude_mA, slew, slewName);
  if (p.duration_s > c.maxDuration_s) issue('duration_s', `is ${p.duration_s} s, longer than limits.current.maxDuration_s (${c.maxDuration_s} s, ramps included)`);
  // The charge of the session asked for: the trapezoid I x (duration - ramp), x 2/pi for a sine's peak I.
  const weight = p.kind === 'tacs' ? 2 / Math.PI : 1;
  const charge_mC = weight * p.amplitude_mA * (p.duration_s - p.ramp_s);
  if (charge_mC > c.maxCharge_mC * (1 + 1e-9)) {
    const formula = p.kind === 'tacs' ? '(2/pi) x I_peak x (duration_s - ramp_s)' : 'I x (duration_s - ramp_s)';
    issue('duration_s', `${p.amplitude_mA} mA for ${p.duration_s} s with ${p.ramp_s} s ramps is ${round(charge_mC)} mC (${formula}), more than limits.current.maxCharge_mC (${c.maxCharge_mC} mC)`);
  }
  if (p.kind === 'tacs' && c.frequency_Hz !== undefined && (p.frequency_Hz < c.frequency_Hz.min || p.frequency_Hz > c.frequency_Hz.max)) {
    issue('frequency_Hz', `is ${p.frequency_Hz} Hz, outside limits.current.frequency_Hz [${c.frequency_Hz.min}, ${c.frequency_Hz.max}]`);
  }
}

const round = (x: number): string => String(Number(x.toPrecision(4)));
