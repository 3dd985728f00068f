import type { I2cBusPort } from '../../controller/i2cBus.js';
import { InputError } from '../inputError.js';
import { loadNativeModule } from '../nativeModule.js';
import { checkI2cDevice } from './i2cDeviceAccess.js';

/** The part of the `i2c-bus` module used here (it ships no TypeScript types). */
interface I2cBusModule {
  openPromisified(busNumber: number): Promise<I2cBusPort>;
}

/**
 * Opens /dev/i2c-<bus> through `i2c-bus` as the narrow port the chip drivers use.
 *
 * The device is checked first (i2c-bus opens it lazily, so a missing bus or a missing
 * group would otherwise appear only at the first transfer): missing -> how to enable I2C;
 * not readable and writable -> how to join group i2c. Both are InputError naming `place`
 * (the config key that asked for the bus). Then the optional native module is loaded.
 *
 * `devRoot` moves only the check (tests, containers with a mapped /dev); i2c-bus itself
 * always opens /dev/i2c-<bus>.
 */
export async function openI2cBus(bus: number, place: string, devRoot = '/dev'): Promise<I2cBusPort> {
  const access = await checkI2cDevice(bus, devRoot);
  if (!access.ok) throw new InputError(`${place}: ${access.message}; ${access.fix}`);
  const loaded = await loadNativeModule<I2cBusModule | { default: I2cBusModule }>('i2c-bus', `${place} (I2C bus ${bus})`);
  // A CommonJS module imported from ESM: its exports may sit on `default` only.
  const i2c = 'openPromisified' in loaded ? loaded : loaded.default;
  const raw = await i2c.openPromisified(bus);
  // Only the port's three methods: the rest of i2c-bus (SMBus word calls, which are
  // little-endian, scan, forceAccess) stays out of the drivers' reach.
  return {
    i2cWrite: (address, length, buffer) => raw.i2cWrite(address, length, buffer),
    i2cRead: (address, length, buffer) => raw.i2cRead(address, length, buffer),
    close: () => raw.close(),
  };
}
