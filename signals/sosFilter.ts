import type { SosCoefficients } from './sos.js';

/**
 * A cascade of second-order sections run causally on several channels, each with its own
 * float64 state carried from one call to the next (Direct Form II transposed), so a signal
 * cut into blocks of any length filters exactly as the whole signal would.
 */
export class SosFilterBank {
  readonly sections: number;
  readonly channels: number;
  private readonly sos: Float64Array;
  /** [channel][section][2] flattened. */
  private readonly state: Float64Array;

  constructor(coefficients: SosCoefficients, channels: number) {
    this.sections = coefficients.sections;
    this.channels = channels;
    this.sos = Float64Array.from(coefficients.sos);
    this.state = new Float64Array(channels * this.sections * 2);
  }

  reset(): void {
    this.state.fill(0);
  }

  /**
   * Filters `length` samples of `channel` from `input[inputOffset..]` into
   * `output[outputOffset..]`. Input and output may be the same array. Allocates nothing.
   */
  process(
    channel: number,
    input: ArrayLike<number>,
    inputOffset: number,
    output: { [index: number]: number },
    outputOffset: number,
    length: number,
  ): void {
    const sos = this.sos;
    const state = this.state;
    const base = channel * this.sections * 2;
    const sections = this.sections;
    for (let i = 0; i < length; i++) {
      let x = input[inputOffset + i];
      for (let s = 0; s < sections; s++) {
        const k = s * 6;
        const zi = base + s * 2;
        const y = sos[k] * x + state[zi];
        state[zi] = sos[k + 1] * x - sos[k + 4] * y + state[zi + 1];
        state[zi + 1] = sos[k + 2] * x - sos[k + 5] * y;
        x = y;
      }
      output[outputOffset + i] = x;
    }
  }
}

/** Offline convenience: filters a whole signal from rest, like scipy.signal.sosfilt. */
export function sosfilt(coefficients: SosCoefficients, x: ArrayLike<number>): Float64Array {
  const bank = new SosFilterBank(coefficients, 1);
  const y = new Float64Array(x.length);
  bank.process(0, x, 0, y, 0, x.length);
  return y;
}
