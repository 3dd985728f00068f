import { z } from 'zod';
import { type PolicyConfig, policySchema, policyStateName } from '../config/policySchema.js';
import { formatIssues } from '../config/problems.js';

/**
 * Markers (docs/markers.md): a mark on the session's timeline from outside the loop, free
 * text or a medication entry (drug, dose, unit, route), with an optional declared state
 * (MedOn, MedOff, ...) that switches the policy to its parameter set. One schema for every
 * door: the MQTT cmd/marker payload (with an id), `neuroloop mark`, a replayed file's
 * `[marker]` annotation, and the tests.
 */
export const MARKER_LIMITS = {
  text_chars: 120,
  drug_chars: 40,
  unit_chars: 12,
  route_chars: 24,
  dose_max: 1e6,
  /**
   * The marker as JSON (markerJson), in UTF-8 bytes: what a recording's annotation holds
   * after the `[marker] ` tag, whole (an annotation is at most 200 bytes; a cut one could
   * not be read back).
   */
  json_bytes: 180,
} as const;

// Control characters, and the invisible format, line and paragraph separators (U+200B, U+202E, U+2028...): a marker reads as it is.
const noControl = /^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]*$/u;

export const medicationSchema = z.strictObject({
  drug: z
    .string()
    .min(1)
    .max(MARKER_LIMITS.drug_chars)
    .regex(/^\p{L}[\p{L}\p{N} ./+(),'-]*$/u, 'must be a drug name: a letter, then letters, digits, spaces or . / + ( ) , \' -')
    .describe('levodopa, apomorphine, ...'),
  dose: z.number().finite().positive().max(MARKER_LIMITS.dose_max).describe('The amount, in `unit`.'),
  unit: z
    .string()
    .min(1)
    .max(MARKER_LIMITS.unit_chars)
    .regex(/^[\p{L}%][\p{L}\p{N}%/.]*$/u, 'must be a unit such as mg, ug, mL, IU or mg/kg')
    .describe('mg, ug, mL, IU, mg/kg, ...'),
  route: z
    .string()
    .min(1)
    .max(MARKER_LIMITS.route_chars)
    .regex(/^\p{L}[\p{L} -]*$/u, 'must be a route such as oral, subcutaneous, intravenous, transdermal')
    .describe('oral, subcutaneous, intravenous, inhaled, transdermal, ...'),
});

const markerFields = {
  text: z
    .string()
    .min(1)
    .max(MARKER_LIMITS.text_chars)
    .regex(noControl, 'must not contain control or invisible characters (line breaks, tabs, zero-width or direction marks, ...)')
    .regex(/\S/, 'must not be blank')
    .optional()
    .describe('Free text: "patient moved", "MedOn", "levodopa taken with breakfast".'),
  medication: medicationSchema.optional(),
  state: policyStateName.optional().describe('A declared state (MedOn, MedOff, ...): the policy switches to its parameter set (policy.states).'),
};

/** The problems common to every door: something to mark, and small enough for a recording's annotation. */
function markerProblems(m: { text?: string; medication?: unknown; state?: string }, ctx: z.RefinementCtx): void {
  if (m.text === undefined && m.medication === undefined) {
    ctx.addIssue({ code: 'custom', path: ['text'], message: 'required when there is no medication (a marker is free text, a medication, or both)' });
    return;
  }
  const bytes = new TextEncoder().encode(markerJson(m as Marker)).length;
  if (bytes > MARKER_LIMITS.json_bytes) {
    ctx.addIssue({ code: 'custom', path: m.text === undefined ? ['medication'] : ['text'], message: `the marker is ${bytes} bytes as JSON, more than ${MARKER_LIMITS.json_bytes} (what a recording's annotation holds): shorten it` });
  }
}

export const markerSchema = z.strictObject(markerFields).superRefine(markerProblems);

/** cmd/marker: a marker with the command's id. */
export const markerCommandSchema = z.strictObject({ id: z.string().min(1).max(128), ...markerFields }).superRefine(markerProblems);

export type Marker = z.output<typeof markerSchema>;
export type Medication = z.output<typeof medicationSchema>;

/** The marker as compact JSON, keys always in the same order (what a recording's `[marker]` annotation holds). */
export function markerJson(m: Marker): string {
  const ordered: Record<string, unknown> = {};
  if (m.text !== undefined) ordered.text = m.text;
  if (m.medication !== undefined) ordered.medication = { drug: m.medication.drug, dose: m.medication.dose, unit: m.medication.unit, route: m.medication.route };
  if (m.state !== undefined) ordered.state = m.state;
  return JSON.stringify(ordered);
}

/** A marker for people: `levodopa 100 mg oral; "with breakfast"; state MedOn`. */
export function describeMarker(m: Marker): string {
  const parts: string[] = [];
  if (m.medication !== undefined) parts.push(`${m.medication.drug} ${m.medication.dose} ${m.medication.unit} ${m.medication.route}`);
  if (m.text !== undefined) parts.push(JSON.stringify(m.text));
  if (m.state !== undefined) parts.push(`state ${m.state}`);
  return parts.join('; ');
}

/** A marker's text read back: the marker, or what is wrong with it (one line per problem, by field). */
export function parseMarker(value: unknown): { ok: true; marker: Marker } | { ok: false; error: string } {
  const parsed = markerSchema.safeParse(value);
  return parsed.success ? { ok: true, marker: parsed.data } : { ok: false, error: formatIssues(parsed.error.issues).join('; ') };
}

export type StateSwitch =
  | {
      readonly ok: true;
      readonly state: string;
      /** The whole policy with the state's set put over it (valid). */
      readonly next: PolicyConfig;
      /** The state's set: parameter -> new value. */
      readonly changed: Readonly<Record<string, number>>;
      /** The same parameters' values before the switch. */
      readonly previous: Readonly<Record<string, number>>;
    }
  | { readonly ok: false; readonly state: string; readonly error: string };

/**
 * The policy's parameters for a declared state: its `states[state]` put over the current
 * parameters (every set names the same parameters, so the result does not depend on the
 * states before). An unknown state is refused naming the known ones. Limits are never
 * touched: they are not policy parameters, and a set cannot name one (policySchema).
 */
export function switchPolicyState(current: Readonly<PolicyConfig>, state: string): StateSwitch {
  const sets = 'states' in current ? current.states : undefined;
  const names = sets === undefined ? [] : Object.keys(sets);
  if (sets === undefined || !Object.hasOwn(sets, state)) {
    const error = names.length === 0 ? `"${state}" is unknown: the ${current.kind} policy declares no states (policy.states)` : `"${state}" is unknown (known: ${names.join(', ')})`;
    return { ok: false, state, error };
  }
  const set = sets[state];
  const parsed = policySchema.safeParse({ ...current, ...set });
  if (!parsed.success) return { ok: false, state, error: formatIssues(parsed.error.issues).map((p) => `policy.${p}`).join('; ') };
  const before = current as Readonly<Record<string, unknown>>;
  const previous: Record<string, number> = {};
  for (const key of Object.keys(set)) previous[key] = before[key] as number;
  return { ok: true, state, next: parsed.data, changed: { ...set }, previous };
}
