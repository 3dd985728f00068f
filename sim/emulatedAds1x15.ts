import type { Clock } from '../controller/clock.js';
import type { GpioLevel } from '../controller/gpio.js';
import type { EmulatedI2cDevice } from './emulatedI2cDevice.js';

/**
 * An ADS1115 / ADS1015 at register level (TI SBAS444D, SBAS473), independent of the driver
 * so that a driver bug fails a test:
 *
 * - Address pointer register: a 1-byte write sets P[1:0] (00 conversion, 01 config, 10
 *   Lo_thresh, 11 Hi_thresh; bits 7:2 must be 0); a 3-byte write is pointer + 16-bit value,
 *   most significant byte first; a read returns the pointed register, MSB first.
 * - Reset values: config 0x8583, Lo_thresh 0x8000, Hi_thresh 0x7FFF, conversion 0.
 * - Single-shot (MODE 1): writing OS = 1 while powered down starts one conversion; OS reads
 *   0 while it runs, 1 after. Continuous (MODE 0): conversions back to back.
 * - A config written while a conversion is in progress takes effect only after that
 *   conversion (TI E2E, "it completes any conversion in progress and then makes the
 *   change"): the first result after a MUX change was made with the old input.
 * - Rates: nominal data rate x (1 + oscillatorError).
 * - ALERT/RDY is a conversion-ready signal only when Hi_thresh MSB = 1, Lo_thresh MSB = 0 and
 *   COMP_QUE != 11: then it pulses (about 8 us, continuous) or asserts (single-shot) at the
 *   end of each conversion, active low unless COMP_POL = 1. Otherwise it is the comparator
 *   (traditional or window, non-latching here), inactive while COMP_QUE = 11.
 * - Codes: ADS1115 16-bit two's complement, clamped at 0x7FFF / 0x8000; ADS1015 12-bit,
 *   left-justified (the low 4 bits read 0).
 */
export const ADS_RESET = { config: 0x8583, lo: 0x8000, hi: 0x7fff } as const;

const FULL_SCALE_V = [6.144, 4.096, 2.048, 1.024, 0.512, 0.256, 0.256, 0.256];
const RATES = { ads1115: [8, 16, 32, 64, 128, 250, 475, 860], ads1015: [128, 250, 490, 920, 1600, 2400, 3300, 3300] } as const;
/** Conversion-ready pulse width in continuous mode (SBAS444D: about 8 us). */
const RDY_PULSE_MS = 0.008;

export interface EmulatedAds1x15Options {
  readonly address: number;
  readonly variant: 'ads1115' | 'ads1015';
  readonly clock: Clock;
  /** The voltages on AIN0..AIN3 at the end of conversion number `conversion` (filled into `out`). */
  readonly inputVoltages: (conversion: number, out: Float64Array) => void;
  readonly oscillatorError?: number;
  /** The ALERT/RDY pin, called on every change of its level. */
  readonly alertPin?: (level: GpioLevel) => void;
}

function nack(message: string): Error {
  return Object.assign(new Error(`EIO: ${message}`), { code: 'EIO' });
}

export class EmulatedAds1x15 implements EmulatedI2cDevice {
  readonly address: number;
  private config: number = ADS_RESET.config;
  private lo: number = ADS_RESET.lo;
  private hi: number = ADS_RESET.hi;
  private conversion = 0;
  private pointer = 0;
  /** Settings of the conversion in progress (latched at its start). */
  private activeConfig: number = ADS_RESET.config;
  private converting = false;
  private cancelConversion: (() => void) | null = null;
  private pin: GpioLevel = 1;
  private rdyStopped = false;
  private comparatorCount = 0;
  private readonly volts = new Float64Array(4);
  /** Conversions completed since power-on. */
  conversions = 0;
  /** The MUX setting of the last completed conversion (0-7). */
  lastConversionMux = -1;
  /** Transfers that broke the protocol (a bad pointer byte, a 2-byte write): acknowledged and ignored, as the chip would. */
  malformedWrites = 0;

  constructor(private readonly o: EmulatedAds1x15Options) {
    this.address = o.address;
  }

  /** The registers as they stand (OS as it reads). */
  get registers(): { config: number; lo: number; hi: number; conversion: number; pointer: number } {
    return { config: this.configAsRead(), lo: this.lo, hi: this.hi, conversion: this.conversion, pointer: this.pointer };
  }

  /** Fault: the ALERT/RDY line stops toggling (a broken wire); it stays at its inactive level. */
  stopRdy(): void {
    this.rdyStopped = true;
    this.setPin(this.inactiveLevel());
  }

  write(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const pointerByte = bytes[0];
    if ((pointerByte & 0xfc) !== 0) {
      this.malformedWrites++;
      throw nack(`ADS1x15 pointer byte 0x${pointerByte.toString(16)}: bits 7:2 must be 0`);
    }
    this.pointer = pointerByte & 0x03;
    if (bytes.length === 1) return;
    if (bytes.length === 2) {
      // Half a register: the chip has nothing to latch.
      this.malformedWrites++;
      return;
    }
    const value = ((bytes[1] << 8) | bytes[2]) & 0xffff;
    if (this.pointer === 0) this.malformedWrites++; // the conversion register is read-only
    else if (this.pointer === 2) this.lo = value;
    else if (this.pointer === 3) this.hi = value;
    else this.writeConfig(value);
  }

  read(length: number): Uint8Array {
    const value = this.pointer === 0 ? this.conversion : this.pointer === 1 ? this.configAsRead() : this.pointer === 2 ? this.lo : this.hi;
    const out = new Uint8Array(length).fill(0xff);
    if (length > 0) out[0] = value >> 8;
    if (length > 1) out[1] = value & 0xff;
    return out;
  }

  generalCallReset(): void {
    this.cancelConversion?.();
    this.cancelConversion = null;
    this.converting = false;
    this.config = ADS_RESET.config;
    this.activeConfig = ADS_RESET.config;
    this.lo = ADS_RESET.lo;
    this.hi = ADS_RESET.hi;
    this.pointer = 0;
    this.comparatorCount = 0;
    this.setPin(this.inactiveLevel());
  }

  private configAsRead(): number {
    // OS reads 1 when no conversion is running (single-shot done or powered down), 0 while converting.
    const os = this.converting ? 0 : 0x8000;
    return (this.config & 0x7fff) | os;
  }

  private writeConfig(value: number): void {
    this.config = value & 0x7fff;
    const singleShot = (value & 0x0100) !== 0;
    if (this.converting) return; // takes effect after the conversion in progress
    if (!singleShot) this.startConversion();
    else if ((value & 0x8000) !== 0) this.startConversion();
  }

  private periodOf(config: number): number {
    const rate = RATES[this.o.variant][(config >> 5) & 0x07];
    return 1000 / (rate * (1 + (this.o.oscillatorError ?? 0)));
  }

  private startConversion(): void {
    this.activeConfig = this.config;
    this.converting = true;
    // Single-shot: a conversion-ready ALERT/RDY goes back to inactive when a conversion starts.
    if ((this.activeConfig & 0x0100) !== 0 && this.rdyMode()) this.setPin(this.inactiveLevel());
    this.cancelConversion = this.o.clock.setTimer(this.periodOf(this.activeConfig), () => this.finishConversion());
  }

  private finishConversion(): void {
    this.cancelConversion = null;
    const config = this.activeConfig;
    this.o.inputVoltages(this.conversions, this.volts);
    this.conversions++;
    const mux = (config >> 12) & 0x07;
    this.lastConversionMux = mux;
    const v = this.volts;
    const diff = mux === 0 ? v[0] - v[1] : mux === 1 ? v[0] - v[3] : mux === 2 ? v[1] - v[3] : mux === 3 ? v[2] - v[3] : v[mux - 4];
    const fs = FULL_SCALE_V[(config >> 9) & 0x07];
    if (this.o.variant === 'ads1115') {
      const code = Math.max(-32768, Math.min(32767, Math.round((diff / fs) * 32768)));
      this.conversion = code & 0xffff;
    } else {
      const code = Math.max(-2048, Math.min(2047, Math.round((diff / fs) * 2048)));
      this.conversion = (code << 4) & 0xffff;
    }
    this.signalEnd(config);
    const singleShot = (this.config & 0x0100) !== 0;
    if (singleShot) {
      this.converting = false;
      this.activeConfig = this.config;
    } else {
      this.startConversion(); // picks up whatever config was written meanwhile
    }
  }

  /** Hi_thresh MSB 1, Lo_thresh MSB 0, COMP_QUE not 11: the pin is conversion-ready. */
  private rdyMode(): boolean {
    return (this.hi & 0x8000) !== 0 && (this.lo & 0x8000) === 0 && (this.config & 0x03) !== 0x03;
  }

  private inactiveLevel(): GpioLevel {
    return (this.config & 0x0008) !== 0 ? 0 : 1;
  }

  private activeLevel(): GpioLevel {
    return this.inactiveLevel() === 1 ? 0 : 1;
  }

  private signalEnd(config: number): void {
    if (this.rdyStopped) return;
    if (this.rdyMode()) {
      this.setPin(this.activeLevel());
      if ((config & 0x0100) === 0) this.o.clock.setTimer(RDY_PULSE_MS, () => this.setPin(this.inactiveLevel()));
      return;
    }
    if ((this.config & 0x03) === 0x03) {
      this.setPin(this.inactiveLevel());
      return;
    }
    // The comparator: assert after COMP_QUE+1 results beyond the threshold(s).
    const code = (this.conversion << 16) >> 16;
    const hi = (this.hi << 16) >> 16;
    const lo = (this.lo << 16) >> 16;
    const windowMode = (this.config & 0x0010) !== 0;
    const beyond = windowMode ? code > hi || code < lo : code > hi;
    this.comparatorCount = beyond ? this.comparatorCount + 1 : 0;
    const needed = [1, 2, 4][this.config & 0x03];
    if (this.comparatorCount >= needed) this.setPin(this.activeLevel());
    else if (windowMode ? !beyond : code < lo) this.setPin(this.inactiveLevel());
  }

  private setPin(level: GpioLevel): void {
    if (level === this.pin) return;
    this.pin = level;
    this.o.alertPin?.(level);
  }
}
