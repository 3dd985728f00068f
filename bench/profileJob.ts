/**
 * Profiling aid, not part of `npm run bench`: runs one band-power job of ours in a loop
 * so `node --cpu-prof build/bench/profileJob.js [index]` shows where the time goes.
 */
import { BAND_POWER_JOBS, runOursOnly } from './bandPowerJobs.js';

const job = BAND_POWER_JOBS[Number(process.argv[2] ?? 0)];
for (let i = 0; i < 5; i++) process.stdout.write(`${job.job}: ${Math.round(runOursOnly(job))} samples/s\n`);
