/**
 * Differences from MNE that are understood, per file: each entry names the file, the
 * finding it explains (a pattern of the comparison's message) and why. A listed finding
 * is shown in the table with its reason, never dropped; only the verdict changes from
 * "different" to "same, explained". Generic causes (EDF+D gaps, annotations outside the
 * data, duplicate labels) are explained by the comparison itself (compareReads.ts).
 */
export interface KnownDifference {
  readonly file: string;
  readonly finding: RegExp;
  readonly why: string;
}

// Nihon Kohden's TALs in MB0400FU.EDF are not separated by NUL: record 0 holds
// "+0.000000\x14\x14+0.000000\x14Segment: REC START ALLE EEG\x14", record 1
// "+1.000000\x14\x14+1.140000\x14A1+A2 OFF\x14".
const NIHON_KOHDEN_TALS =
  'Nihon Kohden runs TALs together without the NUL between them ("+1.000000\\x14\\x14+1.140000\\x14A1+A2 OFF\\x14"); ' +
  'MNE reads up to the next NUL, so it takes the time stamps "+0.000000" and "+1.140000" for texts and puts "A1+A2 OFF" at the record onset (1 s); ' +
  'we start a new TAL at each time stamp, so "A1+A2 OFF" is at 1.14 s (biosig decodes none of these annotations)';

export const KNOWN_DIFFERENCES: readonly KnownDifference[] = [
  { file: 'mne-tools__mne-testing-data__MB0400FU.EDF', finding: /^annotation only we return: "A1\+A2 OFF" at 1\.14 s$/, why: NIHON_KOHDEN_TALS },
  { file: 'mne-tools__mne-testing-data__MB0400FU.EDF', finding: /^annotation only MNE returns: "\+0\.000000" at 0 s$/, why: NIHON_KOHDEN_TALS },
  { file: 'mne-tools__mne-testing-data__MB0400FU.EDF', finding: /^annotation only MNE returns: "\+1\.140000" at 1 s$/, why: NIHON_KOHDEN_TALS },
  { file: 'mne-tools__mne-testing-data__MB0400FU.EDF', finding: /^annotation only MNE returns: "A1\+A2 OFF" at 1 s$/, why: NIHON_KOHDEN_TALS },
];

/** Moves the problems a listed difference explains to `explained`: the findings one reason explains, then the reason. */
export function applyKnownDifferences(file: string, problems: string[], explained: string[]): void {
  const byReason = new Map<string, string[]>();
  const left = problems.filter((problem) => {
    const known = KNOWN_DIFFERENCES.find((k) => k.file === file && k.finding.test(problem));
    if (known === undefined) return true;
    byReason.set(known.why, [...(byReason.get(known.why) ?? []), problem]);
    return false;
  });
  problems.splice(0, problems.length, ...left);
  for (const [why, found] of byReason) explained.push(`${found.join('; ')}. Why: ${why}`);
}
