import { describe, expect, it } from 'vitest';
import { sleep } from '../../controller/clock.js';
import { GENERAL_CALL_ADDRESS, GENERAL_CALL_RESET } from '../../controller/i2cBus.js';
import { EmulatedAds1x15, type Ads1x15Variant } from '../../sim/emulatedAds1x15.js';
import { EmulatedI2cBus } from '../../sim/emulatedI2cBus.js';
import { VirtualClock } from '../../sim/virtualClock.js';

const ADDRESS = 0x48;

/** A rig: virtual clock, bus, one ADS1x15 with fixed input voltages, the ALERT/RDY pin's edges recorded. */
function rig(opts: { variant?: Ads1x15Variant; volts?: number[]; oscillatorError?: number } = {}) {
  const clock = new VirtualClock('max');
  const bus = new EmulatedI2cBus(clock);
  const volts = Float64Array.from(opts.volts ?? [1.0, 0.5, 0.25, 0.0]);
  const edges: { t_ms: number; level: 0 | 1 }[] = [];
  const adc = new EmulatedAds1x15({
    address: ADDRESS,
    variant: opts.variant ?? 'ads1115',
    clock,
    oscillatorError: opts.oscillatorError ?? 0,
    inputVoltages: (_i, out) => out.set(volts),
    alertPin: (level) => edges.push({ t_ms: clock.now_ms(), level }),
  });
  bus.attach(adc);
  const writeReg = (pointer: number, value: number) => bus.i2cWrite(ADDRESS, 3, Buffer.from([pointer, value >> 8, value & 0xff]));
  const readReg = async (pointer: number): Promise<number[]> => {
    await bus.i2cWrite(ADDRESS, 1, Buffer.from([pointer]));
    const b = Buffer.alloc(2);
    await bus.i2cRead(ADDRESS, 2, b);
    return [b[0], b[1]];
  };
  const word = (bytes: number[]) => (bytes[0] << 8) | bytes[1];
  return { clock, bus, adc, volts, edges, writeReg, readReg, word };
}

/** Config word: fields per SBAS444D Table 8 (OS[15] MUX[14:12] PGA[11:9] MODE[8] DR[7:5] COMP_MODE[4] COMP_POL[3] COMP_LAT[2] COMP_QUE[1:0]). */
function cfg(f: { os?: number; mux: number; pga: number; mode: number; dr: number; que?: number; pol?: number }): number {
  return ((f.os ?? 0) << 15) | (f.mux << 12) | (f.pga << 9) | (f.mode << 8) | (f.dr << 5) | ((f.pol ?? 0) << 3) | (f.que ?? 3);
}

describe('EmulatedAds1x15 registers', () => {
  it('powers up with the datasheet reset values, read most significant byte first', async () => {
    const r = rig();
    expect(await r.readReg(1)).toEqual([0x85, 0x83]);
    expect(await r.readReg(2)).toEqual([0x80, 0x00]);
    expect(await r.readReg(3)).toEqual([0x7f, 0xff]);
    expect(await r.readReg(0)).toEqual([0x00, 0x00]);
    expect(r.adc.conversions).toBe(0); // single-shot, powered down: nothing converts
  });

  it('takes a 3-byte write as pointer + value MSB first; a 1-byte write moves the pointer only', async () => {
    const r = rig();
    await r.writeReg(2, 0x1234);
    expect(r.adc.registers.loThresh).toBe(0x1234);
    // What an SMBus writeWord (little-endian) would put on the wire lands byte-swapped.
    await r.writeReg(3, 0x3412);
    expect(r.adc.registers.hiThresh).toBe(0x3412);
    await r.bus.i2cWrite(ADDRESS, 1, Buffer.from([0x02]));
    expect(r.adc.registers.pointer).toBe(2);
    expect(r.adc.registers.loThresh).toBe(0x1234);
    const b = Buffer.alloc(2);
    await r.bus.i2cRead(ADDRESS, 2, b);
    expect([...b]).toEqual([0x12, 0x34]);
    // A single-shot config with OS = 0 reads back with OS = 1 (no conversion running).
    await r.writeReg(1, 0x4383);
    expect(r.adc.registers.config).toBe(0xc383);
    await expect(r.bus.i2cWrite(ADDRESS, 1, Buffer.from([0x05]))).rejects.toMatchObject({ code: 'EIO' });
  });

  it('single-shot: OS=1 starts one conversion, OS reads 0 while converting and 1 after, then powers down', async () => {
    const r = rig();
    const word = cfg({ os: 1, mux: 4, pga: 1, mode: 1, dr: 4 }); // AIN0 vs GND, +/-4.096 V, 128 SPS
    await r.writeReg(1, word);
    expect(r.word(await r.readReg(1)) & 0x8000).toBe(0);
    await sleep(r.clock, 1000 / 128 + 0.5);
    expect(r.word(await r.readReg(1))).toBe(word | 0x8000);
    expect(r.word(await r.readReg(0))).toBe(Math.round((1.0 / 4.096) * 32768));
    await sleep(r.clock, 50);
    expect(r.adc.conversions).toBe(1);
  });

  it('continuous: conversions back to back at the data rate x (1 + oscillator error)', async () => {
    for (const err of [0, 0.05, -0.08]) {
      const r = rig({ oscillatorError: err });
      await r.writeReg(1, cfg({ mux: 4, pga: 1, mode: 0, dr: 7 })); // 860 SPS
      await sleep(r.clock, 1000);
      expect(Math.abs(r.adc.conversions - 860 * (1 + err))).toBeLessThanOrEqual(1);
    }
  });

  it('continuous: after a MUX change the next conversion is still the old input (stale), the one after is the new', async () => {
    const r = rig({ volts: [1.0, 0.5, 0.25, 0.0] });
    await r.writeReg(1, cfg({ mux: 4, pga: 1, mode: 0, dr: 4 })); // AIN0, 128 SPS
    await sleep(r.clock, 1.5 * (1000 / 128)); // one conversion done, the second under way
    expect(r.adc.conversions).toBe(1);
    await r.writeReg(1, cfg({ mux: 5, pga: 1, mode: 0, dr: 4 })); // AIN1
    await sleep(r.clock, 1000 / 128); // the conversion that was under way completes
    expect(r.adc.conversions).toBe(2);
    expect(r.adc.lastConversionMux).toBe(4);
    expect(r.word(await r.readReg(0))).toBe(8000); // 1.0 V / 4.096 V x 32768: still AIN0
    await sleep(r.clock, 1000 / 128);
    expect(r.adc.lastConversionMux).toBe(5);
    expect(r.word(await r.readReg(0))).toBe(4000); // AIN1
  });

  it('differential inputs and saturation codes at both ends', async () => {
    const r = rig({ volts: [3.0, 0.5, 0.25, 1.5] });
    const convert = async (mux: number, pga: number) => {
      await r.writeReg(1, cfg({ os: 1, mux, pga, mode: 1, dr: 7 }));
      await sleep(r.clock, 2);
      return r.word(await r.readReg(0));
    };
    expect(await convert(0, 0)).toBe(Math.round((2.5 / 6.144) * 32768)); // AIN0 - AIN1
    expect(await convert(2, 1)).toBe((Math.round((-1.0 / 4.096) * 32768)) & 0xffff); // AIN1 - AIN3 negative
    expect(await convert(4, 2)).toBe(0x7fff); // 3.0 V on +/-2.048 V: positive full scale
    expect(await convert(0, 5)).toBe(0x7fff);
    r.volts.set([0, 3.0, 0, 0]);
    expect(await convert(0, 2)).toBe(0x8000); // -3.0 V: negative full scale
  });

  it('ADS1015: 12-bit results left-justified, saturating at 0x7FF0 / 0x8000; threshold low nibbles read-only', async () => {
    const r = rig({ variant: 'ads1015', volts: [1.0, 0, 0, 0] });
    await r.writeReg(1, cfg({ os: 1, mux: 4, pga: 2, mode: 1, dr: 4 }));
    await sleep(r.clock, 1);
    expect(r.word(await r.readReg(0))).toBe(1000 << 4); // 1.0 V / 2.048 V x 2048 = 1000
    r.volts.set([5, 0, 0, 0]);
    await r.writeReg(1, cfg({ os: 1, mux: 4, pga: 2, mode: 1, dr: 4 }));
    await sleep(r.clock, 1);
    expect(await r.readReg(0)).toEqual([0x7f, 0xf0]);
    r.volts.set([0, 5, 0, 0]);
    await r.writeReg(1, cfg({ os: 1, mux: 0, pga: 2, mode: 1, dr: 4 }));
    await sleep(r.clock, 1);
    expect(await r.readReg(0)).toEqual([0x80, 0x00]);
    await r.writeReg(2, 0x0005);
    await r.writeReg(3, 0x8000);
    expect(await r.readReg(2)).toEqual([0x00, 0x00]);
    expect(await r.readReg(3)).toEqual([0x80, 0x0f]);
  });

  it('ALERT/RDY pulses at each conversion only with Hi_thresh MSB = 1, Lo_thresh MSB = 0 and COMP_QUE != 11', async () => {
    const period = 1000 / 860;
    // Comparator enabled (COMP_QUE = 00) but the reset thresholds: no ready pulses.
    const plain = rig();
    await plain.writeReg(1, cfg({ mux: 4, pga: 1, mode: 0, dr: 7, que: 0 }));
    await sleep(plain.clock, 100);
    expect(plain.adc.conversions).toBeGreaterThan(80);
    expect(plain.edges).toEqual([]);

    // Thresholds set but COMP_QUE = 11 (disabled): still nothing.
    const disabled = rig();
    await disabled.writeReg(2, 0x0000);
    await disabled.writeReg(3, 0x8000);
    await disabled.writeReg(1, cfg({ mux: 4, pga: 1, mode: 0, dr: 7, que: 3 }));
    await sleep(disabled.clock, 100);
    expect(disabled.edges).toEqual([]);

    // Conversion-ready mode, active low: one ~8 us low pulse per conversion.
    const r = rig();
    await r.writeReg(2, 0x0000);
    await r.writeReg(3, 0x8000);
    await r.writeReg(1, cfg({ mux: 4, pga: 1, mode: 0, dr: 7, que: 0, pol: 0 }));
    await sleep(r.clock, 100);
    const falling = r.edges.filter((e) => e.level === 0);
    expect(falling.length).toBe(r.adc.conversions);
    for (let i = 1; i < falling.length; i++) expect(falling[i].t_ms - falling[i - 1].t_ms).toBeCloseTo(period, 9);
    const firstRise = r.edges.find((e) => e.level === 1);
    expect(firstRise!.t_ms - falling[0].t_ms).toBeCloseTo(0.008, 9);

    // Active high (COMP_POL = 1): the pin rests low and pulses high.
    const high = rig();
    await high.writeReg(2, 0x0000);
    await high.writeReg(3, 0x8000);
    await high.writeReg(1, cfg({ mux: 4, pga: 1, mode: 0, dr: 7, que: 0, pol: 1 }));
    await sleep(high.clock, 20);
    expect(high.edges[0].level).toBe(0);
    expect(high.edges.filter((e) => e.level === 1).length).toBe(high.adc.conversions);
  });

  it('single-shot in RDY mode: the pin outputs OS (asserted when the conversion is done)', async () => {
    const r = rig();
    await r.writeReg(2, 0x0000);
    await r.writeReg(3, 0x8000);
    await r.writeReg(1, cfg({ mux: 4, pga: 1, mode: 1, dr: 7, que: 0 }));
    expect(r.adc.alertLevel).toBe(0); // powered down: OS = 1, asserted (low)
    await r.writeReg(1, cfg({ os: 1, mux: 4, pga: 1, mode: 1, dr: 7, que: 0 }));
    expect(r.adc.alertLevel).toBe(1); // converting
    await sleep(r.clock, 2);
    expect(r.adc.alertLevel).toBe(0);
  });

  it('stopRdy(): the line stops toggling while conversions go on', async () => {
    const r = rig();
    await r.writeReg(2, 0x0000);
    await r.writeReg(3, 0x8000);
    await r.writeReg(1, cfg({ mux: 4, pga: 1, mode: 0, dr: 7, que: 0 }));
    await sleep(r.clock, 10);
    r.adc.stopRdy();
    const n = r.edges.length;
    const c = r.adc.conversions;
    await sleep(r.clock, 50);
    expect(r.edges.length).toBe(n);
    expect(r.adc.conversions).toBeGreaterThan(c + 40);
  });

  it('general-call reset: every register back to its reset value, conversions stop', async () => {
    const r = rig();
    await r.writeReg(2, 0x0000);
    await r.writeReg(3, 0x8000);
    await r.writeReg(1, cfg({ mux: 5, pga: 3, mode: 0, dr: 7, que: 0 }));
    await sleep(r.clock, 10);
    await r.bus.i2cWrite(GENERAL_CALL_ADDRESS, 1, Buffer.from([GENERAL_CALL_RESET]));
    expect(r.adc.registers).toEqual({ pointer: 0, conversion: 0, config: 0x8583, loThresh: 0x8000, hiThresh: 0x7fff });
    const c = r.adc.conversions;
    await sleep(r.clock, 50);
    expect(r.adc.conversions).toBe(c);
    expect(r.adc.alertLevel).toBe(1);
  });
});
