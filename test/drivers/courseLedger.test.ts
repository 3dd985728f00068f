import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkCourseLimits } from '../../controller/courseLimits.js';
import { beginCourseSession, courseLedgerPath, readCourseLedger, type CourseSessionStart } from '../../drivers/courseLedger.js';
import { InputError } from '../../drivers/inputError.js';
import { acquireRigLock, courseLockPath, type LockSystem, processLockSystem, RigLockedError } from '../../drivers/rigLock.js';

const scratch = mkdtempSync(join(tmpdir(), 'neuroloop-course-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let n = 0;
/** A fresh ledger path in a folder that does not exist yet. */
const freshLedger = (): string => join(scratch, `case-${++n}`, 'rig1', 'course.ndjson');

const SHA = 'a'.repeat(64);
const start = (at: string, over: Partial<CourseSessionStart> = {}): CourseSessionStart => ({
  rig: 'rig1',
  at: new Date(at),
  modality: 'tms',
  config: { name: 'tms-itbs.yaml', sha256: SHA },
  planned: { pulses: 600, charge_mC: null },
  ...over,
});
const lines = (path: string): string[] => readFileSync(path, 'utf8').split('\n');

describe('course ledger: default location', () => {
  it('systemd STATE_DIRECTORY first, then XDG_STATE_HOME, then ~/.local/state; relative values ignored', () => {
    expect(courseLedgerPath('rig1', { STATE_DIRECTORY: '/var/lib/neuroloop', XDG_STATE_HOME: '/x' }, '/home/u')).toBe('/var/lib/neuroloop/rig1/course.ndjson');
    expect(courseLedgerPath('rig1', { STATE_DIRECTORY: '/var/lib/neuroloop:/var/lib/other' }, '/home/u')).toBe('/var/lib/neuroloop/rig1/course.ndjson');
    expect(courseLedgerPath('rig1', { XDG_STATE_HOME: '/home/u/state' }, '/home/u')).toBe('/home/u/state/neuroloop/rig1/course.ndjson');
    expect(courseLedgerPath('rig1', { XDG_STATE_HOME: 'relative/state' }, '/home/u')).toBe('/home/u/.local/state/neuroloop/rig1/course.ndjson');
    expect(courseLedgerPath('rig-2', {}, '/home/u')).toBe('/home/u/.local/state/neuroloop/rig-2/course.ndjson');
  });

  it('refuses a rig id that is not one safe path component', () => {
    expect(() => courseLedgerPath('../etc', {}, '/home/u')).toThrow(InputError);
    expect(() => courseLedgerPath('', {}, '/home/u')).toThrow(/rig id ""/);
  });
});

describe('course ledger: write and read back', () => {
  it('a missing ledger is empty', () => {
    expect(readCourseLedger(freshLedger())).toMatchObject({ exists: false, sessions: [], warnings: [] });
  });

  it('start, progress and end records, one line each, merged by id; the folders are created', async () => {
    const path = freshLedger();
    const a = await beginCourseSession(path, start('2026-12-07T08:00:00Z', { id: 'a' }));
    await a.progress({ pulses: 300, charge_mC: 0, onTime_s: 60 }, new Date('2026-12-07T08:01:00Z'));
    await a.progress({ pulses: 600, charge_mC: 0, onTime_s: 120 }, new Date('2026-12-07T08:02:00Z'));
    await a.end({ at: new Date('2026-12-07T08:03:10Z'), pulses: 600, charge_mC: 0, onTime_s: 189, outcome: 'completed', markers: ['start iTBS', 'patient ok'] });
    const b = await beginCourseSession(path, start('2026-12-07T09:00:00Z', { id: 'b', modality: 'tdcs', planned: { pulses: 0, charge_mC: 2.4 } }));
    await b.end({ at: new Date('2026-12-07T09:20:00Z'), duration_s: 1199.5, pulses: 0, charge_mC: 2.4, onTime_s: 1190, outcome: 'stopped', markers: [] });

    const text = lines(path);
    expect(text).toHaveLength(7); // 6 records and the empty string after the last newline
    expect(text[6]).toBe('');
    const records = text.slice(0, 6).map((l) => JSON.parse(l) as { v: number; kind: string });
    expect(records.map((r) => r.kind)).toEqual(['start', 'progress', 'progress', 'end', 'start', 'end']);
    expect(records.every((r) => r.v === 1)).toBe(true);
    expect(records[0]).toEqual({ v: 1, kind: 'start', id: 'a', rig: 'rig1', at: '2026-12-07T08:00:00.000Z', modality: 'tms', config: { name: 'tms-itbs.yaml', sha256: SHA }, planned: { pulses: 600, charge_mC: null } });

    const ledger = readCourseLedger(path);
    expect(ledger.warnings).toEqual([]);
    expect(ledger.sessions).toEqual([
      {
        id: 'a', rig: 'rig1', modality: 'tms', config: { name: 'tms-itbs.yaml', sha256: SHA }, planned: { pulses: 600, charge_mC: null },
        start: '2026-12-07T08:00:00.000Z', start_ms: Date.parse('2026-12-07T08:00:00Z'), end: '2026-12-07T08:03:10.000Z', end_ms: Date.parse('2026-12-07T08:03:10Z'),
        ended: true, duration_s: 190, pulses: 600, charge_mC: 0, onTime_s: 189, outcome: 'completed', markers: ['start iTBS', 'patient ok'], line: 1,
      },
      {
        id: 'b', rig: 'rig1', modality: 'tdcs', config: { name: 'tms-itbs.yaml', sha256: SHA }, planned: { pulses: 0, charge_mC: 2.4 },
        start: '2026-12-07T09:00:00.000Z', start_ms: Date.parse('2026-12-07T09:00:00Z'), end: '2026-12-07T09:20:00.000Z', end_ms: Date.parse('2026-12-07T09:20:00Z'),
        ended: true, duration_s: 1199.5, pulses: 0, charge_mC: 2.4, onTime_s: 1190, outcome: 'stopped', markers: [], line: 5,
      },
    ]);
  });

  it('appends asked for without waiting land in the order asked, the end last', async () => {
    const path = freshLedger();
    const s = await beginCourseSession(path, start('2026-12-07T08:00:00Z'));
    const pending = [1, 2, 3, 4, 5].map((k) => s.progress({ pulses: k * 100, charge_mC: 0, onTime_s: k * 10 }, new Date(Date.parse('2026-12-07T08:00:00Z') + k * 60_000)));
    pending.push(s.end({ at: new Date('2026-12-07T08:06:00Z'), pulses: 600, charge_mC: 0, onTime_s: 60, outcome: 'completed', markers: [] }));
    await Promise.all(pending);
    const kinds = lines(path).filter((l) => l !== '').map((l) => JSON.parse(l) as { kind: string; pulses?: number });
    expect(kinds.map((k) => k.pulses ?? null)).toEqual([null, 100, 200, 300, 400, 500, 600]);
    await expect(s.progress({ pulses: 1, charge_mC: 0, onTime_s: 1 }, new Date())).rejects.toThrow(/after its end/);
    await expect(s.end({ at: new Date(), pulses: 1, charge_mC: 0, onTime_s: 1, outcome: 'completed', markers: [] })).rejects.toThrow(/ended twice/);
  });

  it('never writes a record it could not read back (a fractional pulse count), and refuses a second session with the same id', async () => {
    const path = freshLedger();
    const s = await beginCourseSession(path, start('2026-12-07T08:00:00Z', { id: 'same' }));
    const before = readFileSync(path, 'utf8');
    await expect(s.progress({ pulses: 1.5, charge_mC: 0, onTime_s: 1 }, new Date('2026-12-07T08:01:00Z'))).rejects.toThrow(/progress record not written: pulses: must be a whole number/);
    await expect(beginCourseSession(path, start('2026-12-07T09:00:00Z', { id: 'same' }))).rejects.toThrow(/session id same is already in the course ledger \(line 1\)/);
    await expect(beginCourseSession(path, start('2026-12-07T09:00:00Z', { config: { name: 'x', sha256: 'nothex' } }))).rejects.toThrow(/config\.sha256/);
    expect(readFileSync(path, 'utf8')).toBe(before);
  });
});

describe('course ledger: crashes', () => {
  it('a session with a start and progress but no end (a crash) is a session with its last known dose and time; the limits count it with its plan, a minute past its last record', async () => {
    const path = freshLedger();
    const s = await beginCourseSession(path, start('2026-12-07T08:00:00Z', { id: 'crashed' }));
    await s.progress({ pulses: 240, charge_mC: 0, onTime_s: 60 }, new Date('2026-12-07T08:01:00Z'));
    // ... and the process dies: no end record.
    const ledger = readCourseLedger(path);
    expect(ledger.sessions).toHaveLength(1);
    expect(ledger.sessions[0]).toMatchObject({ id: 'crashed', ended: false, end: null, outcome: null, pulses: 240, onTime_s: 60, duration_s: 60, end_ms: Date.parse('2026-12-07T08:01:00Z') });
    const d = checkCourseLimits(ledger.sessions, Date.parse('2026-12-07T08:30:00Z'), { sessionsPerDay: 10, minInterval_min: 50 }, { pulses: 600, charge_mC: 0 });
    // Last record 08:01; it may have run until 08:02; + 50 min.
    expect(d).toMatchObject({ allowed: false, limit: 'limits.course.minInterval_min', nextAllowedAt: new Date('2026-12-07T08:52:00Z') });
    // Its start record planned start()'s pulses: the daily limit counts those, not the 240 recorded.
    const planned = ledger.sessions[0].planned.pulses ?? 0;
    expect(planned).toBeGreaterThan(240);
    const daily = { sessionsPerDay: 10, minInterval_min: 0, dailyPulses: planned + 100 };
    expect(checkCourseLimits(ledger.sessions, Date.parse('2026-12-07T12:00:00Z'), daily, { pulses: 100, charge_mC: 0 }).allowed).toBe(true);
    expect(checkCourseLimits(ledger.sessions, Date.parse('2026-12-07T12:00:00Z'), daily, { pulses: 101, charge_mC: 0 })).toMatchObject({ allowed: false, limit: 'limits.course.dailyPulses' });
    expect(checkCourseLimits(ledger.sessions, Date.parse('2026-12-07T12:00:00Z'), { sessionsPerDay: 1, minInterval_min: 0 }, { pulses: 600, charge_mC: 0 })).toMatchObject({ allowed: false, limit: 'limits.course.sessionsPerDay' });
  });

  it('a torn last line is tolerated with a warning naming file and line; the next session acknowledges it and never rewrites it', async () => {
    const path = freshLedger();
    const s = await beginCourseSession(path, start('2026-12-07T08:00:00Z', { id: 'a' }));
    await s.progress({ pulses: 100, charge_mC: 0, onTime_s: 30 }, new Date('2026-12-07T08:00:30Z'));
    // A write cut short: half an end record, no newline.
    const fragment = '{"v":1,"kind":"end","id":"a","at":"2026-12-07T08:';
    const size = Buffer.byteLength(fragment);
    appendFileSync(path, fragment);
    const torn = readFileSync(path);
    const first = readCourseLedger(path);
    expect(first.warnings).toEqual([`${path}:3: the last line is torn (${size} bytes, not a JSON object (cut short?)): a write cut short by a crash or power loss; ignored`]);
    expect(first.sessions[0]).toMatchObject({ id: 'a', ended: false, pulses: 100 });

    await beginCourseSession(path, start('2026-12-07T09:00:00Z', { id: 'b' }));
    const after = readFileSync(path);
    // History kept byte for byte; then a newline ends the torn line, a torn record, the start.
    expect(after.subarray(0, torn.length).equals(torn)).toBe(true);
    const added = after.subarray(torn.length).toString('utf8').split('\n');
    expect(added[0]).toBe('');
    expect(JSON.parse(added[1])).toEqual({ v: 1, kind: 'torn', at: '2026-12-07T09:00:00.000Z', line: 3, bytes: size });
    expect(JSON.parse(added[2])).toMatchObject({ kind: 'start', id: 'b' });
    const second = readCourseLedger(path);
    expect(second.warnings).toHaveLength(1);
    expect(second.warnings[0]).toMatch(new RegExp(`^${escape(path)}:3: a torn line \\(${size} bytes, .*acknowledged on line 4\\)$`));
    expect(second.sessions.map((x) => [x.id, x.ended])).toEqual([['a', false], ['b', false]]);
  });

  it('a last line of zeros (ext4 after a power loss) is torn too, newline or not', () => {
    const path = freshLedger();
    const ok = '{"v":1,"kind":"start","id":"a","rig":"rig1","at":"2026-12-07T08:00:00.000Z","modality":"tms","config":{"name":"c","sha256":"' + SHA + '"},"planned":{"pulses":null,"charge_mC":null}}\n';
    for (const tail of [Buffer.alloc(40), Buffer.concat([Buffer.alloc(40), Buffer.from('\n')])]) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, Buffer.concat([Buffer.from(ok), tail]));
      const r = readCourseLedger(path);
      expect(r.sessions.map((x) => x.id)).toEqual(['a']);
      expect(r.warnings).toHaveLength(1);
      expect(r.warnings[0]).toContain(`${path}:2: the last line is torn (40 bytes`);
    }
  });

  it('a complete last record without its newline is read; the next append starts a new line', async () => {
    const path = freshLedger();
    const s = await beginCourseSession(path, start('2026-12-07T08:00:00Z', { id: 'a' }));
    await s.end({ at: new Date('2026-12-07T08:04:00Z'), pulses: 600, charge_mC: 0, onTime_s: 189, outcome: 'completed', markers: [] });
    writeFileSync(path, readFileSync(path, 'utf8').replace(/\n$/, ''));
    expect(readCourseLedger(path)).toMatchObject({ warnings: [], sessions: [{ id: 'a', ended: true }] });
    await beginCourseSession(path, start('2026-12-07T09:00:00Z', { id: 'b' }));
    const r = readCourseLedger(path);
    expect(r.warnings).toEqual([]);
    expect(r.sessions.map((x) => x.id)).toEqual(['a', 'b']);
  });
});

describe('course ledger: damage is refused, naming the file and line', () => {
  const record = (o: object): string => `${JSON.stringify({ v: 1, ...o })}\n`;
  const s0 = record({ kind: 'start', id: 'a', rig: 'rig1', at: '2026-12-07T08:00:00.000Z', modality: 'tms', config: { name: 'c', sha256: SHA }, planned: { pulses: 600, charge_mC: null } });
  const p0 = record({ kind: 'progress', id: 'a', at: '2026-12-07T08:01:00.000Z', pulses: 100, charge_mC: 0, onTime_s: 60 });
  const e0 = record({ kind: 'end', id: 'a', at: '2026-12-07T08:04:00.000Z', duration_s: 240, pulses: 600, charge_mC: 0, onTime_s: 189, outcome: 'completed', markers: [] });
  const ledgerWith = (text: string): string => {
    const path = freshLedger();
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    return path;
  };

  it('a malformed line in the middle', () => {
    const path = ledgerWith(s0 + '{"v":1,"kind":"progress","id":"a","at":"2026-12-07T08:01:0\n' + e0);
    expect(() => readCourseLedger(path)).toThrow(InputError);
    expect(() => readCourseLedger(path)).toThrow(`${path}:2: malformed course ledger record (not a JSON object (cut short?)); only the last line may be torn`);
  });

  it('a record that parses but breaks the format in the middle (negative pulses), and an empty line', () => {
    expect(() => readCourseLedger(ledgerWith(s0 + p0.replace('"pulses":100', '"pulses":-1') + e0))).toThrow(/:2: malformed course ledger record \(pulses: must be >= 0\)/);
    expect(() => readCourseLedger(ledgerWith(s0 + '\n' + e0))).toThrow(/:2: malformed course ledger record \(an empty line\)/);
  });

  it('progress without a start, a second start, anything after the end, a newer version', () => {
    expect(() => readCourseLedger(ledgerWith(p0 + s0))).toThrow(/:1: progress of session a, which has no start record before it/);
    expect(() => readCourseLedger(ledgerWith(s0 + p0 + s0))).toThrow(/:3: session a starts again \(it started on line 1\)/);
    expect(() => readCourseLedger(ledgerWith(s0 + e0 + p0))).toThrow(/:3: progress of session a after its end \(line 2\)/);
    expect(() => readCourseLedger(ledgerWith(s0 + record({ v: 2, kind: 'start', id: 'z' })))).toThrow(/:2: record version 2: written by a newer neuroloop \(this one reads version 1\)/);
  });

  it('a torn record must follow a torn line', () => {
    expect(() => readCourseLedger(ledgerWith(s0 + record({ kind: 'torn', at: '2026-12-07T09:00:00.000Z', line: 1, bytes: 10 })))).toThrow(/:2: a torn record for line 1, which is not a torn line/);
  });

  it('a session start refuses to append to a damaged ledger', async () => {
    const path = ledgerWith(s0 + 'garbage\n' + e0);
    await expect(beginCourseSession(path, start('2026-12-07T09:00:00Z'))).rejects.toThrow(`${path}:2:`);
    expect(readFileSync(path, 'utf8')).toBe(s0 + 'garbage\n' + e0);
  });
});

describe('rig lock: one session at a time on a rig', () => {
  const lockFor = (): string => courseLockPath(freshLedger());
  const tempsLeft = (path: string): string[] => readdirSync(dirname(path)).filter((f) => f !== 'course.ndjson.lock');

  it('is taken and released; the lock names this process; no temporary file is left', () => {
    const path = lockFor();
    const lock = acquireRigLock(path);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid });
    expect(lock.tookOver).toBeNull();
    expect(tempsLeft(path)).toEqual([]);
    expect(() => acquireRigLock(path)).toThrow(`rig lock ${path} is already held by this process (${process.pid}`);
    lock.release();
    expect(existsSync(path)).toBe(false);
    lock.release();
    acquireRigLock(path).release();
  });

  it('held by another live process (a real one holding it): refused, naming its pid and the lock path; taken over once it is killed', async () => {
    const path = lockFor();
    const holder = await childHoldingLock(path);
    try {
      let error: unknown;
      try {
        acquireRigLock(path);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(RigLockedError);
      expect((error as RigLockedError).message).toMatch(new RegExp(`^rig lock ${escape(path)} is held by process ${holder.pid} \\(since .*\\): another session is running on this rig`));
      expect((error as RigLockedError).holder?.pid).toBe(holder.pid);
    } finally {
      holder.kill('SIGKILL');
      await new Promise((resolve) => holder.once('exit', resolve));
    }
    // SIGKILL: the child could not release it; its pid is gone, so the lock is stale.
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: holder.pid });
    const lock = acquireRigLock(path);
    expect(lock.tookOver).toMatch(new RegExp(`^the stale lock of process ${holder.pid} .*process ${holder.pid} is not running\\) was removed$`));
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid });
    expect(tempsLeft(path)).toEqual([]);
    lock.release();
  });

  it('a lock from before the last reboot is stale even if its pid runs again; one from another host is never judged', () => {
    const path = lockFor();
    const other = (o: Partial<LockSystem>): LockSystem => ({ ...processLockSystem, pid: 4242, isAlive: () => true, ...o });
    const old = acquireRigLock(path, other({ bootId: 'boot-before' }));
    const now = acquireRigLock(path, { ...processLockSystem, bootId: 'boot-now', isAlive: () => true });
    expect(now.tookOver).toContain('taken before the last reboot');
    old.release(); // not its lock any more: must leave the new one alone
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid, bootId: 'boot-now' });
    now.release();

    acquireRigLock(path, other({ host: 'elsewhere', isAlive: () => false }));
    expect(() => acquireRigLock(path, { ...processLockSystem, isAlive: () => false })).toThrow(/is held by process 4242 on host elsewhere/);
  });

  it('a lock file that cannot be read is held, with what to do', () => {
    const path = lockFor();
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, '');
    expect(() => acquireRigLock(path)).toThrow(new RegExp(`^rig lock ${escape(path)} exists but cannot be read .*remove the file and start again$`));
    expect(statSync(path).size).toBe(0);
  });
});

/** A separate node process that takes the lock and waits (stdin open) until killed. */
function childHoldingLock(path: string): Promise<ChildProcess> {
  const module = fileURLToPath(new URL('../../drivers/rigLock.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', `const m = await import(${JSON.stringify(module)}); m.acquireRigLock(${JSON.stringify(path)}); console.log('locked'); setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      if (d.includes('locked')) resolve(child);
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`lock holder exited early (${code})`)));
  });
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
