import type { TacsPolicyConfig, TdcsRampPolicyConfig } from '../../config/policySchema.js';
import type { StimParams } from '../stimParams.js';
import { ConfiguredPolicy } from './configuredPolicy.js';
import type { PolicyFrame } from './policy.js';
import { FrameInterval, RampedPeriod } from './rampEnvelope.js';

/**
 * One tDCS or tACS session (Nitsche & Paulus 2000; Antal et al. 2017): from the start-up
 * delay, the amplitude (tACS: the sine's peak) ramps up over ramp_s, holds, and ramps down
 * to end duration_s after the ramp began; then nothing more. tDCS asks for frequency 0
 * (direct current), tACS for its frequency; neither has pulses (pulse width 0). Honest for
 * the governor (limits.current): the current is on for less than duration_s as the
 * governor counts it, the charge is at most I x (duration_s - ramp_s) (x 2/pi for tACS),
 * and config/modalityChecks.ts holds these and the ramp's rate within the limits.
 */
export class CurrentSessionPolicy extends ConfiguredPolicy<TdcsRampPolicyConfig | TacsPolicyConfig> {
  readonly kind: 'tdcs-ramp' | 'tacs';
  private readonly frames = new FrameInterval();
  private readonly period = new RampedPeriod();

  constructor(config: TdcsRampPolicyConfig | TacsPolicyConfig) {
    super(config);
    this.kind = config.kind;
  }

  step(frame: PolicyFrame): StimParams {
    const c = this.config;
    const hold_s = this.frames.next(frame.t_s);
    const start_s = c.startupDelay_ms / 1000;
    const tau_s = frame.t_s - start_s;
    const f = this.period.fraction(frame.t_s, start_s, c.duration_s, c.ramp_s, hold_s);
    this.current = !(tau_s > 0) ? 'startup' : f === 0 ? (tau_s > c.duration_s / 2 ? 'done' : 'off') : f === 1 ? 'hold' : tau_s < c.duration_s / 2 ? 'up' : 'down';
    const amplitude_mA = c.amplitude_mA * f;
    return { enabled: amplitude_mA > 0, amplitude_mA, frequency_Hz: c.kind === 'tacs' ? c.frequency_Hz : 0, pulseWidth_us: 0 };
  }
}
