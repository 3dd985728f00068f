import type { StimParams } from './stimParams.js';

/**
 * The stimulator, as the loop sees it. Implemented by the edges (a simulated stimulator
 * driving the simulated patient, a DAC, a null output for replays). Only the session calls
 * it, and only with what the safety governor returned.
 */
export interface StimulatorPort {
  apply(params: StimParams, t_s: number): void;
}

/** One pulse, at the session sample it fires on (docs/design.md, Modalities). */
export interface Pulse {
  readonly index: number;
  /** index / fs_Hz: its data time, in seconds. */
  readonly t_s: number;
  /**
   * Exclusive end index of the block that brought it: a driver that times pulses on the
   * host clock knows from it how long ago the pulse's sample was taken.
   */
  readonly blockEnd: number;
}

/**
 * A pulse stimulator (a TMS machine's trigger input, a TTL-gated device, a click): fires
 * one pulse now. Implemented by a GPIO TTL line (drivers/gpio/ttlPulseStimulator.ts), an
 * emulated line that records its edges, and a null output for replays. Only the session
 * calls it, and only with pulses the PulseGovernor fired.
 */
export interface PulseStimulatorPort {
  fire(pulse: Pulse): void;
  /** E-stop, fault, stop or end: nothing waiting is sent, a pulse in progress ends now, nothing fires until `resume`. */
  halt(reason: string): void;
  /** After a reset: pulses the governor fires go out again. */
  resume(): void;
}

/** Counters a hardware stimulator keeps (the summary's `driver.stimulator`). */
export interface StimulatorCounters {
  /** DAC writes that the chip acknowledged. */
  dacWrites: number;
  /** Writes that failed (each failed try counts). */
  writeErrors: number;
  retries: number;
  /** 1 once the stimulator has gone to fault (enable low, governor latched). */
  faults: number;
}

/** A stimulator on real (or emulated) hardware: it also reports, and is shut down into its safe state. */
export interface HardwareStimulatorPort extends StimulatorPort {
  counters(): StimulatorCounters;
  /** Output to zero, enable line to its inactive level, DAC powered down, lines released. Safe to call twice. */
  close(): Promise<void>;
}
