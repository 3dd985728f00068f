import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, formatIssues, loadConfigFile, MAX_CONFIG_BYTES, parseConfig, parseConfigText, readConfigFile, signalsSchema } from '../../config/index.js';
import { tempDir } from '../helpers/cli.js';

const FORBIDDEN = 'forbidden key (__proto__, constructor and prototype are never accepted)';

/** The problems of the ConfigError that `fn` throws (fails the test on anything else). */
function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

const prototypeNames = (): string[] => Object.getOwnPropertyNames(Object.prototype);

describe('prototype keys in config files', () => {
  let before: string[];
  beforeEach(() => {
    before = prototypeNames();
  });
  afterEach(() => {
    expect(prototypeNames()).toEqual(before);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it.each([
    ['a band named __proto__ (zod would drop it silently)', 'signals:\n  bands:\n    beta: {lo_Hz: 13, hi_Hz: 30}\n    __proto__: {lo_Hz: 1, hi_Hz: 4}\n', ['signals.bands.__proto__']],
    ['a band named constructor', 'signals:\n  bands:\n    constructor: {lo_Hz: 1, hi_Hz: 4}\n', ['signals.bands.constructor']],
    ['a tunable parameter named __proto__', 'telemetry:\n  commands:\n    tunable:\n      __proto__: {min: 0, max: 1}\n', ['telemetry.commands.tunable.__proto__']],
    ['a top-level __proto__ carrying limits', '__proto__:\n  limits: {amplitude_mA: {max: 40}}\n', ['__proto__']],
    ['prototype deep in a list', 'signals:\n  filters:\n    - {type: notch, freq_Hz: 50, prototype: {x: 1}}\n', ['signals.filters[0].prototype']],
    ['keys inside a YAML merge key (<<) and its anchor', 'base: &b {__proto__: {x: 1}}\npolicy:\n  <<: *b\n  kind: "off"\n', ['base.__proto__']],
    ['a merge key with a constructor inside', 'policy:\n  <<: {constructor: {prototype: {x: 1}}}\n  kind: "off"\n', ['policy.<<.constructor']],
    ['JSON', '{"policy": {"kind": "off", "__proto__": {"x": 1}}, "rig": {"constructor": 1}}', ['policy.__proto__', 'rig.constructor']],
  ])('refuses %s, naming the path', (_what, text, paths) => {
    expect(problemsOf(() => parseConfigText(text, 'hostile.yaml'))).toEqual(paths.map((p) => `${p}: ${FORBIDDEN}`));
  });

  it('parseConfig refuses them too when handed an object (JSON.parse makes __proto__ an own key)', () => {
    const raw = JSON.parse('{"signals": {"bands": {"__proto__": {"lo_Hz": 1, "hi_Hz": 4}, "beta": {"lo_Hz": 13, "hi_Hz": 30}}}}') as unknown;
    expect(problemsOf(() => parseConfig(raw, 'x'))).toEqual([`signals.bands.__proto__: ${FORBIDDEN}`]);
  });

  it('a %YAML 1.1 document merges (<<), and what it merges is checked like the rest', () => {
    const text = '%YAML 1.1\n---\nbase: &b {__proto__: {x: 1}}\npolicy:\n  <<: *b\n  kind: "off"\n';
    expect(problemsOf(() => parseConfigText(text, 'm.yaml'))).toEqual([`base.__proto__: ${FORBIDDEN}`, `policy.__proto__: ${FORBIDDEN}`]);
  });

  it('an unknown tag is refused by line and column, not read as a plain string', () => {
    expect(problemsOf(() => parseConfigText('rig:\n  id: !!js/function x\n', 'tag.yaml'))).toEqual([expect.stringMatching(/^line 2, column 7: Unresolved tag: tag:yaml\.org,2002:js\/function/)]);
  });

  it('the signals schema on its own refuses a band named constructor or prototype', () => {
    const result = signalsSchema.safeParse({ bands: { constructor: { lo_Hz: 1, hi_Hz: 4 }, prototype: { lo_Hz: 4, hi_Hz: 8 } } });
    expect(result.success).toBe(false);
    expect(formatIssues(result.error?.issues ?? [])).toEqual([`bands.constructor: ${FORBIDDEN}`, `bands.prototype: ${FORBIDDEN}`]);
  });

  it('a merge key is not merged: << stays an unknown key', () => {
    expect(problemsOf(() => parseConfig(parseConfigText('policy:\n  <<: {kind: "off"}\n  kind: "off"\n', 'm.yaml'), 'm.yaml'))).toEqual(['policy.<<: unknown key']);
  });

  it('a biomarker band must be one of the bands, not a name every object inherits', () => {
    const text = 'signals:\n  bands:\n    beta: {lo_Hz: 13, hi_Hz: 30}\n  biomarker:\n    terms: [{channel: 0, band: toString}, {channel: 0, band: hasOwnProperty}]\n';
    expect(problemsOf(() => parseConfig(parseConfigText(text, 't.yaml'), 't.yaml'))).toEqual([
      'signals.biomarker.terms[0].band: unknown band "toString" (bands: beta)',
      'signals.biomarker.terms[1].band: unknown band "hasOwnProperty" (bands: beta)',
    ]);
  });
});

describe('resource limits on config files', () => {
  it('refuses an alias bomb (billion laughs) with a message instead of expanding it', () => {
    const lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    const problems = problemsOf(() => parseConfigText(lines.join('\n'), 'bomb.yaml'));
    expect(problems).toEqual(['aliases expand to too much (more than 100 alias uses): refused as a likely alias bomb']);
  });

  it('a bad merge source or an unresolved alias is a problem of the file, not an internal error', () => {
    expect(problemsOf(() => parseConfigText('%YAML 1.1\n---\na: {<<: 1}\n', 'merge.yaml'))).toEqual(['Merge sources must be maps or map aliases']);
    expect(problemsOf(() => parseConfigText('a: *nope\n', 'alias.yaml'))).toEqual(['Unresolved alias (the anchor must be set before the alias): nope']);
  });

  it('a few aliases are fine', () => {
    const text = 'signals:\n  bands:\n    beta: &band {lo_Hz: 13, hi_Hz: 30}\n  biomarker:\n    terms: [{channel: 0, band: beta}]\npolicy: {kind: "off"}\n';
    expect(parseConfig(parseConfigText(text, 'ok.yaml')).signals.bands.beta).toEqual({ lo_Hz: 13, hi_Hz: 30 });
  });

  it('refuses nesting deeper than 32 levels by path', () => {
    const text = `rig: ${'['.repeat(40)}${']'.repeat(40)}`;
    expect(problemsOf(() => parseConfigText(text, 'deep.yaml'))).toEqual([`rig${'[0]'.repeat(31)}: nested deeper than 32 levels`]);
  });

  it(`refuses a file over ${MAX_CONFIG_BYTES} bytes before parsing it, and reads one at the cap`, () => {
    const dir = tempDir();
    const big = join(dir, 'big.yaml');
    const comment = (bytes: number): string => `#${'x'.repeat(bytes - 2)}\n`;
    writeFileSync(big, comment(MAX_CONFIG_BYTES + 1));
    expect(problemsOf(() => readConfigFile(big))).toEqual([`larger than ${MAX_CONFIG_BYTES} bytes: not read (a config file is a few kB)`]);
    writeFileSync(big, comment(MAX_CONFIG_BYTES));
    expect(loadConfigFile(big).policy.kind).toBe('off');
  });

  it('names a directory given as the config', () => {
    expect(problemsOf(() => readConfigFile(tempDir()))).toEqual(['is a directory, not a config file']);
  });
});

describe('any text at all (property)', () => {
  const token = fc.constantFrom('%YAML 1.1\n---\n', '<<: ', '*a', '&a ', '*b', '&b ', '{', '}', '[', ']', ': ', ', ', '\n', '  ', '- ', '? ', '__proto__', 'constructor', 'limits', 'amplitude_mA', 'max', '40', '1e400', 'policy', 'kind', '!!binary ', '!!set ', '!!js/function ', '"', "'", '#');
  const text = fc.oneof(fc.array(token, { maxLength: 30 }).map((t) => t.join('')), fc.string({ maxLength: 60 }));

  it('is a config or a ConfigError, never another error, and never touches Object.prototype', () => {
    const before = prototypeNames();
    fc.assert(
      fc.property(text, (t) => {
        try {
          parseConfig(parseConfigText(t, 'fuzz.yaml'), 'fuzz.yaml');
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
        }
        expect(prototypeNames()).toEqual(before);
      }),
      { numRuns: 2000 },
    );
  });
});
