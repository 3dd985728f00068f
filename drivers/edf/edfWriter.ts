// TEMPORARY STUB so main compiles until the writer branch lands (removed before merging it).
import type { QuantizationGrid } from '../../signals/quantizationGrid.js';
import type { SampleBlock } from '../../signals/sampleBlock.js';
import type { EdfFormat, RecordDuration } from './edfLayout.js';

export interface EdfWriterSignal { readonly label: string; readonly physicalDimension: string; readonly transducer?: string; readonly prefiltering?: string; readonly grid: QuantizationGrid }
export interface EdfWriterOptions {
  readonly path: string;
  readonly format: EdfFormat;
  readonly fs_Hz: number;
  readonly start: Date;
  readonly patient?: { code?: string; sex?: 'M' | 'F'; birthdate?: Date; name?: string };
  readonly recording: { admincode?: string; technician?: string; equipment: string };
  readonly signals: readonly EdfWriterSignal[];
  readonly annotationBytesPerRecord?: number;
  readonly sync_ms?: number;
}
export class EdfWriter {
  readonly record: RecordDuration = { field: '1', duration_s: 1, samples: 1 };
  readonly grids: readonly QuantizationGrid[] = [];
  static async create(_o: EdfWriterOptions): Promise<EdfWriter> {
    throw new Error('writer not built yet');
  }
  write(_block: SampleBlock): void {}
  annotate(_onset_s: number, _text: string, _duration_s?: number): void {}
  counters(): { records: number; samples: number; clippedSamples: number; lostSamples: number; annotations: number; bytes: number } {
    return { records: 0, samples: 0, clippedSamples: 0, lostSamples: 0, annotations: 0, bytes: 0 };
  }
  async close(_endReason: string): Promise<void> {}
  abandon(): void {}
}
