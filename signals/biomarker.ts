/**
 * The biomarker of docs/design.md: a weighted sum of band powers (a linear discriminant),
 * then optionally log10, a moving average over the last K values, and a z-score against
 * a baseline period at session start. Pure and allocation-free per frame.
 *
 * Order of operations (decided here, recorded in docs/design.md):
 *   linear  = scale * (sum_i weight_i * P[channel_i][band_i] - offset)
 *   value   = log10 ? log10(linear) : linear          (linear <= 0 with log10: invalid)
 *   average = mean of the last K valid values           (invalid until K are collected)
 *   output  = baseline ? (average - mu) / sigma : average
 * mu and sigma (sample standard deviation, n - 1) come from the averaged values of the
 * frames whose end time t_s <= baseline_s; those frames are invalid ("baseline").
 */
export interface BiomarkerTerm {
  readonly channel: number;
  readonly band: number;
  readonly weight: number;
}

export interface BiomarkerSpec {
  readonly terms: readonly BiomarkerTerm[];
  readonly offset: number;
  readonly scale: number;
  readonly log10: boolean;
  readonly averageFrames: number;
  /** 0 turns the baseline z-score off. */
  readonly baseline_s: number;
}

export interface BiomarkerResult {
  value: number;
  valid: boolean;
  /** Why it is not valid, or null. */
  reason: string | null;
}

export class Biomarker {
  private readonly spec: BiomarkerSpec;
  private readonly history: Float64Array;
  private historyCount = 0;
  private historyNext = 0;
  private baselineCount = 0;
  private baselineMean = 0;
  private baselineM2 = 0;
  private baselineDone = false;
  private readonly result: BiomarkerResult = { value: Number.NaN, valid: false, reason: null };

  constructor(spec: BiomarkerSpec) {
    if (spec.terms.length === 0) throw new Error('biomarker needs at least one term');
    if (!Number.isInteger(spec.averageFrames) || spec.averageFrames < 1) {
      throw new Error(`biomarker averageFrames must be an integer >= 1, got ${spec.averageFrames}`);
    }
    this.spec = spec;
    this.history = new Float64Array(spec.averageFrames);
  }

  /**
   * Feeds one frame. `power[band][channel]`. `signalValid` false (gap, bad samples) gives
   * an invalid result and leaves the averages untouched. The returned object is reused.
   */
  update(power: readonly Float64Array[], t_s: number, signalValid: boolean): BiomarkerResult {
    const r = this.result;
    r.value = Number.NaN;
    r.valid = false;
    r.reason = null;
    if (!signalValid) {
      r.reason = 'signal';
      return r;
    }
    const spec = this.spec;
    let sum = 0;
    for (const term of spec.terms) sum += term.weight * power[term.band][term.channel];
    let value = spec.scale * (sum - spec.offset);
    if (spec.log10) {
      if (!(value > 0)) {
        r.reason = 'log-of-nonpositive';
        return r;
      }
      value = Math.log10(value);
    }
    if (!Number.isFinite(value)) {
      r.reason = 'nonfinite';
      return r;
    }
    this.history[this.historyNext] = value;
    this.historyNext = (this.historyNext + 1) % this.history.length;
    if (this.historyCount < this.history.length) this.historyCount++;
    if (this.historyCount < this.history.length) {
      r.reason = 'averaging';
      return r;
    }
    let average = 0;
    for (let i = 0; i < this.history.length; i++) average += this.history[i];
    average /= this.history.length;

    if (spec.baseline_s > 0) {
      if (!this.baselineDone && t_s <= spec.baseline_s) {
        // Welford's running mean and variance.
        this.baselineCount++;
        const delta = average - this.baselineMean;
        this.baselineMean += delta / this.baselineCount;
        this.baselineM2 += delta * (average - this.baselineMean);
        r.value = average;
        r.reason = 'baseline';
        return r;
      }
      this.baselineDone = true;
      const sigma = this.baselineCount > 1 ? Math.sqrt(this.baselineM2 / (this.baselineCount - 1)) : 0;
      if (!(sigma > 0)) {
        r.reason = 'baseline-degenerate';
        return r;
      }
      r.value = (average - this.baselineMean) / sigma;
    } else {
      r.value = average;
    }
    r.valid = true;
    return r;
  }

  /** Baseline statistics once the baseline period is over (null before, or if off). */
  baseline(): { mean: number; sd: number; frames: number } | null {
    if (!this.baselineDone || this.baselineCount < 2) return null;
    return { mean: this.baselineMean, sd: Math.sqrt(this.baselineM2 / (this.baselineCount - 1)), frames: this.baselineCount };
  }
}
