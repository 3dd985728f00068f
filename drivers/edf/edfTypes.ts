import type { QuantizationGrid } from '../../signals/quantizationGrid.js';
import type { SampleBlock } from '../../signals/sampleBlock.js';
import type { EdfFormat } from './edfLayout.js';

/** One signal of an EDF/BDF header, parsed. */
export interface EdfSignalInfo {
  /** Position in the header (0-based): what `--channels 3` means. */
  readonly index: number;
  /** Label with trailing spaces removed. */
  readonly label: string;
  readonly transducer: string;
  readonly physicalDimension: string;
  readonly prefiltering: string;
  readonly samplesPerRecord: number;
  /** samplesPerRecord / record duration; NaN when the record duration is 0 (annotation-only files). */
  readonly fs_Hz: number;
  /** The header's ranges, exactly as written (may be inverted). */
  readonly grid: QuantizationGrid;
  /** An "EDF Annotations" signal (holds TALs, not samples). */
  readonly isAnnotation: boolean;
}

/** What the header (and the file size) say about a file. */
export interface EdfFileInfo {
  readonly path: string;
  /** How samples are stored: 16-bit (EDF) or 24-bit (BDF), from the version field. */
  readonly format: EdfFormat;
  /** The variant from the reserved field: plain, continuous (+C) or discontinuous (+D). */
  readonly variant: 'EDF' | 'EDF+C' | 'EDF+D' | 'BDF' | 'BDF+C' | 'BDF+D';
  readonly patient: string;
  readonly recording: string;
  /** Header start date and time (whole seconds, local time as written, read as UTC); null when the fields are not a valid date. */
  readonly start: Date | null;
  readonly headerBytes: number;
  /** The "number of data records" field as written (-1: unknown, still being written or crashed). */
  readonly recordCountField: number;
  /** Complete records in the file (inferred from its size when the field is -1; a truncated last record is not counted). */
  readonly recordCount: number;
  /** The record duration field, exactly as written, and its value. */
  readonly recordDurationField: string;
  readonly recordDuration_s: number;
  /** Bytes of one data record. */
  readonly recordBytes: number;
  readonly signals: readonly EdfSignalInfo[];
  /** The recording field names neuroloop as the equipment: its tagged annotations are honoured (drivers/edf/neuroloopAnnotations.ts). */
  readonly writtenByNeuroloop: boolean;
  /** Things that were odd but readable (a truncated last record, trailing bytes, a bad start date...). */
  readonly warnings: readonly string[];
}

/** An annotation from a TAL (time-stamped annotation list). */
export interface EdfAnnotation {
  /** Seconds after the header's start time, as in the TAL. */
  readonly onset_s: number;
  readonly duration_s: number | null;
  readonly text: string;
  /** Header index of the annotation signal and the record it was found in. */
  readonly signal: number;
  readonly record: number;
}

export interface EdfReadOptions {
  /**
   * Signals to read, by label (exact, after trimming) or header index. Default: every
   * ordinary signal at the rate of the first ordinary one; signals at other rates are
   * skipped with a notice. Chosen signals must share one rate (else InputError).
   */
  readonly channels?: readonly (string | number)[];
  /** Largest block emitted (samples per channel); default 1024. */
  readonly block_samples?: number;
  /** Seconds after the data start (the first record's onset) to start at and stop before. */
  readonly from_s?: number;
  readonly to_s?: number;
  /** Notices for the user (skipped signals, a truncated record, a bad start date). */
  readonly onNotice?: (message: string) => void;
  /** Now and then, the fraction of the file read (0..1). */
  readonly onProgress?: (fraction: number) => void;
}

/** What a reader yields, in file order: a record's annotations before its samples. */
export type EdfItem = { readonly kind: 'block'; readonly block: SampleBlock } | { readonly kind: 'annotation'; readonly annotation: EdfAnnotation };

export interface EdfSignal {
  readonly info: EdfFileInfo;
  /** The chosen signals, in the order asked for. */
  readonly selected: readonly EdfSignalInfo[];
  readonly channels: readonly string[];
  readonly fs_Hz: number;
  /**
   * Onset of the first data record, in seconds after the header start time (0 for plain
   * EDF; e.g. 0.3945312 for a sub-second start). Session sample index 0 is there; a TAL
   * onset t is at index round((t - dataStart_s) * fs_Hz).
   */
  readonly dataStart_s: number;
  /**
   * Blocks of Float32Array samples in microvolts (the header's grid via
   * signals/quantizationGrid.ts toPhysical; mV, V and nV signals scaled to uV after it,
   * other dimensions passed through with a notice) and annotations. EDF+D jumps, and neuroloop's
   * [lost] spans, are jumps in firstIndex.
   */
  readonly items: AsyncIterable<EdfItem>;
}
