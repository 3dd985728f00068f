/**
 * GPIO lines as the loop's edges see them (docs/design.md, Hardware). A line is named by
 * its offset on the chip: the BCM GPIO number on a Raspberry Pi (GPIO17 is 17). How that
 * offset becomes a kernel line (sysfs base + offset, or a character-device chip and
 * offset) is the backend's business, never the caller's.
 */
export type GpioLevel = 0 | 1;
export type GpioEdge = 'rising' | 'falling' | 'both';

export interface GpioOutputLine {
  /** The level last set. */
  readonly level: GpioLevel;
  set(level: GpioLevel): Promise<void>;
  /** Gives the line back to the kernel. The caller sets the safe level first. */
  release(): Promise<void>;
}

export interface GpioInputLine {
  read(): Promise<GpioLevel>;
  /** Called on every edge of the kind asked for at `input`, with the level after it. */
  watch(listener: (level: GpioLevel) => void): void;
  release(): Promise<void>;
}

export interface GpioChipPort {
  /** Which backend and chip, for logs and `doctor` (e.g. "sysfs, gpiochip512 pinctrl-bcm2711, base 512"). */
  readonly description: string;
  /** Claims `line` as an output, driven to `initial` from the first moment. */
  output(line: number, initial: GpioLevel, consumer: string): Promise<GpioOutputLine>;
  /** Claims `line` as an input reporting `edge` edges. */
  input(line: number, edge: GpioEdge, consumer: string): Promise<GpioInputLine>;
  /** Releases every line still claimed. */
  close(): Promise<void>;
}
