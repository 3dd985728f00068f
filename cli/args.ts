import { redactUrl } from '../drivers/mqtt/redactUrl.js';
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

/** A number > 0 and <= `max` (every number a user types has a plausible ceiling). */
export function parsePositive(flag: string, text: string | undefined, max = Number.MAX_VALUE): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || value > max) {
    throw new InputError(`${flag}: expected a positive number${max < Number.MAX_VALUE ? ` up to ${max}` : ''}, got "${text}"`);
  }
  return value;
}

/** A number from `min` to `max`. */
export function parseInRange(flag: string, text: string | undefined, min: number, max: number, unit: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new InputError(`${flag}: expected a number from ${min} to ${max} ${unit}, got "${text}"`);
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

const MQTT_SCHEMES: ReadonlySet<string> = new Set(['mqtt:', 'mqtts:', 'ws:', 'wss:']);

/**
 * `--mqtt URL`, checked before anything connects: a known scheme, a host, a port from 1
 * to 65535. The message never repeats a password written in the URL.
 */
export function parseMqttUrl(flag: string, text: string): string {
  const shown = redactUrl(text);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InputError(`${flag}: "${shown}" is not a URL; expected mqtt://HOST[:PORT], mqtts://, ws:// or wss://`);
  }
  if (!MQTT_SCHEMES.has(url.protocol)) {
    throw new InputError(`${flag}: "${shown}": the scheme ${url.protocol} is not one of mqtt:, mqtts:, ws:, wss:`);
  }
  if (url.hostname === '') throw new InputError(`${flag}: "${shown}" names no host; expected ${url.protocol}//HOST[:PORT]`);
  // URL keeps port "0" and drops a default port; an explicit 0 is the only bad one left.
  if (url.port !== '' && !(Number(url.port) >= 1 && Number(url.port) <= 65535)) {
    throw new InputError(`${flag}: "${shown}": port ${url.port} is not from 1 to 65535`);
  }
  return text;
}

/** `--channels C3,C4` or `--channels 0,2`: labels or 0-based header indices. */
export function parseChannels(text: string): (string | number)[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.some((p) => p === '')) throw new InputError(`--channels: expected labels or indices separated by commas, got "${text}"`);
  return parts.map((p) => {
    if (!/^\d+$/.test(p)) return p;
    if (p.length > 5) throw new InputError(`--channels: index ${p} is too large (an EDF header holds at most 9999 signals)`);
    return Number(p);
  });
}
