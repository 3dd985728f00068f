import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startDashboardServer, type DashboardServer } from '../../drivers/http/dashboardServer.js';
import { execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { freePort, startMosquitto, type TestBroker } from '../helpers/brokers.js';
import { systemTool } from '../helpers/systemTool.js';
import { runCli, startCli, tempDir } from '../helpers/cli.js';
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
    { args: ['dashboard', '--mqtt', 'mqtt://127.0.0.1:1883/?password=secret'], says: /--mqtt: give the broker URL without a query or fragment/ },
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
      expect(run.stderr).not.toContain('telemetry on the embedded MQTT broker');
      expect(dashboard.stderr).toMatch(new RegExp(`--listen: 127\\.0\\.0\\.1:${port} is taken`));
      expect(dashboard.code).toBe(2);
    } finally {
      taken.close();
    }
  });
});

describe('a TCP broker bridged to a page served beyond loopback', () => {
  let open: TestBroker;
  let locked: TestBroker;
  beforeAll(async () => {
    open = await startMosquitto();
    locked = await startMosquitto({
      listener: (port, dir) => {
        const passwords = join(dir, 'passwords');
        execFileSync(systemTool('mosquitto_passwd'), ['-b', '-c', passwords, 'viewer', 'not-this-one']);
        chmodSync(passwords, 0o644);
        return `listener ${port} 127.0.0.1\nallow_anonymous false\npassword_file ${passwords}\n`;
      },
    });
  });
  afterAll(async () => {
    await open.stop();
    await locked.stop();
  });

  it('a broker that lets anyone in is not handed to the network: exit 2 before anything starts, for dashboard --listen and run --dashboard', async () => {
    const [a, b] = [await freePort(), await freePort()];
    const [dashboard, run] = await Promise.all([
      runCli(['dashboard', '--mqtt', open.url, '--listen', `0.0.0.0:${a}`], { timeout_ms: 20_000 }),
      runCli([...SIM, '--mqtt', open.url, '--dashboard', `0.0.0.0:${b}`], { timeout_ms: 20_000 }),
    ]);
    for (const [r, flag] of [[dashboard, '--listen'], [run, '--dashboard']] as const) {
      expect(r.stderr).toMatch(new RegExp(`${flag} 0\\.0\\.0\\.0:\\d+: the broker mqtt://127\\.0\\.0\\.1:${open.port} takes clients without a password`));
      expect(r.code).toBe(2);
      expect(r.stderr).not.toContain('session started');
      expect(r.stderr).not.toContain('dashboard on');
    }
    // A broker that is not there cannot be checked: refused too, saying why.
    const gone = await runCli(['dashboard', '--mqtt', `mqtt://127.0.0.1:${await freePort()}`, '--listen', `0.0.0.0:${a}`], { timeout_ms: 20_000 });
    expect(gone.stderr).toMatch(/cannot check that the broker .* refuses clients without a password \(connect ECONNREFUSED/);
    expect(gone.code).toBe(2);
  });

  it('a broker that wants a password is served beyond loopback (the page asks for it)', async () => {
    const port = await freePort();
    const served = startCli(['dashboard', '--mqtt', locked.url, '--listen', `0.0.0.0:${port}`]);
    try {
      for (let i = 0; i < 200 && !served.stderr().includes('dashboard for'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(served.stderr()).toContain(`on http://0.0.0.0:${port}/`);
    } finally {
      served.child.kill('SIGINT');
    }
    expect(await served.exited).toBe(0);
  });

  it('--ca is for an mqtts:// broker and must hold a PEM certificate', async () => {
    const notPem = join(tempDir(), 'ca.pem');
    writeFileSync(notPem, 'root:x:0:0:root:/root:/bin/bash\n');
    const plain = await runCli(['dashboard', '--mqtt', open.url, '--ca', notPem], { timeout_ms: 20_000 });
    expect(plain.stderr).toMatch(/--ca: only for an mqtts:\/\/ broker/);
    expect(plain.code).toBe(2);
    const bad = await runCli(['dashboard', '--mqtt', 'mqtts://127.0.0.1:8883', '--ca', notPem], { timeout_ms: 20_000 });
    expect(bad.stderr).toMatch(/--ca: .*ca\.pem holds no PEM certificate/);
    expect(bad.code).toBe(2);
  });

  it('run --dashboard on the port of its own embedded broker says so', async () => {
    const port = await freePort();
    const r = await runCli([...SIM, '--set', `telemetry.embedded.port=${port}`, '--dashboard', String(port)], { timeout_ms: 20_000 });
    expect(r.stderr).toMatch(new RegExp(`--dashboard: port ${port} is the session's own embedded broker's`));
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('telemetry on the embedded MQTT broker');
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
      page: { v: 1, broker: 'same-origin', brokerLabel: 'test', topicPrefix: 'neuroloop', rig: null, loginRequired: false, sessionBroker: false },
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
