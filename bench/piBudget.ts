/**
 * What fits on a Raspberry Pi 4, from the real-time bench rows of this machine (issue 11,
 * point 4). Nothing is measured on a Pi: a latency job's `core_fraction` and `p99_ms` are
 * scaled by a stated per-core slow-down factor.
 *
 *   npm run -s bench -- --json --only latency | node build/bench/piBudget.js
 *   node build/bench/piBudget.js rows.ndjson        (rows saved from an earlier run)
 *
 * The model: with the window and hop fixed in seconds (as a config states them), both the
 * CPU time per second of data and the time of one decision grow in proportion to
 * channels x sample rate (filters per sample and channel; one FFT of the window per channel
 * and decision; the FFT's log factor is left out: 1000 -> 2000 samples adds about 10 %).
 * So one measured job gives a budget in channel-Hz, which fits as many channels at 250 Hz
 * as a quarter of them at 1000 Hz. Two limits, the tighter one counts:
 *   - latency: p99 x factor x (scaled load) <= P99_BUDGET_MS;
 *   - throughput: core_fraction x factor x (scaled load) <= CORE_CEILING.
 * The p99 measured here includes this shared virtual machine's scheduling hiccups, which
 * a Pi would not multiply: the latency limit errs on the safe side.
 */
import { readFileSync } from 'node:fs';

/**
 * How many times slower one Cortex-A72 core of a Pi 4 at 1.8 GHz runs this code than one
 * core of the bench machine. Source: issue 11 ("A Pi is 6-10x slower"), the range the
 * project states for this machine (AMD EPYC, /proc/cpuinfo family 25 model 17: Zen 4
 * "Genoa", 2.6 GHz as the VM reports it) against a Pi 4. No published single-core
 * benchmark of both CPUs in the same suite could be checked from here, so the budget uses
 * the slow end, 10x, and prints the fast end, 6x, beside it. Replace both with a
 * measurement (the same bench row on a Pi divided by this one) as soon as there is a Pi.
 */
export const PI4_SLOWDOWN = 10;
export const PI4_SLOWDOWN_OPTIMISTIC = 6;
/** Issue 11's budget: block arrival to stimulator call, p99. */
export const P99_BUDGET_MS = 5;
/**
 * At most half of one core for the loop: Node runs it on one thread, and the other half is
 * left for GC, telemetry, the MQTT broker and logging, so that queues do not build up.
 */
export const CORE_CEILING = 0.5;
export const SAMPLE_RATES_HZ = [250, 500, 1000, 2000] as const;

/** The fields of a latency bench row this script needs. */
export interface RealTimeRow {
  readonly job: string;
  readonly p99_ms: number;
  readonly core_fraction: number;
  readonly channels: number;
  readonly fs_Hz: number;
  /** signals.threads of the job (1 if the row does not say). */
  readonly threads: number;
  /** signals.band_power_method as the job resolved it ('transform' if the row does not say). */
  readonly band_power_method: string;
}

/** y = fixed + perChannelHz * (channels x fs_Hz), fitted over the rows. */
export interface CostLine {
  readonly fixed: number;
  readonly perChannelHz: number;
}

/**
 * Least squares over the rows' loads. The jobs share a block rate and a decision rate (50 per
 * second each), so the intercept is the cost that does not grow with channels. Measured on
 * an idle Node here, most of it is wake-ups: the simulated source's 5 ms pacing tick (about
 * 0.02 of a core) and the bench's 1 ms event-loop-delay monitor (about 0.02 more), both in
 * kernel and libuv time rather than in the signal path. One load only: the line goes
 * through zero (everything scales), which flatters small loads.
 */
export function fitCost(rows: readonly RealTimeRow[], y: (row: RealTimeRow) => number): CostLine {
  const x = rows.map((r) => r.channels * r.fs_Hz);
  const ys = rows.map(y);
  const n = rows.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x[i] - mx) ** 2;
    sxy += (x[i] - mx) * (ys[i] - my);
  }
  if (sxx === 0) return { fixed: 0, perChannelHz: my / mx };
  const perChannelHz = sxy / sxx;
  return { fixed: Math.max(0, my - perChannelHz * mx), perChannelHz };
}

export interface PiBudget {
  readonly factor: number;
  /** Channel-Hz that fit on a Pi 4 under both limits (0: not even the fixed cost fits). */
  readonly channel_Hz: number;
  /** Which limit is the tighter one. */
  readonly limitedBy: 'p99' | 'core';
  /** Channels that fit at each of SAMPLE_RATES_HZ. */
  readonly channelsAt: readonly { fs_Hz: number; channels: number }[];
}

export function piBudget(core: CostLine, p99: CostLine, factor: number): PiBudget {
  // factor x (fixed + perChannelHz x load) <= limit, solved for the load.
  const most = (line: CostLine, limit: number): number => Math.max(0, (limit / factor - line.fixed) / line.perChannelHz);
  const byLatency = most(p99, P99_BUDGET_MS);
  const byCore = most(core, CORE_CEILING);
  const channel_Hz = Math.min(byLatency, byCore);
  return {
    factor,
    channel_Hz: Math.floor(channel_Hz),
    limitedBy: byLatency <= byCore ? 'p99' : 'core',
    channelsAt: SAMPLE_RATES_HZ.map((fs_Hz) => ({ fs_Hz, channels: Math.floor(channel_Hz / fs_Hz) })),
  };
}

function rowsFrom(text: string, where: string): RealTimeRow[] {
  const rows: RealTimeRow[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '' || !line.trimStart().startsWith('{')) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(`${where}:${i + 1}: not a JSON bench row`);
    }
    if (typeof value !== 'object' || value === null) return;
    const r = value as Record<string, unknown>;
    if (typeof r.job !== 'string' || typeof r.core_fraction !== 'number' || typeof r.p99_ms !== 'number') return; // not a real-time job
    if (typeof r.channels !== 'number' || typeof r.fs_Hz !== 'number') throw new Error(`${where}:${i + 1}: job "${r.job}" has core_fraction but no "channels" and "fs_Hz"`);
    rows.push({ job: r.job, p99_ms: r.p99_ms, core_fraction: r.core_fraction, channels: r.channels, fs_Hz: r.fs_Hz, threads: typeof r.threads === 'number' ? r.threads : 1, band_power_method: typeof r.band_power_method === 'string' ? r.band_power_method : 'transform' });
  });
  return rows;
}

function main(): void {
  const file = process.argv[2];
  const where = file ?? 'stdin';
  const all = rowsFrom(readFileSync(file ?? 0, 'utf8'), where);
  // The model is one thread's transform, the method every plan can run (partial sums serve only
  // some plans); jobs on several threads or by partial sums are shown beside it as a speed-up.
  const rows = all.filter((r) => r.threads === 1 && r.band_power_method === 'transform');
  if (rows.length === 0) {
    process.stderr.write(`piBudget: no real-time rows (with "core_fraction" and "p99_ms") in ${where}; run: npm run -s bench -- --json --only latency | node build/bench/piBudget.js\n`);
    process.exit(2);
  }
  const core = fitCost(rows, (r) => r.core_fraction);
  const p99 = fitCost(rows, (r) => r.p99_ms);
  const slow = piBudget(core, p99, PI4_SLOWDOWN);
  const fast = piBudget(core, p99, PI4_SLOWDOWN_OPTIMISTIC);
  const both = (a: number, b: number): string => `${a.toLocaleString('en-US')} (${b.toLocaleString('en-US')})`;
  const sig = (v: number): string => v.toPrecision(3);
  const speedUp = (ratio: number): string => (ratio >= 1 ? `${sig(ratio)}x faster` : `${sig(1 / ratio)}x slower`);
  const lines = [
    `From ${rows.map((r) => `${r.job} (core ${r.core_fraction}, p99 ${r.p99_ms} ms)`).join(', ')}:`,
    `  core fraction here = ${sig(core.fixed)} + ${sig(core.perChannelHz * 1000)} per 1000 channel-Hz; p99 here = ${sig(p99.fixed)} ms + ${sig(p99.perChannelHz * 1000)} ms per 1000 channel-Hz.`,
    `Pi 4 budget: p99 <= ${P99_BUDGET_MS} ms and <= ${CORE_CEILING} of one core, one Pi 4 core taken as ${PI4_SLOWDOWN}x (in brackets ${PI4_SLOWDOWN_OPTIMISTIC}x) slower than one here.`,
    '',
    `| channel-Hz that fit (tighter limit) | ${SAMPLE_RATES_HZ.map((f) => `channels @ ${f} Hz`).join(' | ')} |`,
    `| ---: |${' ---: |'.repeat(SAMPLE_RATES_HZ.length)}`,
    `| ${both(slow.channel_Hz, fast.channel_Hz)} (${slow.limitedBy} / ${fast.limitedBy}) | ${slow.channelsAt.map((c, k) => both(c.channels, fast.channelsAt[k].channels)).join(' | ')} |`,
  ];
  for (const sums of all.filter((r) => r.band_power_method === 'partial-sums')) {
    const twin = all.find((r) => r.job === `${sums.job}-transform`);
    if (twin === undefined) continue;
    lines.push(
      '',
      `${sums.job}: p99 ${sums.p99_ms} ms by partial sums against ${twin.p99_ms} ms by a transform (${sig(twin.p99_ms / sums.p99_ms)}x sooner; core ${sums.core_fraction} against ${twin.core_fraction}). The budget above is the transform's, which every plan can run.`,
    );
  }
  for (const threaded of all.filter((r) => r.threads > 1)) {
    // Its one-thread job is the longest job name it starts with (…-w1000-threads2 -> …-w1000).
    const single = rows
      .filter((r) => r.channels === threaded.channels && r.fs_Hz === threaded.fs_Hz && threaded.job.startsWith(r.job))
      .sort((a, b) => b.job.length - a.job.length)[0];
    if (single === undefined) continue;
    lines.push(
      '',
      `${threaded.job}: p99 ${threaded.p99_ms} ms on ${threaded.threads} threads against ${single.p99_ms} ms on one (${speedUp(single.p99_ms / threaded.p99_ms)} on this machine; the budget above is one thread's).`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
