import { describe, expect, it } from 'vitest';
import { sleep } from '../../controller/clock.js';
import type { DriverEvent } from '../../controller/driverEvent.js';
import type { GpioLevel, GpioOutputLine } from '../../controller/gpio.js';
import type { StimParams } from '../../controller/stimParams.js';
import { mcp4725StimulatorSchema } from '../../config/hardwareSchema.js';
import { amplitudeToCode, Mcp4725Stimulator } from '../../drivers/mcp4725Stimulator.js';
import { EmulatedGpioChip } from '../../sim/emulatedGpioChip.js';
import { EmulatedI2cBus } from '../../sim/emulatedI2cBus.js';
import type { EmulatedI2cDevice } from '../../sim/emulatedI2cDevice.js';
import { EmulatedMcp4725 } from '../../sim/emulatedMcp4725.js';
import { VirtualClock } from '../../sim/virtualClock.js';

const ENABLE = 17;
const on = (amplitude_mA: number): StimParams => ({ enabled: true, amplitude_mA, frequency_Hz: 130, pulseWidth_us: 60 });
const off: StimParams = { enabled: false, amplitude_mA: 0, frequency_Hz: 130, pulseWidth_us: 60 };

async function rig(configOverrides: Record<string, unknown> = {}, dacOptions: ConstructorParameters<typeof EmulatedMcp4725>[1] = {}) {
  const clock = new VirtualClock('max');
  const bus = new EmulatedI2cBus(clock, { keepLog: true });
  const dac = new EmulatedMcp4725(clock, { referenceVoltage_V: 3.3, ...dacOptions });
  bus.attach(dac);
  const config = mcp4725StimulatorSchema.parse({ kind: 'mcp4725', emulated: true, enable: { line: ENABLE }, ...configOverrides });
  const chip = new EmulatedGpioChip(clock);
  // The lead claims the enable line at its inactive level; here it starts active, so start() must lower it.
  const line = await chip.output(ENABLE, 1, 'neuroloop stimulator enable');
  // Each change of the enable line, with the DAC code the chip held at that moment.
  const enableSeen: { level: GpioLevel; dacCode: number; t_ms: number }[] = [];
  const enable: GpioOutputLine = {
    get level() {
      return line.level;
    },
    set(level: GpioLevel) {
      enableSeen.push({ level, dacCode: dac.code, t_ms: clock.now_ms() });
      return line.set(level);
    },
    release: () => line.release(),
  };
  const events: DriverEvent[] = [];
  const faults: string[] = [];
  const stim = new Mcp4725Stimulator({ config, bus, clock, enable, onEvent: (e) => events.push(e), onFault: (r) => faults.push(r) });
  const writes = () => bus.log.filter((e) => e.direction === 'write' && e.address === 0x60).map((e) => e.bytes);
  return { clock, bus, dac, chip, stim, events, faults, enableSeen, writes, config };
}

describe('amplitudeToCode', () => {
  it('floors: 1 mA at 1 mA/V and Vref 3.3 V is code 1241 (1241.2), never 1242', () => {
    expect(amplitudeToCode(1, 1, 3.3)).toBe(1241);
    expect(amplitudeToCode(2, 2, 4.096)).toBe(1000);
  });

  it('never gives more than the governor allowed', () => {
    for (let i = 0; i < 2000; i++) {
      const mA = (i * 3.3) / 4096 + (i % 7) * 1e-7;
      const code = amplitudeToCode(mA, 1, 3.3);
      expect((code * 3.3) / 4096).toBeLessThanOrEqual(mA + 1e-12);
    }
  });

  it('clamps to 0..4095; NaN, infinities and negatives give 0', () => {
    expect(amplitudeToCode(100, 1, 3.3)).toBe(4095);
    expect(amplitudeToCode(-1, 1, 3.3)).toBe(0);
    expect(amplitudeToCode(Number.NaN, 1, 3.3)).toBe(0);
    expect(amplitudeToCode(Number.POSITIVE_INFINITY, 1, 3.3)).toBe(0);
  });
});

describe('Mcp4725Stimulator start', () => {
  it('lowers the enable line before touching the bus, writes code 0 in fast mode and reads back 5 bytes', async () => {
    const { bus, chip, stim, writes, dac } = await rig();
    const enableAtFirstTransfer: GpioLevel[] = [];
    bus.setFault(() => {
      enableAtFirstTransfer.push(chip.levelOf(ENABLE));
      return null;
    });
    await dac.write(Uint8Array.from([0x08, 0x00])); // the chip holds something from a previous run
    await stim.start();
    expect(enableAtFirstTransfer[0]).toBe(0);
    expect(writes()).toEqual([[0x00, 0x00]]);
    expect(bus.log.filter((e) => e.direction === 'read').length).toBe(1);
    expect(dac.code).toBe(0);
    expect(dac.powerDown).toBe(0);
  });

  it('throws naming bus and address when no chip answers', async () => {
    const clock = new VirtualClock('max');
    const bus = new EmulatedI2cBus(clock);
    const config = mcp4725StimulatorSchema.parse({ kind: 'mcp4725', address: 0x61, bus: 3 });
    const stim = new Mcp4725Stimulator({ config, bus, clock, onEvent: () => {}, onFault: () => {} });
    await expect(stim.start()).rejects.toThrow(/\/dev\/i2c-3 at address 0x61.*ENXIO/);
  });

  it('throws when the read-back does not hold code 0 in normal mode (not an MCP4725)', async () => {
    const clock = new VirtualClock('max');
    const bus = new EmulatedI2cBus(clock);
    const stranger: EmulatedI2cDevice = { address: 0x60, write: () => {}, read: (n) => new Uint8Array(n).fill(0xff) };
    bus.attach(stranger);
    const config = mcp4725StimulatorSchema.parse({ kind: 'mcp4725' });
    const stim = new Mcp4725Stimulator({ config, bus, clock, onEvent: () => {}, onFault: () => {} });
    await expect(stim.start()).rejects.toThrow(/0x60: read back DAC code 4095 power-down 3/);
  });

  it('warns when the EEPROM would drive the output at power-on; not when it is zero or powered down', async () => {
    const live = await rig({}, { eeprom: { code: 0x800, powerDown: 0 } });
    await live.stim.start();
    expect(live.events.map((e) => e.reason).join()).toMatch(/EEPROM holds code 2048/);
    expect(live.events[0]).toMatchObject({ kind: 'driver', device: 'mcp4725@0x60' });
    const pulledDown = await rig({}, { eeprom: { code: 0x800, powerDown: 3 } });
    await pulledDown.stim.start();
    expect(pulledDown.events).toEqual([]);
  });
});

describe('Mcp4725Stimulator apply', () => {
  it('writes the floored code big-endian in fast mode: 1 mA -> [0x04, 0xd9] (code 1241)', async () => {
    const { clock, stim, writes, dac } = await rig();
    await stim.start();
    stim.apply(on(1), 0);
    await sleep(clock, 1);
    expect(writes().at(-1)).toEqual([0x04, 0xd9]);
    expect(dac.code).toBe(1241);
    expect(stim.counters()).toMatchObject({ dacWrites: 2, writeErrors: 0, retries: 0, faults: 0 });
  });

  it('coalesces: the write on the bus finishes, then only the newest value; unchanged codes are not written', async () => {
    const { clock, stim, writes, dac } = await rig({ mA_per_V: 1, referenceVoltage_V: 4.096 });
    await stim.start();
    stim.apply(on(1), 0); // code 1000 goes on the bus now
    stim.apply(on(2), 0.001); // stale before it could be written
    stim.apply(on(3), 0.002); // the newest
    await sleep(clock, 1);
    expect(writes().slice(1)).toEqual([
      [0x03, 0xe8], // 1000
      [0x0b, 0xb8], // 3000
    ]);
    expect(dac.code).toBe(3000);
    for (let i = 0; i < 10; i++) stim.apply(on(3), 0.003 + i * 0.001);
    await sleep(clock, 1);
    expect(writes().length).toBe(3);
  });

  it('enable goes active only after the chip holds a non-zero code, and inactive before the DAC is zeroed', async () => {
    const { clock, stim, enableSeen, dac, chip } = await rig();
    await stim.start();
    enableSeen.length = 0;
    stim.apply(on(1), 0);
    expect(chip.levelOf(ENABLE)).toBe(0); // not yet: the write has not been acknowledged
    await sleep(clock, 1);
    expect(enableSeen).toEqual([{ level: 1, dacCode: 1241, t_ms: expect.any(Number) }]);
    stim.apply(off, 0.01);
    // At once, in the same call (e-stop path): enable inactive while the DAC still holds the code.
    expect(chip.levelOf(ENABLE)).toBe(0);
    expect(enableSeen.at(-1)).toMatchObject({ level: 0, dacCode: 1241 });
    await sleep(clock, 1);
    expect(dac.code).toBe(0);
  });

  it('an active-low enable line is driven low to enable', async () => {
    const { clock, stim, chip } = await rig({ enable: { line: ENABLE, activeLevel: 'low' } });
    await stim.start();
    expect(chip.levelOf(ENABLE)).toBe(1);
    stim.apply(on(1), 0);
    await sleep(clock, 1);
    expect(chip.levelOf(ENABLE)).toBe(0);
  });

  it('0 mA while enabled writes code 0 and keeps the enable line inactive', async () => {
    const { clock, stim, chip, dac } = await rig();
    await stim.start();
    stim.apply(on(1), 0);
    await sleep(clock, 1);
    stim.apply(on(0), 0.1);
    expect(chip.levelOf(ENABLE)).toBe(0);
    await sleep(clock, 1);
    expect(dac.code).toBe(0);
  });

  it('a transient error is retried and does not fault', async () => {
    const { clock, bus, stim, faults, dac } = await rig();
    await stim.start();
    let failures = 1;
    bus.setFault((_a, direction) => (direction === 'write' && failures-- > 0 ? { code: 'EIO' } : null));
    stim.apply(on(1), 0);
    await sleep(clock, 1);
    expect(dac.code).toBe(1241);
    expect(stim.counters()).toMatchObject({ writeErrors: 1, retries: 1, faults: 0 });
    expect(faults).toEqual([]);
  });

  it('refused writes: retries, then fault (enable inactive, onFault once, one final zero attempt, then silence)', async () => {
    const { clock, stim, faults, events, chip, dac, writes } = await rig({ retries: 2 });
    await stim.start();
    stim.apply(on(1), 0);
    await sleep(clock, 1);
    expect(chip.levelOf(ENABLE)).toBe(1);
    dac.refuseWrites();
    stim.apply(on(2), 0.5);
    await sleep(clock, 1);
    expect(chip.levelOf(ENABLE)).toBe(0);
    expect(faults.length).toBe(1);
    expect(faults[0]).toMatch(/code 2482 failed 3 times/);
    expect(events.some((e) => e.reason.startsWith('fault:') && e.t_s === 0.5)).toBe(true);
    // 3 tries of code 2482, then the final zero with the 500 k pull-down: [0x30, 0x00].
    expect(writes().slice(2)).toEqual([[0x09, 0xb2], [0x09, 0xb2], [0x09, 0xb2], [0x30, 0x00]]);
    expect(stim.counters()).toEqual({ dacWrites: 2, writeErrors: 4, retries: 2, faults: 1 });
    const before = writes().length;
    stim.apply(on(3), 1);
    stim.apply(off, 1.1);
    await stim.close();
    expect(writes().length).toBe(before);
    expect(chip.lines.get(ENABLE)?.released).toBe(true);
  });

  it('a stalled bus times out on the clock and faults', async () => {
    const { clock, bus, stim, faults, chip } = await rig({ retries: 1, transferTimeout_ms: 5 });
    await stim.start();
    stim.apply(on(1), 0);
    await sleep(clock, 1);
    bus.setFault(() => 'stall');
    const t0 = clock.now_ms();
    stim.apply(on(2), 1);
    await sleep(clock, 20);
    expect(faults.length).toBe(1);
    expect(faults[0]).toMatch(/ETIMEDOUT/);
    expect(chip.levelOf(ENABLE)).toBe(0);
    expect(clock.now_ms() - t0).toBeGreaterThanOrEqual(10);
    await stim.close(); // never throws, even with the final zero stuck on the bus
  });
});

describe('Mcp4725Stimulator close', () => {
  it('code 0, then the configured power-down bits in fast mode; enable inactive and released; twice is safe', async () => {
    const { clock, stim, chip, dac, writes } = await rig({ powerDown: '1k' });
    await stim.start();
    stim.apply(on(1), 0);
    await sleep(clock, 1);
    await stim.close();
    expect(writes().slice(2)).toEqual([[0x00, 0x00], [0x10, 0x00]]);
    expect(dac.code).toBe(0);
    expect(dac.powerDown).toBe(1);
    expect(chip.levelOf(ENABLE)).toBe(0);
    expect(chip.lines.get(ENABLE)?.released).toBe(true);
    await stim.close();
    expect(writes().length).toBe(4);
  });

  it('default power-down is 500 k (PD = 11)', async () => {
    const { stim, dac, writes } = await rig();
    await stim.start();
    await stim.close();
    expect(writes().at(-1)).toEqual([0x30, 0x00]);
    expect(dac.powerDown).toBe(3);
  });

  it('waits for the write on the bus, never writes the stale wanted value, and never throws on a dead bus', async () => {
    const { stim, dac, writes, events } = await rig();
    await stim.start();
    stim.apply(on(1), 0);
    const closed = stim.close();
    stim.apply(on(2), 0.001); // ignored: closing
    await closed;
    expect(writes().slice(1)).toEqual([[0x04, 0xd9], [0x00, 0x00], [0x30, 0x00]]);
    expect(dac.code).toBe(0);
    const other = await rig();
    await other.stim.start();
    await other.bus.close();
    await expect(other.stim.close()).resolves.toBeUndefined();
    expect(other.events.some((e) => /close: writing code 0 failed/.test(e.reason))).toBe(true);
    expect(events).toEqual([]); // the first close was clean: nothing to report
  });
});
