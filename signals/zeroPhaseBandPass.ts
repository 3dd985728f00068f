import { butterworthSos } from './butterworth.js';
import type { SosCoefficients } from './sos.js';

/**
 * Zero-phase filtering of a whole recording, forward then backward, exactly as
 * `scipy.signal.sosfiltfilt(sos, x)` does it with its defaults (SciPy 1.17,
 * scipy/signal/_signaltools.py):
 *
 * - padtype 'odd': x is extended at each end by `padlen` samples reflected through the
 *   end sample (2 x[0] - x[padlen..1] before, 2 x[n-1] - x[n-2..n-1-padlen] after), so the
 *   filter starts and stops on a continuation of the signal, not on a step;
 * - padlen = 3 * (2 * sections + 1 - min(#(b2 == 0), #(a2 == 0))), the count of sections
 *   whose numerator, resp. denominator, is really of first order;
 * - initial state `sosfilt_zi(sos) * ext[0]` for the forward pass and
 *   `sosfilt_zi(sos) * y[last]` for the backward pass: the state a constant input of that
 *   value would have left, so a signal that starts on a DC level has no start-up transient;
 * - the padding cut off again.
 *
 * The result has the magnitude response |H|^2 and no phase shift: this is the offline,
 * non-causal "ground truth" band of Zrenner et al. 2020 (NeuroImage 214), never something
 * the loop can run. Offline: it allocates per call.
 */
export function sosfiltfilt(coefficients: SosCoefficients, x: ArrayLike<number>): Float64Array {
  const { sos, sections } = coefficients;
  let firstOrderNumerators = 0;
  let firstOrderDenominators = 0;
  for (let s = 0; s < sections; s++) {
    if (sos[6 * s + 2] === 0) firstOrderNumerators++;
    if (sos[6 * s + 5] === 0) firstOrderDenominators++;
  }
  const padlen = 3 * (2 * sections + 1 - Math.min(firstOrderNumerators, firstOrderDenominators));
  const n = x.length;
  // SciPy refuses x.shape[axis] <= padlen (an odd extension needs padlen samples to reflect).
  if (n <= padlen) {
    throw new Error(`zero-phase filter: the signal must be longer than padlen ${padlen} samples (3 per filter tap of ${sections} sections), got ${n}`);
  }

  const total = n + 2 * padlen;
  const ext = new Float64Array(total);
  const first = x[0];
  const last = x[n - 1];
  for (let i = 0; i < padlen; i++) ext[i] = 2 * first - x[padlen - i];
  for (let i = 0; i < n; i++) ext[padlen + i] = x[i];
  for (let i = 0; i < padlen; i++) ext[padlen + n + i] = 2 * last - x[n - 2 - i];

  const zi = steadyStateUnitStep(coefficients);
  const state = new Float64Array(2 * sections);
  for (let k = 0; k < state.length; k++) state[k] = zi[k] * ext[0];
  runSosInPlace(sos, sections, state, ext, 1);
  const end = ext[total - 1];
  for (let k = 0; k < state.length; k++) state[k] = zi[k] * end;
  runSosInPlace(sos, sections, state, ext, -1);
  return ext.slice(padlen, padlen + n);
}

/**
 * `scipy.signal.sosfilt_zi`: per section, the Direct Form II transposed state [z1, z2]
 * that a unit step held forever leaves, times the DC gain of the sections before it (their
 * steady output is this section's input). For one section with DC gain g = sum(b) / sum(a),
 * the steady output is g, so z1 = g - b0 and z2 = b2 - a2 g (the same numbers as
 * scipy.signal.lfilter_zi's linear solve, in closed form). A section with a pole at z = 1
 * has no steady state; a Butterworth band-pass never has one.
 */
export function steadyStateUnitStep(coefficients: SosCoefficients): Float64Array {
  const { sos, sections } = coefficients;
  const zi = new Float64Array(2 * sections);
  let scale = 1;
  for (let s = 0; s < sections; s++) {
    const k = 6 * s;
    const [b0, b1, b2, a0, a1, a2] = [sos[k], sos[k + 1], sos[k + 2], sos[k + 3], sos[k + 4], sos[k + 5]];
    const gain = (b0 + b1 + b2) / (a0 + a1 + a2);
    zi[2 * s] = scale * (gain - b0);
    zi[2 * s + 1] = scale * (b2 - a2 * gain);
    scale *= gain;
  }
  return zi;
}

/** Direct Form II transposed over `data` in place, forward (step 1) or from the end back (step -1). */
function runSosInPlace(sos: Float64Array, sections: number, state: Float64Array, data: Float64Array, step: 1 | -1): void {
  const n = data.length;
  for (let j = 0; j < n; j++) {
    const i = step === 1 ? j : n - 1 - j;
    let v = data[i];
    for (let s = 0; s < sections; s++) {
      const k = 6 * s;
      const z = 2 * s;
      const y = sos[k] * v + state[z];
      state[z] = sos[k + 1] * v - sos[k + 4] * y + state[z + 1];
      state[z + 1] = sos[k + 2] * v - sos[k + 5] * y;
      v = y;
    }
    data[i] = v;
  }
}

/** A band by its edges in Hz, as the Butterworth design takes them. */
export interface BandEdges {
  readonly lo_Hz: number;
  readonly hi_Hz: number;
}

/**
 * `sosfiltfilt(butter(order, [lo, hi], 'bandpass', fs=fs, output='sos'), x)`: the
 * project's Butterworth design (signals/butterworth.ts, held to SciPy's to 1e-9) run
 * forward and backward. `order` is butter's N: the band-pass has 2N poles, and the
 * forward-backward pass squares its magnitude response.
 */
export function zeroPhaseBandPass(x: ArrayLike<number>, fs_Hz: number, band: BandEdges, order: number): Float64Array {
  const sos = butterworthSos({ kind: 'bandpass', order, cutoff_Hz: [band.lo_Hz, band.hi_Hz], fs_Hz });
  return sosfiltfilt(sos, x);
}
