import type { PolicyConfig } from '../../config/policySchema.js';
import { type StimParams, stimOff } from '../stimParams.js';

/** What a policy sees of a feature frame. */
export interface PolicyFrame {
  readonly t_s: number;
  readonly biomarker: number;
  readonly valid: boolean;
}

/**
 * A policy: a pure function of (frame, its own state) to a requested StimParams
 * (docs/design.md, Policies). The state lives inside the object; `step` reads no clock, only
 * the frame's data time, so a replay makes the same requests.
 */
export interface Policy {
  readonly kind: string;
  step(frame: PolicyFrame): StimParams;
  /** A short word for the live view: off, on, startup, up, down, hold, blanked, ... */
  state(): string;
  /** The thresholds to show beside the biomarker (empty for none). */
  thresholds(): readonly number[];
  /** The policy's current parameters (its config section). */
  parameters(): Readonly<PolicyConfig>;
  /**
   * Takes new parameters of the same kind, already validated (a tuning command). State
   * (amplitude, timers) carries on; the new values apply from the next frame.
   */
  retune(next: PolicyConfig): void;
}

/** A request at `amplitude_mA` (on when above 0) with the policy's pulse settings. */
export function requestAt(amplitude_mA: number, pulse: { readonly frequency_Hz: number; readonly pulseWidth_us: number }): StimParams {
  return { enabled: amplitude_mA > 0, amplitude_mA, frequency_Hz: pulse.frequency_Hz, pulseWidth_us: pulse.pulseWidth_us };
}

/** The two requests of an on/off policy (open-loop, threshold) for its parameters. */
export function onOffRequests(p: { readonly amplitude_mA: number; readonly frequency_Hz: number; readonly pulseWidth_us: number }): { on: StimParams; off: StimParams } {
  return { on: requestAt(p.amplitude_mA, p), off: stimOff(p.frequency_Hz, p.pulseWidth_us) };
}

/** For retune: the new parameters must be of the policy's own kind. */
export function assertSameKind<C extends PolicyConfig>(current: C, next: PolicyConfig): asserts next is C {
  if (next.kind !== current.kind) throw new Error(`retune: expected policy kind ${current.kind}, got ${next.kind}`);
}
