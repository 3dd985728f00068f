import { z } from 'zod';

/** The simulated patient (docs/design.md, Simulator): behind the sim source and behind emulated hardware. */

const positive = (_unit: string) => z.number().finite().positive();

export const simBrainSchema = z
  .strictObject({
    background_uV: z.number().min(0).default(6).describe('Scale of the 1/f background noise.'),
    alphaFrequency_Hz: positive('Hz').default(10),
    alphaAmplitude_uV: z.number().min(0).default(5),
    alphaFrequencyWander_Hz: z.number().finite().min(0).max(3).default(0).describe('Slow wander of the alpha frequency (SD in Hz); 0: a fixed frequency. Real alpha is no fixed sine.'),
    slowOscillation_uV: z.number().finite().min(0).max(500).default(0).describe('Peak amplitude of the slow oscillation of deep sleep (waxing and waning, all channels); 0: none. For closed-loop auditory stimulation.'),
    slowOscillationFrequency_Hz: z.number().finite().min(0.2).max(4).default(0.8),
    alphaWaxWane: z.number().finite().min(0).max(1).default(0).describe('Depth 0 to 1 of alpha waxing and waning (1: alpha in bursts); 0: a slowly drifting amplitude only.'),
    betaFrequency_Hz: positive('Hz').default(20),
    betaAmplitude_uV: z.number().min(0).default(12).describe('Peak amplitude of a beta burst with no stimulation.'),
    burstRate_per_s: z.number().min(0).max(20).default(1.2).describe('Mean rate of beta burst onsets (Poisson).'),
    burstMedian_ms: positive('ms').default(250).describe('Median burst duration; durations are log-normal.'),
    burstSpread: z.number().min(0).max(3).default(0.7).describe('Sigma of ln(duration): larger gives a longer tail.'),
    lineFrequency_Hz: z.union([z.literal(50), z.literal(60)]).default(50),
    lineAmplitude_uV: z.number().min(0).default(1.5),
    artifactRate_per_min: z.number().min(0).max(600).default(1).describe('Spikes and saturation episodes per minute.'),
    spikeAmplitude_uV: z.number().min(0).default(250),
    saturation_uV: positive('uV').default(400).describe('Level at which the emulated front end clips.'),
    saturation_ms: positive('ms').default(80),
    channelGainSpread: z.number().min(0).max(1).default(0.3).describe('How much rhythms differ between channels.'),
  })
  .describe('The synthetic brain behind the simulator (docs/design.md, Simulator).');

export const simPlantSchema = z
  .strictObject({
    I50_mA: positive('mA').default(1.5).describe('Amplitude that halves beta burst amplitude.'),
    hill: positive('exponent').default(2).describe('Steepness n of 1 / (1 + (I / I50)^n).'),
    tau_ms: positive('ms').default(200).describe('First-order lag of the suppression.'),
    stimArtifact_uV_per_mA: z.number().min(0).default(0).describe('Stimulation artefact added per mA (at the stimulation frequency).'),
    pulseArtifact_uV: z.number().finite().min(-2000).max(2000).default(0).describe('Artefact a fired pulse leaves in the signal (decaying over a few ms); 0: none.'),
    pulseArtifactDecay_ms: z
      .number()
      .finite()
      .min(0.1)
      .max(500)
      .default(2)
      .describe('Decay time constant of that artefact: a few ms on a fast amplifier, tens of ms for the decay artefact of a DC-coupled one.'),
    evokedResponse_uV: z.number().finite().min(-500).max(500).default(0).describe('Peak of the evoked response to a fired pulse (N100-P200-like, about 0.5 s); 0: none.'),
  })
  .describe('How stimulation acts on the simulated brain.');

