import type { Config } from '../config/schema.js';
import { patternRefusal } from '../controller/policies/patternFit.js';
import { InputError } from '../drivers/inputError.js';

/**
 * A pulse pattern that the limits would cut, on the grid of the rate the source runs at,
 * never starts a session (controller/policies/patternFit.ts). Run by `config check` where
 * the config alone tells the rate, and by every session once its source is open.
 */
export function checkPulsePattern(config: Config, fs_Hz: number, where = 'pulses.schedule'): void {
  if (config.pulses === undefined || config.limits.pulses === undefined || config.pulses.schedule.kind !== 'pattern') return;
  const { kind: _pattern, ...spec } = config.pulses.schedule;
  const refusal = patternRefusal(spec, config.limits.pulses, fs_Hz);
  if (refusal !== null) throw new InputError(`${where}: cannot run as written at ${fs_Hz} Hz: ${refusal}`);
}
