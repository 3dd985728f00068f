/**
 * A copy of a JSON-like value with every non-integer number rounded to `digits`
 * significant digits: a summary says 1222, not 1222.0000000000018, and 0.318471, not
 * 0.31847133757961782. Whole numbers (counts) stay exact; NaN and Infinity are left as
 * they are (JSON.stringify writes null).
 */
export function roundFloats<T>(value: T, digits = 6): T {
  return roundAny(value, digits) as T;
}

function roundAny(value: unknown, digits: number): unknown {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || Number.isInteger(value)) return value;
    return Number(value.toPrecision(digits));
  }
  if (Array.isArray(value)) return value.map((v) => roundAny(v, digits));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = roundAny(v, digits);
    return out;
  }
  return value;
}
