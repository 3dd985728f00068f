import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { edfBytes, type TestRecord } from '../helpers/edfBytes.js';
import { runCli, tempDir } from '../helpers/cli.js';

/**
 * `neuroloop features` on EDF/BDF files gives the rows it gives on a CSV of the same
 * samples. The files are built byte by byte from the specification by the test helper
 * (test/helpers/edfBytes.ts), not by neuroloop's writer. The grids are chosen so that
 * every physical value is a digital value times a power of two (EDF: /32, BDF: /1024),
 * exact in float32 and float64 and printed exactly in the CSV: the two runs see the very
 * same numbers, so their outputs must be equal byte for byte.
 */

const FS_HZ = 250;
const RECORDS = 8;
const GRIDS = {
  edf: { physMin: -512, physMax: 512, digMin: -16384, digMax: 16384, divisor: 32 },
  bdf: { physMin: -4096, physMax: 4096, digMin: -4194304, digMax: 4194304, divisor: 1024 },
} as const;

/** Digital sample of channel c at index i: two sines and a cheap pseudo-random term. */
function digital(c: number, i: number, scale: number): number {
  const noise = ((i * 7919 + c * 104729) % 1000) / 1000 - 0.5;
  return Math.round(scale * (Math.sin((2 * Math.PI * (10 + 3 * c) * i) / FS_HZ) + 0.6 * Math.sin((2 * Math.PI * 21 * i) / FS_HZ + c) + 0.8 * noise));
}

interface Recording {
  /** Onset of each record in seconds (EDF+D may jump). */
  readonly onsets_s: readonly number[];
}

/** An EDF+ or BDF+ file with C3, C4 and Pz and an annotation signal, and the CSV of the same samples. */
function writePair(dir: string, format: 'edf' | 'bdf', name: string, recording: Recording = { onsets_s: Array.from({ length: RECORDS }, (_, r) => r) }): { file: string; csv: string } {
  const grid = GRIDS[format];
  const labels = ['C3', 'C4', 'Pz'];
  const scale = format === 'edf' ? 6000 : 150_000;
  const rows = [`t,${labels.join(',')}`];
  const data: TestRecord[] = recording.onsets_s.map((onset_s, r) => {
    const signals = labels.map((_, c) => Array.from({ length: FS_HZ }, (_, k) => digital(c, r * FS_HZ + k, scale)));
    for (let k = 0; k < FS_HZ; k++) rows.push(`${(onset_s * FS_HZ + k) / FS_HZ},${signals.map((s) => s[k] / grid.divisor).join(',')}`);
    const tal = `+${onset_s}\x14\x14\x00${r === 2 ? `+${onset_s + 0.5}\x14MedOn\x14\x00` : ''}`;
    return [...signals, tal];
  });
  const discontinuous = recording.onsets_s.some((t, r) => t !== r);
  const bytes = edfBytes({
    format,
    reserved: `${format.toUpperCase()}+${discontinuous ? 'D' : 'C'}`,
    signals: [...labels.map((label) => ({ label, samples: FS_HZ, physMin: grid.physMin, physMax: grid.physMax, digMin: grid.digMin, digMax: grid.digMax })), { label: format === 'edf' ? 'EDF Annotations' : 'BDF Annotations', samples: format === 'edf' ? 30 : 20 }],
    data,
  });
  const file = join(dir, name);
  writeFileSync(file, bytes);
  const csv = join(dir, `${name}.csv`);
  writeFileSync(csv, `${rows.join('\n')}\n`);
  return { file, csv };
}

async function features(args: string[]): Promise<string> {
  const r = await runCli(['features', ...args]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

describe('neuroloop features on EDF and BDF', () => {
  it.each([
    ['EDF+', 'edf', 'rec.edf'],
    ['BDF+', 'bdf', 'rec.bdf'],
    ['EDF+ named in capitals', 'edf', 'REC.EDF'],
    ['EDF+ known by its version field only', 'edf', 'recording.dat'],
    ['BDF+ known by its version field only', 'bdf', 'recording'],
  ] as const)('%s: the same rows as the CSV of the same samples', async (_name, format, name) => {
    const { file, csv } = writePair(tempDir(), format, name);
    const args = ['--window', '200', '--hop', '50', '--segment', '100'];
    const fromCsv = await features([csv, ...args]);
    expect(fromCsv.split('\n').length).toBeGreaterThan(30);
    expect(await features([file, ...args])).toBe(fromCsv);
  });

  it('--channels by label and by index picks those signals, in the order given', async () => {
    const { file, csv } = writePair(tempDir(), 'bdf', 'rec.bdf');
    const fromCsv = await features([csv, '--channels', 'Pz,C3', '--bands', 'alpha=8:13,beta=13:30']);
    expect(fromCsv.split('\n')[0]).toBe('end_sample,t_s,Pz.alpha,Pz.beta,C3.alpha,C3.beta');
    expect(await features([file, '--channels', 'Pz,C3', '--bands', 'alpha=8:13,beta=13:30'])).toBe(fromCsv);
    expect(await features([file, '--channels', '2, 0', '--bands', 'alpha=8:13,beta=13:30'])).toBe(fromCsv);
    expect(await features([csv, '--channels', '2,0', '--bands', 'alpha=8:13,beta=13:30'])).toBe(fromCsv);
  });

  it('an EDF+D jump is a gap, as a jump in the CSV t column is: the windows over it are NaN', async () => {
    const { file, csv } = writePair(tempDir(), 'edf', 'gap.edf', { onsets_s: [0, 1, 2, 5, 6, 7, 8, 9] });
    const args = ['--window', '128', '--hop', '32'];
    const fromCsv = await features([csv, ...args]);
    const rows = fromCsv.trimEnd().split('\n').slice(1);
    expect(rows.some((row) => row.includes('NaN'))).toBe(true);
    // No window ends inside the gap (samples 750 to 1249 are missing).
    expect(rows.map((row) => Number(row.split(',')[0])).some((end) => end > 750 && end <= 1250)).toBe(false);
    expect(await features([file, ...args])).toBe(fromCsv);
  });

  const bad: { name: string; args: (file: string, csv: string) => string[]; message: RegExp }[] = [
    { name: 'a label the file does not have', args: (file) => [file, '--channels', 'Cz'], message: /rec\.edf: .*"Cz"/ },
    { name: 'an index past the last signal', args: (file) => [file, '--channels', '7'], message: /rec\.edf: .*7/ },
    { name: 'a CSV without that channel', args: (_file, csv) => [csv, '--channels', 'Cz'], message: /--channels: .*rec\.edf\.csv has no channel "Cz"; its channels are C3, C4, Pz/ },
    { name: 'a CSV channel asked for twice', args: (_file, csv) => [csv, '--channels', 'C3,0'], message: /--channels: C3 is asked for twice/ },
    { name: 'an empty --channels item', args: (file) => [file, '--channels', 'C3,,C4'], message: /--channels: expected labels or indices separated by commas, got "C3,,C4"/ },
    { name: '--fs contradicting the header', args: (file) => [file, '--fs', '500'], message: /--fs 500 disagrees with the header of .*rec\.edf, whose signals are sampled at 250 Hz/ },
  ];
  it.each(bad.map((c) => [c.name, c] as const))('%s: exit 2, named, no output file', async (_name, c) => {
    const dir = tempDir();
    const { file, csv } = writePair(dir, 'edf', 'rec.edf');
    const r = await runCli(['features', ...c.args(file, csv), '--out', join(dir, 'out.csv')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(c.message);
    expect(readdirSync(dir).sort()).toEqual(['rec.edf', 'rec.edf.csv']);
  });

  it('a .bdf name that holds no BDF is read as one and refused by the EDF reader, not taken for a CSV', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'x.BDF'), 't,a\n0,1\n0.004,2\n');
    const r = await runCli(['features', join(dir, 'x.BDF')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/x\.BDF: .*256-byte fixed part of an EDF\/BDF header/);
  });
});
