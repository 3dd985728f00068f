import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig, readConfigFile } from '../config/load.js';
import { applyOverrides } from '../config/overrides.js';
import type { Config } from '../config/schema.js';
import { type GovernorEventKind, LIMIT_EVENT_KINDS } from '../controller/governorEvent.js';
import { type SessionEvent, traceRecord } from '../controller/session.js';
import { InputError } from '../drivers/inputError.js';
import { NdjsonWriter } from '../drivers/ndjsonWriter.js';
import { parseInteger, parsePositive } from './args.js';
import { type BuiltSession, buildSession } from './buildSession.js';
import { type RunningTelemetry, startTelemetry } from './startTelemetry.js';
import { createLogger } from './logger.js';
import { StatusLine } from './statusLine.js';
import { sessionSummary } from './sessionSummary.js';

export const RUN_HELP = `Usage: neuroloop run --config FILE [options]

Runs the closed loop: source -> filters -> band power -> biomarker -> policy -> safety
governor -> stimulator, driven by data time, with a one-line live view.
Ctrl+C ramps stimulation off through the governor, writes the summary and exits 0
(a second Ctrl+C cuts stimulation at once).

Options:
  --config FILE          config (YAML or JSON); see config/examples/
  --duration S           stop after S seconds of data (default: until Ctrl+C)
  --speed realtime|max   pacing of a simulated or file source (default: from the config)
  --seed K               shorthand for --set source.seed=K
  --set KEY=VALUE        override any config key by its dotted path (repeatable),
                         validated like the file: --set policy.upperThreshold=1.5
  --trace FILE.ndjson    one JSON line per feature frame: request, applied, events
  --summary FILE.json    what the session did (duration, stimulation, energy, bursts)
  --mqtt URL             telemetry to this broker (mqtt://, mqtts://, ws://, wss://)
  --no-mqtt              no telemetry (default: telemetry.mqtt.url, else an embedded
                         broker on 127.0.0.1:1883)
  --take-over            start even if the broker shows this rig.id online in another
                         session (default: refuse, exit 2)
`;

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
      // [helper B] telemetry: start although another session holds the rig on the broker.
      'take-over': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(RUN_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new InputError(`run: unexpected argument "${positionals[0]}"\n\n${RUN_HELP}`);
  if (values.config === undefined) throw new InputError(`run: --config FILE is required (try config/examples/sim-adbs.yaml)\n\n${RUN_HELP}`);
  if (values.speed !== undefined && values.speed !== 'realtime' && values.speed !== 'max') {
    throw new InputError(`--speed: expected realtime or max, got "${values.speed}"`);
  }
  const duration_s = parsePositive('--duration', values.duration);
  const seed = parseInteger('--seed', values.seed, 0, 2 ** 32 - 1);
  const sets = [...(values.set ?? []), ...(seed === undefined ? [] : [`source.seed=${seed}`])];
  const raw = applyOverrides(readConfigFile(values.config), sets);
  const config: Config = parseConfig(raw, sets.length > 0 ? `${values.config} with --set` : values.config);
  if (seed !== undefined && config.source.kind !== 'sim') throw new InputError('--seed: the source is not the simulator');
  if (values.mqtt !== undefined && values['no-mqtt']) throw new InputError('--mqtt and --no-mqtt: choose one');
  if (values.mqtt !== undefined && !/^(mqtts?|wss?):\/\/[^\s/]+/.test(values.mqtt)) {
    throw new InputError(`--mqtt: expected an mqtt://, mqtts://, ws:// or wss:// URL, got "${values.mqtt}"`);
  }

  const logger = createLogger(config.logging);
  const trace = values.trace ? new NdjsonWriter(values.trace) : null;
  const warnKinds: ReadonlySet<string> = new Set<GovernorEventKind>([...LIMIT_EVENT_KINDS, 'estop', 'lockout', 'watchdog-fallback', 'dose-exhausted']);
  const logEvent = (e: SessionEvent): void => {
    if (warnKinds.has(e.kind) || (e.kind === 'command' && !e.ok)) logger.warn({ event: e }, e.kind);
    else logger.info({ event: e }, e.kind);
  };
  let lastBlock_ms = performance.now();
  const telemetryOn = config.telemetry.enabled && !values['no-mqtt'];
  let running: RunningTelemetry | null = null;
  let built: BuiltSession | null = null;
  // [helper B] null until built: a command arriving before the session is refused, not a crash.
  if (telemetryOn) running = await startTelemetry(config, values.mqtt, () => built?.session ?? null, logger, { takeOver: values['take-over'] === true });
  const telemetry = running?.telemetry ?? null;
  try {
    built = await buildSession(
      config,
      { configDir: dirname(resolve(values.config)), duration_s, speed: values.speed as 'realtime' | 'max' | undefined },
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
  logger.info({ rig: config.rig.id, source: config.source.kind, policy: config.policy.kind, fs_Hz: built.fs_Hz, channels: built.channels, pacing: built.pacing, config: values.config }, 'session started');

  return await new Promise<number>((resolvePromise) => {
    let interrupts = 0;
    let silentTimer: NodeJS.Timeout | null = null;
    const finish = (code: number, reason: string): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (silentTimer) clearInterval(silentTimer);
      status.end();
      trace?.close();
      const summary = sessionSummary(session, loop.brain(), config);
      if (values.summary) writeFileSync(values.summary, `${JSON.stringify(summary, null, 2)}\n`);
      logger.info({ reason, summary, telemetryDropped: telemetry?.droppedCounts }, 'session ended');
      // [helper B] the retained stim/status show the output off and how the session ended.
      const closing = running ? running.close({ applied: governor.applied, reason, latched: governor.latched }) : Promise.resolve();
      void closing.finally(() => {
        logger.flush();
        resolvePromise(code);
      });
    };
    const subscription = steps.subscribe({
      next: (step) => {
        trace?.write(traceRecord(step), step.t_s * 1000);
        if (telemetry) {
          telemetry.step(step);
          telemetry.setState(governor.latched === 'estop' ? 'estop' : governor.latched ? 'fault' : 'online');
        }
        const governorState = governor.latched ? `LATCHED ${governor.latched}` : governor.fallbackActive ? 'FALLBACK' : session.stopping ? 'stopping' : 'ok';
        status.show(step, { thresholds: policy.thresholds(), policyState: policy.state(), governorState });
      },
      error: (error: unknown) => {
        logger.error({ err: error }, 'session failed');
        process.stderr.write(`neuroloop: ${(error as Error).message}\n`);
        finish(error instanceof InputError ? 2 : 1, 'error');
      },
      complete: () => finish(0, session.stopping ? 'stopped' : 'end of data'),
    });
    function onSignal(signal: NodeJS.Signals): void {
      interrupts++;
      if (interrupts === 1) {
        logger.info({ signal }, 'stopping: ramping stimulation off through the governor');
        session.requestStop();
      } else {
        session.estop(`second ${signal}`);
        subscription.unsubscribe();
        finish(0, `${signal} (cut)`);
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
