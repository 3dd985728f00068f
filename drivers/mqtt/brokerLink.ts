import type { Aedes, AedesPublishPacket, PublishPacket } from 'aedes';
import type { TelemetryLinkFactory } from './telemetryLink.js';

/**
 * A link straight into the embedded broker of this process: publishes go to aedes as
 * packets (retained ones stored, subscribers served over their own sockets as usual), and
 * commands come from an in-process subscription. No MQTT client is loaded, no loopback
 * socket carries our own messages, nothing is encoded and parsed again on our side: the
 * memory soak (npm run bench -- --only soak) measured this at several MB less RSS. The
 * link is up until it is ended; the last will is not needed, the broker lives and dies
 * with this process.
 */
export function brokerLink(broker: Aedes): TelemetryLinkFactory {
  return (_request, handlers) => {
    let ended = false;
    const subscriptions: { topic: string; deliver: (packet: AedesPublishPacket, callback: () => void) => void }[] = [];
    // The factory returns first: MqttTelemetry's constructor must finish before it hears of the connection.
    setImmediate(() => {
      if (!ended) handlers.onConnect();
    });
    return {
      get connected() {
        return !ended && !broker.closed;
      },
      publish: (topic, payload, qos, retain, done) => {
        // A JSON payload stays a string: it is written to subscribers' sockets as text, so no
        // Buffer per message waits in the external memory for a major GC (the soak's RSS).
        const packet: PublishPacket = { cmd: 'publish', topic, payload, qos, retain, dup: false };
        broker.publish(packet, () => done());
      },
      subscribe: (topic) => {
        const deliver = (packet: AedesPublishPacket, callback: () => void): void => {
          const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
          // Live delivery, as a broker does it to an established subscription (MQTT 3.1.1,
          // 3.3.1.3: RETAIN 0): this broker starts empty with the session, so nothing old can
          // be replayed here, and a command behaves as it would over mosquitto.
          handlers.onMessage(packet.topic, payload, false);
          callback();
        };
        subscriptions.push({ topic, deliver });
        broker.subscribe(topic, deliver, () => undefined);
      },
      end: (_force, done) => {
        ended = true;
        for (const s of subscriptions) broker.unsubscribe(s.topic, s.deliver, () => undefined);
        subscriptions.length = 0;
        done();
      },
    };
  };
}
