import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { REPO, runCli, tempDir } from '../helpers/cli.js';

/**
 * Bad invocations of the built CLI, from every door (arguments, files, config, --set,
 * --mqtt). Each must exit 2 with a message naming the place, print no stack, and change
 * nothing: it runs in a fresh folder holding an output file that must keep its bytes, and
 * no file may appear.
 */

const PRECIOUS = 'precious: must survive\n';
const ADBS = join(REPO, 'config/examples/sim-adbs.yaml');

function signalCsv(rows: number, edit: (t: string, i: number) => string = (t) => t): string {
  const lines = ['t,a,b'];
  for (let i = 0; i < rows; i++) lines.push(`${edit(String(i / 250), i)},${Math.sin(i / 7).toFixed(4)},${Math.cos(i / 5).toFixed(4)}`);
  return `${lines.join('\n')}\n`;
}

/** Files every case finds in its folder (cwd): paths in the cases are relative to it. */
const FILES: Record<string, string> = {
  'out.csv': PRECIOUS,
  'in.csv': signalCsv(600),
  'cfg.yaml': readFileSync(ADBS, 'utf8'),
  'inf-t.csv': signalCsv(600, (t, i) => (i === 300 ? '1e400' : t)),
  'inf-cell.csv': 't,a\n0,1\n0.004,1e400\n0.008,2\n',
  // Past the first 1000 rows, which the sample rate is inferred from.
  'jump.csv': signalCsv(1500, (t, i) => (i === 1200 ? '1e12' : t)),
  'ragged.csv': 't,a,b\n0,1,2\n0.004,1\n',
  'microseconds.csv': 't,a\n0,1\n0.000001,2\n0.000002,3\n0.000003,4\n',
  'bad.yaml': 'signals:\n  window_samples: 1\n',
  'bad2.yaml': 'signals:\n  window_samples: 1\n  hop_sample: 3\n',
  // The other helpers' domains (config/load.ts, config/overrides.ts): pass once merged.
  'bomb.yaml': `a: &a [x, x, x, x, x, x, x, x, x]\n${['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map((k, i) => `${k}: &${k} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`).join('\n')}\nrig: {id: *i}\n`,
  'big.yaml': `${readFileSync(ADBS, 'utf8')}\n${'# padding to make the file two megabytes long ....................\n'.repeat(32 * 1024)}`,
};

interface BadCase {
  readonly args: readonly string[];
  /** A substring of the message that names the place (flag, file:line, config key). */
  readonly place: string;
  /** Must not appear on stderr (a password). */
  readonly secret?: string;
  /** ConfigError lists problems one per line under a heading line. */
  readonly multiLine?: boolean;
}

// Every run case ends by itself if it were wrongly accepted: no hang, a failed assertion.
const RUN = ['run', '--no-mqtt', '--duration', '1', '--speed', 'max'];
const RUN_ADBS = [...RUN, '--config', 'cfg.yaml'];

const CASES: readonly BadCase[] = [
  { args: ['frobnicate'], place: 'unknown command "frobnicate"' },
  // features
  { args: ['features'], place: 'features: expected one INPUT file' },
  { args: ['features', 'missing.csv', '--out', 'out.csv'], place: 'missing.csv: file not found' },
  { args: ['features', 'in.csv', '--out', 'out.csv', '--window', '1e8'], place: '--window' },
  { args: ['features', 'in.csv', '--out', 'out.csv', '--window', '2000000'], place: '--window: expected a whole number from 2 to 1048576' },
  { args: ['features', 'in.csv', '--out', 'out.csv', '--window', '0'], place: '--window' },
  { args: ['features', 'in.csv', '--out', 'out.csv', '--hop', '0'], place: '--hop' },
  { args: ['features', 'in.csv', '--out', 'out.csv', '--hop', '99999999'], place: '--hop' },
  { args: ['features', 'in.csv', '--out', 'out.csv', '--segment', '512'], place: '--segment 512 must not exceed --window 256' },
  { args: ['features', 'in.csv', '--out', 'out.csv', '--fs', '0'], place: '--fs' },
  { args: ['features', 'in.csv', '--out', 'out.csv', '--fs', '1e9'], place: '--fs: expected a number from 1 to 100000 Hz' },
  { args: ['features', 'in.csv', '--out', 'out.csv', '--fs', 'abc'], place: '--fs' },
  { args: ['features', 'in.csv', '--out', 'out.csv', '--bands', 'beta=30:13'], place: '--bands' },
  { args: ['features', 'in.csv', '--out', 'out.csv', '--bands', 'x=1:200'], place: '--bands: x ends at 200 Hz, above the Nyquist' },
  { args: ['features', 'in.csv', '--out', 'out.csv', '--windw', '4'], place: "'--windw'" },
  { args: ['features', 'in.csv', '--out', 'in.csv'], place: '--out in.csv: is the same file as INPUT' },
  { args: ['features', 'in.csv', '--out', '.'], place: '--out .: is a directory' },
  { args: ['features', 'in.csv', '--out', 'nodir/x.csv'], place: '--out nodir/x.csv: the directory' },
  { args: ['features', 'in.csv', '--out', 'out.csv/x.csv'], place: '--out out.csv/x.csv: a part of the path is a file' },
  { args: ['features', 'inf-t.csv', '--out', 'out.csv'], place: 'inf-t.csv: line 302, column 1 (t): expected a finite number' },
  { args: ['features', 'inf-cell.csv', '--out', 'out.csv', '--window', '2'], place: 'inf-cell.csv: line 3, column 2 (a): expected a finite number' },
  { args: ['features', 'jump.csv', '--out', 'out.csv'], place: 'jump.csv: line 1202, column 1 (t): 1000000000000 s jumps' },
  { args: ['features', 'ragged.csv', '--out', 'out.csv'], place: 'ragged.csv: line 3' },
  { args: ['features', 'microseconds.csv', '--out', 'out.csv'], place: 'microseconds.csv: column 1 (t)' },
  // sim
  { args: ['sim', '--out', 'out.csv'], place: '--duration S is required' },
  { args: ['sim', '--duration', '1e9', '--out', 'out.csv'], place: '--duration: expected a positive number up to 604800' },
  { args: ['sim', '--duration', '1', '--fs', '1e9', '--out', 'out.csv'], place: '--fs' },
  { args: ['sim', '--duration', '1', '--channels', '1000', '--out', 'out.csv'], place: '--channels' },
  { args: ['sim', '--duration', '1', '--seed=4294967296', '--out', 'out.csv'], place: '--seed' },
  { args: ['sim', '--duration', '1', '--out', '.'], place: '--out .: is a directory' },
  { args: ['sim', '--duration', '1', '--config', 'cfg.yaml', '--out', 'cfg.yaml'], place: '--out cfg.yaml: is the same file as --config' },
  { args: ['sim', '--duration', '1', '--config', 'missing.yaml', '--out', 'out.csv'], place: 'missing.yaml' },
  { args: ['sim', 'extra', '--duration', '1'], place: 'sim: unexpected argument "extra"' },
  // run
  { args: [...RUN], place: '--config FILE is required' },
  { args: [...RUN, '--config', 'missing.yaml'], place: 'missing.yaml' },
  { args: ['run', '--no-mqtt', '--config', 'cfg.yaml', '--duration', '1e9'], place: '--duration' },
  { args: ['run', '--no-mqtt', '--config', 'cfg.yaml', '--duration', '0'], place: '--duration' },
  { args: [...RUN_ADBS, '--speed', 'warp'], place: '--speed' },
  { args: [...RUN_ADBS, '--seed', '99999999999'], place: '--seed' },
  { args: ['run', '--duration', '1', '--config', 'cfg.yaml', '--mqtt', 'mqtt://ops:s3cr3t@host:0'], place: '--mqtt', secret: 's3cr3t' },
  { args: ['run', '--duration', '1', '--config', 'cfg.yaml', '--mqtt', 'mqtt://ops:s3cr3t@host:99999'], place: '--mqtt', secret: 's3cr3t' },
  { args: ['run', '--duration', '1', '--config', 'cfg.yaml', '--mqtt', 'ftp://host'], place: '--mqtt' },
  { args: ['run', '--duration', '1', '--config', 'cfg.yaml', '--mqtt', 'mqtt://'], place: '--mqtt' },
  { args: [...RUN_ADBS, '--mqtt', 'mqtt://localhost'], place: '--mqtt and --no-mqtt' },
  { args: [...RUN_ADBS, '--trace', '.'], place: '--trace .: is a directory' },
  { args: [...RUN_ADBS, '--trace', '-'], place: '--trace' },
  { args: [...RUN_ADBS, '--summary', 'nodir/s.json'], place: '--summary nodir/s.json: the directory' },
  { args: [...RUN_ADBS, '--trace', 'out.csv', '--summary', 'out.csv'], place: '--summary out.csv: is the same file as --trace' },
  { args: [...RUN_ADBS, '--trace', 'cfg.yaml'], place: '--trace cfg.yaml: is the same file as --config' },
  { args: [...RUN_ADBS, '--set', 'logging.file=nodir/log.ndjson'], place: 'logging.file nodir/log.ndjson' },
  { args: [...RUN_ADBS, '--set', 'logging.file=.'], place: 'logging.file .: is a directory' },
  { args: [...RUN_ADBS, '--log-format', 'fancy'], place: '--log-format' },
  { args: [...RUN_ADBS, '--set', 'policy.upperThreshold=-5'], place: 'policy.upperThreshold' },
  { args: [...RUN_ADBS, 'extra'], place: 'run: unexpected argument "extra"' },
  // config
  { args: ['config', 'check', 'bad.yaml'], place: 'signals.window_samples' },
  { args: ['config', 'check', 'bad2.yaml'], place: 'signals.hop_sample: unknown key', multiLine: true },
  { args: ['config', 'check'], place: 'config check: expected one FILE' },
  { args: ['config', 'frob'], place: 'config: unknown subcommand "frob"' },
  // The other helpers' domains: hard limits never from --set, no prototype keys, YAML alias bombs, huge files.
  { args: [...RUN_ADBS, '--set', 'limits.amplitude_mA.max=40'], place: 'limits', multiLine: true },
  { args: [...RUN_ADBS, '--set', '__proto__.x=1'], place: '__proto__', multiLine: true },
  { args: [...RUN, '--config', 'bomb.yaml'], place: 'bomb.yaml', multiLine: true },
  { args: [...RUN, '--config', 'big.yaml'], place: 'big.yaml', multiLine: true },
];

/** At most 4 CLIs at a time: the machine is shared. */
const slots = { free: 4, waiting: [] as (() => void)[] };
async function withSlot<T>(work: () => Promise<T>): Promise<T> {
  if (slots.free === 0) await new Promise<void>((resolve) => slots.waiting.push(resolve));
  else slots.free--;
  try {
    return await work();
  } finally {
    const next = slots.waiting.shift();
    if (next) next();
    else slots.free++;
  }
}

describe.concurrent('bad input: exit 2, the place named, no stack, nothing written', () => {
  it.for(CASES.map((c) => [c.args.join(' '), c] as const))('neuroloop %s', async ([, c], { expect }) => {
    const dir = tempDir('neuroloop-bad-');
    for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);
    const r = await withSlot(() => runCli([...c.args], { cwd: dir, timeout_ms: 60_000 }));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(c.place);
    expect(r.stderr.startsWith('neuroloop: ')).toBe(true);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).not.toContain('internal error');
    if (!c.multiLine) expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    if (c.secret) expect(r.stderr).not.toContain(c.secret);
    expect(r.stdout).toBe('');
    expect(readdirSync(dir).sort()).toEqual(Object.keys(FILES).sort());
    for (const [name, text] of Object.entries(FILES)) expect(readFileSync(join(dir, name), 'utf8')).toBe(text);
  });
});
