import { pinkNoiseInto } from './pinkNoise.js';
import { PulseResponse } from './pulseResponse.js';
import { RhythmVariability } from './rhythmVariability.js';
import { SlowOscillation } from './slowOscillation.js';
import { SeededRandom } from './seededRandom.js';

/** The rhythms and artefacts of the synthetic brain (config `source.brain`). */
export interface BrainParameters {
  readonly background_uV: number;
  readonly alphaFrequency_Hz: number;
  readonly alphaAmplitude_uV: number;
  readonly betaFrequency_Hz: number;
  readonly betaAmplitude_uV: number;
  readonly burstRate_per_s: number;
  readonly burstMedian_ms: number;
  readonly burstSpread: number;
  readonly lineFrequency_Hz: number;
  readonly lineAmplitude_uV: number;
  readonly artifactRate_per_min: number;
  readonly spikeAmplitude_uV: number;
  readonly saturation_uV: number;
  readonly saturation_ms: number;
  readonly channelGainSpread: number;
  /**
   * Opt-in (absent or 0: off, and every sample is what it was without it): standard
   * deviation in Hz of a slow wander of the alpha frequency around alphaFrequency_Hz (an
   * Ornstein-Uhlenbeck process, correlation time ALPHA_WANDER_S). Real alpha is no fixed
   * sine; phase-locked triggering is judged on this (bench/phaseEvaluation.ts).
   */
  readonly alphaFrequencyWander_Hz?: number;
  /**
   * Opt-in (absent or 0: off): depth 0..1 of alpha's waxing and waning. The alpha amplitude
   * is multiplied by (1 - depth) + depth * r(t), r the modulus of a complex
   * Ornstein-Uhlenbeck process (correlation time ALPHA_WAX_WANE_S) scaled to mean 1: at
   * depth 1 the alpha comes in bursts with a Rayleigh-distributed envelope, as band-limited
   * noise does.
   */
  readonly alphaWaxWane?: number;
  /**
   * Opt-in (absent or 0: off): peak amplitude in uV of the slow oscillation of deep sleep
   * (sim/slowOscillation.ts), waxing and waning, common to all channels; for closed-loop
   * auditory stimulation. Its frequency: slowOscillationFrequency_Hz (default 0.8 Hz).
   */
  readonly slowOscillation_uV?: number;
  readonly slowOscillationFrequency_Hz?: number;
}

/** How stimulation acts on beta bursts (config `source.plant`). */
export interface PlantParameters {
  readonly I50_mA: number;
  readonly hill: number;
  readonly tau_ms: number;
  readonly stimArtifact_uV_per_mA: number;
  /** Opt-in (absent or 0: none): peak of the artefact a fired pulse leaves in the signal (sim/pulseResponse.ts). */
  readonly pulseArtifact_uV?: number;
  /** Its decay time constant; default PULSE_ARTIFACT_DECAY_MS (2 ms). */
  readonly pulseArtifactDecay_ms?: number;
  /** Opt-in (absent or 0: none): peak of the evoked response to a fired pulse. */
  readonly evokedResponse_uV?: number;
}

export interface SyntheticBrainOptions {
  readonly fs_Hz: number;
  readonly channels: number;
  readonly seed: number;
  readonly brain: BrainParameters;
  readonly plant: PlantParameters;
}

/** What only the simulator knows: the latent state behind the last sample produced. */
export interface BrainGroundTruth {
  /** Session index of the next sample to be produced. */
  readonly nextIndex: number;
  /** Beta envelope after stimulation's suppression, in uV (0 outside bursts). */
  readonly betaEnvelope_uV: number;
  /** True while the suppressed envelope is above half the unsuppressed burst amplitude. */
  readonly inBurst: boolean;
  /** Current suppression factor, 1 = none (after the plant's lag). */
  readonly suppression: number;
}

/**
 * Bursts longer than this count as "long" (Tinkhauser et al., Brain 140(4), 2017: beta
 * bursts over 400 ms track motor impairment in Parkinson's disease and are what adaptive
 * DBS aims to shorten).
 */
export const LONG_BURST_MS = 400;

export interface BurstStatistics {
  /** Seconds of data produced. */
  readonly duration_s: number;
  /** Time spent in bursts (ground truth, after suppression). */
  readonly burstTime_s: number;
  /** Time spent in bursts longer than LONG_BURST_MS. */
  readonly longBurstTime_s: number;
  readonly bursts: number;
  readonly longBursts: number;
}

/** Correlation time of the opt-in alpha frequency wander. */
export const ALPHA_WANDER_S = 1;
/** Correlation time of the opt-in alpha envelope (waxing and waning over about a second). */
export const ALPHA_WAX_WANE_S = 0.4;
/** Seeds the opt-in alpha variability's own generator from the brain's seed, so turning it on leaves every other draw where it was. */
const ALPHA_VARIABILITY_SEED_MIX = 0x5bd1e995;

/** Rise and fall of a burst envelope (raised cosine), capped at a quarter of the burst. */
const BURST_EDGE_MS = 60;
const SPIKE_MS = 12;

/**
 * A seeded synthetic LFP/EEG (docs/design.md, Simulator): 1/f background per channel, an
 * alpha rhythm with slow amplitude drift (opt-in: frequency wander and waxing/waning), beta (~20 Hz) bursts with Poisson onsets and
 * log-normal durations shared by all channels (with per-channel gains), line noise,
 * occasional spikes and saturation episodes, all clipped at the front end's range.
 *
 * The plant: beta amplitude is multiplied by 1 / (1 + (I / I50)^n) through a first-order
 * lag of time constant tau, where I is the stimulation amplitude set by `setStimulation`.
 * Deterministic: state advances one sample at a time in a fixed order of random draws.
 */
export class SyntheticBrain {
  readonly options: SyntheticBrainOptions;
  private readonly random: SeededRandom;
  /** Pink-noise filter state, seven numbers per channel. */
  private readonly pinkState: Float64Array;
  /** Per-sample scratch: white noise in, pink noise out, one per channel. */
  private readonly noise: Float64Array;
  private readonly alphaGain: Float64Array;
  private readonly betaGain: Float64Array;
  private readonly linePhase: Float64Array;
  private readonly alphaPhaseOffset: Float64Array;
  private index = 0;
  // Beta burst state.
  private burstStart = -1;
  private burstLength = 0;
  private burstEdge = 0;
  private burstPeak = 0;
  private betaPhase = 0;
  private betaFrequency_Hz: number;
  private envelope_uV = 0;
  // Alpha drift (first-order low-passed noise, about 1 s).
  private alphaDrift = 0;
  private alphaPhase = 0;
  /** The opt-in frequency wander and waxing/waning; null (the default) leaves alpha as it always was. */
  private readonly alphaVariability: RhythmVariability | null;
  /** What fired pulses do to the signal; null without pulseArtifact_uV or evokedResponse_uV. */
  private readonly pulseResponse: PulseResponse | null;
  /** The opt-in slow oscillation; null (the default) adds nothing and draws nothing. */
  private readonly slowOscillation: SlowOscillation | null;
  // Artefacts.
  private spikeLeft = 0;
  private saturationLeft = 0;
  private saturationSign = 1;
  // Plant.
  private stimAmplitude_mA = 0;
  private stimFrequency_Hz = 0;
  private stimPhase = 0;
  private suppression = 1;
  private readonly lagAlpha: number;
  // Ground-truth burst bookkeeping.
  private runLength = 0;
  private burstSamples = 0;
  private longBurstSamples = 0;
  private burstCount = 0;
  private longBurstCount = 0;
  private readonly longBurstMin: number;

  constructor(options: SyntheticBrainOptions) {
    if (!(options.fs_Hz > 0)) throw new Error(`fs_Hz must be positive, got ${options.fs_Hz}`);
    if (!Number.isInteger(options.channels) || options.channels < 1) throw new Error(`channels must be a whole number >= 1, got ${options.channels}`);
    this.options = options;
    this.random = new SeededRandom(options.seed);
    const n = options.channels;
    const spread = options.brain.channelGainSpread;
    this.pinkState = new Float64Array(7 * n);
    this.noise = new Float64Array(n);
    this.alphaGain = new Float64Array(n);
    this.betaGain = new Float64Array(n);
    this.linePhase = new Float64Array(n);
    this.alphaPhaseOffset = new Float64Array(n);
    for (let c = 0; c < n; c++) {
      this.alphaGain[c] = 1 + spread * (2 * this.random.uniform() - 1);
      this.betaGain[c] = 1 + spread * (2 * this.random.uniform() - 1);
      this.linePhase[c] = 2 * Math.PI * this.random.uniform();
      this.alphaPhaseOffset[c] = 0.3 * (2 * this.random.uniform() - 1);
    }
    this.betaFrequency_Hz = options.brain.betaFrequency_Hz;
    const wander_Hz = options.brain.alphaFrequencyWander_Hz ?? 0;
    const waxWane = options.brain.alphaWaxWane ?? 0;
    if (!(wander_Hz >= 0) || !Number.isFinite(wander_Hz)) throw new Error(`alphaFrequencyWander_Hz must be a finite number >= 0, got ${wander_Hz}`);
    if (!(waxWane >= 0 && waxWane <= 1)) throw new Error(`alphaWaxWane must be from 0 to 1, got ${waxWane}`);
    this.alphaVariability = wander_Hz > 0 || waxWane > 0 ? new RhythmVariability((options.seed ^ ALPHA_VARIABILITY_SEED_MIX) >>> 0, options.fs_Hz, { wanderSd_Hz: wander_Hz, wander_s: ALPHA_WANDER_S, envelope_s: ALPHA_WAX_WANE_S, depth: waxWane }) : null;
    const artifact_uV = options.plant.pulseArtifact_uV ?? 0;
    const evoked_uV = options.plant.evokedResponse_uV ?? 0;
    this.pulseResponse = artifact_uV !== 0 || evoked_uV !== 0 ? new PulseResponse(options.fs_Hz, artifact_uV, evoked_uV, options.plant.pulseArtifactDecay_ms) : null;
    const so_uV = options.brain.slowOscillation_uV ?? 0;
    if (!(so_uV >= 0) || !Number.isFinite(so_uV)) throw new Error(`slowOscillation_uV must be a finite number >= 0, got ${so_uV}`);
    this.slowOscillation = so_uV > 0 ? new SlowOscillation(options.seed, options.fs_Hz, so_uV, options.brain.slowOscillationFrequency_Hz ?? 0.8) : null;
    this.lagAlpha = 1 - Math.exp(-1000 / (options.fs_Hz * options.plant.tau_ms));
    this.longBurstMin = (LONG_BURST_MS / 1000) * options.fs_Hz;
  }

  /** Ground truth so far: how much of the time the (suppressed) beta was in bursts. */
  burstStatistics(): BurstStatistics {
    const fs = this.options.fs_Hz;
    // A burst still going on counts with what it has lasted so far.
    const open = this.runLength;
    const openLong = open > this.longBurstMin ? open : 0;
    return {
      duration_s: this.index / fs,
      burstTime_s: (this.burstSamples + open) / fs,
      longBurstTime_s: (this.longBurstSamples + openLong) / fs,
      bursts: this.burstCount + (open > 0 ? 1 : 0),
      longBursts: this.longBurstCount + (openLong > 0 ? 1 : 0),
    };
  }

  private trackBurst(inBurst: boolean): void {
    if (inBurst) {
      this.runLength++;
      return;
    }
    if (this.runLength === 0) return;
    this.burstSamples += this.runLength;
    this.burstCount++;
    if (this.runLength > this.longBurstMin) {
      this.longBurstSamples += this.runLength;
      this.longBurstCount++;
    }
    this.runLength = 0;
  }

  /** A pulse was fired (the simulated pulse stimulator calls this): its artefact and evoked response start at the next sample. */
  pulse(): void {
    this.pulseResponse?.pulse();
  }

  /** The stimulation the plant sees from now on (the simulated stimulator calls this). */
  setStimulation(amplitude_mA: number, frequency_Hz: number): void {
    this.stimAmplitude_mA = Number.isFinite(amplitude_mA) && amplitude_mA > 0 ? amplitude_mA : 0;
    this.stimFrequency_Hz = Number.isFinite(frequency_Hz) && frequency_Hz > 0 ? frequency_Hz : 0;
  }

  groundTruth(): BrainGroundTruth {
    const b = this.options.brain;
    return {
      nextIndex: this.index,
      betaEnvelope_uV: this.envelope_uV,
      inBurst: this.envelope_uV > 0.5 * b.betaAmplitude_uV && b.betaAmplitude_uV > 0,
      suppression: this.suppression,
    };
  }

  /**
   * Produces the next `length` samples of every channel into `out[c][offset ..]`.
   * Returns true if any sample was clipped at the front end's range.
   */
  fill(out: readonly Float32Array[] | readonly Float64Array[], offset: number, length: number): boolean {
    const { fs_Hz, brain, plant } = this.options;
    const channels = this.options.channels;
    const dt = 1 / fs_Hz;
    const twoPi = 2 * Math.PI;
    const onsetProbability = brain.burstRate_per_s * dt;
    const artifactProbability = (brain.artifactRate_per_min / 60) * dt;
    const alphaSmoothing = 1 - Math.exp(-dt / 1.0);
    const clip = brain.saturation_uV;
    let clipped = false;

    for (let i = 0; i < length; i++) {
      // Plant: the suppression the current stimulation asks for, reached through a lag.
      const target = 1 / (1 + (this.stimAmplitude_mA / plant.I50_mA) ** plant.hill);
      this.suppression += (target - this.suppression) * this.lagAlpha;

      // Beta bursts: Poisson onsets, log-normal durations, raised-cosine edges.
      if (this.burstStart < 0) {
        if (this.random.uniform() < onsetProbability) {
          const duration_ms = brain.burstMedian_ms * Math.exp(brain.burstSpread * this.random.normal());
          this.burstStart = this.index;
          this.burstLength = Math.max(2, Math.round((duration_ms / 1000) * fs_Hz));
          this.burstEdge = Math.max(1, Math.min(Math.round((BURST_EDGE_MS / 1000) * fs_Hz), Math.floor(this.burstLength / 4)));
          this.burstPeak = 0.7 + 0.6 * this.random.uniform();
          this.betaFrequency_Hz = brain.betaFrequency_Hz + 2 * (2 * this.random.uniform() - 1);
        }
      }
      let shape = 0;
      if (this.burstStart >= 0) {
        const k = this.index - this.burstStart;
        if (k >= this.burstLength) {
          this.burstStart = -1;
        } else {
          const fromEnd = this.burstLength - 1 - k;
          const edge = Math.min(k, fromEnd);
          shape = edge >= this.burstEdge ? 1 : 0.5 - 0.5 * Math.cos((Math.PI * edge) / this.burstEdge);
        }
      }
      this.envelope_uV = brain.betaAmplitude_uV * this.burstPeak * shape * this.suppression;
      this.trackBurst(brain.betaAmplitude_uV > 0 && this.envelope_uV > 0.5 * brain.betaAmplitude_uV);
      this.betaPhase += twoPi * this.betaFrequency_Hz * dt;
      if (this.betaPhase > twoPi) this.betaPhase -= twoPi;

      // Alpha with slow amplitude drift (and, opt-in, frequency wander and waxing/waning).
      this.alphaDrift += (this.random.normal() * 3 - this.alphaDrift) * alphaSmoothing;
      let alphaAmplitude = brain.alphaAmplitude_uV * Math.max(0, 1 + 0.5 * this.alphaDrift);
      let alphaFrequency_Hz = brain.alphaFrequency_Hz;
      if (this.alphaVariability !== null) {
        // Kept above 0.1 Hz so the rhythm never runs backwards, however large the wander.
        alphaFrequency_Hz = Math.max(0.1, alphaFrequency_Hz + this.alphaVariability.step());
        alphaAmplitude *= this.alphaVariability.gain;
      }
      this.alphaPhase += twoPi * alphaFrequency_Hz * dt;
      if (this.alphaPhase > twoPi) this.alphaPhase -= twoPi;

      // Artefacts, shared by all channels (movement, cable).
      if (this.spikeLeft === 0 && this.saturationLeft === 0 && this.random.uniform() < artifactProbability) {
        if (this.random.uniform() < 0.5) {
          this.spikeLeft = Math.max(2, Math.round((SPIKE_MS / 1000) * fs_Hz));
        } else {
          this.saturationLeft = Math.max(1, Math.round((brain.saturation_ms / 1000) * fs_Hz));
          this.saturationSign = this.random.uniform() < 0.5 ? -1 : 1;
        }
      }
      const spikeLength = Math.max(2, Math.round((SPIKE_MS / 1000) * fs_Hz));
      const spike = this.spikeLeft > 0 ? brain.spikeAmplitude_uV * Math.sin((Math.PI * (spikeLength - this.spikeLeft)) / spikeLength * 2) : 0;

      this.stimPhase += twoPi * this.stimFrequency_Hz * dt;
      if (this.stimPhase > twoPi) this.stimPhase -= twoPi;
      const stimArtifact = plant.stimArtifact_uV_per_mA * this.stimAmplitude_mA * Math.sin(this.stimPhase);
      const slow = this.slowOscillation?.next() ?? 0;
      const evoked = this.pulseResponse?.next() ?? 0;

      const t = this.index * dt;
      const beta = this.envelope_uV * Math.sin(this.betaPhase);
      const noise = this.noise;
      this.random.normalsInto(noise, channels);
      pinkNoiseInto(this.pinkState, noise, channels);
      for (let c = 0; c < channels; c++) {
        let x =
          brain.background_uV * noise[c] +
          alphaAmplitude * this.alphaGain[c] * Math.sin(this.alphaPhase + this.alphaPhaseOffset[c]) +
          beta * this.betaGain[c] +
          brain.lineAmplitude_uV * Math.sin(twoPi * brain.lineFrequency_Hz * t + this.linePhase[c]) +
          spike +
          stimArtifact +
          slow +
          evoked;
        if (this.saturationLeft > 0) x = this.saturationSign * clip;
        if (x > clip) {
          x = clip;
          clipped = true;
        } else if (x < -clip) {
          x = -clip;
          clipped = true;
        }
        out[c][offset + i] = x;
      }
      if (this.saturationLeft > 0) {
        this.saturationLeft--;
        clipped = true;
      }
      if (this.spikeLeft > 0) this.spikeLeft--;
      this.index++;
    }
    return clipped;
  }
}
