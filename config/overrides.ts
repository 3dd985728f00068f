import { parse as parseYaml } from 'yaml';
import { ConfigError } from './problems.js';

/**
 * Applies `--set key.path=value` overrides to a parsed (not yet validated) config. The
 * value is read as YAML, so `--set policy.upperThreshold=1.5`, `--set source.pacing=max`,
 * `--set signals.filters=[]` all mean what they look like. The result is validated as a
 * whole afterwards, exactly like the file.
 */
export function applyOverrides(raw: unknown, sets: readonly string[]): Record<string, unknown> {
  const root: Record<string, unknown> = isPlainObject(raw) ? structuredClone(raw) : {};
  const problems: string[] = [];
  for (const set of sets) {
    const eq = set.indexOf('=');
    const path = eq > 0 ? set.slice(0, eq).trim() : '';
    if (eq <= 0 || !/^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*|\.\d+)*$/.test(path)) {
      problems.push(`--set ${set}: expected key.path=value (e.g. --set policy.upperThreshold=1.5)`);
      continue;
    }
    let value: unknown;
    try {
      value = parseYaml(set.slice(eq + 1));
    } catch (error) {
      problems.push(`--set ${set}: the value is not valid YAML (${(error as Error).message.split('\n')[0]})`);
      continue;
    }
    const keys = path.split('.');
    let node: Record<string, unknown> | unknown[] = root;
    for (const [i, key] of keys.entries()) {
      const last = i === keys.length - 1;
      const slot = Array.isArray(node) ? Number(key) : key;
      if (last) {
        (node as Record<string | number, unknown>)[slot] = value;
        break;
      }
      const child: unknown = (node as Record<string | number, unknown>)[slot];
      if (isPlainObject(child) || Array.isArray(child)) {
        node = child;
      } else {
        const created: Record<string, unknown> = {};
        (node as Record<string | number, unknown>)[slot] = created;
        node = created;
      }
    }
  }
  if (problems.length > 0) throw new ConfigError('--set', problems);
  return root;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
