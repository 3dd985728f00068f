import { fileURLToPath } from 'node:url';
import { lastValueFrom } from 'rxjs';
import { parseConfig, readConfigFile } from '../config/load.js';
import type { AdsSourceConfig } from '../config/schema.js';
import { buildSession } from '../cli/buildSession.js';
import { ADS_RDY_EDGE, Ads1x15Source } from '../drivers/ads1x15Source.js';
import { EmulatedRig } from '../sim/emulatedRig.js';
import type { EmulatedI2cDevice } from '../sim/emulatedI2cDevice.js';

/**
 * The closed loop through the real drivers on the emulated chips (config/examples/emulated-hw.yaml)
 * at `--speed max`: how many times faster than real time it runs, and what the source side
 * costs per sample. The source-only run measures driver + emulated chips + virtual clock;
 * the time spent inside the emulated chips is measured too, so the driver's share is the
 * difference (an upper bound: the virtual clock's turns are in it). On a Pi the emulated
 * chips' time is replaced by real I2C transfers, which wait rather than compute.
 */
export interface EmulatedHardwareResult {
  job: string;
  data_s: number;
  x_realtime: number;
  source_us_per_sample: number;
  chips_us_per_sample: number;
  driver_us_per_sample: number;
  samples: number;
  conversions_per_sample: number;
}

const EXAMPLE = fileURLToPath(new URL('../../config/examples/emulated-hw.yaml', import.meta.url));

/** Wraps a chip's transfer handlers so that the time spent in them is added up. */
function timed(device: EmulatedI2cDevice, total: { ms: number }): void {
  const write = device.write.bind(device);
  const read = device.read.bind(device);
  device.write = (bytes) => {
    const t0 = performance.now();
    write(bytes);
    total.ms += performance.now() - t0;
  };
  device.read = (length) => {
    const t0 = performance.now();
    const out = read(length);
    total.ms += performance.now() - t0;
    return out;
  };
}

export async function runEmulatedHardwareJob(data_s = 120): Promise<EmulatedHardwareResult> {
  const config = parseConfig(readConfigFile(EXAMPLE), EXAMPLE);
  // 1. The whole loop.
  const built = await buildSession(config, { configDir: fileURLToPath(new URL('../../config/examples/', import.meta.url)), duration_s: data_s, speed: 'max' });
  const t0 = performance.now();
  await lastValueFrom(built.steps, { defaultValue: null });
  const loop_ms = performance.now() - t0;
  await built.close();

  // 2. The source alone: driver + emulated ADC, no signal path.
  const rig = new EmulatedRig(config, 'max');
  const chips = { ms: 0 };
  if (rig.ads) timed(rig.ads, chips);
  const source = config.source as AdsSourceConfig;
  const driver = new Ads1x15Source({ config: source, bus: rig.bus, clock: rig.clock, rdy: source.alertRdyLine === undefined ? undefined : await rig.gpio.input(source.alertRdyLine, ADS_RDY_EDGE, 'bench'), onEvent: () => {}, duration_s: data_s });
  const t1 = performance.now();
  await lastValueFrom(driver.blocks(), { defaultValue: null });
  const source_ms = performance.now() - t1;
  await driver.close();
  rig.stop();
  const samples = driver.counters().samples;
  const per = (ms: number): number => Math.round((ms * 1000 * 100) / samples) / 100;
  return {
    job: 'emulated-hw-loop',
    data_s,
    x_realtime: Math.round((data_s * 1000 * 10) / loop_ms) / 10,
    source_us_per_sample: per(source_ms),
    chips_us_per_sample: per(chips.ms),
    driver_us_per_sample: per(source_ms - chips.ms),
    samples,
    conversions_per_sample: source.inputs.length === 1 ? 1 : 2 * source.inputs.length,
  };
}
