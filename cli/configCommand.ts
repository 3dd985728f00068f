import { configJsonSchema } from '../config/jsonSchema.js';
import { loadConfigFile } from '../config/load.js';
import { InputError } from '../drivers/inputError.js';

export const CONFIG_HELP = `Usage:
  neuroloop config check FILE     validate a config (YAML or JSON); lists every problem by path
  neuroloop config schema         print the JSON Schema of the config file (for editors)
`;

export function configCommand(argv: string[]): number {
  const [verb, ...rest] = argv;
  if (verb === '--help' || verb === '-h' || verb === undefined) {
    process.stdout.write(CONFIG_HELP);
    return verb === undefined ? 2 : 0;
  }
  if (verb === 'schema') {
    if (rest.length > 0) throw new InputError(`config schema: unexpected argument "${rest[0]}"`);
    process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    return 0;
  }
  if (verb === 'check') {
    if (rest.length !== 1) throw new InputError(`config check: expected one FILE, got ${rest.length}\n\n${CONFIG_HELP}`);
    const config = loadConfigFile(rest[0]);
    process.stdout.write(`${rest[0]}: ok (rig ${config.rig.id}, source ${config.source.kind}, policy ${config.policy.kind})\n`);
    return 0;
  }
  throw new InputError(`config: unknown subcommand "${verb}"\n\n${CONFIG_HELP}`);
}
