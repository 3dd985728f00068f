/**
 * Default decay of the pulse artefact: a TMS pulse's artefact on a sample-and-hold or fast
 * amplifier settles within milliseconds (Ilmoniemi & Kicic 2010). On DC-coupled amplifiers
 * the decay artefact of electrode polarisation lasts tens of milliseconds (Rogasch et al.
 * 2014, TESA): `plant.pulseArtifactDecay_ms`.
 */
export const PULSE_ARTIFACT_DECAY_MS = 2;
/** The evoked response is a damped oscillation of this period and decay: a N100-P200-like complex (about 100 ms to the first negative peak). */
export const EVOKED_PERIOD_MS = 200;
export const EVOKED_DECAY_MS = 120;

/**
 * What a pulse does to the simulated signal (opt-in, config `source.plant`): a decaying
 * artefact right after it (`pulseArtifact_uV` e^{-t / pulseArtifactDecay_ms}, the
 * amplifier's reaction to a TMS pulse)
 * and an evoked response (`evokedResponse_uV`: -E sin(2 pi t / 200 ms) e^{-t / 120 ms},
 * negative first, as a N100 then P200). Several pulses add up. Starts at the next sample
 * the brain makes after the pulse is fired (the pulse leaves when its block has arrived).
 * Common to all channels. Allocation-free: the live pulses are a few start counters.
 */
export class PulseResponse {
  /** Samples since each recent pulse; -1: free slot. Ten overlapping pulses at most (iTBS has three within 40 ms). */
  private readonly age = new Int32Array(10).fill(-1);
  private readonly artifactDecay: number;
  private readonly evokedDecay: number;
  private readonly evokedOmega: number;
  private readonly lifetime_samples: number;

  constructor(
    private readonly fs_Hz: number,
    private readonly artifact_uV: number,
    private readonly evoked_uV: number,
    artifactDecay_ms: number = PULSE_ARTIFACT_DECAY_MS,
  ) {
    if (!(artifactDecay_ms > 0) || !Number.isFinite(artifactDecay_ms)) throw new Error(`pulse artefact decay: expected a positive number of ms, got ${artifactDecay_ms}`);
    this.artifactDecay = Math.exp(-1000 / (artifactDecay_ms * fs_Hz));
    this.evokedDecay = Math.exp(-1000 / (EVOKED_DECAY_MS * fs_Hz));
    this.evokedOmega = (2 * Math.PI * 1000) / (EVOKED_PERIOD_MS * fs_Hz);
    // Past 6 decay times both terms are below 0.25 % of their peak.
    this.lifetime_samples = Math.ceil((6 * Math.max(EVOKED_DECAY_MS, artifactDecay_ms) * fs_Hz) / 1000);
  }

  /** A pulse was fired now. The oldest response is dropped if ten are live. */
  pulse(): void {
    let slot = 0;
    for (let i = 0; i < this.age.length; i++) {
      if (this.age[i] < 0) {
        slot = i;
        break;
      }
      if (this.age[i] > this.age[slot]) slot = i;
    }
    this.age[slot] = 0;
  }

  /** The next sample's sum of every live response, uV. */
  next(): number {
    let x = 0;
    for (let i = 0; i < this.age.length; i++) {
      const n = this.age[i];
      if (n < 0) continue;
      x += this.artifact_uV * this.artifactDecay ** n - this.evoked_uV * Math.sin(this.evokedOmega * n) * this.evokedDecay ** n;
      this.age[i] = n + 1 >= this.lifetime_samples ? -1 : n + 1;
    }
    return x;
  }
}
