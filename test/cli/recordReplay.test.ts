import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli, tempDir } from '../helpers/cli.js';
import { SIM_ADBS } from '../helpers/simAdbsWindow.js';

/** The one session folder made under `root`. */
function sessionFolder(root: string): string {
  const entries = readdirSync(root);
  expect(entries).toHaveLength(1);
  return join(root, entries[0]);
}

const lines = (path: string): string[] => readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/**
 * What docs/design.md (Recording) promises: a recorded session replays to the same trace,
 * byte for byte after the first line (the first line says when and from what the session
 * ran, which is all a replay changes).
 */
async function recordThenReplay(config: string, extra: string[], signalExt: 'bdf' | 'edf'): Promise<{ live: string; replayed: string; folder: string }> {
  const dir = tempDir();
  const live = join(dir, 'live.ndjson');
  const replayed = join(dir, 'replayed.ndjson');
  const root = join(dir, 'sessions');
  const run = await runCli(['run', '--config', config, '--speed', 'max', '--no-mqtt', '--log-format', 'json', '--trace', live, '--record', root, ...extra], { timeout_ms: 120_000 });
  // No log line at error or fatal level (pino levels 50, 60).
  expect(run.stderr).not.toMatch(/"level":(50|60)/);
  expect(run.code).toBe(0);
  const folder = sessionFolder(root);
  const signal = join(folder, `signal.${signalExt}`);
  const replay = await runCli(['replay', signal, '--trace', replayed, '--log-format', 'json'], { timeout_ms: 120_000 });
  expect(replay.code, replay.stderr).toBe(0);
  return { live, replayed, folder };
}

describe('run --record, then replay the recording', () => {
  it('a simulated session replays to a byte-identical trace (BDF+), and its folder holds what the manifest says', async () => {
    const { live, replayed, folder } = await recordThenReplay('config/examples/sim-adbs.yaml', ['--duration', '60'], 'bdf');
    const a = lines(live);
    const b = lines(replayed);
    expect(a.length).toBeGreaterThan(500);
    // Stimulation changed during the session: the comparison covers real decisions.
    expect(a.some((l) => /"amplitude_mA":[1-9]/.test(l))).toBe(true);
    expect(b.slice(1).join('\n')).toBe(a.slice(1).join('\n'));
    expect(JSON.parse(b[0]).replayOf).toMatch(/signal\.bdf$/);
    // The folder's own trace is the live trace.
    expect(readFileSync(join(folder, 'trace.ndjson'), 'utf8')).toBe(readFileSync(live, 'utf8'));
    const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8'));
    expect(manifest.closedCleanly).toBe(true);
    expect(manifest.fs_Hz).toBe(250);
    expect(manifest.channels).toEqual(['ch0', 'ch1']);
    expect(manifest.seed).toBe(1);
    for (const name of ['signal.bdf', 'trace.ndjson', 'features.csv', 'config.yaml']) {
      expect(manifest.files[name].sha256).toBe(sha256(join(folder, name)));
      expect(manifest.files[name].bytes).toBe(statSync(join(folder, name)).size);
    }
    // features.csv: one row per step of the trace.
    expect(lines(join(folder, 'features.csv')).length - 1).toBe(a.length - 2);
  }, 240_000);

  it('an emulated-hardware session (ADS1115 + MCP4725 on the emulated bus) replays to a byte-identical trace', async () => {
    const { live, replayed } = await recordThenReplay('config/examples/emulated-hw.yaml', ['--duration', '40'], 'bdf');
    const a = lines(live);
    expect(a.length).toBeGreaterThan(300);
    expect(lines(replayed).slice(1).join('\n')).toBe(a.slice(1).join('\n'));
  }, 240_000);

  it('samples the ADC lost (an I2C stall) are a gap in the recording and in the replay: the same decisions, only the driver\'s own report of the failure is not re-created', async () => {
    const { live, replayed } = await recordThenReplay('config/examples/emulated-hw.yaml', ['--duration', '30', '--set', 'source.emulation.faults.stall={at_s: 10, for_s: 0.5}'], 'bdf');
    const withoutDriverEvents = (path: string): string[] =>
      lines(path)
        .slice(1)
        .map((l) => {
          const record = JSON.parse(l) as { events: { kind: string }[] };
          return JSON.stringify({ ...record, events: record.events.filter((e) => e.kind !== 'driver') });
        });
    const a = lines(live);
    // The stall happened, and frames over it were invalid: the gap is real.
    expect(a.some((l) => l.includes('"kind":"driver"'))).toBe(true);
    expect(withoutDriverEvents(replayed)).toEqual(withoutDriverEvents(live));
  }, 240_000);

  it('EDF+ (16-bit) on request: the live path uses the EDF grid, and the replay still matches byte for byte', async () => {
    const { live, replayed } = await recordThenReplay('config/examples/sim-adbs.yaml', ['--duration', '30', '--set', 'recording.format=edf'], 'edf');
    expect(lines(replayed).slice(1).join('\n')).toBe(lines(live).slice(1).join('\n'));
  }, 240_000);

  it('a session stopped with Ctrl+C (ramp-down) replays to the same ramp and the same ending', async () => {
    const dir = tempDir();
    const live = join(dir, 'live.ndjson');
    const replayed = join(dir, 'replayed.ndjson');
    const root = join(dir, 'sessions');
    const running = startCli(['run', '--config', 'config/examples/sim-adbs.yaml', '--speed', 'realtime', '--no-mqtt', '--log-format', 'json', '--set', 'policy={kind: open-loop, amplitude_mA: 2}', '--trace', live, '--record', root]);
    // Stop once stimulation is on, so the stop has something to ramp down.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      let text = '';
      try {
        text = readFileSync(live, 'utf8');
      } catch {
        continue;
      }
      if (/"applied":\{"enabled":true,"amplitude_mA":2/.test(text)) break;
    }
    running.child.kill('SIGINT');
    expect(await running.exited).toBe(0);
    const a = lines(live);
    expect(JSON.parse(a[a.length - 1]).reason).toBe('stopped by SIGINT');
    const replay = await runCli(['replay', join(sessionFolder(root), 'signal.bdf'), '--trace', replayed, '--log-format', 'json']);
    expect(replay.code, replay.stderr).toBe(0);
    expect(lines(replayed).slice(1).join('\n')).toBe(a.slice(1).join('\n'));
  }, 120_000);
});

describe('replay refuses bad input with exit 2, naming what was expected, and writes nothing', () => {
  const cases: [string, string[], RegExp][] = [
    ['no file', ['replay'], /expected a FILE/],
    ['a missing file', ['replay', 'nope.bdf', '--config', 'config/examples/sim-adbs.yaml'], /nope\.bdf: file not found/],
    ['no config outside a session folder', ['replay', 'package.json'], /--config FILE is required/],
    ['a bad speed', ['replay', 'package.json', '--config', 'config/examples/sim-adbs.yaml', '--speed', 'fast'], /--speed: expected realtime, max or a factor/],
    ['--to before --from', ['replay', 'package.json', '--config', 'config/examples/sim-adbs.yaml', '--from', '10', '--to', '5'], /--to 5 must be after --from 10/],
    ['a negative --from', ['replay', 'package.json', '--config', 'config/examples/sim-adbs.yaml', '--from=-1'], /--from: expected seconds of data >= 0/],
    ['empty --channels', ['replay', 'package.json', '--config', 'config/examples/sim-adbs.yaml', '--channels', 'C3,,C4'], /--channels: expected labels or indices/],
    ['--compare without --report', ['replay', 'package.json', '--compare', 'config/examples/sim-adbs.yaml', '--compare', 'config/examples/sim-adbs.yaml'], /--report F\.html; give one/],
    ['a report that is not .html', ['replay', 'package.json', '--config', 'config/examples/sim-adbs.yaml', '--report', 'out.txt'], /expected a file name ending in \.html/],
    ['--trace with several files', ['replay', 'a.bdf', 'b.bdf', '--config', 'config/examples/sim-adbs.yaml', '--trace', 't.ndjson'], /--trace: one session only/],
    ['--jobs 0', ['replay', 'a.bdf', 'b.bdf', '--config', 'config/examples/sim-adbs.yaml', '--jobs', '0'], /--jobs/],
  ];
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const r = await runCli(args);
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(2);
    });
  }

  it('a trace path that is the replayed file itself is refused before anything is touched', async () => {
    const dir = tempDir();
    const file = join(dir, 'x.bdf');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, 'not really a bdf');
    const r = await runCli(['replay', file, '--config', 'config/examples/sim-adbs.yaml', '--trace', file]);
    expect(r.stderr).toMatch(/--trace .*same file as source\.path/);
    expect(r.code).toBe(2);
    expect(readFileSync(file, 'utf8')).toBe('not really a bdf');
  });
});

describe('a recording survives a crash, and a file\'s markers reach the trace', () => {
  it('kill -9 in the middle of run --record leaves a signal file that replays and a manifest saying it did not close', async () => {
    const dir = tempDir();
    const root = join(dir, 'sessions');
    const running = startCli(['run', '--config', 'config/examples/sim-adbs.yaml', '--speed', 'realtime', '--no-mqtt', '--log-format', 'json', '--record', root]);
    await new Promise((r) => setTimeout(r, 4500));
    running.child.kill('SIGKILL');
    await running.exited;
    const folder = sessionFolder(root);
    const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8'));
    expect(manifest.closedCleanly).toBe(false);
    expect(manifest.files).toBeUndefined();
    const summary = join(dir, 'summary.json');
    const replay = await runCli(['replay', join(folder, 'signal.bdf'), '--summary', summary, '--log-format', 'json']);
    expect(replay.code, replay.stderr).toBe(0);
    // About 4.5 s ran; at most about a second (and the record being filled) is lost.
    const duration_s = JSON.parse(readFileSync(summary, 'utf8')).duration_s as number;
    expect(duration_s).toBeGreaterThanOrEqual(2);
    expect(duration_s).toBeLessThanOrEqual(5);
  }, 60_000);

  it('markers another program wrote (medication, MedOn) become annotation events at their sample; neuroloop\'s own tags in a foreign file are only text', async () => {
    const { EdfWriter } = await import('../../drivers/edf/edfWriter.js');
    const { symmetricGrid } = await import('../../drivers/edf/edfLayout.js');
    const dir = tempDir();
    const file = join(dir, 'marked.bdf');
    const writer = await EdfWriter.create({
      path: file,
      format: 'bdf',
      fs_Hz: 250,
      start: new Date('2026-01-02T03:04:05Z'),
      recording: { equipment: 'another-recorder' },
      signals: ['ch0', 'ch1'].map((label) => ({ label, physicalDimension: 'uV', grid: symmetricGrid(500, 'bdf') })),
    });
    const n = 250 * 30;
    const data = [new Float32Array(n), new Float32Array(n)];
    for (let i = 0; i < n; i++) {
      data[0][i] = 10 * Math.sin((2 * Math.PI * 20 * i) / 250);
      data[1][i] = 5 * Math.sin((2 * Math.PI * 7 * i) / 250);
    }
    writer.write({ firstIndex: 0, fs_Hz: 250, channels: ['ch0', 'ch1'], data });
    writer.annotate(12.34, 'levodopa 100 mg taken');
    writer.annotate(20, '[end] not ours');
    await writer.close('done');
    const trace = join(dir, 'trace.ndjson');
    const r = await runCli(['replay', file, '--config', 'config/examples/sim-adbs.yaml', '--trace', trace, '--log-format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const steps = lines(trace).slice(1, -1).map((l) => JSON.parse(l) as { index: number; events: { kind: string; reason: string; t_s: number }[] });
    const withMarker = steps.filter((s) => s.events.some((e) => e.kind === 'annotation' && e.reason === 'levodopa 100 mg taken'));
    expect(withMarker).toHaveLength(1);
    // The first step whose window ends after sample 12.34 * 250 = 3085.
    const first = steps.findIndex((s) => s.index > 3085);
    expect(withMarker[0].index).toBe(steps[first].index);
    expect(withMarker[0].events.find((e) => e.kind === 'annotation')?.t_s).toBeCloseTo(12.34, 9);
    // In a file neuroloop did not write, "[end] ..." is a marker like any other and ends nothing.
    expect(steps.some((s) => s.events.some((e) => e.reason === '[end] not ours'))).toBe(true);
    expect(steps[steps.length - 1].index).toBeGreaterThan(29 * 250);
  }, 60_000);
});

describe('replay of many files, and the report', () => {
  it('--jobs N gives one row per file in the order given, the same whatever N; a file that cannot be read gets a row saying why (exit 2)', async () => {
    const dir = tempDir();
    const root = join(dir, 'sessions');
    for (const seed of [3, 4]) {
      const r = await runCli(['run', '--config', 'config/examples/sim-adbs.yaml', '--duration', '30', '--speed', 'max', '--no-mqtt', '--seed', String(seed), '--record', root]);
      expect(r.code, r.stderr).toBe(0);
    }
    const signals = readdirSync(root)
      .sort()
      .map((f) => join(root, f, 'signal.bdf'));
    const broken = join(dir, 'broken.edf');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(broken, `0       ${' '.repeat(244)}abcd`);
    const files = [signals[0], broken, signals[1]];
    const rows = async (jobs: string, out: string): Promise<string> => {
      const r = await runCli(['replay', ...files, '--config', 'config/examples/sim-adbs.yaml', '--jobs', jobs, '--summary', out]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/broken\.edf: header field "number of signals" at byte 252/);
      return readFileSync(out, 'utf8');
    };
    const one = await rows('1', join(dir, 'one.csv'));
    const three = await rows('3', join(dir, 'three.csv'));
    expect(three).toBe(one);
    const table = one.trim().split('\n');
    expect(table).toHaveLength(4);
    expect(table[1]).toMatch(/^.*signal\.bdf,true,,250,2,30,/);
    expect(table[2]).toMatch(/broken\.edf,false,"/);
    // Different seeds, different sessions: the rows are each file's own.
    expect(table[3]).not.toBe(table[1]);
    const ndjson = await rows('2', join(dir, 'rows.ndjson'));
    expect(ndjson.trim().split('\n').map((l) => (JSON.parse(l) as { ok: boolean }).ok)).toEqual([true, false, true]);
  }, 120_000);

  it('--report writes one self-contained HTML page, and --compare puts two configs side by side', async () => {
    const dir = tempDir();
    const root = join(dir, 'sessions');
    const run = await runCli(['run', '--config', 'config/examples/sim-adbs.yaml', '--duration', '40', '--speed', 'max', '--no-mqtt', '--record', root]);
    expect(run.code, run.stderr).toBe(0);
    const signal = join(sessionFolder(root), 'signal.bdf');
    const { writeFileSync } = await import('node:fs');
    const other = join(dir, 'lower-threshold.yaml');
    writeFileSync(other, readFileSync('config/examples/sim-adbs.yaml', 'utf8').replace(/upperThreshold: [^\n#]*/, 'upperThreshold: 1.0 '));
    const report = join(dir, 'compare.html');
    const r = await runCli(['replay', signal, '--compare', 'config/examples/sim-adbs.yaml', '--compare', other, '--report', report, '--log-format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(report, 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/i);
    expect(html).toContain('sim-adbs.yaml');
    expect(html).toContain('lower-threshold.yaml');
    // Nothing from the network: no external script, style or font.
    expect(html).not.toMatch(/(src|href)=["']?https?:/i);
  }, 120_000);
});

describe('replay --from/--to', () => {
  it('replays only the span asked for: time stays the file\'s, the session starts at --from without counting the samples before it as lost', async () => {
    const dir = tempDir();
    const root = join(dir, 'sessions');
    const run = await runCli(['run', '--config', 'config/examples/sim-adbs.yaml', '--duration', '30', '--speed', 'max', '--no-mqtt', '--record', root]);
    expect(run.code, run.stderr).toBe(0);
    const trace = join(dir, 'span.ndjson');
    const summary = join(dir, 'span.json');
    const r = await runCli(['replay', join(sessionFolder(root), 'signal.bdf'), '--from', '10', '--to', '20', '--trace', trace, '--summary', summary]);
    expect(r.code, r.stderr).toBe(0);
    const all = lines(trace).map((l) => JSON.parse(l) as { index?: number; t_s?: number; events?: { kind: string; reason: string }[] });
    const steps = all.slice(1, -1);
    // The first window that lies wholly after 10 s (2500 samples; the window is a whole number of hops), none marked as a gap.
    expect(steps[0].index).toBe(2500 + SIM_ADBS.window_samples);
    expect(steps.every((s) => (s.events ?? []).every((e) => !/gap/.test(e.reason)))).toBe(true);
    expect(steps[steps.length - 1].index).toBeLessThanOrEqual(5000);
    expect(all[all.length - 1].t_s).toBe(20);
    expect(JSON.parse(readFileSync(summary, 'utf8')).duration_s).toBe(10);
  }, 60_000);
});

describe('replay of files other programs write', () => {
  /** Writes a file with the specification-based writer of the cross-checks (test/drivers/fixtures/edfplus_writer.py). */
  async function specFile(dir: string, name: string, spec: Record<string, unknown>): Promise<string> {
    const { execFileSync } = await import('node:child_process');
    const { writeFileSync } = await import('node:fs');
    const path = join(dir, name);
    const specPath = join(dir, `${name}.json`);
    writeFileSync(specPath, JSON.stringify({ path, ...spec }));
    execFileSync('/usr/bin/python3', [join('test', 'drivers', 'fixtures', 'edfplus_writer.py'), specPath], { stdio: 'pipe' });
    return path;
  }

  it('a BDF+D file with a 5 s gap, a signal at another rate and a marker: replays, the gap stays a gap, the other rate is skipped with a notice', async () => {
    const dir = tempDir();
    const onsets = [...Array.from({ length: 10 }, (_, r) => `+${r}`), ...Array.from({ length: 15 }, (_, r) => `+${15 + r}`)];
    const signal = (label: string, samples: number) => ({ label, samples, phys_min: -500, phys_max: 500, dig_min: -8388608, dig_max: 8388607, dimension: 'uV' });
    const file = await specFile(dir, 'gapped.bdf', {
      format: 'bdf',
      variant: 'BDF+D',
      start: [2024, 3, 1, 9, 30, 0],
      duration_field: '1',
      onsets,
      signals: [signal('ch0', 250), signal('ch1', 250), signal('accel', 50)],
      annotation_bytes: 120,
      annotations: [{ record: 12, onset: '+17.5', duration: null, text: 'MedOn' }],
    });
    const trace = join(dir, 'trace.ndjson');
    const r = await runCli(['replay', file, '--config', 'config/examples/sim-adbs.yaml', '--trace', trace, '--log-format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/accel/);
    const steps = lines(trace)
      .slice(1, -1)
      .map((l) => JSON.parse(l) as { index: number; valid: boolean; events: { kind: string; reason: string }[] });
    // No window ends inside the gap (10 s to 15 s: samples 2500 to 3750) ...
    expect(steps.some((s) => s.index > 2500 && s.index <= 3750)).toBe(false);
    // ... and the first ones after it cover lost samples: invalid.
    expect(steps.find((s) => s.index > 3750)?.valid).toBe(false);
    const marked = steps.find((s) => s.events.some((e) => e.kind === 'annotation' && e.reason === 'MedOn'));
    expect(marked?.index).toBe(steps.find((s) => s.index > 17.5 * 250)?.index);
  }, 60_000);

  it('an annotation-only file (a hypnogram) is refused with exit 2 saying what it holds', async () => {
    const dir = tempDir();
    const file = await specFile(dir, 'hypnogram.edf', {
      format: 'edf',
      variant: 'EDF+C',
      start: [1989, 4, 24, 16, 13, 0],
      duration_field: '0',
      onsets: ['+0'],
      signals: [],
      annotation_bytes: 200,
      annotations: [
        { record: 0, onset: '+0', duration: '30', text: 'Sleep stage W' },
        { record: 0, onset: '+30', duration: '60', text: 'Sleep stage 1' },
      ],
    });
    const r = await runCli(['replay', file, '--config', 'config/examples/sim-adbs.yaml']);
    expect(r.stderr).toMatch(/only annotations/);
    expect(r.code).toBe(2);
  }, 60_000);
});

describe('replay as a careless user runs it', () => {
  async function recorded(seconds: number): Promise<{ dir: string; signal: string }> {
    const dir = tempDir();
    const root = join(dir, 'sessions');
    const run = await runCli(['run', '--config', 'config/examples/sim-adbs.yaml', '--duration', String(seconds), '--speed', 'max', '--no-mqtt', '--record', root]);
    expect(run.code, run.stderr).toBe(0);
    return { dir, signal: join(sessionFolder(root), 'signal.bdf') };
  }

  it('Ctrl+C during a replay of a recording ends it as stopped by SIGINT, not with the recording\'s own reason', async () => {
    const { dir, signal } = await recorded(20);
    const trace = join(dir, 'replay.ndjson');
    const running = startCli(['replay', signal, '--speed', 'realtime', '--trace', trace, '--log-format', 'json']);
    await new Promise((r) => setTimeout(r, 2500));
    running.child.kill('SIGINT');
    expect(await running.exited).toBe(0);
    const all = lines(trace);
    expect(JSON.parse(all[all.length - 1]).reason).toBe('stopped by SIGINT');
  }, 60_000);

  it('--summary through a symbolic link writes the file it points to and keeps the link', async () => {
    const { dir, signal } = await recorded(10);
    const { mkdirSync, symlinkSync, lstatSync, writeFileSync } = await import('node:fs');
    mkdirSync(join(dir, 'real'));
    writeFileSync(join(dir, 'real', 's.json'), 'old');
    symlinkSync(join('real', 's.json'), join(dir, 'link.json'));
    const r = await runCli(['replay', signal, '--summary', join(dir, 'link.json'), '--log-format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(join(dir, 'link.json')).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'real', 's.json'), 'utf8')).duration_s).toBe(10);
  }, 60_000);

  it('a trace that cannot be written (/dev/full) is one line and exit 1, no stack trace', async () => {
    const { signal } = await recorded(10);
    const r = await runCli(['replay', signal, '--trace', '/dev/full', '--log-format', 'json']);
    expect(r.stderr).toMatch(/neuroloop: \/dev\/full: could not be written \(no space left on the device\)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(1);
  }, 60_000);

  it('refuses a FIFO as FILE at once, and --record with --from', async () => {
    const { dir, signal } = await recorded(10);
    const { execFileSync } = await import('node:child_process');
    const fifo = join(dir, 'pipe.bdf');
    execFileSync('mkfifo', [fifo]);
    const r = await runCli(['replay', fifo, '--config', 'config/examples/sim-adbs.yaml'], { timeout_ms: 10_000 });
    expect(r.stderr).toMatch(/not a regular file/);
    expect(r.code).toBe(2);
    const f = await runCli(['replay', signal, '--from', '2', '--record', join(dir, 'again')]);
    expect(f.stderr).toMatch(/--record with --from/);
    expect(f.code).toBe(2);
    expect(readdirSync(dir)).not.toContain('again');
  }, 60_000);

  it('a CSV replays from --from to --to like an EDF file does', async () => {
    const dir = tempDir();
    const csv = join(dir, 'sim.csv');
    const made = await runCli(['sim', '--duration', '20', '--fs', '250', '--channels', '2', '--out', csv]);
    expect(made.code, made.stderr).toBe(0);
    const trace = join(dir, 'span.ndjson');
    const r = await runCli(['replay', csv, '--config', 'config/examples/sim-adbs.yaml', '--from', '5', '--to', '10', '--trace', trace]);
    expect(r.code, r.stderr).toBe(0);
    const all = lines(trace).map((l) => JSON.parse(l) as { index?: number; t_s: number });
    expect(all[1].index).toBe(1250 + SIM_ADBS.window_samples);
    expect(all[all.length - 1].t_s).toBe(10);
    const beyond = await runCli(['replay', csv, '--config', 'config/examples/sim-adbs.yaml', '--from', '100']);
    expect(beyond.stderr).toMatch(/--from 100 s is beyond the data/);
    expect(beyond.code).toBe(2);
  }, 60_000);
});
