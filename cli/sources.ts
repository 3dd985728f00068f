import { resolve } from 'node:path';
import { from, type Observable } from 'rxjs';
import type { AdsSourceConfig, Config, SourceConfig } from '../config/schema.js';
import type { AdcCounters } from '../controller/sampleSource.js';
import { ADS_RDY_EDGE, Ads1x15Source } from '../drivers/ads1x15Source.js';
import { openCsvSignal } from '../drivers/csvSignalReader.js';
import { InputError } from '../drivers/inputError.js';
import type { SampleBlock } from '../signals/sampleBlock.js';
import type { SyntheticBrain } from '../sim/syntheticBrain.js';
import { channelNames, syntheticSource } from '../sim/syntheticSource.js';
import type { HardwareContext } from './hardwareContext.js';

/** A source, opened: what the session builder needs from any kind. */
export interface OpenedSource {
  readonly channels: readonly string[];
  readonly fs_Hz: number;
  readonly blocks: Observable<SampleBlock>;
  /** The simulated patient behind the samples, when there is one (ground truth; the simulated stimulator drives it). */
  readonly brain: () => SyntheticBrain | null;
  /** Driver counters of a hardware source. */
  readonly counters?: () => AdcCounters;
}

export interface SourceContext {
  readonly configDir: string;
  readonly duration_s?: number;
  readonly pacing: 'realtime' | 'max';
  readonly hardware: HardwareContext;
  readonly config: Config;
}

type Opener<K extends SourceConfig['kind']> = (source: Extract<SourceConfig, { kind: K }>, ctx: SourceContext) => Promise<OpenedSource>;

/**
 * Every kind of source, by `source.kind` (docs/design.md, Ports): a new chip or file format
 * is one opener and one line here.
 */
export const SOURCES: { readonly [K in SourceConfig['kind']]: Opener<K> } = {
  sim: async (source, ctx) => {
    let brain: SyntheticBrain | null = null;
    const blocks = syntheticSource(
      { fs_Hz: source.fs_Hz, channels: source.channels, seed: source.seed, brain: source.brain, plant: source.plant, block_samples: source.block_samples, pacing: ctx.pacing, duration_s: ctx.duration_s },
      (b) => {
        brain = b;
      },
    );
    return { channels: channelNames(source.channels), fs_Hz: source.fs_Hz, blocks, brain: () => brain };
  },
  csv: async (source, ctx) => {
    if (ctx.pacing === 'realtime') throw new InputError('source.pacing: realtime replay of a CSV file is not implemented yet; use max');
    const signal = await openCsvSignal(resolve(ctx.configDir, source.path), { fs_Hz: source.fs_Hz, block_samples: source.block_samples });
    const limit = ctx.duration_s === undefined ? Number.POSITIVE_INFINITY : Math.round(ctx.duration_s * signal.fs_Hz);
    const blocks = from(
      (async function* limited(): AsyncGenerator<SampleBlock> {
        for await (const block of signal.blocks) {
          if (block.firstIndex >= limit) return;
          yield block;
        }
      })(),
    );
    return { channels: [...signal.channels], fs_Hz: signal.fs_Hz, blocks, brain: () => null };
  },
  ads1115: (source, ctx) => openAds(source, ctx),
  ads1015: (source, ctx) => openAds(source, ctx),
};

async function openAds(source: AdsSourceConfig, ctx: SourceContext): Promise<OpenedSource> {
  const hw = ctx.hardware;
  const bus = await hw.bus(source.bus, 'source.bus');
  const gpio = source.alertRdyLine === undefined ? null : await hw.gpio();
  // ALERT/RDY pulses at the end of each conversion, starting with ADS_RDY_EDGE.
  const rdy = gpio === null || source.alertRdyLine === undefined ? undefined : await gpio.input(source.alertRdyLine, ADS_RDY_EDGE, 'neuroloop alert-rdy');
  const driver = new Ads1x15Source({ config: source, bus, clock: hw.clock, rdy, onEvent: (e) => hw.onDriverEvent(e), duration_s: ctx.duration_s });
  hw.onClose(() => driver.close());
  return { channels: driver.channels, fs_Hz: driver.fs_Hz, blocks: driver.blocks(), brain: () => hw.rig?.brain ?? null, counters: () => driver.counters() };
}

/** The pacing a session runs at: `--speed`, else the source's own; real hardware only at real time. */
export function sourcePacing(source: SourceConfig, speed: 'realtime' | 'max' | undefined): 'realtime' | 'max' {
  if (source.kind === 'sim' || source.kind === 'csv') return speed ?? source.pacing;
  if (!source.emulated && speed === 'max') throw new InputError(`--speed max: source ${source.kind} is real hardware, which runs at its own rate (max is for emulated: true)`);
  return speed ?? 'realtime';
}
