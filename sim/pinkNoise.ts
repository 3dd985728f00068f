/**
 * 1/f ("pink") noise from white noise, with Paul Kellet's refined filter (a sum of
 * first-order low-passes; coefficients as published on musicdsp.org, 1999). Accurate to
 * about 0.05 dB above 1/1000 of the sample rate, which covers the EEG bands at any fs
 * used here. The output gain is normalised to about unit standard deviation.
 */
/**
 * Filters `white[c]` of every channel in place, turning white noise into pink. `state`
 * holds the seven filter memories of each channel, one row per channel.
 */
export function pinkNoiseInto(state: Float64Array, white: Float64Array, channels: number): void {
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

/** Measured (2e6 samples): the filter's output standard deviation for unit white input is 3.05. */
const PINK_GAIN = 1 / 3.05;
