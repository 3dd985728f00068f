import { spawn } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { CLI, REPO, runCli, startCli, tempDir } from '../helpers/cli.js';

const ADBS = join(REPO, 'config/examples/sim-adbs.yaml');
const SHORT = ['run', '--no-mqtt', '--config', ADBS, '--set', 'signals.biomarker.baseline_s=2', '--set', 'policy.startupDelay_ms=2000'];
const PRECIOUS = 'precious: must survive\n';

/** Waits (without a deadline of its own: the test's timeout is the limit) until `ready()` holds. */
async function until(ready: () => boolean): Promise<void> {
  while (!ready()) await sleep(20);
}

const lines = (path: string): Record<string, unknown>[] =>
  readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('an output is never an input (finding 1)', () => {
  it('features x.csv --out x.csv, through a symlink and through a hard link: exit 2, the recording intact', async () => {
    const dir = tempDir();
    const input = join(dir, 'x.csv');
    expect((await runCli(['sim', '--duration', '2', '--out', input])).code).toBe(0);
    const recording = readFileSync(input, 'utf8');
    symlinkSync(input, join(dir, 'link.csv'));
    linkSync(input, join(dir, 'hard.csv'));
    for (const out of [input, join(dir, 'link.csv'), join(dir, 'hard.csv'), join(dir, '.', 'x.csv')]) {
      const r = await runCli(['features', input, '--out', out]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^neuroloop: --out .*: is the same file as INPUT/);
      expect(readFileSync(input, 'utf8')).toBe(recording);
    }
    expect(readdirSync(dir).sort()).toEqual(['hard.csv', 'link.csv', 'x.csv']);
  });

  it('run: --trace or --summary equal to the config, to the CSV source, to logging.file or to each other is exit 2', async () => {
    const dir = tempDir();
    const config = join(dir, 'replay.yaml');
    const csv = join(dir, 'data.csv');
    const log = join(dir, 'log.ndjson');
    writeFileSync(csv, readFileSync(join(REPO, 'config/examples/sample-lfp.csv')));
    writeFileSync(config, `${readFileSync(join(REPO, 'config/examples/replay-csv.yaml'), 'utf8').replace('path: sample-lfp.csv', 'path: data.csv').replace('level: warn', `level: warn\n  file: ${log}`)}`);
    writeFileSync(log, PRECIOUS);
    const before = readdirSync(dir).sort();
    const cases: [string[], RegExp][] = [
      [['--trace', config], /--trace .*replay\.yaml: is the same file as --config/],
      [['--summary', csv], /--summary .*data\.csv: is the same file as source\.path/],
      [['--trace', join(dir, 't.ndjson'), '--summary', join(dir, 't.ndjson')], /--summary .*t\.ndjson: is the same file as --trace/],
      [['--trace', log], /logging\.file .*log\.ndjson: is the same file as --trace/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['run', '--no-mqtt', '--config', config, ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(readdirSync(dir).sort()).toEqual(before);
      expect(readFileSync(log, 'utf8')).toBe(PRECIOUS);
    }
  });

  it('sim --out equal to its --config is exit 2', async () => {
    const dir = tempDir();
    const config = join(dir, 'c.yaml');
    writeFileSync(config, readFileSync(ADBS));
    const r = await runCli(['sim', '--duration', '1', '--config', config, '--out', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out .*c\.yaml: is the same file as --config/);
    expect(readFileSync(config, 'utf8')).toBe(readFileSync(ADBS, 'utf8'));
  });
});

describe('a failed start touches nothing (findings 2, 6, 9)', () => {
  it('an existing trace keeps its bytes when the start fails for any reason', async () => {
    const dir = tempDir();
    const trace = join(dir, 'trace.ndjson');
    writeFileSync(trace, PRECIOUS);
    mkdirSync(join(dir, 'adir'));
    const failures: [string[], RegExp][] = [
      [['--summary', join(dir, 'missing', 's.json')], /--summary .*missing\/s\.json: the directory .*missing does not exist/],
      [['--summary', join(dir, 'adir')], /--summary .*adir: is a directory/],
      [['--summary', join(dir, 'trace.ndjson', 's.json')], /--summary .*: a part of the path is a file, not a directory/],
      [['--set', 'policy.upperThreshold=-5'], /policy\.upperThreshold/],
      [['--set', 'logging.file=/nonexistent-dir/x/log.ndjson'], /logging\.file \/nonexistent-dir\/x\/log\.ndjson: the directory \/nonexistent-dir\/x does not exist/],
      [['--set', `logging.file=${join(dir, 'adir')}`], /logging\.file .*adir: is a directory/],
      [['--mqtt', 'mqtt://user:hunter2@broker:70000'], /--mqtt: "mqtt:\/\/user:\*\*\*@broker:70000" is not a URL/],
      [['--mqtt', 'http://broker:1883'], /--mqtt: "http:\/\/broker:1883": the scheme http: is not one of/],
    ];
    for (const [args, message] of failures) {
      // Without --no-mqtt when --mqtt is given: the URL is checked before anything connects.
      const base = args[0] === '--mqtt' ? SHORT.filter((a) => a !== '--no-mqtt') : SHORT;
      const r = await runCli([...base, '--duration', '2', '--speed', 'max', '--trace', trace, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toContain('hunter2');
      expect(r.stderr).not.toMatch(/^\s+at /m);
      expect(readFileSync(trace, 'utf8')).toBe(PRECIOUS);
      expect(readdirSync(dir).sort()).toEqual(['adir', 'trace.ndjson']);
    }
  });

  it('a CSV source that cannot be opened leaves the trace alone (the trace opens after every start check)', async () => {
    const dir = tempDir();
    const config = join(dir, 'replay.yaml');
    writeFileSync(config, readFileSync(join(REPO, 'config/examples/replay-csv.yaml'), 'utf8').replace('path: sample-lfp.csv', 'path: gone.csv'));
    const trace = join(dir, 'trace.ndjson');
    writeFileSync(trace, PRECIOUS);
    const r = await runCli(['run', '--no-mqtt', '--config', config, '--trace', trace]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/gone\.csv: file not found/);
    expect(readFileSync(trace, 'utf8')).toBe(PRECIOUS);
  });
});

describe('interrupted commands (finding 3)', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('sim --out interrupted by %s: exit %i, the temporary file removed, the old output unchanged', async (signal, code) => {
    const dir = tempDir();
    const out = join(dir, 'big.csv');
    writeFileSync(out, PRECIOUS);
    const child = spawn(process.execPath, [CLI, 'sim', '--duration', '604800', '--fs', '1000', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // Interrupt once the temporary file holds data.
    await until(() => readdirSync(dir).some((name) => name.includes('.tmp-') && statSync(join(dir, name)).size > 0));
    child.kill(signal);
    expect(await exited).toBe(code);
    expect(stderr).toContain(`interrupted by ${signal}; nothing written`);
    expect(readdirSync(dir)).toEqual(['big.csv']);
    expect(readFileSync(out, 'utf8')).toBe(PRECIOUS);
  });

  it('run: SIGTERM ends the session like Ctrl+C: ramp-down, trace ended cleanly, summary written, exit 0', async () => {
    const dir = tempDir();
    const trace = join(dir, 't.ndjson');
    const summary = join(dir, 's.json');
    const cli = startCli([...SHORT, '--set', 'policy={kind: open-loop, amplitude_mA: 3}', '--trace', trace, '--summary', summary]);
    await until(() => /stim 3\.00 mA/.test(cli.stdout()));
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    const all = lines(trace);
    const last = all.at(-1)!;
    expect(last).toMatchObject({ kind: 'session-end', reason: 'stopped by SIGTERM', clean: true });
    const steps = all.filter((l) => l.kind === undefined) as { applied: { amplitude_mA: number } }[];
    expect(steps.at(-1)!.applied.amplitude_mA).toBe(0);
    expect(JSON.parse(readFileSync(summary, 'utf8'))).toMatchObject({ policy: 'open-loop' });
    expect(readdirSync(dir).sort()).toEqual(['s.json', 't.ndjson']);
  });
});

describe('stdout is streamed (finding 4)', () => {
  it('sim to stdout with a 48 MB heap writes ~75 MB: memory stays bounded', async () => {
    // 1.6 M rows of ~47 bytes: held in memory (the old way) this cannot fit in the heap.
    const child = spawn(process.execPath, ['--max-old-space-size=48', CLI, 'sim', '--duration', '800', '--fs', '2000', '--channels', '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let bytes = 0;
    let newlines = 0;
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      bytes += d.length;
      for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) newlines++;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(newlines).toBe(1 + 800 * 2000);
    expect(bytes).toBeGreaterThan(70e6);
  }, 180_000);

  it.each([['sim', '--duration', '3600'], ['features', join(REPO, 'config/examples/sample-lfp.csv'), '--window', '8', '--hop', '1']])(
    '%s | a reader that stops early: exit 0, nothing on stderr',
    async (...args) => {
      const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.stdout.once('data', () => child.stdout.destroy());
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(stderr).toBe('');
      expect(code).toBe(0);
    },
  );
});

describe('the trace says whether the run ended (finding 5)', () => {
  it('a clean end: session-start first, step lines, session-end last', async () => {
    const dir = tempDir();
    const trace = join(dir, 't.ndjson');
    const r = await runCli([...SHORT, '--duration', '3', '--speed', 'max', '--seed', '7', '--trace', trace]);
    expect(r.code).toBe(0);
    const all = lines(trace);
    expect(all[0]).toMatchObject({ kind: 'session-start', v: 1, rig: 'sim-patient', config: ADBS, seed: 7 });
    expect(Date.parse(all[0].startedAt as string)).not.toBeNaN();
    expect(all[0].neuroloop).toBe((JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version);
    // The governor's shutdown at the end of the data happens after the last step: the end line carries it.
    expect(all.at(-1)).toEqual({ kind: 'session-end', t_s: 3, reason: 'duration reached', clean: true, events: [{ kind: 'session-end', reason: 'end of data', t_s: 3 }] });
    expect(all.slice(1, -1).every((l) => l.kind === undefined && typeof l.index === 'number')).toBe(true);
  });

  it('SIGKILL: every line written is whole JSON, and no session-end line says the run did not end', async () => {
    const dir = tempDir();
    const trace = join(dir, 't.ndjson');
    const cli = startCli([...SHORT, '--speed', 'realtime', '--trace', trace]);
    // The header is on disk at once; step lines follow within a second of host time.
    await until(() => existsSync(trace) && readFileSync(trace, 'utf8').split('\n').length >= 4);
    cli.child.kill('SIGKILL');
    await cli.exited;
    const text = readFileSync(trace, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const all = lines(trace);
    expect(all[0].kind).toBe('session-start');
    expect(all.length).toBeGreaterThanOrEqual(3);
    expect(all.some((l) => l.kind === 'session-end')).toBe(false);
  });
});

describe('a newcomer\'s first minute (finding 8)', () => {
  const HOOK =
    'data:text/javascript,import {register} from "node:module"; register("data:text/javascript,export async function load(u,c,n){ if(!u.startsWith(\\"node:\\")) process._rawDebug(\\"LOADED \\"+u); return n(u,c)}")';
  const loaded = async (args: string[]): Promise<string[]> => {
    const child = spawn(process.execPath, ['--import', HOOK, CLI, ...args], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    expect(await new Promise((resolve) => child.on('close', resolve))).toBe(0);
    return stderr.split('\n').filter((l) => l.startsWith('LOADED ')).map((l) => l.slice('LOADED '.length));
  };

  it('--help and run --help load no dependency; config check loads only yaml and zod', async () => {
    for (const args of [['--help'], ['run', '--help'], ['sim', '--help']]) {
      const modules = await loaded(args);
      expect(modules.length).toBeGreaterThan(0);
      expect(modules.filter((m) => m.includes('/node_modules/'))).toEqual([]);
    }
    const check = await loaded(['config', 'check', 'config/examples/sim-adbs.yaml']);
    const packages = new Set(check.filter((m) => m.includes('/node_modules/')).map((m) => m.split('/node_modules/')[1].split('/')[0]));
    expect([...packages].sort()).toEqual(['yaml', 'zod']);
  });

  it('summary numbers are rounded to 6 significant digits; --log-format json gives JSON lines, pretty gives readable ones', async () => {
    const dir = tempDir();
    const summary = join(dir, 's.json');
    const base = [...SHORT, '--duration', '7', '--speed', 'max', '--seed', '3', '--set', 'logging.level=info'];
    const json = await runCli([...base, '--summary', summary, '--log-format', 'json']);
    expect(json.code).toBe(0);
    const s = JSON.parse(readFileSync(summary, 'utf8')) as Record<string, unknown>;
    const numbers = JSON.stringify(s).match(/-?\d+\.\d+(e-?\d+)?/g) ?? [];
    expect(numbers.length).toBeGreaterThan(0);
    for (const n of numbers) expect(n.replace(/^-?0\.0*|[-.]|e.*$/g, '').length).toBeLessThanOrEqual(6);
    const logLines = json.stderr.trimEnd().split('\n');
    expect(logLines.every((l) => (JSON.parse(l) as { app: string }).app === 'neuroloop')).toBe(true);
    const pretty = await runCli([...base, '--log-format', 'pretty']);
    expect(pretty.code).toBe(0);
    expect(pretty.stderr).toMatch(/INFO.*session started/);
    expect(pretty.stderr).not.toMatch(/^\{/m);
  });
});
