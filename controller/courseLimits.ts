import { COURSE_DAY_MS, COURSE_DAY_TEXT, type CourseLimits } from '../config/courseLimitsSchema.js';

/**
 * The course check (limits.course): may a new session start now, given the sessions already
 * in the rig's course ledger? Pure: no I/O and no clock read, `now` is an argument, so the
 * same ledger and instant always give the same answer (and tests can walk time freely).
 *
 * Decided (docs/design.md, Modalities):
 * - "A day" is a rolling 24 hours (config/courseLimitsSchema.ts says why). A session belongs
 *   to the 24 hours before an instant t if it STARTED after t - 24 h; its whole dose counts
 *   there (the dose of a session is not split across the boundary).
 * - Sessions that started after t (only possible when the clock went back, e.g. a board
 *   without a real-time clock before NTP) count as well: no upper bound on the window. They
 *   also refuse through minInterval_min, whose refusal then says to check the clock.
 * - The interval runs from a session's end to the next start. A session that never ended
 *   (a crash, or one still running if the rig lock was not taken) counts as the most it can
 *   have been: running until one progress interval (UNENDED_SESSION_GRACE_MS, the minute
 *   between a running session's progress records) after its last known time, and having
 *   delivered its whole planned dose, or its last known dose if that is larger. The last
 *   record of a session killed outright (kill -9, power loss) is up to a minute old, and
 *   the minute after it is not known: counting less could let a course pass its limits.
 * - Every limit is monotone in the start time: waiting never turns an allowed start into a
 *   refused one (the interval only grows, sessions only leave the window). So each limit
 *   has an earliest allowed start, and the earliest start that ALL limits allow is the
 *   latest of those; that is `nextAllowedAt`. It is null when no time will do: the planned
 *   session alone is over a daily budget, or a daily budget is set and the session's use of
 *   it is not bounded (null in `planned`).
 * - Times are epoch milliseconds. minInterval_min becomes whole milliseconds rounded UP (a
 *   fraction of a millisecond never loosens a limit); `nextAllowedAt` is rounded up to the
 *   whole millisecond, so it is itself allowed and the millisecond before it is not.
 * - Charge sums are compared with a 1e-9 relative slack, so ten sessions of 0.1 mC fit a
 *   1 mC budget despite binary rounding (1.0000000000000002); pulses are whole and exact.
 */

/** A session in the ledger, as the check needs it. */
export interface PastSession {
  readonly id: string;
  /** Epoch ms. */
  readonly start_ms: number;
  /** Epoch ms: the end, or the last known time of a session that never ended. */
  readonly end_ms: number;
  /** false: no end was recorded (a crash, or still running): end_ms is its last known time. Absent: ended. */
  readonly ended?: boolean;
  /** Delivered (last known for a session that never ended). */
  readonly pulses: number;
  readonly charge_mC: number;
  /** What the session was allowed to deliver at most (its start record's plan): a session that never ended counts with this. */
  readonly planned?: PlannedDose;
}

/**
 * How long after its last known time a session that never ended may still have run: the
 * interval between a running session's progress records in the course ledger.
 */
export const UNENDED_SESSION_GRACE_MS = 60_000;

/** A session as the limits count it: one that never ended runs one grace interval past its last record, with its planned dose if larger. */
export function countedSession(s: PastSession): PastSession {
  if (s.ended !== false) return s;
  return {
    ...s,
    end_ms: s.end_ms + UNENDED_SESSION_GRACE_MS,
    pulses: Math.max(s.pulses, s.planned?.pulses ?? 0),
    charge_mC: Math.max(s.charge_mC, s.planned?.charge_mC ?? 0),
  };
}

/**
 * What the new session will at most use. pulses: a pattern's total or
 * limits.pulses.maxPerSession, 0 without a pulse modality; charge_mC: limits.dose.maxCharge_mC
 * or 0 without a current. null: not bounded (refused if the matching daily limit is set).
 */
export interface PlannedDose {
  readonly pulses: number | null;
  readonly charge_mC: number | null;
}

export type CourseLimitName =
  | 'limits.course.sessionsPerDay'
  | 'limits.course.minInterval_min'
  | 'limits.course.dailyPulses'
  | 'limits.course.dailyCharge_mC';

/** What the limits leave in the 24 hours before `now`, before the new session. null: not limited. */
export interface CourseAllowance {
  readonly sessionsStarted: number;
  readonly sessionsLeft: number;
  readonly pulsesUsed: number;
  readonly pulsesLeft: number | null;
  readonly chargeUsed_mC: number;
  readonly chargeLeft_mC: number | null;
}

/** One limit that refuses the session now. */
export interface CourseRefusal {
  readonly limit: CourseLimitName;
  readonly message: string;
  /** The earliest start this limit alone allows; null: none. */
  readonly allowedFrom: Date | null;
}

export type CourseDecision =
  | { readonly allowed: true; readonly left: CourseAllowance }
  | {
      readonly allowed: false;
      /**
       * The limit that decides when (the one whose own earliest start is latest, or one that
       * never allows); minInterval_min when the ledger holds sessions later than now (check the clock).
       */
      readonly limit: CourseLimitName;
      readonly message: string;
      /** The earliest start every limit allows; null: no time allows this session. */
      readonly nextAllowedAt: Date | null;
      /** Every limit that refuses now, the deciding one first. */
      readonly refusals: readonly CourseRefusal[];
      readonly left: CourseAllowance;
    };

const CHARGE_SLACK = 1e-9;

/** minInterval_min as whole milliseconds, rounded up (a nanosecond of float noise is not a fraction). */
export function minIntervalMs(limits: Pick<CourseLimits, 'minInterval_min'>): number {
  return Math.ceil(limits.minInterval_min * 60_000 - 1e-6);
}

/**
 * Whether a session that will at most use `planned` may start at `now`, and if not, which
 * limit refuses, why, and the earliest time all limits allow it.
 */
export function checkCourseLimits(ledgerSessions: readonly PastSession[], now: Date | number, limits: CourseLimits, planned: PlannedDose): CourseDecision {
  const now_ms = epochMs(now);
  checkPlanned(planned);
  for (const s of ledgerSessions) {
    if (!Number.isFinite(s.start_ms) || !Number.isFinite(s.end_ms)) throw new RangeError(`course session ${s.id}: start and end must be finite epoch ms`);
  }
  const sessions = ledgerSessions.map(countedSession);
  const rules: Rule[] = [sessionsPerDayRule(sessions, limits), minIntervalRule(sessions, limits)];
  if (limits.dailyPulses !== undefined) rules.push(dailyRule(sessions, 'pulses', limits.dailyPulses, planned.pulses));
  if (limits.dailyCharge_mC !== undefined) rules.push(dailyRule(sessions, 'charge', limits.dailyCharge_mC, planned.charge_mC));
  const left = courseAllowance(ledgerSessions, now_ms, limits);

  const refusing = rules.filter((r) => r.allowedFrom_ms === null || now_ms < r.allowedFrom_ms);
  if (refusing.length === 0) return { allowed: true, left };
  // The deciding limit: one that never allows, else the one that allows last; but when the
  // ledger holds sessions later than now, the clock is the first thing to look at, and the
  // interval's refusal is the one that says so.
  const clockBehind = ledgerSessions.some((s) => Math.max(s.start_ms, s.end_ms) > now_ms);
  const ordered = [...refusing].sort(byLatestFirst);
  if (clockBehind) ordered.sort((a, b) => Number(b.limit === 'limits.course.minInterval_min') - Number(a.limit === 'limits.course.minInterval_min'));
  const never = rules.some((r) => r.allowedFrom_ms === null);
  const next_ms = never ? null : Math.ceil(Math.max(...rules.map((r) => r.allowedFrom_ms ?? Number.NEGATIVE_INFINITY)));
  const refusals = ordered.map((r) => ({ limit: r.limit, message: r.message(now_ms), allowedFrom: r.allowedFrom_ms === null ? null : new Date(Math.ceil(r.allowedFrom_ms)) }));
  // (A session later than now also counts in the daily limits: the window has no upper end,
  // which keeps every limit monotone in time; such a ledger is refused by the interval anyway.)
  const first = refusals[0];
  const others = refusals.slice(1).map((r) => `${r.limit} ${r.allowedFrom === null ? 'never allows it' : `until ${utcText(r.allowedFrom.getTime(), 'up')}`}`);
  return {
    allowed: false,
    limit: first.limit,
    message: others.length === 0 ? first.message : `${first.message} (also refused now by ${others.join(', ')})`,
    nextAllowedAt: next_ms === null ? null : new Date(next_ms),
    refusals,
    left,
  };
}

/** What the limits leave in the 24 hours before `now` (sessions started after now - 24 h), before any new session. */
export function courseAllowance(sessions: readonly PastSession[], now: Date | number, limits: CourseLimits): CourseAllowance {
  const now_ms = epochMs(now);
  const inDay = sessions.map(countedSession).filter((s) => s.start_ms > now_ms - COURSE_DAY_MS);
  const pulsesUsed = inDay.reduce((sum, s) => sum + s.pulses, 0);
  const chargeUsed_mC = inDay.reduce((sum, s) => sum + s.charge_mC, 0);
  return {
    sessionsStarted: inDay.length,
    sessionsLeft: Math.max(0, limits.sessionsPerDay - inDay.length),
    pulsesUsed,
    pulsesLeft: limits.dailyPulses === undefined ? null : Math.max(0, limits.dailyPulses - pulsesUsed),
    chargeUsed_mC,
    chargeLeft_mC: limits.dailyCharge_mC === undefined ? null : Math.max(0, limits.dailyCharge_mC - chargeUsed_mC),
  };
}

/** One limit: the earliest start it allows (-Infinity: any; null: none) and its refusal text at `now`. */
interface Rule {
  readonly limit: CourseLimitName;
  readonly allowedFrom_ms: number | null;
  readonly message: (now_ms: number) => string;
}

const rank = (t: number | null): number => (t === null ? Number.POSITIVE_INFINITY : t);
const byLatestFirst = (a: Rule, b: Rule): number => (rank(a.allowedFrom_ms) === rank(b.allowedFrom_ms) ? 0 : rank(a.allowedFrom_ms) > rank(b.allowedFrom_ms) ? -1 : 1);

function sessionsPerDayRule(sessions: readonly PastSession[], limits: CourseLimits): Rule {
  const limit = 'limits.course.sessionsPerDay';
  const max = limits.sessionsPerDay;
  // The new session needs fewer than `max` sessions started after s - 24 h: s must be at
  // least 24 h after the max-th most recent start.
  const starts = sessions.map((s) => s.start_ms).sort((a, b) => b - a);
  if (starts.length < max) return { limit, allowedFrom_ms: Number.NEGATIVE_INFINITY, message: () => '' };
  const pivot = starts[max - 1];
  const from = pivot + COURSE_DAY_MS;
  return {
    limit,
    allowedFrom_ms: from,
    message: (now_ms) => {
      const started = starts.filter((t) => t > now_ms - COURSE_DAY_MS).length;
      return (
        `${limit}: ${started} session${started === 1 ? '' : 's'} started in the last 24 hours; at most ${max} may start in ${COURSE_DAY_TEXT}: ` +
        `${nextText(from, now_ms)}, 24 hours after the session that started ${utcText(pivot)}`
      );
    },
  };
}

function minIntervalRule(sessions: readonly PastSession[], limits: CourseLimits): Rule {
  const limit = 'limits.course.minInterval_min';
  if (sessions.length === 0) return { limit, allowedFrom_ms: Number.NEGATIVE_INFINITY, message: () => '' };
  // A session's latest instant: its end, or its start if the clock stepped back during it.
  const last = sessions.reduce((a, b) => (Math.max(b.start_ms, b.end_ms) > Math.max(a.start_ms, a.end_ms) ? b : a));
  const lastEnd_ms = Math.max(last.start_ms, last.end_ms);
  const from = lastEnd_ms + minIntervalMs(limits);
  return {
    limit,
    allowedFrom_ms: from,
    message: (now_ms) => {
      const gap = `at least ${limits.minInterval_min} min must pass between the end of a session and the next start`;
      const lastKnown_ms = last.ended === false ? lastEnd_ms - UNENDED_SESSION_GRACE_MS : lastEnd_ms;
      if (lastKnown_ms > now_ms) {
        return `${limit}: the last session ended ${utcText(lastKnown_ms)}, which is after now (${utcText(now_ms)}): is this machine's clock right? ${gap}: ${nextText(from, now_ms)}`;
      }
      const ended =
        last.ended === false
          ? `has no end recorded (a crash?); it was last known running ${utcText(lastKnown_ms)} and counts as running until ${utcText(lastEnd_ms)}`
          : `ended ${utcText(lastEnd_ms)}`;
      return `${limit}: the last session ${ended}, ${spanText(now_ms - lastKnown_ms, 'down')} ago; ${gap}: ${nextText(from, now_ms)}`;
    },
  };
}

function dailyRule(sessions: readonly PastSession[], what: 'pulses' | 'charge', max: number, planned: number | null): Rule {
  const limit = what === 'pulses' ? 'limits.course.dailyPulses' : 'limits.course.dailyCharge_mC';
  const amount = (x: number): string => (what === 'pulses' ? `${x} pulse${x === 1 ? '' : 's'}` : `${roundTo6(x)} mC`);
  const bound = what === 'pulses' ? 'a pattern total or limits.pulses.maxPerSession' : 'limits.dose.maxCharge_mC';
  const of = (s: PastSession): number => (what === 'pulses' ? s.pulses : s.charge_mC);
  const fits = (used: number): boolean => (what === 'pulses' ? used <= max : used <= max * (1 + CHARGE_SLACK));
  if (planned === null) {
    return { limit, allowedFrom_ms: null, message: () => `${limit}: the session's ${what} are not bounded, so the daily limit cannot be kept: give the session a bound (${bound})` };
  }
  if (!fits(planned)) {
    return { limit, allowedFrom_ms: null, message: () => `${limit}: the session plans ${amount(planned)}, more than the ${amount(max)} allowed in ${COURSE_DAY_TEXT}: no start time allows it` };
  }
  // Oldest first: waiting drops sessions from the window in this order; find how many must
  // leave for the rest plus the planned session to fit.
  const byStart = [...sessions].sort((a, b) => a.start_ms - b.start_ms);
  let inWindow = byStart.reduce((sum, s) => sum + of(s), 0);
  let from = Number.NEGATIVE_INFINITY;
  let pivot: PastSession | null = null;
  for (const s of byStart) {
    if (fits(inWindow + planned)) break;
    inWindow -= of(s);
    from = s.start_ms + COURSE_DAY_MS;
    pivot = s;
  }
  return {
    limit,
    allowedFrom_ms: from,
    message: (now_ms) => {
      const inDay = sessions.filter((s) => s.start_ms > now_ms - COURSE_DAY_MS);
      const used = inDay.reduce((sum, s) => sum + of(s), 0);
      const unended = inDay.some((s) => s.ended === false) ? ' (a session without an end record counts with its whole planned dose: what it may have delivered)' : '';
      return (
        `${limit}: ${amount(used)} in the sessions started in the last 24 hours${unended} + ${amount(planned)} planned would pass the ${amount(max)} allowed in ${COURSE_DAY_TEXT}: ` +
        `${nextText(from, now_ms)}${pivot === null ? '' : `, when the session that started ${utcText(pivot.start_ms)} is 24 hours old`}`
      );
    },
  };
}

function nextText(from_ms: number, now_ms: number): string {
  const next = Math.ceil(from_ms);
  return `the next session may start at ${utcText(next, 'up')} (in ${spanText(next - now_ms, 'up')})`;
}

function roundTo6(x: number): number {
  return Number(x.toPrecision(6));
}

function checkPlanned(planned: PlannedDose): void {
  for (const [name, value] of [['pulses', planned.pulses], ['charge_mC', planned.charge_mC]] as const) {
    if (value !== null && !(Number.isFinite(value) && value >= 0)) throw new RangeError(`planned ${name} must be a finite number >= 0 or null (not bounded), got ${value}`);
  }
}

/** Epoch ms of a Date or a number, refusing NaN and invalid dates. */
export function epochMs(t: Date | number): number {
  const ms = typeof t === 'number' ? t : t.getTime();
  if (!Number.isFinite(ms)) throw new RangeError(`not a valid time: ${String(t)}`);
  return ms;
}

/**
 * "2026-12-07 09:12:03 UTC": whole seconds, rounded down for a time that was, up for a time
 * something may happen (a start shown as 10:02:03 when 10:02:03.400 is the limit would be
 * refused at 10:02:03).
 */
export function utcText(ms: number, round: 'down' | 'up' = 'down'): string {
  const s = round === 'up' ? Math.ceil(ms / 1000) : Math.floor(ms / 1000);
  return `${new Date(s * 1000).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** "45 s", "38 min", "14 h 10 min": whole seconds under a minute, whole minutes above, rounded as asked. */
export function spanText(ms: number, round: 'down' | 'up'): string {
  const r = round === 'up' ? Math.ceil : Math.floor;
  const s = r(Math.max(0, ms) / 1000);
  if (s < 60) return `${s} s`;
  const min = r(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
}
