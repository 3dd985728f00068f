import type { PulseSchedule } from './pulseSchedule.js';

/** Returned by dueBefore when no pulse is due (shared, never written). */
const NONE_DUE: readonly number[] = Object.freeze([]);

/**
 * A fixed pulse pattern on the session's sample grid: bursts of `pulsesPerBurst` pulses at
 * `pulseRate_Hz`, a burst every 1 / `burstRate_Hz` seconds, bursts for `on_s` then none
 * for `off_s` (one train per on-period), `total` pulses in all, starting `start_s` after
 * the session's first sample. Intermittent theta burst (iTBS, Huang et al. 2005) is
 * 3 pulses at 50 Hz, bursts at 5 Hz, 2 s on, 8 s off, 600 pulses; continuous theta burst
 * (cTBS) the same with no off-period and 600 pulses in 40 s; single pulses every 5 s are
 * 1 pulse per burst at burstRate_Hz 0.2.
 */
export interface BurstPatternSpec {
  readonly pulsesPerBurst: number;
  readonly pulseRate_Hz: number;
  readonly burstRate_Hz: number;
  readonly on_s: number;
  /** 0: continuous. */
  readonly off_s: number;
  readonly total: number;
  readonly start_s: number;
}

/**
 * Where the pattern's pulses fall, as session sample indices. A pulse's time is exact in
 * seconds (train k, burst b, pulse p: start + k (on + off) + b / burstRate + p / pulseRate)
 * and lands on the first sample at or after it, so rounding never accumulates over trains.
 * Pure: the same spec, rate and first index give the same indices, live or in a replay.
 */
export class BurstPattern implements PulseSchedule {
  readonly spec: BurstPatternSpec;
  readonly describe: string;
  private readonly fs_Hz: number;
  private readonly firstIndex: number;
  private readonly burstsPerTrain: number;
  /** The pattern's next pulse (0-based) not yet handed out. */
  private next = 0;

  constructor(spec: BurstPatternSpec, fs_Hz: number, firstIndex: number) {
    for (const [key, value] of Object.entries(spec)) {
      if (!Number.isFinite(value) || value < 0) throw new Error(`pattern ${key}: expected a finite number >= 0, got ${value}`);
    }
    if (!Number.isInteger(spec.pulsesPerBurst) || spec.pulsesPerBurst < 1) throw new Error(`pattern pulsesPerBurst: expected a whole number >= 1, got ${spec.pulsesPerBurst}`);
    if (!Number.isInteger(spec.total)) throw new Error(`pattern total: expected a whole number, got ${spec.total}`);
    if (!(spec.burstRate_Hz > 0) || !(spec.on_s > 0)) throw new Error('pattern burstRate_Hz and on_s must be > 0');
    if (spec.pulsesPerBurst > 1 && !(spec.pulseRate_Hz > 0)) throw new Error('pattern pulseRate_Hz must be > 0 when a burst has several pulses');
    if (spec.pulsesPerBurst > 1 && (spec.pulsesPerBurst - 1) / spec.pulseRate_Hz >= 1 / spec.burstRate_Hz) {
      throw new Error(`pattern: ${spec.pulsesPerBurst} pulses at ${spec.pulseRate_Hz} Hz do not fit between bursts at ${spec.burstRate_Hz} Hz`);
    }
    this.spec = Object.freeze({ ...spec });
    const burst = spec.pulsesPerBurst === 1 ? '1 pulse' : `${spec.pulsesPerBurst} pulses at ${spec.pulseRate_Hz} Hz`;
    const cycle = spec.off_s > 0 ? `, ${spec.on_s} s on / ${spec.off_s} s off` : '';
    this.describe = `pattern: ${burst}, bursts at ${spec.burstRate_Hz} Hz${cycle}, ${spec.total} pulses from ${spec.start_s} s`;
    this.fs_Hz = fs_Hz;
    this.firstIndex = firstIndex;
    // Bursts that start inside the on-period (a float guard: 2 s at 5 Hz is 10 bursts, not 11).
    this.burstsPerTrain = Math.max(1, Math.ceil(spec.on_s * spec.burstRate_Hz - 1e-9));
  }

  /** Pulses handed out so far. */
  get handedOut(): number {
    return this.next;
  }

  /** Sample index of pulse n (0-based) of the pattern. */
  indexOf(n: number): number {
    const s = this.spec;
    const perTrain = this.burstsPerTrain * s.pulsesPerBurst;
    const train = Math.floor(n / perTrain);
    const inTrain = n - train * perTrain;
    const burst = Math.floor(inTrain / s.pulsesPerBurst);
    const pulse = inTrain - burst * s.pulsesPerBurst;
    const t_s = s.start_s + train * (s.on_s + s.off_s) + burst / s.burstRate_Hz + (pulse > 0 ? pulse / s.pulseRate_Hz : 0);
    // The first sample at or after t (1e-9 s of slack so that 0.02 s at 1 kHz is sample 20, not 21).
    return this.firstIndex + Math.ceil(t_s * this.fs_Hz - 1e-9 * this.fs_Hz);
  }

  /**
   * Skips the pulses before `index`: a replay that starts part-way (--from) keeps the
   * pattern's own time (counted from the session's sample 0) instead of starting it over.
   */
  skipBefore(index: number): void {
    while (this.next < this.spec.total && this.indexOf(this.next) < index) this.next++;
  }

  /** The pattern's pulses at sample indices below `end`, not handed out before; in order. */
  dueBefore(end: number): readonly number[] {
    // Most blocks hold no pulse: nothing is allocated for them.
    if (this.next >= this.spec.total || this.indexOf(this.next) >= end) return NONE_DUE;
    const out: number[] = [];
    while (this.next < this.spec.total) {
      const index = this.indexOf(this.next);
      if (index >= end) break;
      out.push(index);
      this.next++;
    }
    return out;
  }
}
