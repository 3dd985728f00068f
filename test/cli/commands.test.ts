import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, runCli, tempDir } from '../helpers/cli.js';

describe('neuroloop sim', () => {
  it('writes the CSV that features reads; the same seed gives the same bytes', async () => {
    const dir = tempDir();
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.csv');
    expect((await runCli(['sim', '--duration', '4', '--fs', '500', '--channels', '3', '--seed', '9', '--out', a])).code).toBe(0);
    expect((await runCli(['sim', '--duration', '4', '--fs', '500', '--channels', '3', '--seed', '9', '--out', b])).code).toBe(0);
    const text = readFileSync(a, 'utf8');
    expect(readFileSync(b, 'utf8')).toBe(text);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('t,ch0,ch1,ch2');
    expect(lines).toHaveLength(1 + 2000);
    expect(lines[2].split(',')[0]).toBe('0.002');
    const f = await runCli(['features', a, '--window', '500']);
    expect(f.code).toBe(0);
    expect(f.stdout.trimEnd().split('\n')).toHaveLength(1 + Math.floor((2000 - 500) / 125) + 1);
    const other = await runCli(['sim', '--duration', '4', '--fs', '500', '--channels', '3', '--seed', '10']);
    expect(other.stdout).not.toBe(text);
  });

  it('rejects a missing --duration and bad numbers with exit 2', async () => {
    expect(await runCli(['sim'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--duration S is required/) });
    expect(await runCli(['sim', '--duration', '2', '--channels', '0'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--channels: expected a whole number from 1 to 256, got "0"/) });
    expect(await runCli(['sim', '--duration=-1'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--duration: expected a positive number/) });
  });
});

describe('neuroloop config', () => {
  it('check: ok for an example, exit 2 listing every problem by path for a bad file', async () => {
    expect(await runCli(['config', 'check', 'config/examples/sim-basic.yaml'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/ok/) });
    const dir = tempDir();
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'signals:\n  bands:\n    beta: {lo_Hz: 13, hi_Hz: 12}\n  hop_sample: 3\n');
    const r = await runCli(['config', 'check', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('signals.bands.beta.hi_Hz: must be > lo_Hz (13)');
    expect(r.stderr).toContain('signals.hop_sample: unknown key');
  });

  it('schema: prints a JSON Schema', async () => {
    const r = await runCli(['config', 'schema']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(['rig', 'source', 'signals', 'policy', 'limits', 'stimulator', 'pulses', 'gpio', 'telemetry', 'recording', 'logging']);
  });
});

describe('neuroloop (top level) and run', () => {
  it('--help exits 0; an unknown command exits 2', async () => {
    expect(await runCli(['--help'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/replay FILE[\s\S]*features INPUT/) });
    expect(await runCli(['frobnicate'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command "frobnicate"/) });
  });

  it('run: replays a CSV source named relative to its config file, from any working directory', async () => {
    const r = await runCli(['run', '--no-mqtt', '--config', join(REPO, 'config/examples/replay-csv.yaml')], { cwd: tempDir() });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(20);
    expect(lines.at(-1)).toMatch(/^t +20\.0 s \| biomarker \d+\.\d+ valid \| stim off \| policy off \| ok$/);
  });

  it('run: an invalid config never starts a session', async () => {
    const dir = tempDir();
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'source: {kind: sim, fs_Hz: 250}\nsignals: {bands: {beta: {lo_Hz: 13, hi_Hz: 300}}}\n');
    const r = await runCli(['run', '--no-mqtt', '--config', bad, '--duration', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/signals\.bands\.beta\.hi_Hz: must be <= 125 Hz/);
    expect(r.stdout).toBe('');
  });
});
