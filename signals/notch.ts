import { type SosCoefficients, sosFromRows } from './sos.js';

/**
 * Second-order IIR notch at `freq_Hz` with quality factor `Q` (-3 dB width = freq / Q),
 * the bilinear-transform design of S. J. Orfanidis, "Introduction to Signal Processing"
 * (1996), which scipy.signal.iirnotch also implements; golden-tested against it.
 */
export function notchSos(freq_Hz: number, Q: number, fs_Hz: number): SosCoefficients {
  if (!(freq_Hz > 0 && freq_Hz < fs_Hz / 2)) {
    throw new Error(`notch frequency ${freq_Hz} Hz must be inside (0, ${fs_Hz / 2}) Hz at fs ${fs_Hz} Hz`);
  }
  if (!(Q > 0) || !Number.isFinite(Q)) throw new Error(`notch Q must be a positive number, got ${Q}`);
  const w0 = (2 * Math.PI * freq_Hz) / fs_Hz;
  const bandwidth = w0 / Q;
  // With the -3 dB convention the gain-at-edge factor sqrt(1 - g^2)/g is exactly 1.
  const beta = Math.tan(bandwidth / 2);
  const gain = 1 / (1 + beta);
  const c = Math.cos(w0);
  return sosFromRows([[gain, -2 * gain * c, gain, 1, -2 * gain * c, 2 * gain - 1]]);
}
