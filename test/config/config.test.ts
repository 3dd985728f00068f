import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, configJsonSchema, loadConfigFile, parseConfig, parseConfigText } from '../../config/index.js';
import { configProblems as problemsOf } from '../helpers/configProblems.js';

const examplesDir = fileURLToPath(new URL('../../config/examples/', import.meta.url));

describe('config', () => {
  const examples = readdirSync(examplesDir).filter((f) => /\.(ya?ml|json)$/.test(f));
  it('has example configs', () => expect(examples.length).toBeGreaterThan(0));
  it.each(examples)('example %s is valid', (name) => {
    const config = loadConfigFile(`${examplesDir}${name}`);
    expect(config.rig.id).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('an empty file is the embedded default: simulated source, policy off', () => {
    const config = parseConfig(parseConfigText('', 'empty.yaml'));
    expect(config.source.kind).toBe('sim');
    expect(config.policy.kind).toBe('off');
    expect(Object.keys(config.signals.bands)).toEqual(['delta', 'theta', 'alpha', 'beta', 'gamma']);
  });

  it('names the band whose edges are reversed, as the issue spells it', () => {
    expect(problemsOf({ signals: { bands: { beta: { lo_Hz: 13, hi_Hz: 12 } } } })).toEqual(['signals.bands.beta.hi_Hz: must be > lo_Hz (13)']);
  });

  it('lists every problem, each by its path: unknown keys, wrong types, out of range', () => {
    const problems = problemsOf({
      rig: { id: 'bad id!' },
      source: { kind: 'sim', fs_Hz: 'fast', channels: 0 },
      signals: { window_sample: 256, filters: [{ type: 'notch', freq_Hz: 50, Q: -1 }] },
      limitz: {},
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^rig\.id: must be 1 to 64 letters/),
        expect.stringMatching(/^source\.fs_Hz: expected number, got string/),
        'source.channels: must be >= 1',
        'signals.window_sample: unknown key',
        'signals.filters[0].Q: must be > 0',
        'limitz: unknown key',
      ]),
    );
    expect(problems).toHaveLength(6);
  });

  it('checks against the sample rate: bands and filter edges below Nyquist, biomarker references', () => {
    const problems = problemsOf({
      source: { kind: 'sim', fs_Hz: 250, channels: 2 },
      signals: {
        filters: [{ type: 'lowpass', cutoff_Hz: 125 }],
        bands: { beta: { lo_Hz: 13, hi_Hz: 30 }, high: { lo_Hz: 100, hi_Hz: 130 } },
        biomarker: { terms: [{ channel: 2, band: 'beta' }, { channel: 0, band: 'alpha' }] },
      },
    });
    expect(problems.sort()).toEqual(
      [
        'signals.bands.high.hi_Hz: must be <= 125 Hz, the Nyquist frequency of source.fs_Hz (250)',
        'signals.biomarker.terms[0].channel: must be < source.channels (2)',
        'signals.biomarker.terms[1].band: unknown band "alpha" (bands: beta, high)',
        'signals.filters[0].cutoff_Hz: must be < 125 Hz, the Nyquist frequency of source.fs_Hz (250)',
      ].sort(),
    );
  });

  it('names an unknown source or filter kind with the allowed ones', () => {
    expect(problemsOf({ source: { kind: 'xdf' } })).toEqual([expect.stringMatching(/^source\.kind: expected one of .*sim.*csv.*edf/)]);
    expect(problemsOf({ signals: { filters: [{ type: 'comb' }] } })).toEqual([expect.stringMatching(/^signals\.filters\[0\]\.type: expected one of .*notch/)]);
  });

  it('reports YAML syntax errors by line and column, and a missing file by name on one line', () => {
    expect(() => parseConfigText('rig:\n  id: a\n   bad: [1,\n', 'broken.yaml')).toThrow(/broken\.yaml: .*\n\s+- line \d+, column \d+/);
    expect(() => parseConfigText('- 1\n- 2\n', 'list.yaml')).toThrow(/expected a mapping/);
    expect(() => loadConfigFile('/nonexistent/neuroloop.yaml')).toThrow(/^\/nonexistent\/neuroloop\.yaml: file not found$/);
  });

  it('exports a JSON Schema that rejects unknown keys, and config/schema.json is up to date', () => {
    const schema = configJsonSchema();
    expect(schema.additionalProperties).toBe(false);
    const committed = JSON.parse(readFileSync(fileURLToPath(new URL('../../config/schema.json', import.meta.url)), 'utf8')) as unknown;
    expect(committed).toEqual(schema);
  });
});

describe('GPIO lines and the trigger, checked before any line is claimed', () => {
  const base = {
    source: { kind: 'sim', fs_Hz: 1000 },
    stimulator: { kind: 'simulated', modality: 'ttl' },
    limits: { amplitude_mA: { max: 0 }, pulses: { minInterval_ms: 20, maxPerTrain: 30, maxTrainDuration_ms: 2000, minInterTrain_ms: 8000, maxPerSession: 600 } },
    pulses: { schedule: { kind: 'pattern', burstRate_Hz: 1, on_s: 1, total: 5 } },
  };
  const message = (raw: unknown): string => {
    try {
      parseConfig(raw, 'test.yaml');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    return 'accepted';
  };

  it('one line, one job: the trigger on the e-stop line is refused naming both', () => {
    expect(message({ ...base, gpio: { trigger: { line: 17 }, estop: { line: 17 } } })).toMatch(/gpio\.estop\.line: GPIO17 is already gpio\.trigger\.line; each line can have one job/);
    expect(message({ ...base, gpio: { trigger: { line: 17 }, estop: { line: 18 } } })).toBe('accepted');
  });

  it('a trigger pulse as long as the minimum interval is refused: the line would still be high when the next pulse may start', () => {
    const raw = { ...base, gpio: { trigger: { line: 17, pulseWidth_us: 20_000 } }, pulses: { schedule: { kind: 'pattern', burstRate_Hz: 1, on_s: 1, total: 5 } } };
    expect(message(raw)).toMatch(/gpio\.trigger\.pulseWidth_us: 20000 us is not shorter than limits\.pulses\.minInterval_ms \(20 ms\)/);
  });

  it('pattern times past a day are refused (a huge on_s once gave NaN sample indices)', () => {
    expect(message({ ...base, pulses: { schedule: { kind: 'pattern', burstRate_Hz: 1, on_s: 1e308, total: 5 } } })).toMatch(/pulses\.schedule\.on_s/);
  });
});
