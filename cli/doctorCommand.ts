import { parseArgs } from 'node:util';
import { loadConfigFile } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { InputError } from '../drivers/inputError.js';
import { type Check, fail, formatChecks, ok } from './doctor/doctorCheck.js';
import { checkGpio, type GpioLineUse } from './doctor/gpioChecks.js';
import { checkI2c, type I2cChip } from './doctor/i2cChecks.js';
import { machineRoots } from './doctor/machineRoots.js';
import { checkNativeModules } from './doctor/nativeModuleChecks.js';
import { DOCTOR_HELP } from './helpTexts.js';

const MIN_NODE_MAJOR = 20;

/** The bus a Raspberry Pi rig uses when no config says otherwise: bus 1 on GPIO2/GPIO3. */
const PI_HEADER_I2C_BUS = 1;

/** What doctor checks on this machine, from the config or, without one, for a Pi rig. */
type Plan =
  | { readonly kind: 'emulated'; readonly what: string }
  | { readonly kind: 'hardware'; readonly what: string; readonly buses: readonly number[]; readonly chips: readonly I2cChip[]; readonly gpio: { backend: 'auto' | 'sysfs' | 'libgpiod'; chip?: string; lines: GpioLineUse[] } };

/**
 * `neuroloop doctor [--config F] [--json]`: can this machine run the configured hardware?
 * Exit 0: usable; 1: not usable (a check failed); 2: bad arguments or config.
 * Without --config it checks for a Raspberry Pi rig (I2C bus 1 present and usable, the
 * native modules, a GPIO backend) and exits 1 when there is no I2C bus. With a config whose
 * hardware is emulated (or absent) it checks only Node.
 */
export async function doctorCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(DOCTOR_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new InputError(`doctor: unexpected argument "${positionals[0]}" (neuroloop doctor --help)`);
  const config = values.config === undefined ? null : loadConfigFile(values.config);
  const plan = config === null ? piRigPlan() : configPlan(config);
  const checks = await runChecks(plan);
  const usable = !checks.some((c) => c.status === 'fail');
  if (values.json) {
    const report = { v: 1, usable, checking: plan.what, emulated: plan.kind === 'emulated', config: values.config ?? null, checks };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } else {
    const failed = checks.filter((c) => c.status === 'fail').length;
    process.stdout.write(`neuroloop doctor: ${plan.what}\n${formatChecks(checks)}`);
    process.stdout.write(usable ? `usable${plan.kind === 'emulated' ? ' (nothing on this machine needed)' : ''}\n` : `NOT USABLE: ${failed} check${failed === 1 ? '' : 's'} failed\n`);
  }
  return usable ? 0 : 1;
}

async function runChecks(plan: Plan): Promise<Check[]> {
  const node = Number(process.versions.node.split('.')[0]);
  const checks: Check[] = [node >= MIN_NODE_MAJOR ? ok('node', process.versions.node) : fail('node', `${process.versions.node} is older than ${MIN_NODE_MAJOR}`, `install Node.js ${MIN_NODE_MAJOR} or later`)];
  if (plan.kind === 'emulated') {
    checks.push(ok('hw', `${plan.what}: nothing on this machine to check`));
    return checks;
  }
  const roots = machineRoots();
  const modules = await checkNativeModules({ i2cBus: plan.buses.length > 0, onoff: false });
  checks.push(...modules.checks);
  checks.push(...(await checkI2c(roots, plan.buses, plan.chips, modules.loaded.i2cBus)));
  checks.push(...(await checkGpio(roots, plan.gpio, modules.loaded.onoff)));
  return checks;
}

function piRigPlan(): Plan {
  return {
    kind: 'hardware',
    what: `this machine as a Raspberry Pi rig (no --config: I2C bus ${PI_HEADER_I2C_BUS}, no chip probed)`,
    buses: [PI_HEADER_I2C_BUS],
    chips: [],
    gpio: { backend: 'auto', lines: [] },
  };
}

function configPlan(config: Config): Plan {
  const chips: I2cChip[] = [];
  const emulated: string[] = [];
  const source = config.source;
  if (source.kind === 'ads1115' || source.kind === 'ads1015') {
    if (source.emulated) emulated.push(`source ${source.kind} emulated`);
    else chips.push({ place: 'source', kind: source.kind, bus: source.bus, address: source.address });
  }
  const stim = config.stimulator;
  if (stim.kind === 'mcp4725') {
    if (stim.emulated) emulated.push(`stimulator ${stim.kind} emulated`);
    else chips.push({ place: 'stimulator', kind: 'mcp4725', bus: stim.bus, address: stim.address, referenceVoltage_V: stim.referenceVoltage_V });
  }
  if (chips.length === 0) {
    // GPIO lines belong to the rig: with no real chip they are emulated with the rest.
    const what = emulated.length > 0 ? `hardware is emulated (${emulated.join(', ')})` : `no hardware in this config (source ${source.kind}, stimulator ${stim.kind})`;
    return { kind: 'emulated', what };
  }
  const lines: GpioLineUse[] = [];
  if ((source.kind === 'ads1115' || source.kind === 'ads1015') && !source.emulated && source.alertRdyLine !== undefined) lines.push({ place: 'source.alertRdyLine', line: source.alertRdyLine });
  if (stim.kind === 'mcp4725' && !stim.emulated && stim.enable !== undefined) lines.push({ place: 'stimulator.enable.line', line: stim.enable.line });
  if (config.gpio.trigger !== undefined) lines.push({ place: 'gpio.trigger.line', line: config.gpio.trigger.line });
  if (config.gpio.estop !== undefined) lines.push({ place: 'gpio.estop.line', line: config.gpio.estop.line });
  const buses = [...new Set(chips.map((c) => c.bus))].sort((a, b) => a - b);
  const what = `the configured hardware (${chips.map((c) => `${c.place} ${c.kind} at 0x${c.address.toString(16)} on bus ${c.bus}`).join(', ')}${lines.length > 0 ? `; GPIO lines ${lines.map((l) => l.line).join(', ')}` : ''})`;
  return { kind: 'hardware', what, buses, chips, gpio: { backend: config.gpio.backend, ...(config.gpio.chip === undefined ? {} : { chip: config.gpio.chip }), lines } };
}
