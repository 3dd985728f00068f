import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/**
 * The simulator's only source of randomness: xoroshiro128+ from pure-rand, seeded. Every
 * draw happens in a fixed order per sample, so the same seed gives the same signal
 * whatever the block size or pacing.
 */
export class SeededRandom {
  private readonly rng;
  private spareNormal = Number.NaN;

  constructor(seed: number) {
    this.rng = xoroshiro128plus(seed >>> 0);
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return uniformFloat64(this.rng);
  }

  /**
   * Fills `out[0..count)` with standard normals. One call per sample for all channels keeps
   * the per-value path free of boxed return values (no garbage in the sample loop).
   */
  normalsInto(out: Float64Array, count: number): void {
    // The same sequence as calling normal() `count` times, written out so that nothing
    // returns a double through a call V8 may not inline.
    let i = 0;
    if (i < count && !Number.isNaN(this.spareNormal)) {
      out[i++] = this.spareNormal;
      this.spareNormal = Number.NaN;
    }
    while (i < count) {
      const u1 = 1 - uniformFloat64(this.rng);
      const u2 = uniformFloat64(this.rng);
      const r = Math.sqrt(-2 * Math.log(u1));
      out[i++] = r * Math.cos(2 * Math.PI * u2);
      if (i < count) out[i++] = r * Math.sin(2 * Math.PI * u2);
      else this.spareNormal = r * Math.sin(2 * Math.PI * u2);
    }
  }

  /** Standard normal, by the Box-Muller transform (pairs, the second kept for the next call). */
  normal(): number {
    if (!Number.isNaN(this.spareNormal)) {
      const spare = this.spareNormal;
      this.spareNormal = Number.NaN;
      return spare;
    }
    const u1 = 1 - this.uniform(); // (0, 1]: log stays finite
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spareNormal = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }
}
