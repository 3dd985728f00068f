import mqtt, { type MqttClient } from 'mqtt';

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'refused';

export interface BrokerConnectionHandlers {
  onState(state: ConnectionState, detail?: string): void;
  onMessage(topic: string, payload: Uint8Array, retained: boolean): void;
}

/** MQTT CONNACK return codes (3.1.1) and reason codes (5) that mean "who are you?". */
const REFUSED_CODES: ReadonlySet<number> = new Set([4, 5, 134, 135]);

/**
 * The page's one MQTT connection (over WebSocket): reconnects on its own with a short
 * back-off, and says so, so the page can show the gap; a broker that refuses the user
 * stops reconnecting and asks for credentials instead. Credentials live in this object's
 * memory only, for as long as the page is open.
 */
export class BrokerConnection {
  private client: MqttClient | null = null;
  private readonly subscriptions = new Set<string>();

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
      reconnectPeriod: 1000,
      connectTimeout: 5000,
      resubscribe: true,
      // What the page sends is a command for now or nothing: never queue one for later.
      queueQoSZero: false,
      ...(credentials === null ? {} : { username: credentials.username, password: credentials.password }),
    });
    this.client = client;
    client.on('connect', () => {
      if (this.subscriptions.size > 0) client.subscribe([...this.subscriptions], { qos: 1 });
      this.handlers.onState('connected');
    });
    client.on('reconnect', () => this.handlers.onState('reconnecting'));
    client.on('close', () => {
      if (this.client === client && !client.disconnecting) this.handlers.onState('reconnecting');
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
