/**
 * `npm run bench`: speed of neuroloop's signal path against @neurosity/pipes on the same
 * jobs, in one process, one after the other (ratios from one run; the machine is shared).
 * `npm run bench -- --json` prints one JSON object per job and nothing else on stdout.
 */
import { BAND_POWER_JOBS, runBandPowerJob, type BandPowerResult } from './bandPowerJobs.js';

const json = process.argv.includes('--json');
const results: BandPowerResult[] = [];
for (const job of BAND_POWER_JOBS) {
  if (!json) process.stderr.write(`running ${job.job} (${job.seconds} s of signal)...\n`);
  const result = await runBandPowerJob(job);
  results.push(result);
  if (json) process.stdout.write(`${JSON.stringify({ job: result.job, samples_per_s: result.samples_per_s, peer_samples_per_s: result.peer_samples_per_s, ratio: result.ratio, gc_runs: result.gc_runs, peer_gc_runs: result.peer_gc_runs })}\n`);
}
if (!json) {
  const rows = results.map((r) => `| ${r.job} | ${r.samples_per_s.toLocaleString('en-US')} | ${r.peer_samples_per_s.toLocaleString('en-US')} | ${r.ratio} | ${r.gc_runs} / ${r.peer_gc_runs} |`);
  process.stdout.write(
    [
      '| job | neuroloop samples/s | @neurosity/pipes samples/s | ratio | GC runs (ours / peer) |',
      '| --- | ---: | ---: | ---: | ---: |',
      ...rows,
      '',
      `node ${process.version}, ${process.arch}; a sample is one time point of every channel.`,
      '',
    ].join('\n'),
  );
}
