import { isDeepStrictEqual } from 'node:util';
import { FORBIDDEN_KEY_MESSAGE, isForbiddenKey } from './forbiddenKeys.js';
import { ConfigError } from './problems.js';
import { parseYamlText } from './yamlText.js';

/** Why `--set rig...` is refused under limits.course: another rig id or ledger would be a fresh course. */
export const COURSE_RIG_OVERRIDE_RULE = 'the config file has limits.course, counted in the ledger of its rig: --set may not change rig.* (its id or courseLedger)';

function hasCourseLimits(root: Record<string, unknown>): boolean {
  const limits = root.limits;
  return typeof limits === 'object' && limits !== null && 'course' in limits;
}

/** Why `--set limits...` is refused: the hard limits are the reviewed file's, never a flag's. */
export const LIMITS_OVERRIDE_RULE = 'hard limits come from the config file only; --set may not change limits.*';

const PATH_SYNTAX = /^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*|\.\d+)*$/;

/**
 * Applies `--set key.path=value` overrides to a parsed (not yet validated) config. The
 * value is read as YAML, so `--set policy.upperThreshold=1.5`, `--set source.pacing=max`,
 * `--set signals.filters=[]` all mean what they look like. The result is validated as a
 * whole afterwards, exactly like the file.
 *
 * Refused, each with a one-line reason naming the argument: any path into `limits` (in
 * any letter case), a forbidden key (`__proto__`, `constructor`, `prototype`) in the path
 * or anywhere in the value, a list index past the end of the list. Every key is checked
 * before anything is written, and writes define own properties, so no override can reach
 * a prototype. `raw` is not modified.
 */
export function applyOverrides(raw: unknown, sets: readonly string[]): Record<string, unknown> {
  const root: Record<string, unknown> = isPlainObject(raw) ? structuredClone(raw) : {};
  const limitsBefore: unknown = structuredClone(root.limits);
  const refused: { set: string; reason: string }[] = [];
  for (const set of sets) {
    const reason = applyOne(root, set);
    if (reason !== null) refused.push({ set, reason });
  }
  // One refusal is one line naming the argument: `--set limits.x=1: hard limits come ...`.
  if (refused.length === 1) throw new ConfigError(`--set ${refused[0].set}`, [refused[0].reason]);
  if (refused.length > 1) throw new ConfigError('--set', refused.map((r) => `--set ${r.set}: ${r.reason}`));
  // The rule above is the guard; this is the proof, kept because the stakes are a
  // stimulator: the limits section leaves here exactly as the file gave it.
  if (!isDeepStrictEqual(root.limits, limitsBefore)) throw new Error('applyOverrides: the limits section changed (a bug: --set must never reach it)');
  return root;
}

/** The dotted key of one `--set key.path=value`; null when it has none. */
export function overrideKey(set: string): string | null {
  const eq = set.indexOf('=');
  const path = eq > 0 ? set.slice(0, eq).trim() : '';
  return eq > 0 && PATH_SYNTAX.test(path) ? path : null;
}

/** Applies one `--set`, or says why not (the caller adds the argument). */
function applyOne(root: Record<string, unknown>, set: string): string | null {
  const path = overrideKey(set);
  if (path === null) return 'expected key.path=value (e.g. --set policy.upperThreshold=1.5)';
  const eq = set.indexOf('=');
  const keys = path.split('.');
  const forbidden = keys.find(isForbiddenKey);
  if (forbidden !== undefined) return `"${forbidden}" is a ${FORBIDDEN_KEY_MESSAGE}`;
  if (keys[0].toLowerCase() === 'limits') return LIMITS_OVERRIDE_RULE;
  // Under a course, the rig's identity and its ledger are what the course limits count against: a flag must not start a fresh ledger.
  if (keys[0].toLowerCase() === 'rig' && hasCourseLimits(root)) return COURSE_RIG_OVERRIDE_RULE;

  const parsed = parseYamlText(set.slice(eq + 1), keys);
  if (!parsed.ok) return parsed.problems.length === 1 ? `the value: ${parsed.problems[0]}` : `the value: ${parsed.problems.join('; ')}`;

  let node: Record<string, unknown> | unknown[] = root;
  for (const [i, key] of keys.entries()) {
    const last = i === keys.length - 1;
    let child: unknown;
    if (Array.isArray(node)) {
      // An index past the end would make a sparse list as long as the number asked for.
      const index = /^\d+$/.test(key) ? Number(key) : Number.NaN;
      if (!(index <= node.length)) {
        return `${keys.slice(0, i).join('.')} is a list of ${node.length}: expected an index from 0 to ${node.length}, got "${key}"`;
      }
      if (last) {
        node[index] = parsed.value;
        return null;
      }
      child = node[index];
      if (!isPlainObject(child) && !Array.isArray(child)) {
        child = {};
        node[index] = child;
      }
    } else {
      if (last) {
        defineOwn(node, key, parsed.value);
        return null;
      }
      child = Object.hasOwn(node, key) ? node[key] : undefined;
      if (!isPlainObject(child) && !Array.isArray(child)) {
        child = {};
        defineOwn(node, key, child);
      }
    }
    node = child as Record<string, unknown> | unknown[];
  }
  return null;
}

/** An own data property, whatever the prototype chain holds (no setter is ever called). */
function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
