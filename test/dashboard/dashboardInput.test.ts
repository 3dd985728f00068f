import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startDashboardServer, type DashboardServer } from '../../drivers/http/dashboardServer.js';
import { freePort } from '../helpers/brokers.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SIM = ['run', '--config', 'config/examples/sim-adbs.yaml', '--duration', '1', '--speed', 'max'];

describe('bad dashboard arguments: exit 2, the flag named, nothing started', () => {
  it.each([
    { args: [...SIM, '--dashboard', 'eighty'], says: /--dashboard: "eighty" is not an address; expected \[HOST:\]PORT/ },
    { args: [...SIM, '--dashboard', '70000'], says: /--dashboard: port 70000 is not from 1 to 65535/ },
    { args: [...SIM, '--dashboard', '8080', '--no-mqtt'], says: /--dashboard: the page shows telemetry, which is off/ },
    { args: [...SIM, '--dashboard', '0.0.0.0:8080'], says: /--dashboard 0\.0\.0\.0:8080: beyond loopback the page carries the embedded broker, which then needs credentials/ },
    { args: [...SIM, '--dashboard', '8080', '--mqtt', 'mqtt://user:secret@127.0.0.1:1'], says: /--mqtt: "mqtt:\/\/user:\*+@127\.0\.0\.1:1" holds credentials/ },
    { args: ['dashboard', '--listen', 'nowhere:'], says: /--listen: "nowhere:" is not an address/ },
    { args: ['dashboard', '--mqtt', 'http://127.0.0.1:1'], says: /--mqtt: .* the scheme http: is not one of/ },
    { args: ['dashboard', '--rig', 'a/b'], says: /--rig: "a\/b" must not contain/ },
    { args: ['dashboard', 'extra'], says: /dashboard: unexpected argument "extra"/ },
  ])('$args', async ({ args, says }) => {
    const r = await runCli(args, { timeout_ms: 20_000 });
    expect(r.stderr).toMatch(says);
    expect(r.stderr).not.toContain('secret');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });

  it('a taken port is exit 2 naming the flag, for run --dashboard and dashboard --listen', async () => {
    const taken = createServer();
    const [port, mqttPort] = await Promise.all([freePort(), freePort()]);
    await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', resolve));
    try {
      const [run, dashboard] = await Promise.all([
        runCli([...SIM, '--set', `telemetry.embedded.port=${mqttPort}`, '--dashboard', String(port)], { timeout_ms: 20_000 }),
        runCli(['dashboard', '--listen', `127.0.0.1:${port}`], { timeout_ms: 20_000 }),
      ]);
      expect(run.stderr).toMatch(new RegExp(`--dashboard: 127\\.0\\.0\\.1:${port} is taken`));
      expect(run.code).toBe(2);
      // Nothing ran: no session started.
      expect(run.stderr).not.toContain('session started');
      expect(dashboard.stderr).toMatch(new RegExp(`--listen: 127\\.0\\.0\\.1:${port} is taken`));
      expect(dashboard.code).toBe(2);
    } finally {
      taken.close();
    }
  });
});

describe('the dashboard server answers only its own page', () => {
  let server: DashboardServer;
  let port: number;
  let accepted = 0;
  beforeAll(async () => {
    port = await freePort();
    const assets = tempDir('neuroloop-dash-assets-');
    for (const f of ['index.html', 'dashboard.js', 'dashboard.css', 'uPlot.min.css', 'licenses.txt']) writeFileSync(join(assets, f), `/* ${f} */`);
    server = await startDashboardServer({
      host: '127.0.0.1',
      port,
      flag: '--dashboard',
      assetsDir: assets,
      page: { v: 1, broker: 'same-origin', brokerLabel: 'test', topicPrefix: 'neuroloop', rig: null, loginRequired: false },
      mqttWebSocket: (socket) => {
        accepted++;
        socket.close();
      },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('serves the page and its config with a strict content security policy, and nothing else', async () => {
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await (await fetch(`http://127.0.0.1:${port}/config.json`)).json()).toMatchObject({ v: 1, broker: 'same-origin' });
    expect((await fetch(`http://127.0.0.1:${port}/../package.json`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/etc/passwd`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/`, { method: 'POST' })).status).toBe(405);
  });

  it('refuses a Host that is not its own (DNS rebinding) and a WebSocket from another origin', async () => {
    const rebound = await new Promise<number>((resolve, reject) => {
      import('node:http').then(({ get }) => get({ host: '127.0.0.1', port, path: '/', headers: { Host: `evil.example:${port}` } }, (res) => resolve(res.statusCode ?? 0)).on('error', reject));
    });
    expect(rebound).toBe(421);
    const open = (origin: string): Promise<'open' | 'refused'> =>
      new Promise((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/mqtt`, 'mqtt', { origin });
        ws.on('open', () => {
          ws.close();
          resolve('open');
        });
        ws.on('error', () => resolve('refused'));
      });
    expect(await open('http://evil.example')).toBe('refused');
    expect(accepted).toBe(0);
    expect(await open(`http://127.0.0.1:${port}`)).toBe('open');
    expect(accepted).toBe(1);
  });
});
