import { createHash } from 'node:crypto';
import { assertInlineable, escapeHtml, jsonForScriptElement } from './htmlText.js';
import { markerColour, SAFETY_COLOUR } from './markerColours.js';
import { type ReportData, type RunSeries, reportData } from './reportData.js';
import { REPORT_CLIENT_SCRIPT } from './reportClientScript.js';
import type { ReportMeta, ReportRun } from './reportRun.js';
import { REPORT_CSS } from './reportStyles.js';
import { uplotAssets } from './uplotAssets.js';

export type { ReportMeta, ReportRun } from './reportRun.js';
export { readTraceFile, type TraceEndLine, type TraceEvent, type TraceStepLine } from './traceFile.js';

/**
 * The replay report: one self-contained HTML page (uPlot, its CSS and the data inlined; no
 * network, works from file://) with, per run, the biomarker against its thresholds, the
 * applied and requested amplitude, the events as markers, then the summary (a column per
 * run) and the events table. With several runs the panels are stacked on one time axis.
 *
 * Every text from the data is escaped (HTML) or embedded as escaped JSON and set as text
 * by the page's script; a Content-Security-Policy allows only the page's two scripts (by
 * hash) and no network at all, as a second wall.
 */
export function renderReportHtml(runs: readonly ReportRun[], meta: ReportMeta): string {
  if (runs.length === 0) throw new Error('renderReportHtml: no runs to report');
  const data = reportData(runs);
  const uplot = uplotAssets();
  const kinds = kindsPresent(data);
  const colours: Record<string, string> = {};
  for (const kind of kinds) colours[kind] = markerColour(kind);
  const clientScript = assertInlineable(REPORT_CLIENT_SCRIPT, 'script', 'the report script');
  const csp = [
    "default-src 'none'",
    `script-src ${[uplot.script, clientScript].map((s) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`).join(' ')}`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="generator" content="${escapeHtml(meta.generatedBy)}">
<title>${escapeHtml(meta.title)}</title>
<!--
Plots drawn with uPlot ${escapeHtml(uplot.version)} (https://github.com/leeoniya/uPlot), inlined below under its licence:

${uplot.license.trim()}
-->
<style>${uplot.css}</style>
<style>${REPORT_CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(meta.title)}</h1>
<p class="meta">Recording <code>${escapeHtml(meta.source)}</code> &middot; ${runs.length === 1 ? '1 run' : `${runs.length} runs compared`} &middot; made by ${escapeHtml(meta.generatedBy)}</p>
</header>
<main>
<section class="runs" id="plots">
${data.runs.map((run, i) => runPanel(run, runs[i], i)).join('\n')}
</section>
<section class="legend">${legend(kinds)}</section>
<section>
<h2>Summary</h2>
<div class="summary-wrap">${summaryTable(runs)}</div>
</section>
<section>
<h2>Events</h2>
${eventsSection(data)}
</section>
</main>
<footer>Drag across a plot to zoom every plot to that time span; double-click to zoom out. Hover over a marker line to read its event. Click a row of the events table to zoom to it.</footer>
<script type="application/json" id="report-data">${jsonForScriptElement({ ...data, colours, safetyColour: SAFETY_COLOUR })}</script>
<script>${uplot.script}</script>
<script>${clientScript}</script>
</body>
</html>
`;
}

function runPanel(series: RunSeries, run: ReportRun, index: number): string {
  const facts: string[] = [`${series.steps} steps`];
  const first = run.steps[0];
  const last = run.steps[run.steps.length - 1];
  if (first !== undefined && last !== undefined) facts.push(`t ${formatSeconds(first.t_s)} to ${formatSeconds(last.t_s)} s`);
  if (run.end === null) facts.push('no session-end line: the session was cut short');
  else facts.push(`ended at ${formatSeconds(run.end.t_s)} s: ${escapeHtml(run.end.reason)}${run.end.clean ? '' : ' (<strong>not clean</strong>: stimulation was not brought to off by the session)'}`);
  if (series.thresholds.length > 0) facts.push(`thresholds ${series.thresholds.map((t) => escapeHtml(String(t))).join(', ')}`);
  if (series.bucket_s !== null) facts.push(`plots decimated to min/max per ${series.bucket_s} s`);
  return `<article class="run">
<h2>${escapeHtml(run.label)}</h2>
<p class="facts">${facts.join(' &middot; ')}</p>
<div class="plot bio" id="bio-${index}"></div>
<div class="plot stim" id="stim-${index}"></div>
</article>`;
}

function legend(kinds: readonly string[]): string {
  const items = [
    '<span><span class="chip line" style="border-color:#1f77b4"></span>biomarker</span>',
    '<span><span class="chip line dashed" style="border-color:#555"></span>threshold</span>',
    '<span><span class="chip line" style="border-color:#d62728"></span>applied amplitude</span>',
    '<span><span class="chip line dashed" style="border-color:#808080"></span>requested amplitude</span>',
    '<span><span class="chip invalid"></span>invalid frames</span>',
    ...kinds.map((kind) => `<span><span class="chip" style="background:${markerColour(kind)}"></span>${escapeHtml(kind)}</span>`),
  ];
  return items.join('\n');
}

/** Rows: the summary's keys (nested objects as dotted keys), in first-seen order; a column per run. */
function summaryTable(runs: readonly ReportRun[]): string {
  const columns = runs.map((run) => flatten(run.summary));
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const column of columns) {
    for (const key of column.keys()) {
      if (!seen.has(key)) {
        seen.add(key);
        keys.push(key);
      }
    }
  }
  const head = `<tr><th>key</th>${runs.map((run) => `<th>${escapeHtml(run.label)}</th>`).join('')}</tr>`;
  const rows = keys.map((key) => {
    const cells = columns.map((column) => (column.has(key) ? summaryCell(column.get(key)) : { text: '', className: 'null' }));
    const differs = runs.length > 1 && new Set(cells.map((c) => c.text)).size > 1;
    return `<tr${differs ? ' class="differs"' : ''}><td class="key">${escapeHtml(key)}</td>${cells.map((c) => `<td class="${c.className}">${escapeHtml(c.text)}</td>`).join('')}</tr>`;
  });
  return `<table class="summary"><thead>${head}</thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

function flatten(value: Readonly<Record<string, unknown>>, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  for (const [key, v] of Object.entries(value)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0) flatten(v as Record<string, unknown>, path, out);
    else out.set(path, v);
  }
  return out;
}

function summaryCell(value: unknown): { text: string; className: string } {
  if (value === null || value === undefined) return { text: 'null', className: 'null' };
  if (typeof value === 'number') return { text: String(value), className: 'num' };
  if (typeof value === 'string') return { text: value, className: '' };
  return { text: JSON.stringify(value), className: '' };
}

function eventsSection(data: ReportData): string {
  const compare = data.runs.length > 1;
  const rows: { t: number; run: number; kind: string; reason: string }[] = [];
  data.runs.forEach((run, r) => {
    for (const [t, kind, reason] of run.events) rows.push({ t, run: r, kind, reason });
  });
  rows.sort((a, b) => a.t - b.t || a.run - b.run);
  const notes = data.runs
    .filter((run) => Object.keys(run.omittedEvents).length > 0)
    .map((run) => {
      const counts = Object.entries(run.omittedEvents);
      const total = counts.reduce((sum, [, n]) => sum + n, 0);
      return `<p class="note">${escapeHtml(run.label)}: ${total} more events not shown (${counts.map(([kind, n]) => `${escapeHtml(kind)} ${n}`).join(', ')}); the trace has them all.</p>`;
    });
  if (rows.length === 0) return `${notes.join('\n')}<p class="note">No events.</p>`;
  const head = `<tr>${compare ? '<th>run</th>' : ''}<th>t_s</th><th>kind</th><th>reason</th></tr>`;
  const body = rows.map(
    (row) =>
      `<tr data-t="${row.t}">${compare ? `<td>${escapeHtml(data.runs[row.run].label)}</td>` : ''}<td class="num">${row.t.toFixed(3)}</td><td><span class="chip" style="background:${markerColour(row.kind)}"></span>${escapeHtml(row.kind)}</td><td class="reason">${escapeHtml(row.reason)}</td></tr>`,
  );
  return `${notes.join('\n')}<div class="table-wrap"><table class="events"><thead>${head}</thead><tbody>\n${body.join('\n')}\n</tbody></table></div>`;
}

function kindsPresent(data: ReportData): string[] {
  const kinds = new Set<string>();
  for (const run of data.runs) for (const [, kind] of run.events) kinds.add(kind);
  return [...kinds].sort();
}

const formatSeconds = (t_s: number): string => String(Number(t_s.toFixed(3)));
