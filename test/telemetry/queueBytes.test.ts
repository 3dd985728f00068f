import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { telemetrySchema } from '../../config/telemetrySchema.js';
import { mqttClientLink } from '../../drivers/mqtt/mqttClientLink.js';
import { MqttTelemetry } from '../../drivers/mqtt/mqttTelemetry.js';
import { statusPayload } from '../../drivers/mqtt/telemetryPayloads.js';
import type { SampleBlock } from '../../signals/sampleBlock.js';
import { freePort, Recorder, type TestBroker, startMosquitto } from '../helpers/brokers.js';

/**
 * A TCP door to the broker that the test opens when it chooses: closed, nothing listens on
 * its port (the telemetry's connects are refused, as with a broker down); open, each
 * connection is piped to the broker. The broker itself stays up, so a watcher can be
 * subscribed BEFORE the telemetry gets through (restarting the broker raced the watcher's
 * subscription against the telemetry's reconnect, and under CI load the raw messages went
 * out before anyone listened).
 */
async function brokerDoor(brokerPort: number): Promise<{ url: string; open(): Promise<void>; close(): Promise<void> }> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    open: () =>
      new Promise<void>((resolve, reject) => {
        server = createServer((inbound) => {
          const outbound = createConnection(brokerPort, '127.0.0.1');
          for (const s of [inbound, outbound]) {
            sockets.add(s);
            s.on('close', () => sockets.delete(s));
            s.on('error', () => s.destroy());
          }
          inbound.pipe(outbound).pipe(inbound);
        });
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
      }),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => (server === null ? resolve() : server.close(() => resolve())));
    },
  };
}

describe('what waits for the broker is bounded in bytes', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await broker.stop();
  });

  it('broker down, raw at 64 channels x 10 kHz: the queue never holds more than queue_bytes, losses counted, then it drains', async () => {
    const door = await brokerDoor(broker.port);
    const queue_bytes = 1024 * 1024;
    const config = telemetrySchema.parse({ raw: { enabled: true }, queue_bytes, queue_messages: 1_000_000 });
    const telemetry = new MqttTelemetry({
      config,
      link: mqttClientLink(door.url, config),
      rig: 'bytes',
      session: 'bytes-session',
      version: 'test',
      configHash: 'test',
      startedAt: new Date().toISOString(),
    });
    try {
      // 64 channels x 1,000 samples per block (0.1 s at 10 kHz): 256 KB of samples each; 10 s of data.
      const channels = Array.from({ length: 64 }, (_, c) => `c${c}`);
      const data = channels.map(() => new Float32Array(1000));
      let peak = 0;
      for (let i = 0; i < 100; i++) {
        const block: SampleBlock = { firstIndex: i * 1000, fs_Hz: 10_000, channels, data };
        telemetry.block(block);
        peak = Math.max(peak, telemetry.queuedBytes);
      }
      expect(peak).toBeGreaterThan(queue_bytes / 2);
      expect(peak).toBeLessThanOrEqual(queue_bytes);
      const lost = telemetry.droppedCounts.raw ?? 0;
      // About four blocks fit in 1 MiB: the other 96 or so were dropped, oldest first, and counted.
      expect(lost).toBeGreaterThanOrEqual(90);
      expect(lost).toBeLessThan(100);

      // Someone listens first; then the broker becomes reachable.
      const watcher = await Recorder.connect(broker.url, 'neuroloop/bytes/#');
      await door.open();
      const status = statusPayload.parse(await watcher.waitFor<{ state: string }>('/status', (s) => s.state === 'online', 15_000));
      expect(status.dropped.raw).toBe(lost);
      // What was kept arrives (the newest blocks), then nothing more.
      const raw = () => watcher.messages.filter((m) => m.topic.endsWith('/raw')).length;
      await telemetry.close();
      for (let waited = 0; raw() < 100 - lost && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
      expect(raw()).toBe(100 - lost);
      expect(telemetry.queuedBytes).toBe(0);
      await watcher.close();
    } finally {
      await telemetry.close();
      await door.close();
    }
  });
});
