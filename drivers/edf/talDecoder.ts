import type { EdfAnnotation } from './edfTypes.js';

/**
 * Decodes the time-stamped annotation lists (TALs) of one annotation signal in one data
 * record (EDF+ section 2.2, https://www.edfplus.info/specs/edfplus.html):
 *
 *     +onset[\x15duration]\x14text\x14[text\x14...]\x00
 *
 * onset is "+" or "-" then decimal seconds after the header's start time; duration is
 * unsigned decimal seconds; each text (UTF-8) ends with \x14; the TAL ends with \x00 and
 * the unused rest of the signal is \x00 too. The first TAL of a record in the first
 * annotation signal keeps time: its first annotation is empty and its onset is the
 * record's onset.
 *
 * Lenient with what tools write: Nihon Kohden runs TALs together without the \x00
 * (`+1.0\x14\x14+1.14\x14A1+A2 OFF\x14`), so a time stamp in a text's place that has more
 * text after it starts a new TAL. The same tools also write well-formed TALs whose last
 * text looks like a time (`+0\x14+0.000000\x14\x00`): that stays a text. Text that is not valid UTF-8 is read as
 * Latin-1 (old tools). Anything else malformed is reported as a problem and skipped,
 * never thrown: one bad record must not stop a replay.
 */

export type TalProblemKind = 'bad time stamp' | 'no NUL between TALs' | 'unterminated TAL' | 'no time-keeping TAL';

export interface TalProblem {
  readonly kind: TalProblemKind;
  readonly message: string;
}

export interface DecodedTals {
  /** The record's onset from its time-keeping TAL (asked for and found), else null. */
  readonly recordOnset_s: number | null;
  /** Every non-empty annotation text, in file order (the time-keeping one excluded). */
  readonly annotations: EdfAnnotation[];
  readonly problems: TalProblem[];
}

const TAL_END = 0x00;
const TEXT_END = 0x14;
const DURATION_MARK = 0x15;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** "+12", "-0.5", "+1.140000" (EDF+ onset). */
const ONSET = /^[+-]\d+(?:\.\d*)?$/;
/** "30", "0.25" (EDF+ duration: no sign). */
const DURATION = /^\d+(?:\.\d*)?$/;

interface Stamp {
  readonly onset_s: number;
  readonly duration_s: number | null;
}

/** A time stamp token: the bytes before the first \x14 of a TAL ("+onset" or "+onset\x15duration"). */
function parseStamp(bytes: Uint8Array, from: number, to: number): Stamp | null {
  // Stamps are short ASCII; anything long is a text.
  if (to - from > 64 || to <= from) return null;
  const first = bytes[from];
  if (first !== 0x2b && first !== 0x2d) return null;
  let mark = -1;
  for (let i = from; i < to; i++) {
    if (bytes[i] === DURATION_MARK) {
      mark = i;
      break;
    }
  }
  const onsetText = latin1.decode(bytes.subarray(from, mark < 0 ? to : mark));
  if (!ONSET.test(onsetText)) return null;
  let duration_s: number | null = null;
  if (mark >= 0) {
    const durationText = latin1.decode(bytes.subarray(mark + 1, to));
    // "+1\x15\x14" (an empty duration) is written by some tools for "no duration".
    if (durationText !== '') {
      if (!DURATION.test(durationText)) return null;
      duration_s = Number(durationText);
    }
  }
  return { onset_s: Number(onsetText), duration_s };
}

/** True when another \x14-terminated token starts at `from` before `end` (so a stamp there is not a TAL's last text). */
function textFollows(bytes: Uint8Array, from: number, end: number): boolean {
  for (let i = from; i < end; i++) if (bytes[i] === TEXT_END) return true;
  return false;
}

function decodeText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return latin1.decode(bytes);
  }
}

function shownBytes(bytes: Uint8Array): string {
  const text = latin1.decode(bytes.subarray(0, 40));
  return JSON.stringify(text) + (bytes.length > 40 ? '…' : '');
}

/**
 * Decodes `bytes` (one annotation signal of one record). `timeKeeping`: this is the first
 * annotation signal, whose first TAL gives the record's onset. `signal` and `record` are
 * copied into each annotation and named in problems.
 */
export function decodeTals(bytes: Uint8Array, signal: number, record: number, timeKeeping: boolean): DecodedTals {
  const annotations: EdfAnnotation[] = [];
  const problems: TalProblem[] = [];
  const where = (offset: number): string => `annotation signal ${signal}, record ${record}, byte ${offset} of the signal`;
  let recordOnset_s: number | null = null;
  let seenTal = false;
  let reportedNoNul = false;

  const end = bytes.length;
  let pos = 0;
  while (pos < end) {
    // NUL padding between and after TALs.
    if (bytes[pos] === TAL_END) {
      pos++;
      continue;
    }
    let talEnd = pos;
    while (talEnd < end && bytes[talEnd] !== TAL_END) talEnd++;

    let stampEnd = pos;
    while (stampEnd < talEnd && bytes[stampEnd] !== TEXT_END) stampEnd++;
    let stamp = stampEnd < talEnd ? parseStamp(bytes, pos, stampEnd) : null;
    if (stamp === null) {
      problems.push({ kind: 'bad time stamp', message: `${where(pos)}: expected a TAL starting with a time stamp such as +12.5\\x14 or +12.5\\x1530\\x14, got ${shownBytes(bytes.subarray(pos, talEnd))}: TAL skipped` });
      if (!seenTal && timeKeeping) problems.push({ kind: 'no time-keeping TAL', message: `${where(pos)}: the record's first TAL is unreadable, so the record has no onset` });
      seenTal = true;
      pos = talEnd + 1;
      continue;
    }
    // The first TAL of the first annotation signal keeps time: its first annotation is empty.
    let keepsTime = !seenTal && timeKeeping;
    seenTal = true;
    let texts = 0;
    const closeTal = (): void => {
      // "+onset\x14" with no annotation at all: taken as the time-keeping TAL too.
      if (keepsTime && texts === 0) recordOnset_s = stamp?.onset_s ?? null;
    };

    let tokenStart = stampEnd + 1;
    for (let i = tokenStart; i < talEnd; i++) {
      if (bytes[i] !== TEXT_END) continue;
      const next = i > tokenStart && textFollows(bytes, i + 1, talEnd) ? parseStamp(bytes, tokenStart, i) : null;
      if (next !== null) {
        // A time stamp where a text belongs: the previous TAL ended without its \x00.
        if (!reportedNoNul) {
          problems.push({ kind: 'no NUL between TALs', message: `${where(tokenStart)}: TALs are not separated by \\x00: read as separate TALs` });
          reportedNoNul = true;
        }
        closeTal();
        stamp = next;
        keepsTime = false;
        texts = 0;
      } else {
        const empty = i === tokenStart;
        if (keepsTime && texts === 0) {
          if (empty) recordOnset_s = stamp.onset_s;
          else problems.push({ kind: 'no time-keeping TAL', message: `${where(pos)}: the record's first TAL has a text, so it does not keep time: the record has no onset` });
        }
        if (!empty) annotations.push({ onset_s: stamp.onset_s, duration_s: stamp.duration_s, text: decodeText(bytes.subarray(tokenStart, i)), signal, record });
        texts++;
      }
      tokenStart = i + 1;
    }
    if (tokenStart < talEnd) {
      // Text without its closing \x14: kept, it is what the writer meant to say.
      problems.push({ kind: 'unterminated TAL', message: `${where(tokenStart)}: annotation text ${shownBytes(bytes.subarray(tokenStart, talEnd))} is not closed by \\x14: kept` });
      annotations.push({ onset_s: stamp.onset_s, duration_s: stamp.duration_s, text: decodeText(bytes.subarray(tokenStart, talEnd)), signal, record });
      texts++;
    }
    closeTal();
    pos = talEnd + 1;
  }
  if (!seenTal && timeKeeping) {
    problems.push({ kind: 'no time-keeping TAL', message: `annotation signal ${signal}, record ${record}: no TAL at all, so the record has no onset` });
  }
  return { recordOnset_s, annotations, problems };
}
