// tsc does not keep file modes: mark the CLI entry executable so `npx neuroloop` runs it.
import { chmodSync } from 'node:fs';

chmodSync(new URL('../dist/cli/main.js', import.meta.url), 0o755);
