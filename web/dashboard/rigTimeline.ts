import uPlot from 'uplot';
import { dataSpacePaths } from './dataSpacePaths.js';
import { RollingSeries } from './rollingSeries.js';

/** What the charts show: the last few minutes of data time. */
export const WINDOW_S = 180;
/** Rows kept: five minutes at 10 frames/s, plus room for a faster rig (the window then shows less). */
const CAPACITY = 4096;
/** Events and markers kept for the time axis. */
const EVENT_CAPACITY = 500;
const MAX_BANDS = 8;
/** Rows handed to the charts start this far before the window's left edge (the line enters from the edge, and the axis moves on before the next frame). */
const COPY_MARGIN_S = 1;

// Row layout of the rolling series.
const T = 0;
const BIOMARKER = 1;
const THRESHOLD_LOW = 2;
const THRESHOLD_HIGH = 3;
const AMPLITUDE = 4;
const PULSES = 5;
const FIRST_BAND = 6;

export interface TimelineEvent {
  readonly t_s: number;
  readonly kind: string;
  readonly reason: string;
}

const BAND_COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** Colour of an event's line: what stops or limits in red, commands blue, markers green, pulses grey. */
function eventColour(kind: string): string {
  if (kind === 'estop' || kind === 'lockout' || kind === 'fault' || kind === 'dose-exhausted' || kind === 'watchdog-fallback') return '#d00';
  if (kind === 'command') return '#06c';
  if (kind === 'marker' || kind === 'annotation' || kind === 'policy-state') return '#080';
  if (kind === 'pulse') return 'rgba(0,0,0,0.25)';
  if (kind === 'session-start' || kind === 'session-end') return '#555';
  return '#c80';
}

/**
 * One rig's charts on one time axis (data time): the biomarker with its thresholds, the
 * applied amplitude (or pulses per frame for a pulse modality), the band powers, and every
 * event and marker as a vertical line across all three. Rows live in a RollingSeries of
 * fixed size; uPlot's arrays are refilled in place; drawing happens only when the page's
 * animation frame asks (a hidden or slow tab draws less, and holds no more).
 */
export class RigTimeline {
  private readonly series: RollingSeries = new RollingSeries(CAPACITY, FIRST_BAND + MAX_BANDS);
  private readonly events: TimelineEvent[] = [];
  private eventStart = 0;
  private bandNames: readonly string[] = [];
  private charts: uPlot[] = [];
  private readonly data: (number | null)[][][] = [];
  /** One row, filled in place for every frame (no allocation per frame). */
  private readonly row = new Float64Array(FIRST_BAND + MAX_BANDS);
  /** Changes whenever the charts' data arrays are refilled: the paths built from them are then rebuilt. */
  private dataVersion = 0;
  /** The axis end of the last redraw (NaN: none since the data or the charts changed). */
  private drawnEnd_s = Number.NaN;
  private pulsesSinceFrame = 0;
  private gapPending = false;
  private dirty = false;
  private pulseModality = false;
  private thresholds: readonly number[] = [];
  private amplitude_mA = Number.NaN;
  /** The loop's limits.amplitude_mA.max: the top of the amplitude chart (NaN: not known yet, the largest seen instead). */
  private amplitudeMax_mA = Number.NaN;

  constructor(private readonly root: HTMLElement) {}

  /** A features frame: one row, with the thresholds and amplitude as they stand. */
  frame(t_s: number, biomarker: number | null, bands: Readonly<Record<string, readonly number[]>>): void {
    const names = Object.keys(bands).slice(0, MAX_BANDS);
    if (names.join('\u0000') !== this.bandNames.join('\u0000')) this.rebuild(names);
    const last = this.series.lastX;
    // Data time went back: a new session of this rig. Its rows start afresh.
    if (!Number.isNaN(last) && t_s < last) {
      this.series.clear();
      this.events.length = 0;
      this.eventStart = 0;
    } else if (this.gapPending && !Number.isNaN(last)) {
      this.series.pushGap((last + t_s) / 2);
    }
    this.gapPending = false;
    const row = this.row;
    row.fill(Number.NaN);
    row[T] = t_s;
    row[BIOMARKER] = biomarker ?? Number.NaN;
    row[THRESHOLD_LOW] = this.thresholds.length > 0 ? this.thresholds[0] : Number.NaN;
    row[THRESHOLD_HIGH] = this.thresholds.length > 1 ? this.thresholds[1] : Number.NaN;
    row[AMPLITUDE] = this.amplitude_mA;
    row[PULSES] = this.pulseModality ? this.pulsesSinceFrame : Number.NaN;
    this.pulsesSinceFrame = 0;
    names.forEach((name, b) => {
      const perChannel = bands[name];
      let sum = 0;
      for (const p of perChannel) sum += p;
      // Band power is > 0; a log axis cannot show 0.
      const mean = perChannel.length > 0 ? sum / perChannel.length : Number.NaN;
      row[FIRST_BAND + b] = mean > 0 ? mean : Number.NaN;
    });
    this.series.push(row);
    this.dirty = true;
  }

  setAmplitude(amplitude_mA: number): void {
    this.amplitude_mA = amplitude_mA;
  }

  setLoop(thresholds: readonly number[], pulseModality: boolean, amplitudeMax_mA: number): void {
    this.thresholds = thresholds;
    if (Number.isFinite(amplitudeMax_mA) && amplitudeMax_mA > 0) this.amplitudeMax_mA = amplitudeMax_mA;
    if (pulseModality !== this.pulseModality) {
      this.pulseModality = pulseModality;
      this.rebuild(this.bandNames);
    }
  }

  event(e: TimelineEvent): void {
    if (e.kind === 'pulse') this.pulsesSinceFrame++;
    if (this.events.length < EVENT_CAPACITY) this.events.push(e);
    else {
      this.events[this.eventStart] = e;
      this.eventStart = (this.eventStart + 1) % EVENT_CAPACITY;
    }
    this.dirty = true;
  }

  /** The broker went away: the next frame starts after a gap in the lines. */
  gap(): void {
    this.gapPending = true;
  }

  get newestT_s(): number {
    return this.series.lastX;
  }

  /**
   * Redraws every chart in full with the axis ending at `end_s` (data time, moved on
   * smoothly between frames); nothing when neither the data nor the axis moved (a rig
   * offline, the broker away: the picture stands as it is).
   */
  draw(end_s: number): void {
    if (this.charts.length === 0 || Number.isNaN(end_s)) return;
    if (!this.dirty && end_s === this.drawnEnd_s) return;
    const min = Math.max(0, end_s - WINDOW_S);
    const columns = this.dirty ? this.columnsPerChart() : null;
    if (columns !== null) this.dataVersion++;
    const charts = this.charts;
    for (let k = 0; k < charts.length; k++) {
      const chart = charts[k];
      chart.batch(() => {
        if (columns !== null) {
          // Only the rows the window can show (of up to CAPACITY kept): what is built and scanned per update.
          this.series.copyInto(this.data[k], columns[k], min - COPY_MARGIN_S);
          chart.setData(this.data[k] as uPlot.AlignedData, true);
        }
        // A young session fills the width; an older one scrolls.
        chart.setScale('x', { min, max: Math.max(end_s, 1) });
      });
    }
    this.dirty = false;
    this.drawnEnd_s = end_s;
  }

  resize(): void {
    const width = Math.max(300, this.root.clientWidth - 8);
    for (const chart of this.charts) chart.setSize({ width, height: chart.height });
    this.drawnEnd_s = Number.NaN;
  }

  destroy(): void {
    for (const chart of this.charts) chart.destroy();
    this.charts = [];
    this.root.replaceChildren();
  }

  private columnsPerChart(): number[][] {
    return [
      [T, BIOMARKER, THRESHOLD_LOW, THRESHOLD_HIGH],
      [T, this.pulseModality ? PULSES : AMPLITUDE],
      [T, ...this.bandNames.map((_, b) => FIRST_BAND + b)],
    ];
  }

  private rebuild(names: readonly string[]): void {
    this.destroy();
    this.bandNames = names;
    this.series.clear();
    const width = Math.max(300, this.root.clientWidth - 8);
    const drawEvents = (u: uPlot): void => this.drawEvents(u);
    const version = (): number => this.dataVersion;
    // One builder per series: each keeps the path of its own series.
    const line = (): uPlot.Series.PathBuilder => dataSpacePaths('linear', version);
    // The amplitude from 0 to the loop's maximum (or the largest seen): a fixed range with its ticks, not one tick for 1.5-3 mA.
    const amplitudeRange = (u: uPlot, _min: number, max: number): uPlot.Range.MinMax => {
      const top = Math.max(Number.isNaN(this.amplitudeMax_mA) ? 0 : this.amplitudeMax_mA, Number.isFinite(max) ? max : 0);
      const range: uPlot.Range.MinMax = [0, top > 0 ? top : 1];
      const text = range.join(',');
      if (u.root.parentElement !== null && u.root.parentElement.dataset.yRange !== text) u.root.parentElement.dataset.yRange = text;
      return range;
    };
    const base = (title: string, height: number, series: uPlot.Series[], y: uPlot.Scale = {}, yAxis: uPlot.Axis = {}): uPlot.Options => ({
      title,
      width,
      height,
      cursor: { sync: { key: 'neuroloop' } },
      legend: { show: true, live: false },
      scales: { x: { time: false, auto: false }, y },
      axes: [{ label: 'data time (s)' }, yAxis],
      series: [{ label: 't (s)' }, ...series],
      hooks: { draw: [drawEvents] },
    });
    const columns = this.columnsPerChart();
    const options = [
      // Lines 1 px wide: a wider line is rasterised as a filled outline, several times the
      // work of a 1 px one on a canvas without a GPU (a Pi's browser; docs/dashboard.md).
      base('Biomarker and thresholds', 200, [
        { label: 'biomarker', stroke: '#1f77b4', width: 1, spanGaps: false, paths: line() },
        { label: 'lower threshold', stroke: '#d62728', dash: [6, 4], width: 1, paths: line() },
        { label: 'upper threshold', stroke: '#ff7f0e', dash: [6, 4], width: 1, paths: line() },
      ]),
      base(
        this.pulseModality ? 'Pulses per frame' : 'Applied amplitude (mA)',
        180,
        [this.pulseModality ? { label: 'pulses', stroke: '#444', width: 1, paths: uPlot.paths.bars?.({ size: [0.9, 4] }) } : { label: 'amplitude (mA)', stroke: '#2ca02c', width: 1, paths: dataSpacePaths('stepped', version) }],
        this.pulseModality ? {} : { range: amplitudeRange },
        // A short chart: ticks 18 px apart (uPlot's default, 30, leaves one tick).
        { space: 18 },
      ),
      base(
        'Band power (uV², mean over channels)',
        180,
        names.map((name, b) => ({ label: name, stroke: BAND_COLOURS[b % BAND_COLOURS.length], width: 1, paths: line() })),
        { distr: 3 },
      ),
    ];
    this.data.length = 0;
    for (let k = 0; k < options.length; k++) {
      const arrays: (number | null)[][] = columns[k].map(() => []);
      this.data.push(arrays);
      const host = document.createElement('div');
      host.className = 'chart';
      this.root.append(host);
      this.charts.push(new uPlot(options[k], arrays as uPlot.AlignedData, host));
    }
    this.dirty = true;
    this.drawnEnd_s = Number.NaN;
  }

  private drawEvents(u: uPlot): void {
    const min = u.scales.x.min;
    const max = u.scales.x.max;
    if (min === undefined || max === undefined) return;
    const ctx = u.ctx;
    const top = u.bbox.top;
    const bottom = u.bbox.top + u.bbox.height;
    ctx.save();
    ctx.lineWidth = devicePixelRatio;
    for (const e of this.events) {
      if (e.t_s < min || e.t_s > max) continue;
      const x = Math.round(u.valToPos(e.t_s, 'x', true));
      ctx.strokeStyle = eventColour(e.kind);
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, bottom);
      ctx.stroke();
    }
    ctx.restore();
  }
}
