import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { calibratedThresholdSets } from '../../cli/calibratedThresholdSets.js';
import { parseConfig } from '../../config/index.js';
import { readConfigFile } from '../../config/load.js';
import { applyOverrides } from '../../config/overrides.js';
import { MIN_BASELINE_WINDOWS, signalPathOptions } from '../../controller/signalPathOptions.js';
import { REPO } from '../helpers/cli.js';

const example = (name: string, sets: string[] = []) => parseConfig(applyOverrides(readConfigFile(join(REPO, 'config/examples', name)), sets));
const CHANNELS = ['ch0', 'ch1'];

describe('what only the source can tell about the signal path (checked before a session starts)', () => {
  it('a band between two bins of the spectrum is refused, naming the band, the bin spacing and the window that would do', () => {
    const tiny = example('sim-adbs.yaml', ['signals.window_samples=3', 'signals.hop_samples=1']).signals;
    expect(() => signalPathOptions(tiny, CHANNELS, 250)).toThrow('signals.bands.beta: 13-30 Hz holds no frequency bin of a 3-sample window at 250 Hz (bins every 83.3 Hz): set signals.window_samples to 15 or more');
    // The window it names is enough: a bin at 16.7 Hz.
    expect(() => signalPathOptions(example('sim-adbs.yaml', ['signals.window_samples=15', 'signals.hop_samples=1', 'signals.biomarker.baseline_s=1']).signals, CHANNELS, 250)).not.toThrow();
    // With Welch segments, the segment sets the spacing.
    const segmented = example('sim-adbs.yaml', ['signals.segment_samples=4']).signals;
    expect(() => signalPathOptions(segmented, CHANNELS, 250)).toThrow(/^signals\.bands\.beta: .* of a 4-sample segment at 250 Hz .*: set signals\.segment_samples to 15 or more$/);
  });

  it(`a baseline that holds fewer than ${MIN_BASELINE_WINDOWS} windows is refused, counting them`, () => {
    const long = example('sim-adbs.yaml', ['signals.window_samples=5001']).signals;
    expect(() => signalPathOptions(long, CHANNELS, 250)).toThrow('signals.biomarker.baseline_s: 20 s at 250 Hz holds 0 window(s) of 5001 samples every 25; the baseline needs at least 5');
    // 0.5 s at 250 Hz with 50-sample windows every 25: windows end at 50, 75, 100, 125: four.
    expect(() => signalPathOptions(example('sim-adbs.yaml', ['signals.biomarker.baseline_s=0.5']).signals, CHANNELS, 250)).toThrow(/holds 4 window\(s\) of 50 samples every 25/);
    expect(() => signalPathOptions(example('sim-adbs.yaml', ['signals.biomarker.baseline_s=0.6']).signals, CHANNELS, 250)).not.toThrow();
    // Every example fits its own source.
    for (const name of ['sim-adbs.yaml', 'sim-adbs-fixed.yaml', 'sim-adbs-threshold.yaml', 'sim-adbs-swept.yaml', 'sim-off.yaml', 'sim-continuous.yaml']) {
      const { source, signals } = example(name);
      if (source.kind !== 'sim') throw new Error('unreachable');
      const fs_Hz = source.fs_Hz;
      expect(() => signalPathOptions(signals, CHANNELS, fs_Hz)).not.toThrow();
    }
  });

  it('a threshold given with --set on a calibrating policy is pointed out before the session starts; on a fixed one it is not', () => {
    const sets = ['policy.upperThreshold=1.2', 'policy.rampUp_mA_per_s=2'];
    expect(calibratedThresholdSets(example('sim-adbs.yaml', sets), sets)).toBe(
      '--set policy.upperThreshold: policy.calibration places the thresholds at the end of the 20 s baseline, so the value given holds only until then (for fixed thresholds, use a config without policy.calibration, such as config/examples/sim-adbs-fixed.yaml)',
    );
    expect(calibratedThresholdSets(example('sim-adbs-fixed.yaml', sets), sets)).toBeNull();
    expect(calibratedThresholdSets(example('sim-adbs.yaml', ['policy.rampUp_mA_per_s=2']), ['policy.rampUp_mA_per_s=2'])).toBeNull();
  });
});
