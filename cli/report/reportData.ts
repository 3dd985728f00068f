import { decimationIndices } from './decimate.js';
import type { ReportRun } from './reportRun.js';
import type { TraceEvent } from './traceFile.js';

/**
 * At most this many time buckets per plot: a little more than a wide screen's pixels, so
 * a day's replay (860k steps) embeds some 16k points per series instead of 860k.
 */
export const MAX_BUCKETS = 4000;

/**
 * Events shown per run (markers and table rows). A governor that clamps every tick for an
 * hour would otherwise fill the page; what is left out is counted by kind and said so.
 */
export const MAX_EVENTS_PER_RUN = 2000;

/** An event as the page gets it: [t_s, kind, reason]. */
export type EventTuple = [number, string, string];

/** One run, ready for the page: plain arrays of rounded numbers, embedded as JSON. */
export interface RunSeries {
  readonly label: string;
  readonly thresholds: number[];
  /** The biomarker plot's data: time (s), biomarker (null where there was none). */
  readonly bio: [number[], (number | null)[]];
  /**
   * The stimulation plot's data: time (s), applied amplitude (mA; 0 when stimulation is
   * disabled), requested amplitude (mA; null where the policy threw).
   */
  readonly stim: [number[], (number | null)[], (number | null)[]];
  /** Times (s) when frames were invalid, as [from, to, from, to, ...] (the baseline, gaps). */
  readonly invalid: number[];
  /** The events shown, in time order. */
  readonly events: EventTuple[];
  /** Events left out (beyond MAX_EVENTS_PER_RUN), counted by kind. */
  readonly omittedEvents: Record<string, number>;
  readonly steps: number;
  /** Width of a decimation bucket (s), or null when every step is embedded. */
  readonly bucket_s: number | null;
}

export interface ReportData {
  /** The time span of all runs together: every plot shows it, so time lines up across runs. */
  readonly t0_s: number;
  readonly t1_s: number;
  readonly runs: RunSeries[];
}

/** The runs as compact series for the page: decimated, rounded, on one shared time span. */
export function reportData(runs: readonly ReportRun[]): ReportData {
  let t0_s = Infinity;
  let t1_s = -Infinity;
  const events = runs.map(collectEvents);
  runs.forEach((run, r) => {
    const first = run.steps[0];
    const last = run.steps[run.steps.length - 1];
    for (const t of [first?.t_s, last?.t_s, run.end?.t_s, events[r][0]?.t_s, events[r][events[r].length - 1]?.t_s]) {
      if (t === undefined) continue;
      t0_s = Math.min(t0_s, t);
      t1_s = Math.max(t1_s, t);
    }
  });
  if (!Number.isFinite(t0_s)) {
    t0_s = 0;
    t1_s = 1;
  }
  return { t0_s: roundTime(t0_s), t1_s: roundTime(t1_s), runs: runs.map((run, r) => runSeries(run, events[r], t0_s, t1_s)) };
}

function runSeries(run: ReportRun, allEvents: readonly TraceEvent[], t0_s: number, t1_s: number): RunSeries {
  const n = run.steps.length;
  const t = new Float64Array(n);
  const biomarker = new Float64Array(n);
  const applied = new Float64Array(n);
  const requested = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const step = run.steps[i];
    t[i] = step.t_s;
    biomarker[i] = step.biomarker ?? NaN;
    applied[i] = step.applied.enabled ? step.applied.amplitude_mA : 0;
    requested[i] = step.requested === null ? NaN : step.requested.enabled ? step.requested.amplitude_mA : 0;
  }
  const span_s = n > 1 ? t[n - 1] - t[0] : 0;
  const bioKept = decimationIndices(t, [biomarker], MAX_BUCKETS);
  const stimKept = decimationIndices(t, [applied, requested], MAX_BUCKETS);
  const decimated = bioKept.length < n || stimKept.length < n;

  const bio: RunSeries['bio'] = [[], []];
  padStart(bio, t, t0_s);
  for (const i of bioKept) {
    bio[0].push(roundTime(t[i]));
    bio[1].push(roundValue(biomarker[i]));
  }
  padEnd(bio, t, t1_s);

  const stim: RunSeries['stim'] = [[], [], []];
  padStart(stim, t, t0_s);
  for (const i of stimKept) {
    stim[0].push(roundTime(t[i]));
    stim[1].push(roundAmplitude(applied[i]));
    stim[2].push(roundAmplitude(requested[i]));
  }
  padEnd(stim, t, t1_s);

  const { shown, omitted } = capEvents(allEvents);
  return {
    label: run.label,
    thresholds: run.thresholds.filter(Number.isFinite),
    bio,
    stim,
    invalid: invalidIntervals(run, decimated ? span_s / MAX_BUCKETS : 0),
    events: shown.map((e) => [roundTime(e.t_s), e.kind, e.reason]),
    omittedEvents: omitted,
    steps: n,
    bucket_s: decimated ? Number((span_s / MAX_BUCKETS).toPrecision(3)) : null,
  };
}

/**
 * A point without values at the shared start and end when this run's data begin later or
 * end earlier: uPlot's zoom reset (double-click) goes to each plot's own data span, and
 * this makes it the same span for every plot.
 */
function padStart(columns: (number | null)[][], t: Float64Array, t0_s: number): void {
  if (t.length > 0 && t[0] <= t0_s) return;
  columns[0].push(roundTime(t0_s));
  for (let c = 1; c < columns.length; c++) columns[c].push(null);
}

function padEnd(columns: (number | null)[][], t: Float64Array, t1_s: number): void {
  if (t.length > 0 && t[t.length - 1] >= t1_s) return;
  columns[0].push(roundTime(t1_s));
  for (let c = 1; c < columns.length; c++) columns[c].push(null);
}

/** Every event of a run, in time order: the steps' and then the session-end line's. */
function collectEvents(run: ReportRun): TraceEvent[] {
  const events: TraceEvent[] = [];
  for (const step of run.steps) for (const event of step.events) events.push(event);
  if (run.end !== null) for (const event of run.end.events) events.push(event);
  // Stable: events of one time keep the order the trace gave them.
  return events.sort((a, b) => a.t_s - b.t_s);
}

/** The recording's annotations and markers first (they are why one looks), then the rest in time order. */
function capEvents(events: readonly TraceEvent[]): { shown: TraceEvent[]; omitted: Record<string, number> } {
  if (events.length <= MAX_EVENTS_PER_RUN) return { shown: [...events], omitted: {} };
  const marks = (e: TraceEvent): boolean => e.kind === 'annotation' || e.kind === 'marker';
  const annotations = events.filter(marks);
  const others = events.filter((e) => !marks(e));
  const shown = [...annotations, ...others].slice(0, MAX_EVENTS_PER_RUN);
  const omitted: Record<string, number> = {};
  for (const e of [...annotations, ...others].slice(MAX_EVENTS_PER_RUN)) omitted[e.kind] = (omitted[e.kind] ?? 0) + 1;
  return { shown: shown.sort((a, b) => a.t_s - b.t_s), omitted };
}

/**
 * Spans of invalid frames, [from, to, ...]: from the first invalid step to the next valid
 * one. Spans closer than `mergeBelow_s` are joined, so a decimated plot gets at most about
 * one span per bucket.
 */
function invalidIntervals(run: ReportRun, mergeBelow_s: number): number[] {
  const spans: number[] = [];
  const steps = run.steps;
  let from = -1;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    if (!step.valid && from < 0) from = i;
    if (step.valid && from >= 0) {
      pushSpan(spans, steps[from].t_s, step.t_s, mergeBelow_s);
      from = -1;
    }
  }
  if (from >= 0) pushSpan(spans, steps[from].t_s, run.end?.t_s ?? steps[steps.length - 1].t_s, mergeBelow_s);
  return spans.map(roundTime);
}

function pushSpan(spans: number[], from_s: number, to_s: number, mergeBelow_s: number): void {
  const n = spans.length;
  if (n > 0 && from_s - spans[n - 1] <= mergeBelow_s) spans[n - 1] = to_s;
  else spans.push(from_s, to_s);
}

/** Microseconds: finer than any frame hop, and short in JSON. */
const roundTime = (t_s: number): number => Math.round(t_s * 1e6) / 1e6;
/** 0.1 uA: finer than any DAC step. */
const roundAmplitude = (mA: number): number | null => (Number.isNaN(mA) ? null : Math.round(mA * 1e4) / 1e4);
/** 5 significant digits: finer than a plot can show. */
const roundValue = (value: number): number | null => (Number.isFinite(value) ? Number(value.toPrecision(5)) : null);
