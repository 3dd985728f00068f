import type { PolicyConfig, OpenLoopPolicyConfig } from '../../config/policySchema.js';
import type { StimParams } from '../stimParams.js';
import { assertSameKind, onOffRequests, type Policy, type PolicyFrame } from './policy.js';

/** Constant stimulation after the start-up delay: the continuous-DBS comparator. */
export class OpenLoopPolicy implements Policy {
  readonly kind = 'open-loop';
  private on: StimParams;
  private off: StimParams;
  private started = false;

  constructor(private config: OpenLoopPolicyConfig) {
    ({ on: this.on, off: this.off } = onOffRequests(config));
  }

  step(frame: PolicyFrame): StimParams {
    this.started = frame.t_s * 1000 >= this.config.startupDelay_ms;
    return this.started ? this.on : this.off;
  }

  state(): string {
    return this.started ? 'on' : 'startup';
  }

  thresholds(): readonly number[] {
    return [];
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
