import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Path of a file in test/golden (vectors made by scripts/golden/make_golden.py). */
export const goldenPath = (name: string): string => fileURLToPath(new URL(`../golden/${name}`, import.meta.url));

export function readGolden<T>(name: string): T {
  return JSON.parse(readFileSync(goldenPath(name), 'utf8')) as T;
}

/** Largest |a - b| / max(|b|, floor) over two sequences of equal length. */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>, floor = 0): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const scale = Math.max(Math.abs(expected[i]), floor);
    const err = scale === 0 ? Math.abs(actual[i]) : Math.abs(actual[i] - expected[i]) / scale;
    if (!(err <= worst)) worst = Number.isNaN(err) ? Number.POSITIVE_INFINITY : err;
  }
  return worst;
}
