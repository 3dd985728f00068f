import type { Band } from './band.js';
import { type BandPowerRunner, type BandPowerRunnerFactory, inThreadBandPower } from './bandPowerRunner.js';
import { Biomarker, type BiomarkerSpec } from './biomarker.js';
import { PartialSumBandPower, partialSumsPay } from './partialSumBandPower.js';
import { type SampleBlock, assertValidBlock, blockLength } from './sampleBlock.js';
import type { SosCoefficients } from './sos.js';
import { SosFilterBank } from './sosFilter.js';

export interface FeatureExtractorOptions {
  readonly fs_Hz: number;
  readonly channels: readonly string[];
  /** Samples per analysis window. */
  readonly window: number;
  /** Samples between consecutive window ends. */
  readonly hop: number;
  /** Welch segment length in samples (<= window). */
  readonly segment: number;
  readonly bands: readonly Band[];
  /** Causal filter cascade applied to every channel before analysis (null: none). */
  readonly filter?: SosCoefficients | null;
  readonly biomarker?: BiomarkerSpec | null;
  /**
   * Session index of the first sample (default 0): a replay from 10 s starts at its own
   * index without treating the samples before it as lost. Window ends stay on the grid
   * window + k * hop, so the frames are those a replay from the start would give there.
   */
  readonly startIndex?: number;
  /**
   * Where band power is computed (default: on this thread). A runner over worker threads
   * gives bit-identical frames (ChannelBandPower), only sooner on a multi-core machine.
   */
  readonly bandPowerRunner?: BandPowerRunnerFactory;
  /**
   * How each window's spectrum is made (default 'auto': whichever costs less for this plan,
   * see bandPowerMethod). 'partial-sums' needs segment = window; it runs on this thread
   * and does not use bandPowerRunner.
   */
  readonly bandPowerMethod?: BandPowerMethod;
}

/**
 * 'transform': a DFT of each window at its end (ChannelBandPower, on any runner).
 * 'partial-sums': the DFT's sum built up sample by sample as they arrive (PartialSumBandPower).
 * They agree to rounding, not bit for bit, so one is chosen per plan and kept.
 */
export type BandPowerMethod = 'auto' | 'transform' | 'partial-sums';

/** The method 'auto' resolves to for a plan: partial sums where they cost less. */
export function resolveBandPowerMethod(o: Pick<FeatureExtractorOptions, 'fs_Hz' | 'channels' | 'window' | 'hop' | 'segment' | 'bands' | 'bandPowerMethod'>): 'transform' | 'partial-sums' {
  const asked = o.bandPowerMethod ?? 'auto';
  if (asked !== 'auto') return asked;
  return partialSumsPay({ fs_Hz: o.fs_Hz, channels: o.channels.length, window: o.window, segment: o.segment, hop: o.hop, bands: o.bands }) ? 'partial-sums' : 'transform';
}

/** docs/design.md FeatureFrame. */
export interface FeatureFrame {
  /** Exclusive end sample index of the window. */
  readonly index: number;
  /** index / fs_Hz: data time of the window's end, in seconds. */
  readonly t_s: number;
  /** Band name -> power per channel, in uV^2. */
  readonly bandPower: Readonly<Record<string, Float64Array>>;
  /** NaN when no biomarker is configured or it is not valid. */
  readonly biomarker: number;
  readonly valid: boolean;
  readonly reasons: readonly string[];
}

/** Largest span of samples filtered in one pass (bounds the scratch buffer). */
const MAX_CHUNK = 4096;

/**
 * The streaming signal path for one session: causal filters, a window ring, Welch band
 * power on every hop, and the biomarker. Samples go in as blocks of any length; frames
 * come out at window ends `window, window + hop, ...` (session sample indices).
 *
 * The result does not depend on how the signal is cut into blocks: the filters run sample
 * by sample with carried state and each frame reads only the ring, so the same samples
 * give bit-identical frames. Per sample and per window nothing is allocated except the
 * frame that is handed out (subscribers may keep it, so it cannot be reused).
 *
 * Lost samples (a jump in `firstIndex`) reset the filters and make every frame whose
 * window touches the gap invalid ("gap"); windows ending inside the gap are not emitted.
 * A non-finite sample enters the filter as 0 and invalidates the frames whose window
 * holds it ("nonfinite"), so one bad sample cannot poison the filter state for good.
 */
export class FeatureExtractor {
  readonly options: FeatureExtractorOptions;
  /** The method this plan runs ('auto' resolved). */
  readonly bandPowerMethod: 'transform' | 'partial-sums';
  private readonly channelCount: number;
  private readonly filter: SosFilterBank | null;
  /** Holds the window rings and the [band][channel] power, reused for every frame before it is copied out. */
  private readonly runner: BandPowerRunner;
  private readonly ring: readonly Float64Array[];
  private readonly scratch: Float64Array;
  private readonly biomarker: Biomarker | null;
  private nextIndex = 0;
  private nextEnd: number;
  /** Frames ending at or before these indices are invalid. */
  private gapUntilEnd = -1;
  private nonfiniteUntilEnd = -1;

  constructor(options: FeatureExtractorOptions) {
    const { window, hop, segment, fs_Hz, channels, bands } = options;
    if (!Number.isInteger(window) || window < 2) throw new Error(`window must be an integer >= 2 samples, got ${window}`);
    if (!Number.isInteger(hop) || hop < 1) throw new Error(`hop must be an integer >= 1 sample, got ${hop}`);
    if (!Number.isInteger(segment) || segment < 2 || segment > window) {
      throw new Error(`segment must be an integer from 2 to the window (${window}) samples, got ${segment}`);
    }
    if (channels.length === 0) throw new Error('at least one channel is needed');
    if (bands.length === 0) throw new Error('at least one band is needed');
    for (const band of bands) {
      if (!(band.lo_Hz >= 0 && band.hi_Hz > band.lo_Hz)) throw new Error(`band ${band.name}: need 0 <= lo_Hz < hi_Hz, got ${band.lo_Hz}..${band.hi_Hz}`);
    }
    this.options = options;
    this.channelCount = channels.length;
    this.filter = options.filter && options.filter.sections > 0 ? new SosFilterBank(options.filter, channels.length) : null;
    this.scratch = new Float64Array(Math.min(MAX_CHUNK, window));
    this.biomarker = options.biomarker ? new Biomarker(options.biomarker) : null;
    const startIndex = options.startIndex ?? 0;
    if (!Number.isInteger(startIndex) || startIndex < 0) throw new Error(`startIndex must be an integer >= 0, got ${startIndex}`);
    this.nextIndex = startIndex;
    this.nextEnd = window;
    while (this.nextEnd < startIndex + window) this.nextEnd += hop;
    this.bandPowerMethod = resolveBandPowerMethod(options);
    const spec = { fs_Hz, channels: channels.length, window, segment, bands };
    // Last: a runner may start threads, and nothing after it may throw.
    this.runner = this.bandPowerMethod === 'partial-sums' ? new PartialSumBandPower({ ...spec, hop }) : (options.bandPowerRunner ?? inThreadBandPower)(spec);
    this.ring = this.runner.rings;
  }

  /** Releases the band-power runner's threads, if it has any. */
  close(): void {
    this.runner.close();
  }

  /** Session index of the next sample expected. */
  get expectedIndex(): number {
    return this.nextIndex;
  }

  /** Feeds one block; calls `emit` for every window that ends inside it. */
  push(block: SampleBlock, emit: (frame: FeatureFrame) => void): void {
    assertValidBlock(block, this.channelCount, this.options.fs_Hz);
    const n = blockLength(block);
    if (block.firstIndex < this.nextIndex) {
      throw new Error(`sample block starts at index ${block.firstIndex}, but index ${this.nextIndex} was expected next: indices must never go back`);
    }
    if (block.firstIndex > this.nextIndex) this.skipGap(block.firstIndex);

    let offset = 0;
    while (offset < n) {
      const chunk = Math.min(n - offset, this.nextEnd - this.nextIndex, this.scratch.length);
      this.ingest(block, offset, chunk);
      this.runner.ingested?.(this.nextIndex, chunk);
      offset += chunk;
      this.nextIndex += chunk;
      if (this.nextIndex === this.nextEnd) {
        emit(this.frame(this.nextEnd));
        this.nextEnd += this.options.hop;
      }
    }
  }

  private ingest(block: SampleBlock, offset: number, length: number): void {
    const window = this.options.window;
    const scratch = this.scratch;
    for (let c = 0; c < this.channelCount; c++) {
      const input = block.data[c];
      for (let i = 0; i < length; i++) {
        const x = input[offset + i];
        if (Number.isFinite(x)) {
          scratch[i] = x;
        } else {
          scratch[i] = 0;
          this.nonfiniteUntilEnd = Math.max(this.nonfiniteUntilEnd, this.nextIndex + i + window);
        }
      }
      if (this.filter !== null) this.filter.process(c, scratch, 0, scratch, 0, length);
      // Each sample is written twice, so every window is one contiguous run of the ring.
      const ring = this.ring[c];
      let pos = this.nextIndex % window;
      for (let i = 0; i < length; i++) {
        ring[pos] = scratch[i];
        ring[pos + window] = scratch[i];
        pos = pos + 1 === window ? 0 : pos + 1;
      }
    }
  }

  private skipGap(resumeAt: number): void {
    const { window, hop } = this.options;
    const zeroFrom = Math.max(this.nextIndex, resumeAt - window);
    for (const ring of this.ring) {
      for (let i = zeroFrom; i < resumeAt; i++) {
        const pos = i % window;
        ring[pos] = 0;
        ring[pos + window] = 0;
      }
    }
    this.filter?.reset();
    this.gapUntilEnd = resumeAt + window - 1;
    while (this.nextEnd <= resumeAt) this.nextEnd += hop;
    this.nextIndex = resumeAt;
  }

  private frame(end: number): FeatureFrame {
    const { window, bands, fs_Hz } = this.options;
    this.runner.compute(end % window);
    const power = this.runner.power;
    const reasons: string[] = [];
    if (end <= this.gapUntilEnd) reasons.push('gap');
    if (end <= this.nonfiniteUntilEnd) reasons.push('nonfinite');
    const t_s = end / fs_Hz;
    let biomarker = Number.NaN;
    let valid = reasons.length === 0;
    if (this.biomarker !== null) {
      const result = this.biomarker.update(power, t_s, valid);
      biomarker = result.value;
      if (!result.valid) {
        valid = false;
        if (result.reason !== null && result.reason !== 'signal') reasons.push(result.reason);
      }
    }
    const bandPower: Record<string, Float64Array> = {};
    for (let b = 0; b < bands.length; b++) bandPower[bands[b].name] = power[b].slice(); // a copy the subscriber may keep (slice is a memcpy; from() iterates)
    return { index: end, t_s, bandPower, biomarker, valid, reasons };
  }
}
