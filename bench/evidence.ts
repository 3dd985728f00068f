/**
 * `npm run evidence`: the closed loop's evidence table (README): the same simulated patient
 * with no stimulation, continuous stimulation and the adaptive loop, averaged over seeds.
 * Extra arguments are --set overrides for the adaptive config (for tuning studies).
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunSummary, summarizeRun } from '../cli/summarizeRun.js';

export const EVIDENCE_SEEDS = [1, 2, 3, 4, 5];
export const EVIDENCE_DURATION_S = 300;

export interface EvidenceRow {
  config: string;
  longBurstTime_s: number;
  stimOnFraction: number;
  energy_rel: number;
}

export async function evidence(examplesDir: string, adaptiveSets: string[] = []): Promise<{ rows: EvidenceRow[]; removedShare: number; energyShare: number }> {
  const rows: EvidenceRow[] = [];
  for (const name of ['sim-off', 'sim-continuous', 'sim-adbs']) {
    const runs: RunSummary[] = [];
    for (const seed of EVIDENCE_SEEDS) {
      const sets = [`source.seed=${seed}`, ...(name === 'sim-adbs' ? adaptiveSets : [])];
      runs.push(await summarizeRun(resolve(examplesDir, `${name}.yaml`), sets, EVIDENCE_DURATION_S));
    }
    const mean = (f: (r: RunSummary) => number): number => runs.reduce((s, r) => s + f(r), 0) / runs.length;
    rows.push({ config: `${name}.yaml`, longBurstTime_s: mean((r) => r.longBurstTime_s ?? Number.NaN), stimOnFraction: mean((r) => r.stimOnFraction), energy_rel: mean((r) => r.energy_rel) });
  }
  const [off, continuous, adaptive] = rows;
  return {
    rows,
    removedShare: (off.longBurstTime_s - adaptive.longBurstTime_s) / (off.longBurstTime_s - continuous.longBurstTime_s),
    energyShare: adaptive.energy_rel / continuous.energy_rel,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // npm runs scripts from the package root.
  const result = await evidence(resolve('config/examples'), process.argv.slice(2).filter((a) => a !== '--set'));
  const lines = [
    `| config | long-burst time (s of ${EVIDENCE_DURATION_S}) | stimulation on | energy (TEED, rel.) |`,
    '| --- | ---: | ---: | ---: |',
    ...result.rows.map((r) => `| ${r.config} | ${r.longBurstTime_s.toFixed(2)} | ${(r.stimOnFraction * 100).toFixed(1)} % | ${r.energy_rel.toFixed(2)} |`),
    '',
    `Adaptive removes ${(result.removedShare * 100).toFixed(1)} % of the long-burst time that continuous stimulation removes, with ${(result.energyShare * 100).toFixed(1)} % of its energy (means over seeds ${EVIDENCE_SEEDS.join(', ')}, ${EVIDENCE_DURATION_S} s each, --speed max).`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
}
