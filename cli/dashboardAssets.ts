import { fileURLToPath } from 'node:url';

/**
 * The built page: dist/web/dashboard beside dist/cli (scripts/build-dashboard.mjs writes it
 * at npm run build; it ships in the npm package).
 */
export function dashboardAssetsDir(): string {
  return fileURLToPath(new URL('../web/dashboard/', import.meta.url));
}
