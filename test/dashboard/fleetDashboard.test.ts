import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stimPayload } from '../../drivers/mqtt/telemetryPayloads.js';
import { Recorder, type TestBroker, freePort, startMosquitto, waitForPort } from '../helpers/brokers.js';
import { type Chromium, launchChromium } from '../helpers/chromium.js';
import { type RunningCli, startCli } from '../helpers/cli.js';
import { type DashboardPage, openDashboard } from './dashboardPage.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A simulated rig publishing to the test's mosquitto, commands on or off. */
function startRig(url: string, rig: string, commands: boolean): RunningCli {
  return startCli([
    'run', '--config', 'config/examples/sim-adbs.yaml', '--duration', '120', '--mqtt', url,
    '--set', `rig.id=${rig}`, '--set', 'signals.biomarker.baseline_s=1', '--set', 'policy.startupDelay_ms=1000',
    '--set', 'logging.level=warn', '--set', `telemetry.commands.enabled=${commands}`,
  ]);
}

/**
 * `neuroloop dashboard --mqtt mqtt://...` for a lab's mosquitto with two rigs. Debian's
 * mosquitto has no WebSocket listener, so the page reaches it through the dashboard
 * server's /mqtt bridge: the reference broker, with retained status and last wills, as
 * a lab runs it.
 */
describe('neuroloop dashboard: a fleet on mosquitto', () => {
  let broker: TestBroker;
  let chromium: Chromium;
  let dashboard: RunningCli;
  let commanded: RunningCli;
  let readOnly: RunningCli;
  let dash: DashboardPage;

  beforeAll(async () => {
    broker = await startMosquitto();
    const httpPort = await freePort();
    commanded = startRig(broker.url, 'fleet-a', true);
    readOnly = startRig(broker.url, 'fleet-b', false);
    dashboard = startCli(['dashboard', '--mqtt', broker.url, '--listen', `127.0.0.1:${httpPort}`, '--rig', 'fleet-b']);
    chromium = await launchChromium();
    await waitForPort(httpPort);
    dash = await openDashboard(chromium, `http://127.0.0.1:${httpPort}/`);
  });

  afterAll(async () => {
    for (const c of [commanded, readOnly, dashboard]) if (c.child.exitCode === null) c.child.kill('SIGTERM');
    await Promise.all([commanded.exited, readOnly.exited, dashboard.exited]);
    await chromium.close();
    await broker.stop();
  });

  it('lists both rigs; a rig with commands disabled is read-only and says so', async () => {
    await dash.waitForField('connection', (t) => t === 'connected');
    await dash.waitForField('rig', (t) => t === 'fleet-b');
    await dash.waitForField('state', (t) => t === 'online');
    await dash.waitForField('biomarker', (t) => /^-?\d+\.\d{3}/.test(t));
    await dash.waitForField('readonly', (t) => t.includes('commands are disabled on this rig'));
    expect(await dash.visible('[data-field="readonly"]')).toBe(true);
    expect(await dash.visible('#commands')).toBe(false);
    await dash.page.waitForSelector('#rig-list button[data-rig="fleet-a"]', { timeout: 10_000 });
    expect(await dash.page.$$eval('#rig-list button', (b) => b.map((x) => x.getAttribute('data-rig')))).toEqual(['fleet-a', 'fleet-b']);
    // Escape on a read-only rig sends nothing.
    await dash.page.keyboard.press('Escape');
    expect(await dash.field('ack')).toBe('');
    expect(dash.problems).toEqual([]);
  });

  it('a payload that fails its schema is a visible error naming the topic and the field', async () => {
    const publisher = await Recorder.connect(broker.url, 'neuroloop/none');
    try {
      await publisher.client.publishAsync('neuroloop/fleet-z/status', JSON.stringify({ v: 1, state: 'sleeping' }), { qos: 1 });
    } finally {
      await publisher.close();
    }
    await dash.page.waitForFunction(`!document.getElementById('errors').hidden`, { timeout: 5000 });
    const banner = await dash.page.$eval('#errors', (e) => e.textContent ?? '');
    expect(banner).toMatch(/neuroloop\/fleet-z\/status: state: /);
  });

  it('the Escape key e-stops the chosen rig: its retained stim shows the output off, the page the ack', async () => {
    await dash.page.click('#rig-list button[data-rig="fleet-a"]');
    await dash.waitForField('rig', (t) => t === 'fleet-a');
    await dash.waitForField('amplitude_mA', (t) => Number(t) > 0);
    expect(await dash.visible('#commands')).toBe(true);
    await dash.page.keyboard.press('Escape');
    await dash.waitForField('ack', (t) => t.startsWith('E-STOP: confirmed by the rig'), 5000);
    await dash.waitForField('state', (t) => t === 'estop', 5000);
    const late = await Recorder.connect(broker.url, 'neuroloop/fleet-a/stim');
    try {
      const retained = stimPayload.parse(await late.waitFor('/stim', (s: { enabled: boolean }) => !s.enabled, 5000));
      expect(retained.amplitude_mA).toBe(0);
      expect(retained.reason).toContain('estop');
    } finally {
      await late.close();
    }
    expect(dash.problems).toEqual([]);
  });

  it('a broker restart shows "reconnecting", then the page is live again', async () => {
    await broker.stop();
    await dash.waitForField('connection', (t) => t.startsWith('reconnecting'), 10_000);
    // The commands go away while nothing can carry them, and the page says why.
    await dash.waitForField('readonly', (t) => t.includes('no connection to the broker'), 5000);
    expect(await dash.visible('#commands')).toBe(false);
    await broker.start();
    await dash.waitForField('connection', (t) => t === 'connected', 15_000);
    // The rigs come back too (their own back-off), and frames flow again.
    const before = await dash.field('session-time');
    await dash.waitForField('session-time', (t) => t !== before, 20_000);
    // The unanswered socket errors of the outage are the browser's, not the page's.
    expect(dash.problems.filter((p) => !p.includes('WebSocket'))).toEqual([]);
  });

  it('a rig killed with SIGKILL shows offline at once (its last will)', async () => {
    await dash.waitForField('state', (t) => t === 'estop');
    readOnly.child.kill('SIGKILL');
    commanded.child.kill('SIGKILL');
    await dash.waitForField('state', (t) => t === 'offline', 5000);
    expect(await dash.page.$eval('[data-field="state"]', (e) => e.getAttribute('title'))).toContain('last will');
    await dash.page.waitForFunction(`document.querySelector('#rig-list button[data-rig="fleet-b"]')?.textContent?.includes('offline (last will)')`, { timeout: 5000 });
    expect(await dash.visible('#commands')).toBe(false);
    await sleep(200);
  });
});
