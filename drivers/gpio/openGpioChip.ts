import type { GpioChipPort } from '../../controller/gpio.js';
import type { GpioConfig } from '../../config/hardwareSchema.js';
import { InputError } from '../inputError.js';
import { NATIVE_MODULE_HINT } from '../nativeModule.js';
import { processToolRunner, type GpioToolRunner } from './gpioToolRunner.js';
import { LIBGPIOD_HINT, LibgpiodToolsChip } from './libgpiodToolsChip.js';
import { loadOnoff, OnoffGpioChip, type OnoffGpioConstructor } from './sysfsGpioChip.js';
import { findGpioChip, listSysfsGpioChips } from './sysfsGpioChips.js';

export interface OpenGpioChipOptions {
  /** Default /sys/class/gpio. */
  readonly sysfsRoot?: string;
  /** Default: onoff, loaded lazily. */
  readonly loadGpio?: () => Promise<OnoffGpioConstructor>;
  /** Default: the real tools on PATH. */
  readonly runner?: GpioToolRunner;
}

/**
 * The GPIO backend, chosen once at start (gpio.backend):
 * - 'sysfs': onoff over /sys/class/gpio;
 * - 'libgpiod': the libgpiod tools over /dev/gpiochipN;
 * - 'auto': sysfs when the root lists the header chip (or gpio.chip) and onoff loads, else the
 *   libgpiod tools when they answer, else an error naming both fixes.
 */
export async function openGpioChip(config: Pick<GpioConfig, 'backend' | 'chip'>, options: OpenGpioChipOptions = {}): Promise<GpioChipPort> {
  const root = options.sysfsRoot ?? '/sys/class/gpio';
  const loadGpio = options.loadGpio ?? loadOnoff;
  const runner = options.runner ?? processToolRunner();
  if (config.backend === 'sysfs') {
    // The chip first: on a kernel without sysfs GPIO that is the message that helps, not a missing onoff.
    const found = findGpioChip(listSysfsGpioChips(root), config.chip);
    if ('error' in found) throw new InputError(`${root}: ${found.error} (gpio.backend sysfs; try libgpiod)`);
    return OnoffGpioChip.open({ root, chip: config.chip, Gpio: await loadGpio() });
  }
  if (config.backend === 'libgpiod') return LibgpiodToolsChip.open({ chip: config.chip, runner });

  let sysfsWhy: string;
  const found = findGpioChip(listSysfsGpioChips(root), config.chip);
  if ('error' in found) {
    sysfsWhy = `${root}: ${found.error}`;
  } else {
    try {
      return await OnoffGpioChip.open({ root, chip: config.chip, Gpio: await loadGpio() });
    } catch (error) {
      sysfsWhy = error instanceof Error ? error.message : String(error);
    }
  }
  try {
    return await LibgpiodToolsChip.open({ chip: config.chip, runner });
  } catch (error) {
    const libgpiodWhy = error instanceof Error ? error.message : String(error);
    throw new InputError(
      `no GPIO backend works here. sysfs: ${sysfsWhy} (fix: a kernel with /sys/class/gpio and the onoff module; ${NATIVE_MODULE_HINT}). ` +
        `libgpiod: ${libgpiodWhy} (fix: ${LIBGPIOD_HINT}). Or set gpio.backend to the one you installed.`,
    );
  }
}
