import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopPayload, stimPayload } from '../../drivers/mqtt/telemetryPayloads.js';
import { Recorder, freePort, waitForPort } from '../helpers/brokers.js';
import { type Chromium, launchChromium } from '../helpers/chromium.js';
import { REPO, type RunningCli, startCli, tempDir } from '../helpers/cli.js';
import { type DashboardPage, openDashboard } from './dashboardPage.js';

/**
 * `neuroloop run --dashboard` on the simulated patient, with its embedded aedes broker and
 * commands enabled: the page a researcher opens with `npm start -- --dashboard 8080`, in a
 * real chromium, talking MQTT over the aedes WebSocket listener.
 */
describe('run --dashboard: the session page over the embedded broker', () => {
  let chromium: Chromium;
  let cli: RunningCli;
  let mqttPort: number;
  let httpPort: number;
  let dash: DashboardPage;

  beforeAll(async () => {
    [mqttPort, httpPort] = await Promise.all([freePort(), freePort()]);
    cli = startCli([
      'run', '--config', 'config/examples/sim-adbs.yaml', '--duration', '120',
      '--set', 'rig.id=dash-rig', '--set', `telemetry.embedded.port=${mqttPort}`,
      '--set', 'signals.biomarker.baseline_s=1', '--set', 'policy.startupDelay_ms=1000',
      '--set', 'logging.level=warn', '--set', 'telemetry.commands.enabled=true',
      '--set', 'telemetry.commands.tunable={upperThreshold: {min: 0, max: 2}}',
      '--dashboard', String(httpPort),
    ]);
    chromium = await launchChromium();
    await waitForPort(httpPort);
    dash = await openDashboard(chromium, `http://127.0.0.1:${httpPort}/`);
  });

  afterAll(async () => {
    cli.child.kill('SIGTERM');
    await cli.exited;
    await chromium.close();
  });

  it('loads with no console error, shows the rig live, and the values move', async () => {
    await dash.waitForField('connection', (t) => t === 'connected');
    await dash.waitForField('rig', (t) => t === 'dash-rig');
    await dash.waitForField('state', (t) => t === 'online');
    await dash.waitForField('thresholds', (t) => t === '-1.00 / 0.600');
    const first = await dash.waitForField('biomarker', (t) => /^-?\d+\.\d{3}/.test(t));
    const firstTime = await dash.field('session-time');
    // About two seconds of frames later, the biomarker and the clock have moved.
    await dash.waitForField('session-time', (t) => t !== firstTime, 5000);
    await dash.waitForField('biomarker', (t) => t !== first, 5000);
    await dash.waitForField('amplitude_mA', (t) => /^\d+\.\d{3}$/.test(t) && Number(t) > 0);
    expect(await dash.visible('#commands')).toBe(true);
    expect(await dash.visible('[data-field="readonly"]')).toBe(false);
    // Three charts with their canvases, drawn by uPlot.
    expect(await dash.page.$$eval('#charts .uplot canvas', (c) => c.length)).toBe(3);
    // The amplitude chart runs from 0 to the loop's limits.amplitude_mA.max (4 mA in sim-adbs.yaml), so its axis has ticks.
    await dash.page.waitForFunction(`document.querySelectorAll('#charts .chart')[1]?.dataset.yRange === '0,4'`, { timeout: 5000 });
    expect(await dash.page.$eval('#errors', (e) => (e as unknown as { hidden: boolean }).hidden)).toBe(true);
    if (process.env.NEUROLOOP_SCREENSHOT === '1') {
      // For the README: enough minutes of data to show the loop at work.
      await dash.waitForField('session-time', (t) => t >= '0:40', 60_000);
      const shot = join(tempDir('neuroloop-dashboard-shot-'), 'dashboard.png');
      await dash.page.screenshot({ path: shot });
      mkdirSync(join(REPO, 'docs/images'), { recursive: true });
      copyFileSync(shot, join(REPO, 'docs/images/dashboard.png'));
    }
    expect(dash.problems).toEqual([]);
  });

  it('the e-stop button stops stimulation: the retained stim shows it and the page shows the ack', async () => {
    const watcher = await Recorder.connect(`mqtt://127.0.0.1:${mqttPort}`, ['neuroloop/dash-rig/stim', 'neuroloop/dash-rig/loop']);
    try {
      await watcher.waitFor('/stim', (s: { enabled: boolean }) => s.enabled);
      await dash.page.click('#estop');
      await dash.waitForField('ack', (t) => t.startsWith('E-STOP: confirmed by the rig'), 5000);
      const stopped = stimPayload.parse(await watcher.waitFor('/stim', (s: { enabled: boolean; reason: string }) => !s.enabled && s.reason.includes('estop'), 5000));
      expect(stopped.amplitude_mA).toBe(0);
      const latched = loopPayload.parse(await watcher.waitFor('/loop', (l: { governor: { latched: string | null } }) => l.governor.latched === 'estop', 5000));
      expect(latched.commands.enabled).toBe(true);
      await dash.waitForField('state', (t) => t === 'estop', 5000);
      await dash.waitForField('governor', (t) => t === 'LATCHED estop', 5000);
      // A fresh subscriber gets the retained stim: the output is off.
      const late = await Recorder.connect(`mqtt://127.0.0.1:${mqttPort}`, 'neuroloop/dash-rig/stim');
      const retained = stimPayload.parse(await late.waitFor('/stim', () => true, 5000));
      expect(retained.enabled).toBe(false);
      await late.close();
    } finally {
      await watcher.close();
    }
    expect(dash.problems).toEqual([]);
  });

  it('kill -9 of the session: its broker is gone with it, the rig is "no connection" (not green), its values last known; reconnects back off', async () => {
    await dash.waitForField('state', (t) => t === 'estop');
    cli.child.kill('SIGKILL');
    await cli.exited;
    // No last will can come (the broker died with the session): the page says what it knows, and that it is not live.
    await dash.waitForField('state', (t) => t.startsWith('no connection (since '), 5000);
    expect(await dash.classOf('[data-field="state"]')).toBe('state-unknown');
    expect(await dash.visible('[data-field="stale-note"]')).toBe(true);
    expect(await dash.field('stale-note')).toMatch(/^Last known values, not live: the session's broker is gone since .*the session has ended or died/);
    for (const name of ['amplitude_mA', 'governor', 'biomarker']) expect(await dash.classOf(`[data-field="${name}"]`)).toContain('stale');
    await dash.page.waitForFunction(`document.querySelector('#rig-list button[data-rig="dash-rig"]')?.textContent?.includes('no connection (since')`, { timeout: 2000 });
    expect(await dash.classOf('#rig-list button[data-rig="dash-rig"] span')).toBe('state-unknown');
    expect(await dash.visible('#commands')).toBe(false);
    // Tries 1 s, then 2 s, then 4 s apart (up to 30 s): a dead server is not one console error a second.
    await dash.waitForField('connection', (t) => /^reconnecting \(broker away since .*; next try in 4 s\)$/.test(t), 6000);
    expect(dash.problems.filter((p) => p.includes('WebSocket')).length).toBeLessThanOrEqual(3);
    expect(dash.problems.filter((p) => !/WebSocket|ERR_CONNECTION_REFUSED|\/mqtt/.test(p))).toEqual([]);
  });
});
