import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI (npm test builds first), run as a user would run it. */
export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
export const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  cwd?: string;
  timeout_ms?: number;
  /** Added to (and overriding) this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Run as this user (needs root; tests that need a permission to be refused). */
  user?: { uid: number; gid: number };
}

export function runCli(args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
      ...(options.user ?? {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeout_ms ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export const tempDir = (prefix = 'neuroloop-test-'): string => mkdtempSync(join(tmpdir(), prefix));

/** A CLI process running in the background, for tests that act on it while it runs. */
export interface RunningCli {
  readonly child: import('node:child_process').ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

/** Sessions started by startCli that have not ended yet. */
const running = new Set<ChildProcess>();

/**
 * Kills what a test file left running (test/helpers/leftoverSessions.ts, after each file):
 * a failed assertion must not leave a real-time session stimulating a simulator for an
 * hour on a shared machine, and a passing file has nothing here.
 */
export function killLeftoverSessions(): number {
  const left = running.size;
  for (const child of running) child.kill('SIGKILL');
  running.clear();
  return left;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  running.add(child);
  child.on('close', () => running.delete(child));
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}
