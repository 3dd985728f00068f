import type { PolicyConfig } from '../../config/policySchema.js';
import type { StimParams } from '../stimParams.js';
import { assertSameKind, type Policy, type PolicyFrame } from './policy.js';

/**
 * What every policy that steps from its config section shares: the config it holds (and
 * hands out and retunes, same kind only), the word its last step left for the live view,
 * and no thresholds unless it says otherwise. A subclass writes `step` and, where its
 * derived state follows the config, `retuned`.
 */
export abstract class ConfiguredPolicy<C extends PolicyConfig> implements Policy {
  abstract readonly kind: string;
  /** The live view's word, set by `step`. */
  protected current = 'startup';

  constructor(protected config: C) {}

  abstract step(frame: PolicyFrame): StimParams;

  state(): string {
    return this.current;
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
    this.retuned();
  }

  /** After `retune`: derive again what follows the config (nothing by default). */
  protected retuned(): void {}
}
