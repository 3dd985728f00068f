import { join } from 'node:path';
import fc from 'fast-check';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { buildSession } from '../../cli/buildSession.js';
import { parseConfig } from '../../config/index.js';
import { readConfigFile } from '../../config/load.js';
import { applyOverrides } from '../../config/overrides.js';
import { type PolicyConfig, policySchema } from '../../config/policySchema.js';
import { type CalibrationSweepEvent, calibrationSweepEvent, createStimulationSweep, StimulationSweep, type SweepResult } from '../../controller/stimulationSweep.js';
import { REPO } from '../helpers/cli.js';
import { configProblems as problems } from '../helpers/configProblems.js';

const sweepPlan = { amplitudes_mA: [1, 2, 3, 4], step_s: 4, lower_fraction: 0.3, upper_fraction: 0.8, minSuppression_z: 0.5 };
const dual = policySchema.parse({ kind: 'dual-threshold', lowerThreshold: -1, upperThreshold: 0.6, lowerAmplitude_mA: 1, upperAmplitude_mA: 3, startupDelay_ms: 10_000, calibration: { kind: 'percentile', lower_pct: 25, upper_pct: 75, sweep: sweepPlan } });
const start_s = 10;
const pulse = { frequency_Hz: 130, pulseWidth_us: 60 };
const hop_s = 0.1;

/**
 * Runs a sweep over frames every 0.1 s from the start to past its end, the biomarker at
 * each frame from `biomarkerAt(amplitude requested, t in its step)`; the requests and the result.
 */
function sweep(policy: PolicyConfig, biomarkerAt: (amplitude_mA: number, intoStep_s: number) => number): { requests: { t_s: number; amplitude_mA: number | null }[]; result: SweepResult } {
  if (policy.kind !== 'dual-threshold' || policy.calibration?.sweep === undefined) throw new Error('no sweep');
  const plan = policy.calibration.sweep;
  const s = new StimulationSweep(plan, start_s);
  const requests: { t_s: number; amplitude_mA: number | null }[] = [];
  let result: SweepResult | null = null;
  for (let i = 0; result === null; i++) {
    const t_s = Math.round((start_s - 1 + i * hop_s) * 1000) / 1000;
    if (t_s > start_s + plan.amplitudes_mA.length * plan.step_s + 1) throw new Error('the sweep never ended');
    const request = s.request(t_s, pulse);
    requests.push({ t_s, amplitude_mA: request === null ? null : request.amplitude_mA });
    const k = Math.ceil((t_s - start_s) / plan.step_s) - 1;
    const biomarker = request === null ? 0 : biomarkerAt(request.amplitude_mA, t_s - start_s - k * plan.step_s);
    result = s.observe({ t_s, biomarker, valid: true }, policy, request?.amplitude_mA ?? 0);
  }
  expect(s.finished).toBe(true);
  // Once only: later frames neither request nor change anything.
  expect(s.request(start_s + 100, pulse)).toBeNull();
  expect(s.observe({ t_s: start_s + 100, biomarker: 0, valid: true }, policy, 0)).toBeNull();
  return { requests, result };
}

describe('stimulation sweep', () => {
  it('holds each amplitude step_s in turn after the start, nothing before or after, and measures only the second half of each step', () => {
    // A response known in advance (suppression grows with the amplitude), and a large transient in each step's first half that must not count.
    const suppression = (a: number) => 1 - 1 / (1 + (a / 2) ** 2);
    const { requests, result } = sweep(dual, (a, into_s) => (into_s <= sweepPlan.step_s / 2 ? 50 : -suppression(a)));
    for (const r of requests) {
      const inSweep = r.t_s > start_s && r.t_s <= start_s + sweepPlan.amplitudes_mA.length * sweepPlan.step_s;
      if (!inSweep) expect(r.amplitude_mA).toBeNull();
      else expect(r.amplitude_mA).toBe(sweepPlan.amplitudes_mA[Math.ceil((r.t_s - start_s) / sweepPlan.step_s) - 1]);
    }
    expect(result.ok).toBe(true);
    expect(result.steps.map((s) => s.amplitude_mA)).toEqual(sweepPlan.amplitudes_mA);
    for (const s of result.steps) {
      expect(s.frames).toBeGreaterThan(0);
      expect(s.suppression).toBeCloseTo(suppression(s.amplitude_mA), 12);
    }
    // The documented rule, from the measured values: the smallest amplitude reaching each share of the largest suppression.
    const largest = Math.max(...sweepPlan.amplitudes_mA.map(suppression));
    const smallest = (f: number) => sweepPlan.amplitudes_mA.find((a) => suppression(a) >= f * largest);
    expect(result.chosen).toEqual({ lowerAmplitude_mA: smallest(sweepPlan.lower_fraction), upperAmplitude_mA: smallest(sweepPlan.upper_fraction) });
    expect(result.previous).toEqual({ lowerAmplitude_mA: 1, upperAmplitude_mA: 3 });
    expect(result.next).toEqual({ ...dual, ...result.chosen });
    const event: CalibrationSweepEvent = calibrationSweepEvent(start_s + 20, result);
    expect(event).toMatchObject({ kind: 'calibration-sweep', ok: true, chosen: result.chosen, steps: result.steps });
    expect(event.reason).toMatch(/^calibration sweep: lowerAmplitude_mA 1 -> .*suppression 1 mA/);
  });

  it('requests only its own amplitudes: with any amplitudes and times, never one it was not given', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.double({ min: 0, max: 10, noNaN: true }), { minLength: 2, maxLength: 8 }).map((a) => [...a].sort((x, y) => x - y)),
        fc.double({ min: 1, max: 60, noNaN: true }),
        fc.array(fc.double({ min: -10, max: 600, noNaN: true }), { maxLength: 50 }),
        (amplitudes_mA, step_s, times) => {
          const s = new StimulationSweep({ ...sweepPlan, amplitudes_mA, step_s }, start_s);
          for (const t of [...times].sort((x, y) => x - y)) {
            const r = s.request(t, pulse);
            if (r !== null) expect(amplitudes_mA).toContain(r.amplitude_mA);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('chooses nothing without a measurable response or with a step unmeasured; the file\'s amplitudes stay', () => {
    const flat = sweep(dual, () => 0).result;
    expect(flat.ok).toBe(false);
    expect(flat.next).toBeUndefined();
    expect(flat.error).toMatch(/below minSuppression_z/);
    const event = calibrationSweepEvent(start_s + 20, flat);
    expect(event).toMatchObject({ kind: 'calibration-sweep', ok: false, chosen: {}, previous: { lowerAmplitude_mA: 1, upperAmplitude_mA: 3 } });
    expect(event.reason).toMatch(/^calibration sweep not taken: .*amplitudes unchanged/);
    // Invalid frames throughout one step: that amplitude was not measured.
    if (dual.kind !== 'dual-threshold' || dual.calibration?.sweep === undefined) throw new Error('unreachable');
    const s = new StimulationSweep(dual.calibration.sweep, start_s);
    let r: SweepResult | null = null;
    for (let t = start_s + hop_s; r === null; t += hop_s) r = s.observe({ t_s: t, biomarker: -5, valid: t <= start_s + sweepPlan.step_s || t > start_s + 2 * sweepPlan.step_s }, dual, s.request(t, pulse)?.amplitude_mA ?? 0);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/no valid frame with 2 mA applied/);
    // The governor applied less than the sweep asked for at 4 mA (a clamp): that step was not measured either.
    const clamped = new StimulationSweep(dual.calibration.sweep, start_s);
    r = null;
    for (let t = start_s + hop_s; r === null; t += hop_s) r = clamped.observe({ t_s: t, biomarker: -5, valid: true }, dual, Math.min(3.5, clamped.request(t, pulse)?.amplitude_mA ?? 0));
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/no valid frame with 4 mA applied/);
  });

  it('is refused at config check when an amplitude is above limits.amplitude_mA.max, naming the path', () => {
    const raw = readConfigFile(join(REPO, 'config/examples/sim-adbs-swept.yaml'));
    expect(problems(raw)).toEqual([]);
    const max = parseConfig(raw).limits.amplitude_mA.max;
    expect(problems(applyOverrides(raw, [`policy.calibration.sweep.amplitudes_mA=[1, ${max}, ${max + 0.5}]`]))).toEqual([expect.stringMatching(new RegExp(`^policy\\.calibration\\.sweep\\.amplitudes_mA\\[2\\]: ${max + 0.5} mA is above limits\\.amplitude_mA\\.max`))]);
    // Lower hard limits (from the file only: --set may not change them) refuse the same sweep.
    const lowered = structuredClone(raw) as { limits: { amplitude_mA: { max: number } } };
    lowered.limits.amplitude_mA.max = max - 2;
    expect(problems(lowered).some((p) => /^policy\.calibration\.sweep\.amplitudes_mA\[\d\]: .* above limits\.amplitude_mA\.max/.test(p))).toBe(true);
    expect(problems(applyOverrides(raw, ['policy.calibration.sweep.amplitudes_mA=[2, 1]']))).toEqual([expect.stringMatching(/amplitudes_mA: must be in increasing order/)]);
    expect(problems(applyOverrides(raw, ['policy.calibration.sweep.lower_fraction=0.5', 'policy.calibration.sweep.upper_fraction=0.4']))).toEqual([expect.stringMatching(/upper_fraction must be > lower_fraction/)]);
  });

  it('starts after the baseline and the start-up delay, whichever is later', () => {
    const late = policySchema.parse({ ...dual, startupDelay_ms: 30_000 });
    const s = createStimulationSweep(late, { biomarker: { baseline_s: 10 } });
    expect(s?.request(30, pulse)).toBeNull();
    expect(s?.request(30.1, pulse)?.amplitude_mA).toBe(sweepPlan.amplitudes_mA[0]);
    expect(createStimulationSweep(policySchema.parse({ ...dual, calibration: { kind: 'percentile', lower_pct: 25, upper_pct: 75 } }), { biomarker: { baseline_s: 10 } })).toBeUndefined();
    expect(() => createStimulationSweep(dual, { biomarker: null })).toThrow(/baseline_s/);
  });
});

describe('stimulation sweep in a session on the simulated patient', () => {
  const file = join(REPO, 'config/examples/sim-adbs-swept.yaml');

  async function run(sets: string[], duration_s: number) {
    const config = parseConfig(applyOverrides(readConfigFile(file), ['source.seed=11', ...sets]));
    const built = await buildSession(config, { configDir: join(REPO, 'config/examples'), duration_s, speed: 'max' });
    const steps = await lastValueFrom(built.steps.pipe(toArray()));
    await built.close();
    return { config, built, steps };
  }

  it('requests the sweep through the governor within the limits, then retunes the amplitudes, in trace and summary', async () => {
    const { config, built, steps } = await run([], 50);
    if (config.policy.kind !== 'dual-threshold' || config.policy.calibration?.sweep === undefined) throw new Error('the example has no sweep');
    const plan = config.policy.calibration.sweep;
    const from_s = Math.max(config.signals.biomarker?.baseline_s ?? 0, config.policy.startupDelay_ms / 1000);
    const end_s = from_s + plan.amplitudes_mA.length * plan.step_s;
    const events = steps.flatMap((s) => s.events.filter((e): e is CalibrationSweepEvent => e.kind === 'calibration-sweep').map((e) => ({ e, step: s })));
    expect(events).toHaveLength(1);
    const [{ e, step }] = events;
    expect(steps.filter((s) => s.t_s > end_s)[0]).toBe(step);
    expect(e.steps.map((s) => s.amplitude_mA)).toEqual(plan.amplitudes_mA);
    for (const s of e.steps) {
      expect(s.frames).toBeGreaterThan(0);
      expect(Number.isFinite(s.suppression)).toBe(true);
    }
    for (const s of steps) {
      if (s.t_s > from_s && s.t_s <= end_s) expect(s.requested?.amplitude_mA).toBe(plan.amplitudes_mA[Math.ceil((s.t_s - from_s) / plan.step_s) - 1]);
      // Nothing before the baseline and start-up delay ended; nothing ever beyond the hard limits (requested or applied).
      if (s.t_s < from_s) expect(s.applied.amplitude_mA).toBe(0);
      expect(s.requested?.amplitude_mA ?? 0).toBeLessThanOrEqual(config.limits.amplitude_mA.max);
      expect(s.applied.amplitude_mA).toBeLessThanOrEqual(config.limits.amplitude_mA.max);
    }
    // The governor's ramp applies to the sweep like to any request.
    for (let i = 1; i < steps.length; i++) {
      const rise = steps[i].applied.amplitude_mA - steps[i - 1].applied.amplitude_mA;
      expect(rise).toBeLessThanOrEqual(config.limits.rampUp_mA_per_s * (steps[i].t_s - steps[i - 1].t_s) + 1e-9);
    }
    const params = built.policy.parameters() as Readonly<Record<string, unknown>>;
    if (e.ok) expect({ lowerAmplitude_mA: params.lowerAmplitude_mA, upperAmplitude_mA: params.upperAmplitude_mA }).toEqual(e.chosen);
    const after = steps.filter((s) => s.t_s >= step.t_s && s.requested !== null);
    for (const s of after) {
      expect(s.requested?.amplitude_mA ?? 0).toBeGreaterThanOrEqual(params.lowerAmplitude_mA as number);
      expect(s.requested?.amplitude_mA ?? 0).toBeLessThanOrEqual(params.upperAmplitude_mA as number);
    }
    const summary = built.session.summary();
    expect(summary.calibrationSweep).toEqual({ t_s: e.t_s, ok: e.ok, steps: e.steps, chosen: e.chosen, previous: e.previous });
    expect(summary.events['calibration-sweep']).toBe(1);
  });

  it('a sweep that is not taken keeps the file\'s amplitudes', async () => {
    const { config, built, steps } = await run(['policy.calibration.sweep.minSuppression_z=1000'], 45);
    const e = steps.flatMap((s) => s.events).find((x): x is CalibrationSweepEvent => x.kind === 'calibration-sweep');
    expect(e?.ok).toBe(false);
    if (config.policy.kind !== 'dual-threshold') throw new Error('unreachable');
    const params = built.policy.parameters() as Readonly<Record<string, unknown>>;
    expect([params.lowerAmplitude_mA, params.upperAmplitude_mA]).toEqual([config.policy.lowerAmplitude_mA, config.policy.upperAmplitude_mA]);
    expect(built.session.summary().calibrationSweep?.ok).toBe(false);
  });

  it('measures the same whatever the block lengths (data time only)', async () => {
    const a = await run(['source.block_samples=10'], 42);
    const b = await run(['source.block_samples=7'], 42);
    const [x, y] = [a.built.session.summary().calibrationSweep, b.built.session.summary().calibrationSweep];
    expect(y?.t_s).toBe(x?.t_s);
    expect(y?.chosen).toEqual(x?.chosen);
    expect(y?.steps.map((s) => s.frames)).toEqual(x?.steps.map((s) => s.frames));
    // (the simulated plant takes the applied current at block boundaries: its beta differs in the last digits, not the sweep's frames or choice.)
    y?.steps.forEach((s, i) => expect(s.suppression).toBeCloseTo(x?.steps[i].suppression ?? Number.NaN, 5));
  });
});
