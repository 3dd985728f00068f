import type { AnnotationEvent } from '../controller/session.js';
import type { EdfItem } from '../drivers/edf/edfTypes.js';
import { isNeuroloopTag } from '../drivers/edf/neuroloopAnnotations.js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SampleBlock } from '../signals/sampleBlock.js';

export interface FileBlockOptions {
  readonly fs_Hz: number;
  /** Onset of sample index 0, in seconds of file time (EDF: the first record's onset). */
  readonly dataStart_s: number;
  /** null: as fast as possible; else data seconds per host second (1 = real time). */
  readonly speed: number | null;
  /** Stop before this session index (--duration / --to). */
  readonly endIndex: number;
  /** Skip neuroloop's own tagged annotations (a neuroloop recording: the session makes those events itself). */
  readonly ownTagsAreLog: boolean;
  /** Called just before the block holding an annotation's sample goes on, so the next step carries it. */
  readonly onAnnotation: (event: AnnotationEvent) => void;
  readonly onNotice: (message: string) => void;
  /** One of neuroloop's own tags in a neuroloop recording ([stop], [end]...), as soon as it is read, with its sample index. */
  readonly onOwnTag?: (text: string, index: number) => void;
}

/**
 * The blocks of a recorded file as the session takes them: paced (real time or N times it)
 * or not, cut at the end index, and with the file's annotations handed over at their
 * sample. A block is split at an annotation's sample (results do not depend on block
 * lengths, docs/design.md), so the annotation lands in the first step whose window ends
 * after it.
 */
export async function* fileBlocks(items: AsyncIterable<EdfItem>, o: FileBlockOptions): AsyncGenerator<SampleBlock> {
  const pending: { index: number; event: AnnotationEvent }[] = [];
  let start_ms: number | null = null;
  let firstIndex = 0;
  const flushUpTo = (index: number): void => {
    // Pending is kept sorted by sample index.
    while (pending.length > 0 && pending[0].index <= index) o.onAnnotation((pending.shift() as { event: AnnotationEvent }).event);
  };
  for await (const item of items) {
    if (item.kind === 'annotation') {
      const a = item.annotation;
      const t_s = a.onset_s - o.dataStart_s;
      const index = Math.round(t_s * o.fs_Hz);
      if (o.ownTagsAreLog && isNeuroloopTag(a.text)) {
        o.onOwnTag?.(a.text, index);
        continue;
      }
      const event: AnnotationEvent = a.duration_s === null ? { t_s, kind: 'annotation', reason: a.text } : { t_s, kind: 'annotation', reason: a.text, duration_s: a.duration_s };
      let at = pending.length;
      while (at > 0 && pending[at - 1].index > index) at--;
      pending.splice(at, 0, { index, event });
      continue;
    }
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
    // Annotations at or before this block's first sample go on now; those inside it split it.
    flushUpTo(block.firstIndex);
    let from = 0;
    const length = block.data[0]?.length ?? 0;
    while (pending.length > 0 && pending[0].index < block.firstIndex + length) {
      const cut = pending[0].index - block.firstIndex;
      if (cut > from) {
        yield slice(block, from, cut);
        from = cut;
      }
      flushUpTo(block.firstIndex + from);
    }
    yield from === 0 ? block : slice(block, from, length);
  }
  const dropped = pending.length;
  if (dropped > 0) o.onNotice(`${dropped} annotation(s) lie after the end of the data replayed and are not in the trace`);
}

function slice(block: SampleBlock, from: number, to: number): SampleBlock {
  return { ...block, firstIndex: block.firstIndex + from, data: block.data.map((channel) => channel.subarray(from, to)) };
}
