/**
 * The unit of signal that flows through neuroloop (docs/design.md, Data contracts).
 *
 * `data[c][i]` is channel `c` at session sample index `firstIndex + i`, in microvolts.
 * Live sources (ADC, simulator) carry Float32Array, which holds a 24-bit ADC code exactly.
 * File sources may carry Float64Array so that text data keeps every digit it was written
 * with; everything downstream computes in float64 either way.
 */
export type SampleArray = Float32Array | Float64Array;

export interface SampleBlock {
  /** Session sample index of data[c][0]. Never goes back; a jump is a gap (lost samples). */
  readonly firstIndex: number;
  readonly fs_Hz: number;
  /** Channel names, one per entry of `data`. */
  readonly channels: readonly string[];
  readonly data: readonly SampleArray[];
  /** Optional per-block flags raised by the source (e.g. ADC saturation). */
  readonly flags?: readonly string[];
}

/** Number of samples per channel in a block. */
export function blockLength(block: SampleBlock): number {
  return block.data.length === 0 ? 0 : block.data[0].length;
}

/**
 * Checks the invariants of one block and throws a message naming what is wrong.
 * Called at the edges of the signal path, not per sample.
 */
export function assertValidBlock(block: SampleBlock, expectedChannels: number, expectedFs_Hz: number): void {
  if (block.data.length !== expectedChannels) {
    throw new Error(`sample block at index ${block.firstIndex}: expected ${expectedChannels} channels, got ${block.data.length}`);
  }
  if (block.fs_Hz !== expectedFs_Hz) {
    throw new Error(`sample block at index ${block.firstIndex}: expected fs_Hz ${expectedFs_Hz}, got ${block.fs_Hz}`);
  }
  const n = blockLength(block);
  for (let c = 1; c < block.data.length; c++) {
    if (block.data[c].length !== n) {
      throw new Error(`sample block at index ${block.firstIndex}: channel ${c} has ${block.data[c].length} samples, channel 0 has ${n}`);
    }
  }
  if (!Number.isSafeInteger(block.firstIndex) || block.firstIndex < 0) {
    throw new Error(`sample block: firstIndex must be a non-negative integer, got ${block.firstIndex}`);
  }
}
