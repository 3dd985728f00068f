import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { z } from 'zod';
import type { PastSession } from '../controller/courseLimits.js';
import { formatIssues } from '../config/problems.js';
import { InputError } from './inputError.js';
import { OutputWriteError } from './outputWriteError.js';

/**
 * The course ledger of one rig: every session that started on it, as an append-only NDJSON
 * file (docs/design.md, Modalities), read before a session starts to check limits.course
 * (controller/courseLimits.ts) and shown by `neuroloop course` (cli/courseTable.ts).
 *
 * Records, one JSON object per line, each with `v` (the record format version, 1) and `kind`:
 * - `start`: id, rig, at (ISO UTC), modality, config {name, sha256}, planned {pulses, charge_mC}
 *   (null: not bounded). Written before the session may stimulate.
 * - `progress`: id, at, cumulative pulses, charge_mC, onTime_s: appended every so often (a
 *   minute) by a running session, so a crash leaves at most that much unrecorded (the limits
 *   count a session without an end as having delivered its whole plan: controller/courseLimits.ts).
 * - `end`: id, at, duration_s, pulses, charge_mC, onTime_s, outcome (completed | stopped |
 *   estop | fault | error), markers (their texts).
 * - `torn`: line, bytes: written by the next session that finds the last line torn, so the
 *   torn line stays in the file (history is never rewritten) and is known to be one.
 *
 * Crash safety: each append is one write of whole lines on a file opened O_APPEND,
 * followed by fsync (the directory is fsynced when the file is created), so a crash or a
 * power loss leaves at most the last line torn (cut short, or zeros where ext4 had not yet
 * written the data). Reading reports a torn LAST line as a warning; a malformed line
 * anywhere else refuses the whole ledger, naming the file and line, because a ledger that
 * was damaged or edited can no longer vouch for the dose: someone has to look at it.
 *
 * One writer at a time: take the rig lock (drivers/rigLock.ts, acquireRigLock) before
 * reading the ledger for the limits check and hold it until the session's end is appended;
 * then the check and the session are one step that no other session can enter.
 */

export const COURSE_LEDGER_VERSION = 1;

export const SESSION_OUTCOMES = ['completed', 'stopped', 'estop', 'fault', 'error'] as const;
export type SessionOutcome = (typeof SESSION_OUTCOMES)[number];

/** `<base>/<rig>/course.ndjson`; the rig id is checked so that it is one safe path component. */
export function courseLedgerPath(rig: string, env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(rig)) throw new InputError(`rig id ${JSON.stringify(rig)}: must be 1 to 64 letters, digits, "-" or "_" (it names the course ledger's folder)`);
  return join(courseStateDir(env, home), rig, 'course.ndjson');
}

/**
 * Where the ledgers live: $STATE_DIRECTORY (systemd's StateDirectory=, /var/lib/neuroloop
 * for deploy/neuroloop.service, whose ProtectHome hides the home folder), else
 * $XDG_STATE_HOME/neuroloop, else ~/.local/state/neuroloop (XDG Base Directory: state that
 * should survive restarts but is not worth backing up as documents; relative values are
 * ignored as the spec says).
 */
export function courseStateDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const systemd = env.STATE_DIRECTORY?.split(':')[0];
  if (systemd !== undefined && isAbsolute(systemd)) return systemd;
  const xdg = env.XDG_STATE_HOME;
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, 'neuroloop');
  return join(home, '.local', 'state', 'neuroloop');
}

// --- Records -----------------------------------------------------------------------------

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const isoUtc = z.string().refine((s) => ISO_UTC.test(s) && Number.isFinite(Date.parse(s)), 'must be a UTC time like 2026-12-07T09:12:03.000Z');
const version = z.literal(COURSE_LEDGER_VERSION);
const id = z.string().min(1).max(200);
const dose = {
  pulses: z.number().int('must be a whole number').min(0),
  charge_mC: z.number().finite().min(0),
  onTime_s: z.number().finite().min(0),
};

const startRecord = z.strictObject({
  v: version,
  kind: z.literal('start'),
  id,
  rig: z.string().min(1).max(64),
  at: isoUtc,
  modality: z.string().min(1).max(64),
  config: z.strictObject({ name: z.string().max(1000), sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits') }),
  planned: z.strictObject({ pulses: z.number().int('must be a whole number').min(0).nullable(), charge_mC: z.number().finite().min(0).nullable() }),
});
const progressRecord = z.strictObject({ v: version, kind: z.literal('progress'), id, at: isoUtc, ...dose });
const endRecord = z.strictObject({
  v: version,
  kind: z.literal('end'),
  id,
  at: isoUtc,
  duration_s: z.number().finite().min(0),
  ...dose,
  outcome: z.enum(SESSION_OUTCOMES),
  markers: z.array(z.string()),
});
const tornRecord = z.strictObject({ v: version, kind: z.literal('torn'), at: isoUtc, line: z.number().int().min(1), bytes: z.number().int().min(0) });
const ledgerRecord = z.discriminatedUnion('kind', [startRecord, progressRecord, endRecord, tornRecord]);

export type CourseStartRecord = z.output<typeof startRecord>;
export type CourseProgressRecord = z.output<typeof progressRecord>;
export type CourseEndRecord = z.output<typeof endRecord>;
export type CourseLedgerRecord = z.output<typeof ledgerRecord>;

// --- Reading -----------------------------------------------------------------------------

/** A session as the ledger knows it: start + last progress + end, merged by id. */
export interface CourseLedgerSession extends PastSession {
  readonly id: string;
  readonly rig: string;
  readonly modality: string;
  readonly config: { readonly name: string; readonly sha256: string };
  readonly planned: { readonly pulses: number | null; readonly charge_mC: number | null };
  /** ISO UTC, as recorded. */
  readonly start: string;
  readonly start_ms: number;
  /** The end record's time; null: no end was recorded (a crash, or the session is running). */
  readonly end: string | null;
  /** The end, else the last progress record, else the start. */
  readonly end_ms: number;
  readonly ended: boolean;
  /** The end record's duration, else from the start to the last known time. */
  readonly duration_s: number;
  readonly pulses: number;
  readonly charge_mC: number;
  readonly onTime_s: number;
  readonly outcome: SessionOutcome | null;
  readonly markers: readonly string[];
  /** The line of its start record. */
  readonly line: number;
}

export interface CourseLedgerContents {
  readonly path: string;
  /** false: there is no ledger yet (no session ever started with it). */
  readonly exists: boolean;
  /** In the order their start records were written. */
  readonly sessions: readonly CourseLedgerSession[];
  /** Torn lines tolerated (each names the file and line). */
  readonly warnings: readonly string[];
}

/**
 * Reads and merges the ledger. A missing file is an empty ledger. Refuses (InputError
 * naming file:line) a malformed line that is not the last one and not acknowledged by a
 * `torn` record, a record of a version this program does not read, a progress or end
 * record without its start, a second start of an id and anything after a session's end.
 */
export function readCourseLedger(path: string): CourseLedgerContents {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { path, exists: false, sessions: [], warnings: [] };
    throw new InputError(`${path}: cannot read the course ledger (${code ?? String(error)})`);
  }
  const parsed = parseLedger(path, bytes);
  return { path, exists: true, sessions: parsed.sessions, warnings: parsed.warnings };
}

interface ParsedLedger {
  sessions: CourseLedgerSession[];
  warnings: string[];
  /** The last line, if torn and not yet acknowledged: its number and length in bytes. */
  tornLast: { line: number; bytes: number } | null;
  /** Whether the file ends with a newline (an empty file does). */
  endsWithNewline: boolean;
}

type LineResult = { ok: true; record: CourseLedgerRecord } | { ok: false; reason: string; bytes: number } | { ok: 'newer'; v: number };

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseLine(bytes: Uint8Array): LineResult {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, reason: 'not UTF-8 text', bytes: bytes.length };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: text.trim() === '' ? 'an empty line' : 'not a JSON object (cut short?)', bytes: bytes.length };
  }
  if (typeof json === 'object' && json !== null && 'v' in json && typeof json.v === 'number' && json.v > COURSE_LEDGER_VERSION) {
    // Not torn: written by a newer program. Refused wherever it is, even last.
    return { ok: 'newer', v: json.v };
  }
  const result = ledgerRecord.safeParse(json);
  if (!result.success) return { ok: false, reason: formatIssues(result.error.issues).join('; '), bytes: bytes.length };
  return { ok: true, record: result.data };
}

function splitLines(bytes: Buffer): { lines: Buffer[]; endsWithNewline: boolean } {
  const lines: Buffer[] = [];
  let from = 0;
  for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, from)) {
    lines.push(bytes.subarray(from, i));
    from = i + 1;
  }
  if (from < bytes.length) lines.push(bytes.subarray(from));
  return { lines, endsWithNewline: from === bytes.length };
}

interface Building {
  start: CourseStartRecord;
  line: number;
  lastAt: string;
  dose: { pulses: number; charge_mC: number; onTime_s: number };
  end: CourseEndRecord | null;
  endLine: number;
}

function parseLedger(path: string, bytes: Buffer): ParsedLedger {
  const { lines, endsWithNewline } = splitLines(bytes);
  const results = lines.map(parseLine);
  const warnings: string[] = [];
  const byId = new Map<string, Building>();
  const order: Building[] = [];
  let tornLast: ParsedLedger['tornLast'] = null;
  const fail = (n: number, what: string): never => {
    throw new InputError(`${path}:${n}: ${what}`);
  };

  for (let i = 0; i < results.length; i++) {
    const n = i + 1;
    const r = results[i];
    if (r.ok === 'newer') fail(n, `record version ${r.v}: written by a newer neuroloop (this one reads version ${COURSE_LEDGER_VERSION})`);
    if (r.ok === false) {
      const next = results[i + 1];
      const acknowledged = next !== undefined && next.ok === true && next.record.kind === 'torn' && next.record.line === n;
      if (acknowledged) {
        warnings.push(`${path}:${n}: a torn line (${r.bytes} bytes, ${r.reason}) left by a crash or power loss; ignored (acknowledged on line ${n + 1})`);
        continue;
      }
      if (i === results.length - 1) {
        warnings.push(`${path}:${n}: the last line is torn (${r.bytes} bytes, ${r.reason}): a write cut short by a crash or power loss; ignored`);
        tornLast = { line: n, bytes: r.bytes };
        continue;
      }
      fail(n, `malformed course ledger record (${r.reason}); only the last line may be torn: the ledger was damaged or edited, check it by hand`);
    }
    if (r.ok !== true) continue;
    const rec = r.record;
    switch (rec.kind) {
      case 'torn': {
        const before = results[i - 1];
        if (before === undefined || before.ok !== false) fail(n, `a torn record for line ${rec.line}, which is not a torn line`);
        if (rec.line !== n - 1) fail(n, `a torn record for line ${rec.line}; it must follow the torn line (${n - 1})`);
        break;
      }
      case 'start': {
        const seen = byId.get(rec.id);
        if (seen !== undefined) fail(n, `session ${rec.id} starts again (it started on line ${seen.line})`);
        const b: Building = { start: rec, line: n, lastAt: rec.at, dose: { pulses: 0, charge_mC: 0, onTime_s: 0 }, end: null, endLine: 0 };
        byId.set(rec.id, b);
        order.push(b);
        break;
      }
      case 'progress':
      case 'end': {
        const b = byId.get(rec.id);
        if (b === undefined) fail(n, `${rec.kind} of session ${rec.id}, which has no start record before it`);
        else {
          if (b.end !== null) fail(n, `${rec.kind} of session ${rec.id} after its end (line ${b.endLine})`);
          b.lastAt = rec.at;
          b.dose = { pulses: rec.pulses, charge_mC: rec.charge_mC, onTime_s: rec.onTime_s };
          if (rec.kind === 'end') {
            b.end = rec;
            b.endLine = n;
          }
        }
        break;
      }
    }
  }

  const sessions = order.map((b): CourseLedgerSession => {
    const start_ms = Date.parse(b.start.at);
    const end_ms = Date.parse(b.lastAt);
    return {
      id: b.start.id,
      rig: b.start.rig,
      modality: b.start.modality,
      config: b.start.config,
      planned: b.start.planned,
      start: b.start.at,
      start_ms,
      end: b.end === null ? null : b.end.at,
      end_ms,
      ended: b.end !== null,
      duration_s: b.end === null ? Math.max(0, end_ms - start_ms) / 1000 : b.end.duration_s,
      ...b.dose,
      outcome: b.end === null ? null : b.end.outcome,
      markers: b.end === null ? [] : b.end.markers,
      line: b.line,
    };
  });
  return { sessions, warnings, tornLast, endsWithNewline };
}

// --- Writing -----------------------------------------------------------------------------

export interface CourseSessionStart {
  /** Default: a random UUID. */
  readonly id?: string;
  readonly rig: string;
  readonly at: Date;
  /** e.g. tms, ttl, tdcs, dbs: what the rig delivers in this session. */
  readonly modality: string;
  readonly config: { readonly name: string; readonly sha256: string };
  /** What the session will at most deliver; null: not bounded. */
  readonly planned: { readonly pulses: number | null; readonly charge_mC: number | null };
}

/** Cumulative dose of the session so far. */
export interface CourseDose {
  readonly pulses: number;
  readonly charge_mC: number;
  readonly onTime_s: number;
}

export interface CourseSessionEnd extends CourseDose {
  readonly at: Date;
  /** The session's own duration; default: from the start record's time to `at`. */
  readonly duration_s?: number;
  readonly outcome: SessionOutcome;
  readonly markers: readonly string[];
}

/**
 * Appends the start record of a new session (first a `torn` record if the last line is
 * torn), creating the file (and its folders, fsynced) if there is none. Refuses a damaged
 * ledger and an id already in it. The caller holds the rig lock.
 */
export async function beginCourseSession(path: string, start: CourseSessionStart): Promise<CourseSessionEntry> {
  const record: CourseStartRecord = {
    v: COURSE_LEDGER_VERSION,
    kind: 'start',
    id: start.id ?? randomUUID(),
    rig: start.rig,
    at: isoText(start.at),
    modality: start.modality,
    config: { name: start.config.name, sha256: start.config.sha256 },
    planned: { pulses: start.planned.pulses, charge_mC: start.planned.charge_mC },
  };
  checkRecord(path, record);
  createLedgerFile(path);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new OutputWriteError(`${path}: cannot read the course ledger back (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const ledger = parseLedger(path, bytes);
  const clash = ledger.sessions.find((s) => s.id === record.id);
  if (clash !== undefined) throw new InputError(`${path}: session id ${record.id} is already in the course ledger (line ${clash.line})`);
  let text = bytes.length > 0 && !ledger.endsWithNewline ? '\n' : '';
  if (ledger.tornLast !== null) text += line({ v: COURSE_LEDGER_VERSION, kind: 'torn', at: isoText(start.at), line: ledger.tornLast.line, bytes: ledger.tornLast.bytes });
  text += line(record);
  await appendDurably(path, text);
  return new CourseSessionEntry(path, record);
}

/**
 * The ledger side of one running session: progress and end records, appended in the order
 * asked (each waits for the one before), each on disk before its promise resolves.
 */
export class CourseSessionEntry {
  private queue: Promise<void> = Promise.resolve();
  private endAsked = false;

  constructor(
    readonly path: string,
    readonly startRecord: CourseStartRecord,
  ) {}

  get id(): string {
    return this.startRecord.id;
  }

  get ended(): boolean {
    return this.endAsked;
  }

  /** The dose so far (cumulative). Refused after end. */
  progress(dose: CourseDose, at: Date): Promise<void> {
    if (this.endAsked) return Promise.reject(new Error(`course session ${this.id}: progress after its end`));
    const record: CourseProgressRecord = { v: COURSE_LEDGER_VERSION, kind: 'progress', id: this.id, at: isoText(at), pulses: dose.pulses, charge_mC: dose.charge_mC, onTime_s: dose.onTime_s };
    return this.append(record);
  }

  /** The end record; once only. */
  end(end: CourseSessionEnd): Promise<void> {
    if (this.endAsked) return Promise.reject(new Error(`course session ${this.id}: ended twice`));
    this.endAsked = true;
    const duration_s = end.duration_s ?? Math.max(0, end.at.getTime() - Date.parse(this.startRecord.at)) / 1000;
    const record: CourseEndRecord = {
      v: COURSE_LEDGER_VERSION,
      kind: 'end',
      id: this.id,
      at: isoText(end.at),
      duration_s,
      pulses: end.pulses,
      charge_mC: end.charge_mC,
      onTime_s: end.onTime_s,
      outcome: end.outcome,
      markers: [...end.markers],
    };
    return this.append(record);
  }

  private append(record: CourseLedgerRecord): Promise<void> {
    try {
      checkRecord(this.path, record);
    } catch (error) {
      return Promise.reject(error);
    }
    const done = this.queue.then(() => appendDurably(this.path, line(record)));
    // A failed append (a full disk) is reported to its caller; the next one still tries.
    this.queue = done.catch(() => undefined);
    return done;
  }
}

/** A record as the reader would see it, or a RangeError naming the field: never write what could not be read back. */
function checkRecord(path: string, record: CourseLedgerRecord): void {
  const result = ledgerRecord.safeParse(record);
  if (!result.success) throw new RangeError(`${path}: ${record.kind} record not written: ${formatIssues(result.error.issues).join('; ')}`);
}

function line(record: CourseLedgerRecord): string {
  return `${JSON.stringify(record)}\n`;
}

function isoText(at: Date): string {
  if (!Number.isFinite(at.getTime())) throw new RangeError(`not a valid time: ${String(at)}`);
  return at.toISOString();
}

/**
 * The ledger file, created empty if missing; a new file's folder (and every folder created
 * for it) is fsynced, so the file's name survives a power loss with its first record.
 */
function createLedgerFile(path: string): void {
  const dir = dirname(path);
  let firstCreated: string | undefined;
  try {
    firstCreated = mkdirSync(dir, { recursive: true, mode: 0o750 });
  } catch (error) {
    throw new OutputWriteError(`${path}: cannot create the course ledger's folder (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o640);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw new OutputWriteError(`${path}: cannot create the course ledger (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  // The file's folder, then each folder created on the way up to the one that existed.
  const stopAt = firstCreated === undefined ? dir : dirname(firstCreated);
  for (let d = dir; ; d = dirname(d)) {
    fsyncDirectory(d);
    if (d === stopAt || dirname(d) === d) break;
  }
}

function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * One append of whole lines (O_APPEND: at the end whatever happened before), every byte
 * (a short write is continued), then fsync before resolving. Off the event loop (fsync on
 * an SD card can take tens of ms). Failures name the file.
 */
async function appendDurably(path: string, text: string): Promise<void> {
  const bytes = Buffer.from(text, 'utf8');
  let handle;
  try {
    handle = await open(path, 'a', 0o640);
  } catch (error) {
    throw new OutputWriteError(`${path}: cannot open the course ledger to append (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  try {
    let offset = 0;
    while (offset < bytes.length) {
      const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
      if (bytesWritten <= 0) throw Object.assign(new Error('no space left on device (a write took no bytes)'), { code: 'ENOSPC' });
      offset += bytesWritten;
    }
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new OutputWriteError(`${path}: the course ledger could not be written (${code === 'ENOSPC' ? 'no space left on the device' : (code ?? String(error))})`);
  } finally {
    await handle.close().catch(() => undefined);
  }
}
