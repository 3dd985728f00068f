import { limitsSchema } from '../config/limitsSchema.js';
import { simSourceSchema } from '../config/schema.js';
import type { GpioLevel, GpioOutputLine } from '../controller/gpio.js';
import { createPolicy } from '../controller/policies/createPolicy.js';
import { BurstPattern } from '../controller/policies/burstPattern.js';
import { PhaseLockedTrigger } from '../controller/policies/phaseLockedTrigger.js';
import type { PulseSchedule } from '../controller/policies/pulseSchedule.js';
import type { Pulse, PulseStimulatorPort } from '../controller/ports.js';
import { PulseGovernor } from '../controller/pulseGovernor.js';
import { SafetyGovernor } from '../controller/safetyGovernor.js';
import { ClosedLoopSession } from '../controller/session.js';
import { TtlPulseStimulator } from '../drivers/gpio/ttlPulseStimulator.js';
import { TtlTrigger } from '../drivers/gpio/ttlTrigger.js';
import { realClock } from '../drivers/realClock.js';
import { channelNames, syntheticSource } from '../sim/syntheticSource.js';

/**
 * Latency from a sample's arrival to the TTL edge it causes (issue 12): the whole session
 * in real time (simulated source paced by the host clock, filters, band power, the pulse
 * schedule, the PulseGovernor, the TTL driver on the host clock), with the output line a
 * stand-in that notes the host time of each rising edge instead of writing a GPIO register
 * (on a Pi the sysfs or character-device write adds its own tens of microseconds; the
 * libgpiod tools backend spawns a process per edge and is far slower: docs/raspberry-pi.md).
 *
 * - `pulse-ttl-latency-phase-1000Hz`: alpha-peak triggering on one channel at 1 kHz in
 *   blocks of 10 samples, gpio.trigger.delay_ms 0: block arrival to edge (the software's
 *   own latency) and sample to edge (plus the pulse sample's age in its block).
 * - `pulse-ttl-spacing-itbs-1000Hz`: iTBS with delay_ms 20 (one block of 20 samples): how
 *   far the spacing of the edges on the line is from the pattern's (20 ms within a burst).
 */
export interface PulseLatencyResult {
  job: string;
  pulses: number;
  /** Block arrival (handed to the session) to the rising edge, ms. */
  arrival_to_edge_p50_ms: number;
  arrival_to_edge_p99_ms: number;
  /** p99 - p1 of arrival to edge: the jitter a lead_ms cannot compensate. */
  jitter_ms: number;
  /** The pulse's own sample to the edge (its age in the block added), ms. */
  sample_to_edge_p50_ms: number;
  sample_to_edge_p99_ms: number;
  /** iTBS only: |edge spacing - pattern spacing| within bursts, p50 / p99 / max, ms. */
  spacing_error_p50_ms?: number;
  spacing_error_p99_ms?: number;
  spacing_error_max_ms?: number;
  delay_ms: number;
  block_samples: number;
  /** Pulses the driver held back to keep limits.pulses.minInterval_ms on the line (their wait is in the latency). */
  held: number;
  /** Pulses whose block came later than delay_ms after their sample (sent at once). */
  late: number;
}

interface PulseLatencySpec {
  readonly job: string;
  readonly seconds: number;
  readonly block_samples: number;
  readonly delay_ms: number;
  readonly schedule: (fs_Hz: number) => PulseSchedule;
  readonly pulseLimits: { minInterval_ms: number; maxPerTrain: number; maxTrainDuration_ms: number; minInterTrain_ms: number; maxPerSession: number };
  readonly brain?: Record<string, number>;
}

const FS_HZ = 1000;

export const PULSE_LATENCY_JOBS: readonly PulseLatencySpec[] = [
  {
    job: 'pulse-ttl-latency-phase-1000Hz',
    seconds: 60,
    block_samples: 10,
    delay_ms: 0,
    // Alpha peaks, top half, at least 200 ms apart: about 2 pulses a second on this alpha.
    schedule: (fs_Hz) => new PhaseLockedTrigger({ channel: 0, targetPhase_deg: 0, band: { lo_Hz: 8, hi_Hz: 13 }, amplitudeGate: { kind: 'percentile', percentile: 50, over_s: 5 }, refractory_ms: 200 }, fs_Hz),
    // The limit below the refractory period, so that the line's minimum-interval hold (counted as held) stays out of the latency.
    pulseLimits: { minInterval_ms: 150, maxPerTrain: 1, maxTrainDuration_ms: 0, minInterTrain_ms: 150, maxPerSession: 100_000 },
    brain: { alphaAmplitude_uV: 10, alphaFrequencyWander_Hz: 0.5, alphaWaxWane: 0.8 },
  },
  {
    job: 'pulse-ttl-spacing-itbs-1000Hz',
    seconds: 42,
    block_samples: 20,
    delay_ms: 20,
    schedule: (fs_Hz) => new BurstPattern({ pulsesPerBurst: 3, pulseRate_Hz: 50, burstRate_Hz: 5, on_s: 2, off_s: 8, total: 600, start_s: 1 }, fs_Hz, 0),
    pulseLimits: { minInterval_ms: 20, maxPerTrain: 30, maxTrainDuration_ms: 2000, minInterTrain_ms: 8000, maxPerSession: 600 },
  },
];

const quantile = (sorted: Float64Array, q: number): number => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1) + 0.5))]);
const round = (v: number): number => Math.round(v * 1000) / 1000;

export async function runPulseLatencyJob(spec: PulseLatencySpec): Promise<PulseLatencyResult> {
  const sim = simSourceSchema.parse({ kind: 'sim', brain: spec.brain ?? {} });
  const names = channelNames(1);
  const source = syntheticSource({ fs_Hz: FS_HZ, channels: 1, seed: 3, brain: sim.brain, plant: sim.plant, block_samples: spec.block_samples, pacing: 'realtime', duration_s: spec.seconds }, () => undefined);
  const edges: number[] = [];
  let level: GpioLevel = 0;
  const line: GpioOutputLine = {
    get level() {
      return level;
    },
    set(next: GpioLevel): Promise<void> {
      if (next === 1 && level === 0) edges.push(performance.now());
      level = next;
      return Promise.resolve();
    },
    release: () => Promise.resolve(),
  };
  const ttl = new TtlPulseStimulator({
    trigger: new TtlTrigger({ line, activeLevel: 'high', pulseWidth_us: 1000, clock: realClock }),
    clock: realClock,
    fs_Hz: FS_HZ,
    minInterval_ms: spec.pulseLimits.minInterval_ms,
    delay_ms: spec.delay_ms,
  });
  let arrival_ms = 0;
  const fired: { arrival_ms: number; age_ms: number; index: number }[] = [];
  const port: PulseStimulatorPort = {
    fire(pulse: Pulse): void {
      fired.push({ arrival_ms, age_ms: ((pulse.blockEnd - 1 - pulse.index) * 1000) / FS_HZ, index: pulse.index });
      ttl.fire(pulse);
    },
    halt: (reason) => ttl.halt(reason),
    resume: () => ttl.resume(),
  };
  const limits = limitsSchema.parse({ pulses: spec.pulseLimits });
  const governor = new SafetyGovernor(limits);
  const session = new ClosedLoopSession({
    signalPath: { fs_Hz: FS_HZ, channels: names, window: 500, hop: 100, segment: 500, bands: [{ name: 'alpha', lo_Hz: 8, hi_Hz: 13 }] },
    policy: createPolicy({ kind: 'off' }),
    governor,
    stimulator: { apply: () => undefined },
    pulses: { schedule: spec.schedule(FS_HZ), governor: new PulseGovernor(limits.pulses, FS_HZ), stimulator: port },
    onBlock: () => {
      arrival_ms = performance.now();
    },
  });
  await new Promise<void>((resolve, reject) => session.run(source).subscribe({ error: reject, complete: resolve }));
  // The last pulses wait for their delay: let them leave before counting.
  await new Promise((r) => setTimeout(r, spec.delay_ms + 50));
  const n = Math.min(edges.length, fired.length);
  const arrivalToEdge = new Float64Array(n);
  const sampleToEdge = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    arrivalToEdge[i] = edges[i] - fired[i].arrival_ms;
    sampleToEdge[i] = arrivalToEdge[i] + fired[i].age_ms;
  }
  arrivalToEdge.sort();
  sampleToEdge.sort();
  const result: PulseLatencyResult = {
    job: spec.job,
    pulses: n,
    arrival_to_edge_p50_ms: round(quantile(arrivalToEdge, 0.5)),
    arrival_to_edge_p99_ms: round(quantile(arrivalToEdge, 0.99)),
    jitter_ms: round(quantile(arrivalToEdge, 0.99) - quantile(arrivalToEdge, 0.01)),
    sample_to_edge_p50_ms: round(quantile(sampleToEdge, 0.5)),
    sample_to_edge_p99_ms: round(quantile(sampleToEdge, 0.99)),
    delay_ms: spec.delay_ms,
    block_samples: spec.block_samples,
    held: ttl.counters().spaced,
    late: spec.delay_ms > 0 ? ttl.counters().late : 0,
  };
  if (spec.job.includes('itbs')) {
    // Within a burst (consecutive pulses 20 samples apart), the edges should be 20 ms apart too.
    const errors: number[] = [];
    for (let i = 1; i < n; i++) {
      const pattern_ms = ((fired[i].index - fired[i - 1].index) * 1000) / FS_HZ;
      if (pattern_ms <= 20) errors.push(Math.abs(edges[i] - edges[i - 1] - pattern_ms));
    }
    const sorted = Float64Array.from(errors).sort();
    result.spacing_error_p50_ms = round(quantile(sorted, 0.5));
    result.spacing_error_p99_ms = round(quantile(sorted, 0.99));
    result.spacing_error_max_ms = round(sorted[sorted.length - 1] ?? Number.NaN);
  }
  return result;
}
