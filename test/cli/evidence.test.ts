import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DESIGN_SEEDS, EVIDENCE_DURATION_S, EVIDENCE_SEEDS, evidence, PANEL_ADAPTIVE_CONFIGS, panelEvidence, panelTable, REPORT_SEEDS } from '../../bench/evidence.js';
import { parseConfig } from '../../config/index.js';
import { loadConfigFile, readConfigFile } from '../../config/load.js';
import { applyOverrides } from '../../config/overrides.js';
import { PATIENT_PANEL, patientOverrides, patientVariant } from '../../sim/patientPanel.js';
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

describe('the simulated patient panel (npm run -s evidence -- --panel)', () => {
  it('names each patient once, each a valid variant of the same example patient, and keeps design seeds out of the reported ones', () => {
    const names = PATIENT_PANEL.map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    const base = loadConfigFile(join(examples, 'sim-off.yaml'));
    for (const variant of PATIENT_PANEL) {
      expect(variant.why.length).toBeGreaterThan(10);
      const config = parseConfig(applyOverrides(readConfigFile(join(examples, 'sim-off.yaml')), patientOverrides(variant)));
      if (config.source.kind !== 'sim' || base.source.kind !== 'sim') throw new Error('unreachable');
      // Only the patient differs: the recording set-up, the signal path and the limits are the example's.
      expect({ ...config, source: { ...config.source, brain: base.source.brain, plant: base.source.plant } }).toEqual(base);
    }
    expect(REPORT_SEEDS.filter((s) => DESIGN_SEEDS.includes(s))).toEqual([]);
    expect(EVIDENCE_SEEDS.every((s) => DESIGN_SEEDS.includes(s))).toBe(true);
  });

  it('every adaptive config compared on the panel stimulates the example patient with the same limits and signal path', () => {
    const off = loadConfigFile(join(examples, 'sim-off.yaml'));
    for (const name of PANEL_ADAPTIVE_CONFIGS) {
      const config = loadConfigFile(join(examples, name));
      expect(config.source).toEqual(off.source);
      expect(config.signals).toEqual(off.signals);
      expect(config.limits).toEqual(off.limits);
    }
  });

  it('smoke: one patient, one seed, 40 s: a row per config, and the worst case and mean follow from the rows', async () => {
    const results = await panelEvidence(examples, { patients: [patientVariant('weak-frequent')], seeds: [REPORT_SEEDS[0]], duration_s: 40, adaptive: PANEL_ADAPTIVE_CONFIGS.map((n) => join(examples, n)) });
    expect(results.map((r) => r.config)).toEqual([...PANEL_ADAPTIVE_CONFIGS]);
    for (const r of results) {
      expect(r.rows).toHaveLength(1);
      const [row] = r.rows;
      expect(row.off.longBurstTime_s).toBeGreaterThan(row.continuous.longBurstTime_s);
      expect(row.benefit).toBeCloseTo((row.off.longBurstTime_s - row.adaptive.longBurstTime_s) / (row.off.longBurstTime_s - row.continuous.longBurstTime_s), 12);
      expect(row.energy).toBeCloseTo(row.adaptive.energy_rel / row.continuous.energy_rel, 12);
      expect(r.worstBenefit).toBe(row);
      expect(r.mean.benefit).toBe(row.benefit);
      expect(panelTable(r, [REPORT_SEEDS[0]], 40)).toContain('| weak-frequent');
    }
  });
});
