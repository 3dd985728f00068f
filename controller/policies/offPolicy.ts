import type { PolicyConfig } from '../../config/policySchema.js';
import { stimOff, type StimParams } from '../stimParams.js';
import type { Policy } from './policy.js';

/** Never stimulates. */
export class OffPolicy implements Policy {
  readonly kind = 'off';
  private readonly off: StimParams = stimOff(130, 60);
  step(): StimParams {
    return this.off;
  }
  state(): string {
    return 'off';
  }
  thresholds(): readonly number[] {
    return [];
  }

  parameters(): Readonly<PolicyConfig> {
    return { kind: 'off' };
  }

  retune(next: PolicyConfig): void {
    if (next.kind !== 'off') throw new Error(`retune: expected policy kind off, got ${next.kind}`);
  }
}
