import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfigFile } from '../config/load.js';
import { readCourseLedger } from '../drivers/courseLedger.js';
import { InputError } from '../drivers/inputError.js';
import { coursePlan } from '../config/coursePlan.js';
import { checkLedgerPlace, ledgerPathOf } from './courseGate.js';
import { courseJsonLines, courseTable } from './courseTable.js';

/** `neuroloop course --config FILE [--json]`: the rig's course ledger, read only. */
export function courseCommand(argv: string[]): number {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { config: { type: 'string' }, json: { type: 'boolean' } } });
  if (positionals.length > 0) throw new InputError(`course: unexpected argument "${positionals[0]}" (neuroloop course --help)`);
  if (values.config === undefined) throw new InputError('course: --config FILE is required: the rig\'s config names its ledger and limits (neuroloop course --help)');
  const config = loadConfigFile(values.config);
  const path = ledgerPathOf(config, dirname(resolve(values.config)));
  checkLedgerPlace(config, path);
  const ledger = readCourseLedger(path);
  const limits = config.limits.course;
  const view = { path, sessions: ledger.sessions, warnings: ledger.warnings, now: new Date(), limits, planned: limits === undefined ? undefined : coursePlan(config) };
  process.stdout.write(values.json ? courseJsonLines(view) : courseTable(view));
  return 0;
}
