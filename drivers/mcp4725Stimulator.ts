import type { Clock } from '../controller/clock.js';
import type { DriverEvent } from '../controller/driverEvent.js';
import type { GpioOutputLine } from '../controller/gpio.js';
import type { I2cBusPort } from '../controller/i2cBus.js';
import type { HardwareStimulatorPort, StimulatorCounters } from '../controller/ports.js';
import type { StimParams } from '../controller/stimParams.js';
import type { Mcp4725StimulatorConfig } from '../config/hardwareSchema.js';
import { levelFor } from './gpio/safeLevel.js';
import { withTimeout } from './withTimeout.js';

/**
 * An MCP4725 12-bit DAC (Microchip DS22039D) driving a stimulator's analog amplitude input,
 * with an optional GPIO enable line (docs/design.md, Hardware).
 *
 * Sequencing (decided here):
 * - Turning ON: the DAC code is written first; the enable line goes active only once the
 *   chip has acknowledged a non-zero code, so a DAC that does not answer never has its
 *   stimulator enabled.
 * - Turning OFF (amplitude 0, disabled, e-stop, close): the enable line goes inactive first,
 *   at once, in the same tick (a GPIO write is the fastest path to no current), then the DAC
 *   is written to 0. An e-stop reaches us as `apply` with enabled=false: both happen in the
 *   same call, enable first.
 * - Fault (a write still failing after `retries`): enable inactive at once, `onFault`, and one
 *   final attempt to zero: a single fast-mode write of code 0 with the configured power-down
 *   bits (the state close() would leave it in, in one transfer). Nothing is written after it.
 *
 * Writes use the fast-mode command (2 bytes, DS22039D 6.1.1): [0 0 PD1 PD0 D11..D8][D7..D0],
 * most significant byte first. Only the latest wanted code is ever written (no queue of stale
 * values); a write already on the bus finishes first, then the newest wanted code follows.
 */

export interface Mcp4725StimulatorOptions {
  readonly config: Mcp4725StimulatorConfig;
  readonly bus: I2cBusPort;
  readonly clock: Clock;
  /** The enable line, already claimed by the caller at its inactive level; the driver releases it at close. */
  readonly enable?: GpioOutputLine;
  onEvent(event: DriverEvent): void;
  /** The stimulator gave up: the lead latches the governor and sets status fault. */
  onFault(reason: string): void;
}

/** PD1 PD0 per configured pull-down (DS22039D: 01 = 1 k, 10 = 100 k, 11 = 500 k to ground). */
export const MCP4725_POWER_DOWN_BITS: Readonly<Record<Mcp4725StimulatorConfig['powerDown'], number>> = { '1k': 1, '100k': 2, '500k': 3 };

export const MCP4725_MAX_CODE = 4095;

/**
 * DAC code for an amplitude: floor(mA / mA_per_V / Vref x 4096), clamped to 0..4095.
 * Floor, never round: the output must never exceed what the governor allowed.
 * Anything not a positive finite number gives 0.
 */
export function amplitudeToCode(amplitude_mA: number, mA_per_V: number, referenceVoltage_V: number): number {
  if (!(amplitude_mA > 0) || !Number.isFinite(amplitude_mA)) return 0;
  const code = Math.floor((amplitude_mA / mA_per_V / referenceVoltage_V) * 4096);
  return Math.min(MCP4725_MAX_CODE, Math.max(0, code));
}

/** One settled promise for "nothing to do", so the per-tick path allocates nothing. */
const DONE: Promise<void> = Promise.resolve();

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class Mcp4725Stimulator implements HardwareStimulatorPort {
  /** For events and logs: "mcp4725@0x60". */
  readonly device: string;
  private readonly config: Mcp4725StimulatorConfig;
  private readonly bus: I2cBusPort;
  private readonly clock: Clock;
  private readonly enable: GpioOutputLine | undefined;
  private readonly onEvent: (event: DriverEvent) => void;
  private readonly onFault: (reason: string) => void;
  private readonly powerDownBits: number;

  private readonly counts: StimulatorCounters = { dacWrites: 0, writeErrors: 0, retries: 0, faults: 0 };
  /** Preallocated transfer buffers; replaced only after a timed-out transfer (which may still hold the old one). */
  private tx = Buffer.alloc(2);
  private readonly rx = Buffer.alloc(5);

  private started = false;
  private faulted = false;
  private closing: Promise<void> | null = null;
  private wantedCode = 0;
  /** The code the chip last acknowledged. */
  private writtenCode = 0;
  private inFlight: Promise<void> | null = null;
  private finalZero: Promise<void> | null = null;
  /** What the enable line was last asked to be (null: not yet). */
  private enableActive: boolean | null = null;
  private last_t_s = 0;

  constructor(options: Mcp4725StimulatorOptions) {
    this.config = options.config;
    this.bus = options.bus;
    this.clock = options.clock;
    this.enable = options.enable;
    this.onEvent = options.onEvent;
    this.onFault = options.onFault;
    this.powerDownBits = MCP4725_POWER_DOWN_BITS[options.config.powerDown];
    this.device = `mcp4725@0x${options.config.address.toString(16)}`;
  }

  private get where(): string {
    return `MCP4725 on /dev/i2c-${this.config.bus} at address 0x${this.config.address.toString(16)}`;
  }

  /**
   * Brings the chip to a known safe state before the session: enable inactive, code 0 in
   * normal mode, checked by reading the DAC register back. Throws an Error naming the bus
   * and address when the chip does not answer or does not hold what was written.
   */
  async start(): Promise<void> {
    await this.setEnable(false, true);
    try {
      await this.writeWithRetries(0, 0);
    } catch (error) {
      throw new Error(`${this.where}: writing code 0 failed (${errorText(error)}); check the wiring, the address (A0 pin) and i2cdetect -y ${this.config.bus}`);
    }
    let status: Buffer;
    try {
      status = await this.readStatus();
    } catch (error) {
      throw new Error(`${this.where}: reading back failed (${errorText(error)}); check the wiring and the address`);
    }
    const dacPowerDown = (status[0] >> 1) & 0b11;
    const dacCode = (status[1] << 4) | (status[2] >> 4);
    if (dacCode !== 0 || dacPowerDown !== 0) {
      throw new Error(`${this.where}: read back DAC code ${dacCode} power-down ${dacPowerDown} after writing code 0 power-down 0 (another device at this address, or a chip that is not an MCP4725?)`);
    }
    // The EEPROM is what the chip loads at power-on and at a general-call reset (which
    // another driver on the bus may send): warn when that would drive the stimulator.
    const eepromPowerDown = (status[3] >> 5) & 0b11;
    const eepromCode = ((status[3] & 0x0f) << 8) | status[4];
    if (eepromCode !== 0 && eepromPowerDown === 0) {
      this.event(
        `warning: EEPROM holds code ${eepromCode} in normal mode; a power cycle or a general-call reset would drive ${((eepromCode / 4096) * this.config.referenceVoltage_V).toFixed(3)} V into the stimulator (write the EEPROM to 0 or to a power-down mode)`,
      );
    }
    this.writtenCode = 0;
    this.started = true;
    this.pump();
  }

  /** Called by the session every tick with what the governor allowed. Synchronous; writes only on change. */
  apply(params: StimParams, t_s: number): void {
    this.last_t_s = t_s;
    if (this.faulted || this.closing !== null) return;
    const code = params.enabled ? amplitudeToCode(params.amplitude_mA, this.config.mA_per_V, this.config.referenceVoltage_V) : 0;
    this.wantedCode = code;
    // Going off: enable inactive at once, before the DAC write is even queued.
    if (code === 0) void this.setEnable(false);
    this.pump();
  }

  counters(): StimulatorCounters {
    return { ...this.counts };
  }

  /** Enable inactive, code 0, power-down per config, enable line released. Safe twice; never throws. */
  close(): Promise<void> {
    if (this.closing === null) this.closing = this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    await this.setEnable(false, true);
    // A write already on the bus finishes first (bounded by its timeout and retries).
    if (this.inFlight !== null) await this.inFlight.catch(() => undefined);
    if (this.faulted) {
      if (this.finalZero !== null) await this.finalZero;
    } else {
      try {
        await this.writeWithRetries(0, 0);
        this.writtenCode = 0;
      } catch (error) {
        this.event(`close: writing code 0 failed (${errorText(error)})`);
      }
      try {
        await this.writeWithRetries(0, this.powerDownBits);
      } catch (error) {
        this.event(`close: power-down (${this.config.powerDown}) failed (${errorText(error)})`);
      }
    }
    if (this.enable !== undefined) {
      try {
        await this.enable.release();
      } catch (error) {
        this.event(`close: releasing the enable line failed (${errorText(error)})`);
      }
    }
  }

  /** Starts a write of the newest wanted code unless one is on the bus or nothing changed. */
  private pump(): void {
    if (!this.started || this.faulted || this.closing !== null || this.inFlight !== null) return;
    const code = this.wantedCode;
    if (code === this.writtenCode) {
      this.syncEnable();
      return;
    }
    this.inFlight = this.writeWithRetries(code, 0).then(
      () => {
        this.inFlight = null;
        this.writtenCode = code;
        this.syncEnable();
        this.pump();
      },
      (error: unknown) => {
        this.inFlight = null;
        this.fault(`DAC write of code ${code} failed ${this.config.retries + 1} times (${errorText(error)})`);
      },
    );
  }

  /** Enable active only while the chip holds a non-zero code and a non-zero code is wanted. */
  private syncEnable(): void {
    const active = !this.faulted && this.closing === null && this.wantedCode > 0 && this.writtenCode > 0;
    void this.setEnable(active);
  }

  private setEnable(active: boolean, force = false): Promise<void> {
    if (this.enable === undefined) return DONE;
    if (!force && this.enableActive === active) return DONE;
    this.enableActive = active;
    const level = levelFor(active ? 'active' : 'inactive', this.config.enable?.activeLevel ?? 'high');
    return this.enable.set(level).catch((error: unknown) => {
      if (active) this.fault(`enable line could not be set active (${errorText(error)})`);
      else this.event(`enable line could not be set inactive (${errorText(error)})`);
    });
  }

  private fault(reason: string): void {
    if (this.faulted) return;
    this.faulted = true;
    this.counts.faults = 1;
    void this.setEnable(false, true);
    this.event(`fault: ${reason}; enable inactive, output to zero`);
    this.onFault(reason);
    this.finalZero = this.writeOnce(0, this.powerDownBits).then(
      () => {
        this.counts.dacWrites++;
        this.writtenCode = 0;
      },
      (error: unknown) => {
        this.counts.writeErrors++;
        this.event(`fault: the final write to zero failed too (${errorText(error)}); the enable line is the only cut-off`);
      },
    );
  }

  private async writeWithRetries(code: number, powerDown: number): Promise<void> {
    const attempts = 1 + this.config.retries;
    let lastError: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) this.counts.retries++;
      try {
        await this.writeOnce(code, powerDown);
        this.counts.dacWrites++;
        return;
      } catch (error) {
        this.counts.writeErrors++;
        lastError = error;
      }
    }
    throw lastError;
  }

  /** One fast-mode write: [0 0 PD1 PD0 D11..D8][D7..D0]. */
  private writeOnce(code: number, powerDown: number): Promise<void> {
    const tx = this.tx;
    tx[0] = ((powerDown & 0b11) << 4) | ((code >> 8) & 0x0f);
    tx[1] = code & 0xff;
    return this.withTimeout(this.bus.i2cWrite(this.config.address, 2, tx), 'write', () => {
      this.tx = Buffer.alloc(2);
    }).then(() => undefined);
  }

  private readStatus(): Promise<Buffer> {
    return this.withTimeout(this.bus.i2cRead(this.config.address, 5, this.rx), 'read', () => undefined).then(() => this.rx);
  }

  /** Rejects with ETIMEDOUT after transferTimeout_ms on the clock; `onTimeout` lets go of buffers the stuck transfer holds. */
  private withTimeout<T>(transfer: Promise<T>, what: string, onTimeout: () => void): Promise<T> {
    return withTimeout(transfer, this.clock, this.config.transferTimeout_ms, `${this.device} ${what}`, onTimeout);
  }

  private event(reason: string): void {
    this.onEvent({ t_s: this.last_t_s, kind: 'driver', device: this.device, reason });
  }
}
