import type { PolicyConfig } from '../../config/policySchema.js';
import { DualThresholdPolicy } from './dualThresholdPolicy.js';
import { OffPolicy } from './offPolicy.js';
import { OpenLoopPolicy } from './openLoopPolicy.js';
import type { Policy } from './policy.js';
import { ProportionalPolicy } from './proportionalPolicy.js';
import { ThresholdPolicy } from './thresholdPolicy.js';

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
  }
}
