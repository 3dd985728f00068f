import { readEdfHeader } from '../../drivers/edf/edfHeaderReader.js';
import { openEdfAnnotations, openEdfSignal } from '../../drivers/edf/edfReader.js';
import type { EdfAnnotation, EdfFileInfo, EdfSignalInfo } from '../../drivers/edf/edfTypes.js';

/** Contiguous samples: a jump in firstIndex (an EDF+D gap) starts a new run. */
export interface Run {
  readonly firstIndex: number;
  readonly length: number;
}

/** The signals of one rate, read in one pass. */
export interface RateGroup {
  readonly signals: readonly EdfSignalInfo[];
  readonly channels: readonly string[];
  readonly fs_Hz: number;
  readonly dataStart_s: number;
  readonly runs: readonly Run[];
  /** Per channel, every sample in file order (the runs joined end to end): µV for voltage channels, else the header's unit. */
  readonly samples: readonly Float32Array[];
  readonly notices: readonly string[];
}

export type NeuroloopRead =
  | { readonly ok: false; readonly error: string; readonly info: EdfFileInfo | null }
  | {
      readonly ok: true;
      readonly info: EdfFileInfo;
      readonly groups: readonly RateGroup[];
      readonly annotations: readonly EdfAnnotation[];
      /** Onset of the first record after the header's start (to put annotations on MNE's clock). */
      readonly dataStart_s: number;
      readonly notices: readonly string[];
    };

/** Grows a Float32Array by doubling: files here are a few MB at most. */
class Samples {
  private data = new Float32Array(4096);
  length = 0;
  push(values: ArrayLike<number>): void {
    if (this.length + values.length > this.data.length) {
      const bigger = new Float32Array(Math.max(this.data.length * 2, this.length + values.length));
      bigger.set(this.data.subarray(0, this.length));
      this.data = bigger;
    }
    this.data.set(values, this.length);
    this.length += values.length;
  }
  done(): Float32Array {
    return this.data.slice(0, this.length);
  }
}

/**
 * Reads a whole file with neuroloop's reader: the header, then each group of ordinary
 * signals that share a rate (one `openEdfSignal` per group, by header index), then the
 * annotations (from the first pass; an annotation-only file gets a pass of its own).
 * A refusal is returned, not thrown.
 */
export async function readWithNeuroloop(path: string): Promise<NeuroloopRead> {
  let info: EdfFileInfo;
  try {
    info = await readEdfHeader(path);
  } catch (error) {
    return { ok: false, error: messageOf(error), info: null };
  }
  const ordinary = info.signals.filter((s) => !s.isAnnotation);
  const rates: number[] = [];
  for (const s of ordinary) if (!rates.includes(s.samplesPerRecord)) rates.push(s.samplesPerRecord);

  const groups: RateGroup[] = [];
  let annotations: EdfAnnotation[] = [];
  let dataStart_s = 0;
  const notices: string[] = [];
  try {
    if (ordinary.length === 0) {
      // A file of annotations only (a hypnogram): no samples to read, only its annotations.
      const file = await openEdfAnnotations(path, { onNotice: (m) => notices.push(m) });
      dataStart_s = file.dataStart_s;
      for await (const annotation of file.annotations) annotations.push(annotation);
    }
    for (const [g, samplesPerRecord] of rates.entries()) {
      const members = ordinary.filter((s) => s.samplesPerRecord === samplesPerRecord);
      const groupNotices: string[] = [];
      const signal = await openEdfSignal(path, { channels: members.map((s) => s.index), block_samples: 4096, onNotice: (m) => groupNotices.push(m) });
      const samples = members.map(() => new Samples());
      const runs: { firstIndex: number; length: number }[] = [];
      const groupAnnotations: EdfAnnotation[] = [];
      for await (const item of signal.items) {
        if (item.kind === 'annotation') {
          groupAnnotations.push(item.annotation);
          continue;
        }
        const { block } = item;
        const n = block.data[0]?.length ?? 0;
        const last = runs.at(-1);
        if (last !== undefined && last.firstIndex + last.length === block.firstIndex) last.length += n;
        else runs.push({ firstIndex: block.firstIndex, length: n });
        block.data.forEach((channel, c) => samples[c].push(channel));
      }
      if (g === 0) {
        annotations = groupAnnotations;
        dataStart_s = signal.dataStart_s;
        notices.push(...groupNotices);
      }
      groups.push({
        signals: signal.selected,
        channels: signal.channels,
        fs_Hz: signal.fs_Hz,
        dataStart_s: signal.dataStart_s,
        runs,
        samples: samples.map((s) => s.done()),
        notices: groupNotices,
      });
    }
  } catch (error) {
    return { ok: false, error: messageOf(error), info };
  }
  return { ok: true, info, groups, annotations, dataStart_s, notices };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
