import { describe, expect, it } from 'vitest';
import { limitsSchema } from '../../config/limitsSchema.js';
import { maxChargePerPhase_uC } from '../../controller/chargeLimit.js';
import { SafetyGovernor } from '../../controller/safetyGovernor.js';

const base = { amplitude_mA: { max: 5 }, rampUp_mA_per_s: 10, rampDown_mA_per_s: 10, staleAfter_ms: 1000 };
const req = (amplitude_mA: number, pulseWidth_us = 60, frequency_Hz = 130) => ({ enabled: amplitude_mA > 0, amplitude_mA, frequency_Hz, pulseWidth_us });
const kinds = (t: { events: readonly { kind: string }[] }) => t.events.map((e) => e.kind);

describe('SafetyGovernor examples', () => {
  it('its limits are a frozen copy: changing the config object afterwards changes nothing', () => {
    const limits = limitsSchema.parse(base);
    const g = new SafetyGovernor(limits);
    (limits.amplitude_mA as { max: number }).max = 100;
    expect(g.limits.amplitude_mA.max).toBe(5);
    expect(() => {
      (g.limits.amplitude_mA as { max: number }).max = 100;
    }).toThrow();
  });

  it('clamps and reports; charge per phase follows the tighter of density and Shannon', () => {
    const g = new SafetyGovernor(limitsSchema.parse({ ...base, rampUp_mA_per_s: 1000, pulseWidth_us: { min: 20, max: 450 } }));
    g.tick(0, req(0), true);
    const t1 = g.tick(1, req(9), true);
    expect(t1.applied.amplitude_mA).toBe(5);
    expect(kinds(t1)).toEqual(['clamp']);
    // 0.06 cm2: density 30 -> 1.8 uC, Shannon k 1.75 -> sqrt(56.2 * 0.06) = 1.836 uC; 1.8 uC at 450 us = 4 mA.
    expect(maxChargePerPhase_uC(0.06, 30, 1.75)).toBeCloseTo(1.8, 12);
    const t2 = g.tick(2, req(5, 450), true);
    expect(kinds(t2)).toEqual(['charge-limit']);
    expect(t2.applied.amplitude_mA).toBeCloseTo(4, 12);
  });

  it('a wider pulse waits until the ramp has brought the amplitude within the charge limit', () => {
    const g = new SafetyGovernor(limitsSchema.parse({ ...base, rampDown_mA_per_s: 1 }));
    g.tick(0, req(0), true);
    g.tick(1, req(5, 60), true); // 5 mA at 60 us: 0.3 uC
    const t = g.tick(1.5, req(5, 450), true); // allowed at 450 us: 4 mA; ramp down 1 mA/s
    expect(t.applied.amplitude_mA).toBeCloseTo(4.5, 12);
    expect(t.applied.pulseWidth_us).toBe(60);
    const later = g.tick(3, req(5, 450), true);
    expect(later.applied.amplitude_mA).toBeCloseTo(4, 12);
    expect(later.applied.pulseWidth_us).toBe(450);
  });

  it('the dose budget ramps to off when spent and stays latched through a reset', () => {
    const g = new SafetyGovernor(limitsSchema.parse({ ...base, dose: { maxOnTime_s: 2 } }));
    g.tick(0, req(0), true);
    g.tick(0.5, req(5), true); // 5 mA from 0.5 s
    expect(kinds(g.tick(2.4, req(5), true))).toEqual([]); // 1.9 s on
    const spent = g.tick(2.6, req(5), true); // 2.1 s on: spent
    expect(kinds(spent)).toEqual(['dose-exhausted']);
    expect(spent.applied.amplitude_mA).toBeCloseTo(3, 12); // ramping down at 10 mA/s, not cut
    expect(g.tick(3.0, req(5), true).applied.amplitude_mA).toBe(0);
    g.reset(3.3, 'test');
    expect(g.latched).toBe('dose');
    expect(g.tick(4, req(5), true).applied.amplitude_mA).toBe(0);
  });

  it('more than maxEvents limit events within window_s lock out until reset, then ramp up again', () => {
    const g = new SafetyGovernor(limitsSchema.parse({ ...base, lockout: { maxEvents: 3, window_s: 1 } }));
    g.tick(0, req(1), true);
    g.tick(0.1, req(9), true);
    g.tick(0.2, req(9), true);
    g.tick(0.3, req(9), true);
    const locked = g.tick(0.4, req(9), true);
    expect(kinds(locked)).toEqual(['clamp', 'lockout']);
    expect(locked.applied.amplitude_mA).toBe(0);
    expect(g.tick(5, req(1), true).applied.amplitude_mA).toBe(0);
    expect(kinds(g.reset(5.1, 'operator'))).toEqual(['reset']);
    expect(g.tick(5.2, req(3), true).applied.amplitude_mA).toBeCloseTo(1, 12);
  });

  it('the watchdog falls back to a fixed amplitude and recovers when frames are valid again', () => {
    const g = new SafetyGovernor(limitsSchema.parse({ ...base, fallback: { mode: 'fixed', amplitude_mA: 1, frequency_Hz: 130, pulseWidth_us: 60 } }));
    g.tick(0, req(3), true);
    g.tick(0.5, req(3), true);
    expect(g.tick(1.4, req(3), false).applied.amplitude_mA).toBe(3);
    const fb = g.tick(1.5, req(3), false);
    expect(kinds(fb)).toEqual(['watchdog-fallback']);
    expect(fb.applied.amplitude_mA).toBeCloseTo(2, 12); // ramping toward the fallback at 10 mA/s
    expect(kinds(g.tick(1.6, req(3), true))).toEqual(['watchdog-recovered']);
  });
});
