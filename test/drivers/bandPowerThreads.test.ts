import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
// From dist/: the workers run dist/drivers/threads/bandPowerWorker.js (npm test builds first).
import { bandPowerThreads, channelGroups } from '../../dist/drivers/threads/bandPowerThreads.js';
import { FeatureExtractor, type FeatureExtractorOptions, type FeatureFrame } from '../../dist/signals/featureExtractor.js';
import { designFilterChain } from '../../dist/signals/filterChain.js';
import { SeededRandom } from '../../dist/sim/seededRandom.js';

/** A noisy multi-channel signal with a different beta rhythm on each channel. */
function signal(channels: number, samples: number, fs_Hz: number, seed: number): Float64Array[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: channels }, (_, c) => Float64Array.from({ length: samples }, (_, i) => 20 * Math.sin((2 * Math.PI * (13 + c) * i) / fs_Hz) + 10 * (random.uniform() - 0.5)));
}

function options(channels: number, window: number, threads: number): FeatureExtractorOptions {
  const fs_Hz = 250;
  return {
    fs_Hz,
    channels: Array.from({ length: channels }, (_, c) => `ch${c}`),
    window,
    hop: Math.max(1, Math.floor(window / 10)),
    segment: window,
    bands: [
      { name: 'theta', lo_Hz: 4, hi_Hz: 8 },
      { name: 'beta', lo_Hz: 13, hi_Hz: 30 },
    ],
    filter: designFilterChain([{ type: 'highpass', order: 2, cutoff_Hz: 1 }], fs_Hz),
    biomarker: { terms: [{ channel: channels - 1, band: 1, weight: 1 }], offset: 0, scale: 1, log10: true, averageFrames: 2, baseline_s: 0 },
    bandPowerRunner: threads > 1 ? bandPowerThreads(threads) : undefined,
  };
}

function frames(o: FeatureExtractorOptions, x: Float64Array[], block: number): FeatureFrame[] {
  const extractor = new FeatureExtractor(o);
  const out: FeatureFrame[] = [];
  try {
    for (let at = 0; at < x[0].length; at += block) {
      const n = Math.min(block, x[0].length - at);
      extractor.push({ firstIndex: at, fs_Hz: o.fs_Hz, channels: o.channels, data: x.map((c) => Float32Array.from(c.subarray(at, at + n))) }, (f) => out.push(f));
    }
  } finally {
    extractor.close();
  }
  return out;
}

/** Every number of every frame as bytes: bit-identical means identical bytes (NaN and -0 included). */
function bytesOf(list: FeatureFrame[]): string {
  return list
    .map((f) => {
      const numbers = [f.index, f.t_s, f.biomarker, ...Object.values(f.bandPower).flatMap((p) => Array.from(p))];
      return `${Buffer.from(Float64Array.from(numbers).buffer).toString('hex')}|${f.valid}|${f.reasons.join(',')}`;
    })
    .join('\n');
}

describe('band power over worker threads (signals.threads)', () => {
  it('splits channels into even-aligned groups that cover every channel once, as equal as pairs allow', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 256 }), fc.integer({ min: 1, max: 16 }), (channels, threads) => {
        const groups = channelGroups(channels, threads);
        expect(groups.length).toBe(Math.min(threads, Math.ceil(channels / 2)));
        expect(groups[0].from).toBe(0);
        expect(groups[groups.length - 1].to).toBe(channels);
        for (let g = 0; g < groups.length; g++) {
          expect(groups[g].from % 2).toBe(0);
          expect(groups[g].to).toBeGreaterThan(groups[g].from);
          if (g > 0) expect(groups[g].from).toBe(groups[g - 1].to);
        }
        const sizes = groups.map((g) => g.to - g.from);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(2);
      }),
    );
  });

  // 125 is odd: channels are paired into one complex transform, so the groups' even
  // alignment is what keeps the results identical. 256 runs the plain path.
  for (const window of [125, 256]) {
    it(`gives bit-identical frames on 1, 2, 3 and 5 threads (window ${window}, 11 channels)`, () => {
      const x = signal(11, 250 * 6, 250, window);
      const reference = bytesOf(frames(options(11, window, 1), x, 7));
      expect(reference.split('\n').length).toBeGreaterThan(40);
      for (const threads of [2, 3, 5]) expect(bytesOf(frames(options(11, window, threads), x, 7))).toBe(reference);
    });
  }

  it('refuses to compute after close, and its workers never keep the process alive', () => {
    const x = signal(4, 500, 250, 3);
    const extractor = new FeatureExtractor(options(4, 250, 2));
    extractor.close();
    expect(() => extractor.push({ firstIndex: 0, fs_Hz: 250, channels: ['ch0', 'ch1', 'ch2', 'ch3'], data: x.map((c) => Float32Array.from(c)) }, () => {})).toThrow(/closed/);

    // A process that computes on workers and forgets close() still exits on its own.
    const module = fileURLToPath(new URL('../../dist/drivers/threads/bandPowerThreads.js', import.meta.url));
    const script = `
      const { bandPowerThreads } = await import(${JSON.stringify(module)});
      const runner = bandPowerThreads(3)({ fs_Hz: 250, channels: 6, window: 250, segment: 250, bands: [{ name: 'beta', lo_Hz: 13, hi_Hz: 30 }] });
      for (let c = 0; c < 6; c++) for (let i = 0; i < 500; i++) runner.rings[c][i] = (c + 1) * Math.sin(2 * Math.PI * 20 * i / 250);
      runner.compute(0);
      process.stdout.write(JSON.stringify(Array.from(runner.power[0])));`;
    const file = join(mkdtempSync(join(tmpdir(), 'neuroloop-threads-')), 'forgets-close.mjs');
    writeFileSync(file, script);
    const child = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 20_000 });
    expect(child.status).toBe(0);
    // Channel c holds (c + 1) x a 20 Hz sine: every channel was computed, by whichever thread, as (c + 1)^2 x channel 0's power.
    const beta = JSON.parse(child.stdout) as number[];
    expect(beta[0]).toBeCloseTo(0.5, 9); // a unit sine's power, A^2 / 2, all of it in 13-30 Hz
    for (let c = 1; c < 6; c++) expect(beta[c] / beta[0]).toBeCloseTo((c + 1) ** 2, 9);
  });

  it('neuroloop run on 3 threads makes the same decisions as on one: byte-identical traces (sim, 64 channels, --speed max)', async () => {
    const dir = tempDir();
    const run = async (threads: number): Promise<string[]> => {
      const trace = join(dir, `threads-${threads}.ndjson`);
      const result = await runCli([
        'run', '--config', 'bench/soak-64ch-1000Hz.yaml', '--speed', 'max', '--duration', '40', '--no-mqtt', '--trace', trace,
        '--set', `signals.threads=${threads}`, '--set', 'signals.biomarker.baseline_s=5', '--set', 'policy.startupDelay_ms=5000',
        // The threads share transforms; this plan would otherwise go to partial sums, which run on one thread.
        '--set', 'signals.band_power_method=transform',
      ]);
      expect(result.code, result.stderr).toBe(0);
      return readFileSync(trace, 'utf8').trimEnd().split('\n');
    };
    const one = await run(1);
    const three = await run(3);
    expect(one.length).toBeGreaterThan(350); // 10 decisions a second for 40 s
    // Line 1 is the trace's header (it names the config, threads included); every step after it must match.
    expect(three.slice(1)).toEqual(one.slice(1));
    // The policy did act: the trace is not 400 identical "off" steps.
    expect(new Set(one.slice(1).map((line) => (JSON.parse(line) as { applied?: { amplitude_mA?: number } }).applied?.amplitude_mA)).size).toBeGreaterThan(2);
  });

  it('more threads than channel pairs: a notice says how many are used, and the session runs', async () => {
    const result = await runCli(['run', '--config', 'config/examples/sim-adbs.yaml', '--duration', '2', '--speed', 'max', '--no-mqtt', '--set', 'signals.threads=4', '--set', 'signals.band_power_method=transform']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/signals\.threads is 4, but 2 channel\(s\) make 1 pair\(s\): 1 thread\(s\) will be used/);
  });

  it('threads with band power by partial sums (auto, on sim-adbs with a 0.5 s window): a notice says the workers are not started, and the session runs', async () => {
    // At 125 samples, one band on two channels, auto picks partial sums (at 50, the transform).
    const result = await runCli(['run', '--config', 'config/examples/sim-adbs.yaml', '--duration', '2', '--speed', 'max', '--no-mqtt', '--set', 'signals.threads=2', '--set', 'signals.window_samples=125']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/signals\.threads is 2, but band power is made by partial sums \(signals\.band_power_method auto\), which run on one thread: the workers are not started/);
  });

  it('a bad signals.threads never starts a session: exit 2 naming the key', async () => {
    for (const bad of ['0', '1.5', '17', 'many']) {
      const result = await runCli(['run', '--config', 'config/examples/sim-adbs.yaml', '--duration', '1', '--no-mqtt', '--set', `signals.threads=${bad}`]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/signals\.threads/);
    }
  });
});
