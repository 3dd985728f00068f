import { resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import { type GovernorEventKind, LIMIT_EVENT_KINDS } from '../controller/governorEvent.js';
import { describeMarker } from '../controller/marker.js';
import { type SessionEvent, type SessionStep, traceRecord } from '../controller/session.js';
import { AtomicTextOutput } from '../drivers/atomicTextOutput.js';
import { NEUROLOOP_TAG } from '../drivers/edf/neuroloopAnnotations.js';
import { InputError } from '../drivers/inputError.js';
import { NdjsonWriter } from '../drivers/ndjsonWriter.js';
import { type BuiltSession, buildSession } from './buildSession.js';
import { CourseGate, type CourseDoseSoFar } from './courseGate.js';
import { createLogger, type LogFormat } from './logger.js';
import { LoopPublisher } from './loopPublisher.js';
import { Progress } from './progress.js';
import type { ListenAddress } from './listenAddress.js';
import { withSessionDashboard } from './sessionDashboard.js';
import { type RunEnd, type RunningTelemetry, startTelemetry } from './startTelemetry.js';
import { SessionRecorder } from './sessionRecorder.js';
import { SignalsHeldDuringStart } from './signalsHeldDuringStart.js';
import { sessionEndLine, sessionStartLine } from './sessionTraceLines.js';
import { sessionSummary } from './sessionSummary.js';
import { StatusLine } from './statusLine.js';

/** Everything `run` and `replay` decide before a session starts (arguments checked, paths free). */
export interface SessionRunOptions {
  readonly config: Config;
  /** The config file as given (the trace's first line names it). */
  readonly configPath: string;
  readonly configDir: string;
  readonly duration_s?: number;
  readonly speed?: 'realtime' | 'max';
  readonly speedFactor?: number;
  readonly from_s?: number;
  readonly tracePath?: string;
  readonly summaryPath?: string;
  readonly recordDir?: string;
  readonly telemetry: { readonly on: boolean; readonly url?: string; readonly takeOver: boolean };
  /** run --dashboard: serve the page here beside the session's telemetry (docs/dashboard.md). */
  readonly dashboard?: ListenAddress;
  readonly logFormat: LogFormat;
  /** A replay: the file replayed (trace and manifest say so; progress bar at max speed; the recording's own [stop] and [end] are honoured). */
  readonly replayOf?: string;
  /** Keep every trace line in memory for a report. */
  readonly keepSteps?: boolean;
}

export interface SessionRunResult {
  readonly exit: number;
  readonly summary: ReturnType<typeof sessionSummary>;
  readonly steps: ReturnType<typeof traceRecord>[];
  readonly end: ReturnType<typeof sessionEndLine> | null;
  readonly thresholds: readonly number[];
  readonly recordedIn: string | null;
}

/**
 * One session from start to summary, shared by `neuroloop run` and `neuroloop replay`:
 * telemetry, the loop, the live view (or a progress bar when replaying at full speed),
 * the trace, the recording, and an orderly end on Ctrl+C/SIGTERM (ramp off; a second
 * signal cuts at once).
 */
export async function runSession(o: SessionRunOptions): Promise<SessionRunResult> {
  const held = new SignalsHeldDuringStart();
  try {
    return await startAndRunSession(o, held);
  } finally {
    held.release();
  }
}

async function startAndRunSession(o: SessionRunOptions, held: SignalsHeldDuringStart): Promise<SessionRunResult> {
  const { config } = o;
  const logger = await createLogger(config.logging, o.logFormat);
  const warnKinds: ReadonlySet<string> = new Set<GovernorEventKind>([...LIMIT_EVENT_KINDS, 'estop', 'lockout', 'watchdog-fallback', 'dose-exhausted']);
  const logEvent = (e: SessionEvent): void => {
    // A refused command, a calibration or sweep not taken (the config's values stay): the user should see them.
    const failed = (e.kind === 'command' || e.kind === 'calibration' || e.kind === 'calibration-sweep') && e.ok === false;
    if (warnKinds.has(e.kind) || failed) logger.warn({ event: e }, e.kind);
    else logger.info({ event: e }, e.kind);
  };
  let lastBlock_ms = performance.now();
  let running: RunningTelemetry | null = null;
  let built: BuiltSession | null = null;
  let recorder: SessionRecorder | null = null;
  let lastStep: SessionStep | null = null;
  // A replayed recording's own [stop] (asked after a step) and [end] (why it ended).
  let recordedEnd: string | null = null;
  /** A replayed recording's [stop] has been asked for (it was reached). */
  let replayStopped = false;
  let stopAfterIndex: number | null = null;
  let recordedEndIndex = Number.POSITIVE_INFINITY;
  const progress = o.replayOf !== undefined && (o.speed ?? 'max') === 'max' ? new Progress('replay') : null;
  let course: CourseGate | null = null;
  const courseDose = (): CourseDoseSoFar => {
    const dose = built?.governor.dose;
    return { pulses: built?.session.summary().pulses?.fired ?? 0, charge_mC: dose?.charge_mC ?? 0, onTime_s: dose?.onTime_s ?? 0 };
  };
  const endCourse = async (outcome: 'completed' | 'stopped' | 'estop' | 'fault' | 'error', duration_s: number): Promise<void> => {
    try {
      // The markers (medication, MedOn/MedOff, notes) go into the ledger with the session.
      await course?.end(courseDose(), outcome, duration_s, built?.session.summary().markers.list.map((m) => describeMarker(m)) ?? []);
    } catch (error) {
      process.stderr.write(`neuroloop: course ledger ${course?.ledgerPath}: the session's end could not be written (${(error as Error).message}); the course limits count it as a session without an end: its whole planned dose, until a minute after its last record\n`);
    }
  };
  // Null until built: a command arriving before the session is refused, not a crash.
  if (o.telemetry.on) running = await startTelemetry(config, o.telemetry.url, () => built?.session ?? null, logger, { takeOver: o.telemetry.takeOver });
  if (running !== null && o.dashboard !== undefined) running = await withSessionDashboard(running, o.dashboard, config, o.telemetry.url);
  const telemetry = running?.telemetry ?? null;
  try {
    built = await buildSession(
      config,
      {
        configDir: o.configDir,
        duration_s: o.duration_s,
        speed: o.speed,
        speedFactor: o.speedFactor,
        from_s: o.from_s,
        onNotice: (message) => {
          // The progress bar's line is cleared first (it is drawn again on the next update).
          progress?.done();
          logger.warn({ input: o.replayOf ?? config.source.kind }, message);
        },
        onProgress: progress === null ? undefined : (fraction) => progress.update(`${(fraction * 100).toFixed(0)} % of ${o.replayOf}`),
        onOwnTag: (text, index) => {
          if (text.startsWith(NEUROLOOP_TAG.end)) {
            recordedEnd = text.slice(NEUROLOOP_TAG.end.length).trim();
            recordedEndIndex = index;
          }
          else if (text.startsWith(NEUROLOOP_TAG.stop)) {
            // The recorded session was asked to stop after its step at `index` (0: before any step): so is this one.
            stopAfterIndex = stopAfterIndex === null ? index : Math.min(stopAfterIndex, index);
          }
        },
      },
      {
        onEvent: (e) => {
          logEvent(e);
          telemetry?.event(e);
          recorder?.event(e);
        },
        onBlock: (block) => {
          lastBlock_ms = performance.now();
          telemetry?.block(block);
          recorder?.block(block);
        },
        commands: config.telemetry.commands,
      },
    );
  } catch (error) {
    progress?.done();
    await running?.close();
    throw error;
  }
  const loop: BuiltSession = built;
  // A course (limits.course): once the session is built (a config that cannot run costs no
  // session) and before its first sample, the rig's lock and the ledger's say; the start
  // record is on disk before anything can stimulate. Replays deliver nothing and are not in it.
  if (o.replayOf === undefined) {
    try {
      course = await CourseGate.open(config, o.configPath, o.configDir);
    } catch (error) {
      await loop.close();
      await running?.close();
      throw error;
    }
  }
  const { session, policy, governor, steps } = loop;
  const startedAt = new Date();
  course?.startProgress(courseDose, (error) => logger.warn({ err: error.message, ledger: course?.ledgerPath }, 'course ledger: progress not written'));
  if (o.recordDir !== undefined) {
    try {
      recorder = await SessionRecorder.start({ root: o.recordDir, config, built: loop, start: startedAt, kind: o.replayOf === undefined ? 'run' : 'replay', seed: config.source.kind === 'sim' ? config.source.seed : null });
    } catch (error) {
      await loop.close();
      await running?.close();
      await endCourse('error', 0);
      throw error;
    }
  }
  // A recorded stop before any step: asked for before the first one.
  if (stopAfterIndex === 0) {
    stopAfterIndex = null;
    replayStopped = true;
    session.requestStop();
  }
  const status = progress === null ? new StatusLine() : null;
  const loopTelemetry = telemetry === null ? null : new LoopPublisher(telemetry, loop, config);
  // Every start check has passed: only now may an existing trace be replaced.
  const traces: NdjsonWriter[] = [];
  if (o.tracePath !== undefined) traces.push(new NdjsonWriter(o.tracePath));
  if (recorder !== null) traces.push(new NdjsonWriter(recorder.tracePath));
  const startLine = sessionStartLine(config, o.configPath, startedAt);
  try {
    for (const t of traces) t.writeNow(o.replayOf === undefined ? startLine : { ...startLine, replayOf: resolve(o.replayOf) });
  } catch (error) {
    // Not even the first line fits: nothing has run yet; close everything and say so.
    for (const t of traces) t.close();
    recorder?.abandon();
    await loop.close();
    await running?.close();
    await endCourse('error', 0);
    throw error;
  }
  const kept: ReturnType<typeof traceRecord>[] = [];
  logger.info({ rig: config.rig.id, source: loop.source.describe, policy: config.policy.kind, fs_Hz: loop.fs_Hz, channels: loop.channels, pacing: loop.pacing, config: o.configPath, recording: recorder?.folder.path }, o.replayOf === undefined ? 'session started' : 'replay started');

  return await new Promise<SessionRunResult>((resolvePromise) => {
    let interrupts = 0;
    let silentTimer: NodeJS.Timeout | null = null;
    let stoppedBy: string | null = null;
    let outputFailure: Error | null = null;
    const finish = (code: number, reason: string, how: RunEnd): void => {
      // The trace's closing line says whether the session ended as it should: the data
      // ran out or a stop ramped down (not an error, not a cut).
      const clean = how === 'end of data' || how === 'stopped';
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (silentTimer) clearInterval(silentTimer);
      status?.end();
      progress?.done();
      void (async () => {
        // Chips and lines to their safe states first (DAC zero and powered down, enable
        // inactive), so the summary's driver counters are final.
        await loop.close();
        const summary = sessionSummary(session, loop.brain(), config, loop.driverCounters());
        const end = sessionEndLine(session.end_s, reason, clean, session.takePendingEvents());
        for (const t of traces) {
          try {
            t.writeNow(end);
          } catch {
            // A trace that could not be written was reported when it happened.
          }
          t.close();
        }
        let exit = outputFailure === null ? code : 1;
        const latched = governor.latched;
        await endCourse(latched === 'estop' ? 'estop' : latched === 'fault' ? 'fault' : how === 'error' ? 'error' : how === 'end of data' ? 'completed' : 'stopped', summary.duration_s);
        if (recorder !== null) {
          try {
            await recorder.close(reason, clean, summary.duration_s);
            logger.info({ folder: recorder.folder.path }, 'session recorded');
          } catch (error) {
            process.stderr.write(`neuroloop: --record ${recorder.folder.path}: could not be completed (${(error as Error).message})\n`);
            exit = 1;
          }
        }
        logger.info({ reason, summary, telemetryDropped: telemetry?.droppedCounts }, o.replayOf === undefined ? 'session ended' : 'replay ended');
        if (o.summaryPath) {
          try {
            await AtomicTextOutput.writeWith(o.summaryPath, (out) => out.write(`${JSON.stringify(summary, null, 2)}\n`));
          } catch (error) {
            // Checked writable at start, so this is the machine (disk full), not the input.
            process.stderr.write(`neuroloop: --summary ${o.summaryPath}: could not be written (${(error as Error).message})\n`);
            exit = 1;
          }
        }
        // The retained stim/status show the output off and how the session ended.
        await running?.close({ applied: governor.applied, how, latched: governor.latched });
        logger.flush();
        resolvePromise({ exit, summary, steps: kept, end, thresholds: policy.thresholds(), recordedIn: recorder?.folder.path ?? null });
      })();
    };
    const endReason = (): string => {
      if (stoppedBy !== null) return `stopped by ${stoppedBy}`;
      if (outputFailure !== null) return `stopped: ${outputFailure.message}`;
      // A replay that reached the end of a neuroloop recording, or its recorded stop, ends for the recorded reason.
      if (recordedEnd !== null && (replayStopped || Math.round(session.end_s * loop.fs_Hz) >= recordedEndIndex)) return recordedEnd;
      return o.duration_s !== undefined && session.summary().duration_s >= (o.from_s ?? 0) + o.duration_s - 1 / loop.fs_Hz ? 'duration reached' : 'end of data';
    };
    const subscription = steps.subscribe({
      next: (step) => {
        lastStep = step;
        const line = traceRecord(step);
        try {
          for (const t of traces) t.write(line, step.t_s * 1000);
          recorder?.step(step);
        } catch {
          // Kept in the writer's `failed`, acted on just below.
        }
        if (outputFailure === null) {
          const failure = traces.find((t) => t.failed !== null)?.failed ?? recorder?.failed ?? null;
          if (failure !== null) {
            // What the session should leave on disk can no longer be written: end it the orderly way.
            outputFailure = failure;
            logger.error({ err: failure.message }, 'an output cannot be written: stopping the session');
            process.stderr.write(`neuroloop: ${failure.message}; stopping the session (stimulation ramps off)\n`);
            session.requestStop();
          }
        }
        if (o.keepSteps) kept.push(line);
        if (stopAfterIndex !== null && step.index >= stopAfterIndex) {
          stopAfterIndex = null;
          replayStopped = true;
          session.requestStop();
        }
        if (telemetry) {
          telemetry.step(step);
          telemetry.setState(governor.latched === 'estop' ? 'estop' : governor.latched ? 'fault' : 'online');
          loopTelemetry?.step(step.t_s);
        }
        if (status !== null) {
          const governorState = governor.latched ? `LATCHED ${governor.latched}` : governor.fallbackActive ? 'FALLBACK' : session.stopping ? 'stopping' : 'ok';
          const adc = loop.driverCounters().source;
          const driver = adc === null ? undefined : `adc ${adc.measuredFs_Hz === null ? 'rate not measured yet' : `${adc.measuredFs_Hz.toFixed(2)} Hz measured`}, ${adc.gapSamples} lost`;
          status.show(step, { thresholds: policy.thresholds(), policyState: policy.state(), governorState, driver });
        }
      },
      error: (error: unknown) => {
        logger.error({ err: error }, 'session failed');
        process.stderr.write(`neuroloop: ${(error as Error).message}\n`);
        finish(error instanceof InputError ? 2 : 1, `error: ${(error as Error).message}`, 'error');
      },
      complete: () => finish(0, endReason(), stoppedBy === null && !replayStopped && outputFailure === null ? 'end of data' : 'stopped'),
    });
    function onSignal(signal: NodeJS.Signals): void {
      interrupts++;
      if (interrupts === 1) {
        logger.info({ signal }, 'stopping: ramping stimulation off through the governor');
        stoppedBy = signal;
        // In the recording: a replay asks for the same stop after the same step.
        recorder?.stop(lastStep?.t_s ?? 0, `by ${signal}`);
        session.requestStop();
      } else {
        session.estop(`second ${signal}`);
        subscription.unsubscribe();
        finish(0, `second ${signal}: stimulation cut`, 'cut');
      }
    }
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // A signal that came while the session was starting is acted on now.
    held.handOver(onSignal);
    if (loop.pacing === 'realtime') {
      // Live only: a source that goes quiet must still reach the governor's watchdog.
      silentTimer = setInterval(() => {
        const silent_ms = performance.now() - lastBlock_ms;
        if (silent_ms >= config.limits.staleAfter_ms) session.sourceSilent(silent_ms / 1000);
      }, 100);
    }
  });
}
