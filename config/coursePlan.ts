import type { Config } from './schema.js';

/** What one session of a config may at most deliver, as the course limits count it. null: not bounded. */
export interface CoursePlan {
  readonly pulses: number | null;
  readonly charge_mC: number | null;
}

/** The parts of a config the plan reads (the schema's own refinement calls this on the parsed sections). */
type PlanSections = Pick<Config, 'pulses' | 'limits'>;

/**
 * The most a session of this config can deliver, for the course limits (limits.course):
 * pulses are a pulse modality's (a pattern's total capped by limits.pulses.maxPerSession; a
 * closed-loop schedule may ask for up to that cap; 0 without a pulses section); charge is
 * the session's budget (limits.dose.maxCharge_mC, and limits.current.maxCharge_mC for tdcs
 * and tacs, the smaller), 0 when the amplitude limit is 0 (no current at all), else
 * unbounded.
 */
export function coursePlan(config: PlanSections): CoursePlan {
  const pulseCap = config.limits.pulses?.maxPerSession ?? 0;
  const schedule = config.pulses?.schedule;
  const pulses = schedule === undefined ? 0 : schedule.kind === 'pattern' ? Math.min(schedule.total, pulseCap) : pulseCap;
  const budgets = [config.limits.dose.maxCharge_mC, config.limits.current?.maxCharge_mC].filter((c): c is number => c !== undefined);
  const charge_mC = config.limits.amplitude_mA.max === 0 ? 0 : budgets.length > 0 ? Math.min(...budgets) : null;
  return { pulses, charge_mC };
}
