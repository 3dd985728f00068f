import { parseArgs } from 'node:util';
import { simSourceSchema } from '../config/schema.js';
import { loadConfigFile } from '../config/load.js';
import { AtomicTextOutput } from '../drivers/atomicTextOutput.js';
import { InputError } from '../drivers/inputError.js';
import { SyntheticBrain } from '../sim/syntheticBrain.js';
import { channelNames } from '../sim/syntheticSource.js';
import { parseInteger, parsePositive } from './args.js';
import { Progress } from './progress.js';

export const SIM_HELP = `Usage: neuroloop sim --duration S [options]

Writes synthetic LFP/EEG (DESIGN.md "Simulator") as a CSV that "neuroloop features"
reads: t in seconds, then one column per channel in microvolts (rounded to 1e-6 uV).
The same seed always gives the same file.

Options:
  --duration S       seconds of data (required)
  --fs HZ            sample rate (default 250)
  --channels N       number of channels (default 2)
  --seed K           random seed, 0 to 4294967295 (default 1)
  --config FILE      take the brain and plant parameters from a config's sim source
  --out FILE         output CSV; "-" or absent: stdout
`;

const ROWS_PER_CHUNK = 4096;

export async function simCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      duration: { type: 'string' },
      fs: { type: 'string' },
      channels: { type: 'string' },
      seed: { type: 'string' },
      config: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(SIM_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new InputError(`sim: unexpected argument "${positionals[0]}"\n\n${SIM_HELP}`);
  const duration_s = parsePositive('--duration', values.duration);
  if (duration_s === undefined) throw new InputError(`sim: --duration S is required\n\n${SIM_HELP}`);

  let base = simSourceSchema.parse({ kind: 'sim' });
  if (values.config !== undefined) {
    const config = loadConfigFile(values.config);
    if (config.source.kind !== 'sim') throw new InputError(`--config ${values.config}: source.kind is "${config.source.kind}", expected "sim"`);
    base = config.source;
  }
  const fs_Hz = parsePositive('--fs', values.fs) ?? base.fs_Hz;
  const channels = parseInteger('--channels', values.channels, 1, 256) ?? base.channels;
  const seed = parseInteger('--seed', values.seed, 0, 2 ** 32 - 1) ?? base.seed;
  const total = Math.round(duration_s * fs_Hz);
  if (total < 1) throw new InputError(`--duration ${duration_s} at --fs ${fs_Hz} gives no sample`);

  const brain = new SyntheticBrain({ fs_Hz, channels, seed, brain: base.brain, plant: base.plant });
  const buffers = Array.from({ length: channels }, () => new Float64Array(ROWS_PER_CHUNK));
  const progress = new Progress('sim');
  try {
    await AtomicTextOutput.writeWith(values.out ?? '-', async (out) => {
      await out.write(`t,${channelNames(channels).join(',')}\n`);
      for (let done = 0; done < total; ) {
        const n = Math.min(ROWS_PER_CHUNK, total - done);
        brain.fill(buffers, 0, n);
        const lines: string[] = [];
        for (let i = 0; i < n; i++) {
          let line = formatTime((done + i) / fs_Hz);
          for (let c = 0; c < channels; c++) line += `,${Math.round(buffers[c][i] * 1e6) / 1e6}`;
          lines.push(line);
        }
        await out.write(`${lines.join('\n')}\n`);
        done += n;
        progress.update(`${((done / total) * 100).toFixed(0)} % of ${duration_s} s`);
      }
    });
  } finally {
    progress.done();
  }
  return 0;
}

/** Seconds with up to 9 decimals and no float noise (0.3, not 0.30000000000000004). */
function formatTime(t_s: number): string {
  return String(Number(t_s.toFixed(9)));
}
