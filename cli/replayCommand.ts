import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AtomicTextOutput } from '../drivers/atomicTextOutput.js';
import { InputError } from '../drivers/inputError.js';
import { checkOutputPaths } from '../drivers/outputPaths.js';
import { SESSION_FILES } from '../drivers/sessionFolder.js';
import { PLAUSIBLE } from '../config/plausibleRanges.js';
import { parseChannels, parseInRange } from './args.js';
import { REPLAY_HELP } from './helpTexts.js';
import { LOG_FORMATS, type LogFormat } from './logger.js';
import { parseSpeed, replayConfig } from './replayConfig.js';
import { checkRunPaths } from './runCommand.js';
import { runSession, type SessionRunResult } from './runSession.js';
import { packageVersion } from './version.js';

/**
 * `neuroloop replay FILE`: the closed loop on recorded samples (docs/design.md, Recording).
 * The config's policy, signal path and limits; the file as the source; never hardware:
 * the stimulator is the simulated one (it drives nothing without a simulated patient) and
 * no GPIO line is claimed. Telemetry only with --mqtt.
 */
export async function replayCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      compare: { type: 'string', multiple: true },
      speed: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      channels: { type: 'string' },
      fs: { type: 'string' },
      set: { type: 'string', multiple: true },
      trace: { type: 'string' },
      summary: { type: 'string' },
      record: { type: 'string' },
      report: { type: 'string' },
      jobs: { type: 'string' },
      mqtt: { type: 'string' },
      'log-format': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(REPLAY_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new InputError('replay: expected a FILE (.edf, .bdf or .csv) to replay (neuroloop replay --help)');
  const logFormat = values['log-format'] ?? 'auto';
  if (!(LOG_FORMATS as readonly string[]).includes(logFormat)) throw new InputError(`--log-format: expected auto, json or pretty, got "${logFormat}"`);
  const speed = parseSpeed(values.speed);
  const from_s = parseSeconds('--from', values.from, true);
  const to_s = parseSeconds('--to', values.to, false);
  const fs_Hz = parseInRange('--fs', values.fs, PLAUSIBLE.fs_Hz.min, PLAUSIBLE.fs_Hz.max, 'Hz');
  if (to_s !== undefined && to_s <= (from_s ?? 0)) throw new InputError(`--to ${to_s} must be after --from ${from_s ?? 0}`);
  const channels = values.channels === undefined ? undefined : parseChannels(values.channels);
  if (positionals.length > 1 || values.jobs !== undefined) {
    const { replayMany } = await import('./replayMany.js');
    return replayMany(positionals, { configPath: values.config, sets: values.set ?? [], from_s, to_s, channels, summary: values.summary, jobs: values.jobs, refused: { trace: values.trace, record: values.record, report: values.report, compare: values.compare, speed: values.speed, mqtt: values.mqtt } });
  }
  const file = positionals[0];
  checkIsFile(file);
  if (values.record !== undefined && from_s !== undefined) {
    throw new InputError('--record with --from: a recording starts at the first sample replayed, so its times would not be the file\'s; replay from the start (--to alone is fine), or record the whole replay');
  }
  const configPaths = values.compare ?? [values.config ?? sessionConfigOf(file)];
  if (values.compare !== undefined) {
    if (values.config !== undefined) throw new InputError('--config and --compare: --compare A.yaml B.yaml names every config; drop --config');
    if (values.compare.length < 2) throw new InputError('--compare: give two or more configs, each after its own --compare (--compare A.yaml --compare B.yaml)');
    for (const flag of ['trace', 'summary', 'record'] as const) {
      if (values[flag] !== undefined) throw new InputError(`--${flag} with --compare: one replay per config; compare them in --report, or replay each config on its own`);
    }
    if (values.report === undefined) throw new InputError('--compare: the comparison goes into --report F.html; give one');
  }
  const configs = configPaths.map((path) => replayConfig(path, values.set ?? [], file, channels, speed, fs_Hz));
  for (const [i, config] of configs.entries()) {
    checkRunPaths(config, configPaths[i], dirname(resolve(configPaths[i])), values.trace, values.summary, values.record);
  }
  if (values.report !== undefined) checkReportPath(values.report, [file, ...configPaths], [values.trace, values.summary]);
  const duration_s = to_s === undefined ? undefined : to_s - (from_s ?? 0);
  const results: SessionRunResult[] = [];
  for (const [i, config] of configs.entries()) {
    const run = (): Promise<SessionRunResult> => runSession({
      config,
      configPath: configPaths[i],
      configDir: dirname(resolve(configPaths[i])),
      duration_s,
      speed: speed.kind === 'max' ? 'max' : 'realtime',
      speedFactor: speed.kind === 'paced' ? speed.factor : undefined,
      from_s,
      tracePath: values.trace,
      summaryPath: values.summary,
      recordDir: values.record,
      telemetry: { on: values.mqtt !== undefined, url: values.mqtt, takeOver: false },
      logFormat: logFormat as LogFormat,
      replayOf: file,
      keepSteps: values.report !== undefined,
    });
    let result: SessionRunResult;
    try {
      result = await run();
    } catch (error) {
      // With several configs, say which one did not fit the file.
      if (configs.length > 1 && error instanceof InputError) throw new InputError(`--compare ${configPaths[i]}: ${error.message}`);
      throw error;
    }
    results.push(result);
    if (result.exit !== 0) return result.exit;
  }
  if (values.report !== undefined) {
    const { renderReportHtml } = await import('./report/renderReportHtml.js');
    const html = renderReportHtml(
      results.map((r, i) => ({ label: basename(configPaths[i]), steps: r.steps, end: r.end, summary: r.summary, thresholds: r.thresholds })),
      { title: `neuroloop replay of ${basename(file)}`, source: resolve(file), generatedBy: `neuroloop ${packageVersion()}` },
    );
    try {
      await AtomicTextOutput.writeWith(values.report, (out) => out.write(html));
    } catch (error) {
      // Checked writable at start, so this is the machine (a full disk), not the input.
      process.stderr.write(`neuroloop: --report ${values.report}: could not be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})\n`);
      return 1;
    }
  }
  return 0;
}

/** A session folder's own config beside its signal file; else --config is needed. */
function sessionConfigOf(file: string): string {
  const candidate = join(dirname(file), SESSION_FILES.config);
  if (existsSync(candidate) && existsSync(join(dirname(file), SESSION_FILES.manifest))) return candidate;
  throw new InputError(`replay: --config FILE is required (the policy, signal path and limits to replay ${basename(file)} with; a recorded session's folder has its own config.yaml, used when there is one)`);
}

/** Seconds as plain decimals (no hex, no exponent), at most 7 days. */
function parseSeconds(flag: string, text: string | undefined, zeroAllowed: boolean): number | undefined {
  if (text === undefined) return undefined;
  const x = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || x > PLAUSIBLE.duration_s.max || (!zeroAllowed && x === 0)) {
    throw new InputError(`${flag}: expected seconds of data ${zeroAllowed ? '>= 0' : '> 0'} (e.g. 12.5), at most ${PLAUSIBLE.duration_s.max}, got "${text}"`);
  }
  return x;
}

/** FILE must be a file: a FIFO would block the open, a folder is no recording. */
function checkIsFile(file: string): void {
  let stats;
  try {
    stats = statSync(file);
  } catch {
    throw new InputError(`replay: ${file}: file not found`);
  }
  if (!stats.isFile()) throw new InputError(`replay: ${file}: not a regular file; expected an EDF, BDF or CSV file`);
}

function checkReportPath(report: string, inputs: readonly string[], outputs: readonly (string | undefined)[]): void {
  if (!report.toLowerCase().endsWith('.html')) throw new InputError(`--report ${report}: expected a file name ending in .html`);
  const others = outputs.filter((p): p is string => p !== undefined).map((path) => ({ place: 'another output', path }));
  checkOutputPaths([{ place: '--report', path: report, atomic: true }], [...inputs.map((path) => ({ place: 'an input', path })), ...others]);
}
