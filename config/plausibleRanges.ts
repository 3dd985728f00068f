/**
 * Bounds on the numbers a user gives on the command line or in a signal file. They are
 * far beyond any real recording, and low enough that a typo (`--fs 1e9`, `--window 1e8`,
 * a t column jumping to 1e12 s) is refused at once instead of exhausting memory or time.
 * The config schema (config/schema.ts) takes its sample-rate, channel, window and seed
 * bounds from here too (the config keeps any positive sample rate below the maximum).
 */
export const PLAUSIBLE = {
  /** Sample rate, Hz. */
  fs_Hz: { min: 1, max: 100_000 },
  channels: { min: 1, max: 256 },
  /** Window, segment and hop, samples (2^20: about 3.5 min at 5 kHz, 8 MB per channel). */
  window_samples: { max: 2 ** 20 },
  /** A duration asked for (sim --duration, run --duration): up to 7 days. */
  duration_s: { max: 7 * 24 * 3600 },
  seed: { min: 0, max: 2 ** 32 - 1 },
  /** A gap in a t column: at most 24 h and at most 1e7 samples. */
  gap_s: { max: 24 * 3600 },
  gap_samples: { max: 1e7 },
} as const;
