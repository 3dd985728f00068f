import { z } from 'zod';

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
