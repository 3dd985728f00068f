import type { I2cBusPort } from '../../controller/i2cBus.js';
import { ADS_POINTER } from '../ads1x15Source.js';
import { ADS_FULL_SCALE_V, ADS_MUX, ADS1015_DATA_RATES_SPS, ADS1115_DATA_RATES_SPS, MCP4725_POWER_DOWN } from '../../config/hardwareSchema.js';

/**
 * Probes that ask a chip to answer without changing what it outputs: `neuroloop doctor`
 * uses them to tell "nothing at this address" from "the chip is there". Neither one starts
 * a conversion or moves a DAC output.
 */


export interface Ads1x15Config {
  /** The 16-bit Config register, most significant byte first on the wire. */
  readonly raw: number;
  readonly mux: string;
  readonly fullScale_V: number;
  readonly singleShot: boolean;
  readonly dataRate_SPS: number;
}

/**
 * Reads the Config register: a write of the pointer (0x01), then a 2-byte read. Writing
 * only the pointer byte starts nothing (a conversion starts only when OS is written as 1 in
 * the Config register itself). The pointer is set back to the Conversion register after,
 * where it is after power-up, so a driver that reads conversions finds it there.
 */
export async function probeAds1x15(bus: I2cBusPort, address: number, kind: 'ads1115' | 'ads1015'): Promise<Ads1x15Config> {
  await bus.i2cWrite(address, 1, Buffer.from([ADS_POINTER.config]));
  const data = Buffer.alloc(2);
  await bus.i2cRead(address, 2, data);
  await bus.i2cWrite(address, 1, Buffer.from([ADS_POINTER.conversion]));
  return decodeAds1x15Config(data.readUInt16BE(0), kind);
}

/**
 * Config register fields (SBAS444D, Config Register): OS[15], MUX[14:12], PGA[11:9], MODE[8],
 * DR[7:5], comparator bits [4:0]; PGA 110 and 111 both mean +/-0.256 V; reset value 0x8583.
 */
export function decodeAds1x15Config(raw: number, kind: 'ads1115' | 'ads1015'): Ads1x15Config {
  const rates = kind === 'ads1115' ? ADS1115_DATA_RATES_SPS : ADS1015_DATA_RATES_SPS;
  return {
    raw,
    mux: ADS_MUX[(raw >> 12) & 0b111],
    fullScale_V: ADS_FULL_SCALE_V[Math.min((raw >> 9) & 0b111, ADS_FULL_SCALE_V.length - 1)],
    singleShot: ((raw >> 8) & 1) === 1,
    dataRate_SPS: rates[(raw >> 5) & 0b111],
  };
}

/** Power-down selection PD1:PD0: 00 normal, 01 1 kOhm, 10 100 kOhm, 11 500 kOhm to ground. */
export type Mcp4725PowerDown = 'normal' | (typeof MCP4725_POWER_DOWN)[number];

export interface Mcp4725State {
  /** RDY/BSY: false while an EEPROM write is in progress. */
  readonly ready: boolean;
  readonly powerOnReset: boolean;
  /** The 12-bit code the output follows now (when powerDown is 'normal'). */
  readonly dacCode: number;
  readonly powerDown: Mcp4725PowerDown;
  /** What the chip loads at power-up and at a general-call reset. */
  readonly eepromCode: number;
  readonly eepromPowerDown: Mcp4725PowerDown;
}

const POWER_DOWN: readonly Mcp4725PowerDown[] = ['normal', ...MCP4725_POWER_DOWN];

/**
 * A 5-byte read, the MCP4725's only read command (Microchip DS22039D, 6.2 Read Command).
 * Never a write: any write to this chip changes its output or its EEPROM.
 */
export async function probeMcp4725(bus: I2cBusPort, address: number): Promise<Mcp4725State> {
  const data = Buffer.alloc(5);
  await bus.i2cRead(address, 5, data);
  return decodeMcp4725Read(data);
}

/**
 * Byte 0: RDY/BSY, POR, x, x, x, PD1, PD0, x. Bytes 1-2: D11..D4, then D3..D0 in the high
 * nibble. Byte 3: x, PD1, PD0, x, D11..D8 of the EEPROM. Byte 4: D7..D0 of the EEPROM.
 */
export function decodeMcp4725Read(data: Uint8Array): Mcp4725State {
  return {
    ready: (data[0] & 0x80) !== 0,
    powerOnReset: (data[0] & 0x40) !== 0,
    dacCode: (data[1] << 4) | (data[2] >> 4),
    powerDown: POWER_DOWN[(data[0] >> 1) & 0b11],
    eepromCode: ((data[3] & 0x0f) << 8) | data[4],
    eepromPowerDown: POWER_DOWN[(data[3] >> 5) & 0b11],
  };
}
