import type { AnnotationEvent, MarkerEvent } from '../controller/session.js';
import { describeMarker } from '../controller/marker.js';
import type { EdfAnnotation, EdfItem } from '../drivers/edf/edfTypes.js';
import { readMarkerAnnotation } from '../drivers/edf/markerAnnotation.js';
import { isNeuroloopTag } from '../drivers/edf/neuroloopAnnotations.js';

/** What a file's annotation becomes in the session: a plain annotation, or (a neuroloop recording's `[marker]`) a marker. */
export type FileMarkEvent = AnnotationEvent | MarkerEvent;
import { setTimeout as sleep } from 'node:timers/promises';
import type { SampleBlock } from '../signals/sampleBlock.js';

export interface FileBlockOptions {
  readonly fs_Hz: number;
  /** null: as fast as possible; else data seconds per host second (1 = real time). */
  readonly speed: number | null;
  /** Stop before this session index (--duration / --to). */
  readonly endIndex: number;
  /** The file's markers, read before the samples (scanMarkers), sorted by sample index. */
  readonly markers: readonly FileMarker[];
  /** Called just before the block holding a marker's sample goes on, so the next step carries it. */
  readonly onAnnotation: (event: FileMarkEvent) => void;
  readonly onNotice: (message: string) => void;
}

/** An annotation of a file, placed at its session sample index. */
export interface FileMarker {
  readonly index: number;
  readonly event: FileMarkEvent;
}

/** What a file's annotations say before any sample is read: its markers, and neuroloop's own tags. */
export interface ScannedAnnotations {
  readonly markers: FileMarker[];
  /** neuroloop's own tags ([stop], [end]...) with their sample index, in a neuroloop recording only. */
  readonly ownTags: { readonly text: string; readonly index: number }[];
  /** `[marker]` annotations that are not markers (the field that is wrong): kept as plain annotations. */
  readonly notices: string[];
}

/**
 * Sorts a file's annotations (all of them: a writer may store an annotation in any record,
 * EDFlib puts them all at the start and neuroloop writes them late, so they are read in
 * one pass before the samples) into markers for the trace and neuroloop's own tags. In a
 * neuroloop recording a `[marker]` annotation comes back as the marker it was
 * (docs/markers.md); one that does not read as a marker stays a plain annotation, with a
 * notice naming what is wrong. Before `fromIndex` (replay --from) markers are left out,
 * but those that declared a state are handed over at the start, in their order, so the
 * policy starts with the parameters it had there (whichever of those states it knows).
 */
export function scanAnnotations(annotations: readonly EdfAnnotation[], o: { readonly fs_Hz: number; readonly dataStart_s: number; readonly ownTagsAreLog: boolean; readonly fromIndex: number }): ScannedAnnotations {
  const markers: FileMarker[] = [];
  const ownTags: { text: string; index: number }[] = [];
  const notices: string[] = [];
  const statesBefore: FileMarker[] = [];
  for (const a of annotations) {
    // To the nanosecond, as TALs are written: 0.049, not 0.049000000000000044 after the subtraction.
    const t_s = Math.round((a.onset_s - o.dataStart_s) * 1e9) / 1e9;
    const index = Math.round(t_s * o.fs_Hz);
    const marker = o.ownTagsAreLog ? readMarkerAnnotation(a.text) : null;
    if (marker?.ok) {
      const event: MarkerEvent = { t_s, kind: 'marker', reason: `marker: ${describeMarker(marker.marker)}`, marker: marker.marker };
      if (index >= o.fromIndex) markers.push({ index, event });
      else if (marker.marker.state !== undefined) statesBefore.push({ index, event });
      continue;
    }
    if (marker !== null && !marker.ok) notices.push(`the annotation ${JSON.stringify(a.text.slice(0, 200))} at ${t_s} s is not a marker (${marker.error}): kept as a plain annotation`);
    else if (o.ownTagsAreLog && isNeuroloopTag(a.text)) {
      ownTags.push({ text: a.text, index });
      continue;
    }
    if (index < o.fromIndex) continue;
    markers.push({ index, event: a.duration_s === null ? { t_s, kind: 'annotation', reason: a.text } : { t_s, kind: 'annotation', reason: a.text, duration_s: a.duration_s } });
  }
  // Stable: annotations at one sample keep their file order.
  markers.sort((x, y) => x.index - y.index);
  statesBefore.sort((x, y) => x.index - y.index);
  // The states declared before --from go first, at its sample, in their order.
  return { markers: [...statesBefore.map((m) => ({ index: o.fromIndex, event: m.event })), ...markers], ownTags, notices };
}

/**
 * The blocks of a recorded file as the session takes them: paced (real time or N times it)
 * or not, cut at the end index, and with the file's markers handed over at their sample.
 * A block is split at a marker's sample (results do not depend on block lengths,
 * docs/design.md), so the marker lands in the first step whose window ends after it.
 */
export async function* fileBlocks(items: AsyncIterable<EdfItem>, o: FileBlockOptions): AsyncGenerator<SampleBlock> {
  let nextMarker = 0;
  let start_ms: number | null = null;
  let firstIndex = 0;
  const flushUpTo = (index: number): void => {
    while (nextMarker < o.markers.length && o.markers[nextMarker].index <= index) o.onAnnotation(o.markers[nextMarker++].event);
  };
  for await (const item of items) {
    if (item.kind === 'annotation') continue;
    let block = item.block;
    const n = block.data[0]?.length ?? 0;
    if (block.firstIndex >= o.endIndex) break;
    if (block.firstIndex + n > o.endIndex) block = slice(block, 0, o.endIndex - block.firstIndex);
    if (start_ms === null) {
      start_ms = performance.now();
      firstIndex = block.firstIndex;
    }
    if (o.speed !== null) {
      const due_ms = start_ms + ((block.firstIndex - firstIndex) / o.fs_Hz / o.speed) * 1000;
      const wait_ms = due_ms - performance.now();
      if (wait_ms > 1) await sleep(wait_ms);
    }
    // Markers at or before this block's first sample go on now; those inside it split it.
    flushUpTo(block.firstIndex);
    let from = 0;
    const length = block.data[0]?.length ?? 0;
    while (nextMarker < o.markers.length && o.markers[nextMarker].index < block.firstIndex + length) {
      const cut = o.markers[nextMarker].index - block.firstIndex;
      if (cut > from) {
        yield slice(block, from, cut);
        from = cut;
      }
      flushUpTo(block.firstIndex + from);
    }
    yield from === 0 ? block : slice(block, from, length);
  }
  const dropped = o.markers.length - nextMarker;
  if (dropped > 0) o.onNotice(`${dropped} annotation(s) lie after the end of the data replayed and are not in the trace`);
}

function slice(block: SampleBlock, from: number, to: number): SampleBlock {
  return { ...block, firstIndex: block.firstIndex + from, data: block.data.map((channel) => channel.subarray(from, to)) };
}
