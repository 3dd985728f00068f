import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CourseLimits } from '../../config/courseLimitsSchema.js';
import { checkCourseLimits, type PastSession, type PlannedDose } from '../../controller/courseLimits.js';

/**
 * Properties of the course check against an independent oracle written from the limits'
 * definitions: put the planned session into the ledger and look at every 24-hour window
 * (t - 24 h, t] that holds its start, and at the gap to every other session.
 *
 * Values are drawn on the limits' own scale (sessions minutes to an hour long, a few days of
 * them, budgets around what they use) so that every limit binds in some runs. Charges and
 * intervals are multiples of 1/8 mC and 1/4 min: exact in binary, so the oracle's sums
 * and the check's agree to the bit and the boundaries are tested exactly.
 */

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const BASE = Date.parse('2026-12-07T00:00:00Z');

const eighths = (max: number): fc.Arbitrary<number> => fc.integer({ min: 0, max: max * 8 }).map((k) => k / 8);

const sessionArb: fc.Arbitrary<PastSession> = fc
  .record({
    start: fc.integer({ min: 0, max: 3 * DAY }),
    length: fc.integer({ min: 0, max: 60 * MIN }),
    // Now and then the clock stepped back during a session: its end is before its start.
    stepBack: fc.oneof({ weight: 9, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 30 * MIN }) }),
    ended: fc.boolean(),
    pulses: fc.integer({ min: 0, max: 2000 }),
    charge_mC: eighths(10),
    // The start record's plan: what the session may deliver at most (absent in older callers).
    planned: fc.option(fc.record({ pulses: fc.option(fc.integer({ min: 0, max: 2000 }), { nil: null }), charge_mC: fc.option(eighths(10), { nil: null }) }), { nil: undefined }),
  })
  .map((s) => ({
    id: '',
    start_ms: BASE + s.start,
    end_ms: BASE + s.start + (s.stepBack > 0 ? -s.stepBack : s.length),
    ended: s.ended,
    pulses: s.pulses,
    charge_mC: s.charge_mC,
    ...(s.planned === undefined ? {} : { planned: s.planned }),
  }));

const ledgerArb = fc.array(sessionArb, { maxLength: 25 }).map((ss) => ss.map((s, i) => ({ ...s, id: `s${i}` })));

const limitsArb: fc.Arbitrary<CourseLimits> = fc
  .record({
    sessionsPerDay: fc.integer({ min: 1, max: 12 }),
    minInterval_min: fc.integer({ min: 0, max: 400 }).map((k) => k / 4),
    dailyPulses: fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: undefined }),
    dailyCharge_mC: fc.option(eighths(60), { nil: undefined }),
  })
  .map((l) => {
    const out: CourseLimits = { sessionsPerDay: l.sessionsPerDay, minInterval_min: l.minInterval_min };
    if (l.dailyPulses !== undefined) out.dailyPulses = l.dailyPulses;
    if (l.dailyCharge_mC !== undefined) out.dailyCharge_mC = l.dailyCharge_mC;
    return out;
  });

const plannedArb: fc.Arbitrary<PlannedDose> = fc.record({
  pulses: fc.option(fc.integer({ min: 0, max: 3000 }), { nil: null, freq: 10 }),
  charge_mC: fc.option(eighths(15), { nil: null, freq: 10 }),
});

const nowArb = fc.integer({ min: -DAY, max: 5 * DAY }).map((t) => BASE + t);

type Name = 'limits.course.sessionsPerDay' | 'limits.course.minInterval_min' | 'limits.course.dailyPulses' | 'limits.course.dailyCharge_mC';

/** The limits the planned session would break if it started at `s`: from the definitions, by brute force. */
function broken(recorded: readonly PastSession[], s: number, limits: CourseLimits, planned: PlannedDose): Set<Name> {
  const out = new Set<Name>();
  // A session without an end record may have run up to a minute (its progress interval)
  // past its last record and delivered up to its plan: the oracle counts that worst case.
  const ledger = recorded.map((p) =>
    p.ended === false
      ? { ...p, end_ms: p.end_ms + MIN, pulses: Math.max(p.pulses, p.planned?.pulses ?? 0), charge_mC: Math.max(p.charge_mC, p.planned?.charge_mC ?? 0) }
      : p,
  );
  for (const p of ledger) {
    if (s - Math.max(p.start_ms, p.end_ms) < limits.minInterval_min * MIN) out.add('limits.course.minInterval_min');
  }
  if (limits.dailyPulses !== undefined && planned.pulses === null) out.add('limits.course.dailyPulses');
  if (limits.dailyCharge_mC !== undefined && planned.charge_mC === null) out.add('limits.course.dailyCharge_mC');
  const all = [...ledger.map((p) => ({ start: p.start_ms, pulses: p.pulses, charge: p.charge_mC })), { start: s, pulses: planned.pulses ?? 0, charge: planned.charge_mC ?? 0 }];
  // Every window (t - 24 h, t] holding s: its content changes only where a start enters it.
  const ends = [s, ...all.map((x) => x.start).filter((t) => t > s && t < s + DAY)];
  for (const t of ends) {
    const inside = all.filter((x) => x.start > t - DAY && x.start <= t);
    if (inside.length > limits.sessionsPerDay) out.add('limits.course.sessionsPerDay');
    if (limits.dailyPulses !== undefined && inside.reduce((a, x) => a + x.pulses, 0) > limits.dailyPulses) out.add('limits.course.dailyPulses');
    if (limits.dailyCharge_mC !== undefined && inside.reduce((a, x) => a + x.charge, 0) > limits.dailyCharge_mC) out.add('limits.course.dailyCharge_mC');
  }
  return out;
}

describe('checkCourseLimits: properties (random ledgers, limits and plans)', () => {
  it('allowed exactly when the planned session, put into the ledger at now, keeps every limit; a refusal names a limit it would break', () => {
    fc.assert(
      fc.property(ledgerArb, limitsArb, plannedArb, nowArb, (ledger, limits, planned, now) => {
        const d = checkCourseLimits(ledger, now, limits, planned);
        const breaks = broken(ledger, now, limits, planned);
        expect(d.allowed).toBe(breaks.size === 0);
        if (!d.allowed) {
          expect(breaks.has(d.limit)).toBe(true);
          // A session later than now (the clock went back) counts in the check's daily limits
          // (its window has no upper end, so every limit stays monotone in time) but in no
          // oracle window holding now; the interval refuses such a ledger in both.
          const clockBehind = ledger.some((p) => Math.max(p.start_ms, p.end_ms) > now);
          if (clockBehind) expect(d.limit).toBe('limits.course.minInterval_min');
          else expect(new Set(d.refusals.map((r) => r.limit))).toEqual(breaks);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('refused: nextAllowedAt is allowed (by the check and the oracle) and 1 ms before it is refused; null: no time in the next years is', () => {
    fc.assert(
      fc.property(ledgerArb, limitsArb, plannedArb, nowArb, (ledger, limits, planned, now) => {
        const d = checkCourseLimits(ledger, now, limits, planned);
        if (d.allowed) return;
        if (d.nextAllowedAt === null) {
          for (const later of [now + DAY, now + 30 * DAY, now + 3650 * DAY]) {
            expect(checkCourseLimits(ledger, later, limits, planned).allowed).toBe(false);
            expect(broken(ledger, later, limits, planned).size).toBeGreaterThan(0);
          }
          return;
        }
        const next = d.nextAllowedAt.getTime();
        expect(next).toBeGreaterThan(now);
        expect(checkCourseLimits(ledger, next, limits, planned).allowed).toBe(true);
        expect(broken(ledger, next, limits, planned).size).toBe(0);
        expect(checkCourseLimits(ledger, next - 1, limits, planned).allowed).toBe(false);
        expect(broken(ledger, next - 1, limits, planned).size).toBeGreaterThan(0);
        // Asking again later gives the same time, until it comes.
        const halfway = now + Math.floor((next - now) / 2);
        if (halfway > now) expect(checkCourseLimits(ledger, halfway, limits, planned)).toMatchObject({ allowed: false, nextAllowedAt: d.nextAllowedAt });
      }),
      { numRuns: 2000 },
    );
  });

  it('a course built only through the check keeps every limit in every 24 hours, whatever each session then delivers up to its plan, crashes included', () => {
    const attemptArb = fc.record({
      wait: fc.integer({ min: 0, max: 6 * 60 * MIN }),
      length: fc.integer({ min: 0, max: 60 * MIN }),
      planned: plannedArb,
      use: fc.integer({ min: 0, max: 8 }),
      // Killed outright: the ledger's last progress record is up to a minute (the progress
      // interval) older than the true end, and holds a part of what was delivered.
      crash: fc.option(fc.record({ lag: fc.integer({ min: 0, max: MIN }), recordedEighths: fc.integer({ min: 0, max: 8 }) }), { nil: undefined }),
    });
    fc.assert(
      fc.property(limitsArb, fc.array(attemptArb, { maxLength: 60 }), (limits, attempts) => {
        const ledger: PastSession[] = [];
        const truth: PastSession[] = [];
        let now = BASE;
        for (const a of attempts) {
          now += a.wait;
          const d = checkCourseLimits(ledger, now, limits, a.planned);
          if (!d.allowed) continue;
          // Delivered: a fraction (0 to all) of the plan, whole pulses, eighths of a mC.
          const pulses = a.planned.pulses === null ? 1000 : Math.floor((a.planned.pulses * a.use) / 8);
          const charge_mC = a.planned.charge_mC === null ? 2 : Math.floor((a.planned.charge_mC * a.use) / 8 * 8) / 8;
          const id = `s${ledger.length}`;
          truth.push({ id, start_ms: now, end_ms: now + a.length, pulses, charge_mC });
          if (a.crash === undefined) ledger.push({ id, start_ms: now, end_ms: now + a.length, pulses, charge_mC, planned: a.planned });
          else {
            const lastRecord_ms = Math.max(now, now + a.length - a.crash.lag);
            const part = (x: number): number => Math.floor((x * a.crash!.recordedEighths) / 8);
            ledger.push({ id, start_ms: now, end_ms: lastRecord_ms, ended: false, pulses: part(pulses), charge_mC: Math.floor(part(charge_mC * 8)) / 8, planned: a.planned });
          }
          now += a.length;
        }
        const byStart = [...truth].sort((x, y) => x.start_ms - y.start_ms);
        for (let i = 1; i < byStart.length; i++) expect(byStart[i].start_ms - byStart[i - 1].end_ms).toBeGreaterThanOrEqual(limits.minInterval_min * MIN);
        for (const w of byStart) {
          const inside = byStart.filter((x) => x.start_ms > w.start_ms - DAY && x.start_ms <= w.start_ms);
          expect(inside.length).toBeLessThanOrEqual(limits.sessionsPerDay);
          if (limits.dailyPulses !== undefined) expect(inside.reduce((s, x) => s + x.pulses, 0)).toBeLessThanOrEqual(limits.dailyPulses);
          if (limits.dailyCharge_mC !== undefined) expect(inside.reduce((s, x) => s + x.charge_mC, 0)).toBeLessThanOrEqual(limits.dailyCharge_mC);
        }
      }),
      { numRuns: 500 },
    );
  });
});
