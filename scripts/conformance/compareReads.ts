import type { EdfAnnotation, EdfSignalInfo } from '../../drivers/edf/edfTypes.js';
import type { MneAnnotations, MneGroup, MneRead } from './mneRead.js';
import type { NeuroloopRead, RateGroup } from './neuroloopRead.js';

/**
 * What one file's comparison found. `explained`: differences whose cause is known and
 * stated (MNE joins EDF+D records, drops annotations outside the data, numbers duplicate
 * labels...); they are listed in the table, never hidden. `problems`: anything else; a
 * problem fails the run.
 */
export interface Findings {
  readonly facts: string[];
  readonly explained: string[];
  readonly problems: string[];
  /** Per channel compared with MNE: the largest difference, in µV (or the header's unit when not a voltage). */
  readonly channels: ChannelDifference[];
}

export interface ChannelDifference {
  readonly index: number;
  readonly label: string;
  readonly maxAbs: number;
  /** "µV", or the header's dimension of a channel that is not a voltage. */
  readonly unit: string;
  /** The largest |value| of the channel, to judge maxAbs by (a Float32 step is |x|·2^-23). */
  readonly largest: number;
}

export const noFindings = (): Findings => ({ facts: [], explained: [], problems: [], channels: [] });

/**
 * Microvolts per unit of a physical dimension; null: not a voltage. neuroloop yields µV for
 * voltages (SampleBlock) and other units unchanged; kept here apart from the reader's own
 * table (drivers/edf/microvoltScale.ts), so that a unit the two disagree on shows up.
 */
export function microvoltsPer(dimension: string): number | null {
  const unit = dimension.replace(/\s+/g, '').replace(/µ|μ/g, 'u').toLowerCase();
  return { uv: 1, mv: 1e3, v: 1e6, nv: 1e-3 }[unit] ?? null;
}

/** MNE's label for a header label: MNE strips spaces at both ends (latin-1). */
const mneLabel = (label: string): string => label.trim();

/**
 * Compares one rate group. Values: neuroloop yields Float32; MNE float64 of the same EDF
 * formula. A sample agrees when |ours - MNE| is within one Float32 rounding of MNE's value
 * (|x|·2^-24) plus float64 noise on the numbers the formula handles (1e-9 of the larger
 * of the physical range ends and the digital extremes times the step).
 */
function compareGroup(ours: RateGroup, mne: MneGroup, variant: string, findings: Findings): { worst_uV: number; worstOther: number; valuesAgree: boolean } {
  const name = `signals ${ours.signals.map((s) => s.index).join(',')}`;
  if (Math.abs(ours.fs_Hz - mne.sfreq) > 1e-9 * mne.sfreq) findings.problems.push(`${name}: fs ${ours.fs_Hz} Hz, MNE ${mne.sfreq} Hz`);

  ours.signals.forEach((s, c) => {
    const theirs = mne.ch_names[c];
    const mine = ours.channels[c];
    if (mine === theirs) return;
    const ourDuplicate = /^(.*) #\d+$/.exec(mine);
    const theirDuplicate = /^(.*)-\d+$/.exec(theirs ?? '');
    if (ourDuplicate !== null && theirDuplicate !== null && ourDuplicate[1] === s.label && theirDuplicate[1] === mneLabel(s.label)) {
      findings.explained.push(`duplicate label "${s.label}": we name signal ${s.index} "${mine}" (its header index), MNE "${theirs}" (a running number)`);
    } else if (mneLabel(s.label) === theirs && mine === s.label) {
      findings.explained.push(`label "${s.label}" (signal ${s.index}): MNE strips the leading spaces`);
    } else {
      findings.problems.push(`name of signal ${s.index}: we say "${mine}", MNE "${theirs}"`);
    }
  });

  const total = ours.runs.reduce((n, r) => n + r.length, 0);
  if (total !== mne.n_times) findings.problems.push(`${name}: ${total} samples per channel, MNE ${mne.n_times}`);
  if (ours.runs.length > 1) {
    const gap_s = ours.runs.reduce((sum, r, i) => (i === 0 ? 0 : sum + (r.firstIndex - (ours.runs[i - 1].firstIndex + ours.runs[i - 1].length)) / ours.fs_Hz), 0);
    const what = `${ours.runs.length} contiguous segments: ${ours.runs.length - 1} gaps (${round(gap_s, 6)} s in all) kept as index jumps; MNE joins the records without gaps, so values are compared segment after segment`;
    if (variant.endsWith('+D')) findings.explained.push(`EDF+D: ${what}`);
    else findings.problems.push(`${variant} (continuous) file read as ${what}`);
  }

  let worst_uV = 0;
  let worstOther = 0;
  let valuesAgree = true;
  ours.signals.forEach((s, c) => {
    const values = ours.samples[c];
    const theirs = mne.values[c];
    if (theirs === undefined) return;
    const n = Math.min(values.length, theirs.length);
    const scale = microvoltsPer(s.physicalDimension);
    const unit = scale === null ? JSON.stringify(s.physicalDimension) : 'µV';
    const { maxAbs, badAt, largest } = compareValues(s, values, theirs, scale ?? 1, mne.units[c], n);
    findings.channels.push({ index: s.index, label: s.label, maxAbs, unit: scale === null ? s.physicalDimension : 'µV', largest });
    if (scale === null) worstOther = Math.max(worstOther, maxAbs);
    else worst_uV = Math.max(worst_uV, maxAbs);
    if (badAt >= 0) {
      valuesAgree = false;
      findings.problems.push(
        `signal ${s.index} "${s.label}": sample ${badAt} is ${values[badAt]} ${unit}, MNE ${(theirs[badAt] / mne.units[c]) * (scale ?? 1)} ${unit} (max |Δ| ${maxAbs.toPrecision(3)} ${unit})`,
      );
    }
  });
  return { worst_uV, worstOther, valuesAgree };
}

/**
 * Largest |ours - MNE| in our unit (µV for a voltage, `scale` µV per header unit; else the
 * header's unit, scale 1), and the first sample beyond the allowance (-1: none).
 */
function compareValues(s: EdfSignalInfo, ours: Float32Array, mne: Float64Array, scale: number, mneUnit: number, n: number): { maxAbs: number; badAt: number; largest: number } {
  const g = s.grid;
  const step = Math.abs((g.physicalMax - g.physicalMin) / (g.digitalMax - g.digitalMin));
  const noise = 1e-9 * scale * Math.max(Math.abs(g.physicalMin), Math.abs(g.physicalMax), step * Math.max(Math.abs(g.digitalMin), Math.abs(g.digitalMax)));
  let maxAbs = 0;
  let badAt = -1;
  let largest = 0;
  for (let i = 0; i < n; i++) {
    const theirs = (mne[i] / mneUnit) * scale;
    const d = Math.abs(ours[i] - theirs);
    if (d > maxAbs) maxAbs = d;
    largest = Math.max(largest, Math.abs(theirs));
    if (badAt < 0 && !(d <= Math.abs(theirs) * 2 ** -24 + noise)) badAt = i;
  }
  return { maxAbs, badAt, largest };
}

/** One annotation on MNE's clock: seconds after the first data record. */
interface Mark {
  readonly onset_s: number;
  readonly duration_s: number;
  readonly text: string;
}

const ONSET_TOLERANCE_s = 1e-6;

/**
 * Annotations as multisets (MNE reads several annotation signals one after the other, we
 * in record order). Ours are moved onto MNE's clock (onset - dataStart_s); a missing
 * duration counts as MNE's 0. Ours that MNE lacks are explained when they lie outside
 * MNE's data (MNE omits those); MNE limits durations at the data end.
 */
function compareAnnotations(ours: readonly EdfAnnotation[], dataStart_s: number, mne: MneAnnotations, findings: Findings): void {
  const mine: Mark[] = ours.map((a) => ({ onset_s: a.onset_s - dataStart_s, duration_s: a.duration_s ?? 0, text: a.text }));
  const theirs: Mark[] = mne.onset.map((onset_s, i) => ({ onset_s, duration_s: mne.duration[i], text: mne.description[i] }));
  const unmatched = [...theirs];
  const onlyOurs: Mark[] = [];
  let limited = 0;
  for (const m of mine) {
    const i = unmatched.findIndex((t) => t.text === m.text && Math.abs(t.onset_s - m.onset_s) <= ONSET_TOLERANCE_s);
    if (i < 0) {
      onlyOurs.push(m);
      continue;
    }
    const t = unmatched[i];
    unmatched.splice(i, 1);
    if (Math.abs(t.duration_s - m.duration_s) > ONSET_TOLERANCE_s) {
      const end = mne.data_end_s;
      if (end !== undefined && m.onset_s + m.duration_s > end && Math.abs(t.duration_s - (end - m.onset_s)) <= ONSET_TOLERANCE_s) limited++;
      else findings.problems.push(`annotation "${m.text}" at ${round(m.onset_s, 6)} s: duration ${m.duration_s} s, MNE ${t.duration_s} s`);
    }
  }
  const end = mne.data_end_s;
  const outside = onlyOurs.filter((m) => end !== undefined && (m.onset_s >= end || m.onset_s + m.duration_s < 0));
  const inside = onlyOurs.filter((m) => !outside.includes(m));
  findings.facts.push(`${mine.length} annotation${mine.length === 1 ? '' : 's'}`);
  if (outside.length > 0) {
    findings.explained.push(
      `${outside.length} annotation${outside.length === 1 ? '' : 's'} outside the data (${describeMarks(outside)}): we return them, MNE omits them (its data ends at ${round(end ?? NaN, 6)} s)`,
    );
  }
  if (limited > 0) findings.explained.push(`${limited} annotation duration${limited === 1 ? '' : 's'} reach past the data end: MNE cuts them there, we keep the file's`);
  for (const m of inside) findings.problems.push(`annotation only we return: ${describeMarks([m])}`);
  for (const t of unmatched) findings.problems.push(`annotation only MNE returns: ${describeMarks([t])}`);
}

function describeMarks(marks: readonly Mark[]): string {
  const shown = marks.slice(0, 3).map((m) => `"${m.text}" at ${round(m.onset_s, 6)} s`);
  return shown.join(', ') + (marks.length > 3 ? ` and ${marks.length - 3} more` : '');
}

function short(text: string): string {
  return text.length > 140 ? `${text.slice(0, 137)}…` : text;
}

export function round(x: number, digits: number): number {
  return Number(x.toFixed(digits));
}

/** Compares neuroloop's reading of a file with MNE's. */
export function compareReads(ours: NeuroloopRead, mne: MneRead): Findings {
  const findings = noFindings();
  if (mne.error !== null) {
    if (ours.ok) findings.explained.push(`MNE refuses the file (${mne.error}); we read it`);
    else findings.explained.push(`both refuse the file: we say "${ours.error}"; MNE: ${mne.error}`);
    return findings;
  }
  if (!ours.ok) {
    findings.problems.push(`we refuse a file MNE reads: ${ours.error}`);
    return findings;
  }
  const variant = ours.info.variant;
  findings.facts.push(variant);
  let worst_uV = 0;
  let worstOther = 0;
  let valuesAgree = true;
  for (const group of ours.groups) {
    const indices = group.signals.map((s) => s.index).join(',');
    const theirs = mne.groups.find((g) => g.header_indices.join(',') === indices);
    if (theirs === undefined) {
      findings.problems.push(`signals ${indices} (${group.fs_Hz} Hz): MNE has no group of the same signals`);
      continue;
    }
    const total = group.runs.reduce((n, r) => n + r.length, 0);
    findings.facts.push(`${round(group.fs_Hz, 6)} Hz × ${group.signals.length} ch × ${total}`);
    const w = compareGroup(group, theirs, variant, findings);
    worst_uV = Math.max(worst_uV, w.worst_uV);
    worstOther = Math.max(worstOther, w.worstOther);
    valuesAgree &&= w.valuesAgree;
  }
  for (const g of mne.groups) {
    if (!ours.groups.some((o) => o.signals.map((s) => s.index).join(',') === g.header_indices.join(','))) {
      findings.problems.push(`MNE reads signals ${g.header_indices.join(',')} that we do not`);
    }
  }
  if (ours.groups.length > 1) findings.facts.push(`${ours.groups.length} rates, each compared on its own`);
  if (ours.groups.length > 0) {
    const within = valuesAgree ? ', every sample within Float32 rounding' : '';
    findings.facts.push(`max |Δ| ${worst_uV.toPrecision(2)} µV` + (worstOther > 0 ? ` (${worstOther.toPrecision(2)} on non-voltage channels)` : '') + within);
  }
  if (ours.info.warnings.length > 0) findings.facts.push(`our reader warns: ${ours.info.warnings.map((w) => short(w.replace(`${ours.info.path}: `, ''))).join(' / ')}`);
  if (mne.annotations !== null) compareAnnotations(ours.annotations, ours.dataStart_s, mne.annotations, findings);
  return findings;
}
