import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';

/**
 * The current modalities from the command line (docs/modalities-currents.md): each example
 * runs 600 s on the simulated patient, and the trace shows what matters: VNS on- and
 * off-periods, ramps, a current's charge, and the latch when a budget is spent.
 */
interface Applied { enabled: boolean; amplitude_mA: number; frequency_Hz: number; pulseWidth_us: number }
interface Step { t_s: number; biomarker: number | null; valid: boolean; requested: Applied | null; applied: Applied; events: { kind: string; reason: string; t_s: number }[] }
interface Summary { duration_s: number; dose: { onTime_s: number; charge_mC: number; pulses: number; modality?: string; onPeriods?: number; longestOn_s?: number }; events: Record<string, number>; latched: string | null }

async function run(config: string, sets: string[] = [], duration = '600'): Promise<{ steps: Step[]; summary: Summary }> {
  const dir = tempDir();
  const trace = join(dir, 'trace.ndjson');
  const summaryFile = join(dir, 'summary.json');
  const r = await runCli(['run', '--config', config, '--no-mqtt', '--speed', 'max', '--duration', duration, '--trace', trace, '--summary', summaryFile, ...sets.flatMap((s) => ['--set', s])]);
  expect(r.code, r.stderr).toBe(0);
  const steps = readFileSync(trace, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Partial<Step>).filter((l): l is Step => l.applied !== undefined);
  return { steps, summary: JSON.parse(readFileSync(summaryFile, 'utf8')) as Summary };
}

/** A copy of an example with some of its text replaced (limits can only change in a file). */
function variant(example: string, replacements: [RegExp, string][]): string {
  let text = readFileSync(example, 'utf8');
  for (const [from, to] of replacements) {
    expect(text).toMatch(from);
    text = text.replace(from, to);
  }
  const file = join(tempDir(), 'variant.yaml');
  writeFileSync(file, text);
  return file;
}

/** On-periods as the output holds them: from the first step above 0 mA to the first back at 0 mA (or the end). */
function onPeriods(steps: readonly Step[], end_s: number): { on: number; off: number }[] {
  const periods: { on: number; off: number }[] = [];
  let on = Number.NaN;
  for (const s of steps) {
    if (s.applied.amplitude_mA > 0 && Number.isNaN(on)) on = s.t_s;
    if (!(s.applied.amplitude_mA > 0) && !Number.isNaN(on)) {
      periods.push({ on, off: s.t_s });
      on = Number.NaN;
    }
  }
  if (!Number.isNaN(on)) periods.push({ on, off: end_s });
  return periods;
}

/** The charge the trace's outputs deliver, each held to the next step: (2/pi) x I for a sine. */
function traceCharge_mC(steps: readonly Step[], end_s: number, weight: number): number {
  let q = 0;
  steps.forEach((s, i) => {
    const next = i + 1 < steps.length ? steps[i + 1].t_s : end_s;
    q += weight * s.applied.amplitude_mA * (next - s.t_s);
  });
  return q;
}

/** The largest change of the applied amplitude per second between steps. */
function maxSlew_mA_per_s(steps: readonly Step[]): number {
  let max = 0;
  for (let i = 1; i < steps.length; i++) max = Math.max(max, Math.abs(steps[i].applied.amplitude_mA - steps[i - 1].applied.amplitude_mA) / (steps[i].t_s - steps[i - 1].t_s));
  return max;
}

const events = (steps: readonly Step[], kind: string) => steps.flatMap((s) => s.events.filter((e) => e.kind === kind));

describe('neuroloop run with the current modalities (config/examples)', () => {
  it('every example passes config check', async () => {
    for (const name of ['vns-duty-cycle', 'vns-responsive', 'tdcs-ramp', 'tacs-alpha']) {
      const r = await runCli(['config', 'check', `config/examples/${name}.yaml`]);
      expect(r.code, r.stderr).toBe(0);
    }
  });

  it('vns-duty-cycle.yaml: 30 s on-periods with 2 s ramps, 5 min apart, at 30 Hz and 250 us; the governor never has to act', async () => {
    const { steps, summary } = await run('config/examples/vns-duty-cycle.yaml');
    const periods = onPeriods(steps, summary.duration_s);
    expect(periods).toHaveLength(2);
    for (const p of periods) {
      expect(p.off - p.on).toBeLessThanOrEqual(30);
      expect(p.off - p.on).toBeGreaterThan(29.5);
    }
    expect(periods[1].on - periods[0].off).toBeGreaterThanOrEqual(300);
    // The ramp: 1.5 mA in 2 s from the first step on, no faster than 0.75 mA/s.
    const first = steps.findIndex((s) => s.applied.amplitude_mA > 0);
    expect(steps[first + 19].applied.amplitude_mA).toBeCloseTo(1.5, 9);
    expect(steps[first + 9].applied.amplitude_mA).toBeCloseTo(0.75, 9);
    expect(maxSlew_mA_per_s(steps)).toBeLessThanOrEqual(0.75 + 1e-9);
    for (const s of steps) if (s.applied.enabled) expect(s.applied).toMatchObject({ frequency_Hz: 30, pulseWidth_us: 250 });
    expect(events(steps, 'duty-cycle')).toEqual([]);
    expect(summary.dose).toMatchObject({ modality: 'vns', onPeriods: 2 });
    expect(summary.dose.longestOn_s).toBeLessThanOrEqual(30);
    expect(summary.dose.pulses).toBeCloseTo(30 * summary.dose.onTime_s, 0);
  });

  it('VNS asked for continuously (open-loop): the governor cuts each on-period at 30 s with its ramp and keeps 5 min off, naming the limits', async () => {
    const config = variant('config/examples/vns-duty-cycle.yaml', [[/^policy:\n(?: {2}.*\n)+/m, "policy:\n  kind: open-loop\n  amplitude_mA: 1.5\n  frequency_Hz: 30\n  pulseWidth_us: 250\n  startupDelay_ms: 5000\n"]]);
    const { steps, summary } = await run(config);
    const periods = onPeriods(steps, summary.duration_s);
    expect(periods).toHaveLength(2);
    for (const p of periods) expect(p.off - p.on).toBeLessThanOrEqual(30 + 1e-9);
    expect(periods[1].on - periods[0].off).toBeGreaterThanOrEqual(300 - 1e-9);
    expect(maxSlew_mA_per_s(steps)).toBeLessThanOrEqual(1 + 1e-9); // limits.rampUp/rampDown_mA_per_s
    const duty = events(steps, 'duty-cycle');
    expect(duty.map((e) => e.reason.replace(/[\d.]+ s long|at [\d.]+ s|off [\d.]+ s|from [\d.]+ mA/g, '#'))).toEqual([
      'on-period #, limits.vns.maxOn_s 30 s (ramps included): ramping off # to be at 0 mA by then',
      'on refused: # since the on-period ended #, under limits.vns.minOff_s (300 s)',
      'on-period #, limits.vns.maxOn_s 30 s (ramps included): ramping off # to be at 0 mA by then',
      'on refused: # since the on-period ended #, under limits.vns.minOff_s (300 s)',
    ]);
    expect(summary.latched).toBeNull();
  });

  it('vns-responsive.yaml: each on-period starts on a rise of the biomarker above 2, lasts at most 30 s, and comes at least 60 s after the last', async () => {
    const { steps, summary } = await run('config/examples/vns-responsive.yaml');
    const periods = onPeriods(steps, summary.duration_s);
    expect(periods.length).toBeGreaterThanOrEqual(3);
    for (const p of periods) {
      expect(p.off - p.on).toBeLessThanOrEqual(30);
      const i = steps.findIndex((s) => s.t_s === p.on);
      // The rise: above 2 on this frame and the two before it (onset 200 ms), at or below 2 earlier.
      for (let k = i - 2; k <= i; k++) expect(steps[k].biomarker).toBeGreaterThan(2);
      expect(steps.slice(0, i - 2).some((s) => s.valid && s.biomarker !== null && s.biomarker <= 2)).toBe(true);
    }
    for (let j = 1; j < periods.length; j++) expect(periods[j].on - periods[j - 1].off).toBeGreaterThanOrEqual(60);
    expect(events(steps, 'duty-cycle')).toEqual([]);
    expect(summary.dose).toMatchObject({ modality: 'vns', onPeriods: periods.length });
  });

  it('tdcs-ramp.yaml: a 30 s ramp to 2 mA, no pulses, and the charge is the integral of I dt', async () => {
    const { steps, summary } = await run('config/examples/tdcs-ramp.yaml');
    const first = steps.findIndex((s) => s.applied.amplitude_mA > 0);
    expect(steps[first].t_s).toBeGreaterThan(5);
    expect(steps[first + 149].applied.amplitude_mA).toBeCloseTo(1, 6); // 15 s into the ramp
    expect(steps[first + 299].applied.amplitude_mA).toBeCloseTo(2, 6);
    expect(maxSlew_mA_per_s(steps)).toBeLessThanOrEqual(2 / 30 + 1e-9);
    for (const s of steps) expect(s.applied).toMatchObject({ frequency_Hz: 0, pulseWidth_us: 0 });
    expect(summary.dose).toMatchObject({ modality: 'tdcs', pulses: 0 });
    expect(summary.dose.charge_mC).toBeCloseTo(traceCharge_mC(steps, summary.duration_s, 1), 2);
    expect(summary.dose.charge_mC).toBeCloseTo(2 * (600 - 5) - 30, -1); // the ramp costs half its 30 s
  });

  it('tdcs-ramp.yaml, 5 min: up, hold, down, off by the end of duration_s, within its charge; nothing latched', async () => {
    const { steps, summary } = await run('config/examples/tdcs-ramp.yaml', ['policy.duration_s=300']);
    const periods = onPeriods(steps, summary.duration_s);
    expect(periods).toHaveLength(1);
    expect(periods[0].off).toBeLessThanOrEqual(305);
    expect(periods[0].off - periods[0].on).toBeGreaterThan(299.5);
    expect(summary.dose.onTime_s).toBeLessThanOrEqual(300);
    expect(summary.dose.charge_mC).toBeLessThanOrEqual(2 * (300 - 30) + 1e-6);
    expect(summary.dose.charge_mC).toBeGreaterThan(2 * (300 - 30) - 0.5);
    expect(maxSlew_mA_per_s(steps)).toBeLessThanOrEqual(2 / 30 + 1e-9);
    expect(summary.latched).toBeNull();
    expect(Object.keys(summary.events).sort()).toEqual(['session-end', 'session-start']);
  });

  it('tDCS asked for more charge than the budget (open-loop, maxCharge_mC 300): ramps off in time and latches, naming the limit', async () => {
    const config = variant('config/examples/tdcs-ramp.yaml', [
      [/maxCharge_mC: 2400 .*/, 'maxCharge_mC: 300'],
      [/^policy:\n(?: {2}.*\n)+/m, 'policy:\n  kind: open-loop\n  amplitude_mA: 2\n  startupDelay_ms: 5000\n'],
    ]);
    const { steps, summary } = await run(config);
    const spent = events(steps, 'dose-exhausted');
    expect(spent).toHaveLength(1);
    expect(spent[0].reason).toMatch(/^limits\.current\.maxCharge_mC \(300 mC, I x t; [\d.]+ mC so far\): what is left allows only the ramp down from 2 mA: ramping off, latched$/);
    expect(summary.latched).toBe('dose');
    expect(summary.dose.charge_mC).toBeLessThanOrEqual(300);
    expect(summary.dose.charge_mC).toBeGreaterThan(299.5);
    expect(traceCharge_mC(steps, summary.duration_s, 1)).toBeLessThanOrEqual(300 + 1e-6);
    expect(maxSlew_mA_per_s(steps)).toBeLessThanOrEqual(2 / 30 + 1e-9); // ramped off, not cut
    const after = steps.filter((s) => s.t_s > spent[0].t_s + 30);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((s) => s.applied.amplitude_mA === 0)).toBe(true);
  });

  it('tacs-alpha.yaml: a 10 Hz sine, its peak ramped to 1 mA over 30 s; the charge is (2/pi) x I_peak x t', async () => {
    const { steps, summary } = await run('config/examples/tacs-alpha.yaml');
    for (const s of steps) if (s.applied.enabled) expect(s.applied).toMatchObject({ frequency_Hz: 10, pulseWidth_us: 0 });
    expect(maxSlew_mA_per_s(steps)).toBeLessThanOrEqual(1 / 30 + 1e-9);
    expect(summary.dose).toMatchObject({ modality: 'tacs', pulses: 0 });
    expect(summary.dose.charge_mC).toBeCloseTo(traceCharge_mC(steps, summary.duration_s, 2 / Math.PI), 2);
    expect(summary.dose.charge_mC).toBeCloseTo((2 / Math.PI) * (600 - 5 - 15), 0);
  });

  it('tACS asked for longer than the budget (open-loop, maxDuration_s 120): off by 120 s of current, ramps included, and latched', async () => {
    const config = variant('config/examples/tacs-alpha.yaml', [
      [/maxDuration_s: 1200/, 'maxDuration_s: 120'],
      [/^policy:\n(?: {2}.*\n)+/m, 'policy:\n  kind: open-loop\n  amplitude_mA: 1\n  frequency_Hz: 10\n  startupDelay_ms: 5000\n'],
    ]);
    const { steps, summary } = await run(config);
    const spent = events(steps, 'dose-exhausted');
    expect(spent).toHaveLength(1);
    expect(spent[0].reason).toMatch(/^limits\.current\.maxDuration_s \(120 s, ramps included; on [\d.]+ s so far\)/);
    expect(summary.latched).toBe('dose');
    expect(summary.dose.onTime_s).toBeLessThanOrEqual(120);
    expect(summary.dose.onTime_s).toBeGreaterThan(119.5);
    const periods = onPeriods(steps, summary.duration_s);
    expect(periods).toHaveLength(1);
    expect(periods[0].off - periods[0].on).toBeLessThanOrEqual(120);
    expect(maxSlew_mA_per_s(steps)).toBeLessThanOrEqual(1 / 30 + 1e-9);
  });

  it('a policy the limits would cut never starts: exit 2 naming it', async () => {
    const r = await runCli(['run', '--config', 'config/examples/vns-duty-cycle.yaml', '--no-mqtt', '--speed', 'max', '--duration', '10', '--set', 'policy.on_s=60']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/policy\.on_s: is 60 s, longer than limits\.vns\.maxOn_s \(30 s\)/);
    const limits = await runCli(['run', '--config', 'config/examples/tdcs-ramp.yaml', '--no-mqtt', '--speed', 'max', '--duration', '10', '--set', 'limits.current.maxCharge_mC=5000']);
    expect(limits.code).toBe(2);
    expect(limits.stderr).toMatch(/hard limits come from the config file only/);
  });
});
