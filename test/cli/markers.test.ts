import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/brokers.js';
import { runCli, tempDir } from '../helpers/cli.js';

/** The doors of docs/markers.md that need no broker: `neuroloop mark`'s own checks, and a replayed file's [marker] annotations. */

type Step = { index: number; t_s: number; events: { kind: string; reason: string; t_s: number; marker?: unknown; state?: string; ok?: boolean; changed?: Record<string, number>; previous?: Record<string, number> }[] };
const stepsOf = (path: string): Step[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .slice(1, -1)
    .map((l) => JSON.parse(l) as Step);

describe('neuroloop mark: arguments', () => {
  it('--help, and the main help names it', async () => {
    expect(await runCli(['mark', '--help'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Usage: neuroloop mark --mqtt URL --rig ID/) });
    expect((await runCli(['--help'])).stdout).toMatch(/mark --mqtt URL --rig ID "TEXT" \| --drug D --dose N --unit U --route R \[--state S\]/);
  });

  it('a bad marker is refused before anything connects (exit 2), naming the flag and the field', async () => {
    // Nothing listens on port 1: had any of these been sent, the exit would be 1.
    const mark = (extra: string[]) => runCli(['mark', '--mqtt', 'mqtt://127.0.0.1:1', '--rig', 'r1', ...extra]);
    const cases: [string[], string][] = [
      [['--drug', 'levodopa', '--dose', '0', '--unit', 'mg', '--route', 'oral'], '--dose (medication.dose): must be > 0'],
      [['--drug', 'levodopa', '--dose=-5', '--unit', 'mg', '--route', 'oral'], '--dose (medication.dose): must be > 0, got "-5"'],
      [['--drug', 'levodopa', '--dose', 'lots', '--unit', 'mg', '--route', 'oral'], '--dose (medication.dose): expected a decimal number such as 100 or 0.5, got "lots"'],
      [['--drug', 'levodopa', '--dose', '0x10', '--unit', 'mg', '--route', 'oral'], '--dose (medication.dose): expected a decimal number such as 100 or 0.5, got "0x10"'],
      [['--drug', 'levodopa', '--dose', '100', '--unit', 'mg', '--route', 'oral', '--drug', 'aspirin'], 'mark: --drug is given twice; give each flag once'],
      [['--drug', 'levodopa', '--dose', '100', '--unit', 'mg'], '--route is required with --drug (a medication is --drug, --dose, --unit and --route'],
      [['--drug', 'levodopa!', '--dose', '100', '--unit', 'mg', '--route', 'oral'], '--drug (medication.drug): must be a drug name'],
      [['x'.repeat(121)], 'TEXT (text): must be at most 120 characters long'],
      [['--state', 'Med On', 'x'], '--state (state): must be a state name'],
      [['--state', 'MedOn'], 'mark: nothing to mark: give TEXT or a medication'],
      [['patient', 'moved'], 'mark: one TEXT, got 2 words; quote it'],
      [['--timeout', '0', 'x'], '--timeout: expected a positive number up to 600, got "0"'],
      [['--password-file', '/nonexistent/pw', 'x'], '--password-file: needs --username'],
      [['--username', 'u', '--password-file', '/nonexistent/pw', 'x'], '--password-file /nonexistent/pw: cannot be read (ENOENT)'],
    ];
    for (const [args, message] of cases) {
      const r = await mark(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toContain(message);
      expect(r.stderr.split('\n').filter((l) => l !== '')).toHaveLength(1);
    }
    expect(await runCli(['mark', '--rig', 'r1', 'x'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--mqtt URL is required/) });
    expect(await runCli(['mark', '--mqtt', 'mqtt://127.0.0.1:1', 'x'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--rig ID is required/) });
    expect(await runCli(['mark', '--mqtt', 'mqtt://127.0.0.1:1', '--rig', 'a/b', 'x'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--rig: expected 1 to 64 letters/) });
    expect(await runCli(['mark', '--mqtt', 'http://h', '--rig', 'r', 'x'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--mqtt: "http:\/\/h": the scheme http: is not one of/) });
  });

  it('no broker there: exit 1, naming the broker (the password in the URL hidden)', async () => {
    const port = await freePort();
    const r = await runCli(['mark', '--mqtt', `mqtt://op:hunter2@127.0.0.1:${port}`, '--rig', 'r1', '--timeout', '2', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^neuroloop mark: cannot connect to the broker mqtt://op:\\*\\*\\*@127\\.0\\.0\\.1:${port}: .*; the marker was not sent\\n$`));
    expect(r.stderr).not.toContain('hunter2');
  });
});

describe('a replayed recording\'s [marker] annotations', () => {
  const states = 'policy.states={MedOn: {lowerThreshold: 40, upperThreshold: 50}, MedOff: {lowerThreshold: -50, upperThreshold: -40}}';

  async function recording(equipment: string): Promise<string> {
    const { EdfWriter } = await import('../../drivers/edf/edfWriter.js');
    const { symmetricGrid } = await import('../../drivers/edf/edfLayout.js');
    const file = join(tempDir(), 'marked.bdf');
    const writer = await EdfWriter.create({
      path: file,
      format: 'bdf',
      fs_Hz: 250,
      start: new Date('2026-01-02T03:04:05Z'),
      recording: { equipment },
      signals: ['ch0', 'ch1'].map((label) => ({ label, physicalDimension: 'uV', grid: symmetricGrid(500, 'bdf') })),
    });
    const n = 250 * 30;
    const data = [new Float32Array(n), new Float32Array(n)];
    for (let i = 0; i < n; i++) {
      data[0][i] = 10 * Math.sin((2 * Math.PI * 20 * i) / 250);
      data[1][i] = 5 * Math.sin((2 * Math.PI * 7 * i) / 250);
    }
    writer.write({ firstIndex: 0, fs_Hz: 250, channels: ['ch0', 'ch1'], data });
    writer.annotate(10, '[marker] {"medication":{"drug":"levodopa","dose":100,"unit":"mg","route":"oral"},"state":"MedOn"}');
    writer.annotate(12, '[marker] {"text":"nap","state":"Lunch"}');
    writer.annotate(14, '[marker] {"dose":100}');
    writer.annotate(15, '[marker] {oops');
    writer.annotate(16, 'MedOff');
    writer.annotate(18, '[marker] {"text":"tremor"}');
    await writer.close('end of data');
    return file;
  }

  it('switch a current modality\'s policy too: responsive VNS takes its MedOn threshold from the marker on', async () => {
    const file = await recording('neuroloop-0.1.0');
    const trace = join(tempDir(), 'trace.ndjson');
    const vnsStates = 'policy.states={MedOn: {threshold: 3.5}, MedOff: {threshold: 2}}';
    const r = await runCli(['replay', file, '--config', 'config/examples/vns-responsive.yaml', '--channels', 'ch0', '--set', vnsStates, '--trace', trace, '--log-format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const switched = stepsOf(trace).flatMap((s) => s.events).filter((e) => e.kind === 'policy-state');
    expect(switched.map((e) => [e.t_s, e.state, e.ok, e.changed])).toEqual([
      [10, 'MedOn', true, { threshold: 3.5 }],
      [12, 'Lunch', false, undefined],
    ]);
    expect(switched[0].previous).toEqual({ threshold: 2 });
  });

  it('come back as the same markers (a state switches the policy; an unknown one changes nothing); broken ones and other annotations stay annotations', async () => {
    const file = await recording('neuroloop-0.1.0');
    const trace = join(tempDir(), 'trace.ndjson');
    const r = await runCli(['replay', file, '--config', 'config/examples/sim-adbs.yaml', '--set', states, '--trace', trace, '--log-format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    // The broken ones are named, field by field, and kept as text.
    expect(r.stderr).toContain('is not a marker (dose: unknown key; text: required when there is no medication');
    expect(r.stderr).toContain('is not a marker (not JSON after the tag): kept as a plain annotation');
    const steps = stepsOf(trace);
    const events = steps.flatMap((s) => s.events.map((e) => ({ ...e, step: s.index }))).filter((e) => ['marker', 'policy-state', 'annotation'].includes(e.kind));
    expect(events.map((e) => [e.kind, e.t_s, e.kind === 'marker' ? e.marker : e.kind === 'policy-state' ? `${e.state} ${e.ok}` : e.reason])).toEqual([
      ['marker', 10, { medication: { drug: 'levodopa', dose: 100, unit: 'mg', route: 'oral' }, state: 'MedOn' }],
      ['policy-state', 10, 'MedOn true'],
      ['marker', 12, { text: 'nap', state: 'Lunch' }],
      ['policy-state', 12, 'Lunch false'],
      ['annotation', 14, '[marker] {"dose":100}'],
      ['annotation', 15, '[marker] {oops'],
      ['annotation', 16, 'MedOff'],
      ['marker', 18, { text: 'tremor' }],
    ]);
    // At its sample: the first step whose window ends after it.
    const first = steps.find((s) => s.index > 10 * 250);
    expect(events[0].step).toBe(first?.index);
    expect(events[3].reason).toBe('policy state Lunch not taken: "Lunch" is unknown (known: MedOn, MedOff); parameters unchanged');
  }, 60_000);

  it('replay --from after declared states starts in them (the same switches, in order); under a config without states the switch is an event that changes nothing; another program\'s [marker] is only text', async () => {
    const file = await recording('neuroloop-0.1.0');
    const dir = tempDir();
    const fromTrace = join(dir, 'from.ndjson');
    const r = await runCli(['replay', file, '--config', 'config/examples/sim-adbs.yaml', '--set', states, '--from', '13', '--trace', fromTrace]);
    expect(r.code, r.stderr).toBe(0);
    const fromSteps = stepsOf(fromTrace);
    expect(fromSteps[0].events.filter((e) => e.kind !== 'session-start').map((e) => [e.kind, e.t_s])).toEqual([['marker', 10], ['policy-state', 10], ['marker', 12], ['policy-state', 12]]);
    expect(fromSteps.flatMap((s) => s.events).filter((e) => e.kind === 'policy-state').map((e) => e.ok)).toEqual([true, false]);
    expect(fromSteps.flatMap((s) => s.events).filter((e) => e.kind === 'marker').map((e) => e.t_s)).toEqual([10, 12, 18]);

    const plainTrace = join(dir, 'plain.ndjson');
    expect((await runCli(['replay', file, '--config', 'config/examples/sim-adbs.yaml', '--trace', plainTrace])).code).toBe(0);
    const switches = stepsOf(plainTrace).flatMap((s) => s.events).filter((e) => e.kind === 'policy-state');
    expect(switches.map((e) => e.reason)).toEqual([
      'policy state MedOn not taken: "MedOn" is unknown: the dual-threshold policy declares no states (policy.states); parameters unchanged',
      'policy state Lunch not taken: "Lunch" is unknown: the dual-threshold policy declares no states (policy.states); parameters unchanged',
    ]);

    const foreign = await recording('another-recorder');
    const foreignTrace = join(dir, 'foreign.ndjson');
    expect((await runCli(['replay', foreign, '--config', 'config/examples/sim-adbs.yaml', '--set', states, '--trace', foreignTrace])).code).toBe(0);
    const kinds = stepsOf(foreignTrace).flatMap((s) => s.events).filter((e) => e.kind === 'annotation' || e.kind === 'marker' || e.kind === 'policy-state');
    // The six, and the writer's own "[end]": in another program's file, text like any other.
    expect(kinds.map((e) => e.kind)).toEqual(Array(7).fill('annotation'));
    expect(kinds[0].reason).toBe('[marker] {"medication":{"drug":"levodopa","dose":100,"unit":"mg","route":"oral"},"state":"MedOn"}');
  }, 60_000);
});
