import { ComplexDft } from './complexDft.js';

/** An analytic signal x + i H{x}, one number per sample in each array. */
export interface AnalyticSignal {
  readonly re: Float64Array;
  readonly im: Float64Array;
}

/**
 * The analytic signal of a whole real sequence, as `scipy.signal.hilbert(x)` computes it
 * (Marple 1999, "Computing the discrete-time analytic signal via FFT", IEEE Trans. Signal
 * Process. 47(9)): the DFT of all N samples, the negative frequencies set to zero, the
 * positive ones doubled, DC and (N even) Nyquist kept once, then the inverse DFT. Any N:
 * the DFT is the project's ComplexDft (fft.js for powers of two, mixed radix for 2-3-5-7
 * lengths, Bluestein otherwise), and the inverse is the same plan run on the conjugate
 * (ifft(X) = conj(fft(conj(X))) / N).
 *
 * Non-causal: every output sample depends on the whole input, and the DFT's wrap-around
 * distorts the ends (the Gibbs effect ecHT corrects, signals/causalPhaseEstimator.ts).
 * Offline: it allocates per call.
 */
export function analyticSignal(x: ArrayLike<number>): AnalyticSignal {
  const n = x.length;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  if (n === 0) return { re, im };
  if (n === 1) {
    re[0] = x[0];
    return { re, im };
  }
  const dft = new ComplexDft(n);
  const buffer = new Float64Array(2 * n);
  const spectrum = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) buffer[2 * i] = x[i];
  dft.forward(buffer, spectrum, n);

  // h[k]: 1 at DC, 2 for 0 < k < N/2, 1 at k = N/2 when N is even, 0 above.
  const positiveEnd = n % 2 === 0 ? n / 2 : (n + 1) / 2;
  for (let k = 0; k < n; k++) {
    const h = k === 0 || (n % 2 === 0 && k === n / 2) ? 1 : k < positiveEnd ? 2 : 0;
    // Conjugated on the way in, for the inverse through the forward plan.
    buffer[2 * k] = h * spectrum[2 * k];
    buffer[2 * k + 1] = -h * spectrum[2 * k + 1];
  }
  dft.forward(buffer, spectrum, n);
  for (let i = 0; i < n; i++) {
    re[i] = spectrum[2 * i] / n;
    im[i] = -spectrum[2 * i + 1] / n;
  }
  return { re, im };
}

/** Instantaneous phase atan2(im, re) in (-pi, pi] (0 at a cosine's peak, pi at its trough) and amplitude |z|. */
export function phaseAndAmplitude(z: AnalyticSignal): { phase_rad: Float64Array; amplitude: Float64Array } {
  const n = z.re.length;
  const phase_rad = new Float64Array(n);
  const amplitude = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const phase = Math.atan2(z.im[i], z.re[i]);
    // atan2 gives -pi for (-1, -0); the convention here is (-pi, pi].
    phase_rad[i] = phase === -Math.PI ? Math.PI : phase;
    amplitude[i] = Math.hypot(z.re[i], z.im[i]);
  }
  return { phase_rad, amplitude };
}
