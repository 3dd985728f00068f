import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface StartupResult {
  job: string;
  runs: number;
  /** Median wall time of `node dist/cli/main.js --help`. */
  help_ms: number;
  /** Median wall time of `node -e 0`: Node's own start-up on this machine. */
  node_ms: number;
  /** help_ms / node_ms: what neuroloop adds to starting Node (target <= 3). */
  ratio: number;
}

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/**
 * Start-up cost of the CLI as a ratio to bare Node, so that it means the same on a laptop
 * and on a small board. The two commands alternate, so that a busy moment of a shared
 * machine weighs on both; the median drops the outliers.
 */
export function runStartupJob(runs = 21): StartupResult {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  const help: number[] = [];
  const bare: number[] = [];
  const time = (args: string[]): number => {
    const start = performance.now();
    const r = spawnSync(process.execPath, args, { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}`);
    return performance.now() - start;
  };
  for (let i = 0; i < runs; i++) {
    help.push(time([CLI, '--help']));
    bare.push(time(['-e', '0']));
  }
  const help_ms = median(help);
  const node_ms = median(bare);
  return { job: 'startup: neuroloop --help vs node -e 0', runs, help_ms: round(help_ms), node_ms: round(node_ms), ratio: round(help_ms / node_ms) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const round = (x: number): number => Math.round(x * 100) / 100;
