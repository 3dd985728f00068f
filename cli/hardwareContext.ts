import type { Config } from '../config/schema.js';
import type { Clock } from '../controller/clock.js';
import type { DriverEvent } from '../controller/driverEvent.js';
import type { GpioChipPort } from '../controller/gpio.js';
import { GENERAL_CALL_ADDRESS, GENERAL_CALL_RESET, type I2cBusPort } from '../controller/i2cBus.js';
import { openGpioChip } from '../drivers/gpio/openGpioChip.js';
import { openI2cBus } from '../drivers/i2c/openI2cBus.js';
import { realClock } from '../drivers/realClock.js';
import { EmulatedRig } from '../sim/emulatedRig.js';

/**
 * What the parts of one session share on the hardware side (docs/design.md, Hardware):
 * one clock, one handle per I2C bus, one GPIO chip, and, when the hardware is emulated, one
 * emulated rig (virtual clock, bus, chips, GPIO lines and the simulated patient behind
 * them). Everything opened here is closed by `close`, in reverse order.
 */
export class HardwareContext {
  readonly clock: Clock;
  readonly rig: EmulatedRig | null;
  private readonly buses = new Map<number, Promise<I2cBusPort>>();
  private gpioChip: Promise<GpioChipPort> | null = null;
  private readonly closers: (() => Promise<void>)[] = [];
  /** Where drivers' events go; the session builder points it at the session. */
  onDriverEvent: (e: DriverEvent) => void = () => {};

  constructor(
    private readonly config: Config,
    pacing: 'realtime' | 'max',
  ) {
    this.rig = EmulatedRig.wanted(config) ? new EmulatedRig(config, pacing) : null;
    this.clock = this.rig?.clock ?? realClock;
  }

  /** The bus `/dev/i2c-<n>` (or the emulated one), opened once. */
  bus(n: number, place: string): Promise<I2cBusPort> {
    let bus = this.buses.get(n);
    if (bus === undefined) {
      bus = this.rig ? Promise.resolve(this.rig.bus) : openI2cBus(n, place);
      this.buses.set(n, bus);
      void bus.then((b) => this.closers.push(() => b.close()), () => {});
    }
    return bus;
  }

  /** The GPIO chip (the emulated lines, or the backend `gpio.backend` picks), opened once. */
  gpio(): Promise<GpioChipPort> {
    if (this.gpioChip === null) {
      this.gpioChip = this.rig ? Promise.resolve(this.rig.gpio) : openGpioChip(this.config.gpio);
      void this.gpioChip.then((g) => this.closers.push(() => g.close()), () => {});
    }
    return this.gpioChip;
  }

  /**
   * General-call reset of every chip on the bus, so that a chip left converting or powered
   * down by an earlier process starts from its datasheet defaults. Sent once per bus at the
   * start, with every output line already at its safe level; the MCP4725 loads its EEPROM
   * value on it, which its driver overwrites with 0 at once (and warns if the EEPROM is not 0).
   * Not every bus acknowledges a general call: a refusal is a note, not a failure.
   */
  async resetBus(n: number, place: string): Promise<void> {
    const bus = await this.bus(n, place);
    try {
      await bus.i2cWrite(GENERAL_CALL_ADDRESS, 1, Buffer.from([GENERAL_CALL_RESET]));
    } catch (error) {
      this.onDriverEvent({ t_s: 0, kind: 'driver', device: `i2c-${n}`, reason: `general-call reset not acknowledged (${(error as Error).message}); the drivers write every register they use anyway` });
    }
  }

  /** Runs at `close`, before the buses and lines are released (drivers put their chips into a safe state). */
  onClose(closer: () => Promise<void>): void {
    this.closers.push(closer);
  }

  async close(): Promise<void> {
    while (this.closers.length > 0) {
      const closer = this.closers.pop();
      try {
        await closer?.();
      } catch {
        // Closing is best effort and must reach every part: the next closer still runs.
      }
    }
    this.rig?.stop();
  }
}
