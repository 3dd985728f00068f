import { systemTool } from '../helpers/systemTool.js';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openEdfAnnotations } from '../../drivers/edf/edfReader.js';
import { ackPayload, eventPayload } from '../../drivers/mqtt/telemetryPayloads.js';
import { Recorder, type TestBroker, freePort, startMosquitto, waitForPort } from '../helpers/brokers.js';
import { type RunningCli, runCli, startCli, tempDir } from '../helpers/cli.js';

/**
 * Markers through every part a user touches (docs/markers.md): `neuroloop mark` against a
 * running `neuroloop run` (sim, commands on, broker credentials), on a real mosquitto with
 * a password file and an ACL, and on the embedded aedes broker the rig starts itself.
 */

const RIG_PASSWORD = 'rig-Secret-5';
const OPERATOR_PASSWORD = 'op-Secret-6';
const VIEWER_PASSWORD = 'view-Secret-7';
const levodopa = { drug: 'levodopa', dose: 100, unit: 'mg', route: 'oral' };

type Step = { index: number; t_s: number; requested: { amplitude_mA: number } | null; applied: { amplitude_mA: number }; events: Record<string, unknown>[] };
type Event = { kind: string; reason: string; ok?: boolean; id?: string | null; marker?: unknown; state?: string; changed?: Record<string, number> };
type Ack = { id: string | null; ok: boolean; error?: string };

const lines = (path: string): Record<string, unknown>[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const stepsOf = (path: string): Step[] => lines(path).slice(1, -1) as unknown as Step[];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * sim-adbs paced in real time: thresholds far below the biomarker (the policy asks for its
 * upper amplitude, 3 mA) and MedOn thresholds far above it (down to its lower, 1 mA).
 */
function runArgs(rig: string, extra: string[]): string[] {
  return [
    'run', '--config', 'config/examples/sim-adbs-fixed.yaml', '--set', `rig.id=${rig}`,
    '--set', 'signals.biomarker.baseline_s=1', '--set', 'policy.startupDelay_ms=1000',
    '--set', 'policy.lowerThreshold=-50', '--set', 'policy.upperThreshold=-40',
    '--set', 'policy.states={MedOn: {lowerThreshold: 40, upperThreshold: 50}, MedOff: {lowerThreshold: -50, upperThreshold: -40}}',
    '--set', 'logging.level=warn', ...extra,
  ];
}

/** `neuroloop mark` with the operator's credentials from a file. */
function markArgs(url: string, rig: string, passwordFile: string, user: string, extra: string[]): string[] {
  return ['mark', '--mqtt', url, '--rig', rig, '--username', user, '--password-file', passwordFile, ...extra];
}

function passwordFile(dir: string, name: string, password: string): string {
  const path = join(dir, name);
  writeFileSync(path, `${password}\n`);
  return path;
}

interface Setup {
  readonly name: string;
  /** Starts the broker (or nothing: the rig starts its own) and the rig; returns what the operator connects to. */
  start(rig: string, extra: string[]): Promise<{ url: string; operator: string; cli: RunningCli; stop: () => Promise<void> }>;
}

const brokers: TestBroker[] = [];
afterAll(async () => {
  for (const b of brokers) await b.stop();
});

async function mosquittoWithAcl(rigs: string[]): Promise<TestBroker> {
  const broker = await startMosquitto({
    listener: (port, dir) => {
      const passwords = join(dir, 'passwords');
      execFileSync(systemTool('mosquitto_passwd'), ['-b', '-c', passwords, 'rig1', RIG_PASSWORD]);
      execFileSync(systemTool('mosquitto_passwd'), ['-b', passwords, 'operator', OPERATOR_PASSWORD]);
      execFileSync(systemTool('mosquitto_passwd'), ['-b', passwords, 'viewer', VIEWER_PASSWORD]);
      const acl = join(dir, 'acl');
      writeFileSync(
        acl,
        ['user rig1', ...rigs.map((r) => `topic readwrite neuroloop/${r}/#`), '', 'user operator', 'topic read neuroloop/#', 'topic write neuroloop/+/cmd/#', '', 'user viewer', 'topic read neuroloop/#', ''].join('\n'),
      );
      return `listener ${port} 127.0.0.1\nallow_anonymous false\npassword_file ${passwords}\nacl_file ${acl}\n`;
    },
  });
  brokers.push(broker);
  return broker;
}

const rigCredentials = ['--set', 'telemetry.mqtt.username=rig1', '--set', 'telemetry.mqtt.passwordEnv=RIG_MQTT_PASSWORD'];

const setups: Setup[] = [
  {
    name: 'mosquitto (password file, ACL)',
    start: async (rig, extra) => {
      const broker = await mosquittoWithAcl([rig]);
      const cli = startCli(runArgs(rig, ['--mqtt', broker.url, ...rigCredentials, ...extra]), { RIG_MQTT_PASSWORD: RIG_PASSWORD });
      return { url: broker.url, operator: 'operator', cli, stop: () => broker.stop() };
    },
  },
  {
    name: 'the embedded aedes the rig starts (with credentials)',
    start: async (rig, extra) => {
      const port = await freePort();
      const cli = startCli(runArgs(rig, ['--set', `telemetry.embedded.port=${port}`, ...rigCredentials, ...extra]), { RIG_MQTT_PASSWORD: RIG_PASSWORD });
      await waitForPort(port);
      return { url: `mqtt://127.0.0.1:${port}`, operator: 'rig1', cli, stop: async () => undefined };
    },
  },
];

for (const setup of setups) {
  describe(`neuroloop mark against neuroloop run, on ${setup.name}`, () => {
    it('acked; in the trace, the summary, the events topic and the BDF+; a replay of the recording reproduces the marker and the switch; bad markers are refused by name and change nothing', async () => {
      const rig = setup.name.startsWith('mosquitto') ? 'marked-m' : 'marked-a';
      const dir = tempDir();
      const files = { trace: join(dir, 'trace.ndjson'), summary: join(dir, 'summary.json'), root: join(dir, 'sessions'), replayed: join(dir, 'replayed.ndjson'), replaySummary: join(dir, 'replay-summary.json') };
      const { url, operator, cli } = await setup.start(rig, ['--duration', '14', '--set', 'telemetry.commands.enabled=true', '--trace', files.trace, '--summary', files.summary, '--record', files.root]);
      const operatorPassword = passwordFile(dir, 'operator.pw', operator === 'operator' ? OPERATOR_PASSWORD : RIG_PASSWORD);
      const watcher = await Recorder.connect(url, `neuroloop/${rig}/#`, { username: operator, password: operator === 'operator' ? OPERATOR_PASSWORD : RIG_PASSWORD });
      await watcher.waitFor<{ state: string }>('/status', (s) => s.state === 'online');
      // Stimulating at the upper amplitude before any marker.
      await watcher.waitFor<{ amplitude_mA: number }>('/stim', (s) => s.amplitude_mA === 3, 20_000);

      const mark = (extra: string[]) => runCli(markArgs(url, rig, operatorPassword, operator, extra));
      const medOn = await mark(['--drug', 'levodopa', '--dose', '100', '--unit', 'mg', '--route', 'oral', '--state', 'MedOn']);
      expect(medOn.stderr).toBe('');
      expect(medOn.code).toBe(0);
      expect(medOn.stdout).toMatch(new RegExp(`^marker mark-[0-9a-f-]+ accepted by rig "${rig}" at t = [\\d.]+ s: levodopa 100 mg oral; state MedOn\\n$`));
      const text = await mark(['patient yawns']);
      expect(text.code, text.stderr).toBe(0);
      // Refused by the rig, the reason printed: exit 2.
      const unknown = await mark(['--state', 'Sleepy', 'nap']);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toBe(`neuroloop mark: rig "${rig}" on ${url} refused the marker: state: "Sleepy" is unknown (known: MedOn, MedOff)\n`);
      // A bad payload from another client: refused naming the field.
      await watcher.client.publishAsync(`neuroloop/${rig}/cmd/marker`, JSON.stringify({ id: 'bad-1', medication: { ...levodopa, dose: -100 } }), { qos: 1 });
      expect(ackPayload.parse(await watcher.waitFor<Ack>('/cmd/ack', (a) => a.id === 'bad-1'))).toMatchObject({ ok: false, error: 'medication.dose: must be > 0' });
      await watcher.client.publishAsync(`neuroloop/${rig}/cmd/marker`, JSON.stringify({ id: 'bad-2', text: 'x', limits: { amplitude_mA: { max: 10 } } }), { qos: 1 });
      expect(await watcher.waitFor<Ack>('/cmd/ack', (a) => a.id === 'bad-2')).toMatchObject({ ok: false, error: 'limits: unknown key' });
      // MedOn's thresholds take the policy down to its lower amplitude.
      await watcher.waitFor<{ amplitude_mA: number }>('/stim', (s) => s.amplitude_mA === 1, 10_000);
      if (setup.name.startsWith('mosquitto')) {
        // Authenticated as the other commands are: a user the ACL does not let write cmd/ gets no answer, a wrong password no connection.
        const viewerPassword = passwordFile(dir, 'viewer.pw', VIEWER_PASSWORD);
        const viewer = await runCli(['mark', '--mqtt', url, '--rig', rig, '--username', 'viewer', '--password-file', viewerPassword, '--timeout', '2', 'not allowed']);
        expect(viewer.code).toBe(1);
        expect(viewer.stderr).toMatch(new RegExp(`^neuroloop mark: no answer from rig "${rig}" on ${url} within 2 s`));
        const wrong = await runCli(['mark', '--mqtt', url, '--rig', rig, '--username', 'operator', '--password-file', passwordFile(dir, 'wrong.pw', 'nope'), 'x']);
        expect(wrong.code).toBe(1);
        expect(wrong.stderr).toMatch(new RegExp(`^neuroloop mark: cannot connect to the broker ${url}: .*(Not authorized|Bad username or password)`, 'i'));
      }
      expect(await cli.exited).toBe(0);
      await sleep(200);

      // The events topic: the marker and the switch, as the payload schema says.
      const events = watcher.json<Event>('/events').map((e) => eventPayload.parse(e));
      const markers = events.filter((e) => e.kind === 'marker');
      expect(markers.map((e) => e.marker)).toEqual([{ medication: levodopa, state: 'MedOn' }, { text: 'patient yawns' }]);
      const switches = events.filter((e) => e.kind === 'policy-state');
      expect(switches).toEqual([expect.objectContaining({ state: 'MedOn', ok: true, changed: { lowerThreshold: 40, upperThreshold: 50 }, previous: { lowerThreshold: -50, upperThreshold: -40 } })]);
      expect(events.filter((e) => e.kind === 'command' && e.command === 'marker').map((e) => e.ok)).toEqual([true, true, false, false, false]);

      // The trace: the marker and the switch in one step; stimulation ramps down after it.
      const live = stepsOf(files.trace);
      const at = live.findIndex((s) => s.events.some((e) => e.kind === 'marker'));
      expect(at).toBeGreaterThan(0);
      expect(live[at].events.filter((e) => e.kind !== 'command').map((e) => e.kind)).toEqual(['marker', 'policy-state']);
      expect(live[at - 1].requested?.amplitude_mA).toBe(3);
      expect(live.at(-1)?.applied.amplitude_mA).toBe(1);
      const traceText = readFileSync(files.trace, 'utf8');
      expect(traceText).toContain('cmd/marker bad-1 refused: medication.dose: must be > 0');

      // The summary.
      const summary = JSON.parse(readFileSync(files.summary, 'utf8')) as { markers: { count: number; state: string; list: Record<string, unknown>[] }; events: Record<string, number> };
      expect(summary.markers).toEqual({ count: 2, state: 'MedOn', list: [{ t_s: expect.any(Number), medication: levodopa, state: 'MedOn' }, { t_s: expect.any(Number), text: 'patient yawns' }] });
      expect(summary.markers.list[0].t_s).toBe(live[at - 1].t_s);

      // The recording: [marker] annotations, read back from the BDF+.
      const folder = join(files.root, readdirSync(files.root)[0]);
      const texts: string[] = [];
      for await (const a of (await openEdfAnnotations(join(folder, 'signal.bdf'))).annotations) texts.push(a.text);
      expect(texts.filter((t) => t.startsWith('[marker]'))).toEqual(['[marker] {"medication":{"drug":"levodopa","dose":100,"unit":"mg","route":"oral"},"state":"MedOn"}', '[marker] {"text":"patient yawns"}']);

      // The replay: the same markers, the same switch, the same decisions (the commands themselves are the live session's only).
      const replay = await runCli(['replay', join(folder, 'signal.bdf'), '--trace', files.replayed, '--summary', files.replaySummary, '--log-format', 'json'], { timeout_ms: 120_000 });
      expect(replay.code, replay.stderr).toBe(0);
      const withoutCommands = (steps: Step[]) => steps.map((s) => JSON.stringify({ ...s, events: s.events.filter((e) => e.kind !== 'command') }));
      const replayed = stepsOf(files.replayed);
      expect(replayed.length).toBe(live.length);
      expect(withoutCommands(replayed)).toEqual(withoutCommands(live));
      const replaySummary = JSON.parse(readFileSync(files.replaySummary, 'utf8')) as typeof summary;
      expect(replaySummary.markers).toEqual(summary.markers);
      await watcher.close();
    }, 120_000);
  });
}

describe('commands disabled (mosquitto)', () => {
  it('the rig takes no marker: neuroloop mark gets no answer (exit 1, naming the broker and rig), and nothing is marked', async () => {
    const rig = 'unmarked';
    const dir = tempDir();
    const trace = join(dir, 'trace.ndjson');
    const summary = join(dir, 'summary.json');
    const { url, cli } = await setups[0].start(rig, ['--duration', '6', '--trace', trace, '--summary', summary]);
    const watcher = await Recorder.connect(url, `neuroloop/${rig}/status`, { username: 'operator', password: OPERATOR_PASSWORD });
    await watcher.waitFor<{ state: string }>('/status', (s) => s.state === 'online');
    const r = await runCli(markArgs(url, rig, passwordFile(dir, 'op.pw', OPERATOR_PASSWORD), 'operator', ['--timeout', '1.5', '--state', 'MedOn', 'levodopa taken']));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^neuroloop mark: no answer from rig "${rig}" on ${url} within 1.5 s \\(marker mark-[0-9a-f-]+\\): is neuroloop run running there with telemetry\\.commands\\.enabled: true`));
    expect(await cli.exited).toBe(0);
    expect(readFileSync(trace, 'utf8')).not.toMatch(/"kind":"(marker|policy-state)"/);
    expect(JSON.parse(readFileSync(summary, 'utf8')).markers).toEqual({ count: 0, state: null, list: [] });
    await watcher.close();
  }, 60_000);
});
