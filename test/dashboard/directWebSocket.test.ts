import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../drivers/mqtt/embeddedBroker.js';
import { stimPayload } from '../../drivers/mqtt/telemetryPayloads.js';
import { freePort, Recorder, waitForPort } from '../helpers/brokers.js';
import { type Chromium, launchChromium } from '../helpers/chromium.js';
import { type RunningCli, startCli } from '../helpers/cli.js';
import { type DashboardPage, openDashboard } from './dashboardPage.js';

/**
 * `neuroloop dashboard --mqtt ws://...`: a broker with a WebSocket listener of its own (as
 * a lab's mosquitto built with WebSockets, or EMQX, has), which the page opens directly from
 * the browser, not through the dashboard's bridge. The broker is aedes with a TCP listener
 * (for the rig) and a WebSocket listener (for the page) on ports of their own.
 */
describe('neuroloop dashboard --mqtt ws://: the page opens the broker\'s WebSocket itself', () => {
  let broker: EmbeddedBroker;
  let wss: WebSocketServer;
  let rig: RunningCli;
  let served: RunningCli;
  let chromium: Chromium;
  let dash: DashboardPage;
  let wsPort: number;

  beforeAll(async () => {
    const [tcpPort, httpPort] = [await freePort(), await freePort()];
    wsPort = await freePort();
    broker = await startEmbeddedBroker({ host: '127.0.0.1', port: tcpPort });
    wss = new WebSocketServer({ host: '127.0.0.1', port: wsPort });
    wss.on('connection', (socket) => broker.acceptWebSocket(socket));
    rig = startCli([
      'run', '--config', 'config/examples/sim-adbs.yaml', '--duration', '90', '--mqtt', broker.url,
      '--set', 'rig.id=ws-rig', '--set', 'logging.level=warn', '--set', 'telemetry.commands.enabled=true',
      '--set', 'signals.biomarker.baseline_s=1', '--set', 'policy.startupDelay_ms=1000',
    ]);
    served = startCli(['dashboard', '--mqtt', `ws://127.0.0.1:${wsPort}`, '--listen', `127.0.0.1:${httpPort}`]);
    chromium = await launchChromium();
    await waitForPort(httpPort);
    dash = await openDashboard(chromium, `http://127.0.0.1:${httpPort}/`);
  });

  afterAll(async () => {
    rig.child.kill('SIGTERM');
    served.child.kill('SIGINT');
    await Promise.all([rig.exited, served.exited]);
    await chromium.close();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await broker.close();
  });

  it('shows the rig live over the broker\'s own WebSocket, and its e-stop stops stimulation (retained stim off)', async () => {
    await dash.waitForField('connection', (t) => t === 'connected');
    await dash.waitForField('rig', (t) => t === 'ws-rig');
    await dash.waitForField('state', (t) => t === 'online');
    const first = await dash.waitForField('session-time', (t) => /^\d+:\d\d$/.test(t));
    await dash.waitForField('session-time', (t) => t !== first, 5000);
    // The page names the broker it opened itself (the page's CSP allows no other).
    expect(await dash.field('broker')).toBe(`ws://127.0.0.1:${wsPort}`);
    const watcher = await Recorder.connect(broker.url, 'neuroloop/ws-rig/stim');
    try {
      await watcher.waitFor('/stim', (s: { enabled: boolean }) => s.enabled);
      await dash.page.keyboard.press('Escape');
      await dash.waitForAckLine(0, (t) => t.startsWith('E-STOP: confirmed by the rig'), 5000);
      const stopped = stimPayload.parse(await watcher.waitFor('/stim', (s: { enabled: boolean; reason: string }) => !s.enabled && s.reason.includes('estop'), 5000));
      expect(stopped.amplitude_mA).toBe(0);
    } finally {
      await watcher.close();
    }
    // Reset from the page (two clicks): the rig's latch clears.
    await dash.page.click('#reset');
    await dash.page.click('#reset-confirm');
    await dash.waitForAckLine(0, (t) => /^reset: confirmed by the rig/i.test(t), 5000);
    await dash.waitForField('governor', (t) => !t.startsWith('LATCHED'), 5000);
    await dash.waitForField('state', (t) => t === 'online', 5000);
    expect(dash.problems).toEqual([]);
  });
});
