import type { OpenLoopPolicyConfig } from '../../config/policySchema.js';
import type { StimParams } from '../stimParams.js';
import { ConfiguredPolicy } from './configuredPolicy.js';
import { onOffRequests, type PolicyFrame } from './policy.js';

/** Constant stimulation after the start-up delay: the continuous-DBS comparator. */
export class OpenLoopPolicy extends ConfiguredPolicy<OpenLoopPolicyConfig> {
  readonly kind = 'open-loop';
  private on: StimParams;
  private off: StimParams;

  constructor(config: OpenLoopPolicyConfig) {
    super(config);
    ({ on: this.on, off: this.off } = onOffRequests(config));
  }

  step(frame: PolicyFrame): StimParams {
    const started = frame.t_s * 1000 >= this.config.startupDelay_ms;
    this.current = started ? 'on' : 'startup';
    return started ? this.on : this.off;
  }

  protected override retuned(): void {
    ({ on: this.on, off: this.off } = onOffRequests(this.config));
  }
}
