import type { GpioChipPort, GpioEdge, GpioInputLine, GpioLevel, GpioOutputLine } from '../../controller/gpio.js';
import { InputError } from '../inputError.js';
import { loadNativeModule } from '../nativeModule.js';
import { findGpioChip, listSysfsGpioChips, type SysfsGpioChip } from './sysfsGpioChips.js';

/** The part of onoff's `Gpio` this backend uses (onoff 6, onoff.d.ts). */
export interface OnoffGpio {
  read(): Promise<GpioLevel>;
  write(value: GpioLevel): Promise<void>;
  watch(callback: (err: Error | null | undefined, value: GpioLevel) => void): void;
  unwatchAll(): void;
  unexport(): void;
}

/** onoff's constructor: `direction` 'high'/'low' makes an output that starts at that level (no glitch through the other). */
export type OnoffGpioConstructor = new (gpio: number, direction: 'in' | 'out' | 'high' | 'low', edge?: 'none' | GpioEdge) => OnoffGpio;

/** Loads onoff (an optional native module) only when the sysfs backend is used. */
export async function loadOnoff(): Promise<OnoffGpioConstructor> {
  const mod = await loadNativeModule<{ Gpio?: OnoffGpioConstructor; default?: { Gpio?: OnoffGpioConstructor } }>('onoff', 'GPIO over sysfs (gpio.backend sysfs)');
  const Gpio = mod.Gpio ?? mod.default?.Gpio;
  if (Gpio === undefined) throw new InputError('the module "onoff" loaded but has no Gpio class; reinstall it (npm install onoff@6)');
  return Gpio;
}

export interface OnoffGpioChipOptions {
  /** Where sysfs GPIO lives (tests point it at a fake tree; onoff itself always uses /sys/class/gpio). */
  readonly root?: string;
  /** gpio.chip: a label or gpiochipN; default the Raspberry Pi header chip. */
  readonly chip?: string;
  /** onoff's Gpio class, or a stand-in with the same shape; default: onoff, loaded now. */
  readonly Gpio?: OnoffGpioConstructor;
}

function busy(line: number, consumer: string): Error {
  return Object.assign(new Error(`EBUSY: GPIO line ${line} is already claimed by "${consumer}" in this process`), { code: 'EBUSY' });
}

/**
 * GPIO lines through the kernel's sysfs interface with `onoff`. The caller names lines by
 * their offset on the header chip (BCM number); the kernel's global number is the chip's
 * base plus that offset, and the base comes from sysfs (512 on a Pi 4 with kernel 6.6,
 * 0 on older kernels, something else on a Pi 5), never from a constant.
 */
export class OnoffGpioChip implements GpioChipPort {
  readonly description: string;
  private readonly claimed = new Map<number, { consumer: string; gpio: OnoffGpio }>();

  private constructor(
    readonly chip: SysfsGpioChip,
    private readonly Gpio: OnoffGpioConstructor,
  ) {
    this.description = `sysfs (onoff), ${chip.name} "${chip.label}", base ${chip.base}`;
  }

  static async open(options: OnoffGpioChipOptions = {}): Promise<OnoffGpioChip> {
    const root = options.root ?? '/sys/class/gpio';
    const found = findGpioChip(listSysfsGpioChips(root), options.chip);
    if ('error' in found) throw new InputError(`${root}: ${found.error}`);
    const Gpio = options.Gpio ?? (await loadOnoff());
    return new OnoffGpioChip(found, Gpio);
  }

  /** The kernel's global (sysfs) number of a line of this chip. */
  kernelNumber(line: number): number {
    if (!Number.isInteger(line) || line < 0 || line >= this.chip.ngpio) {
      throw new InputError(`GPIO line ${line} is not on ${this.chip.name} "${this.chip.label}" (lines 0 to ${this.chip.ngpio - 1})`);
    }
    return this.chip.base + line;
  }

  async output(line: number, initial: GpioLevel, consumer: string): Promise<GpioOutputLine> {
    const gpio = this.claim(line, consumer, () => new this.Gpio(this.kernelNumber(line), initial === 1 ? 'high' : 'low'));
    let level: GpioLevel = initial;
    const release = () => this.release(line);
    return {
      get level() {
        return level;
      },
      async set(next: GpioLevel): Promise<void> {
        level = next;
        await gpio.write(next);
      },
      release,
    };
  }

  async input(line: number, edge: GpioEdge, consumer: string): Promise<GpioInputLine> {
    const gpio = this.claim(line, consumer, () => new this.Gpio(this.kernelNumber(line), 'in', edge));
    return {
      read: () => gpio.read(),
      watch(listener: (level: GpioLevel) => void): void {
        // onoff reads the value after the interrupt; a read error leaves nothing to report.
        gpio.watch((err, value) => {
          if (!err) listener(value);
        });
      },
      release: () => this.release(line),
    };
  }

  async close(): Promise<void> {
    for (const line of [...this.claimed.keys()]) await this.release(line);
  }

  private claim(line: number, consumer: string, make: () => OnoffGpio): OnoffGpio {
    const held = this.claimed.get(line);
    if (held !== undefined) throw busy(line, held.consumer);
    let gpio: OnoffGpio;
    try {
      gpio = make();
    } catch (error) {
      if (error instanceof InputError) throw error;
      const why = error instanceof Error ? error.message : String(error);
      throw new InputError(`GPIO line ${line} (sysfs gpio${this.chip.base + line} on ${this.chip.name}) could not be claimed for ${consumer}: ${why} (is the user in the gpio group?)`);
    }
    this.claimed.set(line, { consumer, gpio });
    return gpio;
  }

  private async release(line: number): Promise<void> {
    const held = this.claimed.get(line);
    if (held === undefined) return;
    this.claimed.delete(line);
    held.gpio.unwatchAll();
    held.gpio.unexport();
  }
}
