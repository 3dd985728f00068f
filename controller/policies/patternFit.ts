import type { PulseLimits } from '../../config/limitsSchema.js';
import { PulseGovernor } from '../pulseGovernor.js';
import { BurstPattern, type BurstPatternSpec } from './burstPattern.js';

/**
 * Whether a pattern runs as written under the pulse limits at a sample rate: every one of
 * its pulses, on the sample grid it will really land on (not in continuous time), through
 * a PulseGovernor of its own. A pattern that would be cut by the limits (a pulse under the
 * minimum interval because the grid cannot hold the rate, trains too long, more pulses than
 * the session allows, a pulse rate above the sample rate) or whose pulses come out of order
 * (a burst longer than the on-period with no pause) is refused before the session starts,
 * with the first pulse that would fail and why: the limit would win anyway, and a session
 * that silently delivers another pattern than the one written is worse than none.
 * Pure and cheap (one governor request per pulse; the schema caps total at 1e6).
 */
export function patternRefusal(spec: BurstPatternSpec, limits: PulseLimits, fs_Hz: number): string | null {
  let pattern: BurstPattern;
  try {
    pattern = new BurstPattern(spec, fs_Hz, 0);
  } catch (error) {
    return (error as Error).message;
  }
  const fastest_Hz = spec.pulsesPerBurst > 1 ? Math.max(spec.pulseRate_Hz, spec.burstRate_Hz) : spec.burstRate_Hz;
  if (fastest_Hz > fs_Hz) {
    return `pulses at ${fastest_Hz} Hz are faster than the ${fs_Hz} Hz samples they land on: at most one pulse per sample`;
  }
  if (spec.total > limits.maxPerSession) {
    return `total ${spec.total} is more than limits.pulses.maxPerSession (${limits.maxPerSession})`;
  }
  const burstsPerOn = spec.on_s * spec.burstRate_Hz;
  if (spec.off_s === 0 && Math.abs(burstsPerOn - Math.round(burstsPerOn)) > 1e-9) {
    return `off_s 0 (continuous) needs on_s to be a whole number of burst periods (1 / burstRate_Hz = ${1 / spec.burstRate_Hz} s); ${spec.on_s} s is not, so the bursts would not be evenly spaced across trains`;
  }
  const governor = new PulseGovernor(limits, fs_Hz);
  let last = -1;
  for (let n = 0; n < spec.total; n++) {
    const index = pattern.indexOf(n);
    if (!Number.isSafeInteger(index)) return `pulse ${n + 1} falls at no sample (time too large)`;
    if (index <= last) {
      return `pulse ${n + 1} (sample ${index}) is not after pulse ${n} (sample ${last}) at ${fs_Hz} Hz: the bursts overlap the next train or the pulse rate is above what the sample rate can hold`;
    }
    const decision = governor.request(index, false);
    if (!decision.fired) {
      return `pulse ${n + 1} (at ${round(index / fs_Hz)} s on the ${fs_Hz} Hz sample grid) would be refused by the limits: ${decision.reason}: ${decision.detail}`;
    }
    last = index;
  }
  return null;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
