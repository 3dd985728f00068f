import mqtt, { type MqttClient } from 'mqtt';

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'refused';

export interface BrokerConnectionHandlers {
  /** `retry_ms`: with 'reconnecting', how long until the next try. */
  onState(state: ConnectionState, detail?: string, retry_ms?: number): void;
  onMessage(topic: string, payload: Uint8Array, retained: boolean): void;
}

/** MQTT CONNACK return codes (3.1.1) and reason codes (5) that mean "who are you?". */
const REFUSED_CODES: ReadonlySet<number> = new Set([4, 5, 134, 135]);
/** First wait before a reconnect; doubled after every failed try, up to MAX_RETRY_MS. */
const FIRST_RETRY_MS = 1000;
/** Longest wait between two tries: a server that is gone costs one console error per 30 s, not one a second. */
export const MAX_RETRY_MS = 30_000;

/**
 * The page's one MQTT connection (over WebSocket): reconnects on its own, 1 s after the
 * loss, then waiting twice as long after every failed try up to 30 s (a dead server does
 * not flood the console), and says so, so the page can show the gap; a broker that refuses the user
 * stops reconnecting and asks for credentials instead. Credentials live in this object's
 * memory only, for as long as the page is open.
 */
export class BrokerConnection {
  private client: MqttClient | null = null;
  private readonly subscriptions = new Set<string>();
  private retry_ms = FIRST_RETRY_MS;

  constructor(
    private readonly url: string,
    private readonly handlers: BrokerConnectionHandlers,
  ) {}

  get connected(): boolean {
    return this.client?.connected === true;
  }

  connect(credentials: Credentials | null): void {
    this.client?.end(true);
    this.handlers.onState('connecting');
    const client = mqtt.connect(this.url, {
      clientId: `neuroloop-dashboard-${Math.random().toString(16).slice(2, 10)}`,
      protocolVersion: 4,
      clean: true,
      keepalive: 10,
      reconnectPeriod: FIRST_RETRY_MS,
      connectTimeout: 5000,
      resubscribe: true,
      // What the page sends is a command for now or nothing: never queue one for later.
      queueQoSZero: false,
      ...(credentials === null ? {} : { username: credentials.username, password: credentials.password }),
    });
    this.client = client;
    this.retry_ms = FIRST_RETRY_MS;
    client.on('connect', () => {
      this.retry_ms = FIRST_RETRY_MS;
      client.options.reconnectPeriod = FIRST_RETRY_MS;
      if (this.subscriptions.size > 0) client.subscribe([...this.subscriptions], { qos: 1 });
      this.handlers.onState('connected');
    });
    // mqtt.js arms its reconnect timer on `close` with options.reconnectPeriod: a try that
    // starts now and fails waits twice as long as this one did.
    client.on('reconnect', () => {
      this.retry_ms = Math.min(this.retry_ms * 2, MAX_RETRY_MS);
      client.options.reconnectPeriod = this.retry_ms;
    });
    client.on('close', () => {
      if (this.client === client && !client.disconnecting) this.handlers.onState('reconnecting', undefined, client.options.reconnectPeriod ?? this.retry_ms);
    });
    client.on('error', (error: Error & { code?: number | string }) => {
      if (typeof error.code === 'number' && REFUSED_CODES.has(error.code)) {
        client.end(true);
        this.handlers.onState('refused', error.message);
      }
    });
    client.on('message', (topic, payload, packet) => this.handlers.onMessage(topic, payload, packet.retain));
  }

  subscribe(topics: readonly string[]): void {
    const fresh = topics.filter((t) => !this.subscriptions.has(t));
    for (const t of fresh) this.subscriptions.add(t);
    if (fresh.length > 0 && this.client?.connected) this.client.subscribe(fresh, { qos: 1 });
  }

  unsubscribe(topics: readonly string[]): void {
    const known = topics.filter((t) => this.subscriptions.delete(t));
    if (known.length > 0 && this.client?.connected) this.client.unsubscribe(known);
  }

  /** A command: QoS 1, never retained (a retained command is refused by the rig, and would replay). False when offline: nothing is queued. */
  publishCommand(topic: string, payload: string): boolean {
    const client = this.client;
    if (client === null || !client.connected) return false;
    client.publish(topic, payload, { qos: 1, retain: false });
    return true;
  }
}
