import { describe, expect, it } from 'vitest';
import { simBrainSchema, simPlantSchema } from '../../config/simPatientSchema.js';
import { EVOKED_DECAY_MS, EVOKED_PERIOD_MS, PULSE_ARTIFACT_DECAY_MS } from '../../sim/pulseResponse.js';
import { type BrainParameters, type PlantParameters, SyntheticBrain } from '../../sim/syntheticBrain.js';

const FS = 1000;

function brainOf(seed: number, brain: Partial<BrainParameters> = {}, plant: Partial<PlantParameters> = {}): SyntheticBrain {
  return new SyntheticBrain({ fs_Hz: FS, channels: 2, seed, brain: { ...simBrainSchema.parse({}), ...brain }, plant: { ...simPlantSchema.parse({}), ...plant } });
}

function take(brain: SyntheticBrain, n: number): Float64Array[] {
  const out = [new Float64Array(n), new Float64Array(n)];
  brain.fill(out, 0, n);
  return out;
}

describe('the simulated patient\'s opt-in pulse response and slow oscillation', () => {
  it('a pulse adds its artefact and evoked response from the next sample, on every channel, and nothing else changes', () => {
    const plain = brainOf(5);
    const pulsed = brainOf(5, {}, { pulseArtifact_uV: 300, evokedResponse_uV: 20 });
    // The same first second (no pulse yet): the option alone changes nothing.
    expect(take(pulsed, FS)).toEqual(take(plain, FS));
    pulsed.pulse();
    plain.pulse(); // no response configured: nothing happens
    const a = take(plain, FS);
    const b = take(pulsed, FS);
    for (let c = 0; c < 2; c++) {
      for (const n of [0, 1, 5, 50, 100, 150, 400]) {
        const expected = 300 * Math.exp((-n * 1000) / (PULSE_ARTIFACT_DECAY_MS * FS)) - 20 * Math.sin((2 * Math.PI * n * 1000) / (EVOKED_PERIOD_MS * FS)) * Math.exp((-n * 1000) / (EVOKED_DECAY_MS * FS));
        expect(b[c][n] - a[c][n]).toBeCloseTo(expected, 6);
      }
    }
    // The N100-like trough: negative about 50 ms after the pulse, once the artefact is gone.
    expect(b[0][50] - a[0][50]).toBeLessThan(-10);
    // Gone after a second.
    expect(Math.abs(b[0][999] - a[0][999])).toBeLessThan(1e-6);
  });

  it('the slow oscillation: off by default, on its own generator, with troughs below -80 uV in part of its cycles', () => {
    const n = 120 * FS;
    const off = take(brainOf(9), n);
    const quiet = { background_uV: 0, alphaAmplitude_uV: 0, betaAmplitude_uV: 0, lineAmplitude_uV: 0, artifactRate_per_min: 0 };
    expect(take(brainOf(9, { slowOscillation_uV: 0 }), n)).toEqual(off);
    const so = take(brainOf(9, { ...quiet, slowOscillation_uV: 75 }), n)[0];
    // Troughs: minima of each 1.25 s stretch; some below -80 uV, some above (the envelope waxes and wanes).
    const troughs: number[] = [];
    for (let at = 0; at + 1250 <= n; at += 1250) troughs.push(Math.min(...so.subarray(at, at + 1250)));
    const deep = troughs.filter((t) => t < -80).length / troughs.length;
    expect(deep).toBeGreaterThan(0.15);
    expect(deep).toBeLessThan(0.85);
    // Slow: zero crossings about twice per 0.8 Hz cycle.
    let crossings = 0;
    for (let i = 1; i < n; i++) if (so[i - 1] < 0 !== so[i] < 0) crossings++;
    expect(crossings / 2 / 120).toBeGreaterThan(0.6);
    expect(crossings / 2 / 120).toBeLessThan(1.0);
  });
});
