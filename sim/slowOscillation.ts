import { RhythmVariability } from './rhythmVariability.js';

/** Correlation time of the slow oscillation's envelope: deep-sleep SO trains come and go over seconds. */
export const SLOW_OSCILLATION_ENVELOPE_S = 3;
/** Correlation time of its frequency wander. */
export const SLOW_OSCILLATION_WANDER_S = 2;
/** SD of the frequency wander, Hz (SO: about 0.5 to 1.25 Hz; Ngo et al. 2013 filter 0.25-4 Hz and detect below -80 uV). */
export const SLOW_OSCILLATION_WANDER_HZ = 0.12;
/** Seeds its own generator from the brain's seed, so turning it on leaves every other draw where it was. */
const SLOW_OSCILLATION_SEED_MIX = 0x2545f491;

/**
 * The opt-in slow oscillation of deep (N3) sleep, for closed-loop auditory stimulation
 * (Ngo et al. 2013): a rhythm near `frequency_Hz` whose frequency wanders and whose
 * amplitude waxes and wanes fully (RhythmVariability, depth 1: a peak amplitude of 75 uV
 * gives negative half-waves below -80 uV in part of its cycles, none in quiet stretches).
 * Common to every channel (SO are widespread over the scalp).
 */
export class SlowOscillation {
  private readonly variability: RhythmVariability;
  private phase = 0;

  constructor(
    seed: number,
    private readonly fs_Hz: number,
    private readonly amplitude_uV: number,
    private readonly frequency_Hz: number,
  ) {
    this.variability = new RhythmVariability((seed ^ SLOW_OSCILLATION_SEED_MIX) >>> 0, fs_Hz, {
      wanderSd_Hz: SLOW_OSCILLATION_WANDER_HZ,
      wander_s: SLOW_OSCILLATION_WANDER_S,
      envelope_s: SLOW_OSCILLATION_ENVELOPE_S,
      depth: 1,
    });
  }

  /** The next sample, uV. */
  next(): number {
    const offset_Hz = this.variability.step();
    // Kept above 0.2 Hz so it never runs backwards.
    this.phase += (2 * Math.PI * Math.max(0.2, this.frequency_Hz + offset_Hz)) / this.fs_Hz;
    if (this.phase > 2 * Math.PI) this.phase -= 2 * Math.PI;
    return this.amplitude_uV * this.variability.gain * Math.sin(this.phase);
  }
}
