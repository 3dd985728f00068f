import type uPlot from 'uplot';

/** How the line goes from one row to the next: straight, or held until the next row (uPlot's stepped, align 1). */
export type LineShape = 'linear' | 'stepped';

/**
 * A series' path in data coordinates: x in seconds after `origin_s`, y the value (its
 * log10 on a log axis), extended row by row as rows come.
 */
class Built {
  readonly path = new Path2D();
  /** The data version the path was last brought up to. */
  version = -1;
  /** The x and raw y of the last row taken in (NaN: none yet). */
  lastX = Number.NaN;
  lastY: number | null | undefined = null;
  /** The last point drawn while a line is open; NaN: none (start, or after a gap). */
  private px = Number.NaN;
  private py = Number.NaN;
  /** The last row of a run of one value, not yet drawn (NaN: nothing pending). */
  private runX = Number.NaN;

  constructor(
    readonly origin_s: number,
    private readonly shape: LineShape,
    private readonly log: boolean,
  ) {}

  /** Takes in rows `from` to the last; a run still open at the end is drawn to its last row (a later row may go on from there). */
  extend(xs: uPlot.AlignedData[0], ys: uPlot.AlignedData[number], from: number, version: number): void {
    const path = this.path;
    for (let i = from; i < xs.length; i++) {
      const raw = ys[i];
      const value = raw === null || raw === undefined ? Number.NaN : this.log ? (raw > 0 ? Math.log10(raw) : Number.NaN) : raw;
      const x = (xs[i] as number) - this.origin_s;
      if (Number.isNaN(value)) {
        // A gap: the line stops at its last row and starts again after.
        if (!Number.isNaN(this.runX)) path.lineTo(this.runX, this.py);
        this.px = this.py = this.runX = Number.NaN;
        continue;
      }
      if (Number.isNaN(this.px)) {
        path.moveTo(x, value);
      } else if (value === this.py) {
        // The same value again: only where the run ends matters.
        this.runX = x;
        continue;
      } else if (this.shape === 'stepped') {
        path.lineTo(x, this.py);
        path.lineTo(x, value);
      } else {
        if (!Number.isNaN(this.runX)) path.lineTo(this.runX, this.py);
        path.lineTo(x, value);
      }
      this.px = x;
      this.py = value;
      this.runX = Number.NaN;
    }
    if (!Number.isNaN(this.runX)) {
      path.lineTo(this.runX, this.py);
      this.px = this.runX;
      this.runX = Number.NaN;
    }
    if (xs.length > 0) {
      this.lastX = xs[xs.length - 1] as number;
      this.lastY = ys[xs.length - 1];
    }
    this.version = version;
  }
}

/**
 * The index of the row at x `x` with raw y `y`, -1 when the rows have no such row (x grows
 * along the rows): where a path built from earlier rows goes on, if they are the same series.
 */
function rowOf(xs: uPlot.AlignedData[0], ys: uPlot.AlignedData[number], x: number, y: number | null | undefined): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((xs[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo < xs.length && xs[lo] === x && ys[lo] === y ? lo : -1;
}

/**
 * How much of a window the rows left of the axis may take of a path before it is built
 * afresh: each new row is added to the path, and rows that scrolled out stay in it (drawn
 * outside the chart, clipped) until then.
 */
const STALE_FRACTION = 0.25;

/**
 * A uPlot path builder whose path is built in data coordinates, row by row as rows come,
 * and mapped onto the chart's current scales on every redraw by one native affine
 * transform (Path2D.addPath with a matrix). Why: the axis moves on 30 times a second
 * between frames that come 10 times a second, and uPlot's own builders convert every row
 * in view to pixels in JavaScript on each redraw; on a Pi-class core that was most of a
 * redraw's script time, and rebuilding the whole path at every frame still grew with the
 * rows in view. The drawing is the same line through the same rows; a gap (null) breaks
 * it as uPlot's clipped gaps do, and runs of one value keep only their ends (a constant
 * threshold is one segment, not thousands of collinear ones: less to build, to dash and to
 * rasterise). `version()` changes whenever the chart's data arrays were refilled (rows only
 * ever come after the last, or the series starts afresh). One builder per series of one
 * chart: it keeps that series' path.
 */
export function dataSpacePaths(shape: LineShape, version: () => number): uPlot.Series.PathBuilder {
  let b: Built | null = null;
  return (u, seriesIdx, idx0) => {
    const xScale = u.scales.x;
    const yScale = u.scales.y;
    const { min: xMin, max: xMax } = xScale;
    const { min: yMin, max: yMax } = yScale;
    if (xMin === undefined || xMax === undefined || yMin === undefined || yMax === undefined || xMax <= xMin || yMax <= yMin) return null;
    const log = yScale.distr === 3;
    const now = version();
    if (b === null || b.version !== now) {
      const xs = u.data[0];
      const ys = u.data[seriesIdx];
      const last = b === null || Number.isNaN(b.lastX) ? -1 : rowOf(xs, ys, b.lastX, b.lastY);
      if (b !== null && last >= 0 && b.origin_s >= xMin - (xMax - xMin) * STALE_FRACTION) {
        b.extend(xs, ys, last + 1, now);
      } else {
        // From uPlot's first row at or before the window's left edge: the axis only moves on from here.
        b = new Built(xs.length > 0 ? (xs[idx0] as number) : 0, shape, log);
        b.extend(xs, ys, idx0, now);
      }
    }
    // Data coordinates to canvas pixels, as uPlot's valToPos does for a horizontal x and vertical y.
    const { left, top, width, height } = u.bbox;
    const y0 = log ? Math.log10(yMin) : yMin;
    const y1 = log ? Math.log10(yMax) : yMax;
    const sx = width / (xMax - xMin);
    const sy = -height / (y1 - y0);
    const stroke = new Path2D();
    stroke.addPath(b.path, { a: sx, b: 0, c: 0, d: sy, e: left + (b.origin_s - xMin) * sx, f: top + height - y0 * sy });
    return { stroke, fill: null, clip: null, band: null, flags: 0 };
  };
}
