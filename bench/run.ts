/**
 * `npm run bench`: speed of neuroloop's signal path against @neurosity/pipes on the same
 * jobs, in one process, one after the other (ratios from one run; the machine is shared).
 * Then the closed loop's latency in real-time pacing (block arrival -> stimulator call),
 * band power shared over threads (bench/threadsJob.ts),
 * and the CLI's start-up time as a ratio to bare Node (needs `npm run build`). Then the
 * recording jobs on a one-hour 8-channel recording made at bench time (bench/oneHourRecording.ts):
 * features on CSV and BDF+, our BDF reader against MNE, and a whole-loop replay. Last the
 * memory soak (bench/soakJob.ts: `neuroloop run` at 64 ch @ 1 kHz with the embedded broker,
 * about 5 minutes; `--soak-s N` changes the host-time budget).
 * `npm run -s bench -- --json` prints one JSON object per job and nothing else on stdout.
 */
import { type DashboardFrameRateResult, runDashboardFrameRateJobs } from './dashboardFrameRateJob.js';
import { BAND_POWER_JOBS, runBandPowerJob, type BandPowerResult } from './bandPowerJobs.js';
import { FFT_LIBRARY_SIZES, FFT_WINDOW_JOBS, type FftLibraryResult, type FftWindowResult, runFftLibraryJob, runFftWindowJobs } from './fftWindowJobs.js';
import { LATENCY_JOBS, runLatencyJob, type LatencyResult } from './latencyJobs.js';
import { runStartupJob, type StartupResult } from './startupJob.js';
import { type EmulatedHardwareResult, runEmulatedHardwareJob } from './emulatedHardwareJob.js';
import { type FeaturesFileResult, runFeaturesFileJobs } from './featuresFileJobs.js';
import { oneHourRecording } from './oneHourRecording.js';
import { type ReadBdfResult, runReadBdfJob } from './readBdfJob.js';
import { type ReplayResult, runReplayJob } from './replayJob.js';
import { runSoakJob, SOAK_JOB, type SoakResult } from './soakJob.js';
import { runThreadsJobs, type ThreadsResult } from './threadsJob.js';
import { PULSE_LATENCY_JOBS, type PulseLatencyResult, runPulseLatencyJob } from './pulseLatencyJob.js';
import { type PhaseEvaluationRow, runPhaseEvaluation } from './phaseEvaluation.js';

const json = process.argv.includes('--json');
// --only TEXT runs the jobs whose name contains TEXT (e.g. --only latency).
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? process.argv[onlyAt + 1] ?? '' : '';
const soakAt = process.argv.indexOf('--soak-s');
const soakBudget_s = soakAt >= 0 ? Number(process.argv[soakAt + 1]) : 300;
if (!(soakBudget_s > 0)) throw new Error(`--soak-s: expected a positive number of seconds, got ${process.argv[soakAt + 1]}`);
const results: BandPowerResult[] = [];
for (const job of BAND_POWER_JOBS.filter((j) => j.job.includes(only))) {
  if (!json) process.stderr.write(`running ${job.job} (${job.seconds} s of signal)...\n`);
  const result = await runBandPowerJob(job);
  results.push(result);
  if (json) process.stdout.write(`${JSON.stringify({ job: result.job, samples_per_s: result.samples_per_s, peer_samples_per_s: result.peer_samples_per_s, ratio: result.ratio, numpy_samples_per_s: result.numpy_samples_per_s, ratio_vs_numpy: result.ratio_vs_numpy, gc_runs: result.gc_runs, peer_gc_runs: result.peer_gc_runs })}\n`);
}
// Window lengths side by side (issue 11): band power per sample for 125/128, 250/256, 1000/1024.
const fftWindows: FftWindowResult[] = [];
const windowJobs = FFT_WINDOW_JOBS.filter((j) => j.job.includes(only));
if (windowJobs.length > 0 && !json) process.stderr.write(`running ${windowJobs.map((j) => j.job).join(', ')} in turns (8 ch, hop window/10)...\n`);
runFftWindowJobs(windowJobs, (result) => {
  fftWindows.push(result);
  if (json) process.stdout.write(`${JSON.stringify({ job: result.job, ns_per_sample: result.ns_per_sample, core_fraction: result.core_fraction, window: result.window, hop: result.hop, fs_Hz: result.fs_Hz, channels: result.channels })}\n`);
});
// The FFT alone against the npm libraries that are installed, in the same run (with --only fft-window too).
const fftLibraries: FftLibraryResult[] = [];
if ('fft-window'.includes(only) || 'fft-lib'.includes(only)) {
  for (const n of FFT_LIBRARY_SIZES) {
    if (!json) process.stderr.write(`running fft-lib-${n} (complex FFT of ${n} points, each library installed)...\n`);
    const result = await runFftLibraryJob(n);
    fftLibraries.push(result);
    if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  }
}
const latencies: LatencyResult[] = [];
for (const job of LATENCY_JOBS.filter((j) => j.job.includes(only))) {
  if (!json) process.stderr.write(`running ${job.job} (${job.seconds} s in real time)...\n`);
  const result = await runLatencyJob(job);
  latencies.push(result);
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
}
const pulseLatencies: PulseLatencyResult[] = [];
for (const job of PULSE_LATENCY_JOBS.filter((j) => j.job.includes(only))) {
  if (!json) process.stderr.write(`running ${job.job} (${job.seconds} s in real time: sample arrival to TTL edge)...\n`);
  const result = await runPulseLatencyJob(job);
  pulseLatencies.push(result);
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
}
const phaseRows: PhaseEvaluationRow[] = [];
if ('phase-alpha'.includes(only) || only.startsWith('phase-alpha')) {
  if (!json) process.stderr.write('running phase-alpha-* (phase-locked triggering against the non-causal ground truth, Zrenner et al. 2020: the simulator at 1000 and 250 Hz, seeds 1-5, then real EEG where present)...\n');
  await runPhaseEvaluation({
    onRow: (row) => {
      if (only !== '' && !row.job.includes(only)) return;
      phaseRows.push(row);
      if (json) process.stdout.write(`${JSON.stringify(row)}\n`);
    },
  });
}
const threadRows: ThreadsResult[] = [];
if ('bandpower-threads-64ch-1000Hz-w1000'.includes(only)) {
  if (!json) process.stderr.write('running bandpower-threads-64ch-1000Hz-w1000 (the w1000 signal path at full speed on 1 to N threads, best of 3)...\n');
  for (const result of runThreadsJobs()) {
    threadRows.push(result);
    if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  }
}
const hardware: EmulatedHardwareResult[] = [];
if ('emulated-hw-loop'.includes(only)) {
  if (!json) process.stderr.write('running emulated-hw-loop (120 s of data through the real drivers on emulated chips, at max speed)...\n');
  const result = await runEmulatedHardwareJob();
  hardware.push(result);
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
}
const startups: StartupResult[] = [];
if ('startup'.includes(only)) {
  if (!json) process.stderr.write('running startup (neuroloop --help and node -e 0, alternately)...\n');
  const result = runStartupJob();
  startups.push(result);
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
}
const fileFeatures: FeaturesFileResult[] = [];
const readBdf: ReadBdfResult[] = [];
const replays: ReplayResult[] = [];
const wants = (...jobs: string[]): boolean => jobs.some((job) => job.includes(only));
if (wants('features-csv-1h', 'features-bdf-1h', 'read-bdf-1h-8ch', 'replay-1h-8ch')) {
  const recording = oneHourRecording((message) => {
    if (!json) process.stderr.write(message);
  });
  if (wants('features-csv-1h', 'features-bdf-1h')) {
    if (!json) process.stderr.write('running features-csv-1h and features-bdf-1h (features on one hour, 8 ch at 250 Hz; each part best of 3)...\n');
    for (const result of await runFeaturesFileJobs(recording)) {
      fileFeatures.push(result);
      if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
    }
  }
  if (wants('read-bdf-1h-8ch')) {
    if (!json) process.stderr.write('running read-bdf-1h-8ch (our reader, then MNE, on the same BDF+)...\n');
    const result = await runReadBdfJob(recording);
    readBdf.push(result);
    if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  }
  if (wants('replay-1h-8ch')) {
    if (!json) process.stderr.write('running replay-1h-8ch (neuroloop replay of the one-hour BDF+ at --speed max, best of 3)...\n');
    const result = runReplayJob(recording);
    replays.push(result);
    if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  }
}
const dashboardFrames: DashboardFrameRateResult[] = [];
if ('dashboard-frame-rate'.includes(only) || only.startsWith('dashboard-frame-rate')) {
  if (!json) process.stderr.write('running dashboard-frame-rate (npm start --dashboard, the page in headless chromium with its CPU throttled x1, x6, x10)...\n');
  for (const row of await runDashboardFrameRateJobs(undefined, undefined, (line) => {
    if (!json) process.stderr.write(line);
  })) {
    if (only !== '' && !row.job.includes(only)) continue;
    dashboardFrames.push(row);
    if (json) process.stdout.write(`${JSON.stringify(row)}\n`);
  }
}
const soaks: SoakResult[] = [];
if (SOAK_JOB.includes(only)) {
  const say = (line: string): void => {
    if (!json) process.stderr.write(line);
  };
  say(`running ${SOAK_JOB} (neuroloop run, 64 ch @ 1000 Hz at --speed max with the embedded broker and a subscriber; a day of data, or ${soakBudget_s} s of host time)...\n`);
  const result = await runSoakJob(soakBudget_s, say);
  soaks.push(result);
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
}
if (!json) {
  const rows = results.map(
    (r) =>
      `| ${r.job} | ${r.samples_per_s.toLocaleString('en-US')} | ${r.peer_samples_per_s.toLocaleString('en-US')} | ${r.ratio} | ${r.numpy_samples_per_s === null ? 'n/a' : r.numpy_samples_per_s.toLocaleString('en-US')} | ${r.ratio_vs_numpy ?? 'n/a'} | ${r.gc_runs} / ${r.peer_gc_runs} |`,
  );
  // Only the tables of the jobs that ran (--only picks some).
  const table = (header: string, lines: string[]): string[] => (lines.length === 0 ? [] : [header, `|${' --- |'}${' ---: |'.repeat(header.split('|').length - 3)}`, ...lines, '']);
  process.stdout.write(
    [
      `node ${process.version}, ${process.arch}; a sample is one time point of every channel.`,
      '',
      ...table('| job | neuroloop samples/s | @neurosity/pipes samples/s | ratio | NumPy samples/s | ratio vs NumPy | GC runs (ours / peer) |', rows),
      ...table(
        '| window | ns per sample (8 ch, hop window/10) | next power of two | its ns per sample | ratio (target <= 1.5) | core fraction |',
        fftWindows
          .filter((r) => (r.window & (r.window - 1)) !== 0)
          .map((r) => {
            const pow2 = fftWindows.find((p) => p.window > r.window && (p.window & (p.window - 1)) === 0);
            const ratio = pow2 === undefined ? '' : (r.ns_per_sample / pow2.ns_per_sample).toFixed(2);
            return `| ${r.window} @ ${r.fs_Hz} Hz | ${r.ns_per_sample} | ${pow2?.window ?? ''} | ${pow2?.ns_per_sample ?? ''} | ${ratio} | ${r.core_fraction} / ${pow2?.core_fraction ?? ''} |`;
          }),
      ),
      ...table(
        '| complex FFT | library | version | ns per transform | max error / peak (vs ours, float64) | note |',
        fftLibraries.flatMap((r) =>
          r.results.map((e) => `| ${r.n} | ${e.library} | ${e.version ?? ''} | ${e.ns_per_transform ?? ''} | ${e.max_error_to_peak ?? ''} | ${e.note} |`),
        ),
      ),
      ...table(
        '| job | block -> stimulator p50 (ms) | p99 (ms) | max (ms) | decisions | event-loop lag p50 / p99 / max (ms) | core fraction |',
        latencies.map((r) => `| ${r.job} | ${r.p50_ms} | ${r.p99_ms} | ${r.max_ms} | ${r.decisions} | ${r.loop_lag_p50_ms} / ${r.loop_lag_p99_ms} / ${r.loop_lag_max_ms} | ${r.core_fraction} |`),
      ),
      ...table(
        '| job | pulses (held / late) | arrival -> TTL edge p50 / p99 (ms) | jitter p99 - p1 (ms) | sample -> edge p50 / p99 (ms) | delay_ms | block | spacing error p50 / p99 / max (ms) |',
        pulseLatencies.map(
          (r) =>
            `| ${r.job} | ${r.pulses} (${r.held} / ${r.late}) | ${r.arrival_to_edge_p50_ms} / ${r.arrival_to_edge_p99_ms} | ${r.jitter_ms} | ${r.sample_to_edge_p50_ms} / ${r.sample_to_edge_p99_ms} | ${r.delay_ms} | ${r.block_samples} | ${r.spacing_error_p50_ms === undefined ? '' : `${r.spacing_error_p50_ms} / ${r.spacing_error_p99_ms} / ${r.spacing_error_max_ms}`} |`,
        ),
      ),
      ...table(
        '| job | source | seed / channel | triggers (top half) | circular mean, all / top half (deg) | circular SD, all / top half (deg) | target met (SD <= 35, mean within 10) |',
        phaseRows.map((r) =>
          r.skipped !== undefined
            ? `| ${r.job} | ${r.source} | | | ${r.skipped} | | |`
            : `| ${r.job} | ${r.source} | ${r.seed ?? r.channel ?? ''} | ${r.triggers} (${r.triggers_top_half}) | ${r.circ_mean_deg} / ${r.circ_mean_top_half_deg} | ${r.circ_sd_deg} / ${r.circ_sd_top_half_deg} | ${r.meets_target === undefined ? 'n/a (real EEG)' : r.meets_target ? 'yes' : 'NO'} |`,
        ),
      ),
      ...table(
        '| job | band power | threads | samples/s | speed-up vs 1 thread, transform |',
        threadRows.map((r) => `| ${r.job} | ${r.band_power_method} | ${r.threads} | ${r.samples_per_s.toLocaleString('en-US')} | ${r.speedup} |`),
      ),
      ...table(
        '| job | x real time | source per sample (us) | of which emulated chips (us) | driver (us, upper bound) | conversions per sample |',
        hardware.map((r) => `| ${r.job} | ${r.x_realtime} | ${r.source_us_per_sample} | ${r.chips_us_per_sample} | ${r.driver_us_per_sample} | ${r.conversions_per_sample} |`),
      ),
      ...table(
        '| job | neuroloop --help median (ms) | node -e 0 median (ms) | ratio (target <= 3) | runs each |',
        startups.map((r) => `| ${r.job} | ${r.help_ms} | ${r.node_ms} | ${r.ratio} | ${r.runs} |`),
      ),
      ...table(
        '| job | features samples/s | reader alone samples/s | reader share of the time | old CSV reader samples/s | reader speed-up vs old | rows equal to the CSV\'s |',
        fileFeatures.map(
          (r) =>
            `| ${r.job} | ${r.samples_per_s.toLocaleString('en-US')} | ${r.parse_samples_per_s.toLocaleString('en-US')} | ${(r.parse_share * 100).toFixed(1)} % | ${r.old_parse_samples_per_s?.toLocaleString('en-US') ?? ''} | ${r.parse_speedup_vs_old ?? ''} | ${r.same_rows_as_csv ?? ''} |`,
        ),
      ),
      ...table(
        '| job | neuroloop samples/s | MNE samples/s | ratio vs MNE | MNE |',
        readBdf.map((r) => `| ${r.job} | ${r.samples_per_s.toLocaleString('en-US')} | ${r.mne_samples_per_s.toLocaleString('en-US')} | ${r.ratio_vs_mne} | ${r.mne_version} |`),
      ),
      ...table(
        '| job | x real time (target >= 2000) | seconds for the hour | frames |',
        replays.map((r) => `| ${r.job} | ${r.x_realtime} | ${r.seconds} | ${r.frames} |`),
      ),
      ...table(
        '| job | CPU throttling | redraws/s of the slowest chart, p50 / worst second | page JS heap start / end / after GC (MB) | page errors |',
        dashboardFrames.map((r) => `| ${r.job} | x${r.cpu_throttling} | ${r.redraws_per_s_p50} / ${r.redraws_per_s_min} | ${r.heap_start_MB} / ${r.heap_end_MB} / ${r.heap_after_gc_MB} | ${r.page_errors} |`),
      ),
      ...table(
        '| job | RSS max (MB) | RSS slope (MB per data hour) | data hours | RSS after warm-up / at the end (MB) | RSS max at 24 h if the trend holds (MB) | x real time | messages to the subscriber |',
        soaks.map(
          (r) =>
            `| ${r.job} | ${r.rss_max_MB} | ${r.rss_slope_MB_per_h} | ${r.data_hours}${r.full_day ? '' : ' (slope extrapolated)'} | ${r.rss_after_warm_up_MB} / ${r.rss_end_MB} | ${r.rss_max_24h_MB} | ${r.x_realtime} | ${r.messages_received.toLocaleString('en-US')} |`,
        ),
      ),
    ].join('\n'),
  );
}
