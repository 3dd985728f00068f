import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { telemetrySchema } from '../../config/telemetrySchema.js';
import { mqttClientLink } from '../../drivers/mqtt/mqttClientLink.js';
import { MqttTelemetry } from '../../drivers/mqtt/mqttTelemetry.js';
import { statusPayload } from '../../drivers/mqtt/telemetryPayloads.js';
import type { SampleBlock } from '../../signals/sampleBlock.js';
import { Recorder, type TestBroker, startMosquitto } from '../helpers/brokers.js';

describe('what waits for the broker is bounded in bytes', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await broker.stop();
  });

  it('broker down, raw at 64 channels x 10 kHz: the queue never holds more than queue_bytes, losses counted, then it drains', async () => {
    await broker.stop();
    const queue_bytes = 1024 * 1024;
    const config = telemetrySchema.parse({ raw: { enabled: true }, queue_bytes, queue_messages: 1_000_000 });
    const telemetry = new MqttTelemetry({
      config,
      link: mqttClientLink(broker.url, config),
      rig: 'bytes',
      session: 'bytes-session',
      version: 'test',
      configHash: 'test',
      startedAt: new Date().toISOString(),
    });
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

    await broker.start();
    const watcher = await Recorder.connect(broker.url, 'neuroloop/bytes/#');
    const status = statusPayload.parse(await watcher.waitFor<{ state: string }>('/status', (s) => s.state === 'online'));
    expect(status.dropped.raw).toBe(lost);
    // What was kept arrives (the newest blocks), then nothing more.
    const raw = () => watcher.messages.filter((m) => m.topic.endsWith('/raw')).length;
    await telemetry.close();
    for (let waited = 0; raw() < 100 - lost && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    expect(raw()).toBe(100 - lost);
    expect(telemetry.queuedBytes).toBe(0);
    await watcher.close();
  });
});
