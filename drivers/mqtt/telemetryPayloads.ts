import { z } from 'zod';
import { markerSchema } from '../../controller/marker.js';

/**
 * The telemetry contract (docs/telemetry.md): zod schemas of every JSON payload under
 * `<prefix>/<rig>/`, importable by a TypeScript dashboard as `neuroloop/telemetry`.
 * Every payload carries `v` (this version, 1). Times `t_s` are session data time.
 */
export const TELEMETRY_VERSION = 1;

const stim = {
  enabled: z.boolean(),
  amplitude_mA: z.number(),
  frequency_Hz: z.number(),
  pulseWidth_us: z.number(),
};

/**
 * How a session ended, in the last `status`: the data ran out (`end of data`), a first
 * Ctrl+C/SIGTERM ramped it off (`stopped`), a second one cut it (`cut`), it was e-stopped
 * or latched in a fault at the end (`estop`, `fault`), or it failed (`error`).
 */
export const FINAL_STATES = ['end of data', 'stopped', 'cut', 'estop', 'fault', 'error'] as const;
export type FinalState = (typeof FINAL_STATES)[number];

/**
 * `status` (retained, QoS 1). The broker's last will sets state "offline" (without
 * `final`: the process died); a clean end publishes "offline" with `final`.
 */
export const statusPayload = z.object({
  v: z.literal(TELEMETRY_VERSION),
  state: z.enum(['online', 'offline', 'estop', 'fault']),
  rig: z.string(),
  session: z.string(),
  version: z.string(),
  configHash: z.string(),
  startedAt: z.string().describe('ISO 8601 wall-clock time of the session start.'),
  dropped: z.record(z.string(), z.number().int().min(0)).describe('Messages dropped while the broker was away, by topic.'),
  final: z.enum(FINAL_STATES).optional().describe('Only on the last status of a session that ended cleanly: how it ended.'),
});

/** `features` (QoS 0), decimated to telemetry.featuresRate_Hz. */
export const featuresPayload = z.object({
  v: z.literal(TELEMETRY_VERSION),
  seq: z.number().int(),
  index: z.number().int(),
  t_s: z.number(),
  biomarker: z.number().nullable(),
  valid: z.boolean(),
  bands: z.record(z.string(), z.array(z.number())).describe('Band name -> power per channel, uV^2.'),
});

/** `stim` (retained, QoS 1): the applied output, on every change and at least every stimHeartbeat_s. */
export const stimPayload = z.object({
  v: z.literal(TELEMETRY_VERSION),
  seq: z.number().int(),
  t_s: z.number(),
  ...stim,
  reason: z.string().describe('Why it last changed.'),
});

/** `events` (QoS 1): governor events, faults, commands accepted or refused, markers and the policy states they declare. */
export const eventPayload = z.object({
  v: z.literal(TELEMETRY_VERSION),
  seq: z.number().int(),
  t_s: z.number(),
  kind: z.string(),
  reason: z.string(),
  command: z.string().optional(),
  id: z.string().nullable().optional(),
  ok: z.boolean().optional(),
  marker: markerSchema.optional().describe('kind "marker": the marker (docs/markers.md).'),
  state: z.string().optional().describe('kind "policy-state": the state declared by a marker.'),
  changed: z.record(z.string(), z.number()).optional().describe('kind "policy-state": parameter -> value from the next frame.'),
  previous: z.record(z.string(), z.number()).optional().describe('kind "policy-state" and "calibration": the same parameters before.'),
  placed: z.record(z.string(), z.number()).optional().describe('kind "calibration": threshold -> value placed from the baseline.'),
  baseline: z.object({ frames: z.number(), mean: z.number(), sd: z.number() }).optional().describe('kind "calibration": the baseline the thresholds were placed from (biomarker before z-scoring).'),
  steps: z
    .array(z.object({ amplitude_mA: z.number(), frames: z.number(), mean: z.number().nullable(), suppression: z.number().nullable() }))
    .optional()
    .describe('kind "calibration-sweep": each amplitude held, the valid frames measured at it, the mean biomarker and its suppression against the baseline.'),
  chosen: z.record(z.string(), z.number()).optional().describe('kind "calibration-sweep": amplitude parameter -> value chosen.'),
});

/** `cmd/ack` (QoS 1): the answer to every command. Echoed text (id, error) is at most 200 characters. */
export const ackPayload = z.object({
  id: z.string().nullable(),
  ok: z.boolean(),
  error: z.string().optional(),
  warning: z.string().optional().describe('An e-stop taken although its payload was wrong: what was wrong.'),
  t_s: z.number(),
});

/**
 * `loop` (retained, QoS 1): what a dashboard shows beside the data, added in contract v1
 * without changing any other payload. Published at start, on every change of the policy's
 * state or thresholds, the governor's state or the commands, and at least every second.
 */
export const loopPayload = z.object({
  v: z.literal(TELEMETRY_VERSION),
  seq: z.number().int(),
  t_s: z.number(),
  modality: z.enum(['amplitude', 'pulse']).describe('pulse: the output is pulses (counted in `pulses`), not an amplitude.'),
  policy: z.object({
    kind: z.string(),
    state: z.string().describe('A short word: off, on, startup, up, down, hold, blanked, ...'),
    thresholds: z.array(z.number()).describe('Thresholds to draw beside the biomarker (empty for none).'),
  }),
  governor: z.object({
    state: z.enum(['ok', 'fallback', 'stopping', 'latched']),
    latched: z.enum(['estop', 'lockout', 'dose', 'fault']).nullable(),
    limitEvents: z.number().int().min(0),
  }),
  dose: z.object({
    onTime_s: z.number(),
    charge_mC: z.number(),
    pulses: z.number(),
    budget: z
      .object({ maxOnTime_s: z.number().optional(), maxCharge_mC: z.number().optional(), maxPulses: z.number().optional() })
      .describe('The per-session budget: limits.dose, and for tdcs/tacs limits.current (maxDuration_s as maxOnTime_s), the smaller of each (absent keys: no budget).'),
  }),
  pulses: z.object({ fired: z.number().int().min(0), refused: z.number().int().min(0) }).nullable().describe('A pulse modality: pulses so far; null otherwise.'),
  amplitudeMax_mA: z.number().describe('limits.amplitude_mA.max.'),
  commands: z.object({
    enabled: z.boolean(),
    tunable: z
      .record(z.string(), z.object({ min: z.number(), max: z.number(), value: z.number().nullable() }))
      .describe('Parameters cmd/policy may change: bounds, and the current value (null: not a number now).'),
    states: z.array(z.string()).describe('policy.states a marker may declare.'),
  }),
  dropped: z.record(z.string(), z.number().int().min(0)).describe('As status.dropped, kept current.'),
});

export type StatusPayload = z.infer<typeof statusPayload>;
export type FeaturesPayload = z.infer<typeof featuresPayload>;
export type StimPayload = z.infer<typeof stimPayload>;
export type EventPayload = z.infer<typeof eventPayload>;
export type AckPayload = z.infer<typeof ackPayload>;
export type LoopPayload = z.infer<typeof loopPayload>;

export { commandSchemas } from '../../controller/commands.js';
export { type Marker, markerCommandSchema, markerSchema, medicationSchema } from '../../controller/marker.js';
export { decodeRawFrame, RAW_FRAME_VERSION, RAW_HEADER_BYTES, type RawFrame } from './rawFrame.js';

/** Topic names under `<prefix>/<rig>/`. */
export const topics = (prefix: string, rig: string) => {
  const base = `${prefix}/${rig}`;
  return {
    base,
    status: `${base}/status`,
    features: `${base}/features`,
    stim: `${base}/stim`,
    events: `${base}/events`,
    loop: `${base}/loop`,
    raw: `${base}/raw`,
    commands: `${base}/cmd/+`,
    command: (name: string) => `${base}/cmd/${name}`,
    ack: `${base}/cmd/ack`,
  };
};
