import type { z } from 'zod';
import {
  type AckPayload,
  ackPayload,
  type EventPayload,
  eventPayload,
  type FeaturesPayload,
  featuresPayload,
  type LoopPayload,
  loopPayload,
  type StatusPayload,
  statusPayload,
  type StimPayload,
  stimPayload,
} from '../../drivers/mqtt/telemetryPayloads.js';

/** Larger than any payload neuroloop publishes on these topics; a bigger one is not read. */
const MAX_PAYLOAD_BYTES = 256 * 1024;

export type TelemetryMessage =
  | { readonly rig: string; readonly kind: 'status'; readonly payload: StatusPayload }
  | { readonly rig: string; readonly kind: 'features'; readonly payload: FeaturesPayload }
  | { readonly rig: string; readonly kind: 'stim'; readonly payload: StimPayload }
  | { readonly rig: string; readonly kind: 'events'; readonly payload: EventPayload }
  | { readonly rig: string; readonly kind: 'loop'; readonly payload: LoopPayload }
  | { readonly rig: string; readonly kind: 'ack'; readonly payload: AckPayload };

/** A payload the page cannot read: shown as an error naming the topic and the field, never a silent blank. */
export interface UnreadablePayload {
  readonly topic: string;
  readonly problem: string;
}

const SCHEMAS = { status: statusPayload, features: featuresPayload, stim: stimPayload, events: eventPayload, loop: loopPayload, ack: ackPayload } as const;

const decoder = new TextDecoder();

/**
 * Reads one message under `<prefix>/<rig>/` with the same zod schemas as
 * `neuroloop/telemetry`. Null for topics the page does not read (raw, commands).
 */
export function readTelemetry(prefix: string, topic: string, payload: Uint8Array): TelemetryMessage | UnreadablePayload | null {
  if (!topic.startsWith(`${prefix}/`)) return null;
  const parts = topic.slice(prefix.length + 1).split('/');
  const rig = parts[0];
  const kind = parts.length === 2 ? parts[1] : parts.length === 3 && parts[1] === 'cmd' && parts[2] === 'ack' ? 'ack' : null;
  if (kind === null || !Object.hasOwn(SCHEMAS, kind)) return null;
  const name = kind as keyof typeof SCHEMAS;
  // A retained topic cleared by an empty message: nothing to read.
  if (payload.byteLength === 0) return null;
  if (payload.byteLength > MAX_PAYLOAD_BYTES) return { topic, problem: `payload of ${payload.byteLength} bytes, more than ${MAX_PAYLOAD_BYTES}` };
  let body: unknown;
  try {
    body = JSON.parse(decoder.decode(payload));
  } catch {
    return { topic, problem: 'payload is not JSON' };
  }
  const schema: z.ZodType = SCHEMAS[name];
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.length > 0 ? issue.path.join('.') : '(payload)';
    return { topic, problem: `${field}: ${issue.message}` };
  }
  return { rig, kind: name, payload: parsed.data } as TelemetryMessage;
}

export function isUnreadable(m: TelemetryMessage | UnreadablePayload): m is UnreadablePayload {
  return 'problem' in m;
}
