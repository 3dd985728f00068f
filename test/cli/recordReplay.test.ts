import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli, tempDir } from '../helpers/cli.js';

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
  expect(run.stderr).not.toMatch(/error/i);
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
    ['a negative --from', ['replay', 'package.json', '--config', 'config/examples/sim-adbs.yaml', '--from=-1'], /--from: expected seconds >= 0/],
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
