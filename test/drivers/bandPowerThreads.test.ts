import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
// From dist/: the workers run dist/drivers/threads/bandPowerWorker.js (npm test builds first).
import { CONTROL, bandPowerThreads, channelGroups, controlSlots, sharedPower, sharedRings } from '../../dist/drivers/threads/bandPowerThreads.js';
import { ChannelBandPower } from '../../dist/signals/channelBandPower.js';
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

  it('a worker ignores a late notify of a generation it already answered (the stale-power race of 2026-12-07)', async () => {
    // The main thread bumps the generation, then notifies. Descheduled in between, its notify
    // can reach a worker that already saw the bump, computed and went back to sleep: the
    // worker must not take that wake-up for new work (it once answered twice, and the main
    // thread read another worker's channels before they were written).
    const spec = { fs_Hz: 250, channels: 4, window: 16, segment: 16, bands: [{ name: 'b', lo_Hz: 10, hi_Hz: 60 }] };
    const rings = new SharedArrayBuffer(spec.channels * 2 * spec.window * 8);
    const powerBuffer = new SharedArrayBuffer(spec.bands.length * spec.channels * 8);
    const controlBuffer = new SharedArrayBuffer(controlSlots(1) * 4);
    const control = new Int32Array(controlBuffer);
    const power = sharedPower(powerBuffer, spec);
    const ring = sharedRings(rings, spec);
    const random = new SeededRandom(5);
    for (const r of ring) for (let i = 0; i < r.length; i++) r[i] = random.uniform() - 0.5;
    const expected = spec.bands.map(() => new Float64Array(spec.channels));
    new ChannelBandPower(spec).compute(ring, 3, 0, spec.channels, expected);
    const worker = new Worker(new URL('../../dist/drivers/threads/bandPowerWorker.js', import.meta.url), { workerData: { spec, rings, power: powerBuffer, control: controlBuffer, group: 1, from: 2, to: 4 } });
    const sleep = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    try {
      Atomics.store(control, CONTROL.start, 3);
      Atomics.add(control, CONTROL.generation, 1);
      Atomics.notify(control, CONTROL.generation);
      const deadline = Date.now() + 10_000;
      while (Atomics.load(control, CONTROL.ack) !== 1 && Date.now() < deadline) sleep(1);
      expect(Atomics.load(control, CONTROL.ack)).toBe(1);
      expect(Array.from(power[0].subarray(2, 4))).toEqual(Array.from(expected[0].subarray(2, 4)));
      const done = Atomics.load(control, CONTROL.done);
      power[0].fill(-1);
      // The late notify: wait until it wakes the worker asleep on generation 1.
      let woken = 0;
      while (woken === 0 && Date.now() < deadline) {
        woken = Atomics.notify(control, CONTROL.generation);
        if (woken === 0) sleep(1);
      }
      expect(woken).toBe(1);
      expect(Atomics.wait(control, CONTROL.done, done, 300)).toBe('timed-out'); // no second answer
      expect(Array.from(power[0])).toEqual([-1, -1, -1, -1]); // nothing recomputed
      // And the worker still answers the next real generation.
      Atomics.store(control, CONTROL.start, 3);
      Atomics.add(control, CONTROL.generation, 1);
      Atomics.notify(control, CONTROL.generation);
      while (Atomics.load(control, CONTROL.ack) !== 2 && Date.now() < deadline) sleep(1);
      expect(Atomics.load(control, CONTROL.ack)).toBe(2);
      expect(Array.from(power[0].subarray(2, 4))).toEqual(Array.from(expected[0].subarray(2, 4)));
    } finally {
      Atomics.store(control, CONTROL.stop, 1);
      Atomics.add(control, CONTROL.generation, 1);
      Atomics.notify(control, CONTROL.generation);
      await worker.terminate();
    }
  });

  it('every one of many quick computes matches one thread bit for bit (tiny windows, more threads than cores)', () => {
    // Tiny windows make the handshake, not the transform, the bulk of each compute: the
    // late-notify race showed here about once in 10^5 computes before it was fixed.
    const random = new SeededRandom(11);
    for (const [threads, channels, window] of [[3, 9, 9], [5, 11, 24], [7, 15, 25]] as const) {
      const spec = { fs_Hz: 250, channels, window, segment: window, bands: [{ name: 'b', lo_Hz: 10, hi_Hz: 60 }] };
      const runner = bandPowerThreads(threads)(spec);
      const reference = new ChannelBandPower(spec);
      const rings = Array.from({ length: channels }, () => new Float64Array(2 * window));
      const expected = [new Float64Array(channels)];
      try {
        for (let k = 0; k < 3000; k++) {
          for (let c = 0; c < channels; c++) {
            for (let i = 0; i < 2 * window; i++) rings[c][i] = runner.rings[c][i] = random.uniform() - 0.5;
          }
          const start = Math.floor(random.uniform() * window);
          runner.compute(start);
          reference.compute(rings, start, 0, channels, expected);
          for (let c = 0; c < channels; c++) {
            if (!Object.is(runner.power[0][c], expected[0][c])) expect({ threads, k, c, power: runner.power[0][c] }).toEqual({ threads, k, c, power: expected[0][c] });
          }
        }
      } finally {
        runner.close();
      }
    }
  });

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
