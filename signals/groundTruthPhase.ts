import { analyticSignal, phaseAndAmplitude } from './analyticSignal.js';
import { type BandEdges, zeroPhaseBandPass } from './zeroPhaseBandPass.js';

/** The offline truth about a band: its zero-phase filtered signal, instantaneous phase and amplitude. */
export interface BandGroundTruth {
  /** sosfiltfilt(butter(order, band, 'bandpass'), x), in the input's units. */
  readonly filtered: Float64Array;
  /** angle(hilbert(filtered)) in (-pi, pi]: 0 at the band's peaks, pi at its troughs. */
  readonly phase_rad: Float64Array;
  /** abs(hilbert(filtered)), in the input's units. */
  readonly amplitude: Float64Array;
}

/**
 * The ground truth of real-time phase estimation as Zrenner et al. 2020 (NeuroImage 214,
 * "The shaky ground truth of real-time phase estimation") define it: a non-causal,
 * zero-phase band-pass over the whole recording (here SciPy's sosfiltfilt of a Butterworth
 * band-pass, signals/zeroPhaseBandPass.ts) and the Hilbert transform of the result
 * (signals/analyticSignal.ts). Known only after the fact; it is what the causal estimate
 * (signals/causalPhaseEstimator.ts) is judged against. Their point stands: the "truth"
 * depends on the chosen band and filter, so the band and order go with every figure.
 */
export function groundTruthPhase(x: ArrayLike<number>, fs_Hz: number, band: BandEdges, order: number): BandGroundTruth {
  const filtered = zeroPhaseBandPass(x, fs_Hz, band, order);
  const { phase_rad, amplitude } = phaseAndAmplitude(analyticSignal(filtered));
  return { filtered, phase_rad, amplitude };
}
