import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { limitsSchema } from '../../config/limitsSchema.js';
import { policySchema } from '../../config/policySchema.js';
import { createPolicy } from '../../controller/policies/createPolicy.js';
import type { Policy } from '../../controller/policies/policy.js';
import { SafetyGovernor } from '../../controller/safetyGovernor.js';

const make = (config: unknown): Policy => createPolicy(policySchema.parse(config));
/** Frames every `dt` from `dt`: the requests (amplitude, and the whole request). */
function drive(policy: Policy, n: number, biomarker: (t: number, i: number) => number | null = () => 0, dt = 0.1) {
  return Array.from({ length: n }, (_, i) => {
    const t_s = (i + 1) * dt;
    const v = biomarker(t_s, i);
    return { t_s, ...policy.step({ t_s, biomarker: v ?? Number.NaN, valid: v !== null }), state: policy.state() };
  });
}

describe('the current modalities\' policies', () => {
  it('vns-duty-cycle: on-periods of on_s (ramps included, the ramp down at 0 one frame early), off_s apart, from the start-up delay', () => {
    const p = make({ kind: 'vns-duty-cycle', amplitude_mA: 1, on_s: 4, ramp_s: 1, off_s: 5, startupDelay_ms: 1000 });
    const r = drive(p, 200);
    const at = (t: number) => r.find((x) => Math.abs(x.t_s - t) < 1e-9)!;
    expect(at(1).amplitude_mA).toBe(0);
    expect(at(1.5).amplitude_mA).toBeCloseTo(0.5, 9);
    expect(at(2.5).amplitude_mA).toBe(1);
    expect(at(2.5).state).toBe('on');
    expect(at(4.4).amplitude_mA).toBeCloseTo(0.5, 9); // the ramp down ends at 4.9 s: one frame before 5 s
    expect(at(4.9).amplitude_mA).toBe(0);
    expect(at(10.5).amplitude_mA).toBeCloseTo(0.5, 9); // the next cycle from 10 s
    expect(at(4.4)).toMatchObject({ frequency_Hz: 30, pulseWidth_us: 250, enabled: true });
  });

  it('vns-responsive: an on-period on the frame of a rise above the threshold (after onset_ms), none within off_s of the last, a rise needs a fall first', () => {
    const p = make({ kind: 'vns-responsive', amplitude_mA: 1, on_s: 2, ramp_s: 0.5, off_s: 3, threshold: 1, onset_ms: 200 });
    // Above from 0.5 s (onset 200 ms: on at 0.7 s); stays above; falls at 5 s, rises at 5.5 s.
    const r = drive(p, 120, (t) => (t >= 0.45 && t < 4.95) || t >= 5.45 ? 2 : 0);
    const firstOn = r.findIndex((x) => x.amplitude_mA > 0);
    expect(r[firstOn].t_s).toBeCloseTo(0.7, 9);
    expect(r[firstOn].amplitude_mA).toBeCloseTo(0.2, 9); // the first frame of its ramp
    const offAt = r.findIndex((x, i) => i > firstOn && x.amplitude_mA === 0);
    expect(r[offAt].t_s).toBeCloseTo(2.5, 9); // on_s 2 s from 0.6 s (a frame before the first), at 0 mA a frame early
    // Still above the threshold after the on-period: no new one until a fall and a rise after off_s.
    const second = r.findIndex((x, i) => i > offAt && x.amplitude_mA > 0);
    expect(r[second].t_s).toBeCloseTo(5.7, 9);
    expect(p.thresholds()).toEqual([1]);
  });

  it('vns-responsive: a rise within off_s of the last on-period is ignored; an invalid frame breaks the onset count', () => {
    const p = make({ kind: 'vns-responsive', amplitude_mA: 1, on_s: 1, ramp_s: 0.2, off_s: 5, threshold: 0, onset_ms: 200 });
    const v = (t: number): number | null => (t < 0.25 ? -1 : t < 2 ? 1 : t < 2.45 ? -1 : t < 3 ? 1 : t < 7 ? -1 : Math.abs(t - 7.1) < 0.01 ? null : 1);
    const r = drive(p, 100, (t) => v(t));
    const starts = r.filter((x, i) => x.amplitude_mA > 0 && (i === 0 || r[i - 1].amplitude_mA === 0)).map((x) => x.t_s);
    // 0.3 + 0.2 s; the rise at 2.5 s is within 5 s of the end (1.3 s); from 7 s the onset is broken at 7.1 s: 7.2 + 0.2 s.
    expect(starts.map((t) => Math.round(t * 10) / 10)).toEqual([0.5, 7.4]);
  });

  it('tdcs-ramp and tacs: ramp up, hold, ramp down to end by duration_s; no pulses; tACS asks for its frequency', () => {
    const d = drive(make({ kind: 'tdcs-ramp', amplitude_mA: 2, ramp_s: 1, duration_s: 5, startupDelay_ms: 500 }), 80);
    const at = (t: number) => d.find((x) => Math.abs(x.t_s - t) < 1e-9)!;
    expect(at(1).amplitude_mA).toBeCloseTo(1, 9);
    expect(at(3).amplitude_mA).toBe(2);
    expect(at(3).state).toBe('hold');
    expect(at(4.9).amplitude_mA).toBeCloseTo(1, 9);
    expect(at(5.4).amplitude_mA).toBe(0);
    expect(at(7).state).toBe('done');
    expect(d.every((x) => x.frequency_Hz === 0 && x.pulseWidth_us === 0)).toBe(true);
    const a = drive(make({ kind: 'tacs', amplitude_mA: 1, frequency_Hz: 10, ramp_s: 1, duration_s: 5 }), 20);
    expect(a.every((x) => x.frequency_Hz === 10 && x.pulseWidth_us === 0)).toBe(true);
  });

  it('refused when they cannot be: ramps that do not fit', () => {
    expect(() => policySchema.parse({ kind: 'tdcs-ramp', amplitude_mA: 2, ramp_s: 30, duration_s: 50 })).toThrow(/two ramps of 30 s do not fit in duration_s \(50 s\)/);
    expect(() => policySchema.parse({ kind: 'vns-duty-cycle', amplitude_mA: 1, ramp_s: 2, on_s: 3, off_s: 10 })).toThrow(/two ramps of 2 s do not fit in on_s/);
  });
});

/** Frame times as the session makes them: index / fs every hop samples. */
const grid = fc.constantFrom({ fs: 250, hop: 25 }, { fs: 256, hop: 32 }, { fs: 1000, hop: 100 }, { fs: 250, hop: 10 }, { fs: 500, hop: 125 });
const uniform = (min: number, max: number): fc.Arbitrary<number> => fc.integer({ min: 0, max: 10_000 }).map((i) => min + ((max - min) * i) / 10_000);

/** Runs a policy through a governor over frames; returns the governor and every event. */
function closedLoop(policy: Policy, governor: SafetyGovernor, frames: number, fs: number, hop: number, biomarker: (i: number) => number = () => 0) {
  const events: string[] = [];
  let maxGap = 0;
  for (let i = 1; i <= frames; i++) {
    const t_s = (i * hop) / fs;
    const request = policy.step({ t_s, biomarker: biomarker(i), valid: true });
    const tick = governor.tick(t_s, request, true);
    for (const e of tick.events) events.push(`${e.kind} at ${t_s}: ${e.reason}`);
    maxGap = Math.max(maxGap, Math.abs(tick.applied.amplitude_mA - request.amplitude_mA));
  }
  return { events, maxGap };
}

describe('the policies are honest: with limits exactly as tight as their parameters, the governor never has to act (fast-check)', () => {
  it('vns-duty-cycle and vns-responsive within limits.vns and the ramp rates', () => {
    fc.assert(
      fc.property(
        grid,
        fc.record({ amplitude: uniform(0.25, 3.5), on: uniform(1, 40), rampShare: uniform(0.05, 0.5), off: uniform(1, 60), responsive: fc.boolean(), seed: fc.integer({ min: 1, max: 1000 }) }),
        ({ fs, hop }, r) => {
          const ramp_s = r.on * r.rampShare;
          const rate = r.amplitude / ramp_s;
          const governor = new SafetyGovernor(
            limitsSchema.parse({ amplitude_mA: { max: r.amplitude }, frequency_Hz: { min: 20, max: 30 }, pulseWidth_us: { min: 250, max: 500 }, maxChargeDensity_uC_cm2: 100, rampUp_mA_per_s: rate, rampDown_mA_per_s: rate, vns: { maxOn_s: r.on, minOff_s: r.off } }),
          );
          const common = { amplitude_mA: r.amplitude, on_s: r.on, ramp_s, off_s: r.off };
          const policy = make(r.responsive ? { kind: 'vns-responsive', threshold: 0, ...common } : { kind: 'vns-duty-cycle', ...common });
          // A biomarker that crosses 0 often (a deterministic pseudo-random walk).
          let x = r.seed;
          const walk = (): number => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
          const frames = Math.ceil(((3 * (r.on + r.off)) * fs) / hop);
          const { events, maxGap } = closedLoop(policy, governor, frames, fs, hop, walk);
          expect(events).toEqual([]);
          expect(maxGap).toBeLessThan(1e-9);
          expect(governor.dose.onPeriods).toBeGreaterThan(0);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('tdcs-ramp and tacs within limits.current: duration, charge (the trapezoid) and the ramp exactly at their limits', () => {
    fc.assert(
      fc.property(grid, fc.record({ amplitude: uniform(0.1, 4), duration: uniform(5, 200), rampShare: uniform(0.01, 0.5), sine: fc.boolean() }), ({ fs, hop }, r) => {
        const ramp_s = r.duration * r.rampShare;
        const weight = r.sine ? 2 / Math.PI : 1;
        const governor = new SafetyGovernor(
          limitsSchema.parse({
            amplitude_mA: { max: r.amplitude },
            rampUp_mA_per_s: 100,
            rampDown_mA_per_s: 100,
            current: { maxDuration_s: r.duration, maxCharge_mC: weight * r.amplitude * (r.duration - ramp_s), minRamp_s: ramp_s, ...(r.sine ? { frequency_Hz: { min: 10, max: 10 } } : {}) },
          }),
        );
        const policy = make(r.sine ? { kind: 'tacs', amplitude_mA: r.amplitude, frequency_Hz: 10, ramp_s, duration_s: r.duration } : { kind: 'tdcs-ramp', amplitude_mA: r.amplitude, ramp_s, duration_s: r.duration });
        const { events, maxGap } = closedLoop(policy, governor, Math.ceil(((r.duration + 5) * fs) / hop), fs, hop);
        expect(events).toEqual([]);
        expect(maxGap).toBeLessThan(1e-9);
        expect(governor.latched).toBeNull();
        expect(governor.dose.onTime_s).toBeLessThanOrEqual(r.duration);
        expect(governor.dose.onTime_s).toBeGreaterThanOrEqual(r.duration - (3 * hop) / fs - 1e-9);
      }),
      { numRuns: 1000 },
    );
  });
});
