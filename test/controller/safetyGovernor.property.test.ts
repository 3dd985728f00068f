import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { limitsSchema, type LimitsConfig } from '../../config/limitsSchema.js';
import { chargePerPhase_uC } from '../../controller/chargeLimit.js';
import { SafetyGovernor, type GovernorTick } from '../../controller/safetyGovernor.js';

/** At least 10,000 runs per property, as the closed-loop issue asks. */
const RUNS = 10_000;

const nasty = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: -20, max: 20, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 1e300, -1e300, Number.MAX_VALUE, Number.MIN_VALUE) },
  { weight: 1, arbitrary: fc.double({ noNaN: false }) },
);
const request = fc.oneof(
  { weight: 8, arbitrary: fc.record({ enabled: fc.boolean(), amplitude_mA: nasty, frequency_Hz: fc.oneof(nasty, fc.double({ min: 0, max: 1000, noNaN: true })), pulseWidth_us: fc.oneof(nasty, fc.double({ min: 0, max: 1000, noNaN: true })) }) },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined, 42, 'on', {}, { enabled: 'yes', amplitude_mA: 1, frequency_Hz: 130, pulseWidth_us: 60 }) },
);
const action = fc.oneof(
  { weight: 20, arbitrary: fc.record({ type: fc.constant('tick' as const), dt_s: fc.oneof(fc.double({ min: 0, max: 0.2, noNaN: true }), fc.double({ min: 0, max: 5, noNaN: true }), fc.constant(0)), request, fresh: fc.boolean(), throws: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('estop' as const), dt_s: fc.double({ min: 0, max: 0.5, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('reset' as const), dt_s: fc.double({ min: 0, max: 0.5, noNaN: true }) }) },
);
const limits = fc
  .record({
    max: fc.double({ min: 0, max: 12, noNaN: true }),
    fmin: fc.double({ min: 1, max: 100, noNaN: true }),
    fspan: fc.double({ min: 0, max: 300, noNaN: true }),
    pwmin: fc.double({ min: 10, max: 200, noNaN: true }),
    pwspan: fc.double({ min: 0, max: 800, noNaN: true }),
    area: fc.double({ min: 0.001, max: 0.5, noNaN: true }),
    density: fc.double({ min: 1, max: 60, noNaN: true }),
    k: fc.double({ min: 1, max: 2.5, noNaN: true }),
    up: fc.double({ min: 0.01, max: 50, noNaN: true }),
    down: fc.double({ min: 0.01, max: 50, noNaN: true }),
    stale: fc.double({ min: 10, max: 3000, noNaN: true }),
    fixed: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
    maxEvents: fc.integer({ min: 1, max: 50 }),
    window: fc.double({ min: 0.1, max: 30, noNaN: true }),
    maxOnTime: fc.option(fc.double({ min: 0.1, max: 20, noNaN: true })),
  })
  .map((r): LimitsConfig =>
    limitsSchema.parse({
      amplitude_mA: { max: r.max },
      frequency_Hz: { min: r.fmin, max: r.fmin + r.fspan },
      pulseWidth_us: { min: r.pwmin, max: r.pwmin + r.pwspan },
      electrodeArea_cm2: r.area,
      maxChargeDensity_uC_cm2: r.density,
      shannonK: r.k,
      rampUp_mA_per_s: r.up,
      rampDown_mA_per_s: r.down,
      staleAfter_ms: r.stale,
      fallback: r.fixed === null ? { mode: 'off' } : { mode: 'fixed', amplitude_mA: r.fixed * r.max, frequency_Hz: r.fmin, pulseWidth_us: r.pwmin },
      lockout: { maxEvents: r.maxEvents, window_s: r.window },
      dose: r.maxOnTime === null ? {} : { maxOnTime_s: r.maxOnTime },
    }),
  );
const scenario = fc.record({ limits, actions: fc.array(action, { minLength: 1, maxLength: 60 }) });

type Action = typeof action extends fc.Arbitrary<infer A> ? A : never;
interface Step {
  action: Action;
  t_s: number;
  before: GovernorTick['applied'];
  result: GovernorTick;
  latchedBefore: string | null;
  fallbackAfter: boolean;
}

/** Runs a scenario, returning every step with what was applied before and after. */
function play(l: LimitsConfig, actions: Action[]): Step[] {
  const g = new SafetyGovernor(l);
  let t = 0;
  const steps: Step[] = [];
  for (const a of actions) {
    t += a.dt_s;
    const before = g.applied;
    const latchedBefore = g.latched;
    let result: GovernorTick;
    if (a.type === 'estop') result = g.estop(t, 'test');
    else if (a.type === 'reset') result = g.reset(t, 'test');
    else result = g.tick(t, a.request, a.fresh, a.throws && a.request === null ? 'threw' : undefined);
    steps.push({ action: a, t_s: t, before, result, latchedBefore, fallbackAfter: g.fallbackActive });
  }
  return steps;
}

const dtOf = (steps: Step[], i: number): number => steps[i].t_s - (i === 0 ? steps[0].t_s : steps[i - 1].t_s);

describe('SafetyGovernor properties (fast-check, 10,000 runs each)', () => {
  it('amplitude, frequency and pulse width never leave their hard ranges, and off means 0 mA', () => {
    fc.assert(
      fc.property(scenario, ({ limits: l, actions }) => {
        for (const { result } of play(l, actions)) {
          const a = result.applied;
          expect(Number.isFinite(a.amplitude_mA) && a.amplitude_mA >= 0 && a.amplitude_mA <= l.amplitude_mA.max).toBe(true);
          expect(a.frequency_Hz >= l.frequency_Hz.min && a.frequency_Hz <= l.frequency_Hz.max).toBe(true);
          expect(a.pulseWidth_us >= l.pulseWidth_us.min && a.pulseWidth_us <= l.pulseWidth_us.max).toBe(true);
          expect(a.enabled).toBe(a.amplitude_mA > 0);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('the amplitude never moves faster than the ramp allows, except an e-stop or lockout cutting to zero', () => {
    fc.assert(
      fc.property(scenario, ({ limits: l, actions }) => {
        const steps = play(l, actions);
        steps.forEach((s, i) => {
          const delta = s.result.applied.amplitude_mA - s.before.amplitude_mA;
          const dt = dtOf(steps, i);
          const cut = s.result.applied.amplitude_mA === 0 && (s.action.type === 'estop' || s.result.events.some((e) => e.kind === 'lockout') || s.latchedBefore === 'estop' || s.latchedBefore === 'lockout');
          if (cut) return;
          expect(delta).toBeLessThanOrEqual(l.rampUp_mA_per_s * dt * (1 + 1e-12) + 1e-12);
          expect(-delta).toBeLessThanOrEqual(l.rampDown_mA_per_s * dt * (1 + 1e-12) + 1e-12);
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('charge density and the Shannon criterion hold for every applied output', () => {
    fc.assert(
      fc.property(scenario, ({ limits: l, actions }) => {
        for (const { result } of play(l, actions)) {
          const a = result.applied;
          if (a.amplitude_mA === 0) continue;
          const q = chargePerPhase_uC(a.amplitude_mA, a.pulseWidth_us);
          const d = q / l.electrodeArea_cm2;
          expect(d).toBeLessThanOrEqual(l.maxChargeDensity_uC_cm2 * (1 + 1e-9));
          expect(Math.log10(d)).toBeLessThanOrEqual(l.shannonK - Math.log10(q) + 1e-9);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('an e-stop or lockout latch holds (output off) until reset', () => {
    fc.assert(
      fc.property(scenario, ({ limits: l, actions }) => {
        for (const s of play(l, actions)) {
          const latchedNow = s.action.type === 'estop' || s.result.events.some((e) => e.kind === 'lockout');
          const stillLatched = (s.latchedBefore === 'estop' || s.latchedBefore === 'lockout') && s.action.type !== 'reset';
          if (latchedNow || stillLatched) {
            expect(s.result.applied.amplitude_mA).toBe(0);
            expect(s.result.applied.enabled).toBe(false);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('the watchdog falls back on the first tick at or after staleAfter_ms without a fresh frame', () => {
    fc.assert(
      fc.property(scenario, ({ limits: l, actions }) => {
        const g = new SafetyGovernor(l);
        let t = 0;
        let lastFresh = Number.NaN;
        let prevAmplitude = 0;
        for (const a of actions) {
          t += a.dt_s;
          if (a.type !== 'tick') {
            if (a.type === 'estop') g.estop(t, 'test');
            else g.reset(t, 'test');
            prevAmplitude = g.applied.amplitude_mA;
            continue;
          }
          if (Number.isNaN(lastFresh)) lastFresh = t;
          const r = g.tick(t, a.request, a.fresh);
          if (a.fresh) lastFresh = t;
          const stale = (t - lastFresh) * 1000 >= l.staleAfter_ms;
          if (g.latched === 'estop' || g.latched === 'lockout') continue;
          expect(g.fallbackActive).toBe(stale);
          if (stale && l.fallback.mode === 'off') expect(r.applied.amplitude_mA).toBeLessThanOrEqual(Math.max(0, prevAmplitude));
          prevAmplitude = r.applied.amplitude_mA;
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('a non-finite or malformed request, or a policy that threw, holds the last applied value and is reported', () => {
    fc.assert(
      fc.property(scenario, ({ limits: l, actions }) => {
        for (const s of play(l, actions)) {
          // Latches and the watchdog's fallback come before requests (docs/design.md order).
          if (s.action.type !== 'tick' || s.latchedBefore !== null || s.fallbackAfter) continue;
          const r = s.action.request as Record<string, unknown> | null | undefined;
          const threw = s.action.throws && r === null;
          const wellFormed =
            typeof r === 'object' && r !== null && typeof r.enabled === 'boolean' &&
            ['amplitude_mA', 'frequency_Hz', 'pulseWidth_us'].every((k) => typeof r[k] === 'number' && Number.isFinite(r[k] as number));
          const kinds = s.result.events.map((e) => e.kind);
          if (threw) expect(kinds).toContain('policy-error');
          else if (!wellFormed) expect(kinds).toContain('nonfinite-request');
          else continue;
          // Held, unless this very event tipped the lockout or the dose budget ran out.
          if (!kinds.includes('lockout') && !kinds.includes('dose-exhausted') && !kinds.includes('watchdog-recovered')) expect(s.result.applied).toEqual(s.before);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
