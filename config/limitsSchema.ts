import { z } from 'zod';
import { courseLimitsSchema } from './courseLimitsSchema.js';
import { currentLimitsSchema, vnsLimitsSchema } from './modalityLimitsSchema.js';

/**
 * limits: the hard safety limits of docs/design.md (Safety governor). Read from the config file
 * at start-up and frozen; no command can change them. Without this section nothing can
 * be stimulated: the default amplitude maximum is 0 mA.
 */
const range = (unit: string, min: number, max: number) =>
  z
    .strictObject({ min: z.number().finite().min(0), max: z.number().finite().min(0) })
    .default({ min, max })
    .superRefine((r, ctx) => {
      if (!(r.max >= r.min)) ctx.addIssue({ code: 'custom', path: ['max'], message: `must be >= min (${r.min} ${unit})` });
    });

export const fallbackSchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('off') }),
  z.strictObject({
    mode: z.literal('fixed'),
    amplitude_mA: z.number().finite().min(0),
    frequency_Hz: z.number().finite().positive().default(130),
    pulseWidth_us: z.number().finite().positive().default(60),
  }),
]);

/**
 * limits.pulses: what a pulse stimulator (TMS, a TTL-triggered device, auditory clicks) may
 * fire (docs/design.md, Modalities; controller/pulseGovernor.ts). Every field is required:
 * a pulse limit is never a default. Without this section no pulse is fired. iTBS (Huang et
 * al. 2005): triplets at 50 Hz (20 ms) every 200 ms, 2 s on and 8 s off, 600 pulses, is
 * minInterval_ms 20, maxPerTrain 30, maxTrainDuration_ms 2000, minInterTrain_ms 8000,
 * maxPerSession 600.
 */
export const pulseLimitsSchema = z
  .strictObject({
    minInterval_ms: z.number().finite().positive().describe('No pulse closer than this to the one before.'),
    maxPerTrain: z.number().int().positive().describe('Pulses in one train (a run of pulses each less than minInterTrain_ms after the last).'),
    maxTrainDuration_ms: z.number().finite().min(0).describe("From a train's first pulse to its last."),
    minInterTrain_ms: z.number().finite().positive().describe('A pulse this long or longer after the last one starts a new train.'),
    maxPerSession: z.number().int().min(0),
  })
  .superRefine((p, ctx) => {
    if (!(p.minInterTrain_ms >= p.minInterval_ms)) ctx.addIssue({ code: 'custom', path: ['minInterTrain_ms'], message: `must be >= minInterval_ms (${p.minInterval_ms})` });
  });

export type PulseLimits = z.output<typeof pulseLimitsSchema>;

export const limitsSchema = z
  .strictObject({
    amplitude_mA: z
      .strictObject({ max: z.number().finite().min(0) })
      .default({ max: 0 })
      .describe('The applied amplitude stays in [0, max]. Default max 0: no stimulation.'),
    frequency_Hz: range('Hz', 2, 250),
    pulseWidth_us: range('us', 20, 450),
    electrodeArea_cm2: z.number().finite().positive().default(0.06).describe('Contact area; 0.06 cm2 is a Medtronic 3389 DBS contact.'),
    maxChargeDensity_uC_cm2: z.number().finite().positive().default(30).describe('Per phase.'),
    shannonK: z.number().finite().default(1.75).describe('k of the Shannon criterion log10(D) <= k - log10(Q).'),
    rampUp_mA_per_s: z.number().finite().positive().default(2),
    rampDown_mA_per_s: z.number().finite().positive().default(4),
    staleAfter_ms: z.number().finite().positive().default(1000).describe('No valid feature frame this long: fallback.'),
    fallback: fallbackSchema.default({ mode: 'off' }),
    dose: z
      .strictObject({
        maxOnTime_s: z.number().finite().positive().optional(),
        maxCharge_mC: z.number().finite().positive().optional().describe('Delivered charge (one phase per pulse).'),
        maxPulses: z.number().int().positive().optional(),
      })
      .default({})
      .describe('Per-session budget; when spent, stimulation ramps off and latches.'),
    pulses: pulseLimitsSchema.optional().describe('Pulse modalities (TMS, TTL triggers, clicks); absent: no pulse is ever fired.'),
    vns: vnsLimitsSchema.optional().describe('VNS duty cycle: required with stimulator.modality vns, refused with any other.'),
    current: currentLimitsSchema.optional().describe('tDCS/tACS session budget and ramps: required with stimulator.modality tdcs or tacs, refused with any other.'),
    course: courseLimitsSchema.optional().describe('Limits across the sessions of a treatment course on this rig, checked against its course ledger before a session starts; absent: no ledger is kept.'),
    lockout: z
      .strictObject({ maxEvents: z.number().int().positive().default(20), window_s: z.number().finite().positive().default(10) })
      .default({ maxEvents: 20, window_s: 10 })
      .describe('More than maxEvents limit events within window_s latches stimulation off.'),
  })
  .superRefine((l, ctx) => {
    if (l.fallback.mode === 'fixed' && l.fallback.amplitude_mA > l.amplitude_mA.max) {
      ctx.addIssue({ code: 'custom', path: ['fallback', 'amplitude_mA'], message: `must be <= amplitude_mA.max (${l.amplitude_mA.max})` });
    }
  });

export type LimitsConfig = z.output<typeof limitsSchema>;
