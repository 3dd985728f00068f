import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { freePort } from './freePort.js';

/**
 * The memory soak (issue 11, point 5): `neuroloop run` on bench/soak-64ch-1000Hz.yaml (64 sim
 * channels at 1000 Hz, window 1000, hop 100, dual-threshold policy, telemetry to the embedded
 * aedes broker) at `--speed max`, as a child process of the real CLI, with a subscriber here
 * that reads every topic so that the broker really delivers. The child's RSS is read from
 * /proc/PID/status every few seconds of host time; its data time from the status line it
 * prints once per second of data. A full day of data (86.4 M time points) is run when it
 * fits in MAX_FULL_HOST_S; otherwise the run is stopped (SIGTERM: the orderly end) after
 * `hostBudget_s` and the slope is extrapolated from the data hours that fitted.
 */
export interface SoakResult {
  job: string;
  /** Peak RSS of the child (VmHWM: the kernel's high-water mark), MB. */
  rss_max_MB: number;
  /** Least-squares slope of RSS over data time after the warm-up (first 10 % of data time), MB per hour of data. */
  rss_slope_MB_per_h: number;
  /** Hours of data the run covered (24 = the full day; less: the slope is extrapolated). */
  data_hours: number;
  /**
   * The higher of rss_max_MB and the fitted line at 24 h of data: what the peak would be
   * after a day if the trend holds (a falling trend does not fall forever, so the peak stays).
   */
  rss_max_24h_MB: number;
  rss_after_warm_up_MB: number;
  rss_end_MB: number;
  x_realtime: number;
  host_s: number;
  rss_samples: number;
  /** Messages the subscriber received from the embedded broker. */
  messages_received: number;
  /** The whole day was run (true) or the slope extrapolated from `data_hours` (false). */
  full_day: boolean;
}

export const SOAK_JOB = 'soak-64ch-1000Hz-embedded';
const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const CONFIG = fileURLToPath(new URL('../../bench/soak-64ch-1000Hz.yaml', import.meta.url));
const DAY_S = 24 * 3600;
/** Run the full day only if it would take at most this long here (the brief's ~10 minutes). */
const MAX_FULL_HOST_S = 600;
/** The pace is judged after this much host time (start-up and JIT are behind by then). */
const PACE_AFTER_S = 20;
const SAMPLE_EVERY_MS = 2000;
/** The first 10 % of data time is left out of the fit: V8's heap and the broker's buffers are still growing to their working size. */
const WARM_UP_FRACTION = 0.1;

interface RssSample {
  readonly data_s: number;
  readonly rss_MB: number;
}

/** VmRSS and VmHWM of a live process, MB (kB in /proc). */
function procMemory(pid: number): { rss_MB: number; hwm_MB: number } | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null; // gone already
  }
  const kB = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss_MB: kB('VmRSS') / 1024, hwm_MB: kB('VmHWM') / 1024 };
}

/** Least-squares slope of y over x. */
export function slope(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  if (n < 2) return Number.NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i] / n;
    my += y[i] / n;
  }
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  return sxy / sxx;
}

/** The node flags neuroloop is launched with where memory counts (deploy/neuroloop.service, npm start). */
export const NODE_FLAGS = ['--max-semi-space-size=4', '--max-old-space-size=128'] as const;
/** The environment deploy/neuroloop.service and npm start add. */
export const DEPLOYED_ENV = { MALLOC_ARENA_MAX: '2' } as const;

export async function runSoakJob(hostBudget_s = 300, progress: (line: string) => void = () => {}): Promise<SoakResult> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  const port = await freePort();
  // As deployed (deploy/neuroloop.service, npm start): V8's young generation capped at 4 MB, two malloc arenas.
  const child = spawn(
    process.execPath,
    [...NODE_FLAGS, CLI, 'run', '--config', CONFIG, '--speed', 'max', '--duration', String(DAY_S), '--set', `telemetry.embedded.port=${port}`, '--log-format', 'json'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...DEPLOYED_ENV } },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error('neuroloop run did not start');
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 20_000) stderr += chunk.toString();
  });
  let data_s = 0;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const t = /^t\s+([\d.]+) s/.exec(line);
    if (t !== null) data_s = Number(t[1]);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  // The subscriber: everything, at the publisher's QoS (1 for status, stim and events).
  let messages = 0;
  const subscriber = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 100, connectTimeout: 2000 });
  subscriber.on('error', () => {}); // refused until the child's broker listens; it retries
  subscriber.on('connect', () => {
    subscriber.subscribe('#', { qos: 1 });
  });
  subscriber.on('message', () => {
    messages++;
  });

  const samples: RssSample[] = [];
  let hwm_MB = 0;
  const t0 = performance.now();
  let paceJudged = false;
  let stopAt_s = Number.POSITIVE_INFINITY;
  let stopped = false;
  let code: number | null | undefined;
  while (code === undefined) {
    const tick = new Promise<undefined>((resolve) => setTimeout(resolve, SAMPLE_EVERY_MS, undefined));
    code = await Promise.race([exited, tick]);
    if (code !== undefined) break;
    const host_s = (performance.now() - t0) / 1000;
    const memory = procMemory(pid);
    if (memory !== null) {
      samples.push({ data_s, rss_MB: memory.rss_MB });
      hwm_MB = Math.max(hwm_MB, memory.hwm_MB);
    }
    if (!paceJudged && host_s >= PACE_AFTER_S && data_s > 0) {
      paceJudged = true;
      const projected_s = (DAY_S / data_s) * host_s;
      if (projected_s > MAX_FULL_HOST_S) stopAt_s = hostBudget_s;
      progress(`  ${data_s.toFixed(0)} s of data in ${host_s.toFixed(0)} s: the full day would take ${(projected_s / 60).toFixed(0)} min; ${projected_s > MAX_FULL_HOST_S ? `stopping after ${hostBudget_s} s and extrapolating` : 'running it'}\n`);
    }
    if (!stopped && host_s >= stopAt_s) {
      stopped = true;
      child.kill('SIGTERM'); // the orderly end: ramp off, close telemetry, exit 0
    }
  }
  const host_s = (performance.now() - t0) / 1000;
  await subscriber.endAsync();
  if (code !== 0) throw new Error(`neuroloop run exited ${code}:\n${stderr}`);

  const end_s = samples.length > 0 ? samples[samples.length - 1].data_s : 0;
  const fitted = samples.filter((s) => s.data_s >= WARM_UP_FRACTION * end_s);
  const perHour = slope(
    fitted.map((s) => s.data_s / 3600),
    fitted.map((s) => s.rss_MB),
  );
  const round = (v: number, digits = 1): number => Math.round(v * 10 ** digits) / 10 ** digits;
  const after = fitted[0]?.rss_MB ?? Number.NaN;
  return {
    job: SOAK_JOB,
    rss_max_MB: round(hwm_MB),
    rss_slope_MB_per_h: round(perHour, 2),
    data_hours: round(end_s / 3600, 3),
    rss_max_24h_MB: round(Math.max(hwm_MB, after + perHour * (24 - (fitted[0]?.data_s ?? 0) / 3600))),
    rss_after_warm_up_MB: round(after),
    rss_end_MB: round(samples[samples.length - 1]?.rss_MB ?? Number.NaN),
    x_realtime: round(end_s / host_s),
    host_s: round(host_s),
    rss_samples: samples.length,
    messages_received: messages,
    full_day: !stopped,
  };
}
