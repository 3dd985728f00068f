import type { Clock } from '../controller/clock.js';
import { GENERAL_CALL_ADDRESS, GENERAL_CALL_RESET, GENERAL_CALL_WAKE_UP, type I2cBusPort } from '../controller/i2cBus.js';
import type { EmulatedI2cDevice } from './emulatedI2cDevice.js';

/** What an injected fault does to one transfer: fail with this errno code, or never finish (a stalled bus). */
export type I2cFault = { readonly code: string } | 'stall' | null;

/** Decides, per transfer, whether it fails: `address`, direction and the bus's virtual time. */
export type I2cFaultInjector = (address: number, direction: 'read' | 'write', now_ms: number) => I2cFault;

/** Bits on the wire per byte (8 data + ACK), plus start, address byte and stop. */
const BITS_PER_BYTE = 9;
const FRAME_OVERHEAD_BITS = 9 + 2;

function errnoError(code: string, message: string): Error {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

/**
 * An I2C bus hosting emulated chips, behind the same port as `i2c-bus` (controller/i2cBus.ts).
 * Each transfer takes its time on the wire at the bus clock (400 kHz by default) on the
 * virtual clock, then reaches the chip with its exact bytes. No chip at an address: ENXIO,
 * as the Linux driver reports a missing ACK. A write to the general-call address 0x00 with
 * 0x06 resets every chip that honours it, 0x09 wakes up every chip that honours it. Faults are injected per transfer.
 */
export class EmulatedI2cBus implements I2cBusPort {
  private readonly devices = new Map<number, EmulatedI2cDevice>();
  private closed = false;
  /** Transfers started, by address (for tests and counters). */
  readonly transfers = new Map<number, number>();
  /** Every transfer, when `log` is on: what a logic analyser on the bus would show. */
  readonly log: { t_ms: number; address: number; direction: 'read' | 'write'; bytes: number[]; error?: string }[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly options: { readonly busClock_Hz?: number; readonly keepLog?: boolean; fault?: I2cFaultInjector } = {},
  ) {}

  attach(device: EmulatedI2cDevice): void {
    if (this.devices.has(device.address)) throw new Error(`emulated I2C bus: address 0x${device.address.toString(16)} is taken`);
    this.devices.set(device.address, device);
  }

  /** Replaces the fault injector (tests switch faults on and off mid-session). */
  setFault(fault: I2cFaultInjector | undefined): void {
    this.options.fault = fault;
  }

  i2cWrite(address: number, length: number, buffer: Buffer): Promise<{ bytesWritten: number; buffer: Buffer }> {
    const bytes = Uint8Array.prototype.slice.call(buffer, 0, length);
    return this.transfer(address, 'write', bytes, length, () => {
      if (address === GENERAL_CALL_ADDRESS) {
        if (bytes.length === 1 && bytes[0] === GENERAL_CALL_RESET) for (const d of this.devices.values()) d.generalCallReset?.();
        if (bytes.length === 1 && bytes[0] === GENERAL_CALL_WAKE_UP) for (const d of this.devices.values()) d.generalCallWakeUp?.();
        return;
      }
      this.device(address).write(bytes);
    }).then(() => ({ bytesWritten: length, buffer }));
  }

  i2cRead(address: number, length: number, buffer: Buffer): Promise<{ bytesRead: number; buffer: Buffer }> {
    return this.transfer(address, 'read', null, length, () => {
      const data = this.device(address).read(length);
      buffer.set(data.subarray(0, length));
    }).then(() => ({ bytesRead: length, buffer }));
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private device(address: number): EmulatedI2cDevice {
    const device = this.devices.get(address);
    if (device === undefined) throw errnoError('ENXIO', `no device answered at address 0x${address.toString(16)}`);
    return device;
  }

  private transfer(address: number, direction: 'read' | 'write', bytes: Uint8Array | null, length: number, act: () => void): Promise<void> {
    if (this.closed) return Promise.reject(errnoError('EBADF', 'the I2C bus is closed'));
    if (!Number.isInteger(address) || address < 0 || address > 0x7f) return Promise.reject(errnoError('EINVAL', `address ${address} is not a 7-bit I2C address`));
    this.transfers.set(address, (this.transfers.get(address) ?? 0) + 1);
    const fault = this.options.fault?.(address, direction, this.clock.now_ms()) ?? null;
    const wire_ms = ((FRAME_OVERHEAD_BITS + BITS_PER_BYTE * length) / (this.options.busClock_Hz ?? 400_000)) * 1000;
    const entry = this.options.keepLog ? { t_ms: this.clock.now_ms(), address, direction, bytes: bytes ? [...bytes] : [] } : null;
    if (entry) this.log.push(entry);
    // A stalled bus: the transfer never finishes (the driver's own timeout must notice).
    if (fault === 'stall') return new Promise<void>(() => {});
    return new Promise<void>((resolve, reject) => {
      this.clock.setTimer(wire_ms, () => {
        try {
          if (fault !== null) throw errnoError(fault.code, `injected fault on ${direction} at 0x${address.toString(16)}`);
          act();
          resolve();
        } catch (error) {
          if (entry) (entry as { error?: string }).error = (error as Error).message;
          reject(error);
        }
      });
    });
  }
}
