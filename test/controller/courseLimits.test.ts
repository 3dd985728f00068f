import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { courseLimitsSchema, type CourseLimits } from '../../config/courseLimitsSchema.js';
import { formatIssues } from '../../config/problems.js';
import { checkCourseLimits, courseAllowance, type PastSession, spanText, utcText } from '../../controller/courseLimits.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const at = (iso: string): number => Date.parse(iso);

/** A session starting at `start` (ISO) lasting `minutes`. */
function session(id: string, start: string, minutes: number, dose: { pulses?: number; charge_mC?: number } = {}, ended = true): PastSession {
  const start_ms = at(start);
  return { id, start_ms, end_ms: start_ms + minutes * MIN, ended, pulses: dose.pulses ?? 0, charge_mC: dose.charge_mC ?? 0 };
}

/** SAINT (Cole et al. 2020): 10 sessions a day, 50-min intersession intervals, 1800 pulses each (about 10 min). */
const SAINT: CourseLimits = { sessionsPerDay: 10, minInterval_min: 50, dailyPulses: 18_000 };
const SAINT_PLAN = { pulses: 1800, charge_mC: 0 };

const problems = (value: unknown): string[] => {
  const inConfig = z.strictObject({ limits: z.strictObject({ course: courseLimitsSchema }) });
  const result = inConfig.safeParse({ limits: { course: value } });
  return result.success ? [] : formatIssues(result.error.issues);
};

describe('limits.course schema', () => {
  it('takes the SAINT limits and leaves the daily budgets optional', () => {
    expect(courseLimitsSchema.parse({ sessionsPerDay: 10, minInterval_min: 50, dailyPulses: 18000 })).toEqual({ sessionsPerDay: 10, minInterval_min: 50, dailyPulses: 18000 });
    expect(courseLimitsSchema.parse({ sessionsPerDay: 1, minInterval_min: 0, dailyCharge_mC: 2.5 })).toEqual({ sessionsPerDay: 1, minInterval_min: 0, dailyCharge_mC: 2.5 });
  });

  it('names the config path and says what is wrong', () => {
    expect(problems({ sessionsPerDay: 1.5, minInterval_min: 50 })).toEqual(['limits.course.sessionsPerDay: must be a whole number']);
    expect(problems({ sessionsPerDay: 0, minInterval_min: 50 })).toEqual(['limits.course.sessionsPerDay: must be >= 1']);
    expect(problems({ sessionsPerDay: 2, minInterval_min: -1 })).toEqual(['limits.course.minInterval_min: must be >= 0']);
    expect(problems({ sessionsPerDay: 2, minInterval_min: 5, dailyPulses: 10.5 })).toEqual(['limits.course.dailyPulses: must be a whole number']);
    expect(problems({ sessionsPerDay: 2, minInterval_min: 5, dailyCharge_mC: -0.1 })).toEqual(['limits.course.dailyCharge_mC: must be >= 0']);
    expect(problems({ sessionsPerDay: 2, minInterval_min: Number.POSITIVE_INFINITY })).toHaveLength(1);
  });

  it('refuses unknown keys (the ledger location is not a limit) and missing required ones', () => {
    expect(problems({ sessionsPerDay: 2, minInterval_min: 5, ledger: '/tmp/x' })).toEqual(['limits.course.ledger: unknown key']);
    expect(problems({ minInterval_min: 5 })[0]).toMatch(/^limits\.course\.sessionsPerDay: /);
  });
});

describe('checkCourseLimits: SAINT', () => {
  it('allows 10 sessions an hour apart (10 min each, 50 min between), refuses the 11th that day until 24 h after the first', () => {
    const ledger: PastSession[] = [];
    for (let k = 0; k < 10; k++) {
      const start = at('2026-12-07T08:00:00Z') + k * HOUR;
      const decision = checkCourseLimits(ledger, start, SAINT, SAINT_PLAN);
      expect(decision.allowed, `session ${k + 1}`).toBe(true);
      ledger.push({ id: `s${k + 1}`, start_ms: start, end_ms: start + 10 * MIN, pulses: 1800, charge_mC: 0 });
    }
    const eleventh = checkCourseLimits(ledger, at('2026-12-07T18:00:00Z'), SAINT, SAINT_PLAN);
    expect(eleventh.allowed).toBe(false);
    if (eleventh.allowed) return;
    expect(eleventh.limit).toBe('limits.course.sessionsPerDay');
    expect(eleventh.nextAllowedAt?.toISOString()).toBe('2026-12-08T08:00:00.000Z');
    expect(eleventh.message).toBe(
      'limits.course.sessionsPerDay: 10 sessions started in the last 24 hours; at most 10 may start in any 24 hours (a rolling day, not the calendar day): ' +
        'the next session may start at 2026-12-08 08:00:00 UTC (in 14 h), 24 hours after the session that started 2026-12-07 08:00:00 UTC' +
        ' (also refused now by limits.course.dailyPulses until 2026-12-08 08:00:00 UTC)',
    );
    // The daily pulse budget is full as well and frees at the same moment.
    expect(eleventh.refusals.map((r) => r.limit)).toEqual(['limits.course.sessionsPerDay', 'limits.course.dailyPulses']);
    expect(eleventh.left).toEqual({ sessionsStarted: 10, sessionsLeft: 0, pulsesUsed: 18000, pulsesLeft: 0, chargeUsed_mC: 0, chargeLeft_mC: null });

    expect(checkCourseLimits(ledger, at('2026-12-08T08:00:00Z'), SAINT, SAINT_PLAN).allowed).toBe(true);
    expect(checkCourseLimits(ledger, at('2026-12-08T08:00:00Z') - 1, SAINT, SAINT_PLAN).allowed).toBe(false);
  });

  it('refuses 49 min after the last session ended, allows at 50', () => {
    const ledger = [session('a', '2026-12-07T08:00:00Z', 10), session('b', '2026-12-07T09:00:00Z', 10), session('c', '2026-12-07T10:00:00Z', 10)];
    const early = checkCourseLimits(ledger, at('2026-12-07T10:59:00Z'), SAINT, SAINT_PLAN);
    expect(early).toMatchObject({ allowed: false, limit: 'limits.course.minInterval_min', nextAllowedAt: new Date('2026-12-07T11:00:00Z') });
    if (early.allowed) return;
    expect(early.message).toBe(
      'limits.course.minInterval_min: the last session ended 2026-12-07 10:10:00 UTC, 49 min ago; at least 50 min must pass between the end of a session and the next start: ' +
        'the next session may start at 2026-12-07 11:00:00 UTC (in 1 min)',
    );
    expect(checkCourseLimits(ledger, at('2026-12-07T11:00:00Z'), SAINT, SAINT_PLAN).allowed).toBe(true);
    expect(checkCourseLimits(ledger, at('2026-12-07T11:00:00Z') - 1, SAINT, SAINT_PLAN).allowed).toBe(false);
  });
});

describe('checkCourseLimits: each limit', () => {
  it('a day is a rolling 24 hours: a session exactly 24 h old no longer counts, one 1 ms younger does', () => {
    const limits: CourseLimits = { sessionsPerDay: 1, minInterval_min: 0 };
    const ledger = [session('a', '2026-03-28T23:30:00Z', 20)];
    // Across a DST change in Europe (2026-03-29): still 24 hours of instants, not a date.
    expect(checkCourseLimits(ledger, at('2026-03-29T23:30:00Z'), limits, SAINT_PLAN).allowed).toBe(true);
    const d = checkCourseLimits(ledger, at('2026-03-29T23:29:59.999Z'), limits, SAINT_PLAN);
    expect(d).toMatchObject({ allowed: false, limit: 'limits.course.sessionsPerDay', nextAllowedAt: new Date('2026-03-29T23:30:00Z') });
    // A calendar day would have allowed it at midnight.
    expect(checkCourseLimits(ledger, at('2026-03-29T00:05:00Z'), limits, SAINT_PLAN).allowed).toBe(false);
  });

  it('nextAllowedAt is when ALL limits allow, not only the deciding one', () => {
    const limits: CourseLimits = { sessionsPerDay: 2, minInterval_min: 120 };
    const ledger = [session('a', '2026-12-07T00:00:00Z', 10), session('b', '2026-12-07T23:00:00Z', 50)];
    const d = checkCourseLimits(ledger, at('2026-12-07T23:59:00Z'), limits, SAINT_PLAN);
    expect(d.allowed).toBe(false);
    if (d.allowed) return;
    // sessionsPerDay alone would allow at 00:00; the interval after 23:50 runs to 01:50.
    expect(d.refusals.map((r) => [r.limit, r.allowedFrom?.toISOString()])).toEqual([
      ['limits.course.minInterval_min', '2026-12-08T01:50:00.000Z'],
      ['limits.course.sessionsPerDay', '2026-12-08T00:00:00.000Z'],
    ]);
    expect(d.limit).toBe('limits.course.minInterval_min');
    expect(d.nextAllowedAt?.toISOString()).toBe('2026-12-08T01:50:00.000Z');
    expect(d.message).toContain('(also refused now by limits.course.sessionsPerDay until 2026-12-08 00:00:00 UTC)');
  });

  it('a session that never ended counts as the most it may have been: its planned dose, running one progress interval past its last record', () => {
    const limits: CourseLimits = { sessionsPerDay: 2, minInterval_min: 30, dailyPulses: 1000 };
    // Started 09:00 planning 600 pulses, last progress 09:07 with 420, then nothing (kill -9
    // or power loss): up to a minute more may have run, and more pulses may have gone out.
    const crashed: PastSession = { ...session('a', '2026-12-07T09:00:00Z', 7, { pulses: 420 }, false), planned: { pulses: 600, charge_mC: 0 } };
    const d = checkCourseLimits([crashed], at('2026-12-07T09:20:00Z'), limits, { pulses: 500, charge_mC: 0 });
    expect(d).toMatchObject({ allowed: false, limit: 'limits.course.dailyPulses', nextAllowedAt: new Date('2026-12-08T09:00:00Z') });
    if (d.allowed) return;
    expect(d.refusals.map((r) => r.limit)).toEqual(['limits.course.dailyPulses', 'limits.course.minInterval_min']);
    expect(d.refusals[1].message).toContain('the last session has no end recorded (a crash?); it was last known running 2026-12-07 09:07:00 UTC and counts as running until 2026-12-07 09:08:00 UTC, 13 min ago');
    expect(d.message).toContain('600 pulses in the sessions started in the last 24 hours (a session without an end record counts with its whole planned dose');
    expect(d.message).toContain('+ 500 pulses planned would pass the 1000 pulses allowed');
    // 400 planned fits beside the 600: only the interval remains, from 09:08 (09:07 + the grace minute) + 30 min.
    const smaller = checkCourseLimits([crashed], at('2026-12-07T09:20:00Z'), limits, { pulses: 400, charge_mC: 0 });
    expect(smaller).toMatchObject({ allowed: false, limit: 'limits.course.minInterval_min', nextAllowedAt: new Date('2026-12-07T09:38:00Z') });
    expect(checkCourseLimits([crashed], at('2026-12-07T09:37:59.999Z'), limits, { pulses: 400, charge_mC: 0 }).allowed).toBe(false);
    expect(checkCourseLimits([crashed], at('2026-12-07T09:38:00Z'), limits, { pulses: 400, charge_mC: 0 }).allowed).toBe(true);
    // The crash counts as a session: with sessionsPerDay 1 the next day is the earliest.
    expect(checkCourseLimits([crashed], at('2026-12-07T12:00:00Z'), { sessionsPerDay: 1, minInterval_min: 0 }, SAINT_PLAN)).toMatchObject({ allowed: false, limit: 'limits.course.sessionsPerDay' });
    // A last known dose above the plan (cannot happen through the governor, but a ledger may say so) counts as it is.
    const over: PastSession = { ...crashed, pulses: 700 };
    expect(checkCourseLimits([over], at('2026-12-07T12:00:00Z'), limits, { pulses: 301, charge_mC: 0 })).toMatchObject({ allowed: false, limit: 'limits.course.dailyPulses' });
    expect(checkCourseLimits([over], at('2026-12-07T12:00:00Z'), limits, { pulses: 300, charge_mC: 0 }).allowed).toBe(true);
    // Charge alike; an ended session counts what it delivered, whatever it planned.
    const chargeLimits: CourseLimits = { sessionsPerDay: 5, minInterval_min: 0, dailyCharge_mC: 5 };
    const crashedCurrent: PastSession = { ...session('c', '2026-12-07T09:00:00Z', 2, { charge_mC: 0.5 }, false), planned: { pulses: 0, charge_mC: 2.4 } };
    expect(courseAllowance([crashedCurrent], at('2026-12-07T12:00:00Z'), chargeLimits).chargeUsed_mC).toBe(2.4);
    expect(courseAllowance([{ ...crashedCurrent, ended: true }], at('2026-12-07T12:00:00Z'), chargeLimits).chargeUsed_mC).toBe(0.5);
    expect(checkCourseLimits([crashedCurrent], at('2026-12-07T12:00:00Z'), chargeLimits, { pulses: 0, charge_mC: 2.6 }).allowed).toBe(true);
    expect(checkCourseLimits([crashedCurrent], at('2026-12-07T12:00:00Z'), chargeLimits, { pulses: 0, charge_mC: 2.7 }).allowed).toBe(false);
  });

  it('a session that crashed within the last minute is not taken for a clock set back', () => {
    const crashed: PastSession = { ...session('a', '2026-12-07T09:00:00Z', 7, {}, false), planned: { pulses: 0, charge_mC: 0 } };
    const d = checkCourseLimits([crashed], at('2026-12-07T09:07:30Z'), { sessionsPerDay: 5, minInterval_min: 10 }, SAINT_PLAN);
    expect(d.allowed).toBe(false);
    if (d.allowed) return;
    expect(d.message).not.toContain('clock');
    expect(d.nextAllowedAt?.toISOString()).toBe('2026-12-07T09:18:00.000Z');
  });

  it('dailyPulses waits until enough of the oldest sessions are 24 hours old', () => {
    const limits: CourseLimits = { sessionsPerDay: 10, minInterval_min: 0, dailyPulses: 1200 };
    const ledger = [session('a', '2026-12-07T08:00:00Z', 5, { pulses: 500 }), session('b', '2026-12-07T09:00:00Z', 5, { pulses: 500 }), session('c', '2026-12-07T10:00:00Z', 5, { pulses: 500 })];
    // 1500 + 400 > 1200; without a: 1000 + 400 > 1200; without a and b: 500 + 400 fits.
    const d = checkCourseLimits(ledger, at('2026-12-07T12:00:00Z'), limits, { pulses: 400, charge_mC: null });
    expect(d).toMatchObject({ allowed: false, limit: 'limits.course.dailyPulses', nextAllowedAt: new Date('2026-12-08T09:00:00Z') });
    if (d.allowed) return;
    expect(d.message).toContain('when the session that started 2026-12-07 09:00:00 UTC is 24 hours old');
    // 200 planned fits once a is 24 h old.
    expect(checkCourseLimits(ledger, at('2026-12-07T12:00:00Z'), limits, { pulses: 200, charge_mC: null })).toMatchObject({ nextAllowedAt: new Date('2026-12-08T08:00:00Z') });
    // A budget exactly filled is allowed.
    expect(checkCourseLimits(ledger.slice(1), at('2026-12-07T12:00:00Z'), limits, { pulses: 200, charge_mC: null }).allowed).toBe(true);
  });

  it('a planned session over a daily budget, or not bounded, is never allowed (nextAllowedAt null)', () => {
    const limits: CourseLimits = { sessionsPerDay: 10, minInterval_min: 0, dailyPulses: 1000, dailyCharge_mC: 5 };
    const over = checkCourseLimits([], at('2026-12-07T12:00:00Z'), limits, { pulses: 1001, charge_mC: 1 });
    expect(over).toMatchObject({ allowed: false, limit: 'limits.course.dailyPulses', nextAllowedAt: null });
    if (!over.allowed) expect(over.message).toBe('limits.course.dailyPulses: the session plans 1001 pulses, more than the 1000 pulses allowed in any 24 hours (a rolling day, not the calendar day): no start time allows it');
    const unbounded = checkCourseLimits([], at('2026-12-07T12:00:00Z'), limits, { pulses: 100, charge_mC: null });
    expect(unbounded).toMatchObject({ allowed: false, limit: 'limits.course.dailyCharge_mC', nextAllowedAt: null });
    if (!unbounded.allowed) expect(unbounded.message).toContain('limits.dose.maxCharge_mC');
    // Not bounded is fine when that daily limit is not set.
    expect(checkCourseLimits([], at('2026-12-07T12:00:00Z'), { sessionsPerDay: 1, minInterval_min: 0 }, { pulses: null, charge_mC: null }).allowed).toBe(true);
  });

  it('dailyCharge_mC: sums that float rounding puts a hair over the budget still fit (0.1 + 0.1 + 0.1 in 0.3 mC)', () => {
    const limits: CourseLimits = { sessionsPerDay: 10, minInterval_min: 0, dailyCharge_mC: 0.3 };
    const ledger = [session('a', '2026-12-07T08:00:00Z', 20, { charge_mC: 0.1 }), session('b', '2026-12-07T09:00:00Z', 20, { charge_mC: 0.1 })];
    expect(0.1 + 0.1 + 0.1 > 0.3).toBe(true);
    expect(checkCourseLimits(ledger, at('2026-12-07T10:00:00Z'), limits, { pulses: 0, charge_mC: 0.1 }).allowed).toBe(true);
    const d = checkCourseLimits(ledger, at('2026-12-07T10:00:00Z'), limits, { pulses: 0, charge_mC: 0.1001 });
    expect(d).toMatchObject({ allowed: false, limit: 'limits.course.dailyCharge_mC', nextAllowedAt: new Date('2026-12-08T08:00:00Z') });
  });

  it('a clock earlier than the ledger (a board without a real-time clock) is refused with a word about the clock', () => {
    const ledger = [session('a', '2026-12-07T08:00:00Z', 10)];
    const d = checkCourseLimits(ledger, at('2026-12-07T07:00:00Z'), { sessionsPerDay: 10, minInterval_min: 0 }, SAINT_PLAN);
    expect(d).toMatchObject({ allowed: false, limit: 'limits.course.minInterval_min', nextAllowedAt: new Date('2026-12-07T08:10:00Z') });
    if (!d.allowed) expect(d.message).toContain("which is after now (2026-12-07 07:00:00 UTC): is this machine's clock right?");
  });

  it('a fractional interval rounds up to whole milliseconds; nextAllowedAt is allowed and 1 ms before it is not', () => {
    const limits: CourseLimits = { sessionsPerDay: 10, minInterval_min: 0.0001 }; // 6 ms
    const ledger = [session('a', '2026-12-07T08:00:00Z', 10)];
    const d = checkCourseLimits(ledger, at('2026-12-07T08:10:00Z'), limits, SAINT_PLAN);
    expect(d).toMatchObject({ allowed: false, nextAllowedAt: new Date(at('2026-12-07T08:10:00Z') + 6) });
    const odd: CourseLimits = { sessionsPerDay: 10, minInterval_min: 0.00001 }; // 0.6 ms: 1 ms
    expect(checkCourseLimits(ledger, at('2026-12-07T08:10:00Z'), odd, SAINT_PLAN)).toMatchObject({ allowed: false, nextAllowedAt: new Date(at('2026-12-07T08:10:00Z') + 1) });
    expect(checkCourseLimits(ledger, at('2026-12-07T08:10:00Z') + 1, odd, SAINT_PLAN).allowed).toBe(true);
  });

  it('an empty ledger allows any session within the budgets; the allowance counts only the last 24 hours', () => {
    expect(checkCourseLimits([], new Date('2026-12-07T08:00:00Z'), SAINT, SAINT_PLAN).allowed).toBe(true);
    const ledger = [session('old', '2026-12-05T08:00:00Z', 10, { pulses: 1800 }), session('new', '2026-12-07T07:00:00Z', 10, { pulses: 1800 })];
    expect(courseAllowance(ledger, at('2026-12-07T08:00:00Z'), SAINT)).toEqual({ sessionsStarted: 1, sessionsLeft: 9, pulsesUsed: 1800, pulsesLeft: 16200, chargeUsed_mC: 0, chargeLeft_mC: null });
  });

  it('refuses invalid inputs instead of guessing', () => {
    expect(() => checkCourseLimits([], Number.NaN, SAINT, SAINT_PLAN)).toThrow(RangeError);
    expect(() => checkCourseLimits([], new Date('nonsense'), SAINT, SAINT_PLAN)).toThrow(RangeError);
    expect(() => checkCourseLimits([], 0, SAINT, { pulses: -1, charge_mC: 0 })).toThrow(/planned pulses/);
    expect(() => checkCourseLimits([{ id: 'x', start_ms: Number.NaN, end_ms: 0, pulses: 0, charge_mC: 0 }], 0, SAINT, SAINT_PLAN)).toThrow(/course session x/);
  });
});

describe('times in messages', () => {
  it('UTC to the second: rounded down for what was, up for what may be', () => {
    expect(utcText(at('2026-12-07T09:12:03.400Z'))).toBe('2026-12-07 09:12:03 UTC');
    expect(utcText(at('2026-12-07T09:12:03.400Z'), 'up')).toBe('2026-12-07 09:12:04 UTC');
    expect(utcText(at('2026-12-07T09:12:03.000Z'), 'up')).toBe('2026-12-07 09:12:03 UTC');
  });

  it('spans: seconds, minutes, hours and minutes', () => {
    expect(spanText(45_000, 'down')).toBe('45 s');
    expect(spanText(38 * MIN + 59_000, 'down')).toBe('38 min');
    expect(spanText(11 * MIN + 20_000, 'up')).toBe('12 min');
    expect(spanText(14 * HOUR + 10 * MIN, 'up')).toBe('14 h 10 min');
    expect(spanText(2 * HOUR, 'down')).toBe('2 h');
  });
});
