import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';

/**
 * The real built CLI (npm run build first): each refusal is exit 2, one line on stderr,
 * nothing on stdout (no session started) and no file written.
 */
const ADBS = 'config/examples/sim-adbs.yaml';

async function runRefused(args: string[]): Promise<{ stderr: string; dir: string }> {
  const dir = tempDir();
  const r = await runCli(['run', '--no-mqtt', '--speed', 'max', '--duration', '30', '--trace', join(dir, 'trace.ndjson'), '--summary', join(dir, 'summary.json'), ...args]);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(readdirSync(dir)).toEqual([]);
  return { stderr: r.stderr, dir };
}

describe('neuroloop run refuses overrides of the hard limits', () => {
  it('--set limits.amplitude_mA.max=40 with a 4 mA file limit: exit 2, the rule, no trace or summary', async () => {
    const { stderr, dir } = await runRefused(['--config', ADBS, '--set', 'policy={kind: open-loop, amplitude_mA: 40}', '--set', 'limits.amplitude_mA.max=40']);
    expect(stderr).toBe('neuroloop: --set limits.amplitude_mA.max=40: hard limits come from the config file only; --set may not change limits.*\n');
    expect(existsSync(join(dir, 'trace.ndjson'))).toBe(false);
    expect(existsSync(join(dir, 'summary.json'))).toBe(false);
  });

  it('the whole section or a sub-mapping, in any letter case', async () => {
    for (const set of ['limits={amplitude_mA: {max: 40}}', 'limits.amplitude_mA={max: 40}', 'Limits.amplitude_mA.max=40']) {
      const { stderr } = await runRefused(['--config', ADBS, '--set', set]);
      expect(stderr).toBe(`neuroloop: --set ${set}: hard limits come from the config file only; --set may not change limits.*\n`);
    }
  });
});

describe('neuroloop refuses prototype keys and hostile files', () => {
  it('--set __proto__.x=1 is exit 2 naming the key (it used to pollute Object.prototype: exit 1 with a stack)', async () => {
    const { stderr } = await runRefused(['--config', ADBS, '--set', '__proto__.x=1']);
    expect(stderr).toBe('neuroloop: --set __proto__.x=1: "__proto__" is a forbidden key (__proto__, constructor and prototype are never accepted)\n');
  });

  it('--set __proto__={...} carrying limits is refused', async () => {
    const { stderr } = await runRefused(['--config', ADBS, '--set', '__proto__={limits: {amplitude_mA: {max: 40}}}']);
    expect(stderr).toMatch(/^neuroloop: --set __proto__=\{limits: \{amplitude_mA: \{max: 40\}\}\}: "__proto__" is a forbidden key/);
  });

  it('a config file with a __proto__ band is exit 2 naming file and path (it used to pass, the band dropped)', async () => {
    const dir = tempDir();
    const file = join(dir, 'proto.yaml');
    writeFileSync(file, 'signals:\n  bands:\n    beta: {lo_Hz: 13, hi_Hz: 30}\n    __proto__: {lo_Hz: 1, hi_Hz: 4}\n');
    const r = await runCli(['config', 'check', file]);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toBe(`neuroloop: ${file}: signals.bands.__proto__: forbidden key (__proto__, constructor and prototype are never accepted)\n`);
  });

  it('an alias bomb is exit 2 with one line (it used to be exit 1 with a stack)', async () => {
    const dir = tempDir();
    const file = join(dir, 'bomb.yaml');
    const lines = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 9; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const r = await runCli(['config', 'check', file]);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toBe(`neuroloop: ${file}: aliases expand to too much (more than 100 alias uses): refused as a likely alias bomb\n`);
  });

  it('a config file over 1 MiB is refused unread', async () => {
    const dir = tempDir();
    const file = join(dir, 'big.yaml');
    writeFileSync(file, `policy: {kind: "off"}\n#${'x'.repeat(1024 * 1024)}\n`);
    const { stderr } = await runRefused(['--config', file]);
    expect(stderr).toBe(`neuroloop: ${file}: larger than 1048576 bytes: not read (a config file is a few kB)\n`);
  });
});
