import { open, type FileHandle } from 'node:fs/promises';
import { PLAUSIBLE } from '../../config/plausibleRanges.js';
import { gridGain, toPhysical, type QuantizationGrid } from '../../signals/quantizationGrid.js';
import type { SampleBlock } from '../../signals/sampleBlock.js';
import { InputError } from '../inputError.js';
import { describeOpenError, readEdfHeader } from './edfHeaderReader.js';
import { bytesPerSample, fixedFieldOffset } from './edfLayout.js';
import type { EdfAnnotation, EdfFileInfo, EdfItem, EdfReadOptions, EdfSignal, EdfSignalInfo } from './edfTypes.js';
import { microvoltScale } from './microvoltScale.js';
import { NEUROLOOP_TAG } from './neuroloopAnnotations.js';
import { decodeTals } from './talDecoder.js';

/**
 * Streams an EDF, EDF+, BDF or BDF+ file as sample blocks and annotations
 * (https://www.edfplus.info/specs/edf.html, https://www.edfplus.info/specs/edfplus.html;
 * BDF: 24-bit little-endian two's complement samples).
 *
 * Whole data records are read in chunks of about 1 MiB into one preallocated Buffer and
 * decoded by a tight loop into the current block, so memory does not grow with the file:
 * a long recording streams in a few MB. Sample k of a record is physical value
 * `toPhysical(grid, gridGain(grid), digital)` stored as Float32, the arithmetic the live
 * path uses (signals/quantizationGrid.ts), so a replay sees the numbers the session saw.
 */

/** About this many bytes of whole records are read at a time. */
const CHUNK_BYTES = 1 << 20;
const DEFAULT_BLOCK_SAMPLES = 1024;
/** Notices of one kind shown before the rest are only counted (a broken TAL in every record of a day-long file). */
const NOTICES_PER_KIND = 5;
/** A neuroloop file's "[end]" is in its last record, or in the few padded records written after it for pending annotations. */
const END_SCAN_RECORDS = 16;
/** Slack when a time in seconds is turned into a sample index (from 0.1 s at 30 kHz is 3000, not 3001). */
const INDEX_SLACK = 1e-6;

/** An EDF file opened for its annotations only (any file, also one without signals). */
export interface EdfAnnotations {
  readonly info: EdfFileInfo;
  /** Onset of the first data record, in seconds after the header start time. */
  readonly dataStart_s: number;
  readonly annotations: AsyncIterable<EdfAnnotation>;
}

/**
 * Opens a file for its samples: checks the header, picks the signals, finds where to
 * start, and returns an EdfSignal whose `items` read the file (again on each iteration).
 * Every problem with the file or the options is an InputError naming what and where.
 */
export async function openEdfSignal(path: string, options: EdfReadOptions = {}): Promise<EdfSignal> {
  const info = await readEdfHeader(path);
  const notices = new NoticeSink(path, options.onNotice);
  for (const warning of info.warnings) notices.sayAlways(warning);

  const ordinary = info.signals.filter((s) => !s.isAnnotation);
  if (ordinary.length === 0) {
    let count = 0;
    for await (const _ of (await openEdfAnnotations(path)).annotations) count++;
    throw new InputError(`${path}: no signals to read: the file holds only annotations (${count})`);
  }
  if (info.recordDuration_s === 0) {
    throw new InputError(
      `${path}: header field "duration of a data record" at byte ${fixedFieldOffset('duration of a data record')} is ${JSON.stringify(info.recordDurationField)}, so its signals (${ordinary
        .map((s) => JSON.stringify(s.label))
        .join(', ')}) have no sample rate: no samples to read (only its annotations)`,
    );
  }
  const blockSamples = options.block_samples ?? DEFAULT_BLOCK_SAMPLES;
  if (!Number.isSafeInteger(blockSamples) || blockSamples < 1 || blockSamples > PLAUSIBLE.window_samples.max) {
    throw new InputError(`block_samples: expected a whole number of samples from 1 to ${PLAUSIBLE.window_samples.max}, got ${blockSamples}`);
  }

  const selected = selectSignals(info, options.channels, notices);
  const fs_Hz = selected[0].fs_Hz;
  const channels = channelNames(selected, notices);
  const layout = recordLayout(info);
  const units = selected.map((s) => {
    const scale = microvoltScale(s.physicalDimension);
    if (scale === null) {
      notices.sayAlways(
        `signal ${s.index} (${JSON.stringify(s.label)}): physical dimension ${JSON.stringify(s.physicalDimension)} is not a voltage: its values are passed through unchanged, not converted to µV`,
      );
    }
    return scale ?? 1;
  });
  const plan = await planRead(info, layout, selected[0].samplesPerRecord, fs_Hz, options);
  const read: ReadSpec = {
    info,
    layout,
    plan,
    blockSamples,
    channels,
    decoders: selected.map((s, c) => ({ byteOffset: layout.signalOffsets[s.index], grid: s.grid, gain: gridGain(s.grid), scale: units[c] })),
    options,
  };
  return {
    info,
    selected,
    channels,
    fs_Hz,
    dataStart_s: plan.dataStart_s,
    items: { [Symbol.asyncIterator]: () => readItems(read) },
  };
}

/**
 * Opens any EDF/BDF file (annotation-only ones included, e.g. a Sleep-EDF hypnogram with a
 * record duration of 0) for its annotations, in file order.
 */
export async function openEdfAnnotations(path: string, options: Pick<EdfReadOptions, 'onNotice' | 'onProgress'> = {}): Promise<EdfAnnotations> {
  const info = await readEdfHeader(path);
  const notices = new NoticeSink(path, options.onNotice);
  for (const warning of info.warnings) notices.sayAlways(warning);
  const layout = recordLayout(info);
  const plan = await planRead(info, layout, 0, Number.NaN, {});
  const read: ReadSpec = { info, layout, plan, blockSamples: 1, channels: [], decoders: [], options };
  async function* annotations(): AsyncGenerator<EdfAnnotation> {
    for await (const item of readItems(read)) if (item.kind === 'annotation') yield item.annotation;
  }
  return { info, dataStart_s: plan.dataStart_s, annotations: { [Symbol.asyncIterator]: annotations } };
}

/** Where each signal's bytes sit in a data record. */
interface RecordLayout {
  readonly signalOffsets: readonly number[];
  readonly annotationSlots: readonly { readonly signal: number; readonly byteOffset: number; readonly byteLength: number }[];
  readonly bytesPerSample: 2 | 3;
}

function recordLayout(info: EdfFileInfo): RecordLayout {
  const bps = bytesPerSample(info.format);
  const signalOffsets: number[] = [];
  const annotationSlots: { signal: number; byteOffset: number; byteLength: number }[] = [];
  let offset = 0;
  for (const s of info.signals) {
    signalOffsets.push(offset);
    if (s.isAnnotation) annotationSlots.push({ signal: s.index, byteOffset: offset, byteLength: s.samplesPerRecord * bps });
    offset += s.samplesPerRecord * bps;
  }
  return { signalOffsets, annotationSlots, bytesPerSample: bps };
}

/**
 * The signals to read. By default every ordinary signal at the rate of the first one (the
 * others are skipped with one notice); else the ones asked for, by label or header index.
 */
function selectSignals(info: EdfFileInfo, asked: EdfReadOptions['channels'], notices: NoticeSink): EdfSignalInfo[] {
  const ordinary = info.signals.filter((s) => !s.isAnnotation);
  const listing = (): string => info.signals.map((s) => `${s.index} ${JSON.stringify(s.label)}${s.isAnnotation ? ' (annotations)' : ` (${s.fs_Hz} Hz)`}`).join(', ');
  if (asked === undefined) {
    const rate = ordinary[0].samplesPerRecord;
    const chosen = ordinary.filter((s) => s.samplesPerRecord === rate);
    const skipped = ordinary.filter((s) => s.samplesPerRecord !== rate);
    if (skipped.length > 0) {
      notices.sayAlways(
        `reading the ${chosen.length} signal${chosen.length === 1 ? '' : 's'} at ${chosen[0].fs_Hz} Hz; skipped ${skipped.length} at other rates: ${skipped
          .map((s) => `${s.index} ${JSON.stringify(s.label)} (${s.fs_Hz} Hz)`)
          .join(', ')} (choose channels by label or index to read them)`,
      );
    }
    return chosen;
  }
  if (asked.length === 0) throw new InputError(`${info.path}: channels: choose at least one signal; the file has: ${listing()}`);
  const chosen = asked.map((want): EdfSignalInfo => {
    let signal: EdfSignalInfo | undefined;
    if (typeof want === 'number') {
      if (!Number.isInteger(want) || want < 0 || want >= info.signals.length) {
        throw new InputError(`${info.path}: channels: no signal with index ${want}; the file has: ${listing()}`);
      }
      signal = info.signals[want];
    } else {
      const label = want.trim();
      const matches = info.signals.filter((s) => s.label === label);
      if (matches.length > 1) {
        throw new InputError(`${info.path}: channels: label ${JSON.stringify(label)} is shared by signals ${matches.map((s) => s.index).join(' and ')}; choose one by index`);
      }
      signal = matches[0];
      // A number given as text (from a command line) is an index when no label says otherwise.
      if (signal === undefined && /^\d+$/.test(label) && Number(label) < info.signals.length) signal = info.signals[Number(label)];
      if (signal === undefined) throw new InputError(`${info.path}: channels: no signal labelled ${JSON.stringify(label)}; the file has: ${listing()}`);
    }
    if (signal.isAnnotation) throw new InputError(`${info.path}: channels: signal ${signal.index} (${JSON.stringify(signal.label)}) holds annotations, not samples`);
    return signal;
  });
  chosen.forEach((s, i) => {
    if (chosen.indexOf(s) !== i) throw new InputError(`${info.path}: channels: signal ${s.index} (${JSON.stringify(s.label)}) is chosen twice`);
  });
  if (chosen.some((s) => s.samplesPerRecord !== chosen[0].samplesPerRecord)) {
    throw new InputError(
      `${info.path}: channels: the chosen signals have different sample rates (${chosen.map((s) => `${s.index} ${JSON.stringify(s.label)} at ${s.fs_Hz} Hz`).join(', ')}); choose signals of one rate`,
    );
  }
  return chosen;
}

/** Channel names: the labels, with the header index added to labels that several chosen signals share. */
function channelNames(selected: readonly EdfSignalInfo[], notices: NoticeSink): string[] {
  const names = selected.map((s) => (selected.filter((o) => o.label === s.label).length > 1 ? `${s.label} #${s.index}` : s.label));
  const renamed = selected.filter((s, c) => names[c] !== s.label);
  if (renamed.length > 0) notices.sayAlways(`duplicate labels: channels named ${renamed.map((s) => JSON.stringify(`${s.label} #${s.index}`)).join(', ')} by their header index`);
  return names;
}

/** Where reading starts and stops, in records and session sample indices. */
interface ReadPlan {
  readonly dataStart_s: number;
  readonly samplesPerRecord: number;
  readonly fs_Hz: number;
  /** Records are placed by their time-keeping onsets (EDF+D with an annotation signal). */
  readonly discontinuous: boolean;
  readonly firstRecord: number;
  /** The timeline's state before firstRecord (the end index of the record before it, null at the start). */
  readonly nextStartBefore: number | null;
  readonly fromIndex: number;
  readonly toIndex: number;
  /** A neuroloop file's "[end]" found at open (samples from here are padding). */
  readonly endIndex: number;
  readonly filterFrom: boolean;
  readonly filterTo: boolean;
}

async function planRead(info: EdfFileInfo, layout: RecordLayout, samplesPerRecord: number, fs_Hz: number, options: Pick<EdfReadOptions, 'from_s' | 'to_s'>): Promise<ReadPlan> {
  const { from_s, to_s } = options;
  for (const [name, value] of [['from_s', from_s] as const, ['to_s', to_s] as const]) {
    if (value !== undefined && (!Number.isFinite(value) || value < 0)) throw new InputError(`${name}: expected a number of seconds, 0 or more, got ${value}`);
  }
  if (from_s !== undefined && to_s !== undefined && to_s <= from_s) throw new InputError(`to_s (${to_s}) must be after from_s (${from_s})`);
  const discontinuous = info.variant.endsWith('+D') && layout.annotationSlots.length > 0;
  const fromIndex = from_s === undefined ? 0 : Math.ceil(from_s * fs_Hz - INDEX_SLACK);
  const toIndex = to_s === undefined ? Number.POSITIVE_INFINITY : Math.ceil(to_s * fs_Hz - INDEX_SLACK);

  const handle = await openFile(info.path);
  try {
    const reader = new SlotReader(handle, info, layout);
    let dataStart_s = 0;
    if (layout.annotationSlots.length > 0 && info.recordCount > 0) {
      dataStart_s = decodeTals(await reader.slot(0, 0), layout.annotationSlots[0].signal, 0, true).recordOnset_s ?? 0;
    }
    const indexOf = (onset_s: number): number => Math.round((onset_s - dataStart_s) * fs_Hz);

    let endIndex = Number.POSITIVE_INFINITY;
    if (info.writtenByNeuroloop && layout.annotationSlots.length > 0 && samplesPerRecord > 0) {
      for (let r = info.recordCount - 1; r >= Math.max(0, info.recordCount - END_SCAN_RECORDS) && endIndex === Number.POSITIVE_INFINITY; r--) {
        for (let a = 0; a < layout.annotationSlots.length; a++) {
          for (const ann of decodeTals(await reader.slot(r, a), layout.annotationSlots[a].signal, r, a === 0).annotations) {
            if (hasTag(ann.text, NEUROLOOP_TAG.end)) endIndex = Math.min(endIndex, indexOf(ann.onset_s));
          }
        }
      }
    }

    let firstRecord = 0;
    let nextStartBefore: number | null = null;
    if (samplesPerRecord > 0) {
      let dataEnd: number;
      if (!discontinuous) {
        firstRecord = Math.min(Math.floor(fromIndex / samplesPerRecord), info.recordCount);
        dataEnd = info.recordCount * samplesPerRecord;
      } else {
        // Scan the time-keeping onsets (only the first annotation signal's bytes) up to the
        // record holding fromIndex, placing records as the full read does.
        dataEnd = info.recordCount === 0 ? 0 : Number.POSITIVE_INFINITY;
        if (fromIndex > 0) {
          const timeline = new RecordTimeline(samplesPerRecord, fs_Hz, dataStart_s, null);
          firstRecord = info.recordCount;
          for (let r = 0; r < info.recordCount; r++) {
            const before = timeline.nextStart;
            const { start } = timeline.place(r, decodeTals(await reader.slot(r, 0), layout.annotationSlots[0].signal, r, true).recordOnset_s);
            if (start + samplesPerRecord > fromIndex) {
              firstRecord = r;
              nextStartBefore = before;
              break;
            }
          }
          if (firstRecord === info.recordCount) dataEnd = timeline.nextStart ?? 0;
        }
      }
      const end = Math.min(dataEnd, endIndex);
      if (from_s !== undefined && fromIndex >= end) {
        throw new InputError(
          `from_s: ${from_s} s is beyond the data of ${info.path}, which ends at ${end / fs_Hz} s${endIndex < dataEnd ? ' (its [end] annotation)' : ''}`,
        );
      }
    }
    return { dataStart_s, samplesPerRecord, fs_Hz, discontinuous, firstRecord, nextStartBefore, fromIndex, toIndex, endIndex, filterFrom: from_s !== undefined, filterTo: to_s !== undefined };
  } finally {
    await handle.close();
  }
}

/**
 * Session index of each record's first sample. EDF+D: from its time-keeping onset,
 * round((onset - dataStart) * fs); a jump forward is a gap, and a record that would
 * overlap the previous one or go back is kept contiguous (indices never go back). Others:
 * record * samplesPerRecord, whatever the TALs say.
 */
class RecordTimeline {
  constructor(
    private readonly samplesPerRecord: number,
    private readonly fs_Hz: number,
    private readonly dataStart_s: number,
    /** The end index of the previous record (null before the first). */
    public nextStart: number | null,
  ) {}

  place(record: number, onset_s: number | null): { start: number; problem: string | null } {
    let start: number;
    let problem: string | null = null;
    if (onset_s === null) {
      start = this.nextStart ?? record * this.samplesPerRecord;
      problem = `record ${record} has no time-keeping onset: read as following the previous record`;
    } else {
      start = Math.round((onset_s - this.dataStart_s) * this.fs_Hz);
      const expected = this.nextStart ?? 0;
      if (start < expected) {
        problem = `record ${record} starts at +${onset_s} s, before the previous record ends (+${this.dataStart_s + expected / this.fs_Hz} s): read as following it`;
        start = expected;
      }
    }
    this.nextStart = start + this.samplesPerRecord;
    return { start, problem };
  }
}

/** Reads single annotation slots of single records (planning, where few records are touched). */
class SlotReader {
  private readonly buffer: Buffer;
  constructor(
    private readonly handle: FileHandle,
    private readonly info: EdfFileInfo,
    private readonly layout: RecordLayout,
  ) {
    this.buffer = Buffer.alloc(Math.max(0, ...layout.annotationSlots.map((s) => s.byteLength)));
  }

  async slot(record: number, slot: number): Promise<Buffer> {
    const { byteOffset, byteLength } = this.layout.annotationSlots[slot];
    const view = this.buffer.subarray(0, byteLength);
    await readFully(this.handle, view, byteLength, this.info.headerBytes + record * this.info.recordBytes + byteOffset, this.info.path);
    return view;
  }
}

interface ChannelDecoder {
  readonly byteOffset: number;
  readonly grid: QuantizationGrid;
  readonly gain: number;
  /** To microvolts: 1 leaves toPhysical's value untouched. */
  readonly scale: number;
}

interface ReadSpec {
  readonly info: EdfFileInfo;
  readonly layout: RecordLayout;
  readonly plan: ReadPlan;
  readonly blockSamples: number;
  readonly channels: readonly string[];
  readonly decoders: readonly ChannelDecoder[];
  readonly options: Pick<EdfReadOptions, 'onNotice' | 'onProgress'>;
}

function hasTag(text: string, tag: string): boolean {
  return text === tag || text.startsWith(`${tag} `);
}

async function* readItems(spec: ReadSpec): AsyncGenerator<EdfItem> {
  const { info, layout, plan, blockSamples, channels, decoders } = spec;
  const notices = new NoticeSink(info.path, spec.options.onNotice);
  const onProgress = spec.options.onProgress;
  const { samplesPerRecord: spr, fs_Hz, dataStart_s } = plan;
  const recordBytes = info.recordBytes;
  const bps = layout.bytesPerSample;
  const slots = layout.annotationSlots;
  const channelCount = decoders.length;
  const lastRecord = info.recordCount;
  const timeline = new RecordTimeline(spr, fs_Hz, dataStart_s, plan.nextStartBefore);
  const indexOf = (onset_s: number): number => Math.round((onset_s - dataStart_s) * fs_Hz);

  // To stop early at to_s without reading the rest (contiguous files: the record is known).
  const stopRecord = plan.discontinuous || !Number.isFinite(plan.toIndex) ? lastRecord : Math.min(lastRecord, Math.ceil(plan.toIndex / spr));
  const span = Math.max(1, stopRecord - plan.firstRecord);
  const chunkRecords = Math.max(1, Math.min(Math.floor(CHUNK_BYTES / recordBytes), span));
  const handle = await openFile(info.path);
  try {
    const buffer = Buffer.allocUnsafe(chunkRecords * recordBytes);
    let data = newBlockData(channelCount, blockSamples);
    let fill = 0;
    let blockFirst = 0;
    /** The index after the last sample put into a block. */
    let emittedEnd = 0;
    let endIndex = plan.endIndex;
    const lost: { start: number; end: number }[] = [];
    const flush = (): SampleBlock => {
      const block: SampleBlock = { firstIndex: blockFirst, fs_Hz, channels, data: fill === blockSamples ? data : data.map((d) => d.subarray(0, fill)) };
      data = newBlockData(channelCount, blockSamples);
      blockFirst += fill;
      fill = 0;
      return block;
    };
    const wanted = (ann: EdfAnnotation): boolean => {
      if (!plan.filterFrom && !plan.filterTo) return true;
      const index = indexOf(ann.onset_s);
      return (!plan.filterFrom || index >= plan.fromIndex) && (!plan.filterTo || index < plan.toIndex);
    };

    let record = plan.firstRecord;
    reading: while (record < stopRecord) {
      const n = Math.min(chunkRecords, stopRecord - record);
      await readFully(handle, buffer, n * recordBytes, info.headerBytes + record * recordBytes, info.path);
      for (let k = 0; k < n; k++, record++) {
        const base = k * recordBytes;
        let onset_s: number | null = null;
        let annotations: EdfAnnotation[] = [];
        for (let a = 0; a < slots.length; a++) {
          const slot = slots[a];
          const decoded = decodeTals(buffer.subarray(base + slot.byteOffset, base + slot.byteOffset + slot.byteLength), slot.signal, record, a === 0);
          if (a === 0) onset_s = decoded.recordOnset_s;
          for (const problem of decoded.problems) {
            // A missing time-keeping TAL only matters where records are placed by it, and there the timeline says so.
            if (problem.kind !== 'no time-keeping TAL') notices.say(problem.kind, problem.message);
          }
          annotations = annotations.length === 0 ? decoded.annotations : annotations.concat(decoded.annotations);
        }
        if (spr === 0) {
          for (const ann of annotations) yield { kind: 'annotation', annotation: ann };
          continue;
        }

        let recStart: number;
        if (plan.discontinuous) {
          const placed = timeline.place(record, onset_s);
          if (placed.problem !== null) notices.say('record onset', placed.problem);
          recStart = placed.start;
        } else recStart = record * spr;
        if (recStart >= plan.toIndex) break reading;

        if (info.writtenByNeuroloop) {
          for (const ann of annotations) {
            if (hasTag(ann.text, NEUROLOOP_TAG.lost)) {
              if (ann.duration_s === null) {
                notices.say('neuroloop tag', `record ${record}: ${JSON.stringify(ann.text)} at +${ann.onset_s} s has no duration: no samples marked lost`);
                continue;
              }
              const start = indexOf(ann.onset_s);
              const end = start + Math.round(ann.duration_s * fs_Hz);
              if (start < emittedEnd) notices.say('neuroloop tag', `record ${record}: ${JSON.stringify(ann.text)} at +${ann.onset_s} s covers samples already read: only the rest is left out`);
              let at = lost.length;
              while (at > 0 && lost[at - 1].start > start) at--;
              lost.splice(at, 0, { start, end });
            } else if (hasTag(ann.text, NEUROLOOP_TAG.end)) {
              const end = indexOf(ann.onset_s);
              if (end < emittedEnd) notices.say('neuroloop tag', `record ${record}: ${JSON.stringify(ann.text)} at +${ann.onset_s} s comes after samples past it were read`);
              endIndex = Math.min(endIndex, end);
            }
          }
        }

        for (const ann of annotations) if (wanted(ann)) yield { kind: 'annotation', annotation: ann };

        const stop = Math.min(recStart + spr, plan.toIndex, endIndex);
        let cursor = Math.max(recStart, plan.fromIndex);
        while (cursor < stop) {
          // Leave out neuroloop's [lost] spans: they hold padding.
          let segmentEnd = stop;
          let skipTo = -1;
          for (let s = 0; s < lost.length; s++) {
            const span = lost[s];
            if (span.end <= cursor || span.start >= segmentEnd) continue;
            if (span.start <= cursor) {
              skipTo = span.end;
              break;
            }
            segmentEnd = span.start;
          }
          if (skipTo >= 0) {
            cursor = skipTo;
            continue;
          }
          if (fill > 0 && blockFirst + fill !== cursor) yield { kind: 'block', block: flush() };
          if (fill === 0) blockFirst = cursor;
          let offset = cursor - recStart;
          let remaining = segmentEnd - cursor;
          while (remaining > 0) {
            const take = Math.min(blockSamples - fill, remaining);
            for (let c = 0; c < channelCount; c++) {
              const d = decoders[c];
              decodeSamples(buffer, base + d.byteOffset + offset * bps, take, bps, d.grid, d.gain, d.scale, data[c], fill);
            }
            fill += take;
            offset += take;
            remaining -= take;
            if (fill === blockSamples) yield { kind: 'block', block: flush() };
          }
          cursor = segmentEnd;
          emittedEnd = segmentEnd;
        }
        // Spans that end within this record are done with (memory stays bounded).
        let kept = 0;
        for (let s = 0; s < lost.length; s++) if (lost[s].end > recStart + spr) lost[kept++] = lost[s];
        lost.length = kept;
      }
      onProgress?.((record - plan.firstRecord) / span);
    }
    if (fill > 0) yield { kind: 'block', block: flush() };
    onProgress?.(1);
    notices.summarize();
  } finally {
    await handle.close();
  }
}

function newBlockData(channels: number, samples: number): Float32Array[] {
  const data: Float32Array[] = [];
  for (let c = 0; c < channels; c++) data.push(new Float32Array(samples));
  return data;
}

/**
 * Decodes `count` samples (16-bit EDF or 24-bit BDF, little-endian two's complement) at
 * `offset` into `out[at..]` as physical values. The hot loop: no allocation, one
 * toPhysical per sample; the unit factor only for signals not already in µV.
 */
function decodeSamples(bytes: Buffer, offset: number, count: number, bps: 2 | 3, grid: QuantizationGrid, gain: number, scale: number, out: Float32Array, at: number): void {
  let p = offset;
  const end = at + count;
  if (bps === 3) {
    if (scale === 1) {
      for (let i = at; i < end; i++, p += 3) out[i] = toPhysical(grid, gain, bytes[p] | (bytes[p + 1] << 8) | ((bytes[p + 2] << 24) >> 8));
    } else {
      for (let i = at; i < end; i++, p += 3) out[i] = toPhysical(grid, gain, bytes[p] | (bytes[p + 1] << 8) | ((bytes[p + 2] << 24) >> 8)) * scale;
    }
  } else if (scale === 1) {
    for (let i = at; i < end; i++, p += 2) out[i] = toPhysical(grid, gain, ((bytes[p] | (bytes[p + 1] << 8)) << 16) >> 16);
  } else {
    for (let i = at; i < end; i++, p += 2) out[i] = toPhysical(grid, gain, ((bytes[p] | (bytes[p + 1] << 8)) << 16) >> 16) * scale;
  }
}

async function openFile(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (error) {
    throw new InputError(`${path}: ${describeOpenError(error)}`);
  }
}

/** Fills `buffer[0..length)` from `position`; the records it asks for are known to be in the file. */
async function readFully(handle: FileHandle, buffer: Buffer, length: number, position: number, path: string): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) throw new InputError(`${path}: the file ended at byte ${position + done} while reading it (was it truncated while open?)`);
    done += bytesRead;
  }
}

/**
 * Notices for the user, prefixed with the file. Per-record problems are shown a few times
 * per kind, then counted and summarized once at the end.
 */
class NoticeSink {
  private readonly counts = new Map<string, number>();
  constructor(
    private readonly path: string,
    private readonly onNotice: ((message: string) => void) | undefined,
  ) {}

  sayAlways(message: string): void {
    this.onNotice?.(`${this.path}: ${message}`);
  }

  say(kind: string, message: string): void {
    const count = (this.counts.get(kind) ?? 0) + 1;
    this.counts.set(kind, count);
    if (count <= NOTICES_PER_KIND) this.sayAlways(message);
  }

  summarize(): void {
    for (const [kind, count] of this.counts) {
      if (count > NOTICES_PER_KIND) this.sayAlways(`${count - NOTICES_PER_KIND} more notices of this kind (${kind}) not shown`);
    }
  }
}
