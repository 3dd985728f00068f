import { describe, expect, it } from 'vitest';
import { ARTEFACT, ARTEFACT_BLANK_MS, closedLoopWithArtefact, PHASE_DESIGN_SEED } from '../../bench/phaseEvaluation.js';
import { PhaseLockedTrigger, type PhaseLockedTriggerSpec } from '../../controller/policies/phaseLockedTrigger.js';

const SECONDS = 120;

describe('blanking the stimulation artefact (pulses.schedule.blank_ms)', () => {
  // Pulses 500 ms apart with a 500 ms estimator window: every decision has the last pulse's artefact in its window.
  it.each([21, 22])(`seed %s: a ${ARTEFACT.pulseArtifact_uV} uV artefact decaying over ${ARTEFACT.pulseArtifactDecay_ms} ms pulls the phase off; blanked for ${ARTEFACT_BLANK_MS} ms, the pulses are as accurate as without artefact`, (seed) => {
    expect(seed).not.toBe(PHASE_DESIGN_SEED);
    const none = closedLoopWithArtefact(seed, 0, 0, SECONDS);
    const raw = closedLoopWithArtefact(seed, ARTEFACT.pulseArtifact_uV, 0, SECONDS);
    const blanked = closedLoopWithArtefact(seed, ARTEFACT.pulseArtifact_uV, ARTEFACT_BLANK_MS, SECONDS);
    // The artefact is there (tens of ms above 50 uV after each pulse) in both stimulated runs, and not in the other.
    expect(none.artefactSamples).toBe(0);
    expect(raw.artefactSamples).toBeGreaterThan(raw.fired.length * 20);
    expect(blanked.artefactSamples).toBeGreaterThan(blanked.fired.length * 20);
    expect(none.fired.length).toBeGreaterThan(100);
    // Unblanked: late on the peak by more than the 5 degrees the loop without artefact stays within, and more scattered.
    expect(Math.abs(none.accuracy.topHalf.circMean_deg)).toBeLessThan(5);
    expect(raw.accuracy.topHalf.circMean_deg).toBeGreaterThan(7);
    expect(raw.accuracy.topHalf.circSd_deg).toBeGreaterThan(blanked.accuracy.topHalf.circSd_deg + 2);
    // Blanked: the artefact never reaches the estimator (its prediction stands in), so the loop is as accurate as one without artefact.
    expect(Math.abs(blanked.accuracy.topHalf.circMean_deg)).toBeLessThan(5);
    expect(blanked.accuracy.topHalf.circSd_deg).toBeLessThan(none.accuracy.topHalf.circSd_deg + 2);
  });

  it('refuses a negative or infinite blank_ms', () => {
    const spec: PhaseLockedTriggerSpec = { channel: 0, targetPhase_deg: 0, band: { lo_Hz: 8, hi_Hz: 13 }, amplitudeGate: { kind: 'absolute', min_uV: 1 }, refractory_ms: 0 };
    expect(() => new PhaseLockedTrigger({ ...spec, blank_ms: -1 }, 1000)).toThrow(/blank_ms/);
    expect(() => new PhaseLockedTrigger({ ...spec, blank_ms: Number.POSITIVE_INFINITY }, 1000)).toThrow(/blank_ms/);
  });
});
