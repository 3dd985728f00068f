/**
 * The fraction (0 to 1) of its amplitude a period of stimulation asks for at `tau_s` into
 * it: a linear ramp up over `ramp_s` from its start, a hold, and a linear ramp down that
 * reaches 0 at `length_s - hold_s`. The output holds each request until the next frame
 * (`hold_s`, the frame interval), so the 0 asked for there is applied by `length_s` at the
 * latest: the period, as the governor counts it (from the first frame above 0 mA to the
 * first at 0 mA, ramps included), lasts less than `length_s` (one or two frame intervals
 * less). 0 at and before its start, and on a policy's first frame (`hold_s` 0: no interval
 * known yet, and the governor cannot ramp on its first tick either). Fractions under 1e-9
 * are 0 (float rounding must not keep an output on for one more frame).
 */
export function rampEnvelope(tau_s: number, length_s: number, ramp_s: number, hold_s: number): number {
  const end_s = length_s - hold_s;
  if (!(hold_s > 0) || !(tau_s > 0) || !(tau_s < end_s)) return 0;
  const up = ramp_s > 0 ? tau_s / ramp_s : 1;
  const down = ramp_s > 0 ? (end_s - tau_s) / ramp_s : 1;
  const f = Math.min(1, up, down);
  return f < 1e-9 ? 0 : f;
}

/** The data-time interval between frames, as a policy sees it (0 before the second frame). */
export class FrameInterval {
  private last_s = Number.NaN;

  /** Feeds a frame's time; returns the interval since the frame before. */
  next(t_s: number): number {
    const h = Number.isNaN(this.last_s) ? 0 : Math.max(0, t_s - this.last_s);
    if (!(t_s < this.last_s)) this.last_s = t_s;
    return h;
  }
}

/**
 * One period of stimulation planned from `start_s` for `length_s` (ramps included), as a
 * policy meets it frame by frame. It begins at the first frame after `start_s` that has a
 * frame before it, its time origin one frame interval back, so that this frame asks for
 * the first step of the ramp up and never more than the governor's ramp allows in one
 * interval. A period that begins late (on the policy's first frame, after a gap) is
 * shortened so that it still ends by `start_s + length_s`.
 */
export class RampedPeriod {
  private origin_s = Number.NaN;

  /** The fraction (0 to 1) asked for at `t_s`, `hold_s` after the frame before. */
  fraction(t_s: number, start_s: number, length_s: number, ramp_s: number, hold_s: number): number {
    if (Number.isNaN(this.origin_s)) {
      if (!(hold_s > 0) || !(t_s > start_s) || !(t_s < start_s + length_s)) return 0;
      this.origin_s = t_s - hold_s;
    }
    const late_s = Math.max(0, this.origin_s - start_s);
    return rampEnvelope(t_s - this.origin_s, length_s - late_s, ramp_s, hold_s);
  }

  /** Whether the period has begun. */
  get begun(): boolean {
    return !Number.isNaN(this.origin_s);
  }

  reset(): void {
    this.origin_s = Number.NaN;
  }
}
