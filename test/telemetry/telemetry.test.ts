import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ackPayload, decodeRawFrame, eventPayload, featuresPayload, statusPayload, stimPayload } from '../../drivers/mqtt/telemetryPayloads.js';
import { Recorder, type TestBroker, startAedes, startMosquitto } from '../helpers/brokers.js';
import { startCli, tempDir } from '../helpers/cli.js';
import { SIM_ADBS } from '../helpers/simAdbsWindow.js';

/** sim-adbs with a short baseline, paced in real time, telemetry to the test's broker. */
function runArgs(url: string, rig: string, extra: string[] = []): string[] {
  return [
    'run', '--config', 'config/examples/sim-adbs.yaml', '--mqtt', url,
    '--set', `rig.id=${rig}`, '--set', 'signals.biomarker.baseline_s=1', '--set', 'policy.startupDelay_ms=1000',
    '--set', 'logging.level=warn', ...extra,
  ];
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const start of [startMosquitto, startAedes]) {
  describe(`telemetry against ${start === startMosquitto ? 'mosquitto' : 'the embedded aedes'}`, () => {
    let broker: TestBroker;
    beforeAll(async () => {
      broker = await start();
    });
    afterAll(async () => {
      await broker.stop();
    });

    it('status (retained) online, features at featuresRate_Hz, stim retained; a clean exit publishes offline', async () => {
      const rig = 'clean';
      const watcher = await Recorder.connect(broker.url, `neuroloop/${rig}/#`);
      const cli = startCli(runArgs(broker.url, rig, ['--duration', '6', '--set', 'telemetry.featuresRate_Hz=5', '--set', 'telemetry.raw={enabled: true, decimation: 5}']));
      expect(await cli.exited).toBe(0);
      await sleep(300);
      const status = watcher.json('/status').map((s) => statusPayload.parse(s));
      expect(status[0]).toMatchObject({ state: 'online', rig, v: 1 });
      expect(status.at(-1)!.state).toBe('offline');
      const features = watcher.json('/features').map((f) => featuresPayload.parse(f));
      // 5 Hz over the frames from one window in (at 250 Hz) to 6 s of data.
      const expected = Math.round((6 - SIM_ADBS.window_samples / 250) * 5);
      expect(features.length).toBeGreaterThanOrEqual(expected - 2);
      expect(features.length).toBeLessThanOrEqual(expected + 1);
      expect(features[1].t_s - features[0].t_s).toBeCloseTo(0.2, 9);
      expect(Object.keys(features[0].bands)).toEqual(['beta']);
      expect(features[0].bands.beta).toHaveLength(2);
      const stim = watcher.json('/stim').map((s) => stimPayload.parse(s));
      expect(stim.length).toBeGreaterThanOrEqual(5);
      // raw: binary frames of every 5th sample, 2 channels, 50 Hz, covering the run without gaps.
      const raw = watcher.messages.filter((m) => m.topic.endsWith('/raw')).map((m) => decodeRawFrame(m.payload));
      expect(raw.length).toBeGreaterThan(0);
      expect(raw.every((f) => f.fs_Hz === 50 && f.data.length === 2 && f.firstIndex % 5 === 0)).toBe(true);
      expect(raw.reduce((n, f) => n + f.data[0].length, 0)).toBe(1500 / 5);
      await watcher.close();
      // Retained: a newcomer gets the last status and stim at once.
      const late = await Recorder.connect(broker.url, [`neuroloop/${rig}/status`, `neuroloop/${rig}/stim`]);
      expect((await late.waitFor('/status', () => true, 3000)).state).toBe('offline');
      await late.waitFor('/stim', () => true, 3000);
      expect(late.messages.every((m) => m.retain)).toBe(true);
      await late.close();
    });

    it('the last will: kill -9 the process and "offline" appears', async () => {
      const rig = 'killed';
      const watcher = await Recorder.connect(broker.url, `neuroloop/${rig}/status`);
      const cli = startCli(runArgs(broker.url, rig));
      await watcher.waitFor<{ state: string }>('/status', (s) => s.state === 'online');
      cli.child.kill('SIGKILL');
      await cli.exited;
      await watcher.waitFor<{ state: string }>('/status', (s) => s.state === 'offline', 5000);
      await watcher.close();
    });

    it('a broker that goes away and comes back: the loop never stops, status and stim come again, losses are counted', async () => {
      const rig = 'outage';
      const dir = tempDir();
      const trace = join(dir, 'trace.ndjson');
      const cli = startCli(runArgs(broker.url, rig, ['--duration', '9', '--trace', trace, '--set', 'telemetry.queue_messages=5']));
      const first = await Recorder.connect(broker.url, `neuroloop/${rig}/#`);
      await first.waitFor<{ state: string }>('/status', (s) => s.state === 'online');
      await first.close();
      await broker.stop();
      await sleep(2500);
      await broker.start();
      const second = await Recorder.connect(broker.url, `neuroloop/${rig}/#`);
      const status = await second.waitFor<{ state: string; dropped: Record<string, number> }>('/status', (s) => s.state === 'online' && Object.keys(s.dropped).length > 0, 15_000);
      expect(Object.values(status.dropped).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      await second.waitFor('/stim');
      expect(await cli.exited).toBe(0);
      // Every frame is in the trace, in order, a hop apart: the loop went on through the outage.
      // Step lines only: the trace begins with a session-start line and ends with a session-end line.
      const lines = readFileSync(trace, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { index: number; kind?: string }).filter((l) => l.kind === undefined);
      const { window_samples, hop_samples } = SIM_ADBS;
      expect(lines).toHaveLength((2250 - window_samples) / hop_samples + 1);
      lines.forEach((l, i) => expect(l.index).toBe(window_samples + hop_samples * i));
      await second.close();
    });

    it('a broker that is down at start: the session runs, and telemetry arrives once it is up', async () => {
      const rig = 'latecomer';
      await broker.stop();
      const cli = startCli(runArgs(broker.url, rig, ['--duration', '6']));
      await sleep(1500);
      await broker.start();
      const watcher = await Recorder.connect(broker.url, `neuroloop/${rig}/#`);
      await watcher.waitFor<{ state: string }>('/status', (s) => s.state === 'online');
      await watcher.waitFor('/features');
      expect(await cli.exited).toBe(0);
      await watcher.close();
    });

    it('commands: accepted within the tunable ranges, refused otherwise, each acked and an event; e-stop and reset', async () => {
      const rig = 'commanded';
      const dir = tempDir();
      const trace = join(dir, 'trace.ndjson');
      const cli = startCli(
        runArgs(broker.url, rig, [
          '--trace', trace, '--duration', '12',
          '--set', 'telemetry.commands.enabled=true',
          '--set', 'telemetry.commands.tunable={upperThreshold: {min: 0, max: 2}, upperAmplitude_mA: {min: 0, max: 3.5}}',
        ]),
      );
      const watcher = await Recorder.connect(broker.url, `neuroloop/${rig}/#`);
      await watcher.waitFor<{ state: string }>('/status', (s) => s.state === 'online');
      const cmd = async (name: string, body: unknown): Promise<{ id: string | null; ok: boolean; error?: string }> => {
        const payload = typeof body === 'string' ? body : JSON.stringify(body);
        const id = typeof body === 'object' && body !== null ? (body as { id?: string }).id ?? null : null;
        await watcher.client.publishAsync(`neuroloop/${rig}/cmd/${name}`, payload, { qos: 1 });
        return ackPayload.parse(await watcher.waitFor<{ id: string | null }>('/cmd/ack', (a) => a.id === id && (id !== null || true), 5000));
      };
      expect(await cmd('policy', { id: 'a1', params: { upperThreshold: 1.2 } })).toMatchObject({ ok: true });
      expect(await cmd('policy', { id: 'a2', params: { upperThreshold: 5 } })).toMatchObject({ ok: false, error: expect.stringMatching(/outside the tunable range \[0, 2\]/) });
      expect(await cmd('policy', { id: 'a3', params: { lowerThreshold: 0 } })).toMatchObject({ ok: false, error: expect.stringMatching(/not tunable/) });
      expect(await cmd('policy', { id: 'a4', params: { upperThreshold: -1.5 } })).toMatchObject({ ok: false, error: expect.stringMatching(/outside the tunable range|upperThreshold: must be > lowerThreshold/) });
      expect(await cmd('limits', { id: 'a5', params: { amplitude_mA: 100 } })).toMatchObject({ ok: false, error: expect.stringMatching(/unknown command "limits"/) });
      // An e-stop is never refused: a wrong payload still stops, and the ack says what was wrong.
      expect(await cmd('estop', { id: 'a6', reason: 'test', extra: 1 })).toMatchObject({ ok: true, warning: expect.stringMatching(/extra: unknown key/) });
      expect(await cmd('estop', { id: 'e1', reason: 'test' })).toMatchObject({ ok: true });
      await watcher.waitFor<{ state: string }>('/status', (s) => s.state === 'estop');
      await watcher.waitFor<{ amplitude_mA: number }>('/stim', (s) => s.amplitude_mA === 0);
      expect(await cmd('reset', { id: 'r1' })).toMatchObject({ ok: true });
      await watcher.waitFor<{ state: string }>('/status', (s) => s.state === 'online');
      const events = watcher.json('/events').map((e) => eventPayload.parse(e));
      const commandEvents = events.filter((e) => e.kind === 'command');
      expect(commandEvents.map((e) => [e.id, e.ok])).toEqual([['a1', true], ['a2', false], ['a3', false], ['a4', false], ['a5', false], ['a6', true], ['e1', true], ['r1', true]]);
      expect(events.some((e) => e.kind === 'estop')).toBe(true);
      expect(await cli.exited).toBe(0);
      await sleep(300);
      expect(watcher.json<{ kind: string }>('/events').filter((e) => e.kind === 'session-end')).toHaveLength(1);
      const traceText = readFileSync(trace, 'utf8');
      // Line 1 is the trace's own session-start header; the session's session-start event rides on the first step.
      const traceLines = traceText.split('\n');
      expect(JSON.parse(traceLines[0])).toMatchObject({ kind: 'session-start', v: 1 });
      expect(JSON.parse(traceLines[1]).events[0]).toMatchObject({ kind: 'session-start' });
      expect(traceText).toContain('cmd/policy a1 accepted: upperThreshold=1.2');
      expect(traceText).toContain('"kind":"estop"');
      await watcher.close();
    });

    it('a flood of 1,000 commands a second is refused beyond the rate limit and the loop does not fall behind', async () => {
      const rig = 'flooded';
      const dir = tempDir();
      const trace = join(dir, 'trace.ndjson');
      const startedAt = Date.now();
      const cli = startCli(runArgs(broker.url, rig, ['--trace', trace, '--duration', '6', '--set', 'telemetry.commands.enabled=true', '--set', 'telemetry.commands.tunable={upperThreshold: {min: 0, max: 2}}']));
      const watcher = await Recorder.connect(broker.url, [`neuroloop/${rig}/cmd/ack`, `neuroloop/${rig}/status`]);
      await watcher.waitFor<{ state: string }>('/status', (s) => s.state === 'online');
      const flood = async (): Promise<void> => {
        for (let i = 0; i < 1000; i++) {
          void watcher.client.publish(`neuroloop/${rig}/cmd/policy`, JSON.stringify({ id: `f${i}`, params: { upperThreshold: 0.5 + (i % 10) / 10 } }), { qos: 0 });
          if (i % 100 === 99) await sleep(100);
        }
      };
      await flood();
      expect(await cli.exited).toBe(0);
      const elapsed_s = (Date.now() - startedAt) / 1000;
      // 6 s of data in real time: the run ends on time (start-up and shutdown included).
      expect(elapsed_s).toBeLessThan(10);
      // Between the session-start and session-end lines: one step line per frame.
      const lines = readFileSync(trace, 'utf8').trimEnd().split('\n').slice(1, -1);
      expect(lines).toHaveLength((1500 - SIM_ADBS.window_samples) / SIM_ADBS.hop_samples + 1);
      await sleep(500);
      const acks = watcher.json<{ ok: boolean; error?: string }>('/cmd/ack');
      expect(acks.length).toBeGreaterThan(900);
      const accepted = acks.filter((a) => a.ok).length;
      // Burst 10 plus 5/s over about a second of flood.
      expect(accepted).toBeGreaterThanOrEqual(10);
      expect(accepted).toBeLessThanOrEqual(30);
      expect(acks.filter((a) => !a.ok).every((a) => /too many commands/.test(a.error ?? ''))).toBe(true);
      await watcher.close();
    });
  });
}
