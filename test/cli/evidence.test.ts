import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVIDENCE_DURATION_S, EVIDENCE_SEEDS, evidence } from '../../bench/evidence.js';
import { loadConfigFile } from '../../config/load.js';
import { REPO } from '../helpers/cli.js';

const examples = join(REPO, 'config/examples');

describe('evidence that the loop works (README table)', () => {
  it('off, continuous and adaptive stimulate the same simulated patient', () => {
    const [off, continuous, adaptive] = ['sim-off', 'sim-continuous', 'sim-adbs'].map((n) => loadConfigFile(join(examples, `${n}.yaml`)));
    for (const other of [continuous, adaptive]) {
      expect(other.source).toEqual(off.source);
      expect(other.signals).toEqual(off.signals);
      expect(other.limits).toEqual(off.limits);
    }
    expect([off.policy.kind, continuous.policy.kind, adaptive.policy.kind]).toEqual(['off', 'open-loop', 'dual-threshold']);
    if (continuous.policy.kind !== 'open-loop' || adaptive.policy.kind !== 'dual-threshold') throw new Error('unreachable');
    expect(continuous.policy.amplitude_mA).toBe(adaptive.policy.upperAmplitude_mA);
  });

  it(`adaptive removes >= 80 % of the long-burst time continuous removes, with <= 60 % of its energy (${EVIDENCE_SEEDS.length} seeds x ${EVIDENCE_DURATION_S} s)`, async () => {
    const result = await evidence(examples);
    const [off, continuous, adaptive] = result.rows;
    // Sanity: there are long bursts to remove, and continuous stimulation removes most of them.
    expect(off.longBurstTime_s).toBeGreaterThan(10);
    expect(continuous.longBurstTime_s).toBeLessThan(off.longBurstTime_s / 4);
    expect(adaptive.stimOnFraction).toBeGreaterThan(0);
    expect(result.removedShare).toBeGreaterThanOrEqual(0.8);
    expect(result.energyShare).toBeLessThanOrEqual(0.6);
  });
});
