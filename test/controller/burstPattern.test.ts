import { describe, expect, it } from 'vitest';
import { BurstPattern } from '../../controller/policies/burstPattern.js';

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
