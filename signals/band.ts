/** A named frequency band, half-open: lo_Hz <= f < hi_Hz. */
export interface Band {
  readonly name: string;
  readonly lo_Hz: number;
  readonly hi_Hz: number;
}

/** The default EEG bands of `neuroloop features`. */
export const DEFAULT_BANDS: readonly Band[] = [
  { name: 'delta', lo_Hz: 1, hi_Hz: 4 },
  { name: 'theta', lo_Hz: 4, hi_Hz: 8 },
  { name: 'alpha', lo_Hz: 8, hi_Hz: 13 },
  { name: 'beta', lo_Hz: 13, hi_Hz: 30 },
  { name: 'gamma', lo_Hz: 30, hi_Hz: 45 },
];

/** Range of PSD bins [first, end) whose frequency lies in [lo, hi). Empty if none does. */
export function bandBins(frequencies_Hz: Float64Array, band: Band): { first: number; end: number } {
  let first = 0;
  while (first < frequencies_Hz.length && frequencies_Hz[first] < band.lo_Hz) first++;
  let end = first;
  while (end < frequencies_Hz.length && frequencies_Hz[end] < band.hi_Hz) end++;
  return { first, end };
}

/**
 * Band power: the integral of the PSD over the band, sum(P_k) * df over the half-open
 * band's bins, in input units squared (not a mean, not an amplitude).
 */
export function bandPowerFromPsd(psd: Float64Array, df_Hz: number, first: number, end: number): number {
  let sum = 0;
  for (let k = first; k < end; k++) sum += psd[k];
  return sum * df_Hz;
}
