import { rmSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';
import { tempDir } from './cli.js';

/** Debian's chromium (package chromium): the browser the report tests open pages in. */
export const CHROMIUM = '/usr/bin/chromium';

export interface Chromium {
  readonly browser: Browser;
  close(): Promise<void>;
}

/**
 * A headless chromium with a fresh profile. The flags keep it from its own background
 * connections (updates, sync, field trials, QUIC probes), which fail on a closed network
 * and would be noise in a test that watches the page's requests.
 */
export async function launchChromium(): Promise<Chromium> {
  const profile = tempDir('neuroloop-chromium-');
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`],
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
