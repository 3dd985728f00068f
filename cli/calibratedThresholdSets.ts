import { overrideKey } from '../config/overrides.js';
import type { Config } from '../config/schema.js';

const THRESHOLD_KEYS: readonly string[] = ['policy.threshold', 'policy.lowerThreshold', 'policy.upperThreshold'];

/**
 * A threshold given with --set while the policy calibrates its thresholds lasts only until
 * the end of the baseline, where the calibration replaces it: say so before the session
 * starts, naming the keys (a user following an example of a fixed-threshold loop would
 * otherwise see their value silently change). Null when there is nothing to say.
 */
export function calibratedThresholdSets(config: Config, sets: readonly string[]): string | null {
  const p = config.policy;
  if ((p.kind !== 'threshold' && p.kind !== 'dual-threshold') || p.calibration === undefined) return null;
  const given = sets.map(overrideKey).filter((key): key is string => key !== null && THRESHOLD_KEYS.includes(key));
  if (given.length === 0) return null;
  const baseline_s = config.signals.biomarker?.baseline_s ?? 0;
  return `--set ${given.join(', ')}: policy.calibration places the thresholds at the end of the ${baseline_s} s baseline, so the value given holds only until then (for fixed thresholds, use a config without policy.calibration, such as config/examples/sim-adbs-fixed.yaml)`;
}
