import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { buildSession } from '../../cli/buildSession.js';
import { parseConfig } from '../../config/index.js';
import { readConfigFile } from '../../config/load.js';
import { applyOverrides } from '../../config/overrides.js';
import { type PolicyConfig, policySchema } from '../../config/policySchema.js';
import { createPolicy } from '../../controller/policies/createPolicy.js';
import { type CalibrationEvent, calibrationEvent, createThresholdCalibration, percentileOfSorted, ThresholdCalibration, thresholdPlacements } from '../../controller/thresholdCalibration.js';
import { REPO } from '../helpers/cli.js';
import { configProblems } from '../helpers/configProblems.js';

const dual = policySchema.parse({ kind: 'dual-threshold', lowerThreshold: -1, upperThreshold: 0.6, lowerAmplitude_mA: 1, upperAmplitude_mA: 3, startupDelay_ms: 10_000, calibration: { kind: 'percentile', lower_pct: 25, upper_pct: 75 } });
const baseline_s = 10;

/** A seeded shuffle of 1..n: baseline values whose percentiles are known. */
function shuffled(n: number, seed = 7): number[] {
  const values = Array.from({ length: n }, (_, i) => i + 1);
  let s = seed;
  for (let i = n - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [values[i], values[j]] = [values[j], values[i]];
  }
  return values;
}

/** Feeds `values` as baseline frames 0.1 s apart, then one frame after the baseline; the result. */
function calibrate(policy: PolicyConfig, values: readonly number[], capacity = values.length + 1) {
  const plan = thresholdPlacements(policy);
  if (plan === null) throw new Error('no calibration in the policy');
  const calibration = new ThresholdCalibration(plan.placements, plan.range, baseline_s, capacity);
  values.forEach((v, i) => expect(calibration.observe({ t_s: ((i + 1) / values.length) * baseline_s, biomarker: v, reasons: ['baseline'] }, policy)).toBeNull());
  const result = calibration.observe({ t_s: baseline_s + 0.1, biomarker: 0.5, reasons: [] }, policy);
  expect(calibration.finished).toBe(true);
  // Once only: later frames change nothing.
  expect(calibration.observe({ t_s: baseline_s + 0.2, biomarker: 0.5, reasons: [] }, policy)).toBeNull();
  if (result === null) throw new Error('no result after the baseline');
  return result;
}

function meanSd(values: readonly number[]): { mean: number; sd: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return { mean, sd: Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1)) };
}

describe('percentiles', () => {
  it('interpolate linearly between the closest ranks (numpy\'s default)', () => {
    const sorted = Float64Array.from([1, 2, 3, 4, 10]);
    expect(percentileOfSorted(sorted, 5, 0)).toBe(1);
    expect(percentileOfSorted(sorted, 5, 100)).toBe(10);
    expect(percentileOfSorted(sorted, 5, 50)).toBe(3);
    expect(percentileOfSorted(sorted, 5, 87.5)).toBe(7);
    expect(percentileOfSorted(sorted, 4, 50)).toBe(2.5);
    expect(percentileOfSorted(sorted, 0, 50)).toBeNaN();
  });
});

describe('threshold calibration from the baseline', () => {
  it('places each threshold so that its share of the z-scored baseline lies below it', () => {
    const values = shuffled(200).map((v) => 1 + v / 100);
    const r = calibrate(dual, values);
    expect(r.ok).toBe(true);
    const { mean, sd } = meanSd(values);
    expect(r.frames).toBe(200);
    expect(r.mean).toBeCloseTo(mean, 12);
    expect(r.sd).toBeCloseTo(sd, 12);
    const z = values.map((v) => (v - mean) / sd);
    const below = (t: number) => z.filter((x) => x < t).length / z.length;
    expect(below(r.placed.lowerThreshold)).toBeCloseTo(0.25, 1);
    expect(below(r.placed.upperThreshold)).toBeCloseTo(0.75, 1);
    expect(r.previous).toEqual({ lowerThreshold: -1, upperThreshold: 0.6 });
    // The policy the session retunes with: the same policy, the thresholds placed, nothing else changed.
    expect(r.next).toEqual({ ...dual, ...r.placed });
  });

  it('Little 2013: a single threshold at the 75th percentile by default', () => {
    const single = policySchema.parse({ kind: 'threshold', threshold: 9, amplitude_mA: 3, startupDelay_ms: 10_000, calibration: { kind: 'percentile' } });
    const values = shuffled(101);
    const r = calibrate(single, values);
    const { mean, sd } = meanSd(values);
    expect(r.placed.threshold).toBeCloseTo((76 - mean) / sd, 12);
  });

  it('floor placement: thresholds keep their place against the floor whatever the share of time in bursts', () => {
    const floor = policySchema.parse({ ...dual, calibration: { kind: 'floor', floor_pct: 20, spread_pct: 5, lower_k: 1, upper_k: 2 } });
    // A floor (1.0 +- 0.1, uniform) with bursts (3.0) 20 % or 40 % of the time: in raw units the upper threshold
    // stays above the floor's middle and below the bursts, at nearly the same place both times (a fixed
    // percentile, the 75th, would land in the floor once and in the bursts the other time).
    const upper: number[] = [];
    for (const burstShare of [0.2, 0.4]) {
      const values = shuffled(200).map((v, i) => (i < 200 * burstShare ? 3 : 1 + ((v % 21) - 10) / 100));
      const r = calibrate(floor, values);
      const raw = (z: number) => r.mean + z * r.sd;
      upper.push(raw(r.placed.upperThreshold));
      expect(raw(r.placed.upperThreshold)).toBeGreaterThan(1);
      expect(raw(r.placed.upperThreshold)).toBeLessThan(2);
      expect(raw(r.placed.lowerThreshold)).toBeLessThan(raw(r.placed.upperThreshold));
      const at75 = calibrate(dual, values);
      expect(raw(at75.placed.upperThreshold) < 1.1 === burstShare < 0.25).toBe(true);
    }
    expect(Math.abs(upper[0] - upper[1])).toBeLessThan(0.1);
  });

  it('clamps a placed threshold into the declared range, and says so', () => {
    const ranged = policySchema.parse({ ...dual, calibration: { kind: 'percentile', lower_pct: 0, upper_pct: 100, range: { min: -1, max: 1 } } });
    const r = calibrate(ranged, shuffled(50).map((v) => v ** 3));
    expect(r.ok).toBe(true);
    expect(r.placed.upperThreshold).toBe(1);
    expect(r.clamped).toContain('upperThreshold');
    expect(calibrationEvent(10.1, r).reason).toMatch(/upperThreshold 0\.6 -> 1 \(clamped into the range\)/);
  });

  it('places nothing from a degenerate baseline or when the policy would be invalid; the event says why', () => {
    const flat = calibrate(dual, Array.from({ length: 50 }, () => 2));
    expect(flat.ok).toBe(false);
    expect(flat.next).toBeUndefined();
    const event: CalibrationEvent = calibrationEvent(10.1, flat);
    expect(event).toMatchObject({ kind: 'calibration', ok: false, placed: {} });
    expect(event.reason).toMatch(/^calibration not taken: .*SD 0.*thresholds unchanged/);
    // Both thresholds clamped onto the same value: upper must stay above lower (the policy's own rule).
    const squeezed = policySchema.parse({ ...dual, calibration: { kind: 'percentile', lower_pct: 10, upper_pct: 90, range: { min: 3, max: 4 } } });
    const r = calibrate(squeezed, shuffled(50));
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/upperThreshold: must be > lowerThreshold/);
  });

  it('takes only the biomarker\'s own baseline frames, and at most its capacity (no allocation per frame)', () => {
    const plan = thresholdPlacements(dual);
    if (plan === null) throw new Error('unreachable');
    const calibration = new ThresholdCalibration(plan.placements, plan.range, baseline_s, 3);
    calibration.observe({ t_s: 0.1, biomarker: 1, reasons: ['averaging'] }, dual);
    calibration.observe({ t_s: 0.2, biomarker: 100, reasons: ['gap'] }, dual);
    for (const [t_s, v] of [[1, 1], [2, 2], [3, 3], [4, 1000]]) calibration.observe({ t_s, biomarker: v, reasons: ['baseline'] }, dual);
    const r = calibration.observe({ t_s: 10.1, biomarker: 0, reasons: [] }, dual);
    expect(r).toMatchObject({ ok: true, frames: 3, mean: 2, sd: 1 });
  });

  it('needs a baseline: the config check names the keys', () => {
    const raw = applyOverrides(readConfigFile(join(REPO, 'config/examples/sim-adbs.yaml')), ['policy.calibration={kind: percentile, lower_pct: 25, upper_pct: 75}']);
    expect(() => parseConfig(raw)).not.toThrow();
    const problems = (sets: string[]): readonly string[] => configProblems(applyOverrides(raw, sets));
    expect(problems(['signals.biomarker.baseline_s=0'])).toEqual([expect.stringMatching(/^policy\.calibration: places the thresholds from the biomarker's baseline/)]);
    expect(problems(['policy.startupDelay_ms=5000'])).toEqual([expect.stringMatching(/^policy\.startupDelay_ms: 5000 ms is shorter than the baseline/)]);
    expect(problems(['policy.calibration.upper_pct=20'])).toEqual(['policy.calibration.upper_pct: upper_pct (20) must be > lower_pct (25)']);
    // The key changed may be the lower one: both values are named.
    const floor = applyOverrides(readConfigFile(join(REPO, 'config/examples/sim-adbs.yaml')), []);
    expect(configProblems(applyOverrides(floor, ['policy.calibration.lower_k=5']))).toEqual(['policy.calibration.upper_k: upper_k (1.25) must be > lower_k (5)']);
    expect(problems(['policy.calibration.range={min: 1, max: 0}'])).toEqual([expect.stringMatching(/max must be > min/)]);
    expect(() => createThresholdCalibration(createPolicy(dual).parameters(), { fs_Hz: 250, hop: 25, biomarker: null })).toThrow(/baseline_s/);
  });
});

describe('calibration in a session on the simulated patient', () => {
  it('places the thresholds at the first frame after the baseline, stimulation off until then, within the limits, in trace and summary', async () => {
    const file = join(REPO, 'config/examples/sim-adbs.yaml');
    const config = parseConfig(applyOverrides(readConfigFile(file), ['policy.calibration={kind: percentile, lower_pct: 25, upper_pct: 75}', 'source.seed=11']));
    const built = await buildSession(config, { configDir: join(REPO, 'config/examples'), duration_s: 30, speed: 'max' });
    const steps = await lastValueFrom(built.steps.pipe(toArray()));
    await built.close();
    const baseline_s = config.signals.biomarker?.baseline_s ?? 0;
    const events = steps.flatMap((s) => s.events.filter((e): e is CalibrationEvent => e.kind === 'calibration').map((e) => ({ e, step: s })));
    expect(events).toHaveLength(1);
    const [{ e, step }] = events;
    expect(e.ok).toBe(true);
    expect(step.t_s).toBeGreaterThan(baseline_s);
    expect(steps.filter((s) => s.t_s > baseline_s)[0]).toBe(step);
    expect(built.policy.thresholds()).toEqual([e.placed.lowerThreshold, e.placed.upperThreshold]);
    // The baseline frames carry the biomarker before z-scoring: the thresholds sit at the 25th and 75th percentiles of them.
    const raw = steps.filter((s) => s.t_s <= baseline_s && Number.isFinite(s.biomarker)).map((s) => (s.biomarker - e.baseline.mean) / e.baseline.sd);
    expect(raw).toHaveLength(e.baseline.frames);
    expect(raw.filter((z) => z < e.placed.lowerThreshold).length / raw.length).toBeCloseTo(0.25, 1);
    expect(raw.filter((z) => z < e.placed.upperThreshold).length / raw.length).toBeCloseTo(0.75, 1);
    // Nothing stimulated while the baseline was measured; nothing ever beyond the hard limits.
    for (const s of steps) {
      // (a step's output acts on the samples after it: the frame at baseline_s itself is the last one measured.)
      if (s.t_s < baseline_s) expect(s.applied.amplitude_mA).toBe(0);
      expect(s.applied.amplitude_mA).toBeLessThanOrEqual(config.limits.amplitude_mA.max);
    }
    expect(built.governor.limits).toEqual(config.limits);
    const summary = built.session.summary();
    expect(summary.calibration).toEqual({ t_s: e.t_s, ok: true, placed: e.placed, previous: { lowerThreshold: -1, upperThreshold: 0.6 }, baseline: e.baseline });
    expect(summary.events.calibration).toBe(1);
  });
});
