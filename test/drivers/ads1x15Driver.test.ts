import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type AdsSourceConfig, adsSourceSchema } from '../../config/hardwareSchema.js';
import type { GpioLevel } from '../../controller/gpio.js';
import { ADS_RDY_EDGE, Ads1x15Source, adsConfigWord } from '../../drivers/ads1x15Source.js';
import type { DriverEvent } from '../../controller/driverEvent.js';
import type { SampleBlock } from '../../signals/sampleBlock.js';
import { EmulatedAds1x15 } from '../../sim/emulatedAds1x15.js';
import { EmulatedGpioChip } from '../../sim/emulatedGpioChip.js';
import { EmulatedI2cBus } from '../../sim/emulatedI2cBus.js';
import { VirtualClock } from '../../sim/virtualClock.js';

/**
 * The ADS1x15 driver at register level, on the emulated chip and bus: the bytes it writes
 * are the datasheet's (TI SBAS444D), results come back MSB first, and microvolts are the
 * input voltages through the configured range and front-end gain.
 */
const RDY_LINE = 17;
const BIAS_V = 1.65;

function bench(source: Partial<AdsSourceConfig> & Pick<AdsSourceConfig, 'inputs'>, ain_uV: (conversion: number) => [number, number, number], options: { rdy?: boolean } = {}) {
  const config = adsSourceSchema.parse({ kind: 'ads1115', fullScale_V: 0.512, dataRate_SPS: 860, frontEndGain: 1000, block_samples: 16, emulated: true, ...source });
  const clock = new VirtualClock('max');
  const bus = new EmulatedI2cBus(clock, { keepLog: true });
  const gpio = new EmulatedGpioChip(clock);
  const chip = new EmulatedAds1x15({
    address: config.address,
    variant: config.kind,
    clock,
    inputVoltages: (k, out) => {
      const uV = ain_uV(k);
      for (let i = 0; i < 3; i++) out[i] = BIAS_V + uV[i] * 1e-6 * config.frontEndGain;
      out[3] = BIAS_V;
    },
    alertPin: (level: GpioLevel) => gpio.drive(RDY_LINE, level),
  });
  bus.attach(chip);
  return { config, clock, bus, gpio, chip, rdy: options.rdy === false ? undefined : gpio.input(RDY_LINE, ADS_RDY_EDGE, 'test') };
}

async function acquire(b: ReturnType<typeof bench>, duration_s: number) {
  const events: DriverEvent[] = [];
  const driver = new Ads1x15Source({ config: b.config, bus: b.bus, clock: b.clock, rdy: await b.rdy, onEvent: (e) => events.push(e), duration_s });
  const blocks: SampleBlock[] = await lastValueFrom(driver.blocks().pipe(toArray()));
  await driver.close();
  b.clock.stop();
  return { driver, blocks, events, counters: driver.counters() };
}

const values = (blocks: SampleBlock[], channel: number): number[] => blocks.flatMap((bl) => [...bl.data[channel]]);

describe('ADS1x15 driver at register level', () => {
  it('writes the datasheet\'s bytes, MSB first: thresholds for conversion-ready, then the config word, then the pointer back to the conversion register', async () => {
    const b = bench({ inputs: [{ name: 'a', mux: 'AIN0-AIN3' }] }, () => [10, 0, 0]);
    await acquire(b, 0.05);
    const writes = b.bus.log.filter((t) => t.direction === 'write').slice(0, 5).map((t) => t.bytes);
    // MUX 001 (AIN0-AIN3), PGA 100 (0.512 V), MODE 0, DR 111 (860 SPS), COMP_* 0: 0x18E0.
    expect(adsConfigWord(b.config, 'AIN0-AIN3')).toBe(0x18e0);
    expect(writes).toEqual([
      [0x02, 0x00, 0x00], // Lo_thresh MSB 0
      [0x03, 0x80, 0x00], // Hi_thresh MSB 1
      [0x01, 0x18, 0xe0], // config
      [0x01], // pointer to config, to read it back
      [0x00], // pointer to conversion: from here on each sample is one 2-byte read
    ]);
    const reads = b.bus.log.filter((t) => t.direction === 'read');
    expect(reads.length).toBeGreaterThan(30);
  });

  it('turns codes into microvolts through the range and the front-end gain (a byte-order mistake would not)', async () => {
    // 123.4 uV at the electrode: 123.4 mV at the ADC, code 7897 of 32768 at +/-0.512 V (0x1ED9: both bytes matter).
    const b = bench({ inputs: [{ name: 'a', mux: 'AIN0-AIN3' }] }, () => [123.4, 0, 0]);
    const { blocks, counters } = await acquire(b, 0.5);
    const lsb_uV = (0.512 / 32768 / 1000) * 1e6;
    for (const v of values(blocks, 0)) expect(Math.abs(v - 123.4)).toBeLessThanOrEqual(lsb_uV);
    expect(counters.samples).toBe(430);
    expect(counters.gapSamples).toBe(0);
  });

  it('ADS1015: 12-bit codes, left-justified in the register', async () => {
    const b = bench({ kind: 'ads1015', dataRate_SPS: 1600, inputs: [{ name: 'a', mux: 'AIN0-AIN3' }] }, () => [-201.3, 0, 0]);
    const { blocks } = await acquire(b, 0.2);
    const lsb_uV = (0.512 / 2048 / 1000) * 1e6;
    const v = values(blocks, 0);
    expect(v.length).toBe(320);
    for (const x of v) expect(Math.abs(x - -201.3)).toBeLessThanOrEqual(lsb_uV / 2 + 1e-9);
  });

  it('cycles its inputs in order and throws away the conversion made with the previous input', async () => {
    const b = bench({ inputs: [{ name: 'x', mux: 'AIN0-AIN3' }, { name: 'y', mux: 'AIN1-AIN3' }, { name: 'z', mux: 'AIN2-AIN3' }] }, () => [50, -70, 300]);
    const { blocks, counters, driver } = await acquire(b, 1);
    expect(driver.channels).toEqual(['x', 'y', 'z']);
    expect(driver.fs_Hz).toBeCloseTo(860 / 6, 9);
    const lsb = (0.512 / 32768 / 1000) * 1e6;
    for (const [c, want] of [[0, 50], [1, -70], [2, 300]] as const) {
      for (const v of values(blocks, c)) expect(Math.abs(v - want)).toBeLessThanOrEqual(lsb);
    }
    expect(counters.staleDiscarded).toBe(counters.samples * 3);
    expect(counters.samples + counters.gapSamples).toBe(Math.round(860 / 6));
  });

  it('flags saturation at either end of the range', async () => {
    const b = bench({ inputs: [{ name: 'a', mux: 'AIN0-AIN3' }] }, (k) => [k % 100 < 10 ? 900 : k % 100 < 20 ? -900 : 0, 0, 0]);
    const { blocks, counters } = await acquire(b, 0.5);
    expect(counters.saturatedSamples).toBeGreaterThanOrEqual(38);
    expect(blocks.some((bl) => bl.flags?.includes('saturated'))).toBe(true);
    expect(Math.max(...values(blocks, 0))).toBeCloseTo((32767 / 32768) * 512, 3);
    expect(Math.min(...values(blocks, 0))).toBeCloseTo(-512, 3);
  });

  it('without an ALERT/RDY line it polls, says so, and the counts still add up', async () => {
    const b = bench({ inputs: [{ name: 'a', mux: 'AIN0-AIN3' }] }, () => [5, 0, 0], { rdy: false });
    const { counters, events } = await acquire(b, 1);
    expect(events.some((e) => /polling/.test(e.reason))).toBe(true);
    expect(counters.samples + counters.gapSamples).toBe(860);
    expect(counters.samples).toBeGreaterThan(800);
  });

  it('refuses a chip whose config does not read back (wrong chip at the address)', async () => {
    const b = bench({ inputs: [{ name: 'a', mux: 'AIN0-AIN3' }] }, () => [0, 0, 0]);
    // Something that acknowledges but is not an ADS1x15: it ignores writes and reads 0xFFFF.
    const clock = b.clock;
    const bus = new EmulatedI2cBus(clock);
    bus.attach({ address: 0x48, write: () => {}, read: (n) => new Uint8Array(n).fill(0xff) });
    const driver = new Ads1x15Source({ config: b.config, bus, clock, onEvent: () => {}, duration_s: 0.1 });
    await expect(lastValueFrom(driver.blocks())).rejects.toThrow(/config read back 0xffff, wrote 0x18e0/);
    clock.stop();
  });
});
