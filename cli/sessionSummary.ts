import type { Config } from '../config/schema.js';
import type { ClosedLoopSession } from '../controller/session.js';
import type { SyntheticBrain } from '../sim/syntheticBrain.js';
import type { DriverCounters } from './buildSession.js';
import { roundFloats } from './roundFloats.js';

/**
 * The --summary file: the session's own account plus the simulator's ground truth. Floats
 * are rounded to 6 significant digits (roundFloats); counts are exact. `driver` holds the
 * counters of hardware drivers (samples, gaps, I2C errors, DAC writes, measured fs).
 */
export function sessionSummary(session: ClosedLoopSession, brain: SyntheticBrain | null, config: Config, driver: DriverCounters | null = null) {
  const core = session.summary();
  const bursts = brain?.burstStatistics() ?? null;
  return roundFloats({
    duration_s: core.duration_s,
    frames: core.frames,
    validFrames: core.validFrames,
    stimOnFraction: core.stimOnFraction,
    energy_rel: core.energy_rel,
    longBurstTime_s: bursts ? bursts.longBurstTime_s : null,
    burstTime_s: bursts ? bursts.burstTime_s : null,
    bursts: bursts ? bursts.bursts : null,
    longBursts: bursts ? bursts.longBursts : null,
    limitEvents: core.limitEvents,
    events: core.events,
    // dose.pulses counts the amplitude stimulator's pulses (frequency x on-time); a pulse modality's pulses are under pulses.
    dose: core.dose,
    pulses: core.pulses,
    latched: core.latched,
    // Markers taken (docs/markers.md): count, the policy's declared state at the end, the list.
    markers: core.markers,
    // The thresholds the policy's calibration placed from the baseline (null: no calibration).
    calibration: core.calibration,
    // The amplitudes the calibration's stimulation sweep measured and chose (null: no sweep).
    calibrationSweep: core.calibrationSweep,
    policy: config.policy.kind,
    seed: config.source.kind === 'sim' ? config.source.seed : config.source.kind === 'csv' || config.source.kind === 'edf' ? null : config.source.emulated ? config.source.emulation.seed : null,
    // Hardware sources and stimulators: what their drivers counted (docs/design.md, Hardware).
    driver: driver === null || (driver.source === null && driver.stimulator === null && driver.estopPresses === null && driver.pulses === null) ? null : driver,
    rig: config.rig.id,
  });
}
