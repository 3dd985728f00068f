import type { PolicyConfig, ThresholdPolicyConfig } from '../../config/policySchema.js';
import type { StimParams } from '../stimParams.js';
import { ConditionTimer } from './conditionTimer.js';
import { assertSameKind, onOffRequests, type Policy, type PolicyFrame } from './policy.js';

/**
 * Single threshold (as Percept's single-threshold mode): on when the biomarker has been
 * above the threshold for onset_ms, off when it has been at or below it for
 * termination_ms; after each switch the detector is ignored for blanking_ms. An invalid
 * frame changes nothing and breaks both counts.
 */
export class ThresholdPolicy implements Policy {
  readonly kind = 'threshold';
  private on: StimParams;
  private off: StimParams;
  private readonly above = new ConditionTimer();
  private readonly below = new ConditionTimer();
  private stimulating = false;
  private blankedUntil_s = Number.NEGATIVE_INFINITY;
  private current = 'startup';

  constructor(private config: ThresholdPolicyConfig) {
    ({ on: this.on, off: this.off } = onOffRequests(config));
  }

  step(frame: PolicyFrame): StimParams {
    const c = this.config;
    const t = frame.t_s;
    if (t * 1000 < c.startupDelay_ms) {
      this.current = 'startup';
      return this.off;
    }
    if (!frame.valid || !Number.isFinite(frame.biomarker)) {
      this.above.reset();
      this.below.reset();
      this.current = this.stimulating ? 'on (hold)' : 'off (hold)';
      return this.stimulating ? this.on : this.off;
    }
    if (t < this.blankedUntil_s) {
      this.current = 'blanked';
      return this.stimulating ? this.on : this.off;
    }
    const isAbove = frame.biomarker > c.threshold;
    if (!this.stimulating && this.above.held(isAbove, t, c.onset_ms)) this.switchTo(true, t);
    else if (this.stimulating && this.below.held(!isAbove, t, c.termination_ms)) this.switchTo(false, t);
    this.current = this.stimulating ? 'on' : 'off';
    return this.stimulating ? this.on : this.off;
  }

  private switchTo(stimulating: boolean, t_s: number): void {
    this.stimulating = stimulating;
    this.blankedUntil_s = t_s + this.config.blanking_ms / 1000;
    this.above.reset();
    this.below.reset();
  }

  state(): string {
    return this.current;
  }

  thresholds(): readonly number[] {
    return [this.config.threshold];
  }

  parameters(): Readonly<PolicyConfig> {
    return this.config;
  }

  retune(next: PolicyConfig): void {
    assertSameKind(this.config, next);
    this.config = next;
    ({ on: this.on, off: this.off } = onOffRequests(next));
  }
}
