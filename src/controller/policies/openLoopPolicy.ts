import type { OpenLoopPolicyConfig } from '../../config/policySchema.js';
import { stimOff, type StimParams } from '../stimParams.js';
import { type Policy, type PolicyFrame, requestAt } from './policy.js';

/** Constant stimulation after the start-up delay: the continuous-DBS comparator. */
export class OpenLoopPolicy implements Policy {
  readonly kind = 'open-loop';
  private readonly on: StimParams;
  private readonly off: StimParams;
  private started = false;

  constructor(private readonly config: OpenLoopPolicyConfig) {
    this.on = requestAt(config.amplitude_mA, config);
    this.off = stimOff(config.frequency_Hz, config.pulseWidth_us);
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
}
