// Type declarations for fft.js 4.x (the package ships none). Only what neuroloop uses.
declare module 'fft.js' {
  type NumericArray = { [index: number]: number; readonly length: number };
  export default class FFT {
    constructor(size: number);
    readonly size: number;
    createComplexArray(): number[];
    /** Complex-to-complex forward transform; `out` and `data` are interleaved re/im. */
    transform(out: NumericArray, data: NumericArray): void;
    /** Real input of `size` samples; fills `out` (interleaved) for bins 0..size/2. */
    realTransform(out: NumericArray, data: NumericArray): void;
    /** Inverse complex transform, scaled by 1/size. */
    inverseTransform(out: NumericArray, data: NumericArray): void;
    completeSpectrum(spectrum: NumericArray): void;
  }
}
