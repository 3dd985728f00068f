import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openEdfAnnotations, openEdfSignal } from '../../drivers/edf/edfReader.js';
import { runCli, tempDir } from '../helpers/cli.js';

const ITBS = 'config/examples/tms-itbs.yaml';

interface TraceLine { index?: number; kind?: string; events?: { kind: string; index?: number; t_s: number; reason: string }[] }

describe('neuroloop run with a pulse modality (config/examples/tms-itbs.yaml)', () => {
  it('iTBS on the simulated patient: 600 pulses at the pattern samples in the trace and the summary, none refused', async () => {
    const dir = tempDir();
    const trace = join(dir, 'itbs.ndjson');
    const summary = join(dir, 'itbs.json');
    const r = await runCli(['run', '--config', ITBS, '--no-mqtt', '--speed', 'max', '--duration', '200', '--trace', trace, '--summary', summary]);
    expect(r.code, r.stderr).toBe(0);
    const lines = readFileSync(trace, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as TraceLine);
    const events = lines.flatMap((l) => l.events ?? []);
    const pulses = events.filter((e) => e.kind === 'pulse');
    const expected: number[] = [];
    for (let train = 0; train < 20; train++) for (let burst = 0; burst < 10; burst++) for (let p = 0; p < 3; p++) expected.push(5000 + train * 10_000 + burst * 200 + p * 20);
    expect(pulses.map((e) => e.index)).toEqual(expected);
    expect(events.some((e) => e.kind === 'pulse-refused')).toBe(false);
    expect(JSON.parse(readFileSync(summary, 'utf8'))).toMatchObject({ events: { pulse: 600 } });
  });

  it('a pulses section without limits.pulses never starts: exit 2 naming limits.pulses', async () => {
    const dir = tempDir();
    const config = join(dir, 'no-limits.yaml');
    writeFileSync(config, readFileSync(ITBS, 'utf8').replace(/^limits:\n(?: {2}.*\n)+/m, ''));
    const r = await runCli(['run', '--config', config, '--no-mqtt', '--speed', 'max', '--duration', '2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/limits\.pulses: is missing, but the pulses section asks for pulses/);
    expect(r.stdout).toBe('');
  });

  it('pulse limits come from the file only, and a pattern that cannot be is refused by name', async () => {
    const raised = await runCli(['run', '--config', ITBS, '--no-mqtt', '--speed', 'max', '--duration', '2', '--set', 'limits.pulses.maxPerSession=1000']);
    expect(raised.code).toBe(2);
    expect(raised.stderr).toMatch(/hard limits come from the config file only/);
    const crowded = await runCli(['run', '--config', ITBS, '--no-mqtt', '--speed', 'max', '--duration', '2', '--set', 'pulses.schedule.pulseRate_Hz=10']);
    expect(crowded.code).toBe(2);
    expect(crowded.stderr).toMatch(/pulses\.schedule\.pulseRate_Hz: 3 pulses at 10 Hz do not fit between bursts at 5 Hz/);
  });

  it('a pattern the limits would cut never starts: exit 2 naming the first pulse and the limit, on the sample grid', async () => {
    const dir = tempDir();
    const trace = join(dir, 'fast.ndjson');
    // Bursts every 100 ms instead of 200 ms: 20 per 2 s, 60 pulses in a train whose limit is 30.
    const r = await runCli(['run', '--config', ITBS, '--no-mqtt', '--speed', 'max', '--duration', '20', '--trace', trace, '--set', 'pulses.schedule.burstRate_Hz=10']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pulses\.schedule: cannot run as written at 1000 Hz: pulse 31 \(at 6 s on the 1000 Hz sample grid\) would be refused by the limits: train-pulses/);
    expect(existsSync(trace)).toBe(false);
    // config check says the same before any session.
    const raw = readFileSync(ITBS, 'utf8').replace(/burstRate_Hz: 5\b/, 'burstRate_Hz: 10');
    const file = join(dir, 'fast.yaml');
    writeFileSync(file, raw);
    const check = await runCli(['config', 'check', file]);
    expect(check.code).toBe(2);
    expect(check.stderr).toMatch(/pulses\.schedule: cannot run as written at 1000 Hz: pulse 31/);
    // 50 Hz triplets on a 256 Hz grid: 19.5 ms, under the 20 ms minimum interval.
    const slow = await runCli(['run', '--config', ITBS, '--no-mqtt', '--speed', 'max', '--duration', '5', '--set', 'source.fs_Hz=256']);
    expect(slow.code).toBe(2);
    expect(slow.stderr).toMatch(/cannot run as written at 256 Hz: pulse 3 .*min-interval: 19.531 ms/);
  });

  it('a recorded session has every pulse as an annotation of its BDF+ at the pulse\'s time', async () => {
    const dir = tempDir();
    const r = await runCli(['run', '--config', ITBS, '--no-mqtt', '--speed', 'max', '--duration', '8', '--record', dir]);
    expect(r.code, r.stderr).toBe(0);
    const [folder] = readdirSync(dir);
    const pulses: { onset_s: number; text: string }[] = [];
    const file = await openEdfAnnotations(join(dir, folder, 'signal.bdf'));
    for await (const a of file.annotations) if (/pulse: pulse \d+/.test(a.text)) pulses.push(a);
    // The first on-period (5 to 7 s): 10 triplets, 30 pulses at 5.00, 5.02, 5.04, 5.20, ...
    expect(pulses).toHaveLength(30);
    expect(pulses[0].text).toMatch(/pulse: pulse 1 \(train 1\)$/);
    // Onsets count from the header's start time, which is the session's first sample minus a part second.
    pulses.forEach((a, n) => expect(a.onset_s - file.dataStart_s).toBeCloseTo(5 + Math.floor(n / 3) * 0.2 + (n % 3) * 0.02, 6));
  });

  it('in sim, each fired pulse reaches the simulated patient: its artefact is in the recording from the end of the block that fired it', async () => {
    const dir = tempDir();
    const r = await runCli(['run', '--config', ITBS, '--no-mqtt', '--speed', 'max', '--duration', '8', '--record', dir, '--set', 'source.plant.pulseArtifact_uV=500']);
    expect(r.code, r.stderr).toBe(0);
    const [folder] = readdirSync(dir);
    const signal = await openEdfSignal(join(dir, folder, 'signal.bdf'), { block_samples: 1000, onNotice: () => {} });
    const x: number[] = [];
    for await (const item of signal.items) if (item.kind === 'block') for (const v of item.block.data[0]) x.push(v);
    const above = x.flatMap((v, i) => (v > 300 ? [i] : []));
    // Pulses at 5000, 5020, 5040, ... (1 kHz) in blocks of 10 samples: each artefact starts at the block's end, 2 samples above 300 uV (2 ms decay).
    expect(above.slice(0, 6)).toEqual([5010, 5011, 5030, 5031, 5050, 5051]);
    expect(above.every((i) => i >= 5010)).toBe(true);
  });
});
