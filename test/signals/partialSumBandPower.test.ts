import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Band } from '../../signals/band.js';
import { type BandPowerMethod, FeatureExtractor, type FeatureExtractorOptions, type FeatureFrame, resolveBandPowerMethod } from '../../signals/featureExtractor.js';
import { designFilterChain } from '../../signals/filterChain.js';
import { PartialSumBandPower } from '../../signals/partialSumBandPower.js';
import { maxRelativeError, readGolden } from '../helpers/golden.js';

interface WindowsGolden {
  cases: { fs_Hz: number; window: number; hop: number; x: number[]; bands: Band[]; frames: ({ index: number } & Record<string, number>)[] }[];
}
interface StreamingGolden {
  fs_Hz: number; window: number; hop: number; x: number[]; filters: Parameters<typeof designFilterChain>[0]; bands: Band[];
  frames: ({ index: number } & Record<string, number>)[];
}

/** Feeds `signal` cut at `lengths` (cycled), skipping [gapFrom, gapTo) as lost samples, and returns every frame. */
function run(options: FeatureExtractorOptions, signal: Float64Array[], lengths: readonly number[], gap?: { from: number; to: number }): FeatureFrame[] {
  const extractor = new FeatureExtractor(options);
  const frames: FeatureFrame[] = [];
  const total = signal[0].length;
  for (let at = 0, i = 0; at < total; i++) {
    let n = Math.min(lengths[i % lengths.length], total - at);
    if (gap !== undefined && at < gap.from && at + n > gap.from) n = gap.from - at;
    if (gap !== undefined && at >= gap.from && at < gap.to) {
      at = gap.to;
      continue;
    }
    extractor.push({ firstIndex: at, fs_Hz: options.fs_Hz, channels: options.channels, data: signal.map((x) => x.subarray(at, at + n)) }, (f) => frames.push(f));
    at += n;
  }
  extractor.close();
  return frames;
}

function plan(fs_Hz: number, window: number, hop: number, bands: readonly Band[], channels: number, method: BandPowerMethod): FeatureExtractorOptions {
  return { fs_Hz, channels: Array.from({ length: channels }, (_, c) => `ch${c}`), window, hop, segment: window, bands, bandPowerMethod: method };
}

describe('band power by partial sums (signals.band_power_method)', () => {
  const golden = readGolden<WindowsGolden>('windows.json');
  for (const g of golden.cases) {
    it(`every window's band power matches SciPy's welch to 1e-10 (fs ${g.fs_Hz}, window ${g.window}, hop ${g.hop}, ${g.bands.map((b) => b.name).join('+')})`, () => {
      const frames = run(plan(g.fs_Hz, g.window, g.hop, g.bands, 1, 'partial-sums'), [Float64Array.from(g.x)], [7, 31, 1]);
      expect(frames.map((f) => f.index)).toEqual(g.frames.map((f) => f.index));
      for (const band of g.bands) {
        expect(maxRelativeError(frames.map((f) => f.bandPower[band.name][0]), g.frames.map((f) => f[band.name]))).toBeLessThan(1e-10);
      }
    });
  }

  it('after the filters, frames match SciPy (sosfilt, iirnotch, welch) to 1e-6, as the transform does', () => {
    const s = readGolden<StreamingGolden>('streaming.json');
    const options = { ...plan(s.fs_Hz, s.window, s.hop, s.bands, 1, 'partial-sums'), filter: designFilterChain(s.filters, s.fs_Hz) };
    const frames = run(options, [Float64Array.from(s.x)], [37]);
    expect(frames.map((f) => f.index)).toEqual(s.frames.map((f) => f.index));
    for (const band of s.bands) expect(maxRelativeError(frames.map((f) => f.bandPower[band.name][0]), s.frames.map((f) => f[band.name]))).toBeLessThan(1e-6);
  });

  it('agrees with the transform to 1e-11 and gives the same bits for any cut of the blocks, across gaps, property-tested', () => {
    fc.assert(
      fc.property(
        fc.record({
          window: fc.integer({ min: 4, max: 300 }),
          hopPart: fc.integer({ min: 1, max: 1000 }),
          loBin: fc.integer({ min: 0, max: 100 }),
          widthBins: fc.integer({ min: 1, max: 40 }),
          offset: fc.double({ min: -500, max: 500, noNaN: true }),
          lengths: fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 8 }),
          gapAt: fc.integer({ min: 0, max: 2000 }),
          gapLength: fc.integer({ min: 0, max: 700 }),
          seed: fc.integer({ min: 1, max: 1_000_000 }),
        }),
        (p) => {
          const fs_Hz = 250;
          const hop = 1 + Math.floor(((p.hopPart - 1) * p.window) / 1000);
          const df = fs_Hz / p.window;
          const half = Math.floor(p.window / 2);
          const lo = Math.min(p.loBin, half);
          const bands = [{ name: 'b', lo_Hz: lo * df, hi_Hz: (Math.min(lo + p.widthBins, half + 1) + 0.5) * df }];
          let state = p.seed;
          const noise = (): number => ((state = (state * 48271) % 2147483647) / 2147483647) - 0.5;
          const n = 2600;
          const signal = [0, 1, 2].map((c) => Float64Array.from({ length: n }, (_, i) => p.offset + 30 * Math.sin(0.3 * i * (c + 1)) + 5 * noise()));
          const gap = { from: p.gapAt, to: p.gapAt + p.gapLength };
          const transform = run(plan(fs_Hz, p.window, hop, bands, 3, 'transform'), signal, [n], gap);
          const sums = run(plan(fs_Hz, p.window, hop, bands, 3, 'partial-sums'), signal, p.lengths, gap);
          const sumsWhole = run(plan(fs_Hz, p.window, hop, bands, 3, 'partial-sums'), signal, [n], gap);
          expect(sums).toEqual(sumsWhole); // toEqual on Float64Arrays compares every value: the same bits
          expect(sums.map((f) => [f.index, f.valid, f.reasons])).toEqual(transform.map((f) => [f.index, f.valid, f.reasons]));
          // Relative to the window's whole power: a band with almost nothing in it is limited by the rest's rounding.
          for (let i = 0; i < sums.length; i++) {
            for (let c = 0; c < 3; c++) {
              const a = sums[i].bandPower.b[c];
              const b = transform[i].bandPower.b[c];
              expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-11 * Math.max(b, 1e-3 * (p.offset * p.offset + 1000)));
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a session that starts late (a replay from 10 s) gives the frames a run from the start gives there', () => {
    const fs_Hz = 1000;
    const x = Float64Array.from({ length: 14_000 }, (_, i) => 20 * Math.sin(0.13 * i) + 3 * Math.sin(0.021 * i * i));
    const bands = [{ name: 'beta', lo_Hz: 13, hi_Hz: 30 }];
    const whole = run(plan(fs_Hz, 1000, 100, bands, 1, 'partial-sums'), [x], [20]);
    const late = new FeatureExtractor({ ...plan(fs_Hz, 1000, 100, bands, 1, 'partial-sums'), startIndex: 10_000 });
    const frames: FeatureFrame[] = [];
    late.push({ firstIndex: 10_000, fs_Hz, channels: ['ch0'], data: [x.subarray(10_000)] }, (f) => frames.push(f));
    expect(frames[0].index).toBe(11_000);
    expect(frames).toEqual(whole.filter((f) => f.index >= 11_000));
  });

  it('auto picks partial sums where they cut the work left at a window end (the 64-channel 1 kHz plan, the sim-adbs plan), the transform where not', () => {
    const beta = [{ name: 'beta', lo_Hz: 13, hi_Hz: 30 }];
    const auto = (fs_Hz: number, window: number, hop: number, bands: readonly Band[], segment = window): string =>
      resolveBandPowerMethod({ ...plan(fs_Hz, window, hop, bands, 64, 'auto'), segment });
    expect(auto(1000, 1000, 100, beta)).toBe('partial-sums');
    expect(auto(250, 125, 25, beta)).toBe('partial-sums');
    // A 1024-sample window every 20 samples: 256 sub-blocks to rotate per bin, more than a transform.
    expect(auto(1000, 1024, 20, beta)).toBe('transform');
    // Every default band (1-45 Hz at 1 Hz bins): 46 bins per sample cost more than 1.5 transforms.
    expect(auto(1000, 1000, 100, [{ name: 'delta', lo_Hz: 1, hi_Hz: 4 }, { name: 'gamma', lo_Hz: 30, hi_Hz: 45 }])).toBe('transform');
    // Several Welch segments per window: only the transform computes those.
    expect(auto(1000, 1000, 100, beta, 500)).toBe('transform');
    expect(() => new PartialSumBandPower({ fs_Hz: 1000, channels: 1, window: 1000, segment: 500, hop: 100, bands: beta })).toThrow(/one Welch segment per window/);
  });
});
