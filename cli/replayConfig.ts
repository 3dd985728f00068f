import { basename, extname, resolve } from 'node:path';
import { parseConfig, readConfigFile } from '../config/load.js';
import { applyOverrides } from '../config/overrides.js';
import type { Config } from '../config/schema.js';
import { InputError } from '../drivers/inputError.js';

/** How fast a replay runs: as fast as possible, or data seconds per host second. */
export type ReplaySpeed = { readonly kind: 'max' } | { readonly kind: 'paced'; readonly factor: number };

export function parseSpeed(text: string | undefined): ReplaySpeed {
  if (text === undefined || text === 'max') return { kind: 'max' };
  if (text === 'realtime') return { kind: 'paced', factor: 1 };
  const factor = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(factor > 0) || factor > 1e6) throw new InputError(`--speed: expected realtime, max or a factor such as 10 (0 < N <= 1000000), got "${text}"`);
  return { kind: 'paced', factor };
}

/** The config a replay runs: the file's policy, signals and limits; the file as source; no hardware. */
export function replayConfig(configPath: string, sets: readonly string[], file: string, channels: readonly (string | number)[] | undefined, speed: ReplaySpeed, fs_Hz?: number): Config {
  const raw = applyOverrides(readConfigFile(configPath), [...sets]);
  const base = parseConfig(raw, sets.length > 0 ? `${configPath} with --set` : configPath);
  const path = resolve(file);
  const pacing = speed.kind === 'max' ? 'max' : 'realtime';
  const csv = extname(file).toLowerCase() === '.csv';
  if (csv && channels !== undefined) throw new InputError('--channels: picks signals of an EDF/BDF file; a CSV replays every column');
  if (!csv && fs_Hz !== undefined) throw new InputError('--fs: only for a CSV without a t column; an EDF/BDF file gives its own rate');
  const csvFs_Hz = fs_Hz ?? (base.source.kind === 'csv' ? base.source.fs_Hz : undefined);
  const source = csv
    ? { kind: 'csv', path, pacing, ...(csvFs_Hz !== undefined ? { fs_Hz: csvFs_Hz } : {}) }
    : { kind: 'edf', path, pacing, ...(channels === undefined ? {} : { channels }) };
  // Re-parsed whole, so every cross-section check runs on what is replayed.
  // The simulated stimulator keeps the config's modality: its limits are checked and applied as live.
  return parseConfig({ ...(raw as object), source, stimulator: { kind: 'simulated', modality: base.stimulator.modality }, gpio: {} }, `${configPath} (replaying ${basename(file)})`);
}
