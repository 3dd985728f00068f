import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { from, type Observable } from 'rxjs';
import type { Config } from '../config/schema.js';
import { loadConfigFile } from '../config/load.js';
import { signalPathOptions } from '../controller/signalPathOptions.js';
import { openCsvSignal } from '../drivers/csvSignalReader.js';
import { InputError } from '../drivers/inputError.js';
import type { SampleBlock } from '../signals/sampleBlock.js';
import { featureFrames } from '../signals/operators.js';
import { channelNames, syntheticSource } from '../sim/syntheticSource.js';
import { parseInteger, parsePositive } from './args.js';
import { createLogger } from './logger.js';
import { StatusLine } from './statusLine.js';

export const RUN_HELP = `Usage: neuroloop run --config FILE [options]

Runs a session: source -> filters -> band power -> biomarker, shown live on one line.
(The policy, the safety governor and the stimulator arrive with the closed-loop work;
until then the only policy is "off" and nothing is stimulated.)

Options:
  --config FILE          config (YAML or JSON); see config/examples/
  --duration S           stop after S seconds of data (default: until Ctrl+C)
  --speed realtime|max   pacing of a simulated or file source (default: from the config)
  --seed K               override source.seed of a simulated source
`;

export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      duration: { type: 'string' },
      speed: { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(RUN_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new InputError(`run: unexpected argument "${positionals[0]}"\n\n${RUN_HELP}`);
  if (values.config === undefined) throw new InputError(`run: --config FILE is required (try config/examples/sim-basic.yaml)\n\n${RUN_HELP}`);
  if (values.speed !== undefined && values.speed !== 'realtime' && values.speed !== 'max') {
    throw new InputError(`--speed: expected realtime or max, got "${values.speed}"`);
  }
  const config = loadConfigFile(values.config);
  const duration_s = parsePositive('--duration', values.duration);
  const seed = parseInteger('--seed', values.seed, 0, 2 ** 32 - 1);
  const speed = values.speed as 'realtime' | 'max' | undefined;

  const { blocks, channels, fs_Hz } = await openSource(config, dirname(resolve(values.config)), { duration_s, seed, speed });
  let options;
  try {
    options = signalPathOptions(config.signals, channels, fs_Hz);
  } catch (error) {
    throw new InputError(`${values.config}: ${(error as Error).message}`);
  }
  const logger = createLogger(config.logging);
  const status = new StatusLine();
  const shownBand = config.signals.biomarker?.terms[0]?.band ?? options.bands[0].name;
  logger.info({ rig: config.rig.id, source: config.source.kind, fs_Hz, channels, config: values.config }, 'session started');

  return await new Promise<number>((resolve) => {
    let frames = 0;
    const finish = (code: number, reason: string): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      status.end();
      logger.info({ frames, reason }, 'session ended');
      logger.flush();
      resolve(code);
    };
    const subscription = blocks.pipe(featureFrames(options)).subscribe({
      next: (frame) => {
        frames++;
        status.show(frame, shownBand);
      },
      error: (error: unknown) => {
        logger.error({ err: error }, 'session failed');
        process.stderr.write(`neuroloop: ${(error as Error).message}\n`);
        finish(1, 'error');
      },
      complete: () => finish(0, 'end of data'),
    });
    const onSignal = (signal: NodeJS.Signals): void => {
      subscription.unsubscribe();
      finish(0, signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

interface SourceOverrides {
  duration_s?: number;
  seed?: number;
  speed?: 'realtime' | 'max';
}

async function openSource(config: Config, configDir: string, o: SourceOverrides): Promise<{ blocks: Observable<SampleBlock>; channels: string[]; fs_Hz: number }> {
  const source = config.source;
  if (source.kind === 'sim') {
    const blocks = syntheticSource({
      fs_Hz: source.fs_Hz,
      channels: source.channels,
      seed: o.seed ?? source.seed,
      brain: source.brain,
      plant: source.plant,
      block_samples: source.block_samples,
      pacing: o.speed ?? source.pacing,
      duration_s: o.duration_s,
    });
    return { blocks, channels: channelNames(source.channels), fs_Hz: source.fs_Hz };
  }
  if (o.speed === 'realtime' || source.pacing === 'realtime') {
    throw new InputError('source.pacing: realtime replay of a CSV file is not implemented yet; use max');
  }
  // A relative path in a config file means relative to that file, wherever it is run from.
  const signal = await openCsvSignal(resolve(configDir, source.path), { fs_Hz: source.fs_Hz, block_samples: source.block_samples });
  const limit = o.duration_s === undefined ? Number.POSITIVE_INFINITY : Math.round(o.duration_s * signal.fs_Hz);
  async function* limited(): AsyncGenerator<SampleBlock> {
    for await (const block of signal.blocks) {
      if (block.firstIndex >= limit) return;
      yield block;
    }
  }
  return { blocks: from(limited()), channels: [...signal.channels], fs_Hz: signal.fs_Hz };
}
