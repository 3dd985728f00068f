import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { StimParams } from '../../controller/stimParams.js';
import { InputError } from '../../drivers/inputError.js';

/**
 * An event as a trace line carries it: governor events, commands, the session's marks,
 * driver events and the recording's annotations (`kind: 'annotation'`, the marker's text
 * in `reason`). Other fields (a command's id...) may follow; the report shows these three.
 */
export interface TraceEvent {
  readonly t_s: number;
  readonly kind: string;
  readonly reason: string;
}

/** A step line of a --trace file (traceRecord in controller/session.ts). */
export interface TraceStepLine {
  readonly index: number;
  readonly t_s: number;
  /** null when the frame had no finite biomarker (JSON writes NaN as null). */
  readonly biomarker: number | null;
  readonly valid: boolean;
  /** What the policy asked for; null when it threw. */
  readonly requested: StimParams | null;
  readonly applied: StimParams;
  readonly events: readonly TraceEvent[];
}

/** The last line of a trace (SessionEndLine in cli/sessionTraceLines.ts). */
export interface TraceEndLine {
  readonly kind: 'session-end';
  readonly t_s: number;
  readonly reason: string;
  readonly clean: boolean;
  readonly events: readonly TraceEvent[];
}

export interface TraceFile {
  steps: TraceStepLine[];
  /** null when the trace was cut short (no session-end line). */
  end: TraceEndLine | null;
}

/**
 * Reads a --trace file line by line (a day's trace is hundreds of MB: never whole in one
 * string). A malformed line is an InputError naming the file, the line and what was expected.
 */
export async function readTraceFile(path: string): Promise<TraceFile> {
  const steps: TraceStepLine[] = [];
  let end: TraceEndLine | null = null;
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNumber = 0;
  try {
    for await (const text of lines) {
      lineNumber++;
      if (text.trim() === '') continue;
      const where = `${path}:${lineNumber}`;
      if (end !== null) throw new InputError(`${where}: a line after the session-end line; a trace ends with its session-end line`);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new InputError(`${where}: not JSON (${(error as Error).message}); a trace has one JSON object per line`);
      }
      if (!isObject(value)) throw new InputError(`${where}: expected a JSON object, got ${describe(value)}`);
      if (value.kind === 'session-start') continue;
      if (value.kind === 'session-end') {
        end = parseEndLine(value, where);
        continue;
      }
      if (value.kind !== undefined) throw new InputError(`${where}: unknown line kind ${JSON.stringify(value.kind)}; expected a step line (no kind), session-start or session-end`);
      steps.push(parseStepLine(value, where));
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new InputError(`${path}: no such trace file`);
    throw error;
  } finally {
    lines.close();
  }
  return { steps, end };
}

function parseStepLine(value: Record<string, unknown>, where: string): TraceStepLine {
  const biomarker = value.biomarker;
  if (biomarker !== null && !isFiniteNumber(biomarker)) throw new InputError(`${where}: "biomarker" must be a number or null, got ${describe(biomarker)}`);
  if (typeof value.valid !== 'boolean') throw new InputError(`${where}: "valid" must be true or false, got ${describe(value.valid)}`);
  const requested = value.requested === null ? null : parseStim(value.requested, `${where}: "requested"`);
  return {
    index: finite(value.index, `${where}: "index"`),
    t_s: finite(value.t_s, `${where}: "t_s"`),
    biomarker,
    valid: value.valid,
    requested,
    applied: parseStim(value.applied, `${where}: "applied"`),
    events: parseEvents(value.events, where),
  };
}

function parseEndLine(value: Record<string, unknown>, where: string): TraceEndLine {
  if (typeof value.reason !== 'string') throw new InputError(`${where}: session-end "reason" must be a string, got ${describe(value.reason)}`);
  if (typeof value.clean !== 'boolean') throw new InputError(`${where}: session-end "clean" must be true or false, got ${describe(value.clean)}`);
  return { kind: 'session-end', t_s: finite(value.t_s, `${where}: session-end "t_s"`), reason: value.reason, clean: value.clean, events: parseEvents(value.events, where) };
}

function parseStim(value: unknown, where: string): StimParams {
  if (!isObject(value)) throw new InputError(`${where} must be an object {enabled, amplitude_mA, frequency_Hz, pulseWidth_us}, got ${describe(value)}`);
  if (typeof value.enabled !== 'boolean') throw new InputError(`${where}.enabled must be true or false, got ${describe(value.enabled)}`);
  return {
    enabled: value.enabled,
    amplitude_mA: finite(value.amplitude_mA, `${where}.amplitude_mA`),
    frequency_Hz: finite(value.frequency_Hz, `${where}.frequency_Hz`),
    pulseWidth_us: finite(value.pulseWidth_us, `${where}.pulseWidth_us`),
  };
}

function parseEvents(value: unknown, where: string): TraceEvent[] {
  if (!Array.isArray(value)) throw new InputError(`${where}: "events" must be an array, got ${describe(value)}`);
  return value.map((event: unknown, i) => {
    const at = `${where}: events[${i}]`;
    if (!isObject(event)) throw new InputError(`${at} must be an object {t_s, kind, reason}, got ${describe(event)}`);
    if (typeof event.kind !== 'string') throw new InputError(`${at}.kind must be a string, got ${describe(event.kind)}`);
    if (typeof event.reason !== 'string') throw new InputError(`${at}.reason must be a string, got ${describe(event.reason)}`);
    // Kept whole: a command's id and ok, a driver's counters stay with the event.
    return { ...event, t_s: finite(event.t_s, `${at}.t_s`), kind: event.kind, reason: event.reason };
  });
}

function finite(value: unknown, where: string): number {
  if (!isFiniteNumber(value)) throw new InputError(`${where} must be a finite number, got ${describe(value)}`);
  return value;
}

const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
