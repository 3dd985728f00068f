import { parseArgs } from 'node:util';
import { simSourceSchema } from '../config/schema.js';
import { loadConfigFile } from '../config/load.js';
import { AtomicTextOutput } from '../drivers/atomicTextOutput.js';
import { InputError } from '../drivers/inputError.js';
import { checkOutputPaths, type NamedPath } from '../drivers/outputPaths.js';
import { PLAUSIBLE } from '../config/plausibleRanges.js';
import { SyntheticBrain } from '../sim/syntheticBrain.js';
import { channelNames } from '../sim/syntheticSource.js';
import { abandonOnSignal } from './abandonOnSignal.js';
import { parseInRange, parseInteger, parsePositive } from './args.js';
import { Progress } from './progress.js';
import { SIM_HELP } from './helpTexts.js';

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
  if (positionals.length > 0) throw new InputError(`sim: unexpected argument "${positionals[0]}" (neuroloop sim --help)`);
  const duration_s = parsePositive('--duration', values.duration, PLAUSIBLE.duration_s.max);
  if (duration_s === undefined) throw new InputError('sim: --duration S is required (e.g. --duration 60; neuroloop sim --help)');
  const fsArg = parseInRange('--fs', values.fs, PLAUSIBLE.fs_Hz.min, PLAUSIBLE.fs_Hz.max, 'Hz');
  const channelsArg = parseInteger('--channels', values.channels, PLAUSIBLE.channels.min, PLAUSIBLE.channels.max);
  const seedArg = parseInteger('--seed', values.seed, PLAUSIBLE.seed.min, PLAUSIBLE.seed.max);
  const outPath = values.out ?? '-';
  const inputs: NamedPath[] = values.config === undefined ? [] : [{ place: '--config', path: values.config }];
  checkOutputPaths([{ place: '--out', path: outPath, atomic: true }], inputs);

  let base = simSourceSchema.parse({ kind: 'sim' });
  if (values.config !== undefined) {
    const config = loadConfigFile(values.config);
    if (config.source.kind !== 'sim') throw new InputError(`--config ${values.config}: source.kind is "${config.source.kind}", expected "sim"`);
    base = config.source;
  }
  const fs_Hz = fsArg ?? base.fs_Hz;
  const channels = channelsArg ?? base.channels;
  const seed = seedArg ?? base.seed;
  const total = Math.round(duration_s * fs_Hz);
  if (total < 1) throw new InputError(`--duration ${duration_s} at --fs ${fs_Hz} gives no sample`);

  const brain = new SyntheticBrain({ fs_Hz, channels, seed, brain: base.brain, plant: base.plant });
  const buffers = Array.from({ length: channels }, () => new Float64Array(ROWS_PER_CHUNK));
  abandonOnSignal('sim');
  const progress = new Progress('sim');
  try {
    await AtomicTextOutput.writeWith(outPath, async (out) => {
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
