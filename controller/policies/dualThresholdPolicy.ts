import type { PolicyConfig, DualThresholdPolicyConfig } from '../../config/policySchema.js';
import type { StimParams } from '../stimParams.js';
import { ConditionTimer } from './conditionTimer.js';
import { assertSameKind, type Policy, type PolicyFrame, requestAt } from './policy.js';

type Direction = 'up' | 'down' | 'hold';

/**
 * Dual threshold (as Percept's dual-threshold mode): above the upper threshold for
 * onset_ms the amplitude ramps toward the upper amplitude at rampUp_mA_per_s; below the
 * lower threshold for termination_ms it ramps toward the lower amplitude at
 * rampDown_mA_per_s; otherwise (in between, or not yet for long enough) it holds where
 * it is. After a change to ramping up or down the
 * detector is ignored for blanking_ms. It starts (after the start-up delay) at the lower
 * amplitude. An invalid frame holds the amplitude and breaks the counts.
 */
export class DualThresholdPolicy implements Policy {
  readonly kind = 'dual-threshold';
  private readonly above = new ConditionTimer();
  private readonly below = new ConditionTimer();
  private amplitude_mA: number;
  private direction: Direction = 'hold';
  private lastT_s = Number.NaN;
  private blankedUntil_s = Number.NEGATIVE_INFINITY;
  private current = 'startup';

  constructor(private config: DualThresholdPolicyConfig) {
    this.amplitude_mA = config.lowerAmplitude_mA;
  }

  step(frame: PolicyFrame): StimParams {
    const c = this.config;
    const t = frame.t_s;
    if (t * 1000 < c.startupDelay_ms) {
      this.current = 'startup';
      this.lastT_s = t;
      return requestAt(0, this.config);
    }
    const dt = Number.isNaN(this.lastT_s) ? 0 : Math.max(0, t - this.lastT_s);
    this.lastT_s = t;
    if (!frame.valid || !Number.isFinite(frame.biomarker)) {
      this.above.reset();
      this.below.reset();
      this.current = 'hold (invalid)';
      return requestAt(this.amplitude_mA, this.config);
    }
    if (t >= this.blankedUntil_s) {
      const isAbove = this.above.held(frame.biomarker > c.upperThreshold, t, c.onset_ms);
      const isBelow = this.below.held(frame.biomarker < c.lowerThreshold, t, c.termination_ms);
      // Anything but a condition that has held long enough holds the amplitude.
      const next: Direction = isAbove ? 'up' : isBelow ? 'down' : 'hold';
      if (next !== this.direction) {
        this.direction = next;
        if (next !== 'hold') this.blankedUntil_s = t + c.blanking_ms / 1000;
      }
      this.current = this.direction;
    } else {
      this.current = `${this.direction} (blanked)`;
    }
    if (this.direction === 'up') this.amplitude_mA = Math.min(c.upperAmplitude_mA, this.amplitude_mA + c.rampUp_mA_per_s * dt);
    else if (this.direction === 'down') this.amplitude_mA = Math.max(c.lowerAmplitude_mA, this.amplitude_mA - c.rampDown_mA_per_s * dt);
    return requestAt(this.amplitude_mA, this.config);
  }

  state(): string {
    return this.current;
  }

  thresholds(): readonly number[] {
    return [this.config.lowerThreshold, this.config.upperThreshold];
  }

  parameters(): Readonly<PolicyConfig> {
    return this.config;
  }

  retune(next: PolicyConfig): void {
    assertSameKind(this.config, next);
    this.config = next;
    // New amplitudes (the calibration's sweep, a command, a state): the amplitude held stays within them, so no request lies outside the declared range.
    this.amplitude_mA = Math.min(next.upperAmplitude_mA, Math.max(next.lowerAmplitude_mA, this.amplitude_mA));
  }
}
