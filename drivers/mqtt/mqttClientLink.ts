import { connect } from 'mqtt';
import type { TelemetryConfig } from '../../config/telemetrySchema.js';
import { FIRST_RECONNECT_MS, mqttClientOptions } from './clientOptions.js';
import { skipPacketNumberCache } from './packetNumberCache.js';
import type { TelemetryLinkFactory } from './telemetryLink.js';

const MAX_RECONNECT_MS = 30_000;

/**
 * A link over the network with MQTT.js, to the broker at `url`: the client options of the
 * config (credentials, TLS), the last will, MQTT.js's offline queues off (MqttTelemetry
 * bounds its own), and reconnects that back off from 0.5 s to 30 s. Throws an InputError
 * for a missing password variable or an unreadable PEM file, before anything connects.
 */
export function mqttClientLink(url: string, config: TelemetryConfig): TelemetryLinkFactory {
  return (request, handlers) => {
    skipPacketNumberCache();
    const options = mqttClientOptions(config, request.clientId);
    const client = connect(url, { ...options, will: { topic: request.will.topic, payload: request.will.payload, qos: 1, retain: true } });
    client.on('connect', () => {
      client.options.reconnectPeriod = FIRST_RECONNECT_MS;
      handlers.onConnect();
    });
    client.on('message', (topic, payload, packet) => handlers.onMessage(topic, payload, packet.retain));
    client.on('offline', () => {
      // Back off: double the wait before each further attempt.
      client.options.reconnectPeriod = Math.min(MAX_RECONNECT_MS, (client.options.reconnectPeriod ?? FIRST_RECONNECT_MS) * 2);
      handlers.onOffline();
    });
    client.on('error', (error) => handlers.onError(error.message));
    return {
      get connected() {
        return client.connected;
      },
      publish: (topic, payload, qos, retain, done) => {
        client.publish(topic, payload, { qos, retain }, () => done());
      },
      subscribe: (topic) => {
        client.subscribe(topic, { qos: 1 });
      },
      end: (force, done) => {
        client.end(force, {}, () => done());
      },
    };
  };
}
