import { dirname, resolve } from 'node:path';
import { configJsonSchema } from '../config/jsonSchema.js';
import { loadConfigFile } from '../config/load.js';
import { sourceNominalFs_Hz } from '../config/schema.js';
import { InputError } from '../drivers/inputError.js';
import { checkLedgerPlace, ledgerPathOf } from './courseGate.js';
import { checkPulsePattern } from './pulsePatternCheck.js';
import { CONFIG_HELP } from './helpTexts.js';

export function configCommand(argv: string[]): number {
  const [verb, ...rest] = argv;
  if (verb === '--help' || verb === '-h' || verb === undefined) {
    process.stdout.write(CONFIG_HELP);
    return verb === undefined ? 2 : 0;
  }
  if (verb === 'schema') {
    if (rest.length > 0) throw new InputError(`config schema: unexpected argument "${rest[0]}"`);
    // `config schema | head`: a reader that stops early is not an error (EPIPE).
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
    process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    return 0;
  }
  if (verb === 'check') {
    if (rest.length !== 1) throw new InputError(`config check: expected one FILE, got ${rest.length} (neuroloop config --help)`);
    const config = loadConfigFile(rest[0]);
    const fs_Hz = sourceNominalFs_Hz(config.source);
    if (fs_Hz !== undefined) checkPulsePattern(config, fs_Hz, `${rest[0]}: pulses.schedule`);
    // A course's ledger named in a folder that is not there would be refused by run: say so now.
    if (config.limits.course !== undefined) checkLedgerPlace(config, ledgerPathOf(config, dirname(resolve(rest[0]))));
    process.stdout.write(`${rest[0]}: ok (rig ${config.rig.id}, source ${config.source.kind}, policy ${config.policy.kind})\n`);
    return 0;
  }
  throw new InputError(`config: unknown subcommand "${verb}"; expected check or schema (neuroloop config --help)`);
}
