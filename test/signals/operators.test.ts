import fc from 'fast-check';
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BANDS } from '../../signals/band.js';
import { butterworthSos } from '../../signals/butterworth.js';
import { computeFeatures, featureFrames, filterBlocks } from '../../signals/operators.js';
import type { SampleBlock } from '../../signals/sampleBlock.js';
import { sosfilt } from '../../signals/sosFilter.js';

const fs_Hz = 250;
const signal = [0, 1].map((c) => Float32Array.from({ length: 2000 }, (_, i) => 10 * Math.sin(2 * Math.PI * 21 * (i / fs_Hz) + c) + 3 * Math.sin(i * 0.77 + c * c)));
const options = { fs_Hz, channels: ['a', 'b'], window: 256, hop: 25, segment: 128, bands: DEFAULT_BANDS, filter: butterworthSos({ kind: 'highpass', order: 2, cutoff_Hz: 1, fs_Hz }) };

function blocksOf(lengths: number[]): SampleBlock[] {
  const blocks: SampleBlock[] = [];
  for (let at = 0, i = 0; at < 2000; i++) {
    const n = Math.min(lengths[i % lengths.length], 2000 - at);
    blocks.push({ firstIndex: at, fs_Hz, channels: ['a', 'b'], data: signal.map((x) => x.slice(at, at + n)) });
    at += n;
  }
  return blocks;
}

describe('RxJS operators', () => {
  it('featureFrames emits what the offline computeFeatures returns, for any block lengths', async () => {
    const offline = computeFeatures(signal, options);
    expect(offline.length).toBe(Math.floor((2000 - 256) / 25) + 1);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 20 }), async (lengths) => {
        const frames = await lastValueFrom(from(blocksOf(lengths)).pipe(featureFrames(options), toArray()));
        expect(frames).toEqual(offline);
      }),
      { numRuns: 100 },
    );
  });

  it('filterBlocks carries filter state across blocks and leaves its input untouched', async () => {
    const sos = butterworthSos({ kind: 'bandpass', order: 3, cutoff_Hz: [13, 30], fs_Hz });
    const blocks = blocksOf([7, 300, 1, 64]);
    const before = blocks.map((b) => b.data.map((d) => Float32Array.from(d)));
    const out = await lastValueFrom(from(blocks).pipe(filterBlocks(sos), toArray()));
    expect(blocks.map((b) => b.data)).toEqual(before);
    const joined = Float64Array.from(out.flatMap((b) => Array.from(b.data[1])));
    expect(Array.from(joined)).toEqual(Array.from(sosfilt(sos, signal[1])));
  });

  it('an error in the signal path reaches the subscriber as an error', async () => {
    const bad: SampleBlock = { firstIndex: 0, fs_Hz: 500, channels: ['a', 'b'], data: [new Float32Array(4), new Float32Array(4)] };
    await expect(lastValueFrom(from([bad]).pipe(featureFrames(options)))).rejects.toThrow(/expected fs_Hz 250/);
  });
});
