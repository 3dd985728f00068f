import type { SignalsConfig } from '../config/schema.js';
import type { Band } from '../signals/band.js';
import type { BiomarkerSpec } from '../signals/biomarker.js';
import type { FeatureExtractorOptions } from '../signals/featureExtractor.js';
import { designFilterChain } from '../signals/filterChain.js';

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
  return {
    fs_Hz,
    channels,
    window,
    hop: signals.hop_samples ?? defaultHop(window),
    segment: signals.segment_samples ?? window,
    bands,
    filter: designFilterChain(signals.filters, fs_Hz),
    biomarker,
    bandPowerMethod: signals.band_power_method,
  };
}
