import { describe, expect, it } from 'vitest';
import { limitsSchema } from '../../config/limitsSchema.js';
import { modalityOfLimits, rampDownWithin, rampDownWithinCharge, SafetyGovernor } from '../../controller/safetyGovernor.js';

const req = (amplitude_mA: number, frequency_Hz = 30, pulseWidth_us = 250) => ({ enabled: amplitude_mA > 0, amplitude_mA, frequency_Hz, pulseWidth_us });
const kinds = (t: { events: readonly { kind: string }[] }) => t.events.map((e) => e.kind);

const VNS = { amplitude_mA: { max: 3.5 }, frequency_Hz: { min: 20, max: 30 }, pulseWidth_us: { min: 250, max: 500 }, rampUp_mA_per_s: 1, rampDown_mA_per_s: 1, vns: { maxOn_s: 10, minOff_s: 20 } };
const TDCS = { amplitude_mA: { max: 2 }, rampUp_mA_per_s: 10, rampDown_mA_per_s: 10, current: { maxDuration_s: 60, maxCharge_mC: 1000, minRamp_s: 10 } };
const TACS = { ...TDCS, amplitude_mA: { max: 1 }, current: { ...TDCS.current, frequency_Hz: { min: 8, max: 13 } } };

/** Ticks every 100 ms from `from_s` to before `to_s` with a constant request; returns every tick. */
function drive(g: SafetyGovernor, from_s: number, to_s: number, request: unknown) {
  const ticks = [];
  for (let k = Math.round(from_s * 10); k < Math.round(to_s * 10); k++) ticks.push({ t_s: k / 10, ...g.tick(k / 10, request, true) });
  return ticks;
}

describe('SafetyGovernor per modality: which rules, from the limits', () => {
  it('the limits tell the modality; a stimulator.modality they do not fit is refused', () => {
    expect(modalityOfLimits(limitsSchema.parse({}))).toBe('dbs');
    expect(modalityOfLimits(limitsSchema.parse(VNS))).toBe('vns');
    expect(modalityOfLimits(limitsSchema.parse(TDCS))).toBe('tdcs');
    expect(modalityOfLimits(limitsSchema.parse(TACS))).toBe('tacs');
    expect(new SafetyGovernor(limitsSchema.parse({}), 'tms').modality).toBe('tms');
    expect(() => new SafetyGovernor(limitsSchema.parse(TDCS), 'tacs')).toThrow(/stimulator\.modality tacs does not fit the limits, which are for tdcs/);
    expect(() => new SafetyGovernor(limitsSchema.parse({}), 'vns')).toThrow(/does not fit/);
  });

  it('a dbs dose is what it always was (no modality fields); the others say their modality', () => {
    expect(new SafetyGovernor(limitsSchema.parse({})).dose).toEqual({ onTime_s: 0, charge_mC: 0, pulses: 0 });
    expect(new SafetyGovernor(limitsSchema.parse(VNS)).dose).toEqual({ onTime_s: 0, charge_mC: 0, pulses: 0, modality: 'vns', onPeriods: 0, longestOn_s: 0 });
    expect(new SafetyGovernor(limitsSchema.parse(TACS)).dose.modality).toBe('tacs');
  });

  it('the ramp-down bounds: n levels held h each; the charge of the staircase matches a brute-force sum', () => {
    expect(rampDownWithin(1, 0.1, 2)).toBeCloseTo(2, 12); // 10 levels of 0.2 mA
    expect(rampDownWithin(1.05, 0.1, 2)).toBeCloseTo(2, 12);
    expect(rampDownWithin(0.05, 0.1, 2)).toBe(0);
    expect(rampDownWithin(3, 0, 2)).toBe(6);
    for (const [left, h, r] of [[1, 0.1, 2], [0.37, 0.05, 0.3], [12.5, 0.2, 0.0667], [1e-4, 0.1, 1]] as const) {
      const a = rampDownWithinCharge(left, h, r);
      let q = 0;
      for (let level = a; level > 1e-12; level -= r * h) q += level * h;
      expect(q).toBeCloseTo(left, 9);
    }
  });
});

describe('SafetyGovernor, VNS (limits.vns)', () => {
  it('an on-period ramps off to be at 0 mA by maxOn_s (ramps included), reported once; then a request to turn on is refused for minOff_s, reported once per run', () => {
    const g = new SafetyGovernor(limitsSchema.parse(VNS));
    const on = drive(g, 0, 10.2, req(2));
    const first = on.findIndex((t) => t.applied.amplitude_mA > 0);
    const last = on.findLastIndex((t) => t.applied.amplitude_mA > 0);
    expect(on[first].t_s).toBeCloseTo(0.1, 12);
    // Held to the next tick, the last output above 0 mA ends at 10.1 s: 10 s after 0.1 s.
    expect(on[last].t_s + 0.1 - on[first].t_s).toBeCloseTo(10, 9);
    expect(on[last].applied.amplitude_mA).toBeCloseTo(0.1, 9); // the last level of a 1 mA/s ramp
    // Full amplitude (2 mA at 1 mA/s from 0.1 s) until the ramp down must start: 2 s before the end.
    expect(on.find((t) => Math.abs(t.t_s - 8) < 1e-9)!.applied.amplitude_mA).toBeCloseTo(2, 9);
    const cuts = on.flatMap((t) => t.events.filter((e) => e.kind === 'duty-cycle'));
    expect(cuts).toHaveLength(1);
    expect(cuts[0].reason).toMatch(/limits\.vns\.maxOn_s 10 s \(ramps included\): ramping off/);
    // Off since 10.1 s: refused (one event) until 30.1 s.
    const refused = drive(g, 10.2, 30.1, req(2));
    expect(refused.every((t) => t.applied.amplitude_mA === 0)).toBe(true);
    expect(refused.flatMap(kinds)).toEqual(['duty-cycle']);
    expect(refused[0].events[0].reason).toMatch(/on refused: off 0\.10 s since the on-period ended at 10\.10 s, under limits\.vns\.minOff_s \(20 s\)/);
    const again = drive(g, 30.1, 31, req(2));
    expect(again[0].applied.amplitude_mA).toBeGreaterThan(0);
    expect(g.dose).toMatchObject({ modality: 'vns', onPeriods: 2 });
    expect(g.dose.longestOn_s).toBeCloseTo(10, 9);
  });

  it('a request that stops asking and asks again within minOff_s is refused again, with a new event; an e-stop starts an off-period too', () => {
    const g = new SafetyGovernor(limitsSchema.parse(VNS));
    drive(g, 0, 3, req(1));
    g.estop(3, 'test'); // off from 3 s
    g.reset(3, 'test');
    const a = drive(g, 3.1, 5, req(1));
    const b = drive(g, 5, 6, req(0));
    const c = drive(g, 6, 7, req(1));
    expect([...a, ...b, ...c].every((t) => t.applied.amplitude_mA === 0)).toBe(true);
    expect(a.flatMap(kinds)).toEqual(['duty-cycle']);
    expect(b.flatMap(kinds)).toEqual([]);
    expect(c.flatMap(kinds)).toEqual(['duty-cycle']);
    expect(drive(g, 23, 23.2, req(1))[1].applied.amplitude_mA).toBeGreaterThan(0);
  });
});

describe('SafetyGovernor, tDCS and tACS (limits.current)', () => {
  it('tDCS: no pulses (0 Hz, 0 us, no charge-per-phase limit); the ramp no faster than max / minRamp_s; charge is I x t', () => {
    const g = new SafetyGovernor(limitsSchema.parse(TDCS));
    const ticks = drive(g, 0, 20, req(2, 130, 60));
    expect(ticks.flatMap(kinds)).toEqual([]);
    expect(ticks.every((t) => t.applied.frequency_Hz === 0 && t.applied.pulseWidth_us === 0)).toBe(true);
    // 2 mA / 10 s = 0.2 mA/s, although rampUp_mA_per_s is 10.
    expect(ticks[50].applied.amplitude_mA).toBeCloseTo(1, 9);
    expect(ticks[150].applied.amplitude_mA).toBe(2);
    // Charge to 20 s (held levels): the ramp 0.02 x (1 + ... + 99) x 0.1 + 2 mA x (19.9 - 10) s.
    expect(g.dose.charge_mC).toBeCloseTo(0.002 * ((99 * 100) / 2) + 2 * 9.9, 9);
    expect(g.dose).toMatchObject({ modality: 'tdcs', pulses: 0 });
  });

  it('tDCS: the duration budget (ramps included) ramps off in time and latches; a reset does not clear it', () => {
    const g = new SafetyGovernor(limitsSchema.parse(TDCS));
    const ticks = drive(g, 0, 80, req(2));
    const spent = ticks.findIndex((t) => t.events.some((e) => e.kind === 'dose-exhausted'));
    expect(ticks[spent].events[0].reason).toMatch(/^limits\.current\.maxDuration_s \(60 s, ramps included; on 50\.1 s so far\): what is left allows only the ramp down from 2 mA: ramping off, latched$/);
    expect(g.latched).toBe('dose');
    // Ramped down at 0.2 mA/s: off 10 s later, by 60 s of current.
    expect(g.dose.onTime_s).toBeLessThanOrEqual(60 + 1e-9);
    expect(g.dose.onTime_s).toBeGreaterThan(59.5);
    for (let i = spent + 1; i < ticks.length; i++) expect(ticks[i - 1].applied.amplitude_mA - ticks[i].applied.amplitude_mA).toBeLessThanOrEqual(0.02 + 1e-12);
    g.estop(80, 'test');
    g.reset(80, 'test');
    expect(drive(g, 80.1, 85, req(2)).every((t) => t.applied.amplitude_mA === 0)).toBe(true);
    expect(g.latched).toBe('dose');
  });

  it('tACS: the sine stays in its frequency range (clamped and reported) and its charge is (2/pi) x I_peak x t, within maxCharge_mC', () => {
    const g = new SafetyGovernor(limitsSchema.parse({ ...TACS, current: { ...TACS.current, maxCharge_mC: 10 } }));
    const ticks = drive(g, 0, 40, req(1, 10, 60));
    expect(ticks.every((t) => t.applied.frequency_Hz === 10 && t.applied.pulseWidth_us === 0)).toBe(true);
    expect(g.tick(40, req(1, 40), true).applied.frequency_Hz).toBe(13);
    const spent = ticks.flatMap((t) => t.events).find((e) => e.kind === 'dose-exhausted');
    expect(spent?.reason).toMatch(/^limits\.current\.maxCharge_mC \(10 mC, \(2\/pi\) x I_peak x t; \d+\.\d mC so far\)/);
    expect(g.dose.charge_mC).toBeLessThanOrEqual(10 + 1e-9);
    expect(g.dose.charge_mC).toBeGreaterThan(9.9);
    // The charge is the held levels x 2/pi.
    let q = 0;
    for (let i = 1; i < ticks.length; i++) q += ticks[i - 1].applied.amplitude_mA * 0.1 * (2 / Math.PI);
    expect(g.dose.charge_mC).toBeCloseTo(q + ticks.at(-1)!.applied.amplitude_mA * 0.1 * (2 / Math.PI), 9);
  });
});
