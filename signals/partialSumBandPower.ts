import { bandBins } from './band.js';
import type { BandPowerRunner } from './bandPowerRunner.js';
import type { BandPowerSpec } from './channelBandPower.js';
import { WelchPsd } from './welch.js';

/** The plan of partial-sum band power: the spec, and the hop that fixes the sub-block grid. */
export interface PartialSumSpec extends BandPowerSpec {
  /** Samples between consecutive window ends. */
  readonly hop: number;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** The DFT bins [lo, hi) the bands' Hann taps read (one more each side), as WelchPsd reads them. */
function tapBins(welch: WelchPsd, bands: BandPowerSpec['bands']): { lo: number; hi: number; ranges: { first: number; end: number }[] } {
  const ranges = bands.map((b) => bandBins(welch.frequencies_Hz, b));
  const binEnd = Math.min(welch.bins, Math.max(1, ...ranges.map((r) => r.end)));
  const binStart = Math.min(binEnd, ...ranges.map((r) => r.first));
  return { lo: Math.max(0, binStart - 1), hi: Math.min(binEnd + 1, welch.bins), ranges };
}

/**
 * True when partial sums are the better method for this plan (one Welch segment per window,
 * the default; other segmentations always transform): they must cut the work left at a
 * window's end, which a closed loop waits for, to less than half the transform's, and may
 * cost at most 1.5x its CPU per hop (they do the rest as samples arrive). Measured costs
 * per channel on the bench machine (docs/design.md, Speed): a transform about 0.54 ns x N
 * log2 N, a sample into one bin about 2 ns, a sub-block rotated into one bin about 2 ns.
 * The choice depends on the plan only, never on the machine, so a replay makes the frames
 * a live run made.
 */
export function partialSumsPay(spec: PartialSumSpec): boolean {
  if (spec.segment !== spec.window) return false;
  const welch = new WelchPsd(spec.segment, spec.fs_Hz);
  const { lo, hi } = tapBins(welch, spec.bands);
  const bins = hi - lo;
  const subBlocks = spec.window / gcd(spec.window, spec.hop);
  const transform_ns = 0.54 * spec.window * Math.log2(spec.window);
  const atWindowEnd_ns = 2 * bins * subBlocks;
  const perHop_ns = 2 * bins * spec.hop + atWindowEnd_ns;
  return atWindowEnd_ns < transform_ns / 2 && perHop_ns <= 1.5 * transform_ns;
}

/**
 * Welch band power of one-segment windows, with each window's DFT assembled from sums over
 * sub-blocks instead of a transform at the window's end.
 *
 * Windows end on the grid window + m * hop, so they start on multiples of G = gcd(window,
 * hop) and are P = window / G whole sub-blocks of G samples. For bin k of an N-sample window
 * starting at sub-block s0, with S_s[k] = sum over j < G of x[s G + j] e^{-2 pi i k j / N}:
 *
 *   X[k] = sum over p < P of e^{-2 pi i k p G / N} S_{s0 + p}[k],
 *
 * the DFT's own sum, regrouped. Each sample is multiplied into the bins the bands need as it
 * arrives (`ingested`), so at a window's end only its last samples and P rotations per bin
 * are left: the decision waits for O(bins * P) work, not a window's transform. The same
 * detrend, Hann taps, density scaling and band sums as WelchPsd follow (WelchPsd.bandSums).
 *
 * The sums run sample by sample in index order, whatever the blocks, so frames do not
 * depend on how the signal was cut. They differ from the transform's in the last bits
 * (another summation order), which is why FeatureExtractor picks one method per plan and
 * keeps it. Samples never ingested (a gap, or before the session's start) count as 0, as the
 * window rings hold them.
 */
export class PartialSumBandPower implements BandPowerRunner {
  readonly rings: readonly Float64Array[];
  readonly power: readonly Float64Array[];
  private readonly window: number;
  private readonly channels: number;
  private readonly subBlock: number;
  private readonly subBlocks: number;
  private readonly welch: WelchPsd;
  private readonly ranges: { first: number; end: number }[];
  /** First bin computed, and 2 * the number of bins computed (the interleaved stride). */
  private readonly lo: number;
  private readonly stride: number;
  /** [bin][j]: cos and -sin of 2 pi k j / N for j < G (a sample's weight within its sub-block), bin by bin so a run of samples reads them in a row. */
  private readonly innerCos: Float64Array;
  private readonly innerSin: Float64Array;
  /** [bin][p]: cos and -sin of 2 pi k p G / N (a sub-block's rotation at place p of the window). */
  private readonly outer: Float64Array;
  /** [channel][bin]: the open sub-block's sums. */
  private readonly open: Float64Array;
  /** [channel][bin][slot]: the last P closed sub-blocks' sums, sub-block s in slot s mod P. */
  private readonly closed: Float64Array;
  private readonly spectrum: Float64Array;
  /** Session index of the next sample to be summed. */
  private nextIndex = 0;

  constructor(spec: PartialSumSpec) {
    if (spec.segment !== spec.window) throw new Error(`partial sums need one Welch segment per window, got segment ${spec.segment} of window ${spec.window}`);
    if (!Number.isInteger(spec.hop) || spec.hop < 1) throw new Error(`hop must be an integer >= 1 sample, got ${spec.hop}`);
    const n = spec.window;
    this.window = n;
    this.channels = spec.channels;
    this.subBlock = gcd(n, spec.hop);
    this.subBlocks = n / this.subBlock;
    this.welch = new WelchPsd(n, spec.fs_Hz);
    const { lo, hi, ranges } = tapBins(this.welch, spec.bands);
    this.ranges = ranges;
    this.lo = lo;
    this.stride = 2 * (hi - lo);
    const inner = twiddles(this.subBlock, 1, lo, hi, n);
    this.innerCos = new Float64Array((hi - lo) * this.subBlock);
    this.innerSin = new Float64Array((hi - lo) * this.subBlock);
    for (let j = 0; j < this.subBlock; j++) {
      for (let b = 0; b < hi - lo; b++) {
        this.innerCos[b * this.subBlock + j] = inner[j * this.stride + 2 * b];
        this.innerSin[b * this.subBlock + j] = inner[j * this.stride + 2 * b + 1];
      }
    }
    const rotations = twiddles(this.subBlocks, this.subBlock, lo, hi, n);
    this.outer = new Float64Array(rotations.length);
    for (let p = 0; p < this.subBlocks; p++) {
      for (let b = 0; b < hi - lo; b++) {
        this.outer[(b * this.subBlocks + p) * 2] = rotations[p * this.stride + 2 * b];
        this.outer[(b * this.subBlocks + p) * 2 + 1] = rotations[p * this.stride + 2 * b + 1];
      }
    }
    this.open = new Float64Array(this.channels * this.stride);
    this.closed = new Float64Array(this.channels * this.subBlocks * this.stride);
    this.spectrum = new Float64Array(2 * this.welch.bins);
    this.rings = Array.from({ length: this.channels }, () => new Float64Array(2 * n));
    this.power = spec.bands.map(() => new Float64Array(this.channels));
  }

  /**
   * Samples [index, index + length) were written to every ring (length <= window): sum them
   * into the open sub-blocks. An index beyond the last one seen skips zeros.
   */
  ingested(index: number, length: number): void {
    if (index < this.nextIndex) throw new Error(`partial sums: samples from ${index} given, but ${this.nextIndex} was expected next`);
    if (index > this.nextIndex) this.skipTo(index);
    const g = this.subBlock;
    const stride = this.stride;
    let done = 0;
    while (done < length) {
      const j0 = this.nextIndex % g;
      const run = Math.min(length - done, g - j0);
      const at = this.nextIndex % this.window;
      for (let c = 0; c < this.channels; c++) this.sumInto(this.rings[c], at, run, j0, c * stride);
      this.nextIndex += run;
      done += run;
      if (this.nextIndex % g === 0) this.closeSubBlock(this.nextIndex / g - 1);
    }
  }

  /** Band power of the window ending at the last sample ingested (its ring start is `start`). */
  compute(start: number): void {
    const end = this.nextIndex;
    if (end < this.window || end % this.subBlock !== 0 || end % this.window !== start) {
      throw new Error(`partial sums: a window starting at ring position ${start} does not end at sample ${end}, the last one summed`);
    }
    const stride = this.stride;
    const p0 = end / this.subBlock - this.subBlocks;
    const spec = this.spectrum;
    const first = 2 * this.lo;
    const slots = this.subBlocks;
    const closed = this.closed;
    const outer = this.outer;
    const bins = stride >> 1;
    const oldest = p0 % slots;
    for (let c = 0; c < this.channels; c++) {
      for (let bin = 0; bin < bins; bin++) {
        // Summed over the window's sub-blocks in order p = 0, 1, ..: the oldest first.
        const sums = (c * bins + bin) * 2 * slots;
        const rotations = bin * 2 * slots;
        let re = 0;
        let im = 0;
        let slot = oldest;
        for (let p = 0; p < slots; p++) {
          const from = sums + 2 * slot;
          slot = slot + 1 === slots ? 0 : slot + 1;
          const sr = closed[from];
          const si = closed[from + 1];
          const wr = outer[rotations + 2 * p];
          const wi = outer[rotations + 2 * p + 1];
          re += sr * wr - si * wi;
          im += sr * wi + si * wr;
        }
        spec[first + 2 * bin] = re;
        spec[first + 2 * bin + 1] = im;
      }
      this.welch.bandSums(spec, this.ranges, this.power, c);
    }
  }

  close(): void {}

  /**
   * x[at .. at + run) into channel `base`'s open sums, the first sample at place j0 of its
   * sub-block. Bin by bin, each sum held in a register over the run: the same additions in
   * the same (sample) order as one sample at a time, without a store and reload per sample.
   */
  private sumInto(x: Float64Array, at: number, run: number, j0: number, base: number): void {
    const open = this.open;
    const cos = this.innerCos;
    const sin = this.innerSin;
    const g = this.subBlock;
    const bins = this.stride >> 1;
    const stop = at + run;
    let b = 0;
    // Two bins per pass: four independent sums keep the multiply-adds from waiting on each other.
    for (; b + 1 < bins; b += 2) {
      const o = base + 2 * b;
      let re0 = open[o];
      let im0 = open[o + 1];
      let re1 = open[o + 2];
      let im1 = open[o + 3];
      const w0 = b * g + j0 - at;
      const w1 = w0 + g;
      for (let i = at; i < stop; i++) {
        const v = x[i];
        re0 += v * cos[w0 + i];
        im0 += v * sin[w0 + i];
        re1 += v * cos[w1 + i];
        im1 += v * sin[w1 + i];
      }
      open[o] = re0;
      open[o + 1] = im0;
      open[o + 2] = re1;
      open[o + 3] = im1;
    }
    if (b < bins) {
      const o = base + 2 * b;
      let re = open[o];
      let im = open[o + 1];
      const w = b * g + j0 - at;
      for (let i = at; i < stop; i++) {
        const v = x[i];
        re += v * cos[w + i];
        im += v * sin[w + i];
      }
      open[o] = re;
      open[o + 1] = im;
    }
  }

  /** Sub-block s is complete: its sums move to slot s mod P and the open sums restart at 0. */
  private closeSubBlock(s: number): void {
    const bins = this.stride >> 1;
    const slots = this.subBlocks;
    const slot = s % slots;
    for (let c = 0; c < this.channels; c++) {
      for (let bin = 0; bin < bins; bin++) {
        const to = ((c * bins + bin) * slots + slot) * 2;
        this.closed[to] = this.open[(c * bins + bin) * 2];
        this.closed[to + 1] = this.open[(c * bins + bin) * 2 + 1];
      }
    }
    this.open.fill(0);
  }

  /** Samples [nextIndex, index) are zeros: the open sub-block closes if the skip leaves it, and skipped whole sub-blocks are zero. */
  private skipTo(index: number): void {
    const g = this.subBlock;
    const openBlock = Math.floor(this.nextIndex / g);
    const resumeBlock = Math.floor(index / g);
    if (resumeBlock > openBlock) {
      this.closeSubBlock(openBlock);
      // open is all zeros now: closing it again into each skipped slot zeroes that slot.
      const last = Math.min(resumeBlock - 1, openBlock + this.subBlocks);
      for (let s = openBlock + 1; s <= last; s++) this.closeSubBlock(s);
    }
    this.nextIndex = index;
  }
}

/** [i][bin] = cos, -sin of 2 pi k (i * step) / n for i < count, k in [lo, hi); the angle reduced mod n first so it stays exact. */
function twiddles(count: number, step: number, lo: number, hi: number, n: number): Float64Array {
  const stride = 2 * (hi - lo);
  const out = new Float64Array(count * stride);
  for (let i = 0; i < count; i++) {
    for (let k = lo; k < hi; k++) {
      const angle = (2 * Math.PI * ((k * i * step) % n)) / n;
      out[i * stride + 2 * (k - lo)] = Math.cos(angle);
      out[i * stride + 2 * (k - lo) + 1] = -Math.sin(angle);
    }
  }
  return out;
}
