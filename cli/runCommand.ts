import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig, readConfigFile } from '../config/load.js';
import { applyOverrides } from '../config/overrides.js';
import { calibratedThresholdSets } from './calibratedThresholdSets.js';
import type { Config } from '../config/schema.js';
import { InputError } from '../drivers/inputError.js';
import { checkOutputPaths, type NamedPath, type OutputPath } from '../drivers/outputPaths.js';
import { PLAUSIBLE } from '../config/plausibleRanges.js';
import { parseInteger, parseMqttUrl, parsePositive } from './args.js';
import { LOG_FORMATS, type LogFormat } from './logger.js';
import { withAbsoluteLedger } from './courseGate.js';
import { runSession } from './runSession.js';
import { type ListenAddress, parseListenAddress } from './listenAddress.js';
import { checkSessionDashboard } from './sessionDashboard.js';
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
      record: { type: 'string' },
      summary: { type: 'string' },
      mqtt: { type: 'string' },
      'no-mqtt': { type: 'boolean' },
      // Start although another session holds the rig on the broker.
      'take-over': { type: 'boolean' },
      // Serve the live dashboard page beside the session (docs/dashboard.md).
      dashboard: { type: 'string' },
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
  const configDir = dirname(resolve(values.config));
  const config: Config = withAbsoluteLedger(parseConfig(raw, sets.length > 0 ? `${values.config} with --set` : values.config), configDir);
  if (seed !== undefined && config.source.kind !== 'sim') throw new InputError('--seed: the source is not the simulator');
  const overridden = calibratedThresholdSets(config, sets);
  if (overridden !== null) process.stderr.write(`neuroloop: note: ${overridden}\n`);
  if (values.mqtt !== undefined && values['no-mqtt']) throw new InputError('--mqtt and --no-mqtt: choose one');
  if (values.mqtt !== undefined) parseMqttUrl('--mqtt', values.mqtt);
  const telemetryOn = config.telemetry.enabled && !values['no-mqtt'];
  let dashboard: ListenAddress | undefined;
  if (values.dashboard !== undefined) {
    dashboard = parseListenAddress('--dashboard', values.dashboard);
    await checkSessionDashboard(config, dashboard, telemetryOn, values.mqtt);
  }
  checkRunPaths(config, values.config, configDir, values.trace, values.summary, values.record);

  const result = await runSession({
    config,
    configPath: values.config,
    configDir,
    duration_s,
    speed: values.speed as 'realtime' | 'max' | undefined,
    tracePath: values.trace,
    summaryPath: values.summary,
    recordDir: values.record,
    telemetry: { on: telemetryOn, url: values.mqtt, takeOver: values['take-over'] === true },
    dashboard,
    logFormat: logFormat as LogFormat,
  });
  return result.exit;
}

/**
 * Every file a run writes is checked before anything starts (exit 2, nothing touched): it
 * can be written, and it is neither an input (the config, the CSV source) nor another
 * output. The trace and the log are written in place (readable while running); the
 * summary through a temporary file and a rename.
 */
export function checkRunPaths(config: Config, configPath: string, configDir: string, trace: string | undefined, summary: string | undefined, record: string | undefined, extraInputs: readonly NamedPath[] = []): void {
  if (record === '-') throw new InputError('--record: expected a folder, got "-"');
  if (record !== undefined) checkRecordRoot(record);
  for (const [place, path] of [['--trace', trace], ['--summary', summary]] as const) {
    if (path === '-') throw new InputError(`${place}: "-" (stdout) is taken by the live view; give a file path`);
  }
  const outputs: OutputPath[] = [];
  if (trace !== undefined) outputs.push({ place: '--trace', path: trace, atomic: false });
  if (summary !== undefined) outputs.push({ place: '--summary', path: summary, atomic: true });
  if (config.logging.file !== undefined) outputs.push({ place: 'logging.file', path: config.logging.file, atomic: false });
  const inputs: NamedPath[] = [{ place: '--config', path: configPath }];
  if (config.source.kind === 'csv' || config.source.kind === 'edf') inputs.push({ place: 'source.path', path: resolve(configDir, config.source.path) });
  inputs.push(...extraInputs);
  checkOutputPaths(outputs, inputs);
}

/** --record DIR: a folder (made if missing) that can be written; a file there is refused. */
function checkRecordRoot(dir: string): void {
  let stats;
  try {
    stats = statSync(dir);
  } catch {
    return; // made at start, with its parents
  }
  if (!stats.isDirectory()) throw new InputError(`--record ${dir}: is not a folder`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new InputError(`--record ${dir}: cannot be written (permission denied)`);
  }
}
