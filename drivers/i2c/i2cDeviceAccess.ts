import { constants, readdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Whether this process may use /dev/i2c-<bus>, found out the way i2c-bus will find it:
 * by opening the device read/write. i2c-bus opens the file only at the first transfer, so
 * without this check a missing bus or a missing group membership would show up as a
 * failed sample in the middle of a session instead of a message before it starts.
 * Opening the character device performs no bus transfer.
 */

/** How to get /dev/i2c-1 on a Raspberry Pi (Raspberry Pi documentation: raspi-config, config.txt). */
export const ENABLE_I2C_FIX =
  'enable I2C: sudo raspi-config nonint do_i2c 0, or dtparam=i2c_arm=on in /boot/firmware/config.txt (/boot/config.txt before Raspberry Pi OS 12), and reboot';

/** Raspberry Pi OS gives /dev/i2c-* to group i2c (mode 0660). */
export const I2C_GROUP_FIX = 'add yourself to group i2c: sudo usermod -aG i2c $USER, then log in again';

export type I2cDeviceAccess =
  | { readonly ok: true; readonly path: string }
  | { readonly ok: false; readonly path: string; readonly problem: 'missing' | 'denied' | 'other'; readonly message: string; readonly fix: string };

/** The I2C bus device nodes under `devRoot`, sorted by bus number ("i2c-1", "i2c-20", ...). */
export function listI2cDevices(devRoot = '/dev'): string[] {
  let names: string[];
  try {
    names = readdirSync(devRoot).filter((n) => /^i2c-\d+$/.test(n));
  } catch {
    return [];
  }
  return names.sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
}

export function i2cDevicePath(bus: number, devRoot = '/dev'): string {
  return join(devRoot, `i2c-${bus}`);
}

export async function checkI2cDevice(bus: number, devRoot = '/dev'): Promise<I2cDeviceAccess> {
  const path = i2cDevicePath(bus, devRoot);
  try {
    // O_NONBLOCK: a stray FIFO or tty in the device folder must not hang the check.
    const handle = await open(path, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOCTTY);
    await handle.close();
    return { ok: true, path };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENODEV' || code === 'ENXIO') {
      const others = listI2cDevices(devRoot).filter((n) => n !== `i2c-${bus}`);
      const present = others.length > 0 ? ` (present: ${others.map((n) => join(devRoot, n)).join(', ')})` : '';
      return { ok: false, path, problem: 'missing', message: `${path} missing${present}`, fix: ENABLE_I2C_FIX };
    }
    if (code === 'EACCES' || code === 'EPERM') {
      return { ok: false, path, problem: 'denied', message: `${path}: permission denied (no read/write access)`, fix: I2C_GROUP_FIX };
    }
    return { ok: false, path, problem: 'other', message: `${path} cannot be opened (${code ?? String(error)})`, fix: 'check that it is the I2C character device (ls -l /dev/i2c-*; the i2c-dev kernel module)' };
  }
}
