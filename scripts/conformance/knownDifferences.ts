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

export const KNOWN_DIFFERENCES: readonly KnownDifference[] = [];

/** Moves the problems a listed difference explains to `explained`, with the reason. */
export function applyKnownDifferences(file: string, problems: string[], explained: string[]): void {
  for (let i = problems.length - 1; i >= 0; i--) {
    const known = KNOWN_DIFFERENCES.find((k) => k.file === file && k.finding.test(problems[i]));
    if (known === undefined) continue;
    explained.unshift(`${problems[i]}: ${known.why}`);
    problems.splice(i, 1);
  }
}
