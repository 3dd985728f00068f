import { z } from 'zod';
import { coursePlan } from './coursePlan.js';
import { FORBIDDEN_KEY_MESSAGE, isForbiddenKey } from './forbiddenKeys.js';
import { limitsSchema } from './limitsSchema.js';
import { modalityChecks } from './modalityChecks.js';
import { modalitySchema } from './modalityLimitsSchema.js';
import { PLAUSIBLE } from './plausibleRanges.js';
import { telemetrySchema } from './telemetrySchema.js';
import { simBrainSchema, simPlantSchema } from './simPatientSchema.js';
import { adsNominalFs_Hz, adsSourceSchema, gpioSchema, mcp4725StimulatorSchema } from './hardwareSchema.js';

export { simBrainSchema, simPlantSchema };
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
    courseLedger: z
      .string()
      .min(1)
      .max(4096)
      .optional()
      .describe('The course ledger (limits.course), relative to the config file. Default: $STATE_DIRECTORY, $XDG_STATE_HOME/neuroloop or ~/.local/state/neuroloop, then <rig id>/course.ndjson. Set it on a rig that runs both as a service and by hand, so both use one ledger.'),
  })
  .describe('Which rig this is; the id names its telemetry topics.');

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

export const edfSourceSchema = z.strictObject({
  kind: z.literal('edf').describe('An EDF, EDF+, BDF or BDF+ file (neuroloop replay FILE sets this).'),
  path: z.string().min(1),
  channels: z
    .array(z.union([z.string().min(1), z.number().int().min(0)]))
    .min(1)
    .optional()
    .describe('Signals to read, by label or 0-based header index; default: every signal at the rate of the first.'),
  pacing: pacing.default('max'),
  block_samples: count(1, 100_000).default(250),
});

export const sourceSchema = z
  .discriminatedUnion('kind', [simSourceSchema, csvSourceSchema, edfSourceSchema, adsSourceSchema])
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
    threads: count(1, 16)
      .default(1)
      .describe(
        'Threads that share the channels\' band power: this one and threads - 1 workers. The frames are bit-identical for any value, only sooner on a multi-core machine (a Pi 4 or 5 has 4 cores; docs/raspberry-pi.md).',
      ),
    band_power_method: z
      .enum(['auto', 'transform', 'partial-sums'])
      .default('auto')
      .describe(
        'How each window\'s spectrum is made. transform: a DFT of the window at its end (shared by signals.threads). partial-sums: the DFT\'s sums built as samples arrive, so little is left at the window\'s end (one segment per window only; one thread). auto: partial sums where they cut the work at a window\'s end by half or more for at most 1.5x the CPU (docs/design.md, Speed). They agree to about 1e-13, not bit for bit.',
      ),
  })
  .superRefine((s, ctx) => {
    if (s.segment_samples !== undefined && s.segment_samples > s.window_samples) {
      ctx.addIssue({ code: 'custom', path: ['segment_samples'], message: `must be <= window_samples (${s.window_samples})` });
    }
    if (s.band_power_method === 'partial-sums' && s.segment_samples !== undefined && s.segment_samples !== s.window_samples) {
      ctx.addIssue({ code: 'custom', path: ['band_power_method'], message: `partial-sums needs one Welch segment per window: segment_samples (${s.segment_samples}) must equal window_samples (${s.window_samples}) or be left out` });
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
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('simulated').describe('The simulated stimulator: drives the simulated patient (a sim source or emulated hardware), else only records.'), modality: modalitySchema }),
    mcp4725StimulatorSchema.extend({ modality: modalitySchema }).describe(mcp4725StimulatorSchema.description ?? ''),
  ])
  .describe('Where the governor\'s output goes.');

/**
 * pulses: a pulse modality (TMS, a TTL-triggered device, clicks) and where its pulses are
 * wanted. Each one goes through the governor's pulse limits (limits.pulses, required with
 * this section) and out on gpio.trigger when it is configured (else it is only traced).
 */
export const pulsesSchema = z
  .strictObject({
    schedule: z
      .discriminatedUnion('kind', [
        z.strictObject({
          kind: z.literal('pattern').describe('A fixed pattern: bursts of pulses, bursts at a rate, on/off periods (e.g. iTBS, cTBS, single pulses).'),
          pulsesPerBurst: count(1, 100).default(1),
          pulseRate_Hz: z.number().finite().min(0).max(1000).default(0).describe('Pulses within a burst (needed when pulsesPerBurst > 1).'),
          burstRate_Hz: z.number().finite().positive().max(1000).describe('Bursts per second within an on-period.'),
          on_s: positive('s').max(86_400).describe('On-period: one train of bursts.'),
          off_s: z.number().finite().min(0).max(86_400).default(0).describe('Pause between trains (0: continuous).'),
          total: count(1, 1_000_000).describe('Pulses in the session.'),
          start_s: z.number().finite().min(0).max(86_400).default(0).describe('First pulse, after the session\'s first sample.'),
        }),
        z.strictObject({
          kind: z.literal('phase').describe('Phase-locked: a pulse when the causal phase of a band crosses a target (Zrenner et al. 2018; ecHT, Schreglmann et al. 2021).'),
          channel: z.union([z.string().min(1), z.number().int().min(0)]).default(0).describe('Channel watched: name, or index from 0.'),
          band: z
            .strictObject({ lo_Hz: z.number().finite().positive(), hi_Hz: z.number().finite().positive() })
            .describe('Band whose phase is tracked (alpha/mu: 8 to 13 Hz; slow oscillation: 0.5 to 1.25 Hz).'),
          targetPhase_deg: z.number().finite().min(-360).max(360).describe('0: the band\'s peak, 180: its trough, 90: the falling zero crossing.'),
          amplitudeGate: z
            .discriminatedUnion('kind', [
              z.strictObject({ kind: z.literal('absolute'), min_uV: z.number().finite().min(0).describe('Fire only while the band amplitude is at least this.') }),
              z.strictObject({
                kind: z.literal('percentile'),
                percentile: z.number().finite().min(0).max(100).describe('50: the top half of the band amplitude.'),
                over_s: z.number().finite().positive().max(3600).describe('Over the last this many seconds (no pulse until they are there).'),
              }),
            ])
            .default({ kind: 'percentile', percentile: 50, over_s: 10 }),
          refractory_ms: z.number().finite().min(0).max(3_600_000).describe('No pulse within this long after the last one asked for.'),
          lead_ms: z.number().finite().min(0).max(1000).default(0).describe('Latency compensation: fire when the phase this far ahead reaches the target.'),
          blank_ms: z
            .number()
            .finite()
            .min(0)
            .max(1000)
            .default(0)
            .describe('Artefact blanking: this long after each pulse the estimator runs on its own prediction, not the samples (cover the trigger latency and the artefact); 0: none.'),
          window_ms: z.number().finite().min(50).max(10_000).default(500).describe('ecHT window.'),
          estimateEvery_samples: count(1, 1000).default(1).describe('A fresh estimate every this many samples, the phase advanced at the tracked frequency in between (cheaper at high rates).'),
        }),
      ])
      .describe('Where pulses are wanted.'),
  })
  .describe('A pulse modality (docs/design.md, Modalities); needs limits.pulses.');

export const recordingSchema = z
  .strictObject({
    format: z.enum(['bdf', 'edf']).default('bdf').describe('Signal file of a recorded session: bdf (BDF+, 24-bit) or edf (EDF+, 16-bit).'),
    range_uV: positive('uV')
      .max(1e6)
      .default(3276.7)
      .describe(
        'Physical range (+/- uV) of the signal grid for sources without a range of their own (the simulator). A live source puts every sample on this grid, recorded or not, so that a replay of the recording sees the same numbers; samples beyond it are clipped.',
      ),
    patientCode: z
      .string()
      .regex(/^[\x21-\x7e]{1,40}$/, 'must be 1 to 40 printable ASCII characters without spaces (a code, not a name)')
      .optional()
      .describe('Patient code written into the EDF+ patient field (default X: unknown).'),
  })
  .describe('How `neuroloop run --record DIR` writes a session (docs/design.md, Recording).');

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
    stimulator: stimulatorSchema.default(() => stimulatorSchema.parse({ kind: 'simulated' })),
    pulses: pulsesSchema.optional(),
    gpio: gpioSchema.default(() => gpioSchema.parse({})),
    telemetry: telemetrySchema.default(() => telemetrySchema.parse({})),
    recording: recordingSchema.default(() => recordingSchema.parse({})),
    logging: loggingSchema.default(() => loggingSchema.parse({})),
  })
  .superRefine((cfg, ctx) => {
    // Cross-section checks that need the sample rate, when the config knows it.
    hardwareChecks(cfg, ctx);
    // stimulator.modality: its limits, and its policies within them (docs/modalities-currents.md).
    modalityChecks(cfg, ctx);
    const fs_Hz = sourceNominalFs_Hz(cfg.source);
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
    // One GPIO line, one job: two claims on a line fail at open (EBUSY) after other lines are already set up.
    const lines: { path: (string | number)[]; line: number }[] = [];
    if (cfg.gpio.trigger !== undefined) lines.push({ path: ['gpio', 'trigger', 'line'], line: cfg.gpio.trigger.line });
    if (cfg.gpio.estop !== undefined) lines.push({ path: ['gpio', 'estop', 'line'], line: cfg.gpio.estop.line });
    if (cfg.stimulator.kind === 'mcp4725' && cfg.stimulator.enable !== undefined) lines.push({ path: ['stimulator', 'enable', 'line'], line: cfg.stimulator.enable.line });
    if ((cfg.source.kind === 'ads1115' || cfg.source.kind === 'ads1015') && cfg.source.alertRdyLine !== undefined) lines.push({ path: ['source', 'alertRdyLine'], line: cfg.source.alertRdyLine });
    for (let i = 1; i < lines.length; i++) {
      const first = lines.slice(0, i).find((l) => l.line === lines[i].line);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: lines[i].path, message: `GPIO${lines[i].line} is already ${first.path.join('.')}; each line can have one job` });
    }
    if (cfg.pulses !== undefined) {
      if (cfg.limits.pulses === undefined) {
        ctx.addIssue({ code: 'custom', path: ['limits', 'pulses'], message: 'is missing, but the pulses section asks for pulses; set the pulse limits (minInterval_ms, maxPerTrain, maxTrainDuration_ms, minInterTrain_ms, maxPerSession)' });
      }
      const trigger = cfg.gpio.trigger;
      const minInterval_ms = cfg.limits.pulses?.minInterval_ms;
      if (trigger !== undefined && minInterval_ms !== undefined && trigger.pulseWidth_us / 1000 >= minInterval_ms) {
        ctx.addIssue({ code: 'custom', path: ['gpio', 'trigger', 'pulseWidth_us'], message: `${trigger.pulseWidth_us} us is not shorter than limits.pulses.minInterval_ms (${minInterval_ms} ms): one pulse would still be high when the next may start` });
      }
      const s = cfg.pulses.schedule;
      if (s.kind === 'phase') {
        if (!(s.band.lo_Hz < s.band.hi_Hz)) ctx.addIssue({ code: 'custom', path: ['pulses', 'schedule', 'band'], message: `lo_Hz (${s.band.lo_Hz}) must be below hi_Hz (${s.band.hi_Hz})` });
        const fs_Hz = sourceNominalFs_Hz(cfg.source);
        if (fs_Hz !== undefined && s.band.hi_Hz >= fs_Hz / 2) ctx.addIssue({ code: 'custom', path: ['pulses', 'schedule', 'band', 'hi_Hz'], message: `must be below the Nyquist frequency (${fs_Hz / 2} Hz at source.fs ${fs_Hz} Hz)` });
        const minInterval_ms = cfg.limits.pulses?.minInterval_ms;
        if (minInterval_ms !== undefined && s.refractory_ms < minInterval_ms) {
          // The governor would refuse every pulse asked for inside its minimum interval: ask no faster than it allows.
          ctx.addIssue({ code: 'custom', path: ['pulses', 'schedule', 'refractory_ms'], message: `${s.refractory_ms} ms is under limits.pulses.minInterval_ms (${minInterval_ms} ms): the governor would refuse the pulses asked for in between` });
        }
        if (s.blank_ms >= s.window_ms) {
          // The estimator would see nothing but its own prediction for a whole window: the phase would be a guess.
          ctx.addIssue({ code: 'custom', path: ['pulses', 'schedule', 'blank_ms'], message: `${s.blank_ms} ms is not shorter than window_ms (${s.window_ms} ms): the estimator would run on its own prediction alone` });
        }
      } else if (s.pulsesPerBurst > 1 && !(s.pulseRate_Hz > 0)) {
        ctx.addIssue({ code: 'custom', path: ['pulses', 'schedule', 'pulseRate_Hz'], message: `must be > 0 for ${s.pulsesPerBurst} pulses per burst` });
      } else if (s.pulsesPerBurst > 1 && (s.pulsesPerBurst - 1) / s.pulseRate_Hz >= 1 / s.burstRate_Hz) {
        ctx.addIssue({ code: 'custom', path: ['pulses', 'schedule', 'pulseRate_Hz'], message: `${s.pulsesPerBurst} pulses at ${s.pulseRate_Hz} Hz do not fit between bursts at ${s.burstRate_Hz} Hz` });
      }
    }
    const course = cfg.limits.course;
    if (course !== undefined) {
      // A course no session of this config could ever start in is a config error, not a refusal at every run.
      const plan = coursePlan(cfg);
      const modality = cfg.stimulator.modality;
      if (course.dailyPulses !== undefined && modality !== 'tms' && modality !== 'ttl') {
        ctx.addIssue({ code: 'custom', path: ['limits', 'course', 'dailyPulses'], message: `counts the pulses of a pulse modality (tms, ttl), but stimulator.modality is ${modality}; limit its stimulation pulses per session with limits.dose.maxPulses` });
      } else if (course.dailyPulses !== undefined && plan.pulses !== null && plan.pulses > course.dailyPulses) {
        ctx.addIssue({ code: 'custom', path: ['limits', 'course', 'dailyPulses'], message: `${course.dailyPulses} is fewer than one session's ${plan.pulses} pulses (the pattern's total or limits.pulses.maxPerSession): no session could ever start` });
      }
      if (course.dailyCharge_mC !== undefined && plan.charge_mC === null) {
        ctx.addIssue({ code: 'custom', path: ['limits', 'course', 'dailyCharge_mC'], message: 'needs a per-session charge budget (limits.dose.maxCharge_mC, or limits.current.maxCharge_mC for tdcs and tacs): without one a session\'s charge is not bounded and none could ever start' });
      } else if (course.dailyCharge_mC !== undefined && plan.charge_mC !== null && plan.charge_mC > course.dailyCharge_mC) {
        ctx.addIssue({ code: 'custom', path: ['limits', 'course', 'dailyCharge_mC'], message: `${course.dailyCharge_mC} mC is less than one session's budget (${plan.charge_mC} mC): no session could ever start` });
      }
    }
    if (cfg.pulses?.schedule.kind === 'phase' && typeof cfg.pulses.schedule.channel === 'number' && cfg.source.kind === 'sim' && cfg.pulses.schedule.channel >= cfg.source.channels) {
      ctx.addIssue({ code: 'custom', path: ['pulses', 'schedule', 'channel'], message: `must be < source.channels (${cfg.source.channels})` });
    }
    if ((cfg.policy.kind === 'threshold' || cfg.policy.kind === 'dual-threshold') && cfg.policy.calibration !== undefined) {
      // The thresholds are placed from the patient's own unstimulated beta: the biomarker's baseline, with stimulation off throughout it.
      const baseline_s = cfg.signals.biomarker?.baseline_s ?? 0;
      if (!(baseline_s > 0)) {
        ctx.addIssue({ code: 'custom', path: ['policy', 'calibration'], message: 'places the thresholds from the biomarker\'s baseline: set signals.biomarker.baseline_s (e.g. 20)' });
      } else if (cfg.policy.startupDelay_ms < baseline_s * 1000) {
        ctx.addIssue({ code: 'custom', path: ['policy', 'startupDelay_ms'], message: `${cfg.policy.startupDelay_ms} ms is shorter than the baseline the calibration reads (signals.biomarker.baseline_s ${baseline_s} s): stimulation must stay off until it has been measured` });
      }
      const sweep = cfg.policy.kind === 'dual-threshold' ? cfg.policy.calibration.sweep : undefined;
      // The sweep stimulates on its own schedule: every amplitude it asks for must be one the hard limits allow (the governor would clamp it, and the measurement would be of another amplitude).
      sweep?.amplitudes_mA.forEach((a, i) => {
        if (a > cfg.limits.amplitude_mA.max) ctx.addIssue({ code: 'custom', path: ['policy', 'calibration', 'sweep', 'amplitudes_mA', i], message: `${a} mA is above limits.amplitude_mA.max (${cfg.limits.amplitude_mA.max} mA): the sweep may only measure amplitudes within the hard limits` });
      });
    }
    const asked = policyMaxAmplitude_mA(cfg.policy);
    if (asked > 0 && cfg.limits.amplitude_mA.max === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['limits', 'amplitude_mA', 'max'],
        message: `is 0 (the default: no stimulation), but policy "${cfg.policy.kind}" asks for up to ${asked} mA; set the hard limits in the limits section`,
      });
    }
    if (cfg.source.kind === 'sim' || cfg.source.kind === 'ads1115' || cfg.source.kind === 'ads1015') {
      const channels = cfg.source.kind === 'sim' ? cfg.source.channels : cfg.source.inputs.length;
      cfg.signals.biomarker?.terms.forEach((term, i) => {
        if (typeof term.channel === 'number' && term.channel >= channels) {
          ctx.addIssue({ code: 'custom', path: ['signals', 'biomarker', 'terms', i, 'channel'], message: `must be < source.channels (${channels})` });
        }
      });
    }
  });

/** The sample rate a source will run at, when the config alone tells it (a CSV with a t column does not). */
export function sourceNominalFs_Hz(source: z.output<typeof sourceSchema>): number | undefined {
  if (source.kind === 'sim' || source.kind === 'csv') return source.fs_Hz;
  if (source.kind === 'edf') return undefined;
  return adsNominalFs_Hz(source.dataRate_SPS, source.inputs.length);
}

/**
 * Emulated and real hardware do not mix in one session (the emulated chips share one
 * virtual clock and one simulated patient), and a DAC must be able to deliver every
 * amplitude the hard limits allow: a code clamped at full scale would deliver less than
 * the governor reports.
 */
function hardwareChecks(cfg: { source: z.output<typeof sourceSchema>; stimulator: z.output<typeof stimulatorSchema>; gpio: z.output<typeof gpioSchema>; limits: { amplitude_mA: { max: number } } }, ctx: z.RefinementCtx): void {
  const source = cfg.source;
  if ((source.kind === 'ads1115' || source.kind === 'ads1015') && !source.emulated) {
    const f = source.emulation.faults;
    if (f.eioProbability > 0 || f.stall !== undefined || f.rdyStopsAt_s !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['source', 'emulation', 'faults'], message: 'are faults of the emulated chip: only with source.emulated: true' });
    }
  }
  if (cfg.gpio.emulation.estopPressAt_s !== undefined) {
    if (!((source.kind === 'ads1115' || source.kind === 'ads1015') && source.emulated)) {
      ctx.addIssue({ code: 'custom', path: ['gpio', 'emulation', 'estopPressAt_s'], message: 'presses an emulated button: only with emulated hardware (source.emulated: true)' });
    } else if (cfg.gpio.estop === undefined) {
      ctx.addIssue({ code: 'custom', path: ['gpio', 'emulation', 'estopPressAt_s'], message: 'needs gpio.estop (the line to press)' });
    }
  }
  const stim = cfg.stimulator;
  const adsEmulated = (source.kind === 'ads1115' || source.kind === 'ads1015') && source.emulated;
  const adsReal = (source.kind === 'ads1115' || source.kind === 'ads1015') && !source.emulated;
  if (stim.kind === 'mcp4725') {
    if (stim.emulated && !adsEmulated) {
      ctx.addIssue({ code: 'custom', path: ['stimulator', 'emulated'], message: `an emulated MCP4725 needs the emulated patient behind an emulated ADC: source.kind ads1115 or ads1015 with emulated: true (source.kind is ${source.kind}${adsReal ? ', real hardware' : ''})` });
    }
    if (!stim.emulated && adsEmulated) {
      ctx.addIssue({ code: 'custom', path: ['stimulator', 'emulated'], message: 'must be true when source.emulated is true (real and emulated hardware do not mix in one session)' });
    }
    if (!stim.emulated && stim.emulation.refuseWritesAt_s !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['stimulator', 'emulation', 'refuseWritesAt_s'], message: 'is a fault of the emulated DAC: only with stimulator.emulated: true' });
    }
    const fullScale_mA = stim.referenceVoltage_V * stim.mA_per_V * (4095 / 4096);
    if (cfg.limits.amplitude_mA.max > fullScale_mA) {
      ctx.addIssue({
        code: 'custom',
        path: ['limits', 'amplitude_mA', 'max'],
        message: `is ${cfg.limits.amplitude_mA.max} mA, more than the MCP4725 can ask for (${fullScale_mA.toFixed(4)} mA = referenceVoltage_V x mA_per_V x 4095/4096); lower it or recalibrate stimulator.mA_per_V`,
      });
    }
  }
}

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type SourceConfig = z.output<typeof sourceSchema>;
export type SimSourceConfig = z.output<typeof simSourceSchema>;
export type SimBrainConfig = z.output<typeof simBrainSchema>;
export type SimPlantConfig = z.output<typeof simPlantSchema>;
export type SignalsConfig = z.output<typeof signalsSchema>;
export type BiomarkerConfig = z.output<typeof biomarkerSchema>;
export type LoggingConfig = z.output<typeof loggingSchema>;
export type StimulatorConfig = z.output<typeof stimulatorSchema>;
export type { AdsSourceConfig, GpioConfig, Mcp4725StimulatorConfig } from './hardwareSchema.js';
export type { LimitsConfig } from './limitsSchema.js';
export type { TelemetryConfig } from './telemetrySchema.js';
export type { PolicyConfig } from './policySchema.js';
