import { readFileSync } from 'node:fs';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { CommandAck, SessionEvent, SessionStep } from '../../controller/session.js';
import type { TelemetryConfig } from '../../config/telemetrySchema.js';
import type { SampleBlock } from '../../signals/sampleBlock.js';
import { InputError } from '../inputError.js';
import { BoundedQueue } from './boundedQueue.js';
import { encodeRawFrame } from './rawFrame.js';
import { TELEMETRY_VERSION, topics, type StatusPayload } from './telemetryPayloads.js';

export type TelemetryState = StatusPayload['state'];
type TopicKind = 'status' | 'features' | 'stim' | 'events' | 'raw' | 'ack';

interface Outgoing {
  readonly kind: TopicKind;
  readonly topic: string;
  readonly payload: string | Buffer;
  readonly qos: 0 | 1;
  readonly retain: boolean;
}

export interface MqttTelemetryOptions {
  readonly config: TelemetryConfig;
  /** Broker URL (from the config, --mqtt or the embedded broker). */
  readonly url: string;
  readonly rig: string;
  readonly session: string;
  readonly version: string;
  readonly configHash: string;
  readonly startedAt: string;
  /** Takes a command (name from cmd/<name>, raw payload) and answers it. */
  readonly onCommand?: (name: string, payload: Buffer) => CommandAck;
  /** Connection news for the log. */
  readonly onConnection?: (what: 'connected' | 'offline' | 'error', detail?: string) => void;
}

const FIRST_RECONNECT_MS = 500;
const MAX_RECONNECT_MS = 30_000;

/**
 * Telemetry and commands over MQTT (DESIGN.md, Telemetry). The loop hands it steps,
 * events and blocks and never waits for it: a broker that is down, goes away or restarts
 * only fills a bounded queue (oldest dropped, counted in status.dropped), and MQTT.js's own
 * offline queues are off. Reconnects back off from 0.5 s to 30 s; on every (re)connect
 * `status` and `stim` are published again.
 */
export class MqttTelemetry {
  private readonly o: MqttTelemetryOptions;
  private readonly t: ReturnType<typeof topics>;
  private readonly client: MqttClient;
  private readonly queue: BoundedQueue<Outgoing>;
  private readonly dropped: Record<string, number> = {};
  private readonly seq: Record<string, number> = { features: 0, stim: 0, events: 0 };
  private inflight = 0;
  private state: TelemetryState = 'online';
  private lastFeatures_s = Number.NEGATIVE_INFINITY;
  private lastStim_s = Number.NEGATIVE_INFINITY;
  private lastStimKey = '';
  private lastStimPayload: string | null = null;
  private closed = false;

  constructor(options: MqttTelemetryOptions) {
    this.o = options;
    const c = options.config;
    this.t = topics(c.topicPrefix, options.rig);
    this.queue = new BoundedQueue<Outgoing>(c.queue_messages);
    this.client = connect(options.url, this.clientOptions());
    this.client.on('connect', () => this.onConnect());
    this.client.on('message', (topic, payload) => this.onMessage(topic, payload));
    this.client.on('offline', () => {
      // Back off: double the wait before each further attempt.
      this.client.options.reconnectPeriod = Math.min(MAX_RECONNECT_MS, (this.client.options.reconnectPeriod ?? FIRST_RECONNECT_MS) * 2);
      this.o.onConnection?.('offline');
    });
    this.client.on('error', (error) => this.o.onConnection?.('error', error.message));
  }

  /** What has been dropped so far, by topic. */
  get droppedCounts(): Readonly<Record<string, number>> {
    return { ...this.dropped };
  }

  /** The status payload as it stands. */
  statusPayload(state: TelemetryState = this.state): StatusPayload {
    const o = this.o;
    return { v: TELEMETRY_VERSION, state, rig: o.rig, session: o.session, version: o.version, configHash: o.configHash, startedAt: o.startedAt, dropped: { ...this.dropped } };
  }

  setState(state: TelemetryState): void {
    if (state === this.state) return;
    this.state = state;
    this.send({ kind: 'status', topic: this.t.status, payload: JSON.stringify(this.statusPayload()), qos: 1, retain: true });
  }

  /** One decision of the loop: features (decimated) and stim (on change, and a heartbeat). */
  step(step: SessionStep): void {
    const c = this.o.config;
    if (step.t_s - this.lastFeatures_s >= 1 / c.featuresRate_Hz - 1e-9) {
      this.lastFeatures_s = step.t_s;
      const bands: Record<string, number[]> = {};
      for (const [name, power] of Object.entries(step.bandPower)) bands[name] = Array.from(power);
      const payload = { v: TELEMETRY_VERSION, seq: this.seq.features++, index: step.index, t_s: step.t_s, biomarker: Number.isFinite(step.biomarker) ? step.biomarker : null, valid: step.valid, bands };
      this.send({ kind: 'features', topic: this.t.features, payload: JSON.stringify(payload), qos: 0, retain: false });
    }
    const a = step.applied;
    const key = `${a.enabled}|${a.amplitude_mA}|${a.frequency_Hz}|${a.pulseWidth_us}`;
    if (key !== this.lastStimKey || step.t_s - this.lastStim_s >= c.stimHeartbeat_s - 1e-9) {
      const reason = key === this.lastStimKey ? 'heartbeat' : step.events.length > 0 ? step.events.map((e) => e.kind).join(', ') : 'policy';
      this.lastStimKey = key;
      this.lastStim_s = step.t_s;
      this.lastStimPayload = JSON.stringify({ v: TELEMETRY_VERSION, seq: this.seq.stim++, t_s: step.t_s, enabled: a.enabled, amplitude_mA: a.amplitude_mA, frequency_Hz: a.frequency_Hz, pulseWidth_us: a.pulseWidth_us, reason });
      this.send({ kind: 'stim', topic: this.t.stim, payload: this.lastStimPayload, qos: 1, retain: true });
    }
  }

  event(e: SessionEvent): void {
    const payload = { v: TELEMETRY_VERSION, seq: this.seq.events++, ...e };
    this.send({ kind: 'events', topic: this.t.events, payload: JSON.stringify(payload), qos: 1, retain: false });
  }

  block(block: SampleBlock): void {
    const raw = this.o.config.raw;
    if (!raw.enabled) return;
    const frame = encodeRawFrame(block, raw.decimation);
    if (frame !== null) this.send({ kind: 'raw', topic: this.t.raw, payload: frame, qos: 0, retain: false });
  }

  /** Publishes `offline` (retained) and disconnects; resolves within `timeout_ms` whatever the broker does. */
  async close(timeout_ms = 2000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const offline = JSON.stringify(this.statusPayload('offline'));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.client.end(true, {}, () => resolve());
      }, timeout_ms);
      const finish = (): void => {
        this.client.end(false, {}, () => {
          clearTimeout(timer);
          resolve();
        });
      };
      if (this.client.connected) this.client.publish(this.t.status, offline, { qos: 1, retain: true }, finish);
      else finish();
    });
  }

  private clientOptions(): IClientOptions {
    const m = this.o.config.mqtt;
    const readPem = (what: string, path: string | undefined): Buffer | undefined => {
      if (path === undefined) return undefined;
      try {
        return readFileSync(path);
      } catch (error) {
        throw new InputError(`telemetry.mqtt.${what}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      }
    };
    let password: string | undefined;
    if (m.passwordEnv !== undefined) {
      password = process.env[m.passwordEnv];
      if (password === undefined) throw new InputError(`telemetry.mqtt.passwordEnv: the environment variable ${m.passwordEnv} is not set`);
    }
    return {
      clientId: m.clientId ?? `neuroloop-${this.o.rig}`,
      username: m.username,
      password,
      protocolVersion: m.protocolVersion,
      keepalive: m.keepalive_s,
      clean: true,
      reconnectPeriod: FIRST_RECONNECT_MS,
      connectTimeout: 5000,
      // Our own bounded queue holds what waits; MQTT.js must not queue anything offline.
      queueQoSZero: false,
      resubscribe: true,
      ca: readPem('ca', m.ca),
      cert: readPem('cert', m.cert),
      key: readPem('key', m.key),
      rejectUnauthorized: true,
      will: { topic: this.t.status, payload: Buffer.from(JSON.stringify(this.statusPayload('offline'))), qos: 1, retain: true },
    };
  }

  private onConnect(): void {
    this.client.options.reconnectPeriod = FIRST_RECONNECT_MS;
    this.o.onConnection?.('connected');
    this.inflight = 0;
    if (this.o.config.commands.enabled) this.client.subscribe(this.t.commands, { qos: 1 });
    this.publishNow({ kind: 'status', topic: this.t.status, payload: JSON.stringify(this.statusPayload()), qos: 1, retain: true });
    for (let item = this.queue.shift(); item !== undefined; item = this.queue.shift()) this.publishNow(item);
    if (this.lastStimPayload !== null) this.publishNow({ kind: 'stim', topic: this.t.stim, payload: this.lastStimPayload, qos: 1, retain: true });
  }

  private onMessage(topic: string, payload: Buffer): void {
    const name = topic.slice(topic.lastIndexOf('/') + 1);
    if (name === 'ack' || this.o.onCommand === undefined) return;
    const ack = this.o.onCommand(name, payload);
    this.send({ kind: 'ack', topic: this.t.ack, payload: JSON.stringify(ack), qos: 1, retain: false });
  }

  /** Publishes now if the connection can take it, else queues (bounded). Never blocks. */
  private send(item: Outgoing): void {
    if (this.closed) return;
    if (this.client.connected && this.inflight < this.o.config.queue_messages) {
      this.publishNow(item);
      return;
    }
    const dropped = this.queue.push(item);
    if (dropped !== undefined) this.dropped[dropped.kind] = (this.dropped[dropped.kind] ?? 0) + 1;
  }

  private publishNow(item: Outgoing): void {
    this.inflight++;
    this.client.publish(item.topic, item.payload, { qos: item.qos, retain: item.retain }, () => {
      this.inflight = Math.max(0, this.inflight - 1);
    });
  }
}
