// The dashboard page (web/dashboard, docs/dashboard.md) bundled into dist/web/dashboard:
// one script with mqtt.js, uPlot and the zod payload schemas, its stylesheets and the
// licences of what is bundled. Nothing from the network, at build time or in the page.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
const out = new URL('../dist/web/dashboard/', import.meta.url);
const source = new URL('../web/dashboard/', import.meta.url);
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [new URL('main.ts', source).pathname],
  outfile: new URL('dashboard.js', out).pathname,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  // Chromium on Raspberry Pi OS bullseye and later.
  target: ['chrome90', 'firefox90', 'safari15'],
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
});
for (const file of ['index.html', 'dashboard.css']) copyFileSync(new URL(file, source), new URL(file, out));
copyFileSync(require.resolve('uplot/dist/uPlot.min.css'), new URL('uPlot.min.css', out));
const licences = ['uplot', 'mqtt', 'zod'].map((name) => {
  const dir = require.resolve(`${name}/package.json`).replace(/package\.json$/, '');
  const { version } = JSON.parse(readFileSync(`${dir}package.json`, 'utf8'));
  const file = name === 'mqtt' ? 'LICENSE.md' : 'LICENSE';
  return `${name} ${version}\n\n${readFileSync(`${dir}${file}`, 'utf8')}`;
});
writeFileSync(new URL('licenses.txt', out), `The neuroloop dashboard bundles:\n\n${licences.join('\n\n----\n\n')}`);
