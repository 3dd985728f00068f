import { InputError } from '../drivers/inputError.js';
import type { Band } from '../signals/band.js';

export function parseInteger(flag: string, text: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new InputError(`${flag}: expected a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' upward'}, got "${text}"`);
  }
  return value;
}

export function parsePositive(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw new InputError(`${flag}: expected a positive number, got "${text}"`);
  }
  return value;
}

/** `beta=13:30,alpha=8:13` -> bands, in the order given. */
export function parseBands(text: string): Band[] {
  const bands: Band[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*([A-Za-z][A-Za-z0-9_]*)\s*=\s*([0-9.eE+-]+)\s*:\s*([0-9.eE+-]+)\s*$/.exec(part);
    const lo = m ? Number(m[2]) : Number.NaN;
    const hi = m ? Number(m[3]) : Number.NaN;
    if (!m || !Number.isFinite(lo) || !Number.isFinite(hi)) {
      throw new InputError(`--bands: "${part}" is not name=lo:hi in Hz (e.g. --bands beta=13:30,alpha=8:13)`);
    }
    if (!(lo >= 0 && hi > lo)) throw new InputError(`--bands: ${m[1]}=${m[2]}:${m[3]} needs 0 <= lo < hi`);
    if (bands.some((b) => b.name === m[1])) throw new InputError(`--bands: band "${m[1]}" is given twice`);
    bands.push({ name: m[1], lo_Hz: lo, hi_Hz: hi });
  }
  return bands;
}
