import type { Observable } from 'rxjs';
import type { SampleBlock } from '../signals/sampleBlock.js';

/**
 * Counters a hardware source keeps (the summary's `driver.source`). `samples + gapSamples`
 * is every sample index the session has passed: read and lost add up to what was expected.
 */
export interface AdcCounters {
  /** Samples delivered (per channel: one sample is one value on every channel). */
  samples: number;
  /** Sample indices skipped because their conversions were lost. */
  gapSamples: number;
  /** Separate runs of lost samples. */
  gaps: number;
  /** I2C transfers that failed (each retry that fails counts). */
  i2cErrors: number;
  /** Transfers tried again after a failure. */
  retries: number;
  /** Conversions read and thrown away because they were made with the previous input (MUX change). */
  staleDiscarded: number;
  /** Samples at either end of the ADC's range. */
  saturatedSamples: number;
  /** Times the ALERT/RDY line went quiet and the driver fell back to polling. */
  rdyTimeouts: number;
  /** Sample rate per channel from the chip's own conversion timing (its oscillator is within about 10 %). Null until measured. */
  measuredFs_Hz: number | null;
}

/**
 * A source of sample blocks independent of its transport: an ADC on I2C today, SPI chips
 * (ADS1299) later. Subscribing to `blocks()` starts acquisition; unsubscribing stops it.
 * Lost samples are index gaps, never filled.
 */
export interface SampleSourcePort {
  readonly channels: readonly string[];
  /** Nominal sample rate per channel, from the configured data rate. */
  readonly fs_Hz: number;
  blocks(): Observable<SampleBlock>;
  counters(): AdcCounters;
  /** Leaves the chip idle and the lines released. Safe to call twice. */
  close(): Promise<void>;
}
