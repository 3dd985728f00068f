import { SeededRandom } from './seededRandom.js';

export interface RhythmVariabilityOptions {
  /** SD of the frequency's wander around its nominal value, Hz (0: none). */
  readonly wanderSd_Hz: number;
  /** Correlation time of the wander. */
  readonly wander_s: number;
  /** Correlation time of the envelope (waxing and waning). */
  readonly envelope_s: number;
  /** Depth 0..1 of the waxing and waning (0: a constant gain of 1). */
  readonly depth: number;
}

/**
 * How a simulated rhythm varies (the opt-in alpha variability, the slow oscillation): its
 * own seeded generator, so turning it on leaves every other draw of the simulator where it
 * was, and three Ornstein-Uhlenbeck processes (frequency offset, real and imaginary part of
 * the envelope), each stepped exactly: v <- v e^{-dt/tau} + sd sqrt(1 - e^{-2 dt/tau}) N(0, 1).
 * The envelope's modulus is Rayleigh-distributed, as band-limited noise's is.
 */
export class RhythmVariability {
  private readonly random: SeededRandom;
  private readonly draws = new Float64Array(3);
  private readonly wanderDecay: number;
  private readonly wanderKick: number;
  private readonly envelopeDecay: number;
  private readonly envelopeKick: number;
  private wander_Hz = 0;
  private envelopeRe: number;
  private envelopeIm: number;

  /** `seed`: already mixed by the caller, one mix per rhythm. */
  constructor(
    seed: number,
    fs_Hz: number,
    private readonly o: RhythmVariabilityOptions,
  ) {
    this.random = new SeededRandom(seed);
    const dt = 1 / fs_Hz;
    this.wanderDecay = Math.exp(-dt / o.wander_s);
    this.wanderKick = o.wanderSd_Hz * Math.sqrt(1 - this.wanderDecay * this.wanderDecay);
    this.envelopeDecay = Math.exp(-dt / o.envelope_s);
    this.envelopeKick = Math.sqrt(1 - this.envelopeDecay * this.envelopeDecay);
    // The envelope starts in its stationary distribution (unit variance per part).
    this.envelopeRe = this.random.normal();
    this.envelopeIm = this.random.normal();
  }

  /** Steps one sample; returns the frequency offset in Hz (read `gain` after it). */
  step(): number {
    this.random.normalsInto(this.draws, 3);
    this.wander_Hz = this.wander_Hz * this.wanderDecay + this.wanderKick * this.draws[0];
    this.envelopeRe = this.envelopeRe * this.envelopeDecay + this.envelopeKick * this.draws[1];
    this.envelopeIm = this.envelopeIm * this.envelopeDecay + this.envelopeKick * this.draws[2];
    return this.o.wanderSd_Hz > 0 ? this.wander_Hz : 0;
  }

  /** Amplitude factor, mean 1: (1 - depth) + depth |u| / E|u|, E|u| = sqrt(pi / 2) for unit-variance parts. */
  get gain(): number {
    return 1 - this.o.depth + (this.o.depth * Math.hypot(this.envelopeRe, this.envelopeIm)) / Math.sqrt(Math.PI / 2);
  }
}
