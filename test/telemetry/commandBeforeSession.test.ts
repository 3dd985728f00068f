import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The built modules (npm run build first): the package version is read relative to dist/.
import { startTelemetry } from '../../dist/cli/startTelemetry.js';
import { parseConfig } from '../../dist/config/index.js';
import { Recorder, type TestBroker, startAedes } from '../helpers/brokers.js';

describe('a command that arrives before the session exists', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startAedes();
  });
  afterAll(async () => {
    await broker.stop();
  });

  it('is refused with an ack, an event and a log line; the process does not crash', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString('utf8')), done()) }));
    const config = parseConfig({ rig: { id: 'early' }, telemetry: { commands: { enabled: true } } });
    // The session is not built yet: getSession says so.
    const running = await startTelemetry(config, broker.url, () => null, logger);
    const watcher = await Recorder.connect(broker.url, ['neuroloop/early/cmd/ack', 'neuroloop/early/events', 'neuroloop/early/status']);
    await watcher.waitFor<{ state: string }>('/status', (s) => s.state === 'online');
    await watcher.client.publishAsync('neuroloop/early/cmd/estop', JSON.stringify({ id: 'too-soon' }), { qos: 1 });
    expect(await watcher.waitFor('/cmd/ack')).toMatchObject({ ok: false, error: 'session not started: nothing was done' });
    expect(await watcher.waitFor('/events')).toMatchObject({ kind: 'command', ok: false, reason: expect.stringMatching(/^cmd\/estop refused: session not started/) });
    expect(lines.some((l) => l.includes('session not started'))).toBe(true);
    await running.close();
    await watcher.close();
  });
});
