import type { PolicyConfig, ProportionalPolicyConfig } from '../../config/policySchema.js';
import type { StimParams } from '../stimParams.js';
import { assertSameKind, type Policy, type PolicyFrame, requestAt } from './policy.js';

/**
 * PI control of the amplitude on the biomarker: error = biomarker - setpoint (more
 * biomarker asks for more stimulation), amplitude = bias + kp * error + integral, clamped
 * to [minAmplitude_mA, maxAmplitude_mA]. Anti-windup by conditional integration: the
 * integral does not grow while the output is saturated in the direction the error pushes.
 * An invalid frame holds the amplitude and does not integrate.
 */
export class ProportionalPolicy implements Policy {
  readonly kind = 'proportional';
  private integral_mA = 0;
  private amplitude_mA = 0;
  private lastT_s = Number.NaN;
  private current = 'startup';

  constructor(private config: ProportionalPolicyConfig) {}

  step(frame: PolicyFrame): StimParams {
    const c = this.config;
    const t = frame.t_s;
    if (t * 1000 < c.startupDelay_ms) {
      this.lastT_s = t;
      this.current = 'startup';
      return requestAt(0, this.config);
    }
    const dt = Number.isNaN(this.lastT_s) ? 0 : Math.max(0, t - this.lastT_s);
    this.lastT_s = t;
    if (!frame.valid || !Number.isFinite(frame.biomarker)) {
      this.current = 'hold (invalid)';
      return requestAt(this.amplitude_mA, this.config);
    }
    const error = frame.biomarker - c.setpoint;
    const unclamped = c.bias_mA + c.kp_mA_per_unit * error + this.integral_mA;
    const saturatedHigh = unclamped >= c.maxAmplitude_mA && error > 0;
    const saturatedLow = unclamped <= c.minAmplitude_mA && error < 0;
    if (!saturatedHigh && !saturatedLow) this.integral_mA += c.ki_mA_per_unit_s * error * dt;
    const output = c.bias_mA + c.kp_mA_per_unit * error + this.integral_mA;
    this.amplitude_mA = Math.min(c.maxAmplitude_mA, Math.max(c.minAmplitude_mA, output));
    this.current = saturatedHigh ? 'max' : saturatedLow ? 'min' : 'track';
    return requestAt(this.amplitude_mA, this.config);
  }

  state(): string {
    return this.current;
  }

  thresholds(): readonly number[] {
    return [this.config.setpoint];
  }

  parameters(): Readonly<PolicyConfig> {
    return this.config;
  }

  retune(next: PolicyConfig): void {
    assertSameKind(this.config, next);
    this.config = next;
  }
}
