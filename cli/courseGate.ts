import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import { checkCourseLimits, type PlannedDose } from '../controller/courseLimits.js';
import { beginCourseSession, type CourseSessionEntry, courseLedgerPath, readCourseLedger, type SessionOutcome } from '../drivers/courseLedger.js';
import { InputError } from '../drivers/inputError.js';
import { acquireRigLock, courseLockPath, type RigLock, RigLockedError, RigLockError } from '../drivers/rigLock.js';

/** How often a running session writes its dose so far to the ledger: a crash loses at most this much. */
export const COURSE_PROGRESS_EVERY_MS = 60_000;

/** The dose a session has delivered so far, as the ledger counts it. */
export interface CourseDoseSoFar {
  readonly pulses: number;
  readonly charge_mC: number;
  readonly onTime_s: number;
}

/** Where the rig's course ledger is: rig.courseLedger (relative to the config file) or the per-user default. */
export function ledgerPathOf(config: Config, configDir: string): string {
  const own = config.rig.courseLedger;
  if (own === undefined) return courseLedgerPath(config.rig.id);
  return isAbsolute(own) ? own : resolve(configDir, own);
}

/**
 * The most a session of this config can deliver, for the course check: a pulse pattern's
 * total (capped by limits.pulses.maxPerSession), 0 pulses without a pulse modality; the
 * session's charge budget (limits.dose.maxCharge_mC, or limits.current.maxCharge_mC for
 * tdcs and tacs), 0 when the amplitude limit is 0 (no current at all), else unbounded (null: refused where a daily charge limit is set, since
 * nothing bounds what this session could add).
 */
export function plannedDose(config: Config): PlannedDose {
  const pulseCap = config.limits.pulses?.maxPerSession ?? 0;
  const schedule = config.pulses?.schedule;
  // A pattern has its total; a closed-loop schedule (phase-locked) may ask for up to the session's cap.
  const pulses = schedule === undefined ? 0 : schedule.kind === 'pattern' ? Math.min(schedule.total, pulseCap) : pulseCap;
  // A continuous current (tdcs, tacs) has its session charge limit in limits.current; a pulsed one in limits.dose.
  const budgets = [config.limits.dose.maxCharge_mC, config.limits.current?.maxCharge_mC].filter((c): c is number => c !== undefined);
  const charge_mC = config.limits.amplitude_mA.max === 0 ? 0 : budgets.length > 0 ? Math.min(...budgets) : null;
  return { pulses, charge_mC };
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
    let lock: RigLock;
    try {
      lock = acquireRigLock(courseLockPath(path));
    } catch (error) {
      if (error instanceof RigLockedError || error instanceof RigLockError) throw new InputError(`limits.course: ${error.message}`);
      throw error;
    }
    try {
      const ledger = readCourseLedger(path);
      for (const warning of ledger.warnings) process.stderr.write(`neuroloop: ${warning}\n`);
      const planned = plannedDose(config);
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

  /** Every minute, the dose so far (a crash loses at most a minute of it). */
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
