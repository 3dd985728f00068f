import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { simSourceSchema } from '../../config/schema.js';
import { computeFeatures } from '../../signals/operators.js';
import { SyntheticBrain } from '../../sim/syntheticBrain.js';
import { syntheticSource } from '../../sim/syntheticSource.js';

const defaults = simSourceSchema.parse({ kind: 'sim' });
const brainOptions = (seed: number, overrides: Partial<typeof defaults.brain> = {}) => ({
  fs_Hz: 250, channels: 3, seed, brain: { ...defaults.brain, ...overrides }, plant: defaults.plant,
});

function generate(seed: number, n: number, blockLengths: number[], overrides = {}): Float64Array[] {
  const brain = new SyntheticBrain(brainOptions(seed, overrides));
  const out = [0, 1, 2].map(() => new Float64Array(n));
  for (let at = 0, i = 0; at < n; i++) {
    const len = Math.min(blockLengths[i % blockLengths.length], n - at);
    brain.fill(out, at, len);
    at += len;
  }
  return out;
}

describe('SyntheticBrain', () => {
  it('is deterministic: same seed, same samples, whatever the block lengths', () => {
    const a = generate(7, 5000, [5000]);
    const b = generate(7, 5000, [1, 13, 250, 7]);
    expect(b).toEqual(a);
    expect(generate(8, 5000, [5000])).not.toEqual(a);
  });

  it('has beta bursts in the beta band and alpha in the alpha band, channels not identical', () => {
    const fs = 250;
    const quiet = { lineAmplitude_uV: 0, artifactRate_per_min: 0 };
    const x = generate(3, 250 * 120, [1000], quiet);
    const noBeta = generate(3, 250 * 120, [1000], { ...quiet, betaAmplitude_uV: 0 });
    const opts = { fs_Hz: fs, channels: ['a', 'b', 'c'], window: 500, hop: 500, segment: 500, bands: [{ name: 'alpha', lo_Hz: 8, hi_Hz: 13 }, { name: 'beta', lo_Hz: 15, hi_Hz: 25 }] };
    const mean = (frames: ReturnType<typeof computeFeatures>, band: string, c: number) => frames.reduce((s, f) => s + f.bandPower[band][c], 0) / frames.length;
    const withBeta = computeFeatures(x, opts);
    const without = computeFeatures(noBeta, opts);
    expect(mean(withBeta, 'beta', 0)).toBeGreaterThan(3 * mean(without, 'beta', 0));
    expect(mean(withBeta, 'alpha', 0)).toBeGreaterThan(2 * mean(without, 'beta', 0));
    expect(x[0]).not.toEqual(x[1]);
  });

  it('knows its ground truth: bursts come and go at about the configured rate', () => {
    const brain = new SyntheticBrain(brainOptions(11));
    const buffers = [0, 1, 2].map(() => new Float64Array(1));
    let onsets = 0;
    let inBurst = 0;
    let was = false;
    const n = 250 * 300;
    for (let i = 0; i < n; i++) {
      brain.fill(buffers, 0, 1);
      const truth = brain.groundTruth();
      if (truth.inBurst && !was) onsets++;
      if (truth.inBurst) inBurst++;
      was = truth.inBurst;
    }
    // 1.2 onsets/s over 300 s, minus the bursts whose peak stays under the half-amplitude line.
    expect(onsets / 300).toBeGreaterThan(0.5);
    expect(onsets / 300).toBeLessThan(1.3);
    expect(inBurst / n).toBeGreaterThan(0.05);
    expect(inBurst / n).toBeLessThan(0.6);
  });

  it('the plant: stimulation suppresses beta with a first-order lag of tau', () => {
    const brain = new SyntheticBrain(brainOptions(5));
    const buffers = [0, 1, 2].map(() => new Float64Array(1));
    brain.setStimulation(defaults.plant.I50_mA, 130);
    const tauSamples = Math.round((defaults.plant.tau_ms / 1000) * 250);
    for (let i = 0; i < tauSamples; i++) brain.fill(buffers, 0, 1);
    // After one tau, 1 - 1/e of the way from 1 to the target 1/2.
    expect(brain.groundTruth().suppression).toBeCloseTo(1 - 0.5 * (1 - Math.exp(-1)), 2);
    for (let i = 0; i < 10 * tauSamples; i++) brain.fill(buffers, 0, 1);
    expect(brain.groundTruth().suppression).toBeCloseTo(0.5, 4);
  });

  it('clips at the front-end range and flags saturated blocks', async () => {
    const source = syntheticSource({ ...brainOptions(2, { artifactRate_per_min: 120, saturation_uV: 50 }), block_samples: 50, pacing: 'max', duration_s: 60 });
    const blocks = await lastValueFrom(source.pipe(toArray()));
    expect(blocks.reduce((n, b) => n + b.data[0].length, 0)).toBe(15000);
    expect(blocks.map((b) => b.firstIndex)).toEqual(blocks.map((_, i) => i * 50));
    const flagged = blocks.filter((b) => b.flags?.includes('saturated'));
    expect(flagged.length).toBeGreaterThan(0);
    for (const b of blocks) for (const ch of b.data) for (const v of ch) expect(Math.abs(v)).toBeLessThanOrEqual(50);
  });

  it('realtime pacing follows the clock it is given', async () => {
    let now = 0;
    const source = syntheticSource({ ...brainOptions(1), block_samples: 25, pacing: 'realtime', duration_s: 1, now_ms: () => (now += 20) });
    const blocks = await lastValueFrom(source.pipe(toArray()));
    expect(blocks.reduce((n, b) => n + b.data[0].length, 0)).toBe(250);
  });
});
