import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ENABLE_I2C_FIX, I2C_GROUP_FIX } from '../../drivers/i2c/i2cDeviceAccess.js';
import { openI2cBus } from '../../drivers/i2c/openI2cBus.js';
import { InputError } from '../../drivers/inputError.js';
import { NATIVE_MODULE_HINT } from '../../drivers/nativeModule.js';
import { REPO, tempDir } from '../helpers/cli.js';

/** A device folder another user can walk into (mkdtemp makes it 0700). */
function fakeDev(): string {
  const root = tempDir('neuroloop-i2c-');
  chmodSync(root, 0o755);
  const dev = join(root, 'dev');
  mkdirSync(dev, { mode: 0o755 });
  return dev;
}

describe('openI2cBus', () => {
  it('a missing /dev/i2c-N: InputError naming the place and how to enable I2C', async () => {
    const dev = fakeDev();
    writeFileSync(join(dev, 'i2c-20'), '');
    const error = await openI2cBus(1, 'source.bus', dev).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(`source.bus: ${dev}/i2c-1 missing (present: ${dev}/i2c-20); ${ENABLE_I2C_FIX}`);
    expect(ENABLE_I2C_FIX).toContain('sudo raspi-config nonint do_i2c 0');
    expect(ENABLE_I2C_FIX).toContain('dtparam=i2c_arm=on in /boot/firmware/config.txt');
  });

  it('a device this user may not open (EACCES): InputError with the group i2c fix', () => {
    const dev = fakeDev();
    writeFileSync(join(dev, 'i2c-1'), '', { mode: 0o000 });
    chmodSync(join(dev, 'i2c-1'), 0o000);
    // The kernel decides, so this runs in a process of a user it refuses: root opens
    // any file, so as root the child drops to nobody.
    const script = [
      `import { openI2cBus } from ${JSON.stringify(pathToFileURL(join(REPO, 'drivers/i2c/openI2cBus.ts')).href)};`,
      `openI2cBus(1, 'stimulator.bus', ${JSON.stringify(dev)}).then(`,
      `  () => console.log(JSON.stringify({ opened: true })),`,
      `  (e) => console.log(JSON.stringify({ name: e.name, message: e.message })));`,
    ].join('\n');
    const asOther = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO, encoding: 'utf8', ...asOther });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({
      name: 'InputError',
      message: `stimulator.bus: ${dev}/i2c-1: permission denied (no read/write access); ${I2C_GROUP_FIX}`,
    });
    expect(I2C_GROUP_FIX).toBe('add yourself to group i2c: sudo usermod -aG i2c $USER, then log in again');
  });

  it('a device that opens: the port has exactly i2cWrite, i2cRead and close, and a failed transfer rejects with its errno', async () => {
    const dev = fakeDev();
    // Bus 250: the check passes on the fake file, and i2c-bus then opens /dev/i2c-250,
    // which no machine has, so the first transfer fails as a real one would.
    writeFileSync(join(dev, 'i2c-250'), '', { mode: 0o666 });
    // Whether this machine built the optional module decides which answer is right.
    const moduleName: string = 'i2c-bus';
    const loads = await import(moduleName).then(
      () => true,
      () => false,
    );
    if (!loads) {
      await expect(openI2cBus(250, 'source.bus', dev)).rejects.toThrow(NATIVE_MODULE_HINT);
      return;
    }
    const port = await openI2cBus(250, 'source.bus', dev);
    expect(Object.keys(port).sort()).toEqual(['close', 'i2cRead', 'i2cWrite']);
    const error = await port.i2cRead(0x48, 2, Buffer.alloc(2)).catch((e: unknown) => e);
    expect((error as NodeJS.ErrnoException).code).toBe('ENOENT');
    await port.close();
  });
});
