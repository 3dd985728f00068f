import { Observable, type OperatorFunction } from 'rxjs';
import { FeatureExtractor, type FeatureExtractorOptions, type FeatureFrame } from './featureExtractor.js';
import { type SampleBlock, blockLength } from './sampleBlock.js';
import type { SosCoefficients } from './sos.js';
import { SosFilterBank } from './sosFilter.js';

/**
 * RxJS operator: SampleBlocks in, FeatureFrames out. Each subscription gets its own
 * extractor (its own filter state and ring), so a re-subscribed source starts clean.
 */
export function featureFrames(options: FeatureExtractorOptions): OperatorFunction<SampleBlock, FeatureFrame> {
  return (source) =>
    new Observable<FeatureFrame>((subscriber) => {
      const extractor = new FeatureExtractor(options);
      const emit = (frame: FeatureFrame): void => subscriber.next(frame);
      const subscription = source.subscribe({
        next: (block) => {
          try {
            extractor.push(block, emit);
          } catch (error) {
            subscriber.error(error);
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        subscription.unsubscribe();
        extractor.close(); // worker threads, when the band power runs on them
      };
    });
}

/**
 * RxJS operator: causal filtering of every channel with state carried across blocks.
 * Emits new Float64Array blocks (the input is never written to).
 */
export function filterBlocks(coefficients: SosCoefficients): OperatorFunction<SampleBlock, SampleBlock> {
  return (source) =>
    new Observable<SampleBlock>((subscriber) => {
      let bank: SosFilterBank | null = null;
      return source.subscribe({
        next: (block) => {
          bank ??= new SosFilterBank(coefficients, block.data.length);
          if (block.data.length !== bank.channels) {
            subscriber.error(new Error(`filterBlocks: block at index ${block.firstIndex} has ${block.data.length} channels, expected ${bank.channels}`));
            return;
          }
          const n = blockLength(block);
          const data = block.data.map((input, c) => {
            const out = new Float64Array(n);
            (bank as SosFilterBank).process(c, input, 0, out, 0, n);
            return out;
          });
          subscriber.next({ ...block, data });
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}

/** Offline convenience: all frames of a signal held in memory (one array per channel). */
export function computeFeatures(
  signal: readonly (Float32Array | Float64Array)[],
  options: FeatureExtractorOptions,
): FeatureFrame[] {
  const extractor = new FeatureExtractor(options);
  const frames: FeatureFrame[] = [];
  extractor.push({ firstIndex: 0, fs_Hz: options.fs_Hz, channels: options.channels, data: signal }, (f) => frames.push(f));
  return frames;
}
