import type { Clock } from '../controller/clock.js';
import type { GpioLevel } from '../controller/gpio.js';
import { ADS1015_DATA_RATES_SPS, ADS1115_DATA_RATES_SPS, ADS_FULL_SCALE_V } from '../config/hardwareSchema.js';
import type { EmulatedI2cDevice } from './emulatedI2cDevice.js';

/**
 * Register-level emulation of the TI ADS1115 (SBAS444D) and ADS1015 (SBAS473E), as seen on
 * the I2C wire. Datasheet facts modelled here (section numbers of SBAS444D):
 *
 * - 9.5.1 / 9.6: a write's first byte is the Address Pointer register, P[1:0] = 00 conversion,
 *   01 config, 10 Lo_thresh, 11 Hi_thresh (bits 7:2 must be 0). Three bytes write the pointed
 *   register, most significant byte first; one byte only moves the pointer. A read returns
 *   the pointed register, most significant byte first.
 * - Reset values: config 0x8583, Lo_thresh 0x8000, Hi_thresh 0x7FFF, conversion 0x0000.
 *   The device powers up in single-shot mode, powered down.
 * - Config: OS[15], MUX[14:12], PGA[11:9], MODE[8], DR[7:5], COMP_MODE[4], COMP_POL[3],
 *   COMP_LAT[2], COMP_QUE[1:0]. OS written 1 in power-down starts one conversion; OS reads
 *   0 while a conversion runs, 1 when none does.
 * - 9.4.2 continuous mode: conversions back to back; a config write lets the conversion in
 *   progress finish with the previous settings, later ones use the new settings. So the
 *   first result after a MUX change still belongs to the old input (it is "stale").
 * - 9.3.8 conversion ready: RDY mode when Hi_thresh MSB = 1, Lo_thresh MSB = 0 and
 *   COMP_QUE != 11. Continuous: a pulse of about 8 us at the end of each conversion;
 *   single-shot: the pin outputs the OS bit (asserted when the conversion is done).
 *   COMP_POL = 0 is active low. COMP_QUE = 11 disables the pin (high impedance: the pull-up
 *   makes it read 1).
 * - 9.5.1.2 general call 0x06: registers to reset values, power-down.
 * - ADS1015 (SBAS473E 8.6): 12-bit results left-justified (D15:D4, D3:D0 = 0); the
 *   threshold registers' low nibbles are read-only (Lo 0000, Hi 1111).
 */

export type Ads1x15Variant = 'ads1115' | 'ads1015';

export interface EmulatedAds1x15Options {
  readonly address: number;
  readonly variant: Ads1x15Variant;
  readonly clock: Clock;
  /** Fills `out` with AIN0..AIN3 in volts (against GND) for conversion number `conversionIndex`. */
  readonly inputVoltages: (conversionIndex: number, out: Float64Array) => void;
  /** Relative error of the internal oscillator: real data rate = nominal x (1 + error). */
  readonly oscillatorError?: number;
  /** Called with the ALERT/RDY pin's level whenever it changes (open drain with a pull-up). */
  readonly alertPin?: (level: GpioLevel) => void;
}

export const ADS_REG_CONVERSION = 0;
export const ADS_REG_CONFIG = 1;
export const ADS_REG_LO_THRESH = 2;
export const ADS_REG_HI_THRESH = 3;

const CONFIG_RESET = 0x8583;
const LO_THRESH_RESET = 0x8000;
const HI_THRESH_RESET = 0x7fff;
/** Length of the conversion-ready pulse in continuous mode (SBAS444D 9.3.8: about 8 us). */
const RDY_PULSE_MS = 0.008;

function errnoError(code: string, message: string): Error {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

/** Settings a conversion is made with: latched when it starts. */
interface ConversionSettings {
  mux: number;
  pga: number;
  dr: number;
}

export class EmulatedAds1x15 implements EmulatedI2cDevice {
  readonly address: number;
  private readonly variant: Ads1x15Variant;
  private readonly clock: Clock;
  private readonly oscillatorError: number;
  private readonly inputs = new Float64Array(4);

  private pointer = 0;
  private config = CONFIG_RESET;
  private loThresh = LO_THRESH_RESET;
  private hiThresh = HI_THRESH_RESET;
  private conversion = 0;

  private converting = false;
  private readonly running: ConversionSettings = { mux: 0, pga: 0, dr: 0 };
  private cancelConversion: (() => void) | null = null;
  private cancelPulse: (() => void) | null = null;

  private pin: GpioLevel = 1;
  private rdyStopped = false;
  /** Comparator state: consecutive conversions beyond a threshold, and whether ALERT is asserted. */
  private beyond = 0;
  private comparatorAsserted = false;

  /** Conversions completed since power-up (never reset: the simulated patient's sample counter). */
  conversions = 0;
  /** MUX[2:0] the last completed conversion was made with (null before the first). */
  lastConversionMux: number | null = null;

  constructor(private readonly options: EmulatedAds1x15Options) {
    this.address = options.address;
    this.variant = options.variant;
    this.clock = options.clock;
    this.oscillatorError = options.oscillatorError ?? 0;
  }

  /** The registers as the chip holds them (config with OS as it would read). */
  get registers(): { pointer: number; conversion: number; config: number; loThresh: number; hiThresh: number } {
    return { pointer: this.pointer, conversion: this.conversion, config: this.readConfig(), loThresh: this.loThresh, hiThresh: this.hiThresh };
  }

  /** The ALERT/RDY pin's level now. */
  get alertLevel(): GpioLevel {
    return this.pin;
  }

  /** Fault: the ALERT/RDY line stops toggling (stays at its present level). */
  stopRdy(): void {
    this.rdyStopped = true;
  }

  /** Undoes stopRdy(). */
  resumeRdy(): void {
    this.rdyStopped = false;
  }

  /** Real time of one conversion at data-rate code `dr`. */
  conversionTime_ms(dr: number): number {
    const rates: readonly number[] = this.variant === 'ads1115' ? ADS1115_DATA_RATES_SPS : ADS1015_DATA_RATES_SPS;
    return 1000 / (rates[dr] * (1 + this.oscillatorError));
  }

  write(bytes: Uint8Array): void {
    if (bytes.length === 0) return; // address-only write (a probe): acknowledged, nothing changes
    const p = bytes[0];
    if ((p & 0xfc) !== 0) throw errnoError('EIO', `ADS1x15 at 0x${this.address.toString(16)}: pointer byte 0x${p.toString(16)} has reserved bits 7:2 set`);
    this.pointer = p & 0x03;
    if (bytes.length < 3) return; // pointer only (a 2-byte write never completes a register)
    const value = ((bytes[1] << 8) | bytes[2]) & 0xffff;
    switch (this.pointer) {
      case ADS_REG_CONVERSION:
        return; // read-only
      case ADS_REG_CONFIG:
        return this.writeConfig(value);
      case ADS_REG_LO_THRESH:
        this.loThresh = this.variant === 'ads1015' ? value & 0xfff0 : value;
        return this.updatePin();
      case ADS_REG_HI_THRESH:
        this.hiThresh = this.variant === 'ads1015' ? (value & 0xfff0) | 0x000f : value;
        return this.updatePin();
    }
  }

  read(length: number): Uint8Array {
    const value = this.registerValue(this.pointer);
    const out = new Uint8Array(length);
    // Past the two bytes of a register the chip sends it again (only 2-byte reads are meaningful).
    for (let i = 0; i < length; i++) out[i] = i % 2 === 0 ? value >> 8 : value & 0xff;
    if (this.pointer === ADS_REG_CONVERSION && this.latchedComparator() && this.comparatorAsserted) {
      // Latching comparator: reading the conversion register clears ALERT (SBAS444D 9.3.7).
      this.comparatorAsserted = false;
      this.updatePin();
    }
    return out;
  }

  generalCallReset(): void {
    this.cancelConversion?.();
    this.cancelConversion = null;
    this.cancelPulse?.();
    this.cancelPulse = null;
    this.converting = false;
    this.pointer = 0;
    this.config = CONFIG_RESET;
    this.loThresh = LO_THRESH_RESET;
    this.hiThresh = HI_THRESH_RESET;
    this.conversion = 0;
    this.beyond = 0;
    this.comparatorAsserted = false;
    this.updatePin();
  }

  private registerValue(pointer: number): number {
    switch (pointer) {
      case ADS_REG_CONVERSION:
        return this.conversion;
      case ADS_REG_CONFIG:
        return this.readConfig();
      case ADS_REG_LO_THRESH:
        return this.loThresh;
      default:
        return this.hiThresh;
    }
  }

  private readConfig(): number {
    return (this.config & 0x7fff) | (this.converting ? 0 : 0x8000);
  }

  private continuous(): boolean {
    return ((this.config >> 8) & 1) === 0;
  }

  private writeConfig(value: number): void {
    this.config = value & 0x7fff; // OS is not stored: it reads back the conversion state
    if (!this.converting) {
      // Continuous mode starts converting at once; single-shot needs OS = 1.
      if (this.continuous() || (value & 0x8000) !== 0) this.startConversion();
    }
    // A conversion in progress finishes with the settings it started with (SBAS444D 9.4.2).
    this.updatePin();
  }

  private startConversion(): void {
    this.converting = true;
    this.running.mux = (this.config >> 12) & 7;
    this.running.pga = (this.config >> 9) & 7;
    this.running.dr = (this.config >> 5) & 7;
    this.updatePin(); // single-shot RDY: the pin follows OS, which now reads 0
    this.cancelConversion = this.clock.setTimer(this.conversionTime_ms(this.running.dr), () => this.finishConversion());
  }

  private finishConversion(): void {
    this.cancelConversion = null;
    this.options.inputVoltages(this.conversions, this.inputs);
    this.conversion = this.code(this.differential(this.running.mux), this.running.pga);
    this.lastConversionMux = this.running.mux;
    this.conversions++;
    this.converting = false;
    this.compare();
    if (this.continuous()) {
      this.startConversion();
      if (this.rdyMode()) this.pulse();
    }
    this.updatePin();
  }

  /** Input voltage seen by the ADC for MUX[2:0] (SBAS444D Table 8). */
  private differential(mux: number): number {
    const a = this.inputs;
    switch (mux) {
      case 0: return a[0] - a[1];
      case 1: return a[0] - a[3];
      case 2: return a[1] - a[3];
      case 3: return a[2] - a[3];
      default: return a[mux - 4]; // AINx against GND
    }
  }

  /** Output code as the register holds it (16-bit two's complement; ADS1015 left-justified 12 bits). */
  private code(volts: number, pga: number): number {
    // PGA 110 and 111 are also +/-0.256 V (SBAS444D Table 8).
    const fs = ADS_FULL_SCALE_V[Math.min(pga, 5)];
    if (this.variant === 'ads1015') {
      const c = Math.max(-2048, Math.min(2047, Math.round((volts / fs) * 2048)));
      return (c << 4) & 0xffff;
    }
    const c = Math.max(-32768, Math.min(32767, Math.round((volts / fs) * 32768)));
    return c & 0xffff;
  }

  private static signed(v: number): number {
    return v >= 0x8000 ? v - 0x10000 : v;
  }

  /** Conversion-ready mode (SBAS444D 9.6.4): Hi_thresh MSB 1, Lo_thresh MSB 0, comparator enabled. */
  private rdyMode(): boolean {
    return (this.hiThresh & 0x8000) !== 0 && (this.loThresh & 0x8000) === 0 && (this.config & 3) !== 3;
  }

  private latchedComparator(): boolean {
    return ((this.config >> 2) & 1) === 1;
  }

  /** The comparator (SBAS444D 9.3.7), used when the pin is not in RDY mode. */
  private compare(): void {
    const que = this.config & 3;
    if (que === 3 || this.rdyMode()) {
      this.beyond = 0;
      this.comparatorAsserted = false;
      return;
    }
    const value = EmulatedAds1x15.signed(this.conversion);
    const hi = EmulatedAds1x15.signed(this.hiThresh);
    const lo = EmulatedAds1x15.signed(this.loThresh);
    const windowMode = ((this.config >> 4) & 1) === 1;
    const outside = windowMode ? value > hi || value < lo : value > hi;
    const needed = que === 0 ? 1 : que === 1 ? 2 : 4;
    this.beyond = outside ? this.beyond + 1 : 0;
    if (this.beyond >= needed) this.comparatorAsserted = true;
    else if (!this.latchedComparator()) {
      // Traditional: de-asserts below Lo_thresh (hysteresis); window: once back inside.
      const back = windowMode ? !outside : value < lo;
      if (back) this.comparatorAsserted = false;
    }
  }

  /** The level the pin rests at now (no pulse in progress). */
  private restingLevel(): GpioLevel {
    const activeHigh = ((this.config >> 3) & 1) === 1;
    const asserted = (l: boolean): GpioLevel => ((l === activeHigh ? 1 : 0) as GpioLevel);
    if ((this.config & 3) === 3) return 1; // disabled: high impedance, the pull-up wins
    if (this.rdyMode()) {
      // Single-shot: the pin outputs OS (asserted when no conversion runs). Continuous: idle between pulses.
      return asserted(!this.continuous() && !this.converting);
    }
    return asserted(this.comparatorAsserted);
  }

  private setPin(level: GpioLevel): void {
    if (this.rdyStopped || level === this.pin) return;
    this.pin = level;
    this.options.alertPin?.(level);
  }

  private updatePin(): void {
    if (this.cancelPulse !== null) return; // a ready pulse is on; it ends at its own time
    this.setPin(this.restingLevel());
  }

  /** Continuous-mode conversion-ready pulse: the active level for about 8 us. */
  private pulse(): void {
    const activeHigh = ((this.config >> 3) & 1) === 1;
    this.cancelPulse?.();
    this.cancelPulse = null;
    this.setPin(activeHigh ? 1 : 0);
    this.cancelPulse = this.clock.setTimer(RDY_PULSE_MS, () => {
      this.cancelPulse = null;
      this.updatePin();
    });
  }
}
