/**
 * How long a condition has held without a break, in data time. A frame where it is false
 * (or an invalid frame, via `reset`) starts the count again.
 */
export class ConditionTimer {
  private since_s = Number.NaN;

  /** Feeds one frame; returns for how many seconds the condition has held (0 on its first frame). */
  update(condition: boolean, t_s: number): number {
    if (!condition) {
      this.since_s = Number.NaN;
      return -1;
    }
    if (Number.isNaN(this.since_s)) this.since_s = t_s;
    return t_s - this.since_s;
  }

  reset(): void {
    this.since_s = Number.NaN;
  }

  /** True once the condition has held for at least `duration_ms`. */
  held(condition: boolean, t_s: number, duration_ms: number): boolean {
    const heldFor_s = this.update(condition, t_s);
    return heldFor_s >= 0 && heldFor_s * 1000 >= duration_ms - 1e-9;
  }
}
