import { describe, expect, it } from 'vitest';
import { BurstPattern } from '../../controller/policies/burstPattern.js';
import { patternRefusal } from '../../controller/policies/patternFit.js';

describe('BurstPattern (a pulse pattern on the sample grid)', () => {
  it('cTBS (continuous theta burst): 600 pulses in 40 s, triplets at 50 Hz every 200 ms, no pauses', () => {
    const p = new BurstPattern({ pulsesPerBurst: 3, pulseRate_Hz: 50, burstRate_Hz: 5, on_s: 40, off_s: 0, total: 600, start_s: 0 }, 1000, 0);
    const all = p.dueBefore(1_000_000);
    expect(all).toHaveLength(600);
    expect(all.slice(0, 7)).toEqual([0, 20, 40, 200, 220, 240, 400]);
    expect(all.at(-1)).toBe(199 * 200 + 40);
  });

  it('single pulses every 5 s from 2 s, on the session sample grid from a late first index', () => {
    const p = new BurstPattern({ pulsesPerBurst: 1, pulseRate_Hz: 0, burstRate_Hz: 0.2, on_s: 3600, off_s: 0, total: 4, start_s: 2 }, 250, 10_000);
    expect(p.dueBefore(11_000)).toEqual([10_500]);
    expect(p.dueBefore(11_000)).toEqual([]); // handed out once
    expect(p.dueBefore(20_000)).toEqual([11_750, 13_000, 14_250]);
    expect(p.handedOut).toBe(4);
  });

  it('rounding never accumulates: train 100 of a 10 s cycle at 1 kHz starts exactly at 1000 s', () => {
    const p = new BurstPattern({ pulsesPerBurst: 3, pulseRate_Hz: 50, burstRate_Hz: 5, on_s: 2, off_s: 8, total: 100_000, start_s: 0.1 }, 1000, 0);
    expect(p.indexOf(100 * 30)).toBe(1_000_100);
    expect(p.indexOf(100 * 30 + 1)).toBe(1_000_120);
  });

  it('refuses a pattern that cannot be, naming the field', () => {
    const ok = { pulsesPerBurst: 3, pulseRate_Hz: 50, burstRate_Hz: 5, on_s: 2, off_s: 8, total: 600, start_s: 0 };
    expect(() => new BurstPattern({ ...ok, pulseRate_Hz: 10 }, 1000, 0)).toThrow(/3 pulses at 10 Hz do not fit between bursts at 5 Hz/);
    expect(() => new BurstPattern({ ...ok, total: 1.5 }, 1000, 0)).toThrow(/total: expected a whole number/);
    expect(() => new BurstPattern({ ...ok, off_s: -1 }, 1000, 0)).toThrow(/off_s: expected a finite number >= 0/);
    expect(() => new BurstPattern({ ...ok, burstRate_Hz: 0 }, 1000, 0)).toThrow(/burstRate_Hz and on_s must be > 0/);
  });
});

describe('patternRefusal: a pattern runs as written under the limits on the real sample grid, or never starts', () => {
  const ITBS_SPEC = { pulsesPerBurst: 3, pulseRate_Hz: 50, burstRate_Hz: 5, on_s: 2, off_s: 8, total: 600, start_s: 0 };
  const ITBS_LIMITS = { minInterval_ms: 20, maxPerTrain: 30, maxTrainDuration_ms: 2000, minInterTrain_ms: 8000, maxPerSession: 600 };

  it('iTBS fits its limits exactly at 1 kHz, 500 Hz and 250 Hz (20 ms is a whole number of samples)', () => {
    for (const fs of [1000, 500, 250]) expect(patternRefusal(ITBS_SPEC, ITBS_LIMITS, fs)).toBeNull();
  });

  it('at 256 Hz the grid cannot hold 50 Hz against a 20 ms minimum: refused naming the pulse and the limit', () => {
    expect(patternRefusal(ITBS_SPEC, ITBS_LIMITS, 256)).toMatch(/^pulse 3 \(at 0\.042969 s on the 256 Hz sample grid\) would be refused by the limits: min-interval/);
  });

  it('more pulses than the session allows, a pulse rate above the sample rate, bursts overlapping the next train, an uneven continuous pattern', () => {
    expect(patternRefusal({ ...ITBS_SPEC, total: 601 }, ITBS_LIMITS, 1000)).toBe('total 601 is more than limits.pulses.maxPerSession (600)');
    const loose = { minInterval_ms: 0.1, maxPerTrain: 1000, maxTrainDuration_ms: 1e6, minInterTrain_ms: 1, maxPerSession: 1e6 };
    expect(patternRefusal({ pulsesPerBurst: 3, pulseRate_Hz: 900, burstRate_Hz: 1, on_s: 1, off_s: 1, total: 30, start_s: 0 }, loose, 500)).toBe('pulses at 900 Hz are faster than the 500 Hz samples they land on: at most one pulse per sample');
    // A 40 ms burst with a 10 ms on-period and no pause: the next train starts inside the burst.
    expect(patternRefusal({ pulsesPerBurst: 3, pulseRate_Hz: 50, burstRate_Hz: 5, on_s: 0.01, off_s: 0, total: 30, start_s: 0 }, loose, 1000)).toMatch(/needs on_s to be a whole number of burst periods|is not after pulse/);
    expect(patternRefusal({ pulsesPerBurst: 1, pulseRate_Hz: 0, burstRate_Hz: 5, on_s: 1.1, off_s: 0, total: 30, start_s: 0 }, loose, 1000)).toMatch(/^off_s 0 \(continuous\) needs on_s to be a whole number of burst periods \(1 \/ burstRate_Hz = 0\.2 s\); 1\.1 s is not/);
    expect(patternRefusal({ pulsesPerBurst: 3, pulseRate_Hz: 50, burstRate_Hz: 5, on_s: 0.01, off_s: 0.02, total: 30, start_s: 0 }, loose, 1000)).toMatch(/^pulse 4 \(sample 30\) is not after pulse 3 \(sample 40\)/);
  });

  it('skipBefore keeps the pattern\'s own time: a replay from 11 s gets the pulses the live run had from 11 s on', () => {
    const live = new BurstPattern(ITBS_SPEC, 1000, 0);
    const all = live.dueBefore(200_000).filter((i) => i >= 11_000);
    const replay = new BurstPattern(ITBS_SPEC, 1000, 0);
    replay.skipBefore(11_000);
    expect(replay.dueBefore(200_000)).toEqual(all);
    // Trains start at 0, 10, 20 s: 11 s is half-way through the second, whose bursts go on at 11.0, 11.2, ...
    expect(all.slice(0, 4)).toEqual([11_000, 11_020, 11_040, 11_200]);
    expect(all).toHaveLength(600 - 30 - 15);
  });
});
