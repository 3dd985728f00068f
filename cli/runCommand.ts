import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig, readConfigFile } from '../config/load.js';
import { applyOverrides } from '../config/overrides.js';
import type { Config } from '../config/schema.js';
import { type GovernorEventKind, LIMIT_EVENT_KINDS } from '../controller/governorEvent.js';
import { type SessionEvent, traceRecord } from '../controller/session.js';
import { AtomicTextOutput } from '../drivers/atomicTextOutput.js';
import { InputError } from '../drivers/inputError.js';
import { NdjsonWriter } from '../drivers/ndjsonWriter.js';
import { checkOutputPaths, type NamedPath, type OutputPath } from '../drivers/outputPaths.js';
import { PLAUSIBLE } from '../config/plausibleRanges.js';
import { parseInteger, parseMqttUrl, parsePositive } from './args.js';
import { type BuiltSession, buildSession } from './buildSession.js';
import { type RunEnd, type RunningTelemetry, startTelemetry } from './startTelemetry.js';
import { createLogger, LOG_FORMATS, type LogFormat } from './logger.js';
import { sessionEndLine, sessionStartLine } from './sessionTraceLines.js';
import { StatusLine } from './statusLine.js';
import { sessionSummary } from './sessionSummary.js';
import { RUN_HELP } from './helpTexts.js';

export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      duration: { type: 'string' },
      speed: { type: 'string' },
      seed: { type: 'string' },
      set: { type: 'string', multiple: true },
      trace: { type: 'string' },
      summary: { type: 'string' },
      mqtt: { type: 'string' },
      'no-mqtt': { type: 'boolean' },
      // Start although another session holds the rig on the broker.
      'take-over': { type: 'boolean' },
      'log-format': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(RUN_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new InputError(`run: unexpected argument "${positionals[0]}" (neuroloop run --help)`);
  if (values.config === undefined) throw new InputError('run: --config FILE is required (try --config config/examples/sim-adbs.yaml; neuroloop run --help)');
  if (values.speed !== undefined && values.speed !== 'realtime' && values.speed !== 'max') {
    throw new InputError(`--speed: expected realtime or max, got "${values.speed}"`);
  }
  const logFormat = values['log-format'] ?? 'auto';
  if (!(LOG_FORMATS as readonly string[]).includes(logFormat)) throw new InputError(`--log-format: expected auto, json or pretty, got "${logFormat}"`);
  const duration_s = parsePositive('--duration', values.duration, PLAUSIBLE.duration_s.max);
  const seed = parseInteger('--seed', values.seed, PLAUSIBLE.seed.min, PLAUSIBLE.seed.max);
  const sets = [...(values.set ?? []), ...(seed === undefined ? [] : [`source.seed=${seed}`])];
  const raw = applyOverrides(readConfigFile(values.config), sets);
  const config: Config = parseConfig(raw, sets.length > 0 ? `${values.config} with --set` : values.config);
  if (seed !== undefined && config.source.kind !== 'sim') throw new InputError('--seed: the source is not the simulator');
  if (values.mqtt !== undefined && values['no-mqtt']) throw new InputError('--mqtt and --no-mqtt: choose one');
  if (values.mqtt !== undefined) parseMqttUrl('--mqtt', values.mqtt);
  const configDir = dirname(resolve(values.config));
  checkRunPaths(config, values.config, configDir, values.trace, values.summary);

  const logger = await createLogger(config.logging, logFormat as LogFormat);
  const warnKinds: ReadonlySet<string> = new Set<GovernorEventKind>([...LIMIT_EVENT_KINDS, 'estop', 'lockout', 'watchdog-fallback', 'dose-exhausted']);
  const logEvent = (e: SessionEvent): void => {
    if (warnKinds.has(e.kind) || (e.kind === 'command' && !e.ok)) logger.warn({ event: e }, e.kind);
    else logger.info({ event: e }, e.kind);
  };
  let lastBlock_ms = performance.now();
  const telemetryOn = config.telemetry.enabled && !values['no-mqtt'];
  let running: RunningTelemetry | null = null;
  let built: BuiltSession | null = null;
  // Null until built: a command arriving before the session is refused, not a crash.
  if (telemetryOn) running = await startTelemetry(config, values.mqtt, () => built?.session ?? null, logger, { takeOver: values['take-over'] === true });
  const telemetry = running?.telemetry ?? null;
  try {
    built = await buildSession(
      config,
      { configDir, duration_s, speed: values.speed as 'realtime' | 'max' | undefined },
      {
        onEvent: (e) => {
          logEvent(e);
          telemetry?.event(e);
        },
        onBlock: (block) => {
          lastBlock_ms = performance.now();
          telemetry?.block(block);
        },
        commands: config.telemetry.commands,
      },
    );
  } catch (error) {
    await running?.close();
    throw error;
  }
  const loop: BuiltSession = built;
  const { session, policy, governor, steps } = loop;
  const status = new StatusLine();
  // Every start check has passed: only now may an existing trace be replaced.
  const trace = values.trace ? new NdjsonWriter(values.trace) : null;
  trace?.writeNow(sessionStartLine(config, values.config, new Date()));
  logger.info({ rig: config.rig.id, source: config.source.kind, policy: config.policy.kind, fs_Hz: built.fs_Hz, channels: built.channels, pacing: built.pacing, config: values.config }, 'session started');

  return await new Promise<number>((resolvePromise) => {
    let interrupts = 0;
    let silentTimer: NodeJS.Timeout | null = null;
    let stoppedBy: string | null = null;
    const finish = (code: number, reason: string, how: RunEnd): void => {
      // The trace's closing line says whether the session ended as it should: the data
      // ran out or a stop ramped down (not an error, not a cut).
      const clean = how === 'end of data' || how === 'stopped';
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (silentTimer) clearInterval(silentTimer);
      status.end();
      void (async () => {
        // Chips and lines to their safe states first (DAC zero and powered down, enable
        // inactive), so the summary's driver counters are final.
        await loop.close();
        const summary = sessionSummary(session, loop.brain(), config, loop.driverCounters());
        if (trace) {
          trace.writeNow(sessionEndLine(summary.duration_s, reason, clean, session.takePendingEvents()));
          trace.close();
        }
        logger.info({ reason, summary, telemetryDropped: telemetry?.droppedCounts }, 'session ended');
        let exit = code;
        if (values.summary) {
          try {
            await AtomicTextOutput.writeWith(values.summary, (out) => out.write(`${JSON.stringify(summary, null, 2)}\n`));
          } catch (error) {
            // Checked writable at start, so this is the machine (disk full), not the input.
            process.stderr.write(`neuroloop: --summary ${values.summary}: could not be written (${(error as Error).message})\n`);
            exit = 1;
          }
        }
        // The retained stim/status show the output off and how the session ended.
        await running?.close({ applied: governor.applied, how, latched: governor.latched });
        logger.flush();
        resolvePromise(exit);
      })();
    };
    const endReason = (): string => {
      if (stoppedBy !== null) return `stopped by ${stoppedBy}`;
      return duration_s !== undefined && session.summary().duration_s >= duration_s - 1 / loop.fs_Hz ? 'duration reached' : 'end of data';
    };
    const subscription = steps.subscribe({
      next: (step) => {
        trace?.write(traceRecord(step), step.t_s * 1000);
        if (telemetry) {
          telemetry.step(step);
          telemetry.setState(governor.latched === 'estop' ? 'estop' : governor.latched ? 'fault' : 'online');
        }
        const governorState = governor.latched ? `LATCHED ${governor.latched}` : governor.fallbackActive ? 'FALLBACK' : session.stopping ? 'stopping' : 'ok';
        const adc = loop.driverCounters().source;
        const driver = adc === null ? undefined : `adc ${adc.measuredFs_Hz === null ? 'rate not measured yet' : `${adc.measuredFs_Hz.toFixed(2)} Hz measured`}, ${adc.gapSamples} lost`;
        status.show(step, { thresholds: policy.thresholds(), policyState: policy.state(), governorState, driver });
      },
      error: (error: unknown) => {
        logger.error({ err: error }, 'session failed');
        process.stderr.write(`neuroloop: ${(error as Error).message}\n`);
        finish(error instanceof InputError ? 2 : 1, `error: ${(error as Error).message}`, 'error');
      },
      complete: () => finish(0, endReason(), stoppedBy === null ? 'end of data' : 'stopped'),
    });
    function onSignal(signal: NodeJS.Signals): void {
      interrupts++;
      if (interrupts === 1) {
        logger.info({ signal }, 'stopping: ramping stimulation off through the governor');
        stoppedBy = signal;
        session.requestStop();
      } else {
        session.estop(`second ${signal}`);
        subscription.unsubscribe();
        finish(0, `second ${signal}: stimulation cut`, 'cut');
      }
    }
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    if (built.pacing === 'realtime') {
      // Live only: a source that goes quiet must still reach the governor's watchdog.
      silentTimer = setInterval(() => {
        const silent_ms = performance.now() - lastBlock_ms;
        if (silent_ms >= config.limits.staleAfter_ms) session.sourceSilent(silent_ms / 1000);
      }, 100);
    }
  });
}

/**
 * Every file a run writes is checked before anything starts (exit 2, nothing touched): it
 * can be written, and it is neither an input (the config, the CSV source) nor another
 * output. The trace and the log are written in place (readable while running); the
 * summary through a temporary file and a rename.
 */
function checkRunPaths(config: Config, configPath: string, configDir: string, trace: string | undefined, summary: string | undefined): void {
  for (const [place, path] of [['--trace', trace], ['--summary', summary]] as const) {
    if (path === '-') throw new InputError(`${place}: "-" (stdout) is taken by the live view; give a file path`);
  }
  const outputs: OutputPath[] = [];
  if (trace !== undefined) outputs.push({ place: '--trace', path: trace, atomic: false });
  if (summary !== undefined) outputs.push({ place: '--summary', path: summary, atomic: true });
  if (config.logging.file !== undefined) outputs.push({ place: 'logging.file', path: config.logging.file, atomic: false });
  const inputs: NamedPath[] = [{ place: '--config', path: configPath }];
  if (config.source.kind === 'csv') inputs.push({ place: 'source.path', path: resolve(configDir, config.source.path) });
  checkOutputPaths(outputs, inputs);
}
