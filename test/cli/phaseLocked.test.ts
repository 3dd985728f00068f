import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openEdfSignal } from '../../drivers/edf/edfReader.js';
import { phaseAccuracy } from '../../signals/phaseAccuracy.js';
import { REPO, runCli, tempDir } from '../helpers/cli.js';

const EXAMPLE = join(REPO, 'config/examples/tms-alpha-peak.yaml');
const CLAS = join(REPO, 'config/examples/clas-slow-oscillation.yaml');

const pulsesOf = (trace: string): number[] =>
  readFileSync(trace, 'utf8')
    .trimEnd()
    .split('\n')
    .flatMap((l) => (JSON.parse(l) as { events?: { kind: string; index: number }[] }).events ?? [])
    .filter((e) => e.kind === 'pulse')
    .map((e) => e.index);

/** Runs an example recorded, and returns the fired pulses (from the trace) and the first channel as written to the BDF+. */
async function recordedRun(config: string, duration_s: number, sets: readonly string[] = []): Promise<{ fired: number[]; refused: number; x: number[]; bdf: string }> {
  const dir = tempDir();
  const trace = join(dir, 'trace.ndjson');
  const r = await runCli(['run', '--config', config, '--no-mqtt', '--speed', 'max', '--duration', String(duration_s), '--record', dir, '--trace', trace, ...sets.flatMap((s) => ['--set', s])]);
  expect(r.code, r.stderr).toBe(0);
  const events = readFileSync(trace, 'utf8').trimEnd().split('\n').flatMap((l) => (JSON.parse(l) as { events?: { kind: string; index: number }[] }).events ?? []);
  const [folder] = readdirSync(dir).filter((f) => !f.endsWith('.ndjson'));
  const signal = await openEdfSignal(join(dir, folder, 'signal.bdf'), { block_samples: 1000, onNotice: () => {} });
  const x: number[] = [];
  for await (const item of signal.items) if (item.kind === 'block') for (const v of item.block.data[0]) x.push(v);
  return { fired: pulsesOf(trace), refused: events.filter((e) => e.kind === 'pulse-refused').length, x, bdf: join(dir, folder, 'signal.bdf') };
}

describe('config/examples/tms-alpha-peak.yaml: alpha-peak-triggered pulses, judged as Zrenner et al. 2020 judge them', () => {
  it("recorded and read back, its pulses land on the alpha peak of the brain's own signal despite the artefact of each pulse: circular SD <= 35 deg, mean within 10 deg (top half)", async () => {
    // The recording as written to disk (24-bit BDF+), not the simulator's memory.
    const { fired, refused, x, bdf } = await recordedRun(EXAMPLE, 180);
    expect(refused).toBe(0);
    expect(x.length).toBe(180_000);
    // The same patient (seed) without what pulses do to the signal: the brain's own EEG, the
    // ground truth the pulses are judged on (a recording with the artefact in it is none).
    const own = await recordedRun(EXAMPLE, 180, ['source.plant.pulseArtifact_uV=0', 'source.plant.evokedResponse_uV=0']);
    // The pulses' artefact (clipped by the front end) and evoked responses are in the recording, and nothing else differs.
    let artefact = 0;
    for (let i = 0; i < x.length; i++) {
      if (x[i] === own.x[i]) continue;
      expect(fired.some((p) => i > p && i <= p + 1000), `sample ${i} differs with no pulse within 1 s before it`).toBe(true);
      if (Math.abs(x[i] - own.x[i]) > 300) artefact++;
    }
    expect(artefact).toBeGreaterThan(fired.length * 10);
    // blank_ms (100 ms after each pulse): the estimator ran on its prediction, not on the artefact.
    const accuracy = phaseAccuracy(own.x, fired, { fs_Hz: 1000, band: { lo_Hz: 8, hi_Hz: 13 }, targetPhase_deg: 0 });
    expect(accuracy.topHalf.triggers).toBeGreaterThan(40);
    expect(accuracy.topHalf.circSd_deg).toBeLessThanOrEqual(35);
    expect(Math.abs(accuracy.topHalf.circMean_deg)).toBeLessThanOrEqual(10);
    // At least 2 s apart (the refractory period and the governor's limit).
    for (let i = 1; i < fired.length; i++) expect(fired[i] - fired[i - 1]).toBeGreaterThanOrEqual(2000);
    // Replayed from its recording with the same config, the loop fires the same pulses at the same samples.
    const replayTrace = join(tempDir(), 'replay.ndjson');
    const replay = await runCli(['replay', bdf, '--config', EXAMPLE, '--trace', replayTrace]);
    expect(replay.code, replay.stderr).toBe(0);
    expect(pulsesOf(replayTrace)).toEqual(fired);
  }, 120_000);

  it('clas-slow-oscillation.yaml: clicks at the up-state of slow oscillations (Ngo et al. 2013): each after a trough below -80 uV, on the up-state peak', async () => {
    const { fired, refused, x } = await recordedRun(CLAS, 600);
    expect(refused).toBe(0);
    expect(x.length).toBe(600 * 250);
    expect(fired.length).toBeGreaterThan(40);
    const accuracy = phaseAccuracy(x, fired, { fs_Hz: 250, band: { lo_Hz: 0.5, hi_Hz: 1.25 }, targetPhase_deg: 0 });
    expect(accuracy.all.circSd_deg).toBeLessThanOrEqual(35);
    expect(Math.abs(accuracy.all.circMean_deg)).toBeLessThanOrEqual(10);
    // Most clicks follow a negative half-wave below -80 uV within 1.5 s (the amplitude gate is on the band, not the raw trough).
    const afterTrough = fired.filter((i) => Math.min(...x.slice(Math.max(0, i - 375), i)) < -80).length;
    expect(afterTrough / fired.length).toBeGreaterThan(0.8);
    for (let i = 1; i < fired.length; i++) expect(fired[i] - fired[i - 1]).toBeGreaterThanOrEqual(625); // 2.5 s at 250 Hz
  }, 120_000);
});
