import type { SampleBlock } from './sampleBlock.js';

/**
 * The integer grid a recording stores samples on (EDF/BDF: a digital range mapped
 * linearly onto a physical range). The live path and the file share it (docs/design.md,
 * Recording): a live source's samples are put on the grid before the session sees them,
 * and the reader turns the stored integers back with the same arithmetic, so a replay of
 * a recording sees the very numbers the live session saw.
 *
 * An inverted range (physicalMin > physicalMax) is legal in EDF: the sign flips.
 */
export interface QuantizationGrid {
  readonly physicalMin: number;
  readonly physicalMax: number;
  readonly digitalMin: number;
  readonly digitalMax: number;
}

/** Physical units per digital step (negative for an inverted range). */
export function gridGain(grid: QuantizationGrid): number {
  return (grid.physicalMax - grid.physicalMin) / (grid.digitalMax - grid.digitalMin);
}

/**
 * Digital value to physical value. The one formula both sides use: writer, reader and
 * the live path must not each write their own (a different order of operations can
 * differ in the last bit, and the traces with it).
 */
export function toPhysical(grid: QuantizationGrid, gain: number, digital: number): number {
  return grid.physicalMin + (digital - grid.digitalMin) * gain;
}

/** Physical value to the nearest digital value, clamped to the digital range; NaN gives digitalMin. */
export function toDigital(grid: QuantizationGrid, gain: number, physical: number): number {
  if (Number.isNaN(physical)) return grid.digitalMin;
  const d = Math.round((physical - grid.physicalMin) / gain) + grid.digitalMin;
  const lo = Math.min(grid.digitalMin, grid.digitalMax);
  const hi = Math.max(grid.digitalMin, grid.digitalMax);
  return d < lo ? lo : d > hi ? hi : d;
}

/**
 * Puts every sample of a block on its channel's grid, as Float32 (what a reader of the
 * file yields). In place when the block already holds Float32Arrays (no allocation on the
 * live path); returns the number of samples that were outside the range and clipped.
 */
export function snapBlockToGrids(block: SampleBlock, grids: readonly QuantizationGrid[], gains: readonly number[]): { block: SampleBlock; clipped: number } {
  let clipped = 0;
  const data = block.data.map((channel, c) => {
    const grid = grids[c];
    const gain = gains[c];
    const lo = Math.min(grid.physicalMin, grid.physicalMax);
    const hi = Math.max(grid.physicalMin, grid.physicalMax);
    const out = channel instanceof Float32Array ? channel : new Float32Array(channel.length);
    for (let i = 0; i < channel.length; i++) {
      const x = channel[i];
      if (x < lo || x > hi) clipped++;
      out[i] = toPhysical(grid, gain, toDigital(grid, gain, x));
    }
    return out;
  });
  return { block: { ...block, data }, clipped };
}
