import { z } from 'zod';

/**
 * A state a marker may declare (docs/markers.md): MedOn, MedOff, ... A letter, then
 * letters, digits, `_` or `-`, at most MAX_STATE_NAME_CHARS.
 */
export const MAX_STATE_NAME_CHARS = 24;
export const MAX_POLICY_STATES = 16;
export const policyStateName = z
  .string()
  .min(1)
  .max(MAX_STATE_NAME_CHARS)
  .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'must be a state name: a letter, then letters, digits, _ or -');
/**
 * One state's set: parameter names to numbers. Checked by hand so that a `limits` key gets
 * the reason it can never be in a set, not "expected number" (the policy-level rules, e.g.
 * that every name is one of the policy's numeric parameters, are stateSetProblems').
 */
const stateSet = z
  .record(z.string(), z.unknown())
  .superRefine((set, ctx) => {
    for (const [key, value] of Object.entries(set)) {
      if (/^limits\b/.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'limits are not policy parameters: no state can change them (limits come from the config file\'s limits section only)' });
      else if (typeof value !== 'number' || !Number.isFinite(value)) ctx.addIssue({ code: 'custom', path: [key], message: `expected a finite number, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}` });
    }
  })
  // Every value was checked to be a finite number just above.
  .transform((set) => set as Record<string, number>);

/**
 * `states`: parameter sets by declared state. Each set names some of the policy's own
 * numeric parameters (never limits), every set the same ones, and each, put over the
 * policy, must leave it valid (checked by `stateSetProblems` on the whole policy).
 */
export const states = {
  states: z
    .record(policyStateName, stateSet)
    .optional()
    .describe('Parameter sets by state (e.g. MedOn, MedOff): a marker declaring a state switches the policy to its set from the next frame. Each set names some of this policy\'s numeric parameters, every set the same ones; never limits.'),
};
