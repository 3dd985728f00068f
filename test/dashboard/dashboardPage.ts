import type { Page } from 'puppeteer-core';
import type { Chromium } from '../helpers/chromium.js';

/** A dashboard page in the test's chromium, with everything it complained about. */
export interface DashboardPage {
  readonly page: Page;
  /** Console errors, uncaught exceptions and failed requests, as they came. */
  readonly problems: string[];
  field(name: string): Promise<string>;
  /** Waits until `data-field="name"` satisfies `test`; the last text seen is in the error. */
  waitForField(name: string, test: (text: string) => boolean, timeout_ms?: number): Promise<string>;
  /** Whether the element is shown (neither it nor an ancestor hidden). */
  visible(selector: string): Promise<boolean>;
  /** Waits until the element is shown: what depends on a second retained message (the rig's
   * `loop`, which says whether commands are on) may come a moment after the status. */
  waitForVisible(selector: string, timeout_ms?: number): Promise<void>;
  /** The command result lines, newest first. */
  ackLines(): Promise<string[]>;
  /** Waits until the result line `index` (0: newest) satisfies `test`; the lines seen last are in the error. */
  waitForAckLine(index: number, test: (text: string) => boolean, timeout_ms?: number): Promise<string>;
  /** Empties the input, then types `text` into it as a user would. */
  typeInto(selector: string, text: string): Promise<void>;
  /** The element's class attribute. */
  classOf(selector: string): Promise<string>;
}

export async function openDashboard(chromium: Chromium, url: string): Promise<DashboardPage> {
  const page = await chromium.browser.newPage();
  await page.setViewport({ width: 1280, height: 860 });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${(e as Error).message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  await page.goto(url, { waitUntil: 'load' });
  const field = (name: string): Promise<string> => page.$eval(`[data-field="${name}"]`, (el) => el.textContent ?? '');
  const ackLines = (): Promise<string[]> => page.$$eval('[data-field="ack"] li', (lines) => lines.map((l) => l.textContent ?? ''));
  return {
    page,
    problems,
    field,
    waitForField: async (name, test, timeout_ms = 15_000) => {
      const deadline = Date.now() + timeout_ms;
      let last = '';
      for (;;) {
        last = await field(name);
        if (test(last)) return last;
        if (Date.now() > deadline) throw new Error(`data-field="${name}" still "${last}" after ${timeout_ms} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    visible: (selector) => page.$eval(selector, (el) => (el as unknown as { checkVisibility(): boolean }).checkVisibility()),
    waitForVisible: async (selector, timeout_ms = 5000) => {
      await page.waitForFunction(`document.querySelector(${JSON.stringify(selector)})?.checkVisibility() === true`, { timeout: timeout_ms });
    },
    ackLines,
    waitForAckLine: async (index, test, timeout_ms = 5000) => {
      const deadline = Date.now() + timeout_ms;
      for (;;) {
        const lines = await ackLines();
        if (index < lines.length && test(lines[index])) return lines[index];
        if (Date.now() > deadline) throw new Error(`result line ${index} not as expected after ${timeout_ms} ms: ${JSON.stringify(lines)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    typeInto: async (selector, text) => {
      await page.$eval(selector, (el) => {
        (el as unknown as { value: string }).value = '';
      });
      await page.type(selector, text);
    },
    classOf: (selector) => page.$eval(selector, (el) => el.className),
  };
}
