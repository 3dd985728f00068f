import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { simBrainSchema, simPlantSchema } from '../../config/simPatientSchema.js';
import { groundTruthPhase } from '../../signals/groundTruthPhase.js';
import { type BrainParameters, SyntheticBrain } from '../../sim/syntheticBrain.js';

function generate(fs_Hz: number, seconds: number, seed: number, brain: Partial<BrainParameters> = {}): Float64Array[] {
  const patient = new SyntheticBrain({ fs_Hz, channels: 2, seed, brain: { ...simBrainSchema.parse({}), ...brain }, plant: simPlantSchema.parse({}) });
  const out = [new Float64Array(fs_Hz * seconds), new Float64Array(fs_Hz * seconds)];
  patient.fill(out, 0, fs_Hz * seconds);
  return out;
}

const sha256 = (channels: Float64Array[]): string => {
  const h = createHash('sha256');
  for (const c of channels) h.update(new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
  return h.digest('hex');
};

/** Only the alpha: no background, beta, line noise or artefacts. */
const alphaOnly: Partial<BrainParameters> = { background_uV: 0, betaAmplitude_uV: 0, lineAmplitude_uV: 0, artifactRate_per_min: 0 };

describe('SyntheticBrain: the opt-in alpha frequency wander and waxing/waning', () => {
  it('off by default: the samples are bit for bit those of the simulator before the option existed', () => {
    // sha256 of 20 s of both channels (float64, little-endian), seed 7, default patient,
    // computed with sim/syntheticBrain.ts as of commit ffacb1d (before this option).
    expect(sha256(generate(250, 20, 7))).toBe('395b4ad266fe1d17f12790732c8393f33c6e549fd8102eee3bc58069e37acb88');
    expect(sha256(generate(1000, 20, 7))).toBe('3fc5546e8eac9ca58a049990cfe417d1b239a4ba361cfe888c44ea0f41ee767d');
    expect(sha256(generate(250, 20, 7, { alphaFrequencyWander_Hz: 0, alphaWaxWane: 0 }))).toBe('395b4ad266fe1d17f12790732c8393f33c6e549fd8102eee3bc58069e37acb88');
  });

  it('draws from its own generator: turned on, everything but the alpha stays as it was', () => {
    const noAlpha = { alphaAmplitude_uV: 0 };
    expect(generate(250, 20, 3, { ...noAlpha, alphaFrequencyWander_Hz: 0.5, alphaWaxWane: 1 })).toEqual(generate(250, 20, 3, noAlpha));
    expect(generate(250, 20, 3, { alphaFrequencyWander_Hz: 0.5, alphaWaxWane: 1 })).not.toEqual(generate(250, 20, 3));
  });

  it('the wander moves the alpha frequency by about its SD; without it the frequency is fixed', () => {
    const fs = 250;
    const frequencySpread = (brain: Partial<BrainParameters>): { mean: number; sd: number } => {
      const x = generate(fs, 200, 11, { ...alphaOnly, ...brain })[0];
      const { phase_rad } = groundTruthPhase(x, fs, { lo_Hz: 5, hi_Hz: 15 }, 2);
      // Frequency over 1 s steps from the unwrapped phase.
      const f: number[] = [];
      let unwrapped = 0;
      const perSecond: number[] = [0];
      for (let i = 1; i < x.length; i++) {
        let d = phase_rad[i] - phase_rad[i - 1];
        if (d <= -Math.PI) d += 2 * Math.PI;
        if (d > Math.PI) d -= 2 * Math.PI;
        unwrapped += d;
        if (i % fs === 0) perSecond.push(unwrapped);
      }
      for (let s = 5; s < perSecond.length - 5; s++) f.push((perSecond[s] - perSecond[s - 1]) / (2 * Math.PI));
      const mean = f.reduce((a, b) => a + b, 0) / f.length;
      return { mean, sd: Math.sqrt(f.reduce((a, b) => a + (b - mean) ** 2, 0) / f.length) };
    };
    const fixed = frequencySpread({});
    expect(fixed.mean).toBeCloseTo(10, 2);
    expect(fixed.sd).toBeLessThan(0.01);
    const wandering = frequencySpread({ alphaFrequencyWander_Hz: 0.5 });
    expect(Math.abs(wandering.mean - 10)).toBeLessThan(0.3);
    // 1 s means of an Ornstein-Uhlenbeck process of SD 0.5 Hz and correlation time 1 s: SD about 0.43 Hz.
    expect(wandering.sd).toBeGreaterThan(0.3);
    expect(wandering.sd).toBeLessThan(0.6);
  });

  it('waxing and waning at depth 1 gives the alpha envelope a Rayleigh spread (CV 0.52) around the same mean', () => {
    const fs = 250;
    const envelopeStats = (brain: Partial<BrainParameters>): { mean: number; cv: number } => {
      const x = generate(fs, 300, 5, { ...alphaOnly, ...brain })[0];
      const { amplitude } = groundTruthPhase(x, fs, { lo_Hz: 8, hi_Hz: 12 }, 2);
      const a = amplitude.subarray(5 * fs, amplitude.length - 5 * fs);
      const mean = a.reduce((s, v) => s + v, 0) / a.length;
      return { mean, cv: Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length) / mean };
    };
    const steady = envelopeStats({});
    const bursting = envelopeStats({ alphaWaxWane: 1 });
    expect(steady.cv).toBeLessThan(0.2);
    expect(bursting.cv).toBeGreaterThan(0.4);
    expect(bursting.cv).toBeLessThan(0.65);
    expect(bursting.mean / steady.mean).toBeGreaterThan(0.8);
    expect(bursting.mean / steady.mean).toBeLessThan(1.2);
  });

  it('refuses a negative wander or a depth outside 0..1', () => {
    expect(() => generate(250, 1, 1, { alphaFrequencyWander_Hz: -1 })).toThrow(/alphaFrequencyWander_Hz/);
    expect(() => generate(250, 1, 1, { alphaWaxWane: 1.5 })).toThrow(/alphaWaxWane/);
  });
});
