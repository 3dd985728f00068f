import type { SignalsConfig } from '../config/schema.js';
import type { Band } from '../signals/band.js';
import type { BiomarkerSpec } from '../signals/biomarker.js';
import type { FeatureExtractorOptions } from '../signals/featureExtractor.js';
import { designFilterChain } from '../signals/filterChain.js';

/** Fewer windows than this cannot make a baseline's mean and SD, let alone its percentiles. */
export const MIN_BASELINE_WINDOWS = 5;

/** `window / 4`, at least one sample: the default hop everywhere. */
export const defaultHop = (window: number): number => Math.max(1, Math.floor(window / 4));

/**
 * Turns the validated `signals` section into the options of the signal path for a source
 * with these channels and this sample rate. Throws, naming the config key, for what only
 * the source can tell (a biomarker channel name the source does not have).
 */
export function signalPathOptions(signals: SignalsConfig, channels: readonly string[], fs_Hz: number): FeatureExtractorOptions {
  const bands: Band[] = Object.entries(signals.bands).map(([name, b]) => ({ name, lo_Hz: b.lo_Hz, hi_Hz: b.hi_Hz }));
  const window = signals.window_samples;
  let biomarker: BiomarkerSpec | null = null;
  if (signals.biomarker) {
    const spec = signals.biomarker;
    biomarker = {
      terms: spec.terms.map((term, i) => {
        const channel = typeof term.channel === 'number' ? term.channel : channels.indexOf(term.channel);
        if (channel < 0 || channel >= channels.length) {
          throw new Error(`signals.biomarker.terms[${i}].channel: the source has no channel ${JSON.stringify(term.channel)} (channels: ${channels.join(', ')})`);
        }
        return { channel, band: bands.findIndex((b) => b.name === term.band), weight: term.weight };
      }),
      offset: spec.offset,
      scale: spec.scale,
      log10: spec.log10,
      averageFrames: spec.average_frames,
      baseline_s: spec.baseline_s,
    };
  }
  const hop = signals.hop_samples ?? defaultHop(window);
  const segment = signals.segment_samples ?? window;
  // A band between two bins of the spectrum is always empty: its power would be 0 in every window and no frame valid.
  const df_Hz = fs_Hz / segment;
  for (const b of bands) {
    if (Math.ceil(b.lo_Hz / df_Hz) * df_Hz >= b.hi_Hz) {
      const needed = Math.ceil(fs_Hz / (b.hi_Hz - b.lo_Hz));
      const what = signals.segment_samples === undefined ? 'window_samples' : 'segment_samples';
      throw new Error(`signals.bands.${b.name}: ${b.lo_Hz}-${b.hi_Hz} Hz holds no frequency bin of a ${segment}-sample ${what === 'window_samples' ? 'window' : 'segment'} at ${fs_Hz} Hz (bins every ${round3(df_Hz)} Hz): set signals.${what} to ${needed} or more`);
    }
  }
  const baseline_s = biomarker?.baseline_s ?? 0;
  if (baseline_s > 0) {
    const samples = Math.floor(baseline_s * fs_Hz);
    const windows = samples < window ? 0 : Math.floor((samples - window) / hop) + 1;
    if (windows < MIN_BASELINE_WINDOWS) {
      throw new Error(
        `signals.biomarker.baseline_s: ${baseline_s} s at ${fs_Hz} Hz holds ${windows} window(s) of ${window} samples every ${hop}; the baseline needs at least ${MIN_BASELINE_WINDOWS} (a longer baseline_s, or a shorter window_samples or hop_samples)`,
      );
    }
  }
  return {
    fs_Hz,
    channels,
    window,
    hop,
    segment,
    bands,
    filter: designFilterChain(signals.filters, fs_Hz),
    biomarker,
    bandPowerMethod: signals.band_power_method,
  };
}

const round3 = (x: number): number => Number(x.toPrecision(3));
