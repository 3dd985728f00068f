import { execFile } from 'node:child_process';
import { constants, readdirSync } from 'node:fs';
import { access, open } from 'node:fs/promises';
import { join } from 'node:path';
import { findGpioChip, listSysfsGpioChips } from '../../drivers/gpio/sysfsGpioChips.js';
import { type Check, failOrWarn, ok, warn } from './doctorCheck.js';
import type { MachineRoots } from './machineRoots.js';

/** A GPIO line the config uses, named by its config key. */
export interface GpioLineUse {
  readonly place: string;
  readonly line: number;
}

export interface GpioSetup {
  readonly backend: 'auto' | 'sysfs' | 'libgpiod';
  readonly chip?: string;
  readonly lines: readonly GpioLineUse[];
}

/** Raspberry Pi OS gives /sys/class/gpio/export and /dev/gpiochip* to group gpio (Raspberry Pi documentation, "Permissions"). */
export const GPIO_GROUP_FIX = 'add yourself to group gpio: sudo usermod -aG gpio $USER, then log in again';
export const LIBGPIOD_TOOLS_FIX = 'install the libgpiod tools: sudo apt-get install -y gpiod';

/** GPIO2 and GPIO3 are SDA and SCL of I2C bus 1 on the 40-pin header. */
const I2C1_LINES: ReadonlyMap<number, string> = new Map([
  [2, 'SDA'],
  [3, 'SCL'],
]);

interface ChipLines {
  readonly description: string;
  readonly ngpio: number;
}

/**
 * Which GPIO backend works here, as drivers/gpio/openGpioChip.ts will choose it (auto:
 * sysfs when the header chip is there and onoff loads, else the libgpiod tools), and
 * whether the configured lines exist on the chip. Without configured lines nothing is
 * required and problems are warnings.
 */
export async function checkGpio(roots: MachineRoots, setup: GpioSetup, onoffLoads: boolean): Promise<Check[]> {
  const required = setup.lines.length > 0;
  const checks: Check[] = [...lineConflicts(setup.lines)];

  const sysfs = await sysfsBackend(roots, setup.chip, onoffLoads);
  const chardev = await libgpiodBackend(roots, setup.chip);

  let chosen: 'sysfs' | 'libgpiod' | null;
  if (setup.backend === 'sysfs') chosen = sysfs.usable ? 'sysfs' : null;
  else if (setup.backend === 'libgpiod') chosen = chardev.usable ? 'libgpiod' : null;
  else chosen = sysfs.usable ? 'sysfs' : chardev.usable ? 'libgpiod' : null;

  // Report the backend that will be used; the other one only when it matters (asked for, or nothing works).
  if (chosen === 'sysfs' || setup.backend === 'sysfs' || chosen === null) checks.push(...sysfs.checks);
  if (chosen === 'libgpiod' || setup.backend === 'libgpiod' || chosen === null) checks.push(...chardev.checks);
  if (chosen === null) {
    const asked = setup.backend === 'auto' ? 'neither sysfs (onoff) nor the libgpiod tools' : `gpio.backend ${setup.backend}`;
    checks.push(failOrWarn(required, 'gpio', `no usable GPIO backend: ${asked} works here${required ? '' : ' (no GPIO line configured)'}`));
    return downgrade(checks, required);
  }
  const lines = chosen === 'sysfs' ? sysfs.lines : chardev.lines;
  checks.push(ok('gpio', `backend ${chosen}${setup.backend === 'auto' ? ' (auto)' : ''}${lines ? '' : ' (chip lines not known: gpiodetect skipped)'}`));
  if (lines) {
    for (const use of setup.lines) {
      checks.push(
        use.line < lines.ngpio
          ? ok('gpio', `${use.place}: line ${use.line} on the chip (0-${lines.ngpio - 1})`)
          : failOrWarn(true, 'gpio', `${use.place}: line ${use.line} is not on the chip (it has lines 0-${lines.ngpio - 1})`, 'use the BCM GPIO number of the header pin (GPIO17 is 17)'),
      );
    }
  }
  return downgrade(checks, required);
}

/** Nothing configured needs GPIO: what would fail is only worth a warning. */
function downgrade(checks: readonly Check[], required: boolean): Check[] {
  return checks.map((c) => (required || c.status !== 'fail' ? c : { ...c, status: 'warn' }));
}

function lineConflicts(lines: readonly GpioLineUse[]): Check[] {
  const checks: Check[] = [];
  const seen = new Map<number, string>();
  for (const use of lines) {
    const other = seen.get(use.line);
    if (other !== undefined) checks.push(failOrWarn(true, 'gpio', `${use.place} and ${other} both use line ${use.line}`, 'give each its own GPIO'));
    seen.set(use.line, use.place);
    const i2c = I2C1_LINES.get(use.line);
    if (i2c !== undefined) checks.push(failOrWarn(true, 'gpio', `${use.place}: line ${use.line} is ${i2c} of I2C bus 1`, 'choose another GPIO (e.g. GPIO17, pin 11)'));
  }
  return checks;
}

interface Backend {
  readonly usable: boolean;
  readonly checks: Check[];
  readonly lines?: ChipLines;
}

async function sysfsBackend(roots: MachineRoots, wanted: string | undefined, onoffLoads: boolean): Promise<Backend> {
  const chips = listSysfsGpioChips(roots.sysfsGpio);
  if (chips.length === 0) return { usable: false, checks: [warn('gpio', `sysfs: no GPIO chips under ${roots.sysfsGpio} (this kernel has no sysfs GPIO)`)] };
  const chip = findGpioChip(chips, wanted);
  if ('error' in chip) return { usable: false, checks: [failOrWarn(true, 'gpio', `sysfs: ${chip.error}`)] };
  const description = `${chip.name} "${chip.label}" base ${chip.base}, ${chip.ngpio} lines`;
  const checks: Check[] = [ok('gpio', `sysfs: ${description} (line N is sysfs gpio${chip.base}+N)`)];
  let usable = onoffLoads;
  if (!onoffLoads) checks.push(failOrWarn(true, 'gpio', 'sysfs: the onoff module does not load (see mod above)'));
  try {
    await access(join(roots.sysfsGpio, 'export'), constants.W_OK);
  } catch {
    usable = false;
    checks.push(failOrWarn(true, 'gpio', `sysfs: ${join(roots.sysfsGpio, 'export')} is not writable`, GPIO_GROUP_FIX));
  }
  return { usable, checks, lines: { description: `sysfs ${description}`, ngpio: chip.ngpio } };
}

async function libgpiodBackend(roots: MachineRoots, wanted: string | undefined): Promise<Backend> {
  let names: string[];
  try {
    names = readdirSync(roots.dev).filter((n) => /^gpiochip\d+$/.test(n)).sort((a, b) => Number(a.slice(8)) - Number(b.slice(8)));
  } catch {
    names = [];
  }
  if (names.length === 0) return { usable: false, checks: [warn('gpio', `libgpiod: no ${roots.dev}/gpiochip* character devices`)] };
  const checks: Check[] = [];
  let usable = true;
  const denied: string[] = [];
  for (const name of names) {
    try {
      const handle = await open(join(roots.dev, name), constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOCTTY);
      await handle.close();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') denied.push(name);
    }
  }
  checks.push(ok('gpio', `libgpiod: ${names.map((n) => join(roots.dev, n)).join(', ')}`));
  if (denied.length > 0) {
    usable = false;
    checks.push(failOrWarn(true, 'gpio', `libgpiod: ${denied.join(', ')} not readable/writable`, GPIO_GROUP_FIX));
  }
  const version = await toolOutput('gpioset', ['--version']);
  const major = version === null ? null : /v(\d+)\.\d+/.exec(version)?.[1];
  if (major === null || major === undefined) {
    checks.push(failOrWarn(true, 'gpio', `libgpiod: the tools are ${version === null ? 'not installed (gpioset not found)' : `of an unknown version ("${version.split('\n')[0]}")`}`, LIBGPIOD_TOOLS_FIX));
    return { usable: false, checks };
  }
  checks.push(ok('gpio', `libgpiod: tools v${major} (${version?.split('\n')[0].trim()})`));
  if (roots.devMoved) return { usable, checks };
  // gpiodetect prints "gpiochip0 [pinctrl-bcm2711] (58 lines)" in v1 and v2.
  const detected = await toolOutput('gpiodetect', []);
  const chips = [...(detected ?? '').matchAll(/^(gpiochip\d+) \[([^\]]*)\] \((\d+) lines\)/gm)].map((m) => ({ name: m[1], label: m[2], ngpio: Number(m[3]) }));
  const chip = wanted !== undefined ? chips.find((c) => c.label === wanted || c.name === wanted) : ['pinctrl-bcm2711', 'pinctrl-bcm2835', 'pinctrl-rp1'].map((l) => chips.find((c) => c.label === l)).find((c) => c !== undefined);
  if (!chip) {
    checks.push(failOrWarn(true, 'gpio', `libgpiod: ${wanted !== undefined ? `gpio.chip "${wanted}"` : 'the header chip'} not found by gpiodetect (present: ${chips.map((c) => `${c.name} "${c.label}"`).join(', ') || 'none'})`));
    return { usable: false, checks };
  }
  return { usable, checks, lines: { description: `${chip.name} "${chip.label}", ${chip.ngpio} lines`, ngpio: chip.ngpio } };
}

/** stdout of a tool, or null when it is not installed or fails. */
function toolOutput(command: string, args: readonly string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 3000, encoding: 'utf8' }, (error, stdout) => resolve(error ? null : stdout));
  });
}
