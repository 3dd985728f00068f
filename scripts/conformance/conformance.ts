/**
 * `npm run conformance [-- DIR]`: neuroloop's EDF/BDF reader against MNE-Python on every
 * real file in DIR (or NEUROLOOP_EDF_SAMPLES; the folder of files other programs wrote is not
 * part of the repository: .ci/run passes it where the machine has it; a README.md and
 * MANIFEST.tsv there describe the files). For each file it reads
 * the header, every signal at each of its rates and the annotations with our reader and
 * with MNE (scripts/conformance/mne_read.py), compares them (compareReads.ts), checks the
 * other programs' exports in DIR/ref (referenceExports.ts), prints a table and writes it to
 * docs/conformance.md. Exits 1 when a file MNE reads is refused by us or read differently
 * beyond a stated reason (knownDifferences.ts), 2 when DIR is missing.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareReads, type ChannelDifference } from './compareReads.js';
import { applyKnownDifferences } from './knownDifferences.js';
import { readWithMne } from './mneRead.js';
import { readWithNeuroloop } from './neuroloopRead.js';
import { compareWithReferences } from './referenceExports.js';

/** Compiled to build/scripts/conformance/: the repository is three folders up. */
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const DOC = join(REPO, 'docs/conformance.md');

type Verdict = 'same' | 'same, explained differences' | 'DIFFERENT' | 'REFUSED';

interface Row {
  readonly file: string;
  readonly verdict: Verdict;
  readonly notes: string;
  readonly failed: boolean;
  /** The MNE that read it, to label the document. */
  readonly mneVersion?: string;
  readonly channels?: readonly ChannelDifference[];
}

function samplesDir(): string | null {
  const given = process.argv[2] ?? process.env.NEUROLOOP_EDF_SAMPLES;
  if (given === undefined || given === '') return null;
  return isAbsolute(given) ? given : resolve(process.cwd(), given);
}

/** The files MANIFEST.tsv lists (first column), when there is one. */
function manifestFiles(dir: string): string[] | null {
  const path = join(dir, 'MANIFEST.tsv');
  if (!existsSync(path)) return null;
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  return lines.slice(1).map((l) => l.split('\t')[0]);
}

async function checkFile(dir: string, file: string): Promise<Row> {
  const path = join(dir, file);
  const ours = await readWithNeuroloop(path);
  const mne = readWithMne(path);
  const findings = compareReads(ours, mne);
  compareWithReferences(file, ours, join(dir, 'ref'), findings);
  applyKnownDifferences(file, findings.problems, findings.explained);
  const refused = !ours.ok && findings.problems.length > 0;
  const verdict: Verdict = findings.problems.length > 0 ? (refused ? 'REFUSED' : 'DIFFERENT') : findings.explained.length > 0 ? 'same, explained differences' : 'same';
  const notes = [
    findings.facts.join(', '),
    ...findings.explained.map((e) => `explained: ${e}`),
    ...findings.problems.map((p) => `PROBLEM: ${p}`),
  ]
    .filter((n) => n !== '')
    .join('; ');
  return { file, verdict, notes, failed: findings.problems.length > 0, mneVersion: mne.mne_version, channels: findings.channels };
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function markdown(rows: readonly Row[], mneVersion: string, dir: string): string {
  const count = (v: Verdict): number => rows.filter((r) => r.verdict === v).length;
  return [
    '# EDF/BDF conformance: neuroloop’s reader against MNE-Python',
    '',
    'Written by `npm run conformance -- DIR` (scripts/conformance/); do not edit by hand. The files',
    `are the ${rows.length} EDF/EDF+/BDF/BDF+ files of a folder of real recordings written by other programs`,
    '(EDFbrowser, BioSemi, Nihon Kohden, Sleep-EDF, pyedflib, MNE and EDF.jl; they are not part of this',
    `repository: their licenses are their sources'), here \`${basename(dir)}\`, read by neuroloop (drivers/edf)`,
    `and by MNE-Python ${mneVersion} (Debian's python3-mne).`,
    '',
    'For each file: the header; every ordinary signal, one rate at a time (MNE would resample',
    'signals of lower rates to the highest, so it reads each rate with the others excluded);',
    'sample rate, labels, number of samples and every sample value, and the annotations',
    '(count, onsets on MNE’s clock — seconds after the first data record —, durations, texts).',
    'A sample agrees when |ours − MNE| is within one Float32 rounding of MNE’s value (we yield',
    'Float32, MNE float64) plus float64 noise; `max |Δ|` is the largest difference, in µV for',
    'voltage channels. MNE reads channels named Status/Trigger as stim channels and masks them;',
    'here it reads them as data (`stim_channel=None`), since the masking interprets the values.',
    'Where the folder has exports by other programs (`ref/`: EDFbrowser, EEGLAB, a text dump),',
    'those are compared too, at their own resolution.',
    '',
    '“Explained” differences are known behaviours of one side, stated in the row (EDF+D gaps',
    'we keep and MNE joins; annotations outside the data, which MNE drops; scripts/conformance/',
    'knownDifferences.ts lists the per-file ones). A PROBLEM fails the run.',
    '',
    `${rows.length} files: ${count('same')} same, ${count('same, explained differences')} same with explained differences, ${count('DIFFERENT')} different, ${count('REFUSED')} refused.`,
    '',
    '| file | verdict | notes |',
    '|---|---|---|',
    ...rows.map((r) => `| ${cell(r.file)} | ${r.verdict} | ${cell(r.notes)} |`),
    '',
    '## Per channel',
    '',
    'The largest |ours − MNE| of each channel, and in brackets the largest |value| of the',
    'channel (a Float32 step there is |x|·2⁻²³): µV for voltage channels, else the header’s unit.',
    '',
    ...rows
      .filter((r) => (r.channels ?? []).length > 0)
      .flatMap((r) => [
        `<details><summary>${r.file}</summary>`,
        '',
        (r.channels ?? []).map((c) => `${c.index} ${cell(c.label)}: ${c.maxAbs.toPrecision(2)} ${c.unit} (${c.largest.toPrecision(3)})`).join(' · '),
        '',
        '</details>',
        '',
      ]),
  ].join('\n');
}

async function main(): Promise<number> {
  const dir = samplesDir();
  if (dir === null) {
    process.stderr.write('conformance: name the folder of EDF/BDF files to check: npm run conformance -- DIR (or set NEUROLOOP_EDF_SAMPLES)\n');
    return 2;
  }
  if (!existsSync(dir)) {
    process.stderr.write(`conformance: no samples folder at ${dir} (give one: npm run conformance -- DIR, or set NEUROLOOP_EDF_SAMPLES)\n`);
    return 2;
  }
  const present = readdirSync(dir)
    .filter((f) => /\.(edf|bdf)$/i.test(f))
    .sort();
  const listed = manifestFiles(dir);
  const rows: Row[] = [];
  for (const file of listed ?? []) {
    if (!present.includes(file)) rows.push({ file, verdict: 'REFUSED', notes: 'PROBLEM: listed in MANIFEST.tsv but not in the folder', failed: true });
  }
  let mneVersion = '?';
  for (const file of present) {
    process.stderr.write(`conformance: ${file}\n`);
    try {
      const row = await checkFile(dir, file);
      rows.push(row);
      mneVersion = row.mneVersion ?? mneVersion;
    } catch (error) {
      rows.push({ file, verdict: 'DIFFERENT', notes: `PROBLEM: the comparison itself failed: ${error instanceof Error ? error.message : String(error)}`, failed: true });
    }
  }
  rows.sort((a, b) => a.file.localeCompare(b.file));

  const width = Math.max(...rows.map((r) => r.file.length));
  for (const r of rows) process.stdout.write(`${r.file.padEnd(width)}  ${r.verdict.padEnd(27)}  ${r.notes}\n`);
  const failed = rows.filter((r) => r.failed);
  process.stdout.write(`\n${rows.length} files, ${failed.length} failing${failed.length > 0 ? `: ${failed.map((r) => r.file).join(', ')}` : ''}\n`);
  writeFileSync(DOC, markdown(rows, mneVersion, relative(REPO, dir) || '.'));
  process.stdout.write(`table written to ${DOC}\n`);
  return failed.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`conformance: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
