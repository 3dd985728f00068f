#!/usr/bin/env node
import { ConfigError } from '../config/problems.js';
import { InputError } from '../drivers/inputError.js';
import { OutputClosedError } from '../drivers/outputClosedError.js';
import { OutputWriteError } from '../drivers/outputWriteError.js';
import { CONFIG_HELP, COURSE_HELP, DASHBOARD_HELP, DOCTOR_HELP, FEATURES_HELP, MAIN_HELP, MARK_HELP, REPLAY_HELP, RUN_HELP, SIM_HELP } from './helpTexts.js';
import { packageVersion } from './version.js';

// Each command's module is imported when it is asked for: `--help` and `config check`
// must not pay for rxjs, pino, mqtt and the signal path (start-up time on small boards).
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run':
      if (asksForHelp(rest)) return printHelp(RUN_HELP);
      return (await import('./runCommand.js')).runCommand(rest);
    case 'replay':
      if (asksForHelp(rest)) return printHelp(REPLAY_HELP);
      return (await import('./replayCommand.js')).replayCommand(rest);
    case 'features':
      if (asksForHelp(rest)) return printHelp(FEATURES_HELP);
      return (await import('./featuresCommand.js')).featuresCommand(rest);
    case 'sim':
      if (asksForHelp(rest)) return printHelp(SIM_HELP);
      return (await import('./simCommand.js')).simCommand(rest);
    case 'doctor':
      if (asksForHelp(rest)) return printHelp(DOCTOR_HELP);
      return (await import('./doctorCommand.js')).doctorCommand(rest);
    case 'course':
      if (asksForHelp(rest)) return printHelp(COURSE_HELP);
      return (await import('./courseCommand.js')).courseCommand(rest);
    case 'mark':
      if (asksForHelp(rest)) return printHelp(MARK_HELP);
      return (await import('./markCommand.js')).markCommand(rest);
    case 'dashboard':
      if (asksForHelp(rest)) return printHelp(DASHBOARD_HELP);
      return (await import('./dashboardCommand.js')).dashboardCommand(rest);
    case 'config':
      if (rest[0] === '--help' || rest[0] === '-h') return printHelp(CONFIG_HELP);
      return (await import('./configCommand.js')).configCommand(rest);
    case '--version':
    case '-v':
      process.stdout.write(`${packageVersion()}\n`);
      return 0;
    case '--help':
    case '-h':
    case 'help':
      return printHelp(MAIN_HELP);
    case undefined:
      process.stderr.write(MAIN_HELP);
      return 2;
    default:
      throw new InputError(`unknown command "${command}"; the commands are run, replay, features, sim, config, doctor, course, mark, dashboard (neuroloop --help)`);
  }
}

/** `--help` anywhere before a `--` (parseArgs would read it the same way). */
function asksForHelp(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

function printHelp(text: string): number {
  process.stdout.write(text);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof OutputClosedError) {
      // `| head` took what it wanted: stop quietly.
      process.exitCode = 0;
    } else if (error instanceof OutputWriteError) {
      process.stderr.write(`neuroloop: ${error.message}\n`);
      process.exitCode = 1;
    } else if (error instanceof ConfigError || error instanceof InputError) {
      process.stderr.write(`neuroloop: ${error.message}\n`);
      process.exitCode = 2;
    } else if (error instanceof TypeError && (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      // node:util parseArgs: unknown option or a missing value.
      process.stderr.write(`neuroloop: ${error.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`neuroloop: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
