import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { goldenPath, readGolden } from '../helpers/golden.js';
import { runCli, tempDir } from '../helpers/cli.js';

interface FeaturesCase {
  name: string; fs_Hz: number; window: number; hop: number; segment: number; withTime: boolean;
  rows: Record<string, number>[];
}
const golden = readGolden<{ cases: FeaturesCase[] }>('features.json');

function parseCsv(text: string): { header: string[]; rows: number[][] } {
  const [head, ...lines] = text.trimEnd().split('\n');
  return { header: head.split(','), rows: lines.map((l) => l.split(',').map(Number)) };
}

describe('neuroloop features', () => {
  it.each(golden.cases.map((c) => [c.name, c] as const))('%s agrees with SciPy to 1e-6 relative', async (_name, c) => {
    const dir = tempDir();
    const out = join(dir, 'features.csv');
    const args = ['features', goldenPath(`${c.name}.input.csv`), '--window', String(c.window), '--hop', String(c.hop), '--segment', String(c.segment), '--out', out];
    if (!c.withTime) args.push('--fs', String(c.fs_Hz));
    const r = await runCli(args);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { header, rows } = parseCsv(readFileSync(out, 'utf8'));
    expect(header).toEqual(Object.keys(c.rows[0]));
    expect(rows).toHaveLength(c.rows.length);
    rows.forEach((row, i) => {
      header.forEach((column, j) => {
        const expected = c.rows[i][column];
        if (column === 'end_sample') expect(row[j]).toBe(expected);
        else expect(Math.abs(row[j] - expected) / Math.abs(expected)).toBeLessThan(1e-6);
      });
    });
  });

  it('writes stdout by default, with the default bands and hop window/4', async () => {
    const r = await runCli(['features', goldenPath('features-a.input.csv')]);
    expect(r.code).toBe(0);
    const { header, rows } = parseCsv(r.stdout);
    expect(header).toEqual(['end_sample', 't_s', ...['C3', 'C4'].flatMap((ch) => ['delta', 'theta', 'alpha', 'beta', 'gamma'].map((b) => `${ch}.${b}`))]);
    expect(rows.slice(0, 3).map((row) => row[0])).toEqual([256, 320, 384]);
    expect(rows[0][1]).toBe(256 / 250);
  });

  it('honours --bands in the order given', async () => {
    const r = await runCli(['features', goldenPath('features-a.input.csv'), '--bands', 'beta=13:30,lowbeta=13:20']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('end_sample,t_s,C3.beta,C3.lowbeta,C4.beta,C4.lowbeta');
  });
});

describe('neuroloop features: bad input', () => {
  const cases: { name: string; csv: string; args?: string[]; message: RegExp }[] = [
    { name: 'a ragged row', csv: 't,a,b\n0,1,2\n0.004,1\n', message: /line 3: expected 3 cells \(t,a,b\), got 2/ },
    { name: 'a non-numeric cell', csv: 't,a,b\n0,1,2\n0.004,1,x7\n', message: /line 3, column 3 \(b\): expected a number, got "x7"/ },
    { name: 'no header', csv: '0,1,2\n0.004,1,2\n', message: /line 1: expected a header of channel names/ },
    { name: 'an empty file', csv: '', message: /empty file/ },
    { name: 'unknown band syntax', csv: 't,a\n0,1\n0.004,2\n', args: ['--bands', 'beta=13-30'], message: /--bands: "beta=13-30" is not name=lo:hi/ },
    { name: 'a band above Nyquist', csv: 't,a\n0,1\n0.004,2\n', args: ['--bands', 'hi=100:200'], message: /above the Nyquist frequency 125 Hz/ },
    { name: 'a window larger than the data', csv: 't,a\n0,1\n0.004,2\n0.008,3\n', message: /--window 256 is larger than the data: .* has 3 samples/ },
    { name: 'no t column and no --fs', csv: 'a,b\n1,2\n', message: /no t column, so the sample rate must be given \(--fs HZ\)/ },
    { name: '--fs contradicting the t column', csv: 't,a\n0,1\n0.004,2\n0.008,3\n', args: ['--fs', '500'], message: /--fs 500 disagrees with the t column .* 250 Hz/ },
    { name: 'time going back', csv: 't,a\n0,1\n0.004,2\n0.008,3\n0.004,3\n', args: ['--window', '2'], message: /line 5, column 1 \(t\)/ },
    { name: 'a bad --window', csv: 't,a\n0,1\n', args: ['--window', '1.5'], message: /--window: expected a whole number from 2 to 1048576, got "1.5"/ },
    { name: 'an unknown option', csv: 't,a\n0,1\n', args: ['--windw', '4'], message: /Unknown option '--windw'/ },
  ];
  it.each(cases.map((c) => [c.name, c] as const))('%s: exit 2, the place named, no output file left', async (_name, c) => {
    const dir = tempDir();
    const input = join(dir, 'in.csv');
    writeFileSync(input, c.csv);
    const out = join(dir, 'out.csv');
    const r = await runCli(['features', input, ...(c.args ?? []), '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(c.message);
    expect(r.stdout).toBe('');
    expect(readdirSync(dir)).toEqual(['in.csv']);
  });

  it('a missing input file: exit 2 naming it', async () => {
    const r = await runCli(['features', '/nonexistent/x.csv']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\/nonexistent\/x\.csv: file not found/);
  });

  it('a gap in t makes the windows over it NaN rather than wrong numbers', async () => {
    const dir = tempDir();
    const rows = ['t,a'];
    for (let i = 0; i < 40; i++) if (i < 10 || i >= 20) rows.push(`${i / 100},${Math.sin(i)}`);
    writeFileSync(join(dir, 'gap.csv'), `${rows.join('\n')}\n`);
    const r = await runCli(['features', join(dir, 'gap.csv'), '--window', '8', '--hop', '2', '--bands', 'x=1:50']);
    expect(r.code).toBe(0);
    const { rows: out } = parseCsv(r.stdout);
    const byEnd = new Map(out.map((row) => [row[0], row[2]]));
    expect(byEnd.get(8)).not.toBeNaN();
    expect([...byEnd.keys()].some((end) => end > 10 && end <= 20)).toBe(false);
    expect(byEnd.get(22)).toBeNaN();
    expect(byEnd.get(28)).not.toBeNaN();
  });
});
