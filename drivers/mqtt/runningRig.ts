import { connectAsync, type MqttClient } from 'mqtt';
import type { TelemetryConfig } from '../../config/telemetrySchema.js';
import { mqttClientOptions } from './clientOptions.js';
import { skipPacketNumberCache } from './packetNumberCache.js';
import { type StatusPayload, statusPayload, topics } from './telemetryPayloads.js';

/** How long to wait for the retained status after the broker acknowledged the subscription. */
const RETAINED_GRACE_MS = 300;
const PROBE_CONNECT_MS = 2000;

export type RigProbe =
  | { readonly found: 'free' }
  | { readonly found: 'running'; readonly status: StatusPayload }
  /** The broker could not be asked (down, refused us): nothing known, the session starts anyway. */
  | { readonly found: 'unknown'; readonly why: string };

/**
 * Asks the broker, before this session publishes anything, whether another session holds
 * the rig: reads the rig's retained `status` with a short-lived client of its own (own
 * client id and no last will, so it disturbs nobody). A status that says online, estop or
 * fault is a running session; `offline` (a clean end, or the last will of a crashed one)
 * is a free rig. Bounded: PROBE_CONNECT_MS to connect, then the subscription and
 * RETAINED_GRACE_MS.
 */
export async function probeRig(config: TelemetryConfig, url: string, rig: string, session: string): Promise<RigProbe> {
  skipPacketNumberCache();
  const topic = topics(config.topicPrefix, rig).status;
  // A missing password variable or PEM file is the user's to fix: thrown, not "unknown".
  const options = { ...mqttClientOptions(config, `neuroloop-${rig}-probe-${session.slice(0, 8)}`), reconnectPeriod: 0, connectTimeout: PROBE_CONNECT_MS };
  let client: MqttClient;
  try {
    client = await connectAsync(url, options, false);
  } catch (error) {
    return { found: 'unknown', why: error instanceof Error ? error.message : String(error) };
  }
  try {
    let retained: Buffer | null = null;
    let arrived: () => void = () => undefined;
    const seen = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    client.on('message', (t, payload, packet) => {
      if (t === topic && packet.retain && payload.length > 0) {
        retained = payload;
        arrived();
      }
    });
    // A broker that never acknowledges must not hold up the start: then nothing is known.
    let timer: NodeJS.Timeout | undefined;
    const subscribed = await Promise.race([
      client.subscribeAsync(topic, { qos: 1 }).then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), PROBE_CONNECT_MS);
      }),
    ]);
    clearTimeout(timer);
    if (!subscribed) return { found: 'unknown', why: `no answer to a subscription within ${PROBE_CONNECT_MS} ms` };
    await Promise.race([
      seen,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, RETAINED_GRACE_MS);
      }),
    ]);
    clearTimeout(timer);
    if (retained === null) return { found: 'free' };
    let body: unknown;
    try {
      body = JSON.parse((retained as Buffer).toString('utf8'));
    } catch {
      return { found: 'free' };
    }
    const parsed = statusPayload.safeParse(body);
    // Something we cannot read there is not a session of ours: not a reason to refuse.
    if (!parsed.success || parsed.data.state === 'offline' || parsed.data.session === session) return { found: 'free' };
    return { found: 'running', status: parsed.data };
  } catch (error) {
    return { found: 'unknown', why: error instanceof Error ? error.message : String(error) };
  } finally {
    await client.endAsync(true).catch(() => undefined);
  }
}
