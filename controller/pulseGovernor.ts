import type { PulseLimits } from '../config/limitsSchema.js';

/** Why a pulse was not fired. */
export type PulseRefusal =
  /** The config file has no limits.pulses: this rig fires no pulses. */
  | 'no-pulse-limits'
  /** An e-stop, lockout, spent dose or fault holds the output off. */
  | 'latched'
  /** The session is ramping off to its end (a stop, SIGINT): no new pulse starts. */
  | 'stopping'
  /** At or before the last pulse's sample: pulses go forward in time only. */
  | 'not-after-last'
  | 'min-interval'
  | 'train-pulses'
  | 'train-duration'
  | 'session-pulses';

export type PulseDecision = { readonly fired: true; readonly pulse: number; readonly train: number } | { readonly fired: false; readonly reason: PulseRefusal; readonly detail: string };

/** Room for float rounding when a gap in samples is turned into ms: 1e-9 relative, in favour of the limit's own value. */
const SLACK = 1e-9;

/**
 * The safety governor's pulse half (docs/design.md, Modalities): the only path from a pulse
 * policy or pattern to a pulse stimulator. Time is the session's sample index at `fs_Hz`,
 * so a replay decides as the live run did; no wall clock.
 *
 * A train is a run of pulses each less than minInterTrain_ms after the one before; a pulse
 * that far or farther from the last starts a new train. A pulse fires only if all hold:
 * it is after the last pulse, at least minInterval_ms after it; its train then has at most
 * maxPerTrain pulses and lasts at most maxTrainDuration_ms (first pulse to this one); the
 * session has fired fewer than maxPerSession. Otherwise it is refused and nothing changes:
 * the next request is judged against the pulses that did fire. The limits come from the
 * config file only and are frozen here.
 */
export class PulseGovernor {
  readonly limits: Readonly<PulseLimits> | null;
  readonly fs_Hz: number;
  private lastIndex = Number.NEGATIVE_INFINITY;
  private trainStart = Number.NEGATIVE_INFINITY;
  private inTrain = 0;
  private trains = 0;
  private fired = 0;

  constructor(limits: PulseLimits | undefined, fs_Hz: number) {
    if (!(fs_Hz > 0) || !Number.isFinite(fs_Hz)) throw new Error(`fs_Hz must be a positive number, got ${fs_Hz}`);
    this.limits = limits === undefined ? null : Object.freeze({ ...limits });
    this.fs_Hz = fs_Hz;
  }

  /** Pulses fired so far this session. */
  get pulses(): number {
    return this.fired;
  }

  /**
   * Decides a pulse at session sample `index` (an integer); `latched` is the amplitude
   * governor's latch, true or its name (an e-stop stops pulses too); `stopping`, a stop
   * in progress. A fired pulse is counted at once.
   */
  request(index: number, latched: boolean | string, stopping = false): PulseDecision {
    const l = this.limits;
    if (l === null) return refuse('no-pulse-limits', 'limits.pulses is not in the config file');
    if (latched !== false) return refuse('latched', typeof latched === 'string' ? `stimulation is latched off (${latched})` : 'stimulation is latched off');
    if (stopping) return refuse('stopping', 'the session is stopping');
    if (!Number.isInteger(index) || index < 0) return refuse('not-after-last', `sample index ${index} is not a whole number >= 0`);
    if (index <= this.lastIndex) return refuse('not-after-last', `sample ${index} is not after the last pulse (sample ${this.lastIndex})`);
    const gap_ms = this.ms(index - this.lastIndex);
    if (gap_ms * (1 + SLACK) < l.minInterval_ms) return refuse('min-interval', `${round(gap_ms)} ms after the last pulse, under limits.pulses.minInterval_ms ${l.minInterval_ms}`);
    if (this.fired >= l.maxPerSession) return refuse('session-pulses', `${this.fired} pulses fired, limits.pulses.maxPerSession is ${l.maxPerSession}`);
    const sameTrain = gap_ms * (1 + SLACK) < l.minInterTrain_ms;
    if (sameTrain) {
      if (this.inTrain >= l.maxPerTrain) return refuse('train-pulses', `the train has ${this.inTrain} pulses, limits.pulses.maxPerTrain is ${l.maxPerTrain}; the next train may start ${l.minInterTrain_ms} ms after its last pulse`);
      const duration_ms = this.ms(index - this.trainStart);
      if (duration_ms > l.maxTrainDuration_ms * (1 + SLACK)) return refuse('train-duration', `the train would last ${round(duration_ms)} ms, over limits.pulses.maxTrainDuration_ms ${l.maxTrainDuration_ms}`);
      this.inTrain++;
    } else {
      this.trainStart = index;
      this.inTrain = 1;
      this.trains++;
    }
    this.lastIndex = index;
    this.fired++;
    return { fired: true, pulse: this.fired, train: this.trains };
  }

  private ms(samples: number): number {
    return (samples * 1000) / this.fs_Hz;
  }
}

function refuse(reason: PulseRefusal, detail: string): PulseDecision {
  return { fired: false, reason, detail };
}

const round = (v: number): number => Math.round(v * 1000) / 1000;
