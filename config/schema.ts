import { z } from 'zod';
import { FORBIDDEN_KEY_MESSAGE, isForbiddenKey } from './forbiddenKeys.js';
import { limitsSchema } from './limitsSchema.js';
import { PLAUSIBLE } from './plausibleRanges.js';
import { telemetrySchema } from './telemetrySchema.js';
import { policyMaxAmplitude_mA, policySchema } from './policySchema.js';

/**
 * The whole config file. Every section is a strict object: an unknown key is an error,
 * never silently ignored (a misspelt safety limit must not pass unnoticed). Sections that
 * later work fills in (policy, limits, stimulator, telemetry, recording) exist already and
 * accept only what is implemented.
 */

const positive = (_unit: string) => z.number().finite().positive();
const count = (min: number, max: number) => z.number().int(`must be a whole number`).min(min).max(max);

export const rigSchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, "-" or "_" (it becomes an MQTT topic level)')
      .default('rig1'),
    description: z.string().max(500).optional(),
  })
  .describe('Which rig this is; the id names its telemetry topics.');

export const simBrainSchema = z
  .strictObject({
    background_uV: z.number().min(0).default(6).describe('Scale of the 1/f background noise.'),
    alphaFrequency_Hz: positive('Hz').default(10),
    alphaAmplitude_uV: z.number().min(0).default(5),
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
  })
  .describe('How stimulation acts on the simulated brain.');

const pacing = z.enum(['realtime', 'max']).describe('realtime: paced by the clock; max: as fast as possible.');

export const simSourceSchema = z.strictObject({
  kind: z.literal('sim'),
  fs_Hz: positive('Hz').max(PLAUSIBLE.fs_Hz.max).default(250),
  channels: count(PLAUSIBLE.channels.min, PLAUSIBLE.channels.max).default(2),
  seed: z.number().int().min(PLAUSIBLE.seed.min).max(PLAUSIBLE.seed.max).default(1),
  pacing: pacing.default('realtime'),
  block_samples: count(1, 100_000).default(10).describe('Samples per emitted block.'),
  brain: simBrainSchema.default(() => simBrainSchema.parse({})),
  plant: simPlantSchema.default(() => simPlantSchema.parse({})),
});

export const csvSourceSchema = z.strictObject({
  kind: z.literal('csv'),
  path: z.string().min(1),
  fs_Hz: positive('Hz').max(PLAUSIBLE.fs_Hz.max).optional().describe('Needed when the file has no t column.'),
  pacing: pacing.default('max'),
  block_samples: count(1, 100_000).default(250),
});

export const sourceSchema = z
  .discriminatedUnion('kind', [simSourceSchema, csvSourceSchema])
  .describe('Where samples come from.');

export const filterStageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.enum(['lowpass', 'highpass']), order: count(1, 12).default(4), cutoff_Hz: positive('Hz') }),
  z
    .strictObject({ type: z.enum(['bandpass', 'bandstop']), order: count(1, 12).default(2), lo_Hz: positive('Hz'), hi_Hz: positive('Hz') })
    .superRefine((s, ctx) => {
      if (!(s.hi_Hz > s.lo_Hz)) ctx.addIssue({ code: 'custom', path: ['hi_Hz'], message: `must be > lo_Hz (${s.lo_Hz})` });
    }),
  z.strictObject({ type: z.literal('notch'), freq_Hz: positive('Hz'), Q: positive('Q').default(30) }),
]);

export const bandSchema = z
  .strictObject({ lo_Hz: z.number().finite().min(0), hi_Hz: positive('Hz') })
  .superRefine((b, ctx) => {
    if (!(b.hi_Hz > b.lo_Hz)) ctx.addIssue({ code: 'custom', path: ['hi_Hz'], message: `must be > lo_Hz (${b.lo_Hz})` });
  });

export const DEFAULT_BAND_CONFIG = {
  delta: { lo_Hz: 1, hi_Hz: 4 },
  theta: { lo_Hz: 4, hi_Hz: 8 },
  alpha: { lo_Hz: 8, hi_Hz: 13 },
  beta: { lo_Hz: 13, hi_Hz: 30 },
  gamma: { lo_Hz: 30, hi_Hz: 45 },
} as const;

export const biomarkerSchema = z
  .strictObject({
    terms: z
      .array(
        z.strictObject({
          channel: z.union([z.string().min(1), z.number().int().min(0)]).describe('Channel name, or index from 0.'),
          band: z.string().min(1),
          weight: z.number().finite().default(1),
        }),
      )
      .min(1),
    offset: z.number().finite().default(0).describe('Subtracted from the weighted sum.'),
    scale: z.number().finite().default(1).describe('Multiplies (sum - offset).'),
    log10: z.boolean().default(false),
    average_frames: count(1, 10_000).default(1).describe('Moving average over the last K frames.'),
    baseline_s: z.number().finite().min(0).default(0).describe('z-score against the first S seconds (0: off).'),
  })
  .describe('Weighted sum of band powers (docs/design.md, Biomarker).');

const bandName = /^[A-Za-z][A-Za-z0-9_]*$/;

export const signalsSchema = z
  .strictObject({
    filters: z.array(filterStageSchema).default([]).describe('Causal pre-filters, applied in order.'),
    window_samples: count(2, PLAUSIBLE.window_samples.max).default(256),
    hop_samples: count(1, PLAUSIBLE.window_samples.max).optional().describe('Default: window_samples / 4.'),
    segment_samples: count(2, PLAUSIBLE.window_samples.max).optional().describe('Welch segment; default: window_samples.'),
    bands: z
      .record(
        z
          .string()
          .regex(bandName, 'band names are letters, digits and _ , starting with a letter')
          .refine((name) => !isForbiddenKey(name), FORBIDDEN_KEY_MESSAGE),
        bandSchema,
      )
      .default(() => structuredClone(DEFAULT_BAND_CONFIG) as Record<string, { lo_Hz: number; hi_Hz: number }>),
    biomarker: biomarkerSchema.optional(),
  })
  .superRefine((s, ctx) => {
    if (s.segment_samples !== undefined && s.segment_samples > s.window_samples) {
      ctx.addIssue({ code: 'custom', path: ['segment_samples'], message: `must be <= window_samples (${s.window_samples})` });
    }
    if (Object.keys(s.bands).length === 0) ctx.addIssue({ code: 'custom', path: ['bands'], message: 'needs at least one band' });
    s.biomarker?.terms.forEach((term, i) => {
      // Own keys only: `in` would find "toString" on every object.
      if (!Object.hasOwn(s.bands, term.band)) {
        ctx.addIssue({
          code: 'custom',
          path: ['biomarker', 'terms', i, 'band'],
          message: `unknown band "${term.band}" (bands: ${Object.keys(s.bands).join(', ')})`,
        });
      }
    });
  })
  .describe('The signal path: filters, windows, bands, biomarker.');

export const stimulatorSchema = z
  .strictObject({ kind: z.literal('simulated').describe('The simulated stimulator: drives the simulated patient (a sim source), else only records.') })
  .describe('Where the governor\'s output goes.');

const emptySection = (what: string) => z.strictObject({}).describe(`${what} (not configurable yet).`);

export const loggingSchema = z.strictObject({
  level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  file: z.string().min(1).optional().describe('Also write JSON log lines here.'),
});

export const configSchema = z
  .strictObject({
    rig: rigSchema.default(() => rigSchema.parse({})),
    source: sourceSchema.default(() => simSourceSchema.parse({ kind: 'sim' })),
    signals: signalsSchema.default(() => signalsSchema.parse({})),
    policy: policySchema.default({ kind: 'off' }),
    limits: limitsSchema.default(() => limitsSchema.parse({})),
    stimulator: stimulatorSchema.default({ kind: 'simulated' }),
    telemetry: telemetrySchema.default(() => telemetrySchema.parse({})),
    recording: emptySection('Session recording').default({}),
    logging: loggingSchema.default(() => loggingSchema.parse({})),
  })
  .superRefine((cfg, ctx) => {
    // Cross-section checks that need the sample rate, when the config knows it.
    const fs_Hz = cfg.source.fs_Hz;
    if (fs_Hz === undefined) return;
    const nyquist = fs_Hz / 2;
    for (const [name, band] of Object.entries(cfg.signals.bands)) {
      if (band.hi_Hz > nyquist) {
        ctx.addIssue({ code: 'custom', path: ['signals', 'bands', name, 'hi_Hz'], message: `must be <= ${nyquist} Hz, the Nyquist frequency of source.fs_Hz (${fs_Hz})` });
      }
    }
    cfg.signals.filters.forEach((stage, i) => {
      const edges: [string, number][] =
        stage.type === 'notch' ? [['freq_Hz', stage.freq_Hz]] : 'cutoff_Hz' in stage ? [['cutoff_Hz', stage.cutoff_Hz]] : [['lo_Hz', stage.lo_Hz], ['hi_Hz', stage.hi_Hz]];
      for (const [key, f] of edges) {
        if (!(f < nyquist)) {
          ctx.addIssue({ code: 'custom', path: ['signals', 'filters', i, key], message: `must be < ${nyquist} Hz, the Nyquist frequency of source.fs_Hz (${fs_Hz})` });
        }
      }
    });
    // Tunable policy parameters must be numbers the configured policy has.
    const policyParams = cfg.policy as Record<string, unknown>;
    for (const key of Object.keys(cfg.telemetry.commands.tunable)) {
      if (!Object.hasOwn(policyParams, key) || typeof policyParams[key] !== 'number') {
        const numeric = Object.keys(policyParams).filter((k) => typeof policyParams[k] === 'number');
        ctx.addIssue({
          code: 'custom',
          path: ['telemetry', 'commands', 'tunable', key],
          message: `policy "${cfg.policy.kind}" has no numeric parameter "${key}" (it has: ${numeric.join(', ') || 'none'})`,
        });
      }
    }
    const asked = policyMaxAmplitude_mA(cfg.policy);
    if (asked > 0 && cfg.limits.amplitude_mA.max === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['limits', 'amplitude_mA', 'max'],
        message: `is 0 (the default: no stimulation), but policy "${cfg.policy.kind}" asks for up to ${asked} mA; set the hard limits in the limits section`,
      });
    }
    if (cfg.source.kind === 'sim') {
      const channels = cfg.source.channels;
      cfg.signals.biomarker?.terms.forEach((term, i) => {
        if (typeof term.channel === 'number' && term.channel >= channels) {
          ctx.addIssue({ code: 'custom', path: ['signals', 'biomarker', 'terms', i, 'channel'], message: `must be < source.channels (${channels})` });
        }
      });
    }
  });

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type SourceConfig = z.output<typeof sourceSchema>;
export type SimSourceConfig = z.output<typeof simSourceSchema>;
export type SimBrainConfig = z.output<typeof simBrainSchema>;
export type SimPlantConfig = z.output<typeof simPlantSchema>;
export type SignalsConfig = z.output<typeof signalsSchema>;
export type BiomarkerConfig = z.output<typeof biomarkerSchema>;
export type LoggingConfig = z.output<typeof loggingSchema>;
export type { LimitsConfig } from './limitsSchema.js';
export type { TelemetryConfig } from './telemetrySchema.js';
export type { PolicyConfig } from './policySchema.js';
