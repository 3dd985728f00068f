import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type PulseLimits, limitsSchema, pulseLimitsSchema } from '../../config/limitsSchema.js';
import { PulseGovernor } from '../../controller/pulseGovernor.js';

/** Uniform on [min, max] in steps of 1/10000 of the range (fc.double favours values near 0). */
const uniform = (min: number, max: number): fc.Arbitrary<number> => fc.integer({ min: 0, max: 10_000 }).map((i) => min + ((max - min) * i) / 10_000);

// The train duration is drawn on the scale of what a full train at the minimum interval
// would last, so that either the count or the duration can be the limit that binds.
const limitsArb: fc.Arbitrary<PulseLimits> = fc
  .record({
    minInterval_ms: uniform(1, 500),
    maxPerTrain: fc.integer({ min: 1, max: 40 }),
    durationScale: uniform(0, 3),
    extraInterTrain_ms: uniform(0, 10_000),
    maxPerSession: fc.integer({ min: 0, max: 200 }),
  })
  .map(({ extraInterTrain_ms, durationScale, ...l }) => ({
    ...l,
    maxTrainDuration_ms: durationScale * l.minInterval_ms * l.maxPerTrain,
    minInterTrain_ms: l.minInterval_ms + extraInterTrain_ms,
  }));

/**
 * Requests as a policy or pattern might make them, on the scale of the limits so that
 * trains form and every limit gets tested: repeats and steps back, gaps just under and over
 * the minimum interval, gaps around the inter-train interval, and long pauses.
 */
const requestsArb = (limits: PulseLimits, fs_Hz: number) => {
  const samples = (ms: number): number => Math.round((ms * fs_Hz) / 1000);
  // One burst: `count` requests about the minimum interval apart (some a little under it,
  // some repeated or stepping back), then a pause on the scale of the inter-train interval.
  const burst = fc.record({
    count: fc.integer({ min: 1, max: 60 }),
    spacing: uniform(0.8, 1.6),
    jitter: fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 1, maxLength: 5 }),
    pause: uniform(0, 3),
    latchedAt: fc.integer({ min: -1, max: 80 }),
  });
  return fc.array(burst, { maxLength: 12 }).map((bursts) =>
    bursts.flatMap((b) => [
      ...Array.from({ length: b.count }, (_, i) => ({
        step: i % 7 === 3 ? b.jitter[i % b.jitter.length] : samples(b.spacing * limits.minInterval_ms),
        latched: i === b.latchedAt,
      })),
      { step: samples(b.pause * limits.minInterTrain_ms), latched: false },
    ]),
  );
};

describe('PulseGovernor (limits.pulses): no request sequence breaks the limits', () => {
  it('fired pulses keep the minimum interval, the train size and duration, the inter-train rule and the session count; none while latched', () => {
    fc.assert(
      fc.property(
        fc.tuple(limitsArb, fc.constantFrom(250, 500, 1000, 2000, 4000, 1234.5)).chain(([limits, fs_Hz]) => fc.tuple(fc.constant(limits), fc.constant(fs_Hz), requestsArb(limits, fs_Hz))),
        ([limits, fs_Hz, requests]) => {
        const governor = new PulseGovernor(pulseLimitsSchema.parse(limits), fs_Hz);
        const fired: number[] = [];
        let index = 0;
        for (const r of requests) {
          index = Math.max(0, index + r.step);
          const d = governor.request(index, r.latched);
          if (d.fired) {
            expect(r.latched).toBe(false);
            fired.push(index);
          }
        }
        const ms = (samples: number): number => (samples * 1000) / fs_Hz;
        const slack = 1 + 1e-9;
        expect(fired.length).toBeLessThanOrEqual(limits.maxPerSession);
        expect(governor.pulses).toBe(fired.length);
        let trainStart = 0;
        let inTrain = 0;
        for (let i = 0; i < fired.length; i++) {
          if (i > 0) {
            const gap = ms(fired[i] - fired[i - 1]);
            expect(fired[i]).toBeGreaterThan(fired[i - 1]);
            expect(gap * slack).toBeGreaterThanOrEqual(limits.minInterval_ms);
            if (gap * slack < limits.minInterTrain_ms) {
              inTrain++;
              expect(ms(fired[i] - fired[trainStart])).toBeLessThanOrEqual(limits.maxTrainDuration_ms * slack);
            } else {
              trainStart = i;
              inTrain = 1;
            }
          } else {
            inTrain = 1;
          }
          expect(inTrain).toBeLessThanOrEqual(limits.maxPerTrain);
        }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('is not a governor that refuses everything: pulses a train apart fire until the session count is spent', () => {
    fc.assert(
      fc.property(limitsArb, fc.constantFrom(250, 1000, 1234.5), (limits, fs_Hz) => {
        const governor = new PulseGovernor(limits, fs_Hz);
        const step = Math.ceil((limits.minInterTrain_ms * fs_Hz) / 1000);
        let fired = 0;
        for (let i = 1; i <= limits.maxPerSession + 5; i++) if (governor.request(i * step, false).fired) fired++;
        expect(fired).toBe(limits.maxPerSession);
      }),
      { numRuns: 200 },
    );
  });
});

describe('PulseGovernor decisions', () => {
  const itbs: PulseLimits = { minInterval_ms: 20, maxPerTrain: 30, maxTrainDuration_ms: 2000, minInterTrain_ms: 8000, maxPerSession: 600 };

  it('iTBS (Huang 2005) fits its limits exactly: 600 pulses in 20 trains of 10 triplets, and the 601st is refused', () => {
    const fs_Hz = 1000;
    const governor = new PulseGovernor(itbs, fs_Hz);
    const refusals: string[] = [];
    let fired = 0;
    // Triplets at 50 Hz every 200 ms for 2 s, then 8 s off: a train every 10 s.
    for (let train = 0; train < 21; train++) {
      for (let burst = 0; burst < 10; burst++) {
        for (let p = 0; p < 3; p++) {
          const d = governor.request(train * 10_000 + burst * 200 + p * 20, false);
          if (d.fired) fired++;
          else refusals.push(d.reason);
        }
      }
    }
    expect(fired).toBe(600);
    expect(new Set(refusals)).toEqual(new Set(['session-pulses']));
  });

  it('refuses with the limit that holds and changes nothing: the next pulse is judged against the last fired one', () => {
    const g = new PulseGovernor({ ...itbs, maxPerTrain: 3, maxTrainDuration_ms: 50 }, 1000);
    expect(g.request(1000, false)).toMatchObject({ fired: true, pulse: 1, train: 1 });
    expect(g.request(1010, false)).toMatchObject({ fired: false, reason: 'min-interval' });
    expect(g.request(1020, false)).toMatchObject({ fired: true, pulse: 2, train: 1 });
    expect(g.request(1020, false)).toMatchObject({ fired: false, reason: 'not-after-last' });
    expect(g.request(1060, false)).toMatchObject({ fired: false, reason: 'train-duration' });
    expect(g.request(1040, false)).toMatchObject({ fired: true, pulse: 3, train: 1 });
    expect(g.request(1060, false)).toMatchObject({ fired: false, reason: 'train-pulses' });
    const refusal = g.request(5000, false);
    expect(refusal).toMatchObject({ fired: false, reason: 'train-pulses' });
    expect(refusal.fired ? '' : refusal.detail).toMatch(/maxPerTrain is 3; the next train may start 8000 ms after its last pulse/);
    expect(g.request(9040, false)).toMatchObject({ fired: true, pulse: 4, train: 2 });
    expect(g.request(20_000, true)).toMatchObject({ fired: false, reason: 'latched' });
    expect(g.pulses).toBe(4);
  });

  it('without limits.pulses in the config file no pulse is fired', () => {
    const limits = limitsSchema.parse({ amplitude_mA: { max: 3 } });
    expect(limits.pulses).toBeUndefined();
    expect(new PulseGovernor(limits.pulses, 1000).request(5000, false)).toMatchObject({ fired: false, reason: 'no-pulse-limits' });
  });

  it('the config refuses incomplete or inconsistent pulse limits, naming the field', () => {
    expect(() => limitsSchema.parse({ pulses: { minInterval_ms: 20 } })).toThrow(/maxPerTrain/);
    const r = limitsSchema.safeParse({ pulses: { ...itbs, minInterTrain_ms: 10 } });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(/minInterTrain_ms.*must be >= minInterval_ms \(20\)/);
  });
});
