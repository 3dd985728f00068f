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
}
