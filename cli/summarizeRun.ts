import { dirname, resolve } from 'node:path';
import { lastValueFrom } from 'rxjs';
import { parseConfig, readConfigFile } from '../config/load.js';
import { applyOverrides } from '../config/overrides.js';
import { buildSession } from './buildSession.js';
import { sessionSummary } from './sessionSummary.js';

export type RunSummary = ReturnType<typeof sessionSummary>;

/**
 * Runs a config at maximum speed for `duration_s` of data and returns its summary, as
 * `neuroloop run --speed max --summary` would write it (used to compare policies).
 */
export async function summarizeRun(configPath: string, sets: readonly string[], duration_s: number): Promise<RunSummary> {
  const config = parseConfig(applyOverrides(readConfigFile(configPath), sets), configPath);
  const built = await buildSession(config, { configDir: dirname(resolve(configPath)), duration_s, speed: 'max' });
  try {
    await lastValueFrom(built.steps, { defaultValue: null });
  } finally {
    await built.close();
  }
  return sessionSummary(built.session, built.brain(), config, built.driverCounters());
}
