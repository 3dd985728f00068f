import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { startEmbeddedBroker } from '../../drivers/mqtt/embeddedBroker.js';
import { freePort } from '../helpers/brokers.js';

/**
 * A dashboard subscribes to a rig's `features` (QoS 0, every frame) and `events` (QoS 1).
 * aedes lost a QoS 1 message published just before a QoS 0 one (its de-duplication,
 * drivers/mqtt/deliverEveryMessage.ts): the `calibration` event of `npm start` never
 * reached the page. Here, on the embedded broker, every event must arrive.
 */
describe('the embedded broker delivers every message', () => {
  it('an event (QoS 1) published just before a frame (QoS 0), 300 times: a subscriber to both gets all 300 events, in order', async () => {
    const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: await freePort() });
    const subscriber = await mqtt.connectAsync(broker.url, { clientId: 'dashboard-like' });
    try {
      const events: number[] = [];
      let frames = 0;
      subscriber.on('message', (topic, payload) => {
        if (topic.endsWith('/events')) events.push(Number(payload.toString()));
        else frames++;
      });
      await subscriber.subscribeAsync(['neuroloop/rig/features', 'neuroloop/rig/events'], { qos: 1 });
      // As the session publishes into its own embedded broker (drivers/mqtt/brokerLink.ts): in process, no client.
      const publish = (topic: string, payload: string, qos: 0 | 1): void => broker.aedes.publish({ cmd: 'publish', topic, payload, qos, retain: false, dup: false }, () => {});
      for (let i = 0; i < 300; i++) {
        publish('neuroloop/rig/events', String(i), 1);
        publish('neuroloop/rig/features', String(i), 0);
        if (i % 10 === 9) await new Promise((r) => setTimeout(r, 5));
      }
      const deadline = Date.now() + 10_000;
      while ((events.length < 300 || frames < 300) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(frames).toBe(300);
      expect(events).toEqual(Array.from({ length: 300 }, (_, i) => i));
    } finally {
      await subscriber.endAsync();
      await broker.close();
    }
  });
});
