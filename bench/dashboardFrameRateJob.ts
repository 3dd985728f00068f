import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './headlessChromium.js';
import { freePort } from './freePort.js';

export interface DashboardFrameRateResult {
  job: string;
  /** Chromium's CPU throttling (Emulation.setCPUThrottlingRate): 1 this machine, 6 and 10 the Pi 4 factor range of piBudget.ts. */
  cpu_throttling: number;
  seconds: number;
  /** Redraws per second of the slowest chart (canvas clears per chart), median over one-second windows. */
  redraws_per_s_p50: number;
  /** The worst one-second window. */
  redraws_per_s_min: number;
  /** The page's JS heap in use at the start and end of the measurement, and after a forced GC at the end (MB). */
  heap_start_MB: number;
  heap_end_MB: number;
  heap_after_gc_MB: number;
  /** Whether the page showed an error banner or logged a console error during the run. */
  page_errors: number;
}

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const CONFIG = fileURLToPath(new URL('../../config/examples/sim-adbs.yaml', import.meta.url));
/** The charts' time window (web/dashboard/rigTimeline.ts WINDOW_S): the page is measured with it full. */
const CHART_WINDOW_S = 180;
/** Unthrottled, from opening the page until its charts hold a whole window. */
const FILL_S = CHART_WINDOW_S + 10;
/** After each change of throttling, before counting. */
const SETTLE_S = 5;

/** Wraps clearRect to count calls per canvas in window.__clears. */
const COUNT_CLEARS = `(() => {
  const counts = new Map();
  window.__clears = counts;
  const clear = CanvasRenderingContext2D.prototype.clearRect;
  CanvasRenderingContext2D.prototype.clearRect = function (x, y, w, h) {
    counts.set(this.canvas, (counts.get(this.canvas) ?? 0) + 1);
    clear.call(this, x, y, w, h);
  };
})()`;

/**
 * The live dashboard as a Pi's browser would draw it (issue 13: smooth at 20+ fps on a
 * Pi's browser): `npm start`'s simulated session in real time with `--dashboard`, the page
 * in headless chromium with its CPU slowed by Chromium's own throttling (x1, then the Pi 4
 * factors x6 and x10: one core of a Pi 4 is 6-10x slower than this machine's, bench/piBudget.ts).
 * Redraws are counted as clearRect calls per canvas (uPlot clears its canvas once per
 * draw, and every draw is a full one: axes, grid, lines and events at the moved axis), per
 * one-second window, on one page left open until its charts hold their whole window (the
 * costliest state: a fresh page draws far fewer points). The page skips a redraw only when neither its data
 * nor its axis moved; with the live session here the axis moves on every animation frame,
 * so the count is the scrolling frame rate a user sees. The heap is read at both ends and after a
 * forced GC, to see that a page left open does not grow. Not on a Pi: chromium's throttling
 * slows the page's JavaScript, not the GPU's compositing, which a Pi also has less of.
 */
export async function runDashboardFrameRateJobs(rates: readonly number[] = [1, 6, 10], seconds = 30, say: (line: string) => void = () => {}): Promise<DashboardFrameRateResult[]> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  const results: DashboardFrameRateResult[] = [];
  const [pagePort, brokerPort] = [await freePort(), await freePort()];
  const session: ChildProcess = spawn(
    process.execPath,
    [CLI, 'run', '--config', CONFIG, '--dashboard', String(pagePort), '--set', `telemetry.embedded.port=${brokerPort}`, '--duration', String(FILL_S + rates.length * (seconds + SETTLE_S + 10) + 30), '--log-format', 'json'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  session.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const chromium = await launchChromium();
  try {
    for (let i = 0; i < 200 && !stderr.includes('dashboard on'); i++) await new Promise((r) => setTimeout(r, 50));
    if (!stderr.includes('dashboard on')) throw new Error(`the session did not serve its dashboard: ${stderr.slice(-500)}`);
    // One page, as a tab left open at the bench: its charts fill their whole window first
    // (the page keeps what arrived since it opened), then each throttling in turn.
    const page = await chromium.browser.newPage();
    await page.setViewport({ width: 1280, height: 860 });
    let pageErrors = 0;
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors++;
    });
    page.on('pageerror', () => pageErrors++);
    // Count clears per canvas before the page's own script runs (a string: it runs in the page, whose DOM types this build does not have).
    await page.evaluateOnNewDocument(COUNT_CLEARS);
    const cdp = await page.createCDPSession();
    await page.goto(`http://127.0.0.1:${pagePort}/`, { waitUntil: 'load' });
    say(`dashboard-frame-rate: ${FILL_S} s for the charts to fill their ${CHART_WINDOW_S} s window...\n`);
    await new Promise((r) => setTimeout(r, FILL_S * 1000));
    const clears = async (): Promise<number[]> => (await page.evaluate('[...window.__clears.values()]')) as number[];
    const heap = async (): Promise<number> => ((await page.metrics()).JSHeapUsedSize ?? Number.NaN) / 1e6;
    for (const rate of rates) {
      say(`dashboard-frame-rate: CPU throttled x${rate}, ${SETTLE_S} s to settle and ${seconds} s measured...\n`);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate });
      await new Promise((r) => setTimeout(r, SETTLE_S * 1000));
      const errorsBefore = pageErrors;
      const heapStart = await heap();
      const perSecond: number[] = [];
      let before = await clears();
      for (let s = 0; s < seconds; s++) {
        await new Promise((r) => setTimeout(r, 1000));
        const now = await clears();
        // The slowest chart in this second (a chart that appeared meanwhile counts from 0).
        perSecond.push(Math.min(...now.map((c, k) => c - (before[k] ?? 0))));
        before = now;
      }
      const heapEnd = await heap();
      await cdp.send('HeapProfiler.collectGarbage');
      const heapAfterGc = await heap();
      // The page's error banner (web/dashboard/index.html #errors) shown at the end counts as an error.
      const banner = (await page.evaluate("document.getElementById('errors')?.hidden === false ? 1 : 0")) as number;
      const sorted = [...perSecond].sort((a, b) => a - b);
      results.push({
        job: `dashboard-frame-rate-cpu-x${rate}`,
        cpu_throttling: rate,
        seconds,
        redraws_per_s_p50: sorted[Math.floor(sorted.length / 2)],
        redraws_per_s_min: sorted[0],
        heap_start_MB: Number(heapStart.toFixed(1)),
        heap_end_MB: Number(heapEnd.toFixed(1)),
        heap_after_gc_MB: Number(heapAfterGc.toFixed(1)),
        page_errors: pageErrors - errorsBefore + banner,
      });
    }
    await page.close();
  } finally {
    await chromium.close();
    session.kill('SIGINT');
  }
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const row of await runDashboardFrameRateJobs(undefined, undefined, (line) => process.stderr.write(line))) process.stdout.write(`${JSON.stringify(row)}\n`);
}
