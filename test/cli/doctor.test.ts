import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';

// `neuroloop doctor` through the built CLI (npm run build first), against this machine and
// against fake /dev and /sys/class/gpio trees (NEUROLOOP_DEV_ROOT, NEUROLOOP_SYSFS_GPIO_ROOT).

/** A permission the kernel refuses: root reads any file, so run as nobody when root. */
const OTHER_USER = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;

interface Report {
  v: number;
  usable: boolean;
  emulated: boolean;
  checks: { status: 'ok' | 'warn' | 'fail'; name: string; detail: string; fix?: string }[];
}

/** A temp folder another user can walk into (mkdtemp makes it 0700). */
function fakeMachine(): { root: string; dev: string; gpio: string } {
  const root = tempDir('neuroloop-doctor-');
  chmodSync(root, 0o755);
  const dev = join(root, 'dev');
  const gpio = join(root, 'sys-class-gpio');
  mkdirSync(dev, { mode: 0o755 });
  mkdirSync(gpio, { mode: 0o755 });
  return { root, dev, gpio };
}

/** A sysfs GPIO chip folder as the kernel shows it (base, ngpio, label). */
function sysfsChip(gpio: string, base: number, ngpio: number, label: string): void {
  const dir = join(gpio, `gpiochip${base}`);
  mkdirSync(dir, { mode: 0o755 });
  for (const [file, value] of [['base', base], ['ngpio', ngpio], ['label', label]] as const) writeFileSync(join(dir, file), `${value}\n`, { mode: 0o644 });
}

/** Pi 4 on a 6.6 kernel: the header chip from 512, the firmware expander after it. */
function pi4Sysfs(gpio: string): void {
  sysfsChip(gpio, 512, 58, 'pinctrl-bcm2711');
  sysfsChip(gpio, 570, 8, 'raspberrypi-exp-gpio');
  writeFileSync(join(gpio, 'export'), '', { mode: 0o666 });
}

const env = (m: { dev: string; gpio: string }) => ({ NEUROLOOP_DEV_ROOT: m.dev, NEUROLOOP_SYSFS_GPIO_ROOT: m.gpio });

describe('neuroloop doctor', () => {
  it('on this machine: says whether there is an I2C bus, and without one exits 1 with how to enable I2C', async () => {
    const buses = readdirSync('/dev').filter((n) => /^i2c-\d+$/.test(n));
    const r = await runCli(['doctor']);
    expect(r.stdout).toMatch(/^ok {3}node \d+\.\d+\.\d+$/m);
    if (buses.length === 0) {
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^FAIL i2c {2}no I2C bus: \/dev\/i2c-\* absent .*raspi-config nonint do_i2c 0/m);
      expect(r.stdout).toContain('dtparam=i2c_arm=on');
      expect(r.stdout).toMatch(/^NOT USABLE/m);
    } else {
      // A machine with I2C: every bus is listed.
      for (const bus of buses) expect(r.stdout).toContain(`/dev/${bus}`);
    }
  });

  it('with an empty device folder: no I2C bus, exit 1', async () => {
    const m = fakeMachine();
    const r = await runCli(['doctor'], { env: env(m) });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`FAIL i2c  no I2C bus: ${m.dev}/i2c-* absent (needed: ${m.dev}/i2c-1)`);
  });

  it('an i2c-1 this user cannot open: the fix is joining group i2c; a fake Pi 4 sysfs tree is reported with base 512', async () => {
    const m = fakeMachine();
    writeFileSync(join(m.dev, 'i2c-1'), '', { mode: 0o000 });
    chmodSync(join(m.dev, 'i2c-1'), 0o000);
    pi4Sysfs(m.gpio);
    const r = await runCli(['doctor'], { env: env(m), ...(OTHER_USER ? { user: OTHER_USER } : {}) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`ok   i2c  buses: ${m.dev}/i2c-1`);
    expect(r.stdout).toContain(`FAIL i2c  ${m.dev}/i2c-1: permission denied (no read/write access): add yourself to group i2c: sudo usermod -aG i2c $USER, then log in again`);
    expect(r.stdout).toContain('gpio sysfs: gpiochip512 "pinctrl-bcm2711" base 512, 58 lines');
  });

  it('an i2c-1 that opens read/write: that check passes (chips are not probed under a moved /dev)', async () => {
    const m = fakeMachine();
    writeFileSync(join(m.dev, 'i2c-1'), '', { mode: 0o666 });
    chmodSync(join(m.dev, 'i2c-1'), 0o666);
    pi4Sysfs(m.gpio);
    const config = join(m.root, 'rig.yaml');
    writeFileSync(config, 'source: { kind: ads1115, inputs: [{ name: lfp, mux: AIN0-AIN1 }] }\n');
    const r = await runCli(['doctor', '--config', config, '--json'], { env: env(m) });
    const report = JSON.parse(r.stdout) as Report;
    expect(report.checks).toContainEqual({ status: 'ok', name: 'i2c', detail: `${m.dev}/i2c-1 read/write` });
    expect(report.checks.find((c) => c.name === 'adc')).toMatchObject({ status: 'warn', detail: expect.stringContaining('not probed: NEUROLOOP_DEV_ROOT is set') });
  });

  it('configured GPIO lines: one past the chip and one on the I2C pins fail, the rest are found on the header chip', async () => {
    const m = fakeMachine();
    writeFileSync(join(m.dev, 'i2c-1'), '', { mode: 0o666 });
    chmodSync(join(m.dev, 'i2c-1'), 0o666);
    pi4Sysfs(m.gpio);
    const config = join(m.root, 'rig.yaml');
    writeFileSync(
      config,
      [
        'source: { kind: ads1115, inputs: [{ name: lfp, mux: AIN0-AIN1 }], alertRdyLine: 17 }',
        'stimulator: { kind: mcp4725, enable: { line: 27 } }',
        'gpio: { estop: { line: 60 }, trigger: { line: 3 } }',
        '',
      ].join('\n'),
    );
    const r = await runCli(['doctor', '--config', config, '--json'], { env: env(m) });
    const report = JSON.parse(r.stdout) as Report;
    expect(r.code).toBe(1);
    expect(report.usable).toBe(false);
    const gpio = report.checks.filter((c) => c.name === 'gpio');
    expect(gpio.filter((c) => c.status === 'fail').map((c) => c.detail)).toEqual([
      'gpio.trigger.line: line 3 is SCL of I2C bus 1',
      'gpio.estop.line: line 60 is not on the chip (it has lines 0-57)',
    ]);
    expect(gpio).toContainEqual({ status: 'ok', name: 'gpio', detail: 'source.alertRdyLine: line 17 on the chip (0-57)' });
    expect(gpio).toContainEqual({ status: 'ok', name: 'gpio', detail: 'stimulator.enable.line: line 27 on the chip (0-57)' });
  });

  it('an emulated config: says so, checks only Node, exit 0 even with no I2C anywhere', async () => {
    const m = fakeMachine();
    const config = join(m.root, 'emulated.yaml');
    writeFileSync(
      config,
      [
        'source: { kind: ads1115, inputs: [{ name: lfp, mux: AIN0-AIN1 }], emulated: true, alertRdyLine: 17 }',
        'stimulator: { kind: mcp4725, emulated: true, enable: { line: 27 } }',
        '',
      ].join('\n'),
    );
    const text = await runCli(['doctor', '--config', config], { env: env(m) });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('hardware is emulated (source ads1115 emulated, stimulator mcp4725 emulated)');
    expect(text.stdout).not.toMatch(/i2c|gpio/);
    const json = await runCli(['doctor', '--config', config, '--json'], { env: env(m) });
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as Report;
    expect(report).toMatchObject({ v: 1, usable: true, emulated: true });
    expect(report.checks.map((c) => c.name)).toEqual(['node', 'hw']);
  });

  it('--json: one object whose usable matches the exit code', async () => {
    const m = fakeMachine();
    const r = await runCli(['doctor', '--json'], { env: env(m) });
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.usable).toBe(false);
    expect(r.code).toBe(1);
    for (const c of report.checks) expect(['ok', 'warn', 'fail']).toContain(c.status);
    expect(report.checks.find((c) => c.status === 'fail')?.fix).toContain('raspi-config nonint do_i2c 0');
  });

  it('bad --config (missing, invalid) and bad arguments: exit 2', async () => {
    const m = fakeMachine();
    const missing = await runCli(['doctor', '--config', join(m.root, 'nope.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.yaml: file not found');
    const invalid = join(m.root, 'bad.yaml');
    writeFileSync(invalid, 'source: { kind: ads1115, address: 0x10, inputs: [{ name: a, mux: AIN0 }] }\n');
    const bad = await runCli(['doctor', '--config', invalid]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('source.address');
    expect((await runCli(['doctor', 'extra'])).code).toBe(2);
    expect((await runCli(['doctor', '--bogus'])).code).toBe(2);
  });

  it('--help documents the exit codes and the environment variables', async () => {
    const r = await runCli(['doctor', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Exit codes: 0 the configured hardware is usable, 1 not usable');
    expect(r.stdout).toContain('NEUROLOOP_DEV_ROOT');
    expect(r.stdout).toContain('NEUROLOOP_SYSFS_GPIO_ROOT');
  });
});
