import { resolve } from 'node:path';
import { from, map, type Observable } from 'rxjs';
import type { AdsSourceConfig, Config, SourceConfig } from '../config/schema.js';
import type { AdcCounters } from '../controller/sampleSource.js';
import { ADS_RDY_EDGE, Ads1x15Source } from '../drivers/ads1x15Source.js';
import { openCsvSignal } from '../drivers/csvSignalReader.js';
import { type EdfFormat, symmetricGrid } from '../drivers/edf/edfLayout.js';
import { openEdfAnnotations, openEdfSignal } from '../drivers/edf/edfReader.js';
import { microvoltScale } from '../drivers/edf/microvoltScale.js';
import type { EdfAnnotation } from '../drivers/edf/edfTypes.js';
import { InputError } from '../drivers/inputError.js';
import { gridGain, type QuantizationGrid, snapBlockToGrids } from '../signals/quantizationGrid.js';
import type { SampleBlock } from '../signals/sampleBlock.js';
import type { SyntheticBrain } from '../sim/syntheticBrain.js';
import { channelNames, syntheticSource } from '../sim/syntheticSource.js';
import { type FileMarkEvent, fileBlocks, scanAnnotations } from './fileBlocks.js';
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
  /**
   * The grid each channel's samples lie on (docs/design.md, Recording), in uV, and the
   * file format it was made for; null when the samples are on no grid (CSV text).
   */
  readonly grid: { readonly grids: readonly QuantizationGrid[]; readonly format: EdfFormat } | null;
  /** Samples a live source put outside the grid's range (clipped onto its edge). */
  readonly clippedSamples: () => number;
  /** Where the samples come from, for the recording's manifest. */
  readonly describe: string;
  /** Session index of the first sample (a replay --from the middle of a file); default 0. */
  readonly startIndex?: number;
}

export interface SourceContext {
  readonly configDir: string;
  readonly duration_s?: number;
  readonly pacing: 'realtime' | 'max';
  /** Replay speed of a file source at realtime pacing (data seconds per host second); default 1. */
  readonly speed?: number;
  /** Replay window of a file source, in seconds of data. */
  readonly from_s?: number;
  readonly hardware: HardwareContext;
  readonly config: Config;
  /** A recording's annotation, or a neuroloop recording's marker, at its sample (file sources). */
  readonly onAnnotation: (event: FileMarkEvent) => void;
  /** neuroloop's own tags in a neuroloop recording ([stop], [end]), as soon as they are read. */
  readonly onOwnTag?: (text: string, index: number) => void;
  /** Something the user should know about the input (skipped signals, a truncated record). */
  readonly onNotice: (message: string) => void;
  readonly onProgress?: (fraction: number) => void;
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
    const grid = { grids: Array.from({ length: source.channels }, () => symmetricGrid(ctx.config.recording.range_uV, ctx.config.recording.format)), format: ctx.config.recording.format };
    return onGrid({ channels: channelNames(source.channels), fs_Hz: source.fs_Hz, blocks, brain: () => brain, describe: `simulator (seed ${source.seed})` }, grid);
  },
  csv: async (source, ctx) => {
    if (ctx.pacing === 'realtime') throw new InputError('source.pacing: realtime replay of a CSV file is not implemented yet; use max');
    const signal = await openCsvSignal(resolve(ctx.configDir, source.path), { fs_Hz: source.fs_Hz, block_samples: source.block_samples, onProgress: ctx.onProgress });
    // --from: the first sample at or after it (as for EDF); --duration / --to: that much data from there.
    const fromIndex = ctx.from_s === undefined ? 0 : Math.ceil(ctx.from_s * signal.fs_Hz - 1e-6);
    const limit = ctx.duration_s === undefined ? Number.POSITIVE_INFINITY : fromIndex + Math.round(ctx.duration_s * signal.fs_Hz);
    const where = signal.path;
    const blocks = from(
      (async function* limited(): AsyncGenerator<SampleBlock> {
        let any = false;
        for await (const block of signal.blocks) {
          if (block.firstIndex >= limit) break;
          const n = block.data[0]?.length ?? 0;
          if (block.firstIndex + n <= fromIndex) continue;
          const skip = Math.max(0, fromIndex - block.firstIndex);
          const keep = Math.min(n, limit - block.firstIndex);
          any = true;
          yield skip === 0 && keep === n ? block : { ...block, firstIndex: block.firstIndex + skip, data: block.data.map((c) => c.subarray(skip, keep)) };
        }
        if (!any && fromIndex > 0) throw new InputError(`--from ${ctx.from_s} s is beyond the data of ${where}`);
      })(),
    );
    return { channels: [...signal.channels], fs_Hz: signal.fs_Hz, blocks, brain: () => null, grid: null, clippedSamples: () => 0, describe: `CSV file ${signal.path}`, startIndex: fromIndex };
  },
  edf: async (source, ctx) => {
    const path = resolve(ctx.configDir, source.path);
    let signal;
    try {
      signal = await openEdfSignal(path, { channels: source.channels, block_samples: source.block_samples, from_s: ctx.from_s, onNotice: ctx.onNotice, onProgress: ctx.onProgress });
    } catch (error) {
      // The reader names its options; the user typed flags.
      if (error instanceof InputError) throw new InputError(error.message.replace(/\bfrom_s: /, '--from ').replace(/\bchannels: /, '--channels: '));
      throw error;
    }
    const fs_Hz = signal.fs_Hz;
    // As the reader places --from (drivers/edf/edfReader.ts): the first sample at or after it.
    const fromIndex = ctx.from_s === undefined ? 0 : Math.ceil(ctx.from_s * fs_Hz - 1e-6);
    const endIndex = ctx.duration_s === undefined ? Number.POSITIVE_INFINITY : fromIndex + Math.round(ctx.duration_s * fs_Hz);
    const speed = ctx.pacing === 'max' ? null : (ctx.speed ?? 1);
    // Every annotation first (a writer may store one in any record), then the samples.
    const all: EdfAnnotation[] = [];
    for await (const a of (await openEdfAnnotations(path)).annotations) all.push(a);
    const scanned = scanAnnotations(all, { fs_Hz, dataStart_s: signal.dataStart_s, ownTagsAreLog: signal.info.writtenByNeuroloop, fromIndex });
    for (const tag of scanned.ownTags) ctx.onOwnTag?.(tag.text, tag.index);
    for (const notice of scanned.notices) ctx.onNotice(`${path}: ${notice}`);
    const blocks = from(fileBlocks(signal.items, { fs_Hz, speed, endIndex, markers: scanned.markers, onAnnotation: ctx.onAnnotation, onNotice: ctx.onNotice }));
    // A recording of this replay keeps the file's own grid where its samples are in uV (lossless).
    const inMicrovolts = signal.selected.every((s) => microvoltScale(s.physicalDimension) === 1);
    const grid = inMicrovolts ? { grids: signal.selected.map((s) => s.grid), format: signal.info.format } : null;
    return { channels: [...signal.channels], fs_Hz, blocks, brain: () => null, grid, clippedSamples: () => 0, describe: `${signal.info.variant} file ${path}`, startIndex: fromIndex };
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
  // The ADC's own range at the electrode: its full scale through the front-end gain.
  const range_uV = (source.fullScale_V / source.frontEndGain) * 1e6;
  const format = ctx.config.recording.format;
  const grid = { grids: driver.channels.map(() => symmetricGrid(range_uV, format)), format };
  return onGrid(
    { channels: driver.channels, fs_Hz: driver.fs_Hz, blocks: driver.blocks(), brain: () => hw.rig?.brain ?? null, counters: () => driver.counters(), describe: `${source.kind} at 0x${source.address.toString(16)} on bus ${source.bus}${source.emulated ? ' (emulated)' : ''}` },
    grid,
  );
}

/**
 * A live source's samples put on the recording grid before anything sees them, recorded
 * or not: the session, the recorder and a later replay of the file all see the same
 * numbers (docs/design.md, Recording).
 */
function onGrid(source: Omit<OpenedSource, 'grid' | 'clippedSamples'>, grid: { grids: readonly QuantizationGrid[]; format: EdfFormat }): OpenedSource {
  const gains = grid.grids.map(gridGain);
  let clipped = 0;
  const blocks = source.blocks.pipe(
    map((block) => {
      const snapped = snapBlockToGrids(block, grid.grids, gains);
      clipped += snapped.clipped;
      return snapped.block;
    }),
  );
  return { ...source, blocks, grid, clippedSamples: () => clipped };
}

/** The pacing a session runs at: `--speed`, else the source's own; real hardware only at real time. */
export function sourcePacing(source: SourceConfig, speed: 'realtime' | 'max' | undefined): 'realtime' | 'max' {
  if (source.kind === 'sim' || source.kind === 'csv' || source.kind === 'edf') return speed ?? source.pacing;
  if (!source.emulated && speed === 'max') throw new InputError(`--speed max: source ${source.kind} is real hardware, which runs at its own rate (max is for emulated: true)`);
  return speed ?? 'realtime';
}
