/**
 * The page's own script, inlined after uPlot's. It reads the JSON of the
 * `#report-data` element (ReportData in reportData.ts, plus the marker colours) and draws
 * two plots per run: the biomarker with its thresholds, and the applied and requested
 * amplitudes. All plots share the time axis: a zoom (drag) or a reset (double-click) in
 * one is applied to all, and the cursor moves in all. Events are vertical lines; hovering
 * near one shows its text. Every text from the data goes into the page as textContent or
 * canvas text, never as markup.
 *
 * Plain ES2020 in a string (the project's TypeScript has no DOM types); the browser test
 * (test/cli/report.test.ts) runs it.
 */
export const REPORT_CLIENT_SCRIPT = String.raw`
(() => {
  'use strict';
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const colours = data.colours;
  const markerColour = (kind) => colours[kind] || '#ff7f0e';
  const SAFETY_COLOUR = data.safetyColour;
  const plots = [];
  const HOVER_PX = 5;
  // Whole-chart heights (the x axis included, the legend not).
  const BIO_HEIGHT = 210;
  const STIM_HEIGHT = 170;

  // Ticks every 0.1 s up to a day: uPlot picks the first that leaves room for the labels.
  const TIME_INCRS = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
  const pad2 = (n) => String(n).padStart(2, '0');
  function formatTime(t_s, step_s) {
    if (data.t1_s - data.t0_s < 600) return step_s < 1 ? t_s.toFixed(1) : String(Math.round(t_s));
    const sign = t_s < 0 ? '-' : '';
    const s = Math.round(Math.abs(t_s));
    return sign + Math.floor(s / 3600) + ':' + pad2(Math.floor(s / 60) % 60) + ':' + pad2(s % 60);
  }
  const timeLabel = data.t1_s - data.t0_s < 600 ? 't (s)' : 't (h:mm:ss)';

  /** First index of a sorted array with a[i] >= value. */
  function lowerBound(a, value) {
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid] < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  // Zoom sync: a change of one plot's x range is applied to every other plot. Comparing
  // ranges first ends the echo (each setScale fires the hook of the plot it changed).
  function shareXRange(u) {
    const min = u.scales.x.min;
    const max = u.scales.x.max;
    for (const other of plots) {
      if (other !== u && (other.scales.x.min !== min || other.scales.x.max !== max)) other.setScale('x', { min, max });
    }
  }

  function resetZoom() {
    for (const u of plots) u.setScale('x', { min: data.t0_s, max: data.t1_s });
  }

  /**
   * Event lines across the plot, in three layers so that what matters is on top: the
   * session's and commands' marks, then safety actions (red), then the recording's
   * annotations, which the biomarker plot also labels with their text.
   */
  function drawMarkers(u, events, withLabels) {
    const ctx = u.ctx;
    const { left, top, width, height } = u.bbox;
    const times = events.map((e) => e[0]);
    const from = lowerBound(times, u.scales.x.min);
    const to = lowerBound(times, u.scales.x.max + 1e-9);
    const px = devicePixelRatio;
    const layerOf = (kind) => (kind === 'annotation' || kind === 'marker' ? 2 : markerColour(kind) === SAFETY_COLOUR ? 1 : 0);
    ctx.save();
    ctx.lineWidth = Math.max(1, px);
    for (let layer = 0; layer < 3; layer++) {
      let labelRight = -Infinity;
      for (let i = from; i < to; i++) {
        const [t, kind, reason] = events[i];
        if (layerOf(kind) !== layer) continue;
        const x = Math.round(u.valToPos(t, 'x', true)) + 0.5;
        ctx.strokeStyle = markerColour(kind);
        ctx.globalAlpha = layer === 0 ? 0.55 : 0.9;
        ctx.setLineDash(layer === 2 ? [4 * px, 3 * px] : []);
        ctx.beginPath();
        ctx.moveTo(x, top);
        ctx.lineTo(x, top + height);
        ctx.stroke();
        if (!withLabels || layer !== 2) continue;
        // The label right of its line, or left of it near the right edge; none where it would overlap the previous one.
        const text = reason.length > 40 ? reason.slice(0, 39) + '\u2026' : reason;
        ctx.globalAlpha = 1;
        ctx.font = 11 * px + 'px system-ui, sans-serif';
        ctx.fillStyle = markerColour(kind);
        ctx.textBaseline = 'top';
        const textWidth = ctx.measureText(text).width;
        const gap = 3 * px;
        let textLeft = x + gap;
        if (textLeft + textWidth > left + width) textLeft = x - gap - textWidth;
        if (textLeft < left || textLeft < labelRight) continue;
        ctx.textAlign = 'left';
        ctx.fillText(text, textLeft, top + 2 * px);
        labelRight = Math.max(x, textLeft + textWidth) + 2 * gap;
      }
    }
    ctx.restore();
  }

  /** Grey bands where frames were invalid (the baseline, gaps), under the series. */
  function drawInvalid(u, spans) {
    const ctx = u.ctx;
    const { top, height } = u.bbox;
    ctx.save();
    ctx.fillStyle = 'rgba(0, 0, 0, 0.06)';
    for (let i = 0; i + 1 < spans.length; i += 2) {
      if (spans[i + 1] < u.scales.x.min || spans[i] > u.scales.x.max) continue;
      const a = u.valToPos(spans[i], 'x', true);
      const b = u.valToPos(spans[i + 1], 'x', true);
      ctx.fillRect(a, top, Math.max(1, b - a), height);
    }
    ctx.restore();
  }

  function drawThresholds(u, thresholds) {
    const ctx = u.ctx;
    const { left, width } = u.bbox;
    const px = devicePixelRatio;
    ctx.save();
    ctx.strokeStyle = '#555';
    ctx.fillStyle = '#555';
    ctx.lineWidth = px;
    ctx.setLineDash([6 * px, 4 * px]);
    ctx.font = 10 * px + 'px system-ui, sans-serif';
    ctx.textAlign = 'right';
    ctx.textBaseline = 'bottom';
    for (const level of thresholds) {
      const y = Math.round(u.valToPos(level, 'y', true)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(left + width, y);
      ctx.stroke();
      ctx.fillText('threshold ' + level, left + width - 4 * px, y - 2 * px);
    }
    ctx.restore();
  }

  /** The text of the events near the cursor, in a box over the plot that is hovered. */
  function tooltipPlugin(events) {
    const times = events.map((e) => e[0]);
    let box = null;
    let hovered = false;
    return {
      hooks: {
        init: (u) => {
          box = document.createElement('div');
          box.className = 'marker-tip';
          box.hidden = true;
          u.over.appendChild(box);
          u.over.addEventListener('mouseenter', () => (hovered = true));
          u.over.addEventListener('mouseleave', () => {
            hovered = false;
            box.hidden = true;
          });
        },
        setCursor: (u) => {
          const left = u.cursor.left;
          if (!hovered || left == null || left < 0) {
            box.hidden = true;
            return;
          }
          const from = lowerBound(times, u.posToVal(left - HOVER_PX, 'x'));
          const to = lowerBound(times, u.posToVal(left + HOVER_PX, 'x') + 1e-9);
          if (from >= to) {
            box.hidden = true;
            return;
          }
          box.replaceChildren();
          const shown = Math.min(to, from + 8);
          for (let i = from; i < shown; i++) {
            const [t, kind, reason] = events[i];
            const line = document.createElement('div');
            const head = document.createElement('b');
            head.textContent = t.toFixed(3) + ' s ' + kind;
            head.style.color = markerColour(kind);
            line.append(head, document.createTextNode(' ' + reason));
            box.append(line);
          }
          if (to > shown) {
            const more = document.createElement('div');
            more.textContent = '\u2026 and ' + (to - shown) + ' more';
            box.append(more);
          }
          box.hidden = false;
          const room = u.over.clientWidth - box.offsetWidth;
          box.style.left = Math.max(0, Math.min(left + 12, room)) + 'px';
          box.style.top = Math.max(0, (u.cursor.top || 0) - box.offsetHeight - 8) + 'px';
        },
      },
    };
  }

  function baseOptions(width, height, events, yLabel, withTimeLabel) {
    return {
      width,
      height,
      plugins: [tooltipPlugin(events)],
      cursor: {
        sync: { key: 'neuroloop-report', scales: ['x', null], filters: { pub: (type) => type === 'mousemove' } },
        drag: { x: true, y: false },
        bind: {
          dblclick: () => () => {
            resetZoom();
            return null;
          },
        },
      },
      scales: { x: { time: false } },
      axes: [
        { label: withTimeLabel ? timeLabel : undefined, size: withTimeLabel ? 50 : 30, incrs: TIME_INCRS, values: (u, splits, axisIdx, space, incr) => splits.map((t) => formatTime(t, incr)) },
        // One width for every y axis, so that the plot areas line up in time across plots.
        { label: yLabel, size: 64 },
      ],
      hooks: { setScale: [(u, key) => key === 'x' && shareXRange(u)] },
      legend: { live: true },
    };
  }

  function plotRun(run, index) {
    const bioEl = document.getElementById('bio-' + index);
    const stimEl = document.getElementById('stim-' + index);
    const width = Math.max(300, bioEl.clientWidth);

    const bio = baseOptions(width, BIO_HEIGHT, run.events, 'biomarker', false);
    bio.series = [{ label: 't' }, { label: 'biomarker', stroke: '#1f77b4', width: 1, spanGaps: false, value: (u, v) => (v == null ? '\u2013' : v.toFixed(3)) }];
    bio.scales.y = {
      range: (u, min, max) => {
        let lo = min == null ? 0 : min;
        let hi = max == null ? 1 : max;
        for (const level of run.thresholds) {
          lo = Math.min(lo, level);
          hi = Math.max(hi, level);
        }
        return uPlot.rangeNum(lo, hi, 0.1, true);
      },
    };
    bio.hooks.drawClear = [(u) => drawInvalid(u, run.invalid)];
    bio.hooks.draw = [(u) => drawThresholds(u, run.thresholds), (u) => drawMarkers(u, run.events, true)];
    plots.push(new uPlot(bio, run.bio, bioEl));

    const stim = baseOptions(width, STIM_HEIGHT, run.events, 'mA', true);
    const stepped = uPlot.paths.stepped({ align: 1 });
    stim.series = [
      { label: 't' },
      { label: 'applied (mA)', stroke: '#d62728', width: 1.5, paths: stepped, fill: 'rgba(214, 39, 40, 0.08)', value: (u, v) => (v == null ? '\u2013' : v.toFixed(2)) },
      { label: 'requested (mA)', stroke: 'rgba(80, 80, 80, 0.55)', width: 1, dash: [3, 3], paths: stepped, value: (u, v) => (v == null ? '\u2013' : v.toFixed(2)) },
    ];
    stim.scales.y = { range: (u, min, max) => [0, Math.max(1, (max == null ? 0 : max) * 1.1)] };
    stim.hooks.drawClear = [(u) => drawInvalid(u, run.invalid)];
    stim.hooks.draw = [(u) => drawMarkers(u, run.events, false)];
    plots.push(new uPlot(stim, run.stim, stimEl));
  }

  data.runs.forEach(plotRun);

  // The events table: a click on a row zooms every plot to that moment.
  for (const row of document.querySelectorAll('tr[data-t]')) {
    row.addEventListener('click', () => {
      const t = Number(row.dataset.t);
      const half = Math.max(5, (data.t1_s - data.t0_s) / 40);
      plots[0].setScale('x', { min: t - half, max: t + half });
      document.getElementById('plots').scrollIntoView({ behavior: 'smooth' });
    });
  }

  let resizeTimer = 0;
  addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      for (const u of plots) u.setSize({ width: Math.max(300, u.root.parentElement.clientWidth), height: u.height });
    }, 100);
  });

  // For tools and tests: the plots, in page order (biomarker, stimulation per run).
  window.neuroloopReport = { plots, resetZoom };
})();
`;
