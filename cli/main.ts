#!/usr/bin/env node
import { ConfigError } from '../config/problems.js';
import { InputError } from '../drivers/inputError.js';
import { CONFIG_HELP, configCommand } from './configCommand.js';
import { FEATURES_HELP, featuresCommand } from './featuresCommand.js';
import { RUN_HELP, runCommand } from './runCommand.js';
import { SIM_HELP, simCommand } from './simCommand.js';
import { packageVersion } from './version.js';

const HELP = `neuroloop: closed-loop neuromodulation controller

Usage: neuroloop <command> [options]     (neuroloop <command> --help for details)

Commands:
  run --config FILE       run a session (simulated, live or replayed)
  features INPUT.csv      band power of a recorded signal, one row per window
  sim --duration S        write synthetic LFP/EEG as CSV
  config check FILE       validate a config file
  config schema           print the config's JSON Schema

Exit codes: 0 success, 2 bad input (config, file, arguments), 1 internal failure.
`;


async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run':
      return runCommand(rest);
    case 'features':
      return featuresCommand(rest);
    case 'sim':
      return simCommand(rest);
    case 'config':
      return configCommand(rest);
    case '--version':
    case '-v':
      process.stdout.write(`${packageVersion()}\n`);
      return 0;
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(HELP);
      return 0;
    case undefined:
      process.stderr.write(HELP);
      return 2;
    default:
      throw new InputError(`unknown command "${command}"\n\n${HELP}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof InputError || error instanceof ConfigError) {
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

export { CONFIG_HELP, FEATURES_HELP, RUN_HELP, SIM_HELP };
