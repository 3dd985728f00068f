/**
 * 1/f ("pink") noise from white noise, with Paul Kellet's refined filter (a sum of
 * first-order low-passes; coefficients as published on musicdsp.org, 1999). Accurate to
 * about 0.05 dB above 1/1000 of the sample rate, which covers the EEG bands at any fs
 * used here. The output gain is normalised to about unit standard deviation.
 */
export class PinkNoise {
  /** Filters `white[c]` of every channel in place: state is one row of seven per channel. */
  static bankInto(state: Float64Array, white: Float64Array, channels: number): void {
    for (let c = 0; c < channels; c++) {
      const k = c * 7;
      const w = white[c];
      state[k] = 0.99886 * state[k] + w * 0.0555179;
      state[k + 1] = 0.99332 * state[k + 1] + w * 0.0750759;
      state[k + 2] = 0.969 * state[k + 2] + w * 0.153852;
      state[k + 3] = 0.8665 * state[k + 3] + w * 0.3104856;
      state[k + 4] = 0.55 * state[k + 4] + w * 0.5329522;
      state[k + 5] = -0.7616 * state[k + 5] - w * 0.016898;
      const pink = state[k] + state[k + 1] + state[k + 2] + state[k + 3] + state[k + 4] + state[k + 5] + state[k + 6] + w * 0.5362;
      state[k + 6] = w * 0.115926;
      white[c] = pink * PINK_GAIN;
    }
  }

  private b0 = 0;
  private b1 = 0;
  private b2 = 0;
  private b3 = 0;
  private b4 = 0;
  private b5 = 0;
  private b6 = 0;

  next(white: number): number {
    this.b0 = 0.99886 * this.b0 + white * 0.0555179;
    this.b1 = 0.99332 * this.b1 + white * 0.0750759;
    this.b2 = 0.969 * this.b2 + white * 0.153852;
    this.b3 = 0.8665 * this.b3 + white * 0.3104856;
    this.b4 = 0.55 * this.b4 + white * 0.5329522;
    this.b5 = -0.7616 * this.b5 - white * 0.016898;
    const pink = this.b0 + this.b1 + this.b2 + this.b3 + this.b4 + this.b5 + this.b6 + white * 0.5362;
    this.b6 = white * 0.115926;
    return pink * PINK_GAIN;
  }
}

/** Measured: the filter's output standard deviation for unit white input is about 3.3. */
const PINK_GAIN = 1 / 3.3;
