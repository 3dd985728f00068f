import { type Band, bandBins, bandPowerFromPsd } from './band.js';
import { WelchPsd } from './welch.js';

/** What every band-power computation of one signal path shares: the plan, not the data. */
export interface BandPowerSpec {
  readonly fs_Hz: number;
  readonly channels: number;
  /** Samples per analysis window. */
  readonly window: number;
  /** Welch segment length in samples (<= window). */
  readonly segment: number;
  readonly bands: readonly Band[];
}

/**
 * Welch band power of every band for a range of channels, each read from its window ring
 * (2 * window samples, every sample written twice so a window is one contiguous run from
 * `start`). One instance is one plan (FFT, scratch): it allocates nothing per call.
 *
 * Channels are independent, so any split of [0, channels) into ranges that start at even
 * channels gives bit-identical results to one call over all of them: odd segment lengths
 * pair channels (2c, 2c + 1) into one complex transform (WelchPsd.pairsWell), and an
 * even-aligned range keeps the same pairs. This is what lets worker threads share the work
 * without changing a single decision.
 */
export class ChannelBandPower {
  readonly spec: BandPowerSpec;
  private readonly welch: WelchPsd;
  private readonly psd: Float64Array;
  private readonly psdPair: Float64Array;
  private readonly bandRanges: { first: number; end: number }[];
  /** Bins outside [binStart, binEnd) are never computed. */
  private readonly binStart: number;
  private readonly binEnd: number;
  private readonly pairChannels: boolean;
  /** One Welch segment per window (the default): band power is summed straight from the spectrum. */
  private readonly oneSegment: boolean;

  constructor(spec: BandPowerSpec) {
    this.spec = spec;
    this.welch = new WelchPsd(spec.segment, spec.fs_Hz);
    this.psd = new Float64Array(this.welch.bins);
    this.psdPair = new Float64Array(this.welch.bins);
    this.bandRanges = spec.bands.map((b) => bandBins(this.welch.frequencies_Hz, b));
    this.binEnd = Math.max(1, ...this.bandRanges.map((r) => r.end));
    this.binStart = Math.min(this.binEnd, ...this.bandRanges.map((r) => r.first));
    this.pairChannels = spec.channels >= 2 && this.welch.pairsWell(this.binEnd, this.binStart);
    this.oneSegment = spec.segment === spec.window;
  }

  /**
   * power[b][c] for every band b and channel c in [from, to), from the windows of `rings`
   * that start at `start`. `from` must be even (see the class comment).
   */
  compute(rings: readonly Float64Array[], start: number, from: number, to: number, power: readonly Float64Array[]): void {
    const window = this.spec.window;
    let c = from;
    if (this.pairChannels) {
      for (; c + 1 < to; c += 2) {
        if (this.oneSegment) {
          this.welch.bandPowersOfSegmentPair(rings[c], rings[c + 1], start, this.bandRanges, power, c, this.binEnd, this.binStart);
          continue;
        }
        this.welch.psdPairInto(rings[c], rings[c + 1], start, window, this.psd, this.psdPair, this.binEnd, this.binStart);
        this.bandPowersOf(this.psd, c, power);
        this.bandPowersOf(this.psdPair, c + 1, power);
      }
    }
    for (; c < to; c++) {
      if (this.oneSegment) {
        this.welch.bandPowersOfSegment(rings[c], start, this.bandRanges, power, c, this.binEnd, this.binStart);
        continue;
      }
      this.welch.psdInto(rings[c], start, window, this.psd, this.binEnd, this.binStart);
      this.bandPowersOf(this.psd, c, power);
    }
  }

  private bandPowersOf(psd: Float64Array, c: number, power: readonly Float64Array[]): void {
    for (let b = 0; b < this.bandRanges.length; b++) {
      const range = this.bandRanges[b];
      power[b][c] = bandPowerFromPsd(psd, this.welch.df_Hz, range.first, range.end);
    }
  }
}
