/** Exact powers of ten: 10^22 is the largest that a float64 holds exactly. */
const POW10 = new Float64Array(23);
for (let k = 0, p = 1; k <= 22; k++, p *= 10) POW10[k] = p;

/** Integers below this are exact in a float64. */
const EXACT_INTEGER_LIMIT = 2 ** 53;

/**
 * Reads an ASCII decimal as the CSV reader accepts one, `[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?`,
 * from bytes[start] onwards (never at or past `limit`), stores its value in out[at] and
 * returns the index of the first byte after it, which the caller must check ends the cell.
 * -1 (out untouched) when no such number starts at `start` or its exponent has no digit.
 * The value goes to an array rather than being returned because a returned double is boxed
 * on the heap when the call is not inlined: one allocation per cell.
 *
 * The value is always exactly `Number(text)`: most samples have few digits, so the digits
 * are gathered into an integer m and the decimal point and exponent into a power of ten,
 * and m / 10^k (or m * 10^k) is computed directly. When m < 2^53 and k <= 22 both operands
 * are exact doubles and IEEE 754 rounds the one operation correctly, to the nearest double
 * to the decimal, as Number() does (W. D. Clinger, "How to read floating point numbers
 * accurately", PLDI 1990). More digits or larger exponents fall back to Number() on the
 * text. The fast path allocates nothing.
 */
export function scanCsvDecimal(bytes: Buffer, start: number, limit: number, out: Float64Array, at: number): number {
  let p = start;
  if (p >= limit) return -1;
  let c = bytes[p];
  const negative = c === 45; // '-'
  if (negative || c === 43) p++; // '+'
  let mantissa = 0;
  let digits = 0;
  let fractionDigits = 0;
  for (; p < limit; p++) {
    const d = bytes[p] - 48;
    if (d >>> 0 > 9) break;
    mantissa = mantissa * 10 + d;
    digits++;
  }
  if (p < limit && bytes[p] === 46) {
    // '.'
    for (p++; p < limit; p++) {
      const d = bytes[p] - 48;
      if (d >>> 0 > 9) break;
      mantissa = mantissa * 10 + d;
      fractionDigits++;
    }
    digits += fractionDigits;
  }
  if (digits === 0) return -1;
  let exponent = 0;
  if (p < limit && (bytes[p] | 32) === 101) {
    // 'e' or 'E'
    p++;
    let exponentNegative = false;
    if (p < limit && (bytes[p] === 45 || bytes[p] === 43)) {
      exponentNegative = bytes[p] === 45;
      p++;
    }
    const exponentStart = p;
    for (; p < limit; p++) {
      const d = bytes[p] - 48;
      if (d >>> 0 > 9) break;
      // Far beyond any double's range already: stop growing (Number() below has the last word).
      if (exponent < 1e6) exponent = exponent * 10 + d;
    }
    if (p === exponentStart) return -1;
    if (exponentNegative) exponent = -exponent;
  }
  const scale = exponent - fractionDigits;
  // Once the true integer reaches 2^53 the gathered double is >= 2^53 too (rounding is monotonic).
  if (mantissa < EXACT_INTEGER_LIMIT && scale >= -22 && scale <= 22) {
    const magnitude = scale >= 0 ? mantissa * POW10[scale] : mantissa / POW10[-scale];
    out[at] = negative ? -magnitude : magnitude;
  } else out[at] = Number(bytes.toString('latin1', start, p));
  return p;
}

const scratch = new Float64Array(1);

/**
 * The number bytes[start, end) hold, exactly `Number(text)`, when they are one ASCII decimal
 * as the CSV reader accepts it (no surrounding spaces); else NaN.
 */
export function parseCsvDecimal(bytes: Buffer, start: number, end: number): number {
  return scanCsvDecimal(bytes, start, end, scratch, 0) === end ? scratch[0] : Number.NaN;
}
