import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type LimitsConfig, limitsSchema } from '../../config/limitsSchema.js';
import { SafetyGovernor } from '../../controller/safetyGovernor.js';

/**
 * The safety governor's per-modality limits (docs/modalities-currents.md) against random
 * limits and random request sequences: no applied output breaks a VNS on-period or
 * off-period bound, a tDCS/tACS duration, charge or ramp bound. Ticks come at a steady
 * interval, as the session's frames do (the bounds plan each output to hold one interval);
 * e-stops and resets come at tick times, as commands do. At least 10,000 runs each.
 */
const RUNS = Number(process.env.RUNS ?? 10_000);
const SLACK = 1e-9;

/** A failed check (cheaper than expect() inside loops of thousands of ticks). */
function check(ok: boolean, what: () => string): void {
  if (!ok) throw new Error(what());
}

/** Uniform on [min, max] in steps of 1/10000 of the range (fc.double favours values near 0). */
const uniform = (min: number, max: number): fc.Arbitrary<number> => fc.integer({ min: 0, max: 10_000 }).map((i) => min + ((max - min) * i) / 10_000);

/**
 * Requests in runs, as a policy makes them: a level (on the scale of the amplitude limit,
 * sometimes above it, sometimes off, sometimes malformed) held for a number of ticks on the
 * scale of the limits' periods, so that on-periods reach maxOn_s, requests come within
 * minOff_s, and budgets run out; an e-stop or a reset after some runs.
 */
interface Run {
  readonly ticks: number;
  readonly level: number;
  readonly enabled: boolean;
  readonly frequency_Hz: number;
  readonly stale: boolean;
  readonly after: 'none' | 'estop' | 'reset';
}
const runsArb = (maxTicks: number): fc.Arbitrary<Run[]> =>
  fc.array(
    fc.record({
      ticks: fc.integer({ min: 1, max: Math.max(1, Math.round(maxTicks)) }),
      level: fc.oneof({ weight: 8, arbitrary: uniform(0, 1.3) }, { weight: 1, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(Number.NaN, -1, Number.POSITIVE_INFINITY) }),
      enabled: fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      frequency_Hz: fc.oneof(uniform(0, 60), fc.constant(10)),
      stale: fc.oneof({ weight: 12, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      after: fc.oneof({ weight: 12, arbitrary: fc.constant('none' as const) }, { weight: 1, arbitrary: fc.constant('estop' as const) }, { weight: 1, arbitrary: fc.constant('reset' as const) }),
    }),
    { minLength: 1, maxLength: 8 },
  );

interface Decision {
  readonly t_s: number;
  readonly amplitude_mA: number;
  readonly frequency_Hz: number;
  readonly pulseWidth_us: number;
  /** Cut to 0 at once: an e-stop, a lockout, or a latched e-stop or lockout (allowed to skip the ramp). */
  readonly cut: boolean;
  readonly kinds: readonly string[];
  readonly reasons: readonly string[];
  readonly latched: string | null;
}

/** Drives a governor; the output decided at each tick (after an e-stop at that time, if any) holds until the next. */
function play(limits: LimitsConfig, hold_s: number, runs: readonly Run[]): { g: SafetyGovernor; decisions: Decision[] } {
  const g = new SafetyGovernor(limits);
  const decisions: Decision[] = [];
  let k = 0;
  for (const run of runs) {
    for (let i = 0; i < run.ticks; i++) {
      const t = k++ * hold_s;
      const latchedBefore = g.latched;
      const r = g.tick(t, { enabled: run.enabled, amplitude_mA: run.level * limits.amplitude_mA.max, frequency_Hz: run.frequency_Hz, pulseWidth_us: 250 }, !run.stale);
      const kinds = r.events.map((e) => e.kind);
      const cut = latchedBefore === 'estop' || latchedBefore === 'lockout' || kinds.includes('lockout');
      decisions.push({ t_s: t, ...r.applied, cut, kinds, reasons: r.events.map((e) => e.reason), latched: g.latched });
    }
    const t = (k - 1) * hold_s;
    if (run.after === 'estop') {
      const r = g.estop(t, 'test');
      const last = decisions[decisions.length - 1];
      decisions[decisions.length - 1] = { ...last, ...r.applied, cut: true, kinds: [...last.kinds, 'estop'], latched: g.latched };
    } else if (run.after === 'reset') {
      g.reset(t, 'test');
    }
  }
  return { g, decisions };
}

// ---------------------------------------------------------------------------------------------
// VNS

interface VnsScenario {
  limits: LimitsConfig;
  hold_s: number;
  runs: readonly Run[];
}

const vnsScenario: fc.Arbitrary<VnsScenario> = fc
  .record({
    hold_s: uniform(0.01, 0.5),
    max: uniform(0.25, 3.5),
    up: uniform(0.05, 10),
    down: uniform(0.05, 10),
    onTicks: uniform(0.5, 25),
    offTicks: uniform(0.5, 40),
    maxEvents: fc.integer({ min: 5, max: 1000 }),
    fixed: fc.option(uniform(0, 1)),
  })
  .chain((r) => {
    const limits = limitsSchema.parse({
      amplitude_mA: { max: r.max },
      frequency_Hz: { min: 20, max: 30 },
      pulseWidth_us: { min: 250, max: 500 },
      maxChargeDensity_uC_cm2: 1000,
      rampUp_mA_per_s: r.up,
      rampDown_mA_per_s: r.down,
      staleAfter_ms: 3 * r.hold_s * 1000,
      fallback: r.fixed === null ? { mode: 'off' } : { mode: 'fixed', amplitude_mA: r.fixed * r.max, frequency_Hz: 30, pulseWidth_us: 250 },
      lockout: { maxEvents: r.maxEvents, window_s: 10 },
      vns: { maxOn_s: r.onTicks * r.hold_s, minOff_s: r.offTicks * r.hold_s },
    });
    return runsArb(1.5 * Math.max(r.onTicks, r.offTicks)).map((runs) => ({ limits, hold_s: r.hold_s, runs }));
  });

/** The on-runs of the decisions: [first index above 0 mA, first index back at 0 mA or the end). */
function onRuns(decisions: readonly Decision[]): { start: number; end: number }[] {
  const runs: { start: number; end: number }[] = [];
  let start = -1;
  decisions.forEach((d, i) => {
    if (d.amplitude_mA > 0 && start < 0) start = i;
    if (!(d.amplitude_mA > 0) && start >= 0) {
      runs.push({ start, end: i });
      start = -1;
    }
  });
  if (start >= 0) runs.push({ start, end: decisions.length });
  return runs;
}

describe('SafetyGovernor, VNS duty cycle (limits.vns), fast-check 10,000 runs each', () => {
  it('an on-period, ramps included, never outlasts maxOn_s: every output above 0 mA, held one tick, ends by then', () => {
    fc.assert(
      fc.property(vnsScenario, ({ limits, hold_s, runs }) => {
        const { decisions } = play(limits, hold_s, runs);
        const maxOn_s = limits.vns!.maxOn_s;
        for (const run of onRuns(decisions)) {
          for (let i = run.start; i < run.end; i++) {
            const on_s = decisions[i].t_s - decisions[run.start].t_s + hold_s;
            check(on_s <= maxOn_s * (1 + SLACK) + 1e-12, () => `on at ${decisions[i].t_s} s: the on-period from ${decisions[run.start].t_s} s lasts ${on_s} s with this output held, over maxOn_s ${maxOn_s}`);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('an off-period between two on-periods lasts at least minOff_s; each duty-cycle event names its limit', () => {
    fc.assert(
      fc.property(vnsScenario, ({ limits, hold_s, runs }) => {
        const { decisions } = play(limits, hold_s, runs);
        const minOff_s = limits.vns!.minOff_s;
        const on = onRuns(decisions);
        for (let j = 1; j < on.length; j++) {
          const offStart = decisions[on[j - 1].end].t_s;
          const off_s = decisions[on[j].start].t_s - offStart;
          check(off_s >= minOff_s * (1 - SLACK), () => `off from ${offStart} s to ${decisions[on[j].start].t_s} s: ${off_s} s, under minOff_s ${minOff_s}`);
        }
        for (const d of decisions) {
          d.kinds.forEach((kind, i) => {
            if (kind === 'duty-cycle') check(/limits\.vns\.(minOff_s|maxOn_s)/.test(d.reasons[i]), () => `duty-cycle event without its limit: ${d.reasons[i]}`);
          });
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('the amplitude stays in [0, max], moves no faster than the ramps (except a cut to 0), and pulses stay in their ranges', () => {
    fc.assert(
      fc.property(vnsScenario, ({ limits, hold_s, runs }) => {
        const { decisions } = play(limits, hold_s, runs);
        let prev = 0;
        for (const d of decisions) {
          check(d.amplitude_mA >= 0 && d.amplitude_mA <= limits.amplitude_mA.max, () => `amplitude ${d.amplitude_mA} at ${d.t_s} s`);
          check(d.frequency_Hz >= 20 && d.frequency_Hz <= 30 && d.pulseWidth_us >= 250 && d.pulseWidth_us <= 500, () => `pulses ${d.frequency_Hz} Hz ${d.pulseWidth_us} us at ${d.t_s} s`);
          const delta = d.amplitude_mA - prev;
          if (!(d.cut && d.amplitude_mA === 0)) {
            check(delta <= limits.rampUp_mA_per_s * hold_s * (1 + SLACK) + 1e-12, () => `up ${delta} mA in ${hold_s} s at ${d.t_s} s`);
            check(-delta <= limits.rampDown_mA_per_s * hold_s * (1 + SLACK) + 1e-12, () => `down ${-delta} mA in ${hold_s} s at ${d.t_s} s`);
          }
          prev = d.amplitude_mA;
        }
      }),
      { numRuns: RUNS },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// tDCS and tACS

interface CurrentScenario extends VnsScenario {
  readonly sine: boolean;
}

const currentScenario: fc.Arbitrary<CurrentScenario> = fc
  .record({
    sine: fc.boolean(),
    hold_s: uniform(0.01, 0.5),
    max: uniform(0.1, 4),
    up: uniform(0.01, 10),
    down: uniform(0.01, 10),
    durationTicks: uniform(0.5, 60),
    chargeShare: uniform(0.01, 1.2),
    rampTicks: uniform(0.5, 40),
    maxEvents: fc.integer({ min: 5, max: 1000 }),
    fixed: fc.option(uniform(0, 1)),
  })
  .chain((r) => {
    const maxDuration_s = r.durationTicks * r.hold_s;
    const limits = limitsSchema.parse({
      amplitude_mA: { max: r.max },
      rampUp_mA_per_s: r.up,
      rampDown_mA_per_s: r.down,
      staleAfter_ms: 3 * r.hold_s * 1000,
      fallback: r.fixed === null ? { mode: 'off' } : { mode: 'fixed', amplitude_mA: r.fixed * r.max, frequency_Hz: 10, pulseWidth_us: 60 },
      lockout: { maxEvents: r.maxEvents, window_s: 10 },
      current: {
        maxDuration_s,
        // On the scale of what the duration allows at full amplitude, so either can bind.
        maxCharge_mC: r.chargeShare * r.max * maxDuration_s,
        minRamp_s: r.rampTicks * r.hold_s,
        ...(r.sine ? { frequency_Hz: { min: 8, max: 13 } } : {}),
      },
    });
    return runsArb(1.5 * Math.max(r.durationTicks, r.rampTicks)).map((runs) => ({ limits, hold_s: r.hold_s, runs, sine: r.sine }));
  });

describe('SafetyGovernor, tDCS and tACS (limits.current), fast-check 10,000 runs each', () => {
  it('time with current on and charge (|I| dt; (2/pi) I_peak dt for a sine) stay within the budget, each output held one tick included; the dose says the same', () => {
    fc.assert(
      fc.property(currentScenario, ({ limits, hold_s, runs, sine }) => {
        const { g, decisions } = play(limits, hold_s, runs);
        const c = limits.current!;
        const weight = sine ? 2 / Math.PI : 1;
        let on_s = 0;
        let charge_mC = 0;
        decisions.forEach((d, i) => {
          if (i > 0) {
            const before = decisions[i - 1];
            const dt = d.t_s - before.t_s;
            if (before.amplitude_mA > 0) {
              on_s += dt;
              charge_mC += weight * before.amplitude_mA * dt;
            }
          }
          const held = d.amplitude_mA > 0 ? hold_s : 0;
          check(on_s + held <= c.maxDuration_s * (1 + SLACK) + 1e-12, () => `at ${d.t_s} s: ${on_s} s on + ${held} s held, over maxDuration_s ${c.maxDuration_s}`);
          const q = charge_mC + weight * d.amplitude_mA * held;
          check(q <= c.maxCharge_mC * (1 + SLACK) + 1e-12, () => `at ${d.t_s} s: ${q} mC with this output held, over maxCharge_mC ${c.maxCharge_mC}`);
        });
        expect(g.dose.onTime_s).toBeCloseTo(on_s, 9);
        expect(Math.abs(g.dose.charge_mC - charge_mC)).toBeLessThanOrEqual(1e-9 * Math.max(1, charge_mC));
        expect(g.dose.pulses).toBe(0);
        expect(g.dose.modality).toBe(sine ? 'tacs' : 'tdcs');
      }),
      { numRuns: RUNS },
    );
  });

  it('the amplitude moves at most amplitude_mA.max / minRamp_s per second (and the ramps), except a cut to 0; a sine stays in its frequency range, a direct current has none', () => {
    fc.assert(
      fc.property(currentScenario, ({ limits, hold_s, runs, sine }) => {
        const { decisions } = play(limits, hold_s, runs);
        const slew = limits.amplitude_mA.max / limits.current!.minRamp_s;
        let prev = 0;
        for (const d of decisions) {
          check(d.amplitude_mA >= 0 && d.amplitude_mA <= limits.amplitude_mA.max, () => `amplitude ${d.amplitude_mA} at ${d.t_s} s`);
          check(d.pulseWidth_us === 0 && (sine ? d.frequency_Hz >= 8 && d.frequency_Hz <= 13 : d.frequency_Hz === 0), () => `${d.frequency_Hz} Hz ${d.pulseWidth_us} us at ${d.t_s} s`);
          const delta = d.amplitude_mA - prev;
          if (!(d.cut && d.amplitude_mA === 0)) {
            check(delta <= Math.min(slew, limits.rampUp_mA_per_s) * hold_s * (1 + SLACK) + 1e-12, () => `up ${delta} mA in ${hold_s} s at ${d.t_s} s`);
            check(-delta <= Math.min(slew, limits.rampDown_mA_per_s) * hold_s * (1 + SLACK) + 1e-12, () => `down ${-delta} mA in ${hold_s} s at ${d.t_s} s`);
          }
          prev = d.amplitude_mA;
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('a spent budget latches (dose): from its event on the output only ramps down, and no reset clears it', () => {
    fc.assert(
      fc.property(currentScenario, ({ limits, hold_s, runs }) => {
        const { decisions } = play(limits, hold_s, runs);
        const spent = decisions.findIndex((d) => d.kinds.includes('dose-exhausted'));
        if (spent < 0) return;
        for (let i = spent + 1; i < decisions.length; i++) {
          check(decisions[i].amplitude_mA <= decisions[i - 1].amplitude_mA, () => `rose after the budget was spent, at ${decisions[i].t_s} s`);
          check(decisions[i].latched === 'dose' || decisions[i].latched === 'estop' || decisions[i].latched === 'lockout', () => `not latched at ${decisions[i].t_s} s`);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
