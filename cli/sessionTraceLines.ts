import { resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import type { SessionEvent } from '../controller/session.js';
import { packageVersion } from './version.js';

/**
 * The first line of a --trace file. Between it and the last line come the step lines
 * (traceRecord in controller/session.ts), one per feature frame, without a `kind`.
 */
export interface SessionStartLine {
  readonly kind: 'session-start';
  /** Version of the trace format. */
  readonly v: 1;
  readonly neuroloop: string;
  readonly rig: string;
  /** Host time the session started: the only line of a trace that depends on the clock. */
  readonly startedAt: string;
  /** The config file, as an absolute path. */
  readonly config: string;
  /** The simulator's seed, when the source is the simulator. */
  readonly seed?: number;
}

/**
 * The last line of a trace, written when the session ends by itself or by a signal. A
 * trace without it was cut short (SIGKILL, power loss): its lines up to then are complete.
 */
export interface SessionEndLine {
  readonly kind: 'session-end';
  /** Data time of the end. */
  readonly t_s: number;
  readonly reason: string;
  /** True when stimulation was brought to off by the session (end of data, duration, stop with ramp-down). */
  readonly clean: boolean;
  /** Events after the last step line (the governor's shutdown), which no step line carries. */
  readonly events: readonly SessionEvent[];
}

export function sessionStartLine(config: Config, configPath: string, startedAt: Date): SessionStartLine {
  const line: SessionStartLine = { kind: 'session-start', v: 1, neuroloop: packageVersion(), rig: config.rig.id, startedAt: startedAt.toISOString(), config: resolve(configPath) };
  return config.source.kind === 'sim' ? { ...line, seed: config.source.seed } : line;
}

export function sessionEndLine(t_s: number, reason: string, clean: boolean, events: readonly SessionEvent[]): SessionEndLine {
  return { kind: 'session-end', t_s, reason, clean, events };
}
