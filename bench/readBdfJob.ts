import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openEdfSignal } from '../drivers/edf/edfReader.js';
import type { OneHourRecording } from './oneHourRecording.js';

/**
 * read-bdf-1h-8ch: neuroloop's EDF/BDF reader over the one-hour BDF+ (every block, in
 * this process) against MNE-Python reading the same file whole
 * (mne.io.read_raw_bdf(preload=True), Debian's /usr/bin/python3, timed inside Python so
 * that start-up and imports are not counted), in the same run. Fastest of three each.
 */
export interface ReadBdfResult {
  job: string;
  samples_per_s: number;
  mne_samples_per_s: number;
  /** Ours / MNE's samples per second (above 1: faster than MNE). */
  ratio_vs_mne: number;
  mne_version: string;
  best_of: number;
}

const RUNS = 3;
const PYTHON = '/usr/bin/python3';
const MNE_SCRIPT = fileURLToPath(new URL('../../bench/mneReadBdf.py', import.meta.url));

export async function runReadBdfJob(recording: OneHourRecording): Promise<ReadBdfResult> {
  let best = Number.POSITIVE_INFINITY;
  let samples = 0;
  for (let run = 0; run < RUNS; run++) {
    const start = process.hrtime.bigint();
    const signal = await openEdfSignal(recording.bdf);
    samples = 0;
    for await (const item of signal.items) if (item.kind === 'block') samples += item.block.data[0].length;
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
  }
  if (samples !== recording.samples) throw new Error(`read-bdf-1h-8ch: read ${samples} samples per channel, expected ${recording.samples}`);

  if (!existsSync(PYTHON)) throw new Error(`read-bdf-1h-8ch: ${PYTHON} (Debian's, with python3-mne) is missing`);
  const mne = JSON.parse(execFileSync(PYTHON, [MNE_SCRIPT, recording.bdf, String(RUNS)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })) as { seconds: number; samples: number; channels: number; mne: string };
  if (mne.samples !== recording.samples || mne.channels !== recording.channels) {
    throw new Error(`read-bdf-1h-8ch: MNE read ${mne.channels} channels of ${mne.samples} samples, expected ${recording.channels} of ${recording.samples}`);
  }
  const ours = recording.samples / best;
  const theirs = recording.samples / mne.seconds;
  return {
    job: 'read-bdf-1h-8ch',
    samples_per_s: Math.round(ours),
    mne_samples_per_s: Math.round(theirs),
    ratio_vs_mne: Number((ours / theirs).toFixed(2)),
    mne_version: mne.mne,
    best_of: RUNS,
  };
}
