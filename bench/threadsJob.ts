/**
 * Band power shared over threads (signals.threads, issue 11 point 2): the w1000 latency
 * job's signal path (64 channels at 1 kHz, window 1000, hop 100, beta, high-pass and notch)
 * run as fast as it goes by a transform on 1, 2, ... threads, up to the cores this machine
 * has, and by partial sums on one (what signals.band_power_method auto picks for it). This is the
 * speed-up a replay at --speed max sees, and what a Pi's four cores offer a live session;
 * the latency rows show what a session paced in real time gets on this machine.
 */
import { availableParallelism } from 'node:os';
import { bandPowerThreads } from '../drivers/threads/bandPowerThreads.js';
import { FeatureExtractor } from '../signals/featureExtractor.js';
import { designFilterChain } from '../signals/filterChain.js';
import { hopBlocks, makeSignal } from './bandPowerJobs.js';

export interface ThreadsResult {
  job: string;
  threads: number;
  /** The transform on 1..N threads, and partial sums (one thread) for comparison. */
  band_power_method: 'transform' | 'partial-sums';
  samples_per_s: number;
  /** samples_per_s over the one-thread transform's, measured alternately in the same run. */
  speedup: number;
  frames: number;
}

const CHANNELS = 64;
const FS_HZ = 1000;
const WINDOW = 1000;
const HOP = 100;
const SECONDS = 60;
/** Rounds of all thread counts, alternating; the fastest of each counts (the machine is shared). */
const ROUNDS = 3;

export function runThreadsJobs(): ThreadsResult[] {
  const signal = makeSignal({ channels: CHANNELS, fs_Hz: FS_HZ, seconds: SECONDS });
  // Blocks of 20 samples (20 ms), as the latency jobs' source delivers them.
  const blocks = hopBlocks(signal, FS_HZ, 20);
  const names = blocks[0].channels;
  const variants: { threads: number; method: 'transform' | 'partial-sums' }[] = [
    ...Array.from({ length: Math.max(2, availableParallelism()) }, (_, i) => ({ threads: i + 1, method: 'transform' as const })),
    { threads: 1, method: 'partial-sums' },
  ];
  const best = new Map<(typeof variants)[number], { samples_per_s: number; frames: number }>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of variants) {
      const threads = variant.threads;
      const extractor = new FeatureExtractor({
        fs_Hz: FS_HZ,
        channels: names,
        window: WINDOW,
        hop: HOP,
        segment: WINDOW,
        bands: [{ name: 'beta', lo_Hz: 13, hi_Hz: 30 }],
        filter: designFilterChain([{ type: 'highpass', order: 2, cutoff_Hz: 1 }, { type: 'notch', freq_Hz: 50, Q: 30 }], FS_HZ),
        bandPowerRunner: threads > 1 ? bandPowerThreads(threads) : undefined,
        bandPowerMethod: variant.method,
      });
      let frames = 0;
      const count = (): void => {
        frames++;
      };
      // The first second of data: the workers start and V8 compiles; not timed.
      const warmUp = FS_HZ / 20 + WINDOW / 20;
      for (let b = 0; b < warmUp; b++) extractor.push(blocks[b], count);
      const t0 = process.hrtime.bigint();
      for (let b = warmUp; b < blocks.length; b++) extractor.push(blocks[b], count);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      extractor.close();
      const samples_per_s = Math.round(((blocks.length - warmUp) * 20) / seconds);
      const previous = best.get(variant);
      if (previous === undefined || samples_per_s > previous.samples_per_s) best.set(variant, { samples_per_s, frames });
    }
  }
  const single = best.get(variants[0])?.samples_per_s ?? Number.NaN;
  return variants.map((variant) => {
    const b = best.get(variant) ?? { samples_per_s: Number.NaN, frames: 0 };
    return {
      job: `bandpower-threads-64ch-1000Hz-w1000`,
      threads: variant.threads,
      band_power_method: variant.method,
      samples_per_s: b.samples_per_s,
      speedup: Math.round((b.samples_per_s / single) * 100) / 100,
      frames: b.frames,
    };
  });
}
