import type { PolicyConfig } from '../../config/policySchema.js';
import { DualThresholdPolicy } from './dualThresholdPolicy.js';
import { OffPolicy } from './offPolicy.js';
import { OpenLoopPolicy } from './openLoopPolicy.js';
import type { Policy } from './policy.js';
import { ProportionalPolicy } from './proportionalPolicy.js';
import { ThresholdPolicy } from './thresholdPolicy.js';
import { CurrentSessionPolicy } from './currentSessionPolicy.js';
import { VnsDutyCyclePolicy, VnsResponsivePolicy } from './vnsPolicies.js';

export function createPolicy(config: PolicyConfig): Policy {
  switch (config.kind) {
    case 'off':
      return new OffPolicy();
    case 'open-loop':
      return new OpenLoopPolicy(config);
    case 'threshold':
      return new ThresholdPolicy(config);
    case 'dual-threshold':
      return new DualThresholdPolicy(config);
    case 'proportional':
      return new ProportionalPolicy(config);
    // The current modalities (docs/modalities-currents.md).
    case 'vns-duty-cycle':
      return new VnsDutyCyclePolicy(config);
    case 'vns-responsive':
      return new VnsResponsivePolicy(config);
    case 'tdcs-ramp':
    case 'tacs':
      return new CurrentSessionPolicy(config);
  }
}
