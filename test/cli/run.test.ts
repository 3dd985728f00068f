import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, REPO, runCli, tempDir } from '../helpers/cli.js';
import { SIM_ADBS } from '../helpers/simAdbsWindow.js';

/** sim-adbs with a short baseline, so a few seconds of data exercise the whole loop. */
const SHORT = ['run', '--no-mqtt', '--config', 'config/examples/sim-adbs.yaml', '--set', 'signals.biomarker.baseline_s=2', '--set', 'policy.startupDelay_ms=2000'];

interface TraceLine {
  index: number; t_s: number; biomarker: number | null; valid: boolean;
  requested: { amplitude_mA: number } | null;
  applied: { enabled: boolean; amplitude_mA: number; frequency_Hz: number; pulseWidth_us: number };
  events: { kind: string }[];
}
/** The step lines of a trace (between the session-start and session-end lines, which have a `kind`). */
const readTrace = (path: string): TraceLine[] =>
  readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as TraceLine & { kind?: string }).filter((l) => l.kind === undefined);
/** All of a trace but its first line: the session-start line holds the host clock (startedAt) and the config path. */
const afterHeader = (path: string): string => readFileSync(path, 'utf8').split('\n').slice(1).join('\n');

describe('neuroloop run (closed loop)', () => {
  it('writes a trace line per frame and a summary; the same seed gives the same bytes (after the header line) at max and at realtime speed', async () => {
    const dir = tempDir();
    const paths = ['max1', 'max2', 'rt'].map((n) => ({ trace: join(dir, `${n}.ndjson`), summary: join(dir, `${n}.json`) }));
    const run = (i: number, speed: string) => runCli([...SHORT, '--duration', '6', '--seed', '4', '--speed', speed, '--trace', paths[i].trace, '--summary', paths[i].summary]);
    const results = await Promise.all([run(0, 'max'), run(1, 'max'), run(2, 'realtime')]);
    for (const r of results) expect(r.code).toBe(0);
    const traceText = afterHeader(paths[0].trace);
    expect(afterHeader(paths[1].trace)).toBe(traceText);
    expect(afterHeader(paths[2].trace)).toBe(traceText);

    const trace = readTrace(paths[0].trace);
    expect(trace).toHaveLength((1500 - SIM_ADBS.window_samples) / SIM_ADBS.hop_samples + 1);
    expect(Object.keys(trace[0])).toEqual(['index', 't_s', 'biomarker', 'valid', 'requested', 'applied', 'events']);
    expect(Object.keys(trace[0].applied)).toEqual(['enabled', 'amplitude_mA', 'frequency_Hz', 'pulseWidth_us']);
    // Off during the start-up delay, then the adaptive loop stimulates.
    expect(trace.filter((l) => l.t_s < 2).every((l) => l.applied.amplitude_mA === 0)).toBe(true);
    expect(trace.some((l) => l.applied.amplitude_mA > 0)).toBe(true);
    for (let i = 1; i < trace.length; i++) {
      expect(Math.abs(trace[i].applied.amplitude_mA - trace[i - 1].applied.amplitude_mA)).toBeLessThanOrEqual(5 * 0.1 + 1e-9);
    }

    const summary = JSON.parse(readFileSync(paths[0].summary, 'utf8')) as Record<string, unknown>;
    expect(summary).toMatchObject({ duration_s: 6, frames: trace.length, limitEvents: 0, policy: 'dual-threshold', seed: 4 });
    for (const key of ['stimOnFraction', 'energy_rel', 'longBurstTime_s']) expect(typeof summary[key]).toBe('number');
    expect(JSON.parse(readFileSync(paths[2].summary, 'utf8'))).toEqual(summary);
  });

  it('Ctrl+C ramps stimulation off through the governor, writes the summary and exits 0', async () => {
    const dir = tempDir();
    const trace = join(dir, 't.ndjson');
    const summary = join(dir, 's.json');
    const child = spawn(process.execPath, [CLI, ...SHORT, '--set', 'policy={kind: open-loop, amplitude_mA: 3}', '--trace', trace, '--summary', summary], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      // Once the amplitude is up (the ramp takes 0.6 s), interrupt.
      if (/stim 3\.00 mA/.test(stdout) && !child.killed) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(existsSync(summary)).toBe(true);
    const lines = readTrace(trace);
    expect(lines.at(-1)!.applied.amplitude_mA).toBe(0);
    const peak = lines.findIndex((l) => l.applied.amplitude_mA === 3);
    const descent = lines.slice(lines.findLastIndex((l) => l.applied.amplitude_mA === 3));
    expect(peak).toBeGreaterThanOrEqual(0);
    // 3 mA at rampDown 5 mA/s: 0.6 s, frames every 0.1 s, never more than 0.5 mA at a step.
    expect(descent.length).toBeGreaterThanOrEqual(7);
    for (let i = 1; i < descent.length; i++) expect(descent[i - 1].applied.amplitude_mA - descent[i].applied.amplitude_mA).toBeLessThanOrEqual(0.5 + 1e-9);
  });

  it('--set is validated like the file: a bad value never starts a session', async () => {
    const bad = await runCli(['run', '--no-mqtt', '--config', 'config/examples/sim-adbs.yaml', '--set', 'policy.upperThreshold=-5', '--duration', '1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/policy\.upperThreshold: must be > lowerThreshold \(-1\)/);
    expect(bad.stdout).toBe('');
    const syntax = await runCli(['run', '--no-mqtt', '--config', 'config/examples/sim-adbs.yaml', '--set', 'policy.upperThreshold']);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(/--set policy\.upperThreshold: expected key\.path=value/);
    const unknown = await runCli(['run', '--no-mqtt', '--config', 'config/examples/sim-adbs.yaml', '--set', 'policy.maxAmp=9']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/policy\.maxAmp: unknown key/);
  });

  it('signals.band_power_method: partial sums and the transform make the same decisions on the sim-adbs loop, with biomarkers equal to 1e-9', async () => {
    const dir = tempDir();
    const trace = (method: string): Promise<TraceLine[]> =>
      runCli([...SHORT, '--duration', '30', '--seed', '11', '--speed', 'max', '--trace', join(dir, `${method}.ndjson`), '--set', `signals.band_power_method=${method}`]).then((r) => {
        expect(r.code, r.stderr).toBe(0);
        return readTrace(join(dir, `${method}.ndjson`));
      });
    const [sums, transform] = await Promise.all([trace('partial-sums'), trace('transform')]);
    expect(sums).toHaveLength(transform.length);
    expect(sums.map((l) => l.applied)).toEqual(transform.map((l) => l.applied));
    expect(new Set(sums.map((l) => l.applied.amplitude_mA)).size).toBeGreaterThan(2); // the loop did act
    for (let i = 0; i < sums.length; i++) {
      const a = sums[i].biomarker;
      const b = transform[i].biomarker;
      if (a === null || b === null) expect(a).toBe(b);
      else expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));
    }
  });

  it('signals.band_power_method=partial-sums with several Welch segments per window is refused, naming the key', async () => {
    const window = SIM_ADBS.window_samples;
    const segment = Math.floor(window / 2);
    const r = await runCli([...SHORT, '--duration', '1', '--set', `signals.segment_samples=${segment}`, '--set', 'signals.band_power_method=partial-sums']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`signals.band_power_method: partial-sums needs one Welch segment per window: segment_samples (${segment}) must equal window_samples (${window})`);
    const unknown = await runCli([...SHORT, '--duration', '1', '--set', 'signals.band_power_method=fast']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/signals\.band_power_method/);
  });

  it('a stimulating policy without hard limits is refused', async () => {
    const r = await runCli(['run', '--no-mqtt', '--config', 'config/examples/sim-basic.yaml', '--set', 'policy={kind: open-loop, amplitude_mA: 2}', '--duration', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/limits\.amplitude_mA\.max: is 0 .* asks for up to 2 mA/);
  });

  it('the live line shows biomarker, thresholds, amplitude and state', async () => {
    const r = await runCli([...SHORT, '--duration', '5', '--speed', 'max']);
    expect(r.code).toBe(0);
    const last = r.stdout.trimEnd().split('\n').at(-1)!;
    // The thresholds are the calibrated ones (placed at the end of the short baseline), at most three decimals.
    // Without a terminal the line comes once a second of session time, from the first frame (one window in, at 250 Hz).
    const lastAt_s = (4 + SIM_ADBS.window_samples / 250).toFixed(1).replace('.', '\\.');
    expect(last).toMatch(new RegExp(String.raw`^t +${lastAt_s} s \| biomarker -?\d+\.\d{3} \(-?\d+(\.\d{1,3})? \/ -?\d+(\.\d{1,3})?\) (valid|invalid) \| stim (off|\d\.\d\d mA 130 Hz 60 us) \| policy \S+.* \| ok$`));
  });
});
