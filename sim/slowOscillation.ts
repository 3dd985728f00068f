import { SeededRandom } from './seededRandom.js';

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
 * amplitude waxes and wanes (the modulus of a complex Ornstein-Uhlenbeck process, mean 1,
 * Rayleigh-distributed: a peak amplitude of 75 uV gives negative half-waves below -80 uV
 * in about a third of its cycles, none in quiet stretches). Common to every channel (SO are
 * widespread over the scalp). Steps exactly: v <- v e^{-dt/tau} + sd sqrt(1 - e^{-2 dt/tau}) N(0, 1).
 */
export class SlowOscillation {
  private readonly random: SeededRandom;
  private readonly draws = new Float64Array(3);
  private readonly envelopeDecay: number;
  private readonly envelopeKick: number;
  private readonly wanderDecay: number;
  private readonly wanderKick: number;
  private envelopeRe: number;
  private envelopeIm: number;
  private wander_Hz = 0;
  private phase = 0;

  constructor(
    seed: number,
    private readonly fs_Hz: number,
    private readonly amplitude_uV: number,
    private readonly frequency_Hz: number,
  ) {
    this.random = new SeededRandom((seed ^ SLOW_OSCILLATION_SEED_MIX) >>> 0);
    const dt = 1 / fs_Hz;
    this.envelopeDecay = Math.exp(-dt / SLOW_OSCILLATION_ENVELOPE_S);
    this.envelopeKick = Math.sqrt(1 - this.envelopeDecay * this.envelopeDecay);
    this.wanderDecay = Math.exp(-dt / SLOW_OSCILLATION_WANDER_S);
    this.wanderKick = SLOW_OSCILLATION_WANDER_HZ * Math.sqrt(1 - this.wanderDecay * this.wanderDecay);
    this.envelopeRe = this.random.normal();
    this.envelopeIm = this.random.normal();
  }

  /** The next sample, uV. */
  next(): number {
    this.random.normalsInto(this.draws, 3);
    this.envelopeRe = this.envelopeRe * this.envelopeDecay + this.envelopeKick * this.draws[0];
    this.envelopeIm = this.envelopeIm * this.envelopeDecay + this.envelopeKick * this.draws[1];
    this.wander_Hz = this.wander_Hz * this.wanderDecay + this.wanderKick * this.draws[2];
    // Kept above 0.2 Hz so it never runs backwards.
    this.phase += (2 * Math.PI * Math.max(0.2, this.frequency_Hz + this.wander_Hz)) / this.fs_Hz;
    if (this.phase > 2 * Math.PI) this.phase -= 2 * Math.PI;
    const gain = Math.hypot(this.envelopeRe, this.envelopeIm) / Math.sqrt(Math.PI / 2);
    return this.amplitude_uV * gain * Math.sin(this.phase);
  }
}
