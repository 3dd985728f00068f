import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { decimationIndices } from '../../cli/report/decimate.js';
import { MAX_BUCKETS, MAX_EVENTS_PER_RUN } from '../../cli/report/reportData.js';
import { type ReportRun, readTraceFile, renderReportHtml, type TraceStepLine } from '../../cli/report/renderReportHtml.js';
import type { SessionEndLine } from '../../cli/sessionTraceLines.js';
import type { SessionStep } from '../../controller/session.js';
import { InputError } from '../../drivers/inputError.js';
import { type Chromium, launchChromium } from '../helpers/chromium.js';
import { REPO, runCli, tempDir } from '../helpers/cli.js';

// The fixed-threshold loop: the report draws the thresholds the config gives (sim-adbs.yaml's are calibrated).
const CONFIG = 'config/examples/sim-adbs-fixed.yaml';
const META = { title: 'Replay of a test recording', source: 'recordings/test.edf', generatedBy: 'neuroloop 0.1.0' };
/** A marker text that would run script if it reached the page as markup. */
const HOSTILE = '</script><img src=x onerror=alert(1)>';
/** The second config of the comparison: a lower upper threshold, and an upper amplitude beyond the 4 mA limit (clamps, then a lockout). */
const B_UPPER = 0;
const B_SETS = ['--set', `policy.upperThreshold=${B_UPPER}`, '--set', 'policy.upperAmplitude_mA=4.5'];

interface Recorded {
  steps: TraceStepLine[];
  end: Awaited<ReturnType<typeof readTraceFile>>['end'];
  summary: Record<string, unknown>;
}

/** A session of the simulated patient, through the CLI as a user runs it. */
async function record(dir: string, name: string, duration_s: number, extra: string[] = []): Promise<Recorded> {
  const trace = join(dir, `${name}.ndjson`);
  const summary = join(dir, `${name}.json`);
  const result = await runCli(['run', '--no-mqtt', '--config', CONFIG, '--duration', String(duration_s), '--speed', 'max', '--trace', trace, '--summary', summary, ...extra]);
  expect(result.code, result.stderr).toBe(0);
  const { steps, end } = await readTraceFile(trace);
  return { steps, end, summary: JSON.parse(readFileSync(summary, 'utf8')) as Record<string, unknown> };
}

const policy = parseYaml(readFileSync(join(REPO, CONFIG), 'utf8')).policy as { lowerThreshold: number; upperThreshold: number };

/**
 * What the tests use of the page's globals (the project's TypeScript has no DOM types):
 * the functions given to page.evaluate run in the browser.
 */
interface InPage {
  document: { querySelectorAll(selector: string): Iterable<{ width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } }> };
  neuroloopReport: { plots: { over: { getBoundingClientRect(): { left: number; top: number; height: number } }; valToPos(value: number, scale: string): number; scales: { x: { min: number; max: number } } }[] };
}

/** The step's events plus an annotation at its time, as a replay of an annotated recording gives them. */
function annotate(steps: readonly TraceStepLine[], at_s: number, text: string): TraceStepLine[] {
  const i = steps.findIndex((s) => s.t_s >= at_s);
  return steps.map((s, k) => (k === i ? { ...s, events: [...s.events, { t_s: s.t_s, kind: 'annotation', reason: text }] } : s));
}

/** The JSON the page reads, parsed back from the HTML. */
function embeddedData(html: string): { t0_s: number; t1_s: number; runs: { bio: [number[], (number | null)[]]; stim: [number[], (number | null)[], (number | null)[]]; events: [number, string, string][] }[] } {
  const match = /<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(html);
  if (match === null) throw new Error('no report-data element');
  return JSON.parse(match[1]);
}

// The replay command may hand the session's own steps and end line to the report as they are.
type Assignable<To, From extends To> = [To, From];
export type SessionStepsFitTheReport = [Assignable<TraceStepLine, SessionStep>, Assignable<NonNullable<ReportRun['end']>, SessionEndLine>];

describe('decimation (min/max per bucket)', () => {
  it('keeps, per bucket, the first, lowest, highest and last sample of each series and the gaps, and no more than 5 samples per series per bucket', () => {
    // A day at 10 frames/s, with gaps (NaN): a random walk, so every bucket has its own extremes.
    const n = 864_000;
    const t = new Float64Array(n);
    const a = new Float64Array(n);
    const b = new Float64Array(n);
    let seed = 12345;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < n; i++) {
      t[i] = i / 10;
      a[i] = i % 50_000 < 300 ? NaN : (i > 0 && !Number.isNaN(a[i - 1]) ? a[i - 1] : 0) + random() - 0.5;
      b[i] = Math.floor(random() * 8) === 0 ? random() * 4 : i > 0 ? b[i - 1] : 0;
    }
    const kept = decimationIndices(t, [a, b], MAX_BUCKETS);
    expect(kept.length).toBeLessThanOrEqual(MAX_BUCKETS * 2 * 5);
    for (let k = 1; k < kept.length; k++) expect(kept[k]).toBeGreaterThan(kept[k - 1]);

    // Checked bucket by bucket against all samples.
    const keptSet = new Set(kept);
    const width_s = (t[n - 1] - t[0]) / MAX_BUCKETS;
    const bucketOf = (i: number): number => Math.min(MAX_BUCKETS - 1, Math.floor((t[i] - t[0]) / width_s));
    let start = 0;
    let buckets = 0;
    while (start < n) {
      let stop = start;
      while (stop < n && bucketOf(stop) === bucketOf(start)) stop++;
      for (const values of [a, b]) {
        const finite = [];
        for (let i = start; i < stop; i++) if (!Number.isNaN(values[i])) finite.push(i);
        const keptHere = [];
        for (let i = start; i < stop; i++) if (keptSet.has(i)) keptHere.push(i);
        if (finite.length > 0) {
          const all = finite.map((i) => values[i]);
          const shown = keptHere.filter((i) => !Number.isNaN(values[i])).map((i) => values[i]);
          expect(Math.min(...shown)).toBe(Math.min(...all));
          expect(Math.max(...shown)).toBe(Math.max(...all));
          expect(keptSet.has(finite[0]) && keptSet.has(finite[finite.length - 1])).toBe(true);
        }
        if (finite.length < stop - start) expect(keptHere.some((i) => Number.isNaN(values[i]))).toBe(true);
      }
      buckets++;
      start = stop;
    }
    expect(buckets).toBe(MAX_BUCKETS);
  });

  it('keeps every sample when there are at most 4 per bucket', () => {
    const t = Float64Array.from({ length: 100 }, (_, i) => i);
    expect([...decimationIndices(t, [new Float64Array(100)], 25)]).toEqual([...t]);
  });
});

describe('readTraceFile', () => {
  it('names the file and line of a malformed line and what was expected', async () => {
    const dir = tempDir();
    const good = '{"index":1,"t_s":0.1,"biomarker":null,"valid":false,"requested":null,"applied":{"enabled":false,"amplitude_mA":0,"frequency_Hz":130,"pulseWidth_us":60},"events":[]}';
    const cases: [string, RegExp][] = [
      [`${good}\n{"index":2`, /bad\.ndjson:2: not JSON/],
      [`${good}\n${good.replace('"valid":false', '"valid":"no"')}`, /bad\.ndjson:2: "valid" must be true or false, got "no"/],
      [`${good}\n${good.replace('"amplitude_mA":0', '"amplitude_mA":"x"')}`, /bad\.ndjson:2: "applied"\.amplitude_mA must be a finite number, got "x"/],
      [`${good}\n${good.replace('"events":[]', '"events":[{"t_s":1,"kind":"annotation"}]')}`, /bad\.ndjson:2: events\[0\]\.reason must be a string, got nothing/],
      [`{"kind":"session-end","t_s":1,"reason":"x","clean":true,"events":[]}\n${good}`, /bad\.ndjson:2: a line after the session-end line/],
      ['{"kind":"telemetry"}', /bad\.ndjson:1: unknown line kind "telemetry"/],
    ];
    for (const [text, message] of cases) {
      const path = join(dir, 'bad.ndjson');
      writeFileSync(path, text);
      const error = await readTraceFile(path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toMatch(message);
    }
    await expect(readTraceFile(join(dir, 'missing.ndjson'))).rejects.toThrow(/missing\.ndjson: no such trace file/);
  });
});

describe('the HTML report (renderReportHtml)', () => {
  it('an hour of replay makes a report under 2 MB whose plots keep the extremes of the data', async () => {
    const dir = tempDir();
    const run = await record(dir, 'hour', 3600);
    expect(run.steps.length).toBe(run.summary.frames);
    const html = renderReportHtml([{ label: 'sim-adbs-fixed.yaml', ...run, thresholds: [policy.lowerThreshold, policy.upperThreshold] }], META);
    expect(Buffer.byteLength(html)).toBeLessThan(2_000_000);
    // No resource from anywhere: everything inline.
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=/i);
    expect(html).not.toMatch(/url\(/i);

    const [series] = embeddedData(html).runs;
    expect(series.bio[0].length).toBeLessThanOrEqual(4 * MAX_BUCKETS + 2);
    const biomarkers = run.steps.map((s) => s.biomarker).filter((b): b is number => b !== null);
    const shown = series.bio[1].filter((b): b is number => b !== null);
    // Rounded to 5 significant digits for the page.
    expect(Math.max(...shown)).toBeCloseTo(Math.max(...biomarkers), 3);
    expect(Math.min(...shown)).toBeCloseTo(Math.min(...biomarkers), 3);
    const amplitudes = run.steps.map((s) => (s.applied.enabled ? s.applied.amplitude_mA : 0));
    expect(Math.max(...(series.stim[1] as number[]))).toBeCloseTo(Math.max(...amplitudes), 4);
    expect(series.stim[0][series.stim[0].length - 1]).toBe(run.steps[run.steps.length - 1].t_s);
  });

  it('escapes every text from the data, and the page reads the texts back unchanged', () => {
    const step: TraceStepLine = { index: 1, t_s: 1, biomarker: 0.5, valid: true, requested: null, applied: { enabled: true, amplitude_mA: 1, frequency_Hz: 130, pulseWidth_us: 60 }, events: [{ t_s: 1, kind: 'annotation', reason: HOSTILE }] };
    const hostileRun: ReportRun = { label: `<b>${HOSTILE}`, steps: [step], end: { kind: 'session-end', t_s: 2, reason: HOSTILE, clean: false, events: [{ t_s: 2, kind: `k${HOSTILE}`, reason: '&amp; \u2028' }] }, summary: { note: HOSTILE, [`<key>${HOSTILE}`]: 1 }, thresholds: [0.6] };
    const html = renderReportHtml([hostileRun], { title: HOSTILE, source: `"${HOSTILE}`, generatedBy: HOSTILE });
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>');
    // The only script elements are the page's three.
    expect(html.match(/<script/g)).toHaveLength(3);
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    const data = embeddedData(html);
    expect(data.runs[0].events).toEqual([[1, 'annotation', HOSTILE], [2, `k${HOSTILE}`, '&amp; \u2028']]);
  });

  it('shows the annotations whatever the number of other events, and counts what it leaves out', () => {
    const steps: TraceStepLine[] = [];
    for (let i = 0; i < 3000; i++) {
      const events = [{ t_s: i / 10, kind: 'clamp', reason: 'amplitude 4.5 mA outside [0, 4] mA: 4 mA' }, { t_s: i / 10, kind: 'clamp', reason: 'again' }];
      if (i % 1000 === 999) events.push({ t_s: i / 10, kind: 'annotation', reason: `marker ${i}` });
      steps.push({ index: i, t_s: i / 10, biomarker: Math.sin(i / 10), valid: true, requested: null, applied: { enabled: false, amplitude_mA: 0, frequency_Hz: 130, pulseWidth_us: 60 }, events });
    }
    const html = renderReportHtml([{ label: 'busy', steps, end: null, summary: {}, thresholds: [] }], META);
    const events = embeddedData(html).runs[0].events;
    expect(events).toHaveLength(MAX_EVENTS_PER_RUN);
    expect(events.filter((e) => e[1] === 'annotation').map((e) => e[2])).toEqual(['marker 999', 'marker 1999', 'marker 2999']);
    expect(html).toContain(`busy: ${6003 - MAX_EVENTS_PER_RUN} more events not shown (clamp ${6003 - MAX_EVENTS_PER_RUN})`);
    expect(html).toContain('no session-end line: the session was cut short');
  });
});

describe('the HTML report in a browser (chromium, from file://)', () => {
  let chromium: Chromium;
  let dir: string;
  let a: Recorded;
  let b: Recorded;

  beforeAll(async () => {
    dir = tempDir();
    [chromium, a, b] = await Promise.all([launchChromium(), record(dir, 'a', 40), record(dir, 'b', 40, B_SETS)]);
  });
  afterAll(async () => {
    await chromium?.close();
  });

  /** Opens a report from disk, noting every console error, page error, dialog and request. */
  async function open(html: string, name: string): Promise<{ page: Page; problems: string[]; requests: string[] }> {
    const path = join(dir, name);
    writeFileSync(path, html);
    const page = await chromium.browser.newPage();
    await page.setViewport({ width: 1280, height: 1500 });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`page error: ${String(e)}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
    return { page, problems, requests };
  }

  /** Per plot canvas: its pixels drawn at all, and those in the colour of the plot's main series. */
  const canvasPixels = (page: Page): Promise<{ drawn: number; series: number }[]> =>
    page.evaluate(() => {
      const seriesColours = [[31, 119, 180], [214, 39, 40]]; // biomarker, applied amplitude
      const { document } = globalThis as unknown as InPage;
      return [...document.querySelectorAll('.uplot canvas')].map((canvas, i) => {
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        const [r, g, b] = seriesColours[i % 2];
        let drawn = 0;
        let series = 0;
        for (let p = 0; p < pixels.length; p += 4) {
          if (pixels[p + 3] === 0) continue;
          drawn++;
          if (pixels[p + 3] > 128 && Math.abs(pixels[p] - r) < 40 && Math.abs(pixels[p + 1] - g) < 40 && Math.abs(pixels[p + 2] - b) < 40) series++;
        }
        return { drawn, series };
      });
    });

  const tableRows = (page: Page, selector: string): Promise<string[][]> =>
    page.$$eval(`${selector} tbody tr`, (rows) => rows.map((row) => [...row.querySelectorAll('td')].map((td) => td.textContent ?? '')));

  function expectOffline(problems: string[], requests: string[]): void {
    expect(problems).toEqual([]);
    expect(requests.length).toBeGreaterThan(0);
    for (const url of requests) expect(url).toMatch(/^(file|data):/);
  }

  it('one run: plots drawn, summary and events listed, nothing fetched', async () => {
    const html = renderReportHtml([{ label: 'sim-adbs-fixed.yaml', ...a, thresholds: [policy.lowerThreshold, policy.upperThreshold] }], META);
    const { page, problems, requests } = await open(html, 'one.html');
    try {
      const pixels = await canvasPixels(page);
      expect(pixels).toHaveLength(2);
      for (const p of pixels) expect(p.series).toBeGreaterThan(200);
      expect(await page.$eval('h1', (h) => h.textContent)).toBe(META.title);

      const summary = new Map((await tableRows(page, 'table.summary')).map(([key, value]) => [key, value]));
      const dose = a.summary.dose as Record<string, unknown>;
      expect(summary.get('frames')).toBe(String(a.summary.frames));
      expect(summary.get('stimOnFraction')).toBe(String(a.summary.stimOnFraction));
      expect(summary.get('energy_rel')).toBe(String(a.summary.energy_rel));
      expect(summary.get('dose.charge_mC')).toBe(String(dose.charge_mC));
      expect(summary.get('policy')).toBe('dual-threshold');

      const events = await tableRows(page, 'table.events');
      expect(events.map((row) => row[1])).toEqual(['session-start', 'session-end']);
      expectOffline(problems, requests);
    } finally {
      await page.close();
    }
  });

  it('two runs compared: the annotation text verbatim in the table and on hover, zoom shared by every plot; takes the README screenshot', async () => {
    const thresholdsA = [policy.lowerThreshold, policy.upperThreshold];
    const thresholdsB = [policy.lowerThreshold, B_UPPER];
    const runs: ReportRun[] = [
      { label: 'sim-adbs-fixed.yaml', steps: annotate(a.steps, 24, 'MedOn'), end: a.end, summary: a.summary, thresholds: thresholdsA },
      { label: `sim-adbs-fixed.yaml (upper ${B_UPPER}, 4.5 mA)`, steps: annotate(annotate(b.steps, 24, 'MedOn'), 28, HOSTILE), end: b.end, summary: b.summary, thresholds: thresholdsB },
    ];
    const { page, problems, requests } = await open(renderReportHtml(runs, META), 'compare.html');
    try {
      const pixels = await canvasPixels(page);
      expect(pixels).toHaveLength(4);
      for (const p of pixels) expect(p.series).toBeGreaterThan(200);

      // The hostile marker is text: in the table, verbatim; no element was made of it.
      const events = await tableRows(page, 'table.events');
      const annotations = events.filter((row) => row[2] === 'annotation');
      expect(annotations.map((row) => [row[0], row[3]])).toEqual([[runs[0].label, 'MedOn'], [runs[1].label, 'MedOn'], [runs[1].label, HOSTILE]]);
      expect(await page.$$eval('img', (images) => images.length)).toBe(0);
      // The governor's clamps and lockout of run B are listed with their reasons.
      expect(events.some((row) => row[2] === 'lockout' && row[0] === runs[1].label)).toBe(true);

      // One column per run; the values as the summaries have them.
      const summary = new Map((await tableRows(page, 'table.summary')).map(([key, ...values]) => [key, values]));
      expect(summary.get('latched')).toEqual(['null', String(b.summary.latched)]);
      expect(summary.get('limitEvents')).toEqual([String(a.summary.limitEvents), String(b.summary.limitEvents)]);
      expect(summary.get('stimOnFraction')).toEqual([String(a.summary.stimOnFraction), String(b.summary.stimOnFraction)]);

      // Hovering over the marker shows its text (run B's biomarker plot is the third plot).
      const hostileAt_s = runs[1].steps.find((s) => s.events.some((e) => e.reason === HOSTILE))!.t_s;
      const point = await page.evaluate((t) => {
        const u = (globalThis as unknown as InPage).neuroloopReport.plots[2];
        const box = u.over.getBoundingClientRect();
        return { x: box.left + u.valToPos(t, 'x'), y: box.top + box.height / 2 };
      }, hostileAt_s);
      await page.mouse.move(point.x, point.y);
      const tip = await page.$$eval('.marker-tip', (tips) => tips.filter((t) => !t.hidden).map((t) => t.textContent));
      expect(tip).toEqual([`${hostileAt_s.toFixed(3)} s annotation ${HOSTILE}`]);

      // A drag over one plot zooms all four to the same span; a double-click zooms all out.
      const xRanges = (): Promise<[number, number][]> =>
        page.evaluate(() => (globalThis as unknown as InPage).neuroloopReport.plots.map((u): [number, number] => [u.scales.x.min, u.scales.x.max]));
      const [full] = await xRanges();
      await page.mouse.move(point.x - 200, point.y);
      await page.mouse.down();
      await page.mouse.move(point.x + 100, point.y, { steps: 5 });
      await page.mouse.up();
      const zoomed = await xRanges();
      expect(zoomed[0][1] - zoomed[0][0]).toBeLessThan((full[1] - full[0]) / 2);
      for (const range of zoomed) expect(range).toEqual(zoomed[0]);
      await page.mouse.click(point.x, point.y, { clickCount: 2 });
      for (const range of await xRanges()) expect(range).toEqual(full);

      await page.mouse.move(0, 0);
      // The README's picture is refreshed on request (NEUROLOOP_SCREENSHOTS=1 npm test), so an
      // ordinary test run leaves the working tree as it was; otherwise it goes to a temp folder.
      const shots = process.env.NEUROLOOP_SCREENSHOTS === '1' ? join(REPO, 'docs/images') : tempDir();
      mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: join(shots, 'report.png'), clip: { x: 0, y: 0, width: 1280, height: 1160 } });
      expectOffline(problems, requests);
    } finally {
      await page.close();
    }
  });
});
