import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, runCli, startCli, tempDir } from '../helpers/cli.js';

const ITBS = join(REPO, 'config/examples/tms-itbs.yaml');

/** tms-itbs.yaml with a course: SAINT-like limits and its own ledger beside the config. */
function courseConfig(dir: string, course = 'sessionsPerDay: 10\n    minInterval_min: 50\n    dailyPulses: 6000'): string {
  const text = readFileSync(ITBS, 'utf8')
    .replace('  id: sim-tms\n', '  id: sim-tms\n  courseLedger: ./course.ndjson\n')
    .replace('    maxPerSession: 600\n', `    maxPerSession: 600\n  course:\n    ${course}\n`);
  const file = join(dir, 'itbs-course.yaml');
  writeFileSync(file, text);
  return file;
}

type LedgerLine = { kind: string; pulses?: number; outcome?: string; planned?: { pulses: number | null } };
const ledgerOf = (dir: string): LedgerLine[] => readFileSync(join(dir, 'course.ndjson'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as LedgerLine);

describe('a course of sessions (limits.course and the rig\'s ledger)', () => {
  it('a session is in the ledger with what it delivered; the next one within 50 min is refused with when it may start; course prints it', async () => {
    const dir = tempDir();
    const config = courseConfig(dir);
    const first = await runCli(['run', '--config', config, '--no-mqtt', '--speed', 'max', '--duration', '20']);
    expect(first.code, first.stderr).toBe(0);
    const ledger = ledgerOf(dir);
    expect(ledger.map((l) => l.kind)).toEqual(['start', 'end']);
    expect(ledger[0].planned).toEqual({ pulses: 600, charge_mC: 0 });
    // iTBS from 5 s: two on-periods (5-7 s, 15-17 s) within 20 s.
    expect(ledger[1]).toMatchObject({ pulses: 60, outcome: 'completed', duration_s: 20 });

    const second = await runCli(['run', '--config', config, '--no-mqtt', '--speed', 'max', '--duration', '20']);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/limits\.course\.minInterval_min: the last session ended \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, \d+ s ago; at least 50 min must pass .*the next session may start at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in (49|50) min\)/);
    // Refused before its start record: the ledger is as it was.
    expect(ledgerOf(dir)).toHaveLength(2);

    const table = await runCli(['course', '--config', config]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/completed/);
    expect(table.stdout).toMatch(/1 started in the last 24 hours; 9 of 10 left/);
    expect(table.stdout).toMatch(/pulses: 60 in the last 24 hours; 5940 of 6000 left/);
    const json = await runCli(['course', '--config', config, '--json']);
    expect(json.code).toBe(0);
    const rows = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.length).toBeGreaterThan(0);
  });

  it('a config that cannot run costs no session: refused before the ledger is touched', async () => {
    const dir = tempDir();
    const config = courseConfig(dir);
    const r = await runCli(['run', '--config', config, '--no-mqtt', '--speed', 'max', '--duration', '5', '--set', 'source.fs_Hz=256']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot run as written at 256 Hz/);
    expect(existsSync(join(dir, 'course.ndjson'))).toBe(false);
  });

  it('one session per rig at a time: a second while the first runs is refused naming the first one\'s pid', async () => {
    const dir = tempDir();
    const config = courseConfig(dir, 'sessionsPerDay: 10\n    minInterval_min: 0');
    const first = startCli(['run', '--config', config, '--no-mqtt', '--duration', '30']);
    try {
      // Wait until the first session's start record is on disk.
      for (let i = 0; i < 200 && !(existsSync(join(dir, 'course.ndjson')) && ledgerOf(dir).length > 0); i++) await new Promise((r) => setTimeout(r, 50));
      const second = await runCli(['run', '--config', config, '--no-mqtt', '--speed', 'max', '--duration', '5']);
      expect(second.code).toBe(2);
      expect(second.stderr).toMatch(new RegExp(`limits\\.course: .*${first.child.pid}`));
    } finally {
      first.child.kill('SIGINT');
      expect(await first.exited).toBe(0);
    }
    // The stop is recorded as such, and the lock is gone: the next session may start.
    expect(ledgerOf(dir).at(-1)).toMatchObject({ kind: 'end', outcome: 'stopped' });
    const third = await runCli(['run', '--config', config, '--no-mqtt', '--speed', 'max', '--duration', '5']);
    expect(third.code, third.stderr).toBe(0);
    expect(ledgerOf(dir).filter((l) => l.kind === 'start')).toHaveLength(2);
  }, 60_000);

  it('Ctrl+C the moment the start record is on disk (the session still starting) stops it the orderly way: end record, lock released, exit 0', async () => {
    const dir = tempDir();
    const config = courseConfig(dir, 'sessionsPerDay: 10\n    minInterval_min: 0');
    const run = startCli(['run', '--config', config, '--no-mqtt', '--duration', '30']);
    const ledger = join(dir, 'course.ndjson');
    // Polled every millisecond: the signal lands while the start record is being fsynced or just after.
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (existsSync(ledger) && readFileSync(ledger, 'utf8').length > 0) {
          clearInterval(poll);
          run.child.kill('SIGINT');
          resolve();
        }
      }, 1);
    });
    expect(await run.exited, run.stderr()).toBe(0);
    expect(ledgerOf(dir).map((l) => [l.kind, l.outcome])).toEqual([['start', undefined], ['end', 'stopped']]);
    expect(readdirSync(dir).filter((f) => f.includes('lock'))).toEqual([]);
  }, 60_000);

  it('a ledger file that cannot be written is exit 2 before anything starts, naming it; the ledger stays as it was', async () => {
    const dir = tempDir();
    const config = courseConfig(dir, 'sessionsPerDay: 10\n    minInterval_min: 0');
    const first = await runCli(['run', '--config', config, '--no-mqtt', '--speed', 'max', '--duration', '5']);
    expect(first.code, first.stderr).toBe(0);
    const ledger = join(dir, 'course.ndjson');
    const before = readFileSync(ledger, 'utf8');
    // Root may write anything: run as nobody then, in a folder nobody may write in, on a file nobody may write.
    const asRoot = process.getuid?.() === 0;
    chmodSync(dir, 0o777);
    chmodSync(config, 0o644);
    chmodSync(ledger, 0o444);
    const r = await runCli(['run', '--config', config, '--no-mqtt', '--speed', 'max', '--duration', '5'], asRoot ? { user: { uid: 65534, gid: 65534 } } : {});
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/rig\.courseLedger: .*course\.ndjson cannot be written \(EACCES\)/);
    expect(readFileSync(ledger, 'utf8')).toBe(before);
    expect(readdirSync(dir).filter((f) => f.includes('lock'))).toEqual([]);
  });

  it('course without --config, or with a stray argument, is exit 2 naming what is expected', async () => {
    expect((await runCli(['course'])).stderr).toMatch(/course: --config FILE is required/);
    expect((await runCli(['course', 'x', '--config', ITBS])).code).toBe(2);
  });

  it('nothing starts a fresh course by the back door: --set rig.* refused, a ledger folder that is not there refused, a course no session fits refused at config check', async () => {
    const dir = tempDir();
    const config = courseConfig(dir);
    for (const set of ['rig.courseLedger=./fresh.ndjson', 'rig.id=another', 'rig={id: sim-tms}']) {
      const r = await runCli(['run', '--config', config, '--no-mqtt', '--speed', 'max', '--duration', '5', '--set', set]);
      expect({ set, code: r.code }).toEqual({ set, code: 2 });
      expect(r.stderr).toMatch(/limits\.course, counted in the ledger of its rig: --set may not change rig\.\*/);
    }
    const lost = join(dir, 'lost.yaml');
    writeFileSync(lost, readFileSync(config, 'utf8').replace('courseLedger: ./course.ndjson', 'courseLedger: ./no/such/folder/course.ndjson'));
    const r = await runCli(['run', '--config', lost, '--no-mqtt', '--speed', 'max', '--duration', '5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/rig\.courseLedger: the folder .*no\/such\/folder does not exist; create it first/);
    expect(existsSync(join(dir, 'no'))).toBe(false);
    // `course` agrees with `run`: it does not call a course fine that run would refuse.
    const shown = await runCli(['course', '--config', lost]);
    expect(shown.code).toBe(2);
    expect(shown.stderr).toMatch(/rig\.courseLedger: the folder .*no\/such\/folder does not exist; create it first/);
    expect(shown.stdout).toBe('');
    const checked = await runCli(['config', 'check', lost]);
    expect(checked.code).toBe(2);
    expect(checked.stderr).toMatch(/rig\.courseLedger: the folder .*no\/such\/folder does not exist; create it first/);
    // 100 pulses a day, but one iTBS session is 600: no session could ever start.
    const tight = courseConfig(tempDir(), 'sessionsPerDay: 10\n    minInterval_min: 50\n    dailyPulses: 100');
    const check = await runCli(['config', 'check', tight]);
    expect(check.code).toBe(2);
    expect(check.stderr).toMatch(/limits\.course\.dailyPulses: 100 is fewer than one session's 600 pulses/);
  });

  it('a recorded session\'s config names the ledger by its absolute path: running the recording\'s config counts against the same course', async () => {
    const dir = tempDir();
    const config = courseConfig(dir, 'sessionsPerDay: 1\n    minInterval_min: 0');
    const rec = join(dir, 'rec');
    const first = await runCli(['run', '--config', config, '--no-mqtt', '--speed', 'max', '--duration', '5', '--record', rec]);
    expect(first.code, first.stderr).toBe(0);
    const [folder] = readdirSync(rec);
    const recorded = join(rec, folder, 'config.yaml');
    expect(readFileSync(recorded, 'utf8')).toContain(`courseLedger: ${join(dir, 'course.ndjson')}`);
    const again = await runCli(['run', '--config', recorded, '--no-mqtt', '--speed', 'max', '--duration', '5']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/limits\.course\.sessionsPerDay/);
  });
});
