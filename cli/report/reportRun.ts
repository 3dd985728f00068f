import type { TraceEndLine, TraceStepLine } from './traceFile.js';

/** One replay (one config) of a recording, as the report shows it. */
export interface ReportRun {
  /** What names the run in the report, e.g. the config file name. */
  readonly label: string;
  /** The trace's step lines, in time order. */
  readonly steps: readonly TraceStepLine[];
  /** The trace's session-end line; null when the session was cut short. */
  readonly end: TraceEndLine | null;
  /** The --summary object, shown as a table (nested objects flattened to dotted keys). */
  readonly summary: Readonly<Record<string, unknown>>;
  /** Horizontal lines on the biomarker plot: the policy's thresholds. */
  readonly thresholds: readonly number[];
}

export interface ReportMeta {
  readonly title: string;
  /** The recording replayed (a path as the user gave it). */
  readonly source: string;
  /** The program and version that made the report, e.g. 'neuroloop 0.1.0'. */
  readonly generatedBy: string;
}
