import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ackPayload, statusPayload, stimPayload } from '../../drivers/mqtt/telemetryPayloads.js';
import { Recorder, type TestBroker, startAedes, startMosquitto } from '../helpers/brokers.js';
import { startCli, tempDir } from '../helpers/cli.js';

/** sim-adbs with a short baseline, paced in real time, telemetry and commands to the test's broker. */
function runArgs(url: string, rig: string, extra: string[] = []): string[] {
  return [
    'run', '--config', 'config/examples/sim-adbs-fixed.yaml', '--mqtt', url,
    '--set', `rig.id=${rig}`, '--set', 'signals.biomarker.baseline_s=1', '--set', 'policy.startupDelay_ms=1000',
    // Thresholds far below the biomarker: the policy asks for its upper amplitude as soon as it may.
    '--set', 'policy.lowerThreshold=-50', '--set', 'policy.upperThreshold=-40',
    '--set', 'logging.level=warn', '--set', 'telemetry.commands.enabled=true',
    '--set', 'telemetry.commands.tunable={upperThreshold: {min: 0, max: 2}}', ...extra,
  ];
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Ack = { id: string | null; ok: boolean; error?: string; warning?: string };
type Status = { state: string; session: string; final?: string };
type Stim = { enabled: boolean; amplitude_mA: number; reason: string };

/** Publishes empty retained messages: the broker forgets what a test left there. */
async function clearRetained(url: string, topics: string[]): Promise<void> {
  const client = await connectAsync(url);
  for (const topic of topics) await client.publishAsync(topic, '', { qos: 1, retain: true });
  await client.endAsync();
}

for (const start of [startMosquitto, startAedes]) {
  describe(`commands that cannot hurt, against ${start === startMosquitto ? 'mosquitto' : 'the embedded aedes'}`, () => {
    let broker: TestBroker;
    beforeAll(async () => {
      broker = await start();
    });
    afterAll(async () => {
      await broker.stop();
    });

    it('retained commands are never executed: not at start, and a reconnect does not clear an e-stop', async () => {
      const rig = 'replayed';
      const cmd = (name: string) => `neuroloop/${rig}/cmd/${name}`;
      const watcher = await Recorder.connect(broker.url, [`neuroloop/${rig}/status`, `neuroloop/${rig}/stim`, `neuroloop/${rig}/events`, cmd('ack')]);
      // Left on the broker by an earlier session's operator.
      await watcher.client.publishAsync(cmd('estop'), JSON.stringify({ id: 'old-e' }), { qos: 1, retain: true });
      await watcher.client.publishAsync(cmd('policy'), JSON.stringify({ id: 'old-p', params: { upperThreshold: 0 } }), { qos: 1, retain: true });
      const dir = tempDir();
      const trace = join(dir, 'trace.ndjson');
      const cli = startCli(runArgs(broker.url, rig, ['--duration', '14', '--trace', trace, '--set', 'telemetry.mqtt.clientId=replayed-rig']));
      const oldE = ackPayload.parse(await watcher.waitFor<Ack>('/cmd/ack', (a) => a.id === 'old-e'));
      expect(oldE).toMatchObject({ ok: false, error: expect.stringMatching(/retained message .*not executed/) });
      expect(await watcher.waitFor<Ack>('/cmd/ack', (a) => a.id === 'old-p')).toMatchObject({ ok: false, error: expect.stringMatching(/retained/) });
      // The session stimulates: the stale e-stop did not stop it.
      await watcher.waitFor<Stim>('/stim', (s) => s.amplitude_mA > 0);
      // An operator's live reset sent with the retain flag runs (it is sent now) ...
      await watcher.client.publishAsync(cmd('reset'), JSON.stringify({ id: 'r-live' }), { qos: 1, retain: true });
      expect(await watcher.waitFor<Ack>('/cmd/ack', (a) => a.id === 'r-live')).toMatchObject({ ok: true });
      // ... then an e-stop.
      await watcher.client.publishAsync(cmd('estop'), JSON.stringify({ id: 'e-live' }), { qos: 1 });
      expect(await watcher.waitFor<Ack>('/cmd/ack', (a) => a.id === 'e-live')).toMatchObject({ ok: true });
      await watcher.waitFor<Status>('/status', (s) => s.state === 'estop');
      // Knock the rig off the broker (same client id): it reconnects, resubscribes, and the broker replays the retained reset.
      const intruder = await connectAsync(broker.url, { clientId: 'replayed-rig', reconnectPeriod: 0 });
      await intruder.endAsync(true);
      const acksBefore = watcher.json<Ack>('/cmd/ack').filter((a) => a.id === 'r-live').length;
      await watcher.waitFor<Ack>('/cmd/ack', () => watcher.json<Ack>('/cmd/ack').filter((a) => a.id === 'r-live').length > acksBefore, 10_000);
      expect(watcher.json<Ack>('/cmd/ack').filter((a) => a.id === 'r-live').at(-1)).toMatchObject({ ok: false, error: expect.stringMatching(/retained/) });
      await sleep(500);
      // The e-stop holds: no reset event, output off, status still estop.
      expect(watcher.json<{ kind: string }>('/events').some((e) => e.kind === 'reset')).toBe(false);
      expect(watcher.json<Stim>('/stim').at(-1)!.amplitude_mA).toBe(0);
      expect(watcher.json<Status>('/status').at(-1)!.state).toBe('estop');
      expect(await cli.exited).toBe(0);
      // Every refusal is in the trace too.
      const traceText = readFileSync(trace, 'utf8');
      expect(traceText).toContain('cmd/estop old-e refused');
      expect(traceText).toContain('cmd/reset r-live refused');
      await watcher.close();
      await clearRetained(broker.url, [cmd('estop'), cmd('policy'), cmd('reset')]);
    });

    it('junk cannot use up the rate limit: the e-stop after a flood is taken, and a malformed e-stop still stops', async () => {
      const rig = 'junked';
      const cmd = (name: string) => `neuroloop/${rig}/cmd/${name}`;
      const cli = startCli(runArgs(broker.url, rig, ['--duration', '12', '--set', 'telemetry.commands.burst=2', '--set', 'telemetry.commands.maxRate_per_s=0.1']));
      const watcher = await Recorder.connect(broker.url, [`neuroloop/${rig}/status`, cmd('ack')]);
      await watcher.waitFor<Status>('/status', (s) => s.state === 'online');
      for (let i = 0; i < 300; i++) void watcher.client.publish(cmd(i % 2 === 0 ? 'policy' : 'reset'), i % 3 === 0 ? 'not json' : JSON.stringify({ id: `j${i}`, bogus: true }), { qos: 0 });
      // Two real commands spend the burst ...
      await watcher.client.publishAsync(cmd('policy'), JSON.stringify({ id: 'p1', params: { upperThreshold: 1 } }), { qos: 1 });
      expect(await watcher.waitFor<Ack>('/cmd/ack', (a) => a.id === 'p1')).toMatchObject({ ok: true });
      // ... a replay of an executed id is refused (and spends nothing) ...
      await watcher.client.publishAsync(cmd('policy'), JSON.stringify({ id: 'p1', params: { upperThreshold: 1 } }), { qos: 1 });
      expect(await watcher.waitFor<Ack>('/cmd/ack', (a) => a.id === 'p1' && !a.ok)).toMatchObject({ error: expect.stringMatching(/already executed/) });
      await watcher.client.publishAsync(cmd('policy'), JSON.stringify({ id: 'p2', params: { upperThreshold: 1.1 } }), { qos: 1 });
      expect(await watcher.waitFor<Ack>('/cmd/ack', (a) => a.id === 'p2')).toMatchObject({ ok: true });
      await watcher.client.publishAsync(cmd('policy'), JSON.stringify({ id: 'p3', params: { upperThreshold: 1.2 } }), { qos: 1 });
      expect(await watcher.waitFor<Ack>('/cmd/ack', (a) => a.id === 'p3')).toMatchObject({ ok: false, error: expect.stringMatching(/too many/) });
      // ... and the e-stop is never rate-limited: not even a malformed one.
      await watcher.client.publishAsync(cmd('estop'), 'STOP!', { qos: 1 });
      const ack = await watcher.waitFor<Ack>('/cmd/ack', (a) => a.ok && a.id === null);
      expect(ack.warning).toBe('e-stopped anyway: payload is not JSON');
      await watcher.waitFor<Status>('/status', (s) => s.state === 'estop');
      expect(await cli.exited).toBe(0);
      // 300 junk + 4 policy + 1 e-stop: every one answered.
      expect(watcher.json<Ack>('/cmd/ack').length).toBe(305);
      await watcher.close();
    });
  });
}

describe('big payloads and the end of a session (mosquitto)', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await broker.stop();
  });

  it('a 12 MB command is refused by its size, echoed nowhere, and a 12 MB e-stop still stops', async () => {
    const rig = 'huge';
    const cmd = (name: string) => `neuroloop/${rig}/cmd/${name}`;
    const dir = tempDir();
    const trace = join(dir, 'trace.ndjson');
    const log = join(dir, 'log.ndjson');
    const cli = startCli(runArgs(broker.url, rig, ['--duration', '10', '--trace', trace, '--set', `logging.file=${log}`]));
    const watcher = await Recorder.connect(broker.url, [`neuroloop/${rig}/status`, `neuroloop/${rig}/events`, cmd('ack')]);
    await watcher.waitFor<Status>('/status', (s) => s.state === 'online');
    const filler = 'Z'.repeat(12 * 1024 * 1024);
    await watcher.client.publishAsync(cmd('policy'), JSON.stringify({ id: `big-${filler.slice(0, 5000)}`, params: { upperThreshold: 1 }, filler }), { qos: 1 });
    const refused = await watcher.waitFor<Ack>('/cmd/ack', (a) => !a.ok);
    expect(refused.error).toMatch(/^payload is \d+ bytes, more than 4096$/);
    await watcher.client.publishAsync(cmd('estop'), JSON.stringify({ id: 'big-e', reason: filler }), { qos: 1 });
    await watcher.waitFor<Status>('/status', (s) => s.state === 'estop');
    expect(await cli.exited).toBe(0);
    await sleep(300);
    const everything = [
      readFileSync(trace, 'utf8'),
      readFileSync(log, 'utf8'),
      cli.stdout(),
      cli.stderr(),
      ...watcher.messages.map((m) => m.payload.toString('utf8')),
    ];
    for (const text of everything) expect(text).not.toMatch(/Z{201}/);
    for (const m of watcher.messages) expect(m.payload.length).toBeLessThan(1000);
    await watcher.close();
  });

  it('the end of a session by any path leaves the retained stim off and a status with how it ended', async () => {
    const ended = async (rig: string): Promise<{ stim: Stim; status: Status }> => {
      const late = await Recorder.connect(broker.url, [`neuroloop/${rig}/status`, `neuroloop/${rig}/stim`]);
      const stim = stimPayload.parse(await late.waitFor('/stim', () => true, 3000));
      const status = statusPayload.parse(await late.waitFor('/status', () => true, 3000));
      expect(late.messages.every((m) => m.retain)).toBe(true);
      await late.close();
      return { stim, status };
    };
    const stimulating = async (rig: string): Promise<Recorder> => {
      const watcher = await Recorder.connect(broker.url, `neuroloop/${rig}/stim`);
      await watcher.waitFor<Stim>('/stim', (s) => s.amplitude_mA > 0);
      return watcher;
    };

    // End of data, stimulation on until the last frame.
    const byData = startCli(runArgs(broker.url, 'end-data', ['--duration', '6']));
    const w1 = await stimulating('end-data');
    expect(await byData.exited).toBe(0);
    expect(w1.json<Stim>('/stim').filter((s) => s.reason !== 'session ended: end of data').at(-1)!.amplitude_mA).toBeGreaterThan(0);
    await w1.close();
    const a = await ended('end-data');
    expect(a.stim).toMatchObject({ enabled: false, amplitude_mA: 0, reason: 'session ended: end of data' });
    expect(a.status).toMatchObject({ state: 'offline', final: 'end of data' });

    // Ctrl+C: a ramp to off.
    const bySigint = startCli(runArgs(broker.url, 'end-int'));
    const w2 = await stimulating('end-int');
    bySigint.child.kill('SIGINT');
    expect(await bySigint.exited).toBe(0);
    await w2.close();
    const b = await ended('end-int');
    expect(b.stim).toMatchObject({ enabled: false, amplitude_mA: 0 });
    expect(b.status).toMatchObject({ state: 'offline', final: 'stopped' });

    // SIGTERM twice: a cut. The config ramps down so slowly (limits from the file) that the second signal comes mid-ramp.
    const slow = join(tempDir(), 'slow-ramp.yaml');
    writeFileSync(slow, readFileSync('config/examples/sim-adbs-fixed.yaml', 'utf8').replace('  rampDown_mA_per_s: 5', '  rampDown_mA_per_s: 0.1'));
    const bySigterm = startCli(runArgs(broker.url, 'end-term').map((arg) => (arg === 'config/examples/sim-adbs-fixed.yaml' ? slow : arg)));
    const w3 = await stimulating('end-term');
    // Up at the policy's upper amplitude (3 mA) first, so that any lower value is the ramp down.
    await w3.waitFor<Stim>('/stim', (s) => s.amplitude_mA === 3);
    const seen = w3.json<Stim>('/stim').length;
    bySigterm.child.kill('SIGTERM');
    // The first signal was taken: the ramp down has begun (a value below 3 mA after the mark).
    await w3.waitFor<Stim>('/stim', () => w3.json<Stim>('/stim').slice(seen).some((s) => s.amplitude_mA > 0 && s.amplitude_mA < 3), 20_000);
    bySigterm.child.kill('SIGTERM');
    expect(await bySigterm.exited).toBe(0);
    await w3.close();
    const c = await ended('end-term');
    expect(c.stim).toMatchObject({ enabled: false, amplitude_mA: 0 });
    expect(c.status).toMatchObject({ state: 'offline', final: 'cut' });
  });

  it('a second process on the same rig is refused (exit 2, one line) unless --take-over', async () => {
    const rig = 'twice';
    const first = startCli(runArgs(broker.url, rig, ['--duration', '15']));
    const watcher = await Recorder.connect(broker.url, `neuroloop/${rig}/status`);
    const online = await watcher.waitFor<Status>('/status', (s) => s.state === 'online');
    const second = startCli(runArgs(broker.url, rig, ['--duration', '2']));
    expect(await second.exited).toBe(2);
    const line = second.stderr().trim();
    expect(line.split('\n').filter((l) => l.includes('already'))).toEqual([
      `neuroloop: rig "${rig}" is already online on ${broker.url} (session ${online.session.slice(0, 8)}..., started ${(online as unknown as { startedAt: string }).startedAt}); stop it, choose another rig.id, or pass --take-over`,
    ]);
    expect(line).not.toMatch(/\n\s+at /);
    // Nothing published by the refused process: the status is still the first session's.
    expect(watcher.json<Status>('/status').every((s) => s.session === online.session)).toBe(true);
    const third = startCli(runArgs(broker.url, rig, ['--duration', '2', '--take-over']));
    expect(await third.exited).toBe(0);
    expect(watcher.json<Status>('/status').some((s) => s.session !== online.session && s.state === 'online')).toBe(true);
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    await watcher.close();
  });
});
