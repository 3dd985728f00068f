import { describe, expect, it } from 'vitest';
import { sleep } from '../../controller/clock.js';
import { GENERAL_CALL_ADDRESS, GENERAL_CALL_RESET, GENERAL_CALL_WAKE_UP } from '../../controller/i2cBus.js';
import { EmulatedI2cBus } from '../../sim/emulatedI2cBus.js';
import { EmulatedMcp4725, type Mcp4725PowerDownBits } from '../../sim/emulatedMcp4725.js';
import { VirtualClock } from '../../sim/virtualClock.js';

function rig(options: ConstructorParameters<typeof EmulatedMcp4725>[1] = {}) {
  const clock = new VirtualClock('max');
  const bus = new EmulatedI2cBus(clock);
  const outputs: { volts: number; pd: Mcp4725PowerDownBits }[] = [];
  const dac = new EmulatedMcp4725(clock, { referenceVoltage_V: 4.096, ...options, onOutput: (volts, pd) => outputs.push({ volts, pd }) });
  bus.attach(dac);
  const write = (...bytes: number[]) => bus.i2cWrite(0x60, bytes.length, Buffer.from(bytes));
  const read = async (n = 5) => [...(await bus.i2cRead(0x60, n, Buffer.alloc(n))).buffer];
  return { clock, bus, dac, outputs, write, read };
}

describe('EmulatedMcp4725 (DS22039D)', () => {
  it('fast mode: [0 0 PD1 PD0 D11..D8][D7..D0], most significant byte first', async () => {
    const { dac, write, outputs } = rig();
    await write(0x0a, 0xbc);
    expect(dac.code).toBe(0xabc);
    expect(dac.powerDown).toBe(0);
    expect(dac.output_V).toBeCloseTo((4.096 * 0xabc) / 4096, 12);
    expect(outputs.at(-1)).toEqual({ volts: dac.output_V, pd: 0 });
    // The same two bytes swapped mean another code (0x102 vs 0x201): a little-endian driver is caught.
    await write(0x02, 0x01);
    expect(dac.code).toBe(0x201);
    // and a swapped pair whose low byte has C2 set is a reserved command, ignored by the chip.
    await write(0xbc, 0x0a);
    expect(dac.code).toBe(0x201);
  });

  it('fast mode repeated pairs: the last pair wins', async () => {
    const { dac, write } = rig();
    await write(0x01, 0x00, 0x02, 0x34);
    expect(dac.code).toBe(0x234);
  });

  it('power-down bits: output 0 V with the pull-down, code kept', async () => {
    const { dac, write, outputs } = rig();
    await write(0x08, 0x00); // code 0x800 normal
    expect(dac.output_V).toBeCloseTo(2.048, 12);
    await write(0x30 | 0x08, 0x00); // PD = 11 (500 k)
    expect(dac.powerDown).toBe(3);
    expect(dac.code).toBe(0x800);
    expect(dac.output_V).toBe(0);
    expect(outputs.at(-1)).toEqual({ volts: 0, pd: 3 });
  });

  it('write DAC register (0x40): [C2C1C0 x x PD1 PD0 x][D11..D4][D3..D0 0000], EEPROM untouched', async () => {
    const { dac, write } = rig();
    await write(0x40 | (2 << 1), 0xab, 0xc0);
    expect(dac.code).toBe(0xabc);
    expect(dac.powerDown).toBe(2);
    expect(dac.eeprom).toEqual({ code: 0, powerDown: 0 });
  });

  it('write DAC and EEPROM (0x60): busy for the EEPROM write time, writes in between are ignored', async () => {
    const { clock, dac, write, read } = rig({ eepromWrite_ms: 25 });
    await write(0x60, 0x12, 0x30);
    expect(dac.eeprom).toEqual({ code: 0x123, powerDown: 0 });
    expect(dac.ready).toBe(false);
    const status = await read();
    expect(status[0] >> 7).toBe(0); // RDY/BSY low
    await write(0x60, 0xff, 0xf0); // ignored while busy (acknowledged, not acted on)
    await write(0x0f, 0xff);
    expect(dac.eeprom.code).toBe(0x123);
    expect(dac.code).toBe(0x123);
    expect(dac.ignoredWrites).toBe(2);
    await sleep(clock, 30);
    expect(dac.ready).toBe(true);
    expect((await read())[0] >> 7).toBe(1);
    await write(0x0f, 0xff);
    expect(dac.code).toBe(0xfff);
  });

  it('read: status, DAC register and EEPROM in the datasheet layout', async () => {
    const { write, read } = rig({ eeprom: { code: 0x9a5, powerDown: 1 } });
    await write(0x20 | 0x0c, 0xde); // fast mode PD = 10, code 0xcde
    expect(await read()).toEqual([
      0b1100_0100, // RDY/BSY 1, POR 1, PD1 PD0 = 10 in bits 2-1
      0xcd, // D11..D4
      0xe0, // D3..D0 0000
      (1 << 5) | 0x9, // x PD1 PD0 x D11..D8 of the EEPROM
      0xa5,
    ]);
  });

  it('power-on and general-call reset load the EEPROM (PD bits included); wake-up clears PD', async () => {
    const { bus, dac, write } = rig({ eeprom: { code: 0x400, powerDown: 3 } });
    expect(dac.code).toBe(0x400);
    expect(dac.powerDown).toBe(3);
    await write(0x07, 0xff);
    expect(dac.code).toBe(0x7ff);
    await bus.i2cWrite(GENERAL_CALL_ADDRESS, 1, Buffer.from([GENERAL_CALL_RESET]));
    expect(dac.code).toBe(0x400);
    expect(dac.powerDown).toBe(3);
    expect(dac.output_V).toBe(0);
    await bus.i2cWrite(GENERAL_CALL_ADDRESS, 1, Buffer.from([GENERAL_CALL_WAKE_UP]));
    expect(dac.powerDown).toBe(0);
    expect(dac.code).toBe(0x400);
    expect(dac.output_V).toBeCloseTo(1.024, 12);
  });

  it('reserved commands (C2 = 1) are ignored', async () => {
    const { dac, write } = rig();
    await write(0x80, 0xff, 0xf0);
    expect(dac.code).toBe(0);
    expect(dac.ignoredWrites).toBe(1);
  });

  it('refuseWrites: writes fail with EIO, reads still answer', async () => {
    const { dac, write, read } = rig();
    await write(0x01, 0x23);
    dac.refuseWrites();
    await expect(write(0x0f, 0xff)).rejects.toMatchObject({ code: 'EIO' });
    expect(dac.code).toBe(0x123);
    expect((await read())[1]).toBe(0x12);
  });
});
