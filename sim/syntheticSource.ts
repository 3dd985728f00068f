import { Observable } from 'rxjs';
import type { SampleBlock } from '../signals/sampleBlock.js';
import { SyntheticBrain, type SyntheticBrainOptions } from './syntheticBrain.js';

export interface SyntheticSourceOptions extends SyntheticBrainOptions {
  readonly block_samples: number;
  /** realtime: one block per block period of the wall clock; max: as fast as the consumer takes them. */
  readonly pacing: 'realtime' | 'max';
  /** Stop after this many seconds of data; undefined: run until unsubscribed. */
  readonly duration_s?: number;
  /** Milliseconds from a monotonic clock (default performance.now), for realtime pacing. */
  readonly now_ms?: () => number;
}

/** Blocks emitted in one go at `max` pacing before yielding to the event loop. */
const MAX_PACING_BURST = 64;
const REALTIME_TICK_MS = 5;

export function channelNames(count: number): string[] {
  return Array.from({ length: count }, (_, c) => `ch${c}`);
}

/**
 * The simulator as a SampleBlock stream. Each subscription runs its own brain from the
 * seed, so it replays identically. `onBrain` hands the brain to the caller (the simulated
 * stimulator drives its plant; tests read its ground truth).
 */
export function syntheticSource(options: SyntheticSourceOptions, onBrain?: (brain: SyntheticBrain) => void): Observable<SampleBlock> {
  const total = options.duration_s === undefined ? Number.POSITIVE_INFINITY : Math.round(options.duration_s * options.fs_Hz);
  const names = channelNames(options.channels);
  return new Observable<SampleBlock>((subscriber) => {
    const brain = new SyntheticBrain(options);
    onBrain?.(brain);
    let produced = 0;
    let stopped = false;

    const emitBlock = (): boolean => {
      if (produced >= total) {
        subscriber.complete();
        return false;
      }
      const n = Math.min(options.block_samples, total - produced);
      const data = Array.from({ length: options.channels }, () => new Float32Array(n));
      const clipped = brain.fill(data, 0, n);
      const block: SampleBlock = clipped
        ? { firstIndex: produced, fs_Hz: options.fs_Hz, channels: names, data, flags: ['saturated'] }
        : { firstIndex: produced, fs_Hz: options.fs_Hz, channels: names, data };
      produced += n;
      subscriber.next(block);
      return true;
    };

    if (options.pacing === 'max') {
      const pump = (): void => {
        for (let i = 0; i < MAX_PACING_BURST && !stopped; i++) {
          if (!emitBlock()) return;
        }
        if (!stopped) immediate = setImmediate(pump);
      };
      let immediate: NodeJS.Immediate | undefined = setImmediate(pump);
      return () => {
        stopped = true;
        if (immediate) clearImmediate(immediate);
      };
    }

    const now = options.now_ms ?? (() => performance.now());
    const start_ms = now();
    const timer = setInterval(() => {
      // Emit every block whose last sample's time has passed: catches up after a stall
      // instead of drifting.
      const due = Math.floor(((now() - start_ms) / 1000) * options.fs_Hz);
      while (!stopped && produced + Math.min(options.block_samples, total - produced) <= due) {
        if (!emitBlock()) break;
      }
      if (produced >= total && !stopped) subscriber.complete();
    }, REALTIME_TICK_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  });
}
