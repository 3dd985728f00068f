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
 * A rig played by the test on the broker: its retained status and loop (commands enabled,
 * two tunable parameters, two declared states), and the acks it chooses to send.
 */
class FakeRig {
  private seq = 0;
  private constructor(
    private readonly recorder: Recorder,
    readonly name: string,
  ) {}

  static async start(url: string, name: string): Promise<FakeRig> {
    const rig = new FakeRig(await Recorder.connect(url, `neuroloop/${name}/cmd/+`), name);
    const status = { v: 1, state: 'online', rig: name, session: 'fake', version: '0.0.0', configHash: 'fake', startedAt: new Date().toISOString(), dropped: {} };
    await rig.publish('status', status);
    await rig.publish('stim', { v: 1, seq: 0, t_s: 1, enabled: true, amplitude_mA: 1.5, frequency_Hz: 130, pulseWidth_us: 60, reason: 'policy' });
    await rig.loop({ gain: 1, offset: 0 });
    return rig;
  }

  loop(values: { gain: number; offset: number }): Promise<void> {
    return this.publish('loop', {
      v: 1, seq: this.seq++, t_s: 1, modality: 'amplitude',
      policy: { kind: 'dual-threshold', state: 'hold', thresholds: [-1, 0.6] },
      governor: { state: 'ok', latched: null, limitEvents: 0 },
      dose: { onTime_s: 0, charge_mC: 0, pulses: 0, budget: {} },
      pulses: null, amplitudeMax_mA: 4,
      commands: { enabled: true, tunable: { gain: { min: 0, max: 2, value: values.gain }, offset: { min: -1, max: 1, value: values.offset } }, states: ['MedOn', 'MedOff'] },
      dropped: {},
    });
  }

  /** The commands the page sent, by name (not the acks this rig sends). */
  commands(name: string): Record<string, unknown>[] {
    return this.recorder.json(`/cmd/${name}`);
  }

  /** Waits for command number `index` on cmd/<name>. */
  async command(name: string, index: number): Promise<Record<string, unknown>> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const seen = this.commands(name);
      if (index < seen.length) return seen[index];
      if (Date.now() > deadline) throw new Error(`no cmd/${name} #${index} within 5 s`);
      await sleep(25);
    }
  }

  ack(body: { id: string | null; ok: boolean; error?: string }): Promise<void> {
    return this.publish('cmd/ack', { ...body, t_s: 2 }, false);
  }

  private async publish(topic: string, body: unknown, retain = true): Promise<void> {
    await this.recorder.client.publishAsync(`neuroloop/${this.name}/${topic}`, JSON.stringify(body), { qos: 1, retain });
  }

  close(): Promise<void> {
    return this.recorder.close();
  }
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
  let httpPort: number;
  let fake: FakeRig | null = null;
  let played: DashboardPage;

  beforeAll(async () => {
    broker = await startMosquitto();
    httpPort = await freePort();
    commanded = startRig(broker.url, 'fleet-a', true);
    readOnly = startRig(broker.url, 'fleet-b', false);
    dashboard = startCli(['dashboard', '--mqtt', broker.url, '--listen', `127.0.0.1:${httpPort}`, '--rig', 'fleet-b']);
    chromium = await launchChromium();
    await waitForPort(httpPort);
    dash = await openDashboard(chromium, `http://127.0.0.1:${httpPort}/`);
  });

  afterAll(async () => {
    await fake?.close();
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
    // Dismissed, it goes; the next error shows it again (with only the new one).
    await dash.page.click('#errors-dismiss');
    expect(await dash.visible('#errors')).toBe(false);
    const again = await Recorder.connect(broker.url, 'neuroloop/none');
    try {
      await again.client.publishAsync('neuroloop/fleet-z/stim', 'not json', { qos: 1 });
    } finally {
      await again.close();
    }
    await dash.page.waitForFunction(`!document.getElementById('errors').hidden`, { timeout: 5000 });
    expect(await dash.field('errors-text')).toBe('neuroloop/fleet-z/stim: payload is not JSON');
  });

  it('the Escape key e-stops the chosen rig: its retained stim shows the output off, the page the ack', async () => {
    await dash.page.click('#rig-list button[data-rig="fleet-a"]');
    await dash.waitForField('rig', (t) => t === 'fleet-a');
    await dash.waitForField('amplitude_mA', (t) => Number(t) > 0);
    // The commands show once the rig's retained loop (subscribed on choosing it) is in.
    await dash.page.waitForFunction(`!document.getElementById('commands').hidden`, { timeout: 5000 });
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
    // Every rig's state is unknown while the broker is away; the values are the last known.
    expect(await dash.field('state')).toMatch(/^no connection \(since /);
    expect(await dash.classOf('[data-field="state"]')).toBe('state-unknown');
    expect(await dash.field('stale-note')).toMatch(/^Last known values, not live: no connection to the broker since /);
    expect(await dash.classOf('[data-field="amplitude_mA"]')).toContain('stale');
    expect(await dash.page.$eval('#rig-list button[data-rig="fleet-b"]', (b) => b.textContent ?? '')).toMatch(/no connection \(since .*last known/);
    await broker.start();
    await dash.waitForField('connection', (t) => t === 'connected', 15_000);
    // The retained status (republished by the rig) says the true state again.
    await dash.waitForField('state', (t) => t === 'estop', 20_000);
    expect(await dash.visible('[data-field="stale-note"]')).toBe(false);
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
    // What it showed last is marked as such.
    expect(await dash.field('stale-note')).toBe('Last known values: the rig is offline (last will: the process died or lost the broker).');
    expect(await dash.visible('[data-field="stale-note"]')).toBe(true);
    for (const name of ['amplitude_mA', 'governor', 'policy', 'biomarker']) expect(await dash.classOf(`[data-field="${name}"]`)).toContain('stale');
    expect(await dash.page.$eval('#rig-list button[data-rig="fleet-a"]', (b) => b.textContent ?? '')).toMatch(/last known 0\.00 mA/);
    await sleep(200);
  });

  it('a bookmarked #rig= that is not on the broker gives way to the first online rig, and the page says so', async () => {
    fake = await FakeRig.start(broker.url, 'fleet-fake');
    played = await openDashboard(chromium, `http://127.0.0.1:${httpPort}/#rig=ghost`);
    await played.waitForField('rig', (t) => t === 'fleet-fake', 6000);
    expect(await played.field('selection-note')).toBe('The rig "ghost" named in the address (#rig=ghost) is not on this broker: showing fleet-fake, the first online rig.');
    expect(await played.page.evaluate('location.hash')).toBe('#rig=fleet-fake');
    await played.waitForField('state', (t) => t === 'online');
    // The rig's status came first; its loop message (commands on) follows.
    await played.waitForVisible('#commands');
  });

  it('a policy value being typed is kept when the rig\'s parameters change; the rig\'s value shows beside it', async () => {
    const rig = fake as FakeRig;
    const { page } = played;
    const gain = '#tunables input[data-param="gain"]';
    const offset = '#tunables input[data-param="offset"]';
    await page.waitForFunction(`document.querySelector('${gain}')?.value === '1'`, { timeout: 5000 });
    await played.typeInto(gain, '1.7');
    await rig.loop({ gain: 1.2, offset: 0.3 });
    await page.waitForFunction(`document.querySelector('${offset}')?.value === '0.3'`, { timeout: 5000 });
    expect(await page.$eval(gain, (e) => (e as unknown as { value: string }).value)).toBe('1.7');
    expect(await page.$eval('[data-rig-value="gain"]', (e) => e.textContent)).toBe('rig: 1.2');
    await page.click('#tune-form button[type="submit"]');
    const sent = await rig.command('policy', 0);
    expect(sent.params).toEqual({ gain: 1.7 });
    await rig.ack({ id: sent.id as string, ok: true });
    await played.waitForAckLine(0, (t) => t.startsWith('Policy gain=1.7: confirmed by the rig'));
    await rig.loop({ gain: 1.7, offset: 0.3 });
    await page.waitForFunction(`document.querySelector('[data-rig-value="gain"]')?.textContent === ''`, { timeout: 5000 });
  });

  it('a command\'s timeout writes only its own line; an ack with id null is the pending command\'s refusal', async () => {
    const rig = fake as FakeRig;
    const { page } = played;
    await played.typeInto('#marker-form input[name="text"]', 'first');
    const markers = rig.commands('marker').length;
    await page.click('#marker-form button[type="submit"]');
    await rig.command('marker', markers);
    // The rig answers the e-stop, never the marker.
    const estops = rig.commands('estop').length;
    await page.click('#estop');
    const estop = await rig.command('estop', estops);
    await rig.ack({ id: estop.id as string, ok: true });
    await played.waitForAckLine(0, (t) => t.startsWith('E-STOP: confirmed by the rig'));
    await played.waitForAckLine(1, (t) => t.startsWith('Marker: no answer from the rig within 4 s'), 6000);
    expect((await played.ackLines())[0]).toMatch(/^E-STOP: confirmed by the rig/);
    // One command waiting, and the rig could not read its id: it is that one's refusal.
    await played.typeInto('#marker-form input[name="text"]', 'second');
    await page.click('#marker-form button[type="submit"]');
    await rig.command('marker', markers + 1);
    await rig.ack({ id: null, ok: false, error: 'payload is 5092 bytes, more than 4096' });
    await played.waitForAckLine(0, (t) => t === 'Marker: refused by the rig: payload is 5092 bytes, more than 4096');
    expect(played.problems).toEqual([]);
  });

  it('markers: a state alone marks its name; a partial medication, a bad dose, a parameter out of bounds or an oversized command is not sent, and the page says why', async () => {
    const rig = fake as FakeRig;
    const { page } = played;
    const mark = (): Promise<void> => page.click('#marker-form button[type="submit"]');
    const [markers, policies] = [rig.commands('marker').length, rig.commands('policy').length];
    await page.select('#marker-form select[name="state"]', 'MedOn');
    await mark();
    const stateOnly = await rig.command('marker', markers);
    expect(stateOnly).toMatchObject({ text: 'MedOn', state: 'MedOn' });
    await rig.ack({ id: stateOnly.id as string, ok: true });
    await played.waitForAckLine(0, (t) => t.startsWith('Marker: confirmed by the rig'));
    // The marker schema's limits (controller/marker.ts).
    expect(await page.$$eval('#marker-form input', (i) => i.map((x) => [x.getAttribute('name'), x.getAttribute('maxlength')]))).toEqual([
      ['text', '120'], ['drug', '40'], ['dose', null], ['unit', '12'], ['route', '24'],
    ]);
    await played.typeInto('#marker-form input[name="drug"]', 'levodopa');
    await mark();
    await played.waitForAckLine(0, (t) => t === 'Marker: NOT SENT: a medication needs all four of drug, dose, unit and route (missing: dose, unit, route)');
    await played.typeInto('#marker-form input[name="dose"]', '0');
    await played.typeInto('#marker-form input[name="unit"]', 'mg');
    await played.typeInto('#marker-form input[name="route"]', 'oral');
    await mark();
    await played.waitForAckLine(0, (t) => t === 'Marker: NOT SENT: dose must be a positive number (got "0")');
    await played.typeInto('#marker-form input[name="dose"]', 'e');
    await mark();
    await played.waitForAckLine(0, (t) => t === 'Marker: NOT SENT: dose must be a positive number (got "not a number")');
    // Over the rig's 4096 bytes (the maxlength taken away, as a careless user's tool might).
    await page.$eval('#marker-form input[name="text"]', (e) => {
      e.removeAttribute('maxlength');
      (e as unknown as { value: string }).value = 'x'.repeat(5000);
    });
    await played.typeInto('#marker-form input[name="dose"]', '100');
    await mark();
    await played.waitForAckLine(0, (t) => /^Marker: NOT SENT: the command would be 5\d{3} bytes, more than the 4096 the rig reads$/.test(t));
    await played.typeInto('#tunables input[data-param="offset"]', '5');
    await page.click('#tune-form button[type="submit"]');
    await played.waitForAckLine(0, (t) => t === 'Policy: NOT SENT: offset 5 is outside [-1, 1]');
    await sleep(200);
    expect(rig.commands('marker')).toHaveLength(markers + 1);
    expect(rig.commands('policy')).toHaveLength(policies);
    expect(played.problems).toEqual([]);
  });

  it('forty rigs on the broker: each is listed with its state, and one picked from the list is shown', async () => {
    const crowd: FakeRig[] = [];
    try {
      for (let i = 0; i < 40; i++) crowd.push(await FakeRig.start(broker.url, `crowd-${String(i).padStart(2, '0')}`));
      const { page } = played;
      await page.waitForFunction(`document.querySelectorAll('#rig-list button[data-rig^="crowd-"]').length === 40`, { timeout: 10_000 });
      const labels = await page.$$eval('#rig-list button[data-rig^="crowd-"]', (b) => b.map((x) => x.textContent ?? ''));
      expect(labels.every((t) => t.includes('online'))).toBe(true);
      await page.click('#rig-list button[data-rig="crowd-39"]');
      await played.waitForField('rig', (t) => t === 'crowd-39', 5000);
      await played.waitForField('state', (t) => t === 'online');
      expect(await page.evaluate('location.hash')).toBe('#rig=crowd-39');
      expect(played.problems).toEqual([]);
    } finally {
      await Promise.all(crowd.map((r) => r.close()));
    }
  });
});
