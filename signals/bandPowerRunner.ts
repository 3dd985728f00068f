import { type BandPowerSpec, ChannelBandPower } from './channelBandPower.js';

/**
 * Where a signal path's band power is computed: the window rings it fills and the power it
 * reads back live here, so that a runner can put them in memory other threads see. The
 * signal path writes samples into `rings`, calls `compute(start)` at each window end and
 * reads `power[band][channel]` before the next call.
 */
export interface BandPowerRunner {
  /** One ring per channel, 2 * window samples each. */
  readonly rings: readonly Float64Array[];
  /** [band][channel]: the last compute's result. */
  readonly power: readonly Float64Array[];
  /** Band power of every channel for the windows starting at ring position `start`. Throws if it cannot (a worker gone). */
  compute(start: number): void;
  /** Samples [index, index + length) were just written to every ring (runners that work as samples arrive). */
  ingested?(index: number, length: number): void;
  /** Releases what the runner holds (threads). Idempotent. */
  close(): void;
}

/** Makes the runner of one signal path; the default is inThreadBandPower. */
export type BandPowerRunnerFactory = (spec: BandPowerSpec) => BandPowerRunner;

/** The default: every channel on the calling thread, in plain memory. */
export function inThreadBandPower(spec: BandPowerSpec): BandPowerRunner {
  const kernel = new ChannelBandPower(spec);
  const rings = Array.from({ length: spec.channels }, () => new Float64Array(2 * spec.window));
  const power = spec.bands.map(() => new Float64Array(spec.channels));
  return {
    rings,
    power,
    compute: (start) => kernel.compute(rings, start, 0, spec.channels, power),
    close: () => undefined,
  };
}
