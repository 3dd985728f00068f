import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EEG_FILES, evaluateEdf, evaluateSimulated, firedIndices, PHASE_DESIGN_SEED, PHASE_TARGET, runPhaseEvaluation, simulatedChannel } from '../../bench/phaseEvaluation.js';
import { type AmplitudeGate, isForwardCrossing, PhaseLockedTrigger, type PhaseLockedTriggerSpec } from '../../controller/policies/phaseLockedTrigger.js';
import { radiansToDegrees, wrapToPi } from '../../signals/circularStats.js';
import type { SampleBlock } from '../../signals/sampleBlock.js';

const ALPHA = { lo_Hz: 8, hi_Hz: 13 };

function spec(overrides: Partial<PhaseLockedTriggerSpec> = {}): PhaseLockedTriggerSpec {
  return { channel: 0, targetPhase_deg: 0, band: ALPHA, amplitudeGate: { kind: 'absolute', min_uV: 1 }, refractory_ms: 0, ...overrides };
}

/** Blocks of `x` starting at `firstIndex`, of the given lengths in turn; channel 1 is a decoy. */
function* cut(x: Float32Array | Float64Array, fs_Hz: number, lengths: readonly number[], firstIndex = 0): Generator<SampleBlock> {
  let k = 0;
  for (let at = 0; at < x.length; k++) {
    const n = Math.min(lengths[k % lengths.length], x.length - at);
    const data = Float64Array.from(x.subarray(at, at + n));
    yield { firstIndex: firstIndex + at, fs_Hz, channels: ['a', 'decoy'], data: [data, new Float64Array(n).fill(1e6)] };
    at += n;
  }
}

/** A cosine of `f_Hz`; its true phase at sample i is 2 pi f i / fs + p0. */
const tone = (fs: number, seconds: number, f: number, amplitude: (i: number) => number = () => 10, p0 = 0.3): Float64Array =>
  Float64Array.from({ length: Math.round(seconds * fs) }, (_, i) => amplitude(i) * Math.cos((2 * Math.PI * f * i) / fs + p0));
const truePhase_deg = (fs: number, f: number, i: number, p0 = 0.3): number => radiansToDegrees(wrapToPi((2 * Math.PI * f * i) / fs + p0));

describe('PhaseLockedTrigger on a pure 10 Hz cosine', () => {
  it.each([
    [250, 0], [250, 180], [250, -90], [250, 45], [1000, 0], [1000, 180], [1000, 90], [1000, 270],
  ])('at %s Hz, target %s deg: one pulse per cycle, each on the sample nearest the crossing (within half a sample + 1 deg)', (fs, target) => {
    const x = tone(fs, 10, 10);
    const fired = firedIndices(new PhaseLockedTrigger(spec({ targetPhase_deg: target }), fs), cut(x, fs, [20]));
    // Ready after the 500 ms window: about 95 cycles left in 10 s (the tracking settles within the first ones).
    expect(fired.length).toBeGreaterThanOrEqual(93);
    expect(fired.length).toBeLessThanOrEqual(96);
    for (let k = 1; k < fired.length; k++) expect(fired[k] - fired[k - 1]).toBeCloseTo(fs / 10, -0.5);
    // A sample is 360 f / fs degrees of the cycle (14.4 deg at 250 Hz): the nearest one is at most half of that off.
    const bound_deg = (180 * 10) / fs + 1;
    const settled = fired.filter((i) => i > 2 * fs);
    expect(settled.length).toBeGreaterThan(70);
    for (const i of settled) expect(radiansToDegrees(Math.abs(wrapToPi(((truePhase_deg(fs, 10, i) - target) * Math.PI) / 180)))).toBeLessThan(bound_deg);
  });

  it('lead_ms fires that much before the target phase: 20 ms at 10 Hz is 72 deg early', () => {
    const fs = 1000;
    const fired = firedIndices(new PhaseLockedTrigger(spec({ lead_ms: 20 }), fs), cut(tone(fs, 8, 10), fs, [20]));
    const settled = fired.filter((i) => i > 2 * fs);
    expect(settled.length).toBeGreaterThan(50);
    for (const i of settled) expect(Math.abs(truePhase_deg(fs, 10, i) + 72)).toBeLessThan(3);
  });

  it('refractory holds: 250 ms at 10 Hz leaves every third cycle, never closer than 250 ms', () => {
    const fs = 1000;
    const trigger = new PhaseLockedTrigger(spec({ refractory_ms: 250 }), fs);
    const fired = firedIndices(trigger, cut(tone(fs, 10, 10), fs, [20]));
    for (let k = 1; k < fired.length; k++) {
      expect(fired[k] - fired[k - 1]).toBeGreaterThanOrEqual(250);
      expect(Math.abs(fired[k] - fired[k - 1] - 300)).toBeLessThanOrEqual(2);
    }
    expect(trigger.counts.inRefractory).toBeGreaterThanOrEqual(2 * (fired.length - 1));
    expect(trigger.counts.fired).toBe(fired.length);
  });

  it('the absolute amplitude gate holds: nothing while the rhythm is 2 uV, pulses once it is 10 uV (threshold 5 uV)', () => {
    const fs = 250;
    const x = tone(fs, 12, 10, (i) => (i < 6 * fs ? 2 : 10));
    const trigger = new PhaseLockedTrigger(spec({ amplitudeGate: { kind: 'absolute', min_uV: 5 } }), fs);
    const fired = firedIndices(trigger, cut(x, fs, [7]));
    expect(fired.every((i) => i >= 6 * fs)).toBe(true);
    expect(fired.length).toBeGreaterThanOrEqual(55);
    expect(trigger.counts.belowAmplitude).toBeGreaterThanOrEqual(50);
  });

  it('the percentile gate holds: alternating 2 and 10 uV stretches, median of the last 8 s, pulses only in the strong ones', () => {
    const fs = 250;
    const strong = (i: number): boolean => Math.floor(i / (2 * fs)) % 2 === 1;
    const x = tone(fs, 40, 10, (i) => (strong(i) ? 10 : 2));
    const gate: AmplitudeGate = { kind: 'percentile', percentile: 50, over_s: 8 };
    const trigger = new PhaseLockedTrigger(spec({ amplitudeGate: gate }), fs);
    const fired = firedIndices(trigger, cut(x, fs, [13]));
    // Nothing before 8 s of amplitude history; then only in strong stretches (but for the first 0.2 s after a change, where the estimate lags).
    expect(fired.every((i) => i >= 8 * fs)).toBe(true);
    expect(fired.filter((i) => !strong(i) && i % (2 * fs) > 0.2 * fs)).toEqual([]);
    expect(fired.length).toBeGreaterThan(150);
    expect(trigger.counts.warmingUp).toBeGreaterThan(50);
    expect(trigger.counts.belowAmplitude).toBeGreaterThan(100);
  });
});

describe('the crossing', () => {
  it('is forwards through the target only: not a neighbourhood, not the wrap at the opposite phase', () => {
    expect(isForwardCrossing(-0.1, 0.1)).toBe(true);
    expect(isForwardCrossing(-0.1, 0)).toBe(true);
    // A fresh estimate may jump forwards past the target by more than a sample's advance.
    expect(isForwardCrossing(-1.2, 1.5)).toBe(true);
    // Near but not through, or backwards through it.
    expect(isForwardCrossing(-0.2, -0.01)).toBe(false);
    expect(isForwardCrossing(0.01, 0.2)).toBe(false);
    expect(isForwardCrossing(0.1, -0.1)).toBe(false);
    // Through the opposite phase, forwards (3.1 -> -3.1) or backwards (-3.1 -> 3.1): not the target.
    expect(isForwardCrossing(3.1, -3.1)).toBe(false);
    expect(isForwardCrossing(-3.1, 3.1)).toBe(false);
    expect(isForwardCrossing(-1.5, 1.7)).toBe(false);
    expect(isForwardCrossing(Number.NaN, 0.1)).toBe(false);
  });
});

describe('PhaseLockedTrigger as a PulseSchedule', () => {
  it('hands each pulse out once, only below the end asked for, in order', () => {
    const fs = 1000;
    const trigger = new PhaseLockedTrigger(spec(), fs);
    for (const block of cut(tone(fs, 3, 10), fs, [3000])) trigger.observe(block);
    const first = trigger.dueBefore(1500);
    expect(first.length).toBeGreaterThan(0);
    expect(first.every((i) => i < 1500)).toBe(true);
    const rest = trigger.dueBefore(3000);
    expect(rest.every((i) => i >= 1500)).toBe(true);
    expect([...first, ...rest]).toEqual([...first, ...rest].sort((a, b) => a - b));
    expect(trigger.dueBefore(3000)).toEqual([]);
    expect(trigger.describe).toMatch(/^phase-locked: channel 0 at 0 deg of 8-13 Hz/);
  });

  it('a gap in the indices restarts the estimator: no pulse within the window after it', () => {
    const fs = 1000;
    const x = tone(fs, 6, 10);
    const trigger = new PhaseLockedTrigger(spec(), fs);
    const fired = firedIndices(trigger, [...cut(x.subarray(0, 3000), fs, [50]), ...cut(x.subarray(3000), fs, [50], 3500)]);
    expect(trigger.counts.gaps).toBe(1);
    expect(fired.some((i) => i < 3000)).toBe(true);
    expect(fired.filter((i) => i >= 3000 && i < 3500 + 500)).toEqual([]);
    expect(fired.some((i) => i >= 4000)).toBe(true);
  });

  it('refuses blocks that go back, of another rate, or without the channel', () => {
    const trigger = new PhaseLockedTrigger(spec({ channel: 1 }), 250);
    const block = (firstIndex: number, fs_Hz = 250, channels = 2): SampleBlock => ({ firstIndex, fs_Hz, channels: ['a', 'b'].slice(0, channels), data: Array.from({ length: channels }, () => new Float64Array(10)) });
    trigger.observe(block(0));
    expect(() => trigger.observe(block(5))).toThrow(/goes back/);
    expect(() => trigger.observe(block(10, 500))).toThrow(/fs_Hz 500/);
    expect(() => trigger.observe(block(10, 250, 1))).toThrow(/channel 1/);
    expect(() => new PhaseLockedTrigger(spec({ amplitudeGate: { kind: 'percentile', percentile: 120, over_s: 10 } }), 250)).toThrow(/percentile/);
  });
});

describe('PhaseLockedTrigger is deterministic', () => {
  // 30 s of the simulated patient at 250 Hz (not the design seed), with gate and refractory that bind.
  const fs = 250;
  const x = simulatedChannel(7, fs, 30, { alphaFrequencyWander_Hz: 0.5, alphaWaxWane: 1 });
  // With blanking: its stretches follow the pulses, so they too must not depend on the cut.
  const triggerSpec = spec({ amplitudeGate: { kind: 'percentile', percentile: 50, over_s: 5 }, refractory_ms: 300, blank_ms: 40, estimator: { estimateEvery_samples: 2 } });
  const reference = firedIndices(new PhaseLockedTrigger(triggerSpec, fs), cut(x, fs, [x.length]));

  it('the reference run fires, and not at every crossing', () => {
    expect(reference.length).toBeGreaterThan(20);
  });

  it('the same samples give the same pulses however they are cut into blocks (and around a gap)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 30 }), fc.integer({ min: 0, max: 3 }), (lengths, dropAt) => {
        expect(firedIndices(new PhaseLockedTrigger(triggerSpec, fs), cut(x, fs, lengths))).toEqual(reference);
        // With a gap of 100 samples after second 10 + dropAt: the same pulses for any cut as for one block per side.
        const gapAt = (10 + dropAt) * fs;
        const withGap = (ls: readonly number[]): number[] =>
          firedIndices(new PhaseLockedTrigger(triggerSpec, fs), [...cut(x.subarray(0, gapAt), fs, ls), ...cut(x.subarray(gapAt + 100), fs, ls, gapAt + 100)]);
        expect(withGap(lengths)).toEqual(withGap([x.length]));
      }),
      { numRuns: 60 },
    );
  });
});

describe('on the simulated patient\'s alpha (seeds other than the design seed)', () => {
  it.each([
    [2, 1000, false], [3, 250, false], [4, 1000, true], [6, 250, true],
  ])(`seed %s at %s Hz (variable alpha: %s): top-half circular SD <= ${PHASE_TARGET.circSd_deg} deg, mean within ${PHASE_TARGET.circMeanWithin_deg} deg`, (seed, fs, variable) => {
    expect(seed).not.toBe(PHASE_DESIGN_SEED);
    const row = evaluateSimulated(seed, fs, variable, 120);
    expect(row.triggers_top_half).toBeGreaterThan(100);
    expect(row.circ_sd_top_half_deg).toBeLessThanOrEqual(PHASE_TARGET.circSd_deg);
    expect(Math.abs(row.circ_mean_top_half_deg ?? Number.NaN)).toBeLessThanOrEqual(PHASE_TARGET.circMeanWithin_deg);
    expect(row.meets_target).toBe(true);
  });
});

describe('the phase evaluation without the shared EDF samples (a user\'s clone)', () => {
  it('says "not found" instead of failing', async () => {
    const missing = '/nonexistent/edf-samples';
    const row = await evaluateEdf(EEG_FILES[0], missing);
    expect(row.skipped).toMatch(/^not found: \/nonexistent\/edf-samples\//);
    expect(row.triggers).toBeUndefined();
    const rows = await runPhaseEvaluation({ seeds: [2], seconds: 20, edfDir: missing });
    expect(rows.map((r) => r.job)).toEqual([
      'phase-alpha-sim-1000Hz-seed2', 'phase-alpha-sim-250Hz-seed2', 'phase-alpha-sim-variable-1000Hz-seed2', 'phase-alpha-sim-variable-250Hz-seed2',
      'phase-alpha-sim-artefact-blank0ms-1000Hz-seed2', 'phase-alpha-sim-artefact-blank100ms-1000Hz-seed2', 'phase-alpha-eeg',
    ]);
    expect(rows[6].skipped).toMatch(/not found/);
  });
});
