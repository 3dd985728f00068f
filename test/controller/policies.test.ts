import { describe, expect, it } from 'vitest';
import { policySchema } from '../../config/policySchema.js';
import { createPolicy } from '../../controller/policies/createPolicy.js';
import type { Policy } from '../../controller/policies/policy.js';

const make = (config: unknown): Policy => createPolicy(policySchema.parse(config));
/** Feeds biomarker values at 10 Hz from t = 0.1 s; returns the amplitudes asked for. */
function drive(policy: Policy, values: (number | null)[], dt = 0.1): number[] {
  return values.map((v, i) => policy.step({ t_s: (i + 1) * dt, biomarker: v ?? Number.NaN, valid: v !== null }).amplitude_mA);
}

describe('policies', () => {
  it('off never stimulates; open-loop is constant after its start-up delay', () => {
    expect(drive(make({ kind: 'off' }), [5, 5, 5])).toEqual([0, 0, 0]);
    const open = make({ kind: 'open-loop', amplitude_mA: 2.5, startupDelay_ms: 250 });
    expect(drive(open, [0, 0, 0, 0])).toEqual([0, 0, 2.5, 2.5]);
  });

  it('threshold: on above, off at or below, with onset, termination and blanking in data time', () => {
    const p = make({ kind: 'threshold', threshold: 1, amplitude_mA: 3, onset_ms: 200, termination_ms: 100, blanking_ms: 300 });
    // above from 0.2 s: held 200 ms at 0.4 s -> on; blanked to 0.7 s; the below count starts
    // after blanking (0.7 s) and reaches 100 ms at 0.8 s -> off; 1.1 s is above but not for 200 ms.
    const amps = drive(p, [0, 2, 2, 2, 2, 0, 0, 0, 0, 0, 2]);
    expect(amps).toEqual([0, 0, 0, 3, 3, 3, 3, 0, 0, 0, 0]);
  });

  it('threshold: an invalid frame holds and breaks the onset count', () => {
    const p = make({ kind: 'threshold', threshold: 1, amplitude_mA: 3, onset_ms: 100 });
    expect(drive(p, [2, null, 2, 2])).toEqual([0, 0, 0, 3]);
  });

  it('dual-threshold: ramps up above the upper, holds between, ramps down below the lower', () => {
    const p = make({ kind: 'dual-threshold', lowerThreshold: 0, upperThreshold: 1, lowerAmplitude_mA: 1, upperAmplitude_mA: 2, rampUp_mA_per_s: 2, rampDown_mA_per_s: 1 });
    const amps = drive(p, [0.5, 2, 2, 2, 2, 2, 2, 0.5, 0.5, -1, -1, -1]);
    const expected = [1, 1.2, 1.4, 1.6, 1.8, 2, 2, 2, 2, 1.9, 1.8, 1.7];
    amps.forEach((a, i) => expect(a).toBeCloseTo(expected[i], 12));
  });

  it('proportional: PI with anti-windup does not wind up while saturated', () => {
    const p = make({ kind: 'proportional', setpoint: 0, kp_mA_per_unit: 1, ki_mA_per_unit_s: 1, maxAmplitude_mA: 2 });
    const saturated = drive(p, Array(50).fill(10)); // error 10 for 5 s: output pinned at 2 mA
    expect(saturated.at(-1)).toBe(2);
    // Once the error reverses, the output leaves saturation at once (no stored windup).
    const after = p.step({ t_s: 5.1, biomarker: -1, valid: true }).amplitude_mA;
    expect(after).toBeLessThan(2);
    const fresh = make({ kind: 'proportional', setpoint: 0, kp_mA_per_unit: 1, ki_mA_per_unit_s: 1, maxAmplitude_mA: 2 });
    expect(drive(fresh, [0.5, 0.5])).toEqual([0.5, 0.55]);
  });

  it('retune: new parameters apply from the next frame, the state carries on, another kind is refused', () => {
    const p = make({ kind: 'dual-threshold', lowerThreshold: 0, upperThreshold: 1, lowerAmplitude_mA: 1, upperAmplitude_mA: 2, rampUp_mA_per_s: 2, rampDown_mA_per_s: 1 });
    expect(drive(p, [0.8, 0.8])).toEqual([1, 1]); // between: hold
    p.retune(policySchema.parse({ ...p.parameters(), upperThreshold: 0.5 }));
    expect(p.step({ t_s: 0.3, biomarker: 0.8, valid: true }).amplitude_mA).toBeCloseTo(1.2, 12); // now above: ramps up
    expect(() => p.retune(policySchema.parse({ kind: 'off' }))).toThrow(/expected policy kind dual-threshold, got off/);
  });
});
