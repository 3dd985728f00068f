import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Findings } from './compareReads.js';
import { PYTHON } from './mneRead.js';
import type { NeuroloopRead } from './neuroloopRead.js';

/**
 * A second witness beside MNE: the exports in the samples folder's ref/ made by other
 * programs (README.md there): EDFbrowser's ASCII exports of edfPlusC/bdfPlusC/edfAnnonC
 * (values with 6 decimals, annotations with absolute onsets), EEGLAB's reading of
 * test.bdf (float32 µV) and a 0.1 µV text dump of test_edf_stim_channel.edf.
 */

type OkRead = Extract<NeuroloopRead, { ok: true }>;

const EEGLAB_READ = fileURLToPath(new URL('../../../scripts/conformance/eeglab_read.py', import.meta.url));

/** Our samples of the signal at header index `index` (runs joined). */
function samplesOf(ours: OkRead, index: number): Float32Array | null {
  for (const g of ours.groups) {
    const c = g.signals.findIndex((s) => s.index === index);
    if (c >= 0) return g.samples[c];
  }
  return null;
}

/** Ordinary signals in header order: EDFbrowser and EEGLAB number the signals without the annotation ones. */
const ordinaryIndices = (ours: OkRead): number[] => ours.info.signals.filter((s) => !s.isAnnotation).map((s) => s.index);

/**
 * Compares columns of reference values with ours; `allowance(ref)` is how far a value may
 * be (the export's own rounding plus one Float32 rounding of ours).
 */
function compareColumns(
  what: string,
  ours: OkRead,
  columns: readonly Float64Array[],
  allowance: (ref: number) => number,
  findings: Findings,
): void {
  const indices = ordinaryIndices(ours);
  let worst = 0;
  let rows = 0;
  columns.forEach((ref, c) => {
    const mine = samplesOf(ours, indices[c]);
    if (mine === null) {
      findings.problems.push(`${what}: column ${c + 1} has no signal of ours`);
      return;
    }
    if (mine.length < ref.length) findings.problems.push(`${what}: column ${c + 1} has ${ref.length} values, we have ${mine.length}`);
    rows = Math.max(rows, ref.length);
    let bad = -1;
    for (let i = 0; i < Math.min(ref.length, mine.length); i++) {
      const d = Math.abs(mine[i] - ref[i]);
      worst = Math.max(worst, d);
      if (bad < 0 && !(d <= allowance(ref[i]))) bad = i;
    }
    if (bad >= 0) findings.problems.push(`${what}: signal ${indices[c]} sample ${bad} is ${mine[bad]}, the export says ${ref[bad]}`);
  });
  findings.facts.push(`${what}: ${columns.length} ch × ${rows}, max |Δ| ${worst.toPrecision(2)} µV`);
}

/** EDFbrowser's "Onset,Duration,Annotation" export: onsets are seconds after the header's start (as in the TALs). */
function compareAnnotationExport(what: string, ours: OkRead, text: string, findings: Findings): void {
  const rows = text
    .split(/\r?\n/)
    .slice(1)
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [onset, duration, ...rest] = line.split(',');
      return { onset_s: Number(onset), duration_s: duration === '' ? null : Number(duration), text: rest.join(',') };
    });
  const mine = ours.annotations.map((a) => ({ onset_s: a.onset_s, duration_s: a.duration_s, text: a.text }));
  const left = [...mine];
  for (const r of rows) {
    const i = left.findIndex((m) => m.text === r.text && Math.abs(m.onset_s - r.onset_s) <= 1e-6 && (m.duration_s ?? null) === r.duration_s);
    if (i < 0) findings.problems.push(`${what}: "${r.text}" at ${r.onset_s} s (duration ${r.duration_s ?? 'none'}) is not among ours`);
    else left.splice(i, 1);
  }
  for (const m of left) findings.problems.push(`${what}: we return "${m.text}" at ${m.onset_s} s, the export does not`);
  findings.facts.push(`${what}: ${rows.length} annotation${rows.length === 1 ? '' : 's'}, same onsets, durations and texts`);
}

function csvColumns(text: string): Float64Array[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const rows = lines.slice(1).map((l) => l.split(',').slice(1).map(Number));
  const columns = rows[0].map(() => new Float64Array(rows.length));
  rows.forEach((row, i) => row.forEach((v, c) => (columns[c][i] = v)));
  return columns;
}

function whitespaceColumns(text: string): Float64Array[] {
  const rows = text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .map((l) => l.trim().split(/\s+/).map(Number));
  const columns = rows[0].map(() => new Float64Array(rows.length));
  rows.forEach((row, i) => row.forEach((v, c) => (columns[c][i] = v)));
  return columns;
}

const float32Rounding = (x: number): number => Math.abs(x) * 2 ** -24;

/** Checks the file against its ref/ exports, if it has any; returns whether it had. */
export function compareWithReferences(file: string, ours: NeuroloopRead, refDir: string, findings: Findings): boolean {
  if (!ours.ok || !existsSync(refDir)) return false;
  const base = file.replace(/\.(edf|bdf)$/i, '');
  let had = false;
  const ref = (suffix: string): string | null => {
    const path = join(refDir, `${base}${suffix}`);
    return existsSync(path) ? path : null;
  };

  const data = ref('_data.txt');
  if (data !== null) {
    had = true;
    // 6 decimals: each value is within 5e-7 of the true one.
    compareColumns('EDFbrowser export', ours, csvColumns(readFileSync(data, 'utf8')), (x) => 5e-7 + float32Rounding(x) + 1e-12, findings);
  }
  const annotations = ref('_annotations.txt');
  if (annotations !== null) {
    had = true;
    compareAnnotationExport("EDFbrowser's annotations", ours, readFileSync(annotations, 'utf8'), findings);
  }

  const eeglab = ref('_eeglab.mat') ?? (file === 'mne-tools__mne-python__test.bdf' ? join(refDir, 'mne-tools__mne-python__test_bdf_eeglab.mat') : null);
  if (eeglab !== null && existsSync(eeglab)) {
    had = true;
    const out = mkdtempSync(join(tmpdir(), 'neuroloop-eeglab-'));
    try {
      const r = spawnSync(PYTHON, [EEGLAB_READ, eeglab, join(out, 'data.f64')], { encoding: 'utf8' });
      if (r.status !== 0) {
        findings.problems.push(`EEGLAB export: ${EEGLAB_READ} failed: ${r.stderr.trim()}`);
      } else {
        const [channels, samples] = r.stdout.trim().split(' ').map(Number);
        const bytes = readFileSync(join(out, 'data.f64'));
        const all = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
        const columns = Array.from({ length: channels }, (_, c) => all.subarray(c * samples, (c + 1) * samples));
        // EEGLAB holds float32 µV computed its own way; MNE agrees with it to 0.005 µV.
        compareColumns('EEGLAB export', ours, columns, () => 0.01, findings);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }

  const dump = file === 'mne-tools__mne-python__test_edf_stim_channel.edf' ? join(refDir, 'mne-tools__mne-python__test_edf_stim_channel.txt') : null;
  if (dump !== null && existsSync(dump)) {
    had = true;
    // 0.1 µV resolution, and not exact even at that: MNE is within 0.45 µV of it at worst (EEG T6).
    compareColumns('0.1 µV text dump', ours, whitespaceColumns(readFileSync(dump, 'utf8')), () => 0.5, findings);
  }
  return had;
}
