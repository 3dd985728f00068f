import { describe, expect, it } from 'vitest';
import { decodeMcp4725Read, probeAds1x15, probeMcp4725 } from '../../drivers/i2c/chipProbes.js';
import { EmulatedI2cBus } from '../../sim/emulatedI2cBus.js';
import type { EmulatedI2cDevice } from '../../sim/emulatedI2cDevice.js';
import { VirtualClock } from '../../sim/virtualClock.js';

/**
 * Register-level stand-ins, big-endian on the wire as the datasheets say, so a probe that
 * swapped bytes would read other values. ADS1x15 (TI SBAS444D): a 1-byte write sets the
 * pointer, a 3-byte write sets a register, a read returns the pointed register MSB first.
 */
class Ads1x15Registers implements EmulatedI2cDevice {
  pointer = 0;
  readonly registers = [0x0000, 0x8583, 0x8000, 0x7fff];
  constructor(readonly address: number) {}
  write(bytes: Uint8Array): void {
    this.pointer = bytes[0] & 0b11;
    if (bytes.length === 3) this.registers[this.pointer] = (bytes[1] << 8) | bytes[2];
  }
  read(length: number): Uint8Array {
    const value = this.registers[this.pointer];
    return Uint8Array.from([value >> 8, value & 0xff]).subarray(0, length);
  }
}

/** MCP4725 (Microchip DS22039D 6.2): a read returns status, DAC register and EEPROM. */
class Mcp4725Registers implements EmulatedI2cDevice {
  writes = 0;
  constructor(
    readonly address: number,
    private readonly state: { dac: number; pd: number; eeprom: number; eepromPd: number },
  ) {}
  write(): void {
    this.writes++;
  }
  read(length: number): Uint8Array {
    const s = this.state;
    return Uint8Array.from([0x80 | 0x40 | (s.pd << 1), s.dac >> 4, (s.dac & 0x0f) << 4, (s.eepromPd << 5) | (s.eeprom >> 8), s.eeprom & 0xff]).subarray(0, length);
  }
}

describe('chip probes', () => {
  it('ADS1x15: reads the Config register big-endian, decodes it, and leaves the pointer on the Conversion register', async () => {
    const bus = new EmulatedI2cBus(new VirtualClock(), { keepLog: true });
    const ads = new Ads1x15Registers(0x49);
    bus.attach(ads);
    const config = await probeAds1x15(bus, 0x49, 'ads1115');
    expect(config).toEqual({ raw: 0x8583, mux: 'AIN0-AIN1', fullScale_V: 2.048, singleShot: true, dataRate_SPS: 128 });
    expect(ads.pointer).toBe(0);
    // Nothing but pointer writes: no Config write, so no conversion was started.
    expect(bus.log.filter((t) => t.direction === 'write').map((t) => t.bytes)).toEqual([[0x01], [0x00]]);
    expect(ads.registers[1]).toBe(0x8583);
  });

  it('ADS1015: the same Config decodes to its own data rate; another value decodes field by field', async () => {
    const bus = new EmulatedI2cBus(new VirtualClock());
    const ads = new Ads1x15Registers(0x48);
    ads.registers[1] = 0b0_100_001_0_111_00011; // AIN0 vs GND, +/-4.096 V, continuous, DR 111
    bus.attach(ads);
    expect(await probeAds1x15(bus, 0x48, 'ads1015')).toEqual({ raw: 0x42e3, mux: 'AIN0', fullScale_V: 4.096, singleShot: false, dataRate_SPS: 3300 });
  });

  it('MCP4725: a read only, never a write; codes and power-down bits decoded', async () => {
    const bus = new EmulatedI2cBus(new VirtualClock(), { keepLog: true });
    const dac = new Mcp4725Registers(0x60, { dac: 0xabc, pd: 0b00, eeprom: 0x123, eepromPd: 0b11 });
    bus.attach(dac);
    expect(await probeMcp4725(bus, 0x60)).toEqual({ ready: true, powerOnReset: true, dacCode: 0xabc, powerDown: 'normal', eepromCode: 0x123, eepromPowerDown: '500k' });
    expect(dac.writes).toBe(0);
    expect(bus.log.map((t) => t.direction)).toEqual(['read']);
  });

  it('MCP4725 decode: RDY/BSY low while the EEPROM is written; PD 01 and 10 are the 1k and 100k pull-downs', () => {
    expect(decodeMcp4725Read(Uint8Array.from([0b0000_0010, 0x00, 0x00, 0b0100_0000, 0x00]))).toMatchObject({ ready: false, powerOnReset: false, powerDown: '1k', eepromPowerDown: '100k' });
  });

  it('no chip at the address: the probe rejects with ENXIO', async () => {
    const bus = new EmulatedI2cBus(new VirtualClock());
    await expect(probeMcp4725(bus, 0x61)).rejects.toMatchObject({ code: 'ENXIO' });
    await expect(probeAds1x15(bus, 0x4a, 'ads1115')).rejects.toMatchObject({ code: 'ENXIO' });
  });
});
