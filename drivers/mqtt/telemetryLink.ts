/**
 * How MqttTelemetry reaches a broker: over the network with an MQTT client
 * (mqttClientLink.ts, to mosquitto or any broker), or straight into the embedded broker in
 * this process (brokerLink.ts: no client library, no loopback socket, no packet encoded and
 * parsed again on our own side). MqttTelemetry's queueing, bounds and topics are the same
 * over both.
 */
export interface TelemetryLink {
  /** Publishing now reaches the broker (false while a client link is reconnecting). */
  readonly connected: boolean;
  /** `done` runs once the message is written (QoS 0) or acknowledged (QoS 1), or dropped with a dead connection. */
  publish(topic: string, payload: string | Buffer, qos: 0 | 1, retain: boolean, done: () => void): void;
  /** Subscribes at QoS 1; what arrives goes to LinkHandlers.onMessage. */
  subscribe(topic: string): void;
  /** Ends the link: `force` drops what is still in flight. */
  end(force: boolean, done: () => void): void;
}

export interface LinkHandlers {
  /** Connected (again): MqttTelemetry publishes status and stim and pumps its queue. Never called synchronously by the factory. */
  onConnect(): void;
  onMessage(topic: string, payload: Buffer, retained: boolean): void;
  onOffline(): void;
  onError(message: string): void;
}

/** What MqttTelemetry asks of a link when it makes one. */
export interface LinkRequest {
  readonly clientId: string;
  /** The last will: published by the broker if the connection dies without a goodbye. */
  readonly will: { readonly topic: string; readonly payload: Buffer };
}

export type TelemetryLinkFactory = (request: LinkRequest, handlers: LinkHandlers) => TelemetryLink;
