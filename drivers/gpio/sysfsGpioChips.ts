import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A GPIO chip as sysfs describes it. */
export interface SysfsGpioChip {
  /** Directory name, e.g. "gpiochip512". */
  readonly name: string;
  readonly label: string;
  /** Number of the chip's first line in the sysfs (global) numbering. */
  readonly base: number;
  readonly ngpio: number;
}

/**
 * Labels of the chip that carries the 40-pin header's GPIO0-27, by Raspberry Pi model:
 * Pi 4 (BCM2711), Pi 0-3 (BCM2835/6/7 kernels all say bcm2835), Pi 5 (the RP1 south bridge).
 * Source: the labels the Raspberry Pi kernels give (`gpiodetect` on each model).
 */
export const HEADER_CHIP_LABELS: readonly string[] = ['pinctrl-bcm2711', 'pinctrl-bcm2835', 'pinctrl-rp1'];

/** The chips under `root` (normally /sys/class/gpio); [] when the folder is missing (no sysfs GPIO). */
export function listSysfsGpioChips(root = '/sys/class/gpio'): SysfsGpioChip[] {
  let names: string[];
  try {
    names = readdirSync(root).filter((n) => /^gpiochip\d+$/.test(n));
  } catch {
    return [];
  }
  const chips: SysfsGpioChip[] = [];
  for (const name of names) {
    try {
      const read = (f: string) => readFileSync(join(root, name, f), 'utf8').trim();
      const base = Number(read('base'));
      const ngpio = Number(read('ngpio'));
      if (!Number.isInteger(base) || !Number.isInteger(ngpio)) continue;
      chips.push({ name, label: read('label'), base, ngpio });
    } catch {
      // A chip folder without its attributes is not usable; skip it.
    }
  }
  return chips.sort((a, b) => a.base - b.base);
}

/**
 * The chip to use: the one named by `wanted` (a label or "gpiochipN"), else the header
 * chip found by label. Never a hard-coded base: kernels 6.6 and later number a Pi 4's
 * header from 512, a Pi 5's from another base, older kernels from 0.
 */
export function findGpioChip(chips: readonly SysfsGpioChip[], wanted?: string): SysfsGpioChip | { readonly error: string } {
  const describe = () => (chips.length === 0 ? 'no GPIO chips' : chips.map((c) => `${c.name} "${c.label}" base ${c.base}`).join(', '));
  if (wanted !== undefined) {
    const chip = chips.find((c) => c.label === wanted || c.name === wanted);
    return chip ?? { error: `gpio.chip "${wanted}" not found (present: ${describe()})` };
  }
  for (const label of HEADER_CHIP_LABELS) {
    const chip = chips.find((c) => c.label === label);
    if (chip) return chip;
  }
  return { error: `no Raspberry Pi header GPIO chip (labels ${HEADER_CHIP_LABELS.join(', ')}) found (present: ${describe()}); name one with gpio.chip` };
}
