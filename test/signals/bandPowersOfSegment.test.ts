import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bandBins, bandPowerFromPsd } from '../../signals/band.js';
import { WelchPsd } from '../../signals/welch.js';

describe('WelchPsd.bandPowersOfSegment and ...Pair (the fused one-segment paths)', () => {
  it('gives the same bits as psdInto then bandPowerFromPsd, for any length, rate and bands (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 600 }),
        fc.constantFrom(100, 250, 256, 1000),
        fc.array(fc.tuple(fc.double({ min: 0, max: 0.6, noNaN: true }), fc.double({ min: 0.001, max: 0.6, noNaN: true })), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (segment, fs_Hz, bandFractions, seed) => {
          const welch = new WelchPsd(segment, fs_Hz);
          // Bands as fractions of the sample rate, up to Nyquist and a little past it (the last bin's edge case).
          const bands = bandFractions.map(([lo, width], i) => ({ name: `b${i}`, lo_Hz: lo * fs_Hz, hi_Hz: (lo + width) * fs_Hz }));
          const ranges = bands.map((b) => bandBins(welch.frequencies_Hz, b));
          const binEnd = Math.max(1, ...ranges.map((r) => r.end));
          const binStart = Math.min(binEnd, ...ranges.map((r) => r.first));
          let state = seed;
          const x = Float64Array.from({ length: segment + 7 }, () => {
            state = (state * 1103515245 + 12345) >>> 0;
            return (state / 2 ** 32 - 0.5) * 100;
          });
          const psd = new Float64Array(welch.bins);
          welch.psdInto(x, 7, segment, psd, binEnd, binStart);
          const expected = ranges.map((r) => bandPowerFromPsd(psd, welch.df_Hz, r.first, r.end));
          const power = ranges.map(() => new Float64Array(1));
          welch.bandPowersOfSegment(x, 7, ranges, power, 0, binEnd, binStart);
          // Object.is: the same bits, -0 and NaN included.
          ranges.forEach((_, b) => expect(Object.is(power[b][0], expected[b])).toBe(true));
          // The paired path (odd windows put two channels into one complex transform) against psdPairInto.
          if (segment % 2 === 0) return;
          const y = Float64Array.from(x, (v, i) => v * 0.5 + ((i * 37) % 11) - 5);
          const psdA = new Float64Array(welch.bins);
          const psdB = new Float64Array(welch.bins);
          welch.psdPairInto(x, y, 7, segment, psdA, psdB, binEnd, binStart);
          const pair = ranges.map(() => new Float64Array(3));
          welch.bandPowersOfSegmentPair(x, y, 7, ranges, pair, 1, binEnd, binStart);
          ranges.forEach((r, b) => {
            expect(Object.is(pair[b][1], bandPowerFromPsd(psdA, welch.df_Hz, r.first, r.end))).toBe(true);
            expect(Object.is(pair[b][2], bandPowerFromPsd(psdB, welch.df_Hz, r.first, r.end))).toBe(true);
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
