import type { CommandDelivery } from '../../controller/commands.js';
import type { CommandAck, SessionEvent, SessionStep } from '../../controller/session.js';
import type { StimParams } from '../../controller/stimParams.js';
import type { TelemetryConfig } from '../../config/telemetrySchema.js';
import type { SampleBlock } from '../../signals/sampleBlock.js';
import { BoundedQueue } from './boundedQueue.js';
import { encodeRawFrame } from './rawFrame.js';
import { type FinalState, type LoopPayload, TELEMETRY_VERSION, topics, type StatusPayload } from './telemetryPayloads.js';
import type { TelemetryLink, TelemetryLinkFactory } from './telemetryLink.js';

export type TelemetryState = StatusPayload['state'];

/** How the session ended, for the last retained `stim` and `status`. */
export interface SessionEnding {
  /** What the governor applies at the end (off, after the session's shutdown). */
  readonly finalStim: StimParams;
  readonly final: FinalState;
}
type TopicKind = 'status' | 'features' | 'stim' | 'events' | 'raw' | 'ack' | 'loop';

/** A `loop` payload as its builder knows it: the telemetry adds v, seq and dropped. */
export type LoopState = Omit<LoopPayload, 'v' | 'seq' | 'dropped'>;

interface Outgoing {
  readonly kind: TopicKind;
  readonly topic: string;
  readonly payload: string | Buffer;
  readonly qos: 0 | 1;
  readonly retain: boolean;
}

export interface MqttTelemetryOptions {
  readonly config: TelemetryConfig;
  /** How the broker is reached: mqttClientLink (a URL: the config's, --mqtt) or brokerLink (the embedded broker). */
  readonly link: TelemetryLinkFactory;
  readonly rig: string;
  readonly session: string;
  readonly version: string;
  readonly configHash: string;
  readonly startedAt: string;
  /** Takes a command (name from cmd/<name>, raw payload, whether the broker replayed it as retained) and answers it. */
  readonly onCommand?: (name: string, payload: Buffer, delivery: CommandDelivery) => CommandAck;
  /** Connection news for the log. */
  readonly onConnection?: (what: 'connected' | 'offline' | 'error', detail?: string) => void;
}

/** Bytes counted per message on top of its payload (topic, packet header, bookkeeping). */
const MESSAGE_OVERHEAD_BYTES = 64;
const sizeOf = (item: Outgoing): number =>
  MESSAGE_OVERHEAD_BYTES + item.topic.length + (typeof item.payload === 'string' ? Buffer.byteLength(item.payload) : item.payload.byteLength);

/**
 * Telemetry and commands over MQTT (docs/design.md, Telemetry). The loop hands it steps,
 * events and blocks and never waits for it: a broker that is down, goes away or restarts
 * only fills a queue bounded in messages and in bytes (oldest dropped, counted in
 * status.dropped), MQTT.js's own offline queues are off, and what is handed to MQTT.js
 * but not yet written or acknowledged is bounded the same way. Reconnects back off from
 * 0.5 s to 30 s (mqttClientLink); on every (re)connect `status` and `stim` are published again and nothing
 * else happens: a retained command replayed by the broker is refused (never executed),
 * so a reconnect never changes stimulation.
 */
export class MqttTelemetry {
  private readonly o: MqttTelemetryOptions;
  private readonly t: ReturnType<typeof topics>;
  private readonly link: TelemetryLink;
  private readonly queue: BoundedQueue<Outgoing>;
  private readonly dropped: Record<string, number> = {};
  private readonly seq: Record<string, number> = { features: 0, stim: 0, events: 0, loop: 0 };
  private inflight = 0;
  private inflightBytes = 0;
  private lastT_s = 0;
  private state: TelemetryState = 'online';
  private lastFeatures_s = Number.NEGATIVE_INFINITY;
  private lastStim_s = Number.NEGATIVE_INFINITY;
  private lastStimKey = '';
  private lastStimPayload: string | null = null;
  private lastLoopPayload: string | null = null;
  private closed = false;

  constructor(options: MqttTelemetryOptions) {
    this.o = options;
    const c = options.config;
    this.t = topics(c.topicPrefix, options.rig);
    this.queue = new BoundedQueue<Outgoing>(c.queue_messages, c.queue_bytes, sizeOf, (lost) => {
      this.dropped[lost.kind] = (this.dropped[lost.kind] ?? 0) + 1;
    });
    // The session in the default id: two processes on one rig (--take-over) must not kick each other off the broker.
    const clientId = c.mqtt.clientId ?? `neuroloop-${options.rig}-${options.session.slice(0, 8)}`;
    this.link = options.link(
      { clientId, will: { topic: this.t.status, payload: Buffer.from(JSON.stringify(this.statusPayload('offline'))) } },
      {
        onConnect: () => this.onConnect(),
        onMessage: (topic, payload, retained) => this.onMessage(topic, payload, retained),
        onOffline: () => this.o.onConnection?.('offline'),
        onError: (message) => this.o.onConnection?.('error', message),
      },
    );
  }

  /** What has been dropped so far, by topic. */
  get droppedCounts(): Readonly<Record<string, number>> {
    return { ...this.dropped };
  }

  /** Bytes waiting for the broker in our queue (never more than telemetry.queue_bytes). */
  get queuedBytes(): number {
    return this.queue.bytes;
  }

  /** Bytes handed to MQTT.js and not yet written (QoS 0) or acknowledged (QoS 1). */
  get inflightByteCount(): number {
    return this.inflightBytes;
  }

  /** The status payload as it stands. */
  statusPayload(state: TelemetryState = this.state, final?: FinalState): StatusPayload {
    const o = this.o;
    const payload: StatusPayload = { v: TELEMETRY_VERSION, state, rig: o.rig, session: o.session, version: o.version, configHash: o.configHash, startedAt: o.startedAt, dropped: { ...this.dropped } };
    return final === undefined ? payload : { ...payload, final };
  }

  setState(state: TelemetryState): void {
    if (state === this.state) return;
    this.state = state;
    this.send({ kind: 'status', topic: this.t.status, payload: JSON.stringify(this.statusPayload()), qos: 1, retain: true });
  }

  /** One decision of the loop: features (decimated) and stim (on change, and a heartbeat). */
  step(step: SessionStep): void {
    const c = this.o.config;
    this.lastT_s = step.t_s;
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

  /** The dashboard's view of the loop (retained `loop`); its builder decides when (on change, about once a second). */
  loop(state: LoopState): void {
    this.lastLoopPayload = JSON.stringify({ v: TELEMETRY_VERSION, seq: this.seq.loop++, ...state, dropped: { ...this.dropped } } satisfies LoopPayload);
    this.send({ kind: 'loop', topic: this.t.loop, payload: this.lastLoopPayload, qos: 1, retain: true });
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

  /**
   * The end of the session: what still waits is sent, then the retained `stim` shows the
   * final output (off) and the retained `status` says `offline` with how the session
   * ended (`final`), and only after the broker has acknowledged both (or `timeout_ms`,
   * whatever the broker does) the client disconnects. A broker that is away at the end gets nothing: its
   * retained topics are fixed by the next session or, if the connection dropped, by the
   * last will (plain `offline`).
   */
  sessionEnded(ending: SessionEnding, timeout_ms = 2000): Promise<void> {
    return this.shutDown(ending, timeout_ms);
  }

  /** Publishes plain `offline` (retained) and disconnects, within `timeout_ms`: the end when there was no session. */
  close(timeout_ms = 2000): Promise<void> {
    return this.shutDown(undefined, timeout_ms);
  }

  private async shutDown(ending: SessionEnding | undefined, timeout_ms: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const messages: Outgoing[] = [];
    if (ending !== undefined) {
      const a = ending.finalStim;
      const stim = { v: TELEMETRY_VERSION, seq: this.seq.stim++, t_s: this.lastT_s, enabled: a.enabled, amplitude_mA: a.amplitude_mA, frequency_Hz: a.frequency_Hz, pulseWidth_us: a.pulseWidth_us, reason: `session ended: ${ending.final}` };
      messages.push({ kind: 'stim', topic: this.t.stim, payload: JSON.stringify(stim), qos: 1, retain: true });
    }
    messages.push({ kind: 'status', topic: this.t.status, payload: JSON.stringify(this.statusPayload('offline', ending?.final)), qos: 1, retain: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.link.end(true, () => resolve());
      }, timeout_ms);
      const disconnect = (): void => {
        this.link.end(false, () => {
          clearTimeout(timer);
          resolve();
        });
      };
      if (!this.link.connected) {
        disconnect();
        return;
      }
      for (let item = this.queue.shift(); item !== undefined; item = this.queue.shift()) this.publishNow(item);
      let waiting = messages.length;
      for (const m of messages) {
        this.link.publish(m.topic, m.payload, m.qos, m.retain, () => {
          waiting--;
          if (waiting === 0) disconnect();
        });
      }
    });
  }

  private onConnect(): void {
    this.o.onConnection?.('connected');
    // What was in flight on the dead connection is gone or resent by MQTT.js; count afresh.
    this.inflight = 0;
    this.inflightBytes = 0;
    // With commands disabled the rig still takes an e-stop: it listens to cmd/estop alone.
    this.link.subscribe(this.o.config.commands.enabled ? this.t.commands : this.t.command('estop'));
    this.publishNow({ kind: 'status', topic: this.t.status, payload: JSON.stringify(this.statusPayload()), qos: 1, retain: true });
    this.pump();
    if (this.lastStimPayload !== null) this.publishNow({ kind: 'stim', topic: this.t.stim, payload: this.lastStimPayload, qos: 1, retain: true });
    if (this.lastLoopPayload !== null) this.publishNow({ kind: 'loop', topic: this.t.loop, payload: this.lastLoopPayload, qos: 1, retain: true });
  }

  private onMessage(topic: string, payload: Buffer, retained: boolean): void {
    const name = topic.slice(topic.lastIndexOf('/') + 1);
    if (name === 'ack' || this.o.onCommand === undefined) return;
    const ack = this.o.onCommand(name, payload, { retained });
    this.send({ kind: 'ack', topic: this.t.ack, payload: JSON.stringify(ack), qos: 1, retain: false });
  }

  /** Publishes now if the connection and the in-flight budget can take it, else queues (bounded). Never blocks. */
  private send(item: Outgoing): void {
    if (this.closed) return;
    if (this.queue.length === 0 && this.canPublish(sizeOf(item))) {
      this.publishNow(item);
      return;
    }
    this.queue.push(item);
    this.pump();
  }

  /** In flight to MQTT.js: at most queue_messages messages and queue_bytes bytes (at least one message, however big). */
  private canPublish(size: number): boolean {
    const c = this.o.config;
    return this.link.connected && this.inflight < c.queue_messages && (this.inflight === 0 || this.inflightBytes + size <= c.queue_bytes);
  }

  /** Moves queued messages to MQTT.js, oldest first, as far as the in-flight budget allows. */
  private pump(): void {
    for (let next = this.queue.peek(); next !== undefined && this.canPublish(sizeOf(next)); next = this.queue.peek()) {
      this.queue.shift();
      this.publishNow(next);
    }
  }

  private publishNow(item: Outgoing): void {
    const size = sizeOf(item);
    this.inflight++;
    this.inflightBytes += size;
    this.link.publish(item.topic, item.payload, item.qos, item.retain, () => {
      this.inflight = Math.max(0, this.inflight - 1);
      this.inflightBytes = Math.max(0, this.inflightBytes - size);
      if (!this.closed) this.pump();
    });
  }
}
