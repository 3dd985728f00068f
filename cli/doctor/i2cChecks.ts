import type { I2cBusPort } from '../../controller/i2cBus.js';
import { probeAds1x15, probeMcp4725 } from '../../drivers/i2c/chipProbes.js';
import { checkI2cDevice, ENABLE_I2C_FIX, i2cDevicePath, listI2cDevices } from '../../drivers/i2c/i2cDeviceAccess.js';
import { openI2cBus } from '../../drivers/i2c/openI2cBus.js';
import { type Check, fail, ok, warn } from './doctorCheck.js';
import type { MachineRoots } from './machineRoots.js';

/** A chip the config names, to be asked whether it is there. */
export interface I2cChip {
  /** Config key, for messages: "source", "stimulator". */
  readonly place: string;
  readonly kind: 'ads1115' | 'ads1015' | 'mcp4725';
  readonly bus: number;
  readonly address: number;
  /** MCP4725 only: its VDD, to show codes as volts. */
  readonly referenceVoltage_V?: number;
}

/** A probe that has not answered in this time has failed (the kernel's own I2C timeout is longer). */
const PROBE_TIMEOUT_MS = 1000;

const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;

/**
 * The I2C side of the machine: which /dev/i2c-* exist, whether the needed buses can be
 * opened for reading and writing, and whether each configured chip answers a probe that
 * changes nothing (drivers/i2c/chipProbes.ts).
 */
export async function checkI2c(roots: MachineRoots, buses: readonly number[], chips: readonly I2cChip[], i2cBusLoads: boolean): Promise<Check[]> {
  const checks: Check[] = [];
  const present = listI2cDevices(roots.dev);
  if (present.length === 0) {
    checks.push(fail('i2c', `no I2C bus: ${roots.dev}/i2c-* absent${buses.length > 0 ? ` (needed: ${buses.map((b) => i2cDevicePath(b, roots.dev)).join(', ')})` : ''}`, ENABLE_I2C_FIX));
    return checks;
  }
  checks.push(ok('i2c', `buses: ${present.map((n) => `${roots.dev.replace(/\/+$/, '')}/${n}`).join(', ')}`));
  const usable = new Set<number>();
  for (const bus of buses) {
    const access = await checkI2cDevice(bus, roots.dev);
    if (access.ok) {
      usable.add(bus);
      checks.push(ok('i2c', `${access.path} read/write`));
    } else {
      checks.push(fail('i2c', access.message, access.fix));
    }
  }
  for (const bus of buses) {
    const onBus = chips.filter((c) => c.bus === bus);
    if (onBus.length === 0 || !usable.has(bus)) continue;
    if (roots.devMoved) {
      for (const chip of onBus) checks.push(warn(chipName(chip), `${describe(chip)} not probed: NEUROLOOP_DEV_ROOT is set and i2c-bus opens only /dev/i2c-${bus}`));
      continue;
    }
    if (!i2cBusLoads) {
      for (const chip of onBus) checks.push(warn(chipName(chip), `${describe(chip)} not probed: i2c-bus does not load (see above)`));
      continue;
    }
    let port: I2cBusPort;
    try {
      port = await openI2cBus(bus, onBus[0].place, roots.dev);
    } catch (error) {
      checks.push(fail('i2c', (error as Error).message));
      continue;
    }
    try {
      for (const chip of onBus) checks.push(...(await probeChip(port, chip)));
    } finally {
      await port.close().catch(() => undefined);
    }
  }
  return checks;
}

function chipName(chip: I2cChip): string {
  return chip.kind === 'mcp4725' ? 'dac' : 'adc';
}

function describe(chip: I2cChip): string {
  return `${chip.place} ${chip.kind} at ${hex(chip.address)} on /dev/i2c-${chip.bus}`;
}

async function probeChip(port: I2cBusPort, chip: I2cChip): Promise<Check[]> {
  const name = chipName(chip);
  try {
    if (chip.kind === 'mcp4725') {
      const state = await withTimeout(probeMcp4725(port, chip.address));
      const vref = chip.referenceVoltage_V ?? 3.3;
      const volts = (code: number): string => `${((vref * code) / 4096).toFixed(3)} V`;
      const checks: Check[] = [
        ok(name, `${describe(chip)} answers: output code ${state.dacCode} (${state.powerDown === 'normal' ? volts(state.dacCode) : `powered down, ${state.powerDown} to ground`}), EEPROM code ${state.eepromCode} (${state.eepromPowerDown})${state.ready ? '' : ', EEPROM write in progress'}`),
      ];
      if (state.eepromPowerDown === 'normal' && state.eepromCode > 0) {
        checks.push(
          warn(
            name,
            `the EEPROM holds code ${state.eepromCode}: the DAC outputs ${volts(state.eepromCode)} at every power-up and general-call reset, before neuroloop takes over`,
            'keep the stimulator disabled until neuroloop runs (stimulator.enable), or store code 0 or a power-down mode in the EEPROM',
          ),
        );
      }
      if (state.powerDown === 'normal' && state.dacCode > 0) {
        checks.push(warn(name, `the DAC outputs ${volts(state.dacCode)} now`, 'a session is running, or one ended without setting the output to 0 (power-cycle the DAC or run a session to its end)'));
      }
      return checks;
    }
    const config = await withTimeout(probeAds1x15(port, chip.address, chip.kind));
    return [
      ok(name, `${describe(chip)} answers: config ${`0x${config.raw.toString(16).padStart(4, '0')}`} (${config.mux}, +/-${config.fullScale_V} V, ${config.dataRate_SPS} SPS, ${config.singleShot ? 'single-shot' : 'continuous'})`),
    ];
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const wiring = `check power, GND, SDA (GPIO2, pin 3), SCL (GPIO3, pin 5) and the address pin${chip.kind === 'mcp4725' ? ' (A0)' : ' (ADDR)'}; "i2cdetect -y ${chip.bus}" lists the addresses that answer`;
    // The Raspberry Pi's I2C controller reports a missing ACK as EREMOTEIO, others as ENXIO.
    if (code === 'ENXIO' || code === 'EREMOTEIO') return [fail(name, `${describe(chip)}: no device answers`, wiring)];
    if (code === 'EBUSY') {
      return [fail(name, `${describe(chip)}: the address is held by a kernel driver`, 'remove the dtoverlay line that binds a driver to this chip from config.txt and reboot')];
    }
    if (code === 'ETIMEDOUT' || code === 'EIO' || code === 'EAGAIN') {
      return [fail(name, `${describe(chip)}: bus error (${code})`, `${wiring}; a missing pull-up or a device holding SDA low stops the bus`)];
    }
    return [fail(name, `${describe(chip)}: ${(error as Error).message}`, wiring)];
  }
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`), { code: 'ETIMEDOUT' })), PROBE_TIMEOUT_MS);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
