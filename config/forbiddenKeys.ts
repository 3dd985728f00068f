import { formatPath } from './problems.js';

/**
 * Keys that no config, override or command may contain, at any depth. Written with plain
 * assignment, `__proto__` replaces an object's prototype (or, reached as a path, lands on
 * Object.prototype itself); `constructor` and `prototype` lead there too. No section has
 * a key of these names, so refusing them costs nothing and closes the door everywhere a
 * key is read from outside.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** How deep a config may nest. The deepest real key (telemetry.commands.tunable.x.min) is 5. */
export const MAX_CONFIG_DEPTH = 32;

export const FORBIDDEN_KEY_MESSAGE = 'forbidden key (__proto__, constructor and prototype are never accepted)';

export function isForbiddenKey(key: string): boolean {
  return FORBIDDEN_KEYS.has(key);
}

/**
 * Every forbidden key in a parsed value, and every place nested deeper than
 * MAX_CONFIG_DEPTH, one line each, named by its path below `at`. Iterative (a hostile
 * document must not overflow the stack here) and visits a shared object once (YAML
 * aliases share them).
 */
export function keyProblems(value: unknown, at: readonly PropertyKey[] = []): string[] {
  const problems: string[] = [];
  const seen = new Set<object>();
  const pending: { node: unknown; path: readonly PropertyKey[] }[] = [{ node: value, path: at }];
  while (pending.length > 0) {
    const { node, path } = pending.pop() as { node: unknown; path: readonly PropertyKey[] };
    if (typeof node !== 'object' || node === null || seen.has(node)) continue;
    seen.add(node);
    if (path.length - at.length >= MAX_CONFIG_DEPTH) {
      problems.push(`${formatPath(path)}: nested deeper than ${MAX_CONFIG_DEPTH} levels`);
      continue;
    }
    const children: { node: unknown; path: readonly PropertyKey[] }[] = [];
    if (Array.isArray(node)) {
      node.forEach((item, i) => children.push({ node: item, path: [...path, i] }));
    } else {
      // Own keys, enumerable or not: YAML and JSON.parse make `__proto__` an own key.
      for (const key of Object.getOwnPropertyNames(node)) {
        if (isForbiddenKey(key)) problems.push(`${formatPath([...path, key])}: ${FORBIDDEN_KEY_MESSAGE}`);
        else children.push({ node: (node as Record<string, unknown>)[key], path: [...path, key] });
      }
    }
    // Reversed onto the stack so that problems come in document order.
    for (let i = children.length - 1; i >= 0; i--) pending.push(children[i]);
  }
  return problems;
}
