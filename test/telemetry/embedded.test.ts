import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { Aedes } from 'aedes';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { describe, expect, it } from 'vitest';
import { ackPayload } from '../../drivers/mqtt/telemetryPayloads.js';
import { Recorder, freePort, waitForPort } from '../helpers/brokers.js';
import { startCli } from '../helpers/cli.js';

const args = (extra: string[]): string[] => [
  'run', '--config', 'config/examples/sim-adbs.yaml', '--set', 'signals.biomarker.baseline_s=1', '--set', 'policy.startupDelay_ms=1000', ...extra,
];

/** An 8 s session on its own embedded broker, commands on or off, and a watcher of everything once the rig is online. */
async function onlineSession(commands: boolean) {
  const port = await freePort();
  const cli = startCli(args(['--duration', '8', '--set', `telemetry.embedded.port=${port}`, '--set', `telemetry.commands.enabled=${commands}`]));
  await waitForPort(port);
  const watcher = await Recorder.connect(`mqtt://127.0.0.1:${port}`, 'neuroloop/#');
  await watcher.waitFor<{ state: string }>('/status', (s) => s.state === 'online');
  return { cli, watcher };
}

describe('zero set-up: the embedded broker started by neuroloop run', () => {
  it('listens on loopback, says how to watch it, and serves status, features and stim', async () => {
    const port = await freePort();
    const cli = startCli(args(['--duration', '6', '--set', `telemetry.embedded.port=${port}`]));
    await waitForPort(port);
    const watcher = await Recorder.connect(`mqtt://127.0.0.1:${port}`, 'neuroloop/#');
    await watcher.waitFor<{ state: string }>('/status', (s) => s.state === 'online');
    await watcher.waitFor('/features');
    await watcher.waitFor('/stim');
    expect(await cli.exited).toBe(0);
    expect(cli.stderr()).toContain(`mosquitto_sub -h 127.0.0.1 -p ${port} -t 'neuroloop/#' -v`);
    await watcher.close();
  });

  // The session's own telemetry goes into the embedded broker without a client (brokerLink): commands must still arrive.
  it('takes commands: an unknown one is refused with an ack, an e-stop is acked and latched, and the exit leaves status offline', async () => {
    const { cli, watcher } = await onlineSession(true);
    await watcher.client.publishAsync('neuroloop/sim-patient/cmd/limits', JSON.stringify({ id: 'l1', params: { amplitude_mA: 100 } }), { qos: 1 });
    expect(ackPayload.parse(await watcher.waitFor<{ id: string | null }>('/cmd/ack', (a) => a.id === 'l1', 5000))).toMatchObject({ ok: false, error: expect.stringMatching(/unknown command "limits"/) });
    await watcher.client.publishAsync('neuroloop/sim-patient/cmd/estop', JSON.stringify({ id: 'e1', reason: 'test' }), { qos: 1 });
    expect(ackPayload.parse(await watcher.waitFor<{ id: string | null }>('/cmd/ack', (a) => a.id === 'e1', 5000))).toMatchObject({ ok: true });
    await watcher.waitFor<{ state: string }>('/status', (s) => s.state === 'estop');
    await watcher.waitFor<{ amplitude_mA: number }>('/stim', (s) => s.amplitude_mA === 0);
    expect(await cli.exited).toBe(0);
    // The broker closes with the process; it lets the last status out first (EmbeddedBroker.close).
    const last = await watcher.waitFor<{ state: string; final?: string }>('/status', (st) => st.state === 'offline', 5000);
    expect(last).toMatchObject({ state: 'offline', final: 'estop' });
    await watcher.close();
  });

  it('with commands disabled (the default) it still takes an e-stop, and nothing else: an e-stop is never refused while the process runs', async () => {
    const { cli, watcher } = await onlineSession(false);
    // Not listened to: no ack, no effect.
    await watcher.client.publishAsync('neuroloop/sim-patient/cmd/reset', JSON.stringify({ id: 'r1' }), { qos: 1 });
    await watcher.client.publishAsync('neuroloop/sim-patient/cmd/estop', JSON.stringify({ id: 'e1', reason: 'read-only rig' }), { qos: 1 });
    expect(ackPayload.parse(await watcher.waitFor<{ id: string | null }>('/cmd/ack', (a) => a.id === 'e1', 5000))).toMatchObject({ ok: true });
    await watcher.waitFor<{ state: string }>('/status', (s) => s.state === 'estop');
    expect(await cli.exited).toBe(0);
    const last = await watcher.waitFor<{ state: string; final?: string }>('/status', (st) => st.state === 'offline', 5000);
    expect(last).toMatchObject({ state: 'offline', final: 'estop' });
    // The reset was sent before the e-stop on the same connection: had it been taken, its ack would have come first.
    expect(watcher.json<{ id: string | null }>('/cmd/ack').map((a) => a.id)).toEqual(['e1']);
    await watcher.close();
  });

  it('a taken port is a clear error naming it and how to choose another (exit 2)', async () => {
    const port = await freePort();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', () => resolve()));
    try {
      const cli = startCli(args(['--duration', '2', '--set', `telemetry.embedded.port=${port}`]));
      expect(await cli.exited).toBe(2);
      expect(cli.stderr()).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is taken.*--set telemetry\\.embedded\\.port=`));
      expect(cli.stdout()).toBe('');
    } finally {
      blocker.close();
    }
  });
});

describe('bad telemetry settings never start a session and never leave a broker behind', () => {
  it('an unreadable CA file: exit 2 naming it, promptly, the embedded broker closed', async () => {
    const port = await freePort();
    const cli = startCli(args(['--duration', '30', '--set', `telemetry.embedded.port=${port}`, '--set', 'telemetry.mqtt.ca=/nonexistent/ca.pem']));
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toMatch(/telemetry\.mqtt\.ca: cannot read \/nonexistent\/ca\.pem \(ENOENT\)/);
    expect(cli.stdout()).toBe('');
  });
});

describe('ws:// (MQTT over WebSockets)', () => {
  // Debian's mosquitto cannot open a websockets listener on these machines (libwebsockets
  // fails to bind), so the broker here is aedes behind the ws package's WebSocket server.
  it('publishes over WebSockets', async () => {
    const port = await freePort();
    const broker = await Aedes.createBroker();
    const http = createHttpServer();
    const wss = new WebSocketServer({ server: http });
    wss.on('connection', (socket, request) => broker.handle(createWebSocketStream(socket), request));
    await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', () => resolve()));
    try {
      const url = `ws://127.0.0.1:${port}`;
      const cli = startCli(args(['--duration', '4', '--mqtt', url, '--set', 'rig.id=ws']));
      const watcher = await Recorder.connect(url, 'neuroloop/ws/#');
      await watcher.waitFor<{ state: string }>('/status', (s) => s.state === 'online');
      await watcher.waitFor('/features');
      expect(await cli.exited).toBe(0);
      await watcher.close();
    } finally {
      wss.close();
      await new Promise<void>((resolve) => broker.close(() => http.close(() => resolve())));
    }
  });
});
