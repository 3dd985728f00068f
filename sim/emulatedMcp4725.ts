import type { Clock } from '../controller/clock.js';
import type { EmulatedI2cDevice } from './emulatedI2cDevice.js';

/**
 * Register-level MCP4725 12-bit DAC (Microchip DS22039D), as the I2C master sees it.
 *
 * Datasheet facts modelled here (section numbers of DS22039D):
 * - Write commands are told apart by C2 C1 C0, the top bits of the first byte (table 6-2):
 *   00x fast mode, 010 write DAC register, 011 write DAC register and EEPROM, 1xx reserved
 *   (ignored by the chip). All data goes most significant byte first (6.1).
 * - Fast mode (6.1.1): [0 0 PD1 PD0 D11 D10 D9 D8][D7..D0]; the pair may repeat in one transfer.
 * - Write DAC register / DAC and EEPROM (6.1.2, figure 6-2): [C2 C1 C0 x x PD1 PD0 x][D11..D4]
 *   [D3 D2 D1 D0 x x x x]; the three bytes may repeat.
 * - EEPROM write: RDY/BSY goes low at the last ACK and stays low for the EEPROM write time
 *   (25 ms typical, 50 ms maximum: electrical characteristics, "EEPROM write time"). "Any new write command
 *   including repeat bytes during the EEPROM write mode is ignored" (figure 6-2, note 1): the
 *   chip still acknowledges but does nothing; we count those in `ignoredWrites`.
 * - Read (6.2, figure 6-3): [RDY/BSY POR x x x PD1 PD0 x][D11..D4][D3..D0 0 0 0 0]
 *   [x PD1 PD0 x D11..D8 (EEPROM)][D7..D0 (EEPROM)]; further bytes repeat bytes 1-5.
 * - General call reset 0x06: like a power-on reset, the EEPROM (code and PD bits) is
 *   loaded into the DAC register. General call wake-up 0x09: PD bits cleared to 00.
 * - Output: Vout = VDD x D / 4096 with PD = 00. PD = 01/10/11 switches the
 *   amplifier off and pulls Vout to ground through 1 k / 100 k / 500 k.
 */
export type Mcp4725PowerDownBits = 0 | 1 | 2 | 3;

/** Pull-down to ground per PD bits (DS22039D, power-down bits table); null: normal operation. */
export const MCP4725_PULL_DOWN_OHMS: readonly (number | null)[] = [null, 1_000, 100_000, 500_000];

export interface EmulatedMcp4725Options {
  readonly address?: number;
  /** VDD, the DAC's reference. */
  readonly referenceVoltage_V?: number;
  /** What the EEPROM holds at power-on (default code 0, PD 00, as shipped). */
  readonly eeprom?: { readonly code: number; readonly powerDown: Mcp4725PowerDownBits };
  /** EEPROM write time (typical 25 ms, maximum 50 ms). */
  readonly eepromWrite_ms?: number;
  /** Called whenever the output changes: the plant sees the volts, the PD state says why 0 V. */
  readonly onOutput?: (volts: number, powerDown: Mcp4725PowerDownBits) => void;
}

function nack(message: string): Error {
  return Object.assign(new Error(`EIO: ${message}`), { code: 'EIO' });
}

export class EmulatedMcp4725 implements EmulatedI2cDevice {
  readonly address: number;
  private readonly vref_V: number;
  private readonly eepromWrite_ms: number;
  private readonly onOutput: ((volts: number, powerDown: Mcp4725PowerDownBits) => void) | undefined;

  private dacCode = 0;
  private dacPowerDown: Mcp4725PowerDownBits = 0;
  private eepromCode: number;
  private eepromPowerDown: Mcp4725PowerDownBits;
  private busyUntil_ms = -Infinity;
  private refusing = false;
  private readonly readBuffer = new Uint8Array(5);

  /** Write transfers the chip acknowledged and acted on / acknowledged but ignored (EEPROM busy, reserved). */
  writes = 0;
  ignoredWrites = 0;
  eepromWrites = 0;

  constructor(
    private readonly clock: Clock,
    options: EmulatedMcp4725Options = {},
  ) {
    this.address = options.address ?? 0x60;
    this.vref_V = options.referenceVoltage_V ?? 3.3;
    this.eepromWrite_ms = options.eepromWrite_ms ?? 25;
    this.onOutput = options.onOutput;
    this.eepromCode = (options.eeprom?.code ?? 0) & 0xfff;
    this.eepromPowerDown = options.eeprom?.powerDown ?? 0;
    // Power-on: the chip loads its EEPROM into the DAC register.
    this.loadEeprom();
  }

  /** From now on every write transfer is not acknowledged (the Linux driver reports EIO). */
  refuseWrites(refuse = true): void {
    this.refusing = refuse;
  }

  get code(): number {
    return this.dacCode;
  }

  get powerDown(): Mcp4725PowerDownBits {
    return this.dacPowerDown;
  }

  get eeprom(): { code: number; powerDown: Mcp4725PowerDownBits } {
    return { code: this.eepromCode, powerDown: this.eepromPowerDown };
  }

  /** RDY/BSY: false while an EEPROM write is in progress. */
  get ready(): boolean {
    return this.clock.now_ms() >= this.busyUntil_ms;
  }

  /** Output voltage now: 0 in any power-down mode (the pull-down holds it at ground). */
  get output_V(): number {
    return this.dacPowerDown === 0 ? (this.vref_V * this.dacCode) / 4096 : 0;
  }

  write(bytes: Uint8Array): void {
    if (this.refusing) throw nack(`MCP4725 at 0x${this.address.toString(16)} did not acknowledge a write`);
    if (bytes.length === 0) return; // an address-only write (a probe) is acknowledged and does nothing
    if (!this.ready) {
      this.ignoredWrites++;
      return;
    }
    const command = bytes[0] >> 5; // C2 C1 C0
    if ((command & 0b110) === 0b000) {
      // Fast mode: pairs of bytes; an incomplete trailing byte is not a command.
      if (bytes.length < 2) return;
      for (let i = 0; i + 1 < bytes.length; i += 2) {
        this.dacPowerDown = ((bytes[i] >> 4) & 0b11) as Mcp4725PowerDownBits;
        this.dacCode = ((bytes[i] & 0x0f) << 8) | bytes[i + 1];
      }
      this.writes++;
      this.emit();
      return;
    }
    if (command === 0b010 || command === 0b011) {
      if (bytes.length < 3) return;
      let last = 0;
      for (let i = 0; i + 2 < bytes.length; i += 3) last = i;
      this.dacPowerDown = ((bytes[last] >> 1) & 0b11) as Mcp4725PowerDownBits;
      this.dacCode = (bytes[last + 1] << 4) | (bytes[last + 2] >> 4);
      this.writes++;
      if (command === 0b011) {
        // The EEPROM takes what the DAC register now holds; RDY/BSY low until the write is done.
        this.eepromCode = this.dacCode;
        this.eepromPowerDown = this.dacPowerDown;
        this.eepromWrites++;
        this.busyUntil_ms = this.clock.now_ms() + this.eepromWrite_ms;
      }
      this.emit();
      return;
    }
    // 1xx: reserved for future use, ignored by the chip (DS22039D 6.1).
    this.ignoredWrites++;
  }

  read(length: number): Uint8Array {
    const b = this.readBuffer;
    const rdyBsy = this.ready ? 1 : 0;
    const por = 1; // powered (POR bit set once VDD is above the POR threshold)
    b[0] = (rdyBsy << 7) | (por << 6) | (this.dacPowerDown << 1);
    b[1] = this.dacCode >> 4;
    b[2] = (this.dacCode & 0x0f) << 4;
    b[3] = (this.eepromPowerDown << 5) | (this.eepromCode >> 8);
    b[4] = this.eepromCode & 0xff;
    if (length <= 5) return b;
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = b[i % 5];
    return out;
  }

  /** General call reset (0x06): like a power-on reset, EEPROM -> DAC register. */
  generalCallReset(): void {
    this.busyUntil_ms = -Infinity;
    this.loadEeprom();
  }

  /** General call wake-up (0x09): PD bits of the DAC register back to 00. */
  generalCallWakeUp(): void {
    this.dacPowerDown = 0;
    this.emit();
  }

  private loadEeprom(): void {
    this.dacCode = this.eepromCode;
    this.dacPowerDown = this.eepromPowerDown;
    this.emit();
  }

  private emit(): void {
    this.onOutput?.(this.output_V, this.dacPowerDown);
  }
}
