import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { assertInlineable } from './htmlText.js';

/** uPlot's browser build, stylesheet and licence, inlined into every report (no network when it is opened). */
export interface UplotAssets {
  readonly version: string;
  readonly script: string;
  readonly css: string;
  readonly license: string;
}

let cached: UplotAssets | null = null;

/** Read from the installed uplot package once per process. */
export function uplotAssets(): UplotAssets {
  if (cached !== null) return cached;
  const require = createRequire(import.meta.url);
  const read = (file: string): string => readFileSync(require.resolve(`uplot/${file}`), 'utf8');
  const { version } = JSON.parse(read('package.json')) as { version: string };
  const license = read('LICENSE');
  if (license.includes('-->') || license.includes('--!>')) throw new Error('uplot/LICENSE cannot be put in an HTML comment');
  cached = {
    version,
    script: assertInlineable(read('dist/uPlot.iife.min.js'), 'script', 'uplot/dist/uPlot.iife.min.js'),
    css: assertInlineable(read('dist/uPlot.min.css'), 'style', 'uplot/dist/uPlot.min.css'),
    license,
  };
  return cached;
}
