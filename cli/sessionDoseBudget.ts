import type { Config } from '../config/schema.js';

/** The per-session budget the dashboard draws the dose against (`loop.dose.budget`). */
export interface SessionDoseBudget {
  maxOnTime_s?: number;
  maxCharge_mC?: number;
  maxPulses?: number;
}

/**
 * The governor spends one on-time and one charge counter against both limits.dose and, for a
 * continuous current (tdcs, tacs), limits.current; whichever is smaller ends the session, so
 * that is the budget a dashboard should show. (limits.pulses.maxPerSession counts fired
 * pulses of a pulse modality, another counter: it travels with `loop.pulses`.)
 */
export function sessionDoseBudget(limits: Config['limits']): SessionDoseBudget {
  const budget: SessionDoseBudget = { ...limits.dose };
  const current = limits.current;
  if (current !== undefined) {
    budget.maxOnTime_s = Math.min(budget.maxOnTime_s ?? Number.POSITIVE_INFINITY, current.maxDuration_s);
    budget.maxCharge_mC = Math.min(budget.maxCharge_mC ?? Number.POSITIVE_INFINITY, current.maxCharge_mC);
  }
  return budget;
}
