import { describe, expect, it } from 'vitest';
import { courseJsonLines, courseTable } from '../../cli/courseTable.js';
import type { CourseLimits } from '../../config/courseLimitsSchema.js';
import type { CourseLedgerSession } from '../../drivers/courseLedger.js';

const SHA = 'b'.repeat(64);

function session(id: string, start: string, minutes: number, o: Partial<CourseLedgerSession> = {}): CourseLedgerSession {
  const start_ms = Date.parse(start);
  const end_ms = start_ms + minutes * 60_000;
  return {
    id,
    rig: 'rig1',
    modality: 'tms',
    config: { name: 'saint.yaml', sha256: SHA },
    planned: { pulses: 1800, charge_mC: null },
    start: new Date(start_ms).toISOString(),
    start_ms,
    end: new Date(end_ms).toISOString(),
    end_ms,
    ended: true,
    duration_s: minutes * 60,
    pulses: 1800,
    charge_mC: 0,
    onTime_s: minutes * 60,
    outcome: 'completed',
    markers: [],
    line: 1,
    ...o,
  };
}

const SAINT: CourseLimits = { sessionsPerDay: 10, minInterval_min: 50, dailyPulses: 18_000 };
const ledger = [
  session('a', '2026-12-06T21:00:00Z', 10, { markers: ['ok'] }),
  session('b', '2026-12-07T08:00:00Z', 10, { markers: ['start', 'headache 2/10'] }),
  session('c', '2026-12-07T09:00:00Z', 3.5, { ended: false, end: null, outcome: null, pulses: 640 }),
];

describe('neuroloop course: table', () => {
  it('one row per session in start order, a totals line per UTC date, the crash marked', () => {
    const text = courseTable({ sessions: [ledger[2], ledger[0], ledger[1]], now: Date.parse('2026-12-07T09:30:00Z') });
    expect(text.split('\n')).toEqual([
      'Start (UTC)          Duration  Modality  Pulses  Charge (mC)  Outcome    Markers',
      '2026-12-06 21:00:00     10:00  tms         1800            0  completed        1',
      '  2026-12-06 total: 1 session, 10:00, 1800 pulses, 0 mC',
      '2026-12-07 08:00:00     10:00  tms         1800            0  completed        2',
      '2026-12-07 09:00:00      3:30  tms          640            0  (no end)         0',
      '  2026-12-07 total: 2 sessions, 13:30, 2440 pulses, 0 mC',
      '(no end): no end record: the session crashed or is still running; the rows show its last known dose; the limits count what it may have delivered: its whole planned dose, running until a minute after its last record.',
      '',
    ]);
  });

  it('with limits: what the last 24 hours used and leave, and when the next session may start', () => {
    const text = courseTable({ sessions: ledger, now: Date.parse('2026-12-07T09:30:00Z'), limits: SAINT, planned: { pulses: 1800, charge_mC: 0 }, warnings: ['x.ndjson:9: the last line is torn'] });
    const tail = text.split('\n').slice(8);
    expect(tail).toEqual([
      'Limits (limits.course), now 2026-12-07 09:30:00 UTC; a day is any 24 hours (a rolling day, not the calendar day):',
      '  sessions: 3 started in the last 24 hours; 7 of 10 left; at least 50 min between sessions',
      // The crashed session recorded 640 of its planned 1800 pulses: the limits count 1800.
      '  pulses: 5400 in the last 24 hours (a session with no end counted at its plan); 12600 of 18000 left',
      // The crashed session's last known time is 09:03:30; it may have run to 09:04:30: 50 min later is 09:54:30.
      '  next: a session of at most 1800 pulses and 0 mC may start at 2026-12-07 09:54:30 UTC; now refused: limits.course.minInterval_min: the last session has no end recorded (a crash?); it was last known running 2026-12-07 09:03:30 UTC and counts as running until 2026-12-07 09:04:30 UTC, 26 min ago; at least 50 min must pass between the end of a session and the next start: the next session may start at 2026-12-07 09:54:30 UTC (in 25 min)',
      'warning: x.ndjson:9: the last line is torn',
      '',
    ]);
  });

  it('an empty ledger says so; a session that fits may start now', () => {
    expect(courseTable({ path: '/var/lib/neuroloop/rig1/course.ndjson', sessions: [], now: 0, limits: SAINT })).toBe(
      'No sessions in the course ledger /var/lib/neuroloop/rig1/course.ndjson.\n\n' +
        'Limits (limits.course), now 1970-01-01 00:00:00 UTC; a day is any 24 hours (a rolling day, not the calendar day):\n' +
        '  sessions: 0 started in the last 24 hours; 10 of 10 left; at least 50 min between sessions\n' +
        '  pulses: 0 in the last 24 hours; 18000 of 18000 left\n' +
        '  next: any session may start now\n',
    );
  });
});

describe('neuroloop course --json', () => {
  it('one JSON object per line: sessions, day totals, the limits verdict, warnings', () => {
    const text = courseJsonLines({ sessions: ledger, now: Date.parse('2026-12-07T09:30:00Z'), limits: SAINT, planned: { pulses: 1800, charge_mC: 0 }, warnings: ['torn'] });
    expect(text.endsWith('\n')).toBe(true);
    const objects = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objects.map((o) => o.kind)).toEqual(['session', 'session', 'session', 'day', 'day', 'limits', 'warning']);
    expect(objects[2]).toMatchObject({ id: 'c', ended: false, end: null, lastKnown: '2026-12-07T09:03:30.000Z', outcome: null, pulses: 640 });
    expect(objects[1]).toMatchObject({ id: 'b', markers: ['start', 'headache 2/10'] });
    expect(objects[4]).toEqual({ kind: 'day', date: '2026-12-07', sessions: 2, duration_s: 810, pulses: 2440, charge_mC: 0, onTime_s: 810 });
    expect(objects[5]).toMatchObject({ kind: 'limits', allowed: false, limit: 'limits.course.minInterval_min', nextAllowedAt: '2026-12-07T09:54:30.000Z', day: 'rolling 24 hours' });
    expect(objects[6]).toEqual({ kind: 'warning', message: 'torn' });
  });
});
