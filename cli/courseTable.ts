import { COURSE_DAY_MS, COURSE_DAY_TEXT, type CourseLimits } from '../config/courseLimitsSchema.js';
import { checkCourseLimits, epochMs, type CourseDecision, type PlannedDose, utcText } from '../controller/courseLimits.js';
import type { CourseLedgerSession } from '../drivers/courseLedger.js';

/**
 * What `neuroloop course` prints: the rig's course ledger as a table (one row per session,
 * a totals line per day) and, when the limits are known, what they leave in the last 24
 * hours and when the next session may start; or the same as JSON lines (--json). Pure:
 * the ledger, the instant and the limits are arguments.
 *
 * The rows are grouped by UTC calendar date, because that is how a course is read back;
 * the limits count a rolling 24 hours (config/courseLimitsSchema.ts), and the limits part
 * says so, so nobody reads a date's total as what the limit counts.
 */
export interface CourseView {
  readonly path?: string;
  readonly sessions: readonly CourseLedgerSession[];
  readonly warnings?: readonly string[];
  readonly now: Date | number;
  /** limits.course of the config; absent: no limits part. */
  readonly limits?: CourseLimits;
  /**
   * What the configured session would at most use; absent: the earliest time ANY session
   * may start (0 pulses, 0 mC): a bigger one may have to wait longer.
   */
  readonly planned?: PlannedDose;
}

const NO_END = '(no end)';

export function courseTable(view: CourseView): string {
  const out: string[] = [];
  const sessions = byStart(view.sessions);
  if (sessions.length === 0) {
    out.push(`No sessions in the course ledger${view.path === undefined ? '' : ` ${view.path}`}.`);
  } else {
    const header = ['Start (UTC)', 'Duration', 'Modality', 'Pulses', 'Charge (mC)', 'Outcome', 'Markers'];
    const right = [false, true, false, true, true, false, true];
    const rows: (string[] | string)[] = [];
    for (const day of byDay(sessions)) {
      for (const s of day.sessions) {
        rows.push([utcText(s.start_ms).replace(' UTC', ''), clockText(s.duration_s), s.modality, String(s.pulses), numberText(s.charge_mC), s.outcome ?? NO_END, String(s.markers.length)]);
      }
      const t = totals(day.sessions);
      rows.push(`${day.date} total: ${t.sessions} session${t.sessions === 1 ? '' : 's'}, ${clockText(t.duration_s)}, ${t.pulses} pulses, ${numberText(t.charge_mC)} mC`);
    }
    const widths = header.map((h, c) => Math.max(h.length, ...rows.filter((r): r is string[] => typeof r !== 'string').map((r) => r[c].length)));
    const cells = (r: readonly string[]): string =>
      r
        .map((cell, c) => (right[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
        .join('  ')
        .trimEnd();
    out.push(cells(header));
    for (const r of rows) out.push(typeof r === 'string' ? `  ${r}` : cells(r));
    if (sessions.some((s) => !s.ended)) {
      out.push(`${NO_END}: no end record: the session crashed or is still running; the rows show its last known dose; the limits count what it may have delivered: its whole planned dose, running until a minute after its last record.`);
    }
  }
  if (view.limits !== undefined) out.push('', ...limitsLines(view, view.limits));
  for (const w of view.warnings ?? []) out.push(`warning: ${w}`);
  return `${out.join('\n')}\n`;
}

/** One JSON object per line: each session, each day's totals, the limits' verdict (if limits are given), each warning. */
export function courseJsonLines(view: CourseView): string {
  const lines: object[] = [];
  const sessions = byStart(view.sessions);
  for (const s of sessions) {
    lines.push({
      kind: 'session',
      id: s.id,
      rig: s.rig,
      start: s.start,
      end: s.end,
      lastKnown: new Date(s.end_ms).toISOString(),
      ended: s.ended,
      duration_s: s.duration_s,
      modality: s.modality,
      pulses: s.pulses,
      charge_mC: s.charge_mC,
      onTime_s: s.onTime_s,
      outcome: s.outcome,
      markers: s.markers,
      config: s.config,
      planned: s.planned,
    });
  }
  for (const day of byDay(sessions)) lines.push({ kind: 'day', date: day.date, ...totals(day.sessions) });
  if (view.limits !== undefined) {
    const d = decide(view, view.limits);
    lines.push({
      kind: 'limits',
      now: new Date(epochMs(view.now)).toISOString(),
      day: 'rolling 24 hours',
      limits: view.limits,
      planned: view.planned ?? null,
      left: d.left,
      allowed: d.allowed,
      nextAllowedAt: d.allowed ? null : d.nextAllowedAt === null ? null : d.nextAllowedAt.toISOString(),
      limit: d.allowed ? null : d.limit,
      message: d.allowed ? null : d.message,
    });
  }
  for (const w of view.warnings ?? []) lines.push({ kind: 'warning', message: w });
  return lines.map((l) => `${JSON.stringify(l)}\n`).join('');
}

function decide(view: CourseView, limits: CourseLimits): CourseDecision {
  return checkCourseLimits(view.sessions, view.now, limits, view.planned ?? { pulses: 0, charge_mC: 0 });
}

function limitsLines(view: CourseView, limits: CourseLimits): string[] {
  const d = decide(view, limits);
  const left = d.left;
  const lines = [`Limits (limits.course), now ${utcText(epochMs(view.now))}; a day is ${COURSE_DAY_TEXT}:`];
  lines.push(`  sessions: ${left.sessionsStarted} started in the last 24 hours; ${left.sessionsLeft} of ${limits.sessionsPerDay} left; at least ${limits.minInterval_min} min between sessions`);
  // A session without an end counts with its plan (controller/courseLimits.ts), so the used dose may exceed the rows' sum.
  const now_ms = epochMs(view.now);
  const counted = view.sessions.some((s) => !s.ended && s.start_ms > now_ms - COURSE_DAY_MS) ? ' (a session with no end counted at its plan)' : '';
  if (left.pulsesLeft !== null) lines.push(`  pulses: ${left.pulsesUsed} in the last 24 hours${counted}; ${left.pulsesLeft} of ${limits.dailyPulses} left`);
  if (left.chargeLeft_mC !== null) lines.push(`  charge: ${numberText(left.chargeUsed_mC)} mC in the last 24 hours${counted}; ${numberText(left.chargeLeft_mC)} of ${limits.dailyCharge_mC} mC left`);
  const which = view.planned === undefined ? 'any session' : `a session of at most ${view.planned.pulses ?? 'unbounded'} pulses and ${view.planned.charge_mC === null ? 'unbounded' : numberText(view.planned.charge_mC)} mC`;
  if (d.allowed) lines.push(`  next: ${which} may start now`);
  else if (d.nextAllowedAt === null) lines.push(`  next: no time allows ${which}: ${d.message}`);
  else lines.push(`  next: ${which} may start at ${utcText(d.nextAllowedAt.getTime(), 'up')}; now refused: ${d.message}`);
  return lines;
}

function byStart(sessions: readonly CourseLedgerSession[]): CourseLedgerSession[] {
  // Stable: sessions with the same start keep the ledger's order.
  return [...sessions].sort((a, b) => a.start_ms - b.start_ms);
}

function byDay(sessions: readonly CourseLedgerSession[]): { date: string; sessions: CourseLedgerSession[] }[] {
  const days: { date: string; sessions: CourseLedgerSession[] }[] = [];
  for (const s of sessions) {
    const date = new Date(s.start_ms).toISOString().slice(0, 10);
    const last = days[days.length - 1];
    if (last !== undefined && last.date === date) last.sessions.push(s);
    else days.push({ date, sessions: [s] });
  }
  return days;
}

function totals(sessions: readonly CourseLedgerSession[]) {
  return {
    sessions: sessions.length,
    duration_s: sessions.reduce((sum, s) => sum + s.duration_s, 0),
    pulses: sessions.reduce((sum, s) => sum + s.pulses, 0),
    charge_mC: sessions.reduce((sum, s) => sum + s.charge_mC, 0),
    onTime_s: sessions.reduce((sum, s) => sum + s.onTime_s, 0),
  };
}

/** 9:05, 1:02:03: minutes and seconds, hours when there are any (whole seconds, rounded). */
function clockText(seconds: number): string {
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** At most 6 significant digits, no exponent for everyday values. */
function numberText(x: number): string {
  return String(Number(x.toPrecision(6)));
}
