import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Band } from '../../signals/band.js';
import { FeatureExtractor, type FeatureExtractorOptions, type FeatureFrame } from '../../signals/featureExtractor.js';
import { designFilterChain, type FilterStage } from '../../signals/filterChain.js';
import type { SampleBlock } from '../../signals/sampleBlock.js';
import { maxRelativeError, readGolden } from '../helpers/golden.js';

interface StreamingGolden {
  fs_Hz: number; window: number; hop: number; x: number[]; filters: FilterStage[]; bands: Band[];
  frames: ({ index: number } & Record<string, number>)[];
}
const golden = readGolden<StreamingGolden>('streaming.json');

function optionsFor(g: StreamingGolden, channels = 1): FeatureExtractorOptions {
  return {
    fs_Hz: g.fs_Hz,
    channels: Array.from({ length: channels }, (_, c) => `ch${c}`),
    window: g.window,
    hop: g.hop,
    segment: g.window,
    bands: g.bands,
    filter: designFilterChain(g.filters, g.fs_Hz),
    biomarker: { terms: [{ channel: 0, band: 1, weight: 1 }], offset: 0, scale: 1, log10: true, averageFrames: 3, baseline_s: 0 },
  };
}

/** Feeds `signal` cut at `lengths` (cycled) and returns every frame. */
function run(options: FeatureExtractorOptions, signal: Float64Array[], lengths: number[]): FeatureFrame[] {
  const extractor = new FeatureExtractor(options);
  const frames: FeatureFrame[] = [];
  const total = signal[0].length;
  for (let at = 0, i = 0; at < total; i++) {
    const n = Math.min(lengths[i % lengths.length], total - at);
    const block: SampleBlock = { firstIndex: at, fs_Hz: options.fs_Hz, channels: options.channels, data: signal.map((x) => x.subarray(at, at + n)) };
    extractor.push(block, (f) => frames.push(f));
    at += n;
  }
  return frames;
}

describe('FeatureExtractor (the streaming signal path)', () => {
  it('filters then band power per window match SciPy (sosfilt, iirnotch, welch) to 1e-6', () => {
    const frames = run(optionsFor(golden), [Float64Array.from(golden.x)], [37]);
    expect(frames.map((f) => f.index)).toEqual(golden.frames.map((f) => f.index));
    for (const band of golden.bands) {
      const actual = frames.map((f) => f.bandPower[band.name][0]);
      expect(maxRelativeError(actual, golden.frames.map((f) => f[band.name]))).toBeLessThan(1e-6);
    }
    expect(frames.every((f) => f.t_s === f.index / golden.fs_Hz)).toBe(true);
  });

  it('gives identical frames whatever the block lengths (1 to 1000), property-tested', () => {
    const signal = [Float64Array.from(golden.x), Float64Array.from(golden.x, (v, i) => v * 0.5 + Math.sin(i / 3))];
    const options = optionsFor(golden, 2);
    const reference = run(options, signal, [signal[0].length]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 40 }), (lengths) => {
        expect(run(options, signal, lengths)).toEqual(reference);
      }),
      { numRuns: 200 },
    );
  });

  it('Float32 blocks (live sources) are computed in float64 and agree with the Float64 path on the same values', () => {
    const x32 = Float32Array.from(golden.x);
    const options = optionsFor(golden);
    const a = run(options, [Float64Array.from(x32)], [10]);
    const extractor = new FeatureExtractor(options);
    const b: FeatureFrame[] = [];
    extractor.push({ firstIndex: 0, fs_Hz: golden.fs_Hz, channels: ['ch0'], data: [x32] }, (f) => b.push(f));
    expect(b).toEqual(a);
  });

  it('marks windows touching a gap invalid and skips windows that end inside it', () => {
    const options = { ...optionsFor(golden), biomarker: null };
    const extractor = new FeatureExtractor(options);
    const frames: FeatureFrame[] = [];
    const x = Float64Array.from(golden.x);
    extractor.push({ firstIndex: 0, fs_Hz: 250, channels: ['ch0'], data: [x.subarray(0, 1000)] }, (f) => frames.push(f));
    extractor.push({ firstIndex: 1200, fs_Hz: 250, channels: ['ch0'], data: [x.subarray(1200, 2000)] }, (f) => frames.push(f));
    const ends = frames.map((f) => f.index);
    expect(ends.filter((e) => e > 1000 && e <= 1200)).toEqual([]);
    for (const f of frames) {
      const touchesGap = f.index > 1000 && f.index - options.window < 1200;
      expect(f.valid).toBe(!touchesGap);
      if (touchesGap) expect(f.reasons).toContain('gap');
    }
    expect(() => extractor.push({ firstIndex: 1500, fs_Hz: 250, channels: ['ch0'], data: [x.subarray(0, 5)] }, () => undefined)).toThrow(/must never go back/);
  });

  it('a NaN sample invalidates exactly the windows that hold it and does not poison later ones', () => {
    const options = { ...optionsFor(golden), biomarker: null };
    const x = Float64Array.from(golden.x);
    const clean = run(options, [x], [50]);
    const dirty = Float64Array.from(x);
    dirty[600] = Number.NaN;
    const frames = run(options, [dirty], [50]);
    for (const f of frames) {
      const holdsNaN = f.index > 600 && f.index - options.window <= 600;
      expect(f.valid).toBe(!holdsNaN);
      expect(f.bandPower.beta[0]).not.toBeNaN();
    }
    // With the high-pass's memory the effect fades: well after, frames match the clean run closely.
    const late = frames.at(-1)!;
    const lateClean = clean.at(-1)!;
    expect(Math.abs(late.bandPower.beta[0] - lateClean.bandPower.beta[0]) / lateClean.bandPower.beta[0]).toBeLessThan(1e-3);
  });

  it('rejects blocks with the wrong channel count or sample rate, naming the index', () => {
    const extractor = new FeatureExtractor({ ...optionsFor(golden), biomarker: null });
    expect(() => extractor.push({ firstIndex: 0, fs_Hz: 250, channels: ['a', 'b'], data: [new Float32Array(3), new Float32Array(3)] }, () => undefined)).toThrow(/index 0: expected 1 channels, got 2/);
    expect(() => extractor.push({ firstIndex: 0, fs_Hz: 500, channels: ['a'], data: [new Float32Array(3)] }, () => undefined)).toThrow(/expected fs_Hz 250, got 500/);
  });
});
