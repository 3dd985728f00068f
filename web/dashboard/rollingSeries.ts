/**
 * The last `capacity` rows of a few numeric columns (column 0 is the x axis, data time in
 * seconds) in fixed typed arrays: a tab left open for a week holds what it held after a
 * few minutes. NaN in a y column is "no value"; a row of NaN y values is a gap (the
 * broker was away) that the charts leave open.
 */
export class RollingSeries {
  private readonly columns: Float64Array[];
  private start = 0;
  private count = 0;

  constructor(
    readonly capacity: number,
    readonly columnCount: number,
  ) {
    this.columns = Array.from({ length: columnCount }, () => new Float64Array(capacity));
  }

  get length(): number {
    return this.count;
  }

  /** The x of the newest row, NaN when empty. */
  get lastX(): number {
    return this.count === 0 ? Number.NaN : this.columns[0][(this.start + this.count - 1) % this.capacity];
  }

  /** Appends a row (`values[c]` for column c; missing columns are NaN), the oldest row going when full. */
  push(values: ArrayLike<number>): void {
    const row = (this.start + this.count) % this.capacity;
    for (let c = 0; c < this.columnCount; c++) this.columns[c][row] = c < values.length ? values[c] : Number.NaN;
    if (this.count < this.capacity) this.count++;
    else this.start = (this.start + 1) % this.capacity;
  }

  /** A gap at `x`: every y column empty. */
  pushGap(x: number): void {
    const row = (this.start + this.count) % this.capacity;
    this.columns[0][row] = x;
    for (let c = 1; c < this.columnCount; c++) this.columns[c][row] = Number.NaN;
    if (this.count < this.capacity) this.count++;
    else this.start = (this.start + 1) % this.capacity;
  }

  /**
   * Writes the rows oldest first into `target` (one array per column, reused from draw to
   * draw, as uPlot takes them), NaN as null: what the charts draw as a gap. With `fromX`,
   * only the rows from the last one before `fromX` on (x only grows within a series): a
   * chart showing the last minutes need not be handed, nor scan, the older rows kept.
   */
  copyInto(target: (number | null)[][], columns: readonly number[], fromX = Number.NEGATIVE_INFINITY): void {
    const first = Math.max(0, this.firstAtOrAfter(fromX) - 1);
    const rows = this.count - first;
    for (let k = 0; k < columns.length; k++) {
      const source = this.columns[columns[k]];
      const out = target[k];
      out.length = rows;
      let at = (this.start + first) % this.capacity;
      for (let i = 0; i < rows; i++) {
        const v = source[at];
        out[i] = Number.isNaN(v) ? null : v;
        at = at + 1 === this.capacity ? 0 : at + 1;
      }
    }
  }

  /** The index (0: oldest) of the first row whose x is at least `x`; `length` when none is. */
  private firstAtOrAfter(x: number): number {
    const xs = this.columns[0];
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (xs[(this.start + mid) % this.capacity] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  clear(): void {
    this.start = 0;
    this.count = 0;
  }
}
