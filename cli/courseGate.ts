import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { coursePlan } from '../config/coursePlan.js';
import type { Config } from '../config/schema.js';
import { checkCourseLimits, UNENDED_SESSION_GRACE_MS } from '../controller/courseLimits.js';
import { beginCourseSession, type CourseSessionEntry, courseLedgerPath, readCourseLedger, type SessionOutcome } from '../drivers/courseLedger.js';
import { InputError } from '../drivers/inputError.js';
import { acquireRigLock, courseLockPath, type RigLock, RigLockedError, RigLockError } from '../drivers/rigLock.js';

/**
 * How often a running session writes its dose so far to the ledger: a crash leaves at most
 * this much unrecorded, which is why the limits count a session without an end record as
 * running this long past its last record (with its whole planned dose).
 */
export const COURSE_PROGRESS_EVERY_MS = UNENDED_SESSION_GRACE_MS;

/** The dose a session has delivered so far, as the ledger counts it. */
export interface CourseDoseSoFar {
  readonly pulses: number;
  readonly charge_mC: number;
  readonly onTime_s: number;
}

/**
 * The config with rig.courseLedger made absolute (relative to the config file): what a
 * session records in its config.yaml, so that running the recorded config counts against
 * the same ledger, not a new one beside the recording.
 */
export function withAbsoluteLedger(config: Config, configDir: string): Config {
  const own = config.rig.courseLedger;
  if (own === undefined || isAbsolute(own)) return config;
  return { ...config, rig: { ...config.rig, courseLedger: resolve(configDir, own) } };
}

/** Where the rig's course ledger is: rig.courseLedger (relative to the config file) or the per-user default. */
export function ledgerPathOf(config: Config, configDir: string): string {
  const own = config.rig.courseLedger;
  if (own === undefined) return courseLedgerPath(config.rig.id);
  return isAbsolute(own) ? own : resolve(configDir, own);
}

/**
 * A ledger named by rig.courseLedger must be in a folder that is there (a mistyped path must
 * not start a fresh, empty course) and be a file if it exists. `run` and `course` both ask,
 * so `course` never calls a course fine that `run` would refuse. Throws InputError (exit 2).
 */
export function checkLedgerPlace(config: Config, path: string): void {
  if (config.rig.courseLedger === undefined) return;
  if (!existsSync(dirname(path)) || !statSync(dirname(path)).isDirectory()) throw new InputError(`rig.courseLedger: the folder ${dirname(path)} does not exist; create it first (a new folder would be a new, empty course)`);
  if (existsSync(path) && !statSync(path).isFile()) throw new InputError(`rig.courseLedger: ${path} is not a file`);
}

/** What the rig delivers, for the ledger's rows. */
export function modalityOf(config: Config): string {
  return config.stimulator.modality;
}

/**
 * A live session under course limits (limits.course; docs/design.md, Modalities): the
 * rig's lock is taken (one session per rig at a time), the ledger read and the limits
 * checked before anything is opened; a session the course does not allow never starts
 * (exit 2, with when the next may). Then its start record is on disk before stimulation
 * can begin, its dose every minute, and its end with the outcome.
 */
export class CourseGate {
  private timer: NodeJS.Timeout | null = null;
  private ended = false;

  private constructor(
    private readonly lock: RigLock,
    private readonly entry: CourseSessionEntry,
    readonly ledgerPath: string,
  ) {}

  /** Null without limits.course. Throws InputError (exit 2) when the course refuses the session or another holds the rig. */
  static async open(config: Config, configPath: string, configDir: string, now: Date = new Date()): Promise<CourseGate | null> {
    const limits = config.limits.course;
    if (limits === undefined) return null;
    const path = ledgerPathOf(config, configDir);
    checkLedgerPlace(config, path);
    let lock: RigLock;
    try {
      lock = acquireRigLock(courseLockPath(path));
    } catch (error) {
      if (error instanceof RigLockedError || error instanceof RigLockError) throw new InputError(`limits.course: ${error.message}`);
      throw error;
    }
    try {
      // A ledger that cannot take the start record is the rig's set-up, known before anything starts: exit 2 like a missing folder.
      try {
        accessSync(existsSync(path) ? path : dirname(path), constants.W_OK);
      } catch (error) {
        throw new InputError(`rig.courseLedger: ${existsSync(path) ? path : `the folder ${dirname(path)}`} cannot be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): a session could not be entered in the course; fix its permissions`);
      }
      const ledger = readCourseLedger(path);
      for (const warning of ledger.warnings) process.stderr.write(`neuroloop: ${warning}\n`);
      const planned = coursePlan(config);
      const decision = checkCourseLimits(ledger.sessions, now, limits, planned);
      if (!decision.allowed) throw new InputError(`${decision.message} (course ledger ${path}; neuroloop course --config ${configPath} shows it)`);
      const entry = await beginCourseSession(path, {
        rig: config.rig.id,
        at: now,
        modality: modalityOf(config),
        config: { name: configPath, sha256: createHash('sha256').update(readFileSync(configPath)).digest('hex') },
        planned,
      });
      return new CourseGate(lock, entry, path);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /** Every minute, the dose so far (a crash leaves at most a minute unrecorded). */
  startProgress(dose: () => CourseDoseSoFar, onError: (error: Error) => void): void {
    this.timer = setInterval(() => {
      this.entry.progress(dose(), new Date()).catch(onError);
    }, COURSE_PROGRESS_EVERY_MS);
    this.timer.unref();
  }

  /** The end record, then the lock released. Once. */
  async end(dose: CourseDoseSoFar, outcome: SessionOutcome, duration_s: number, markers: readonly string[] = []): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    if (this.timer !== null) clearInterval(this.timer);
    try {
      await this.entry.end({ at: new Date(), duration_s, outcome, markers, ...dose });
    } finally {
      this.lock.release();
    }
  }
}
