import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyOverrides, ConfigError, LIMITS_OVERRIDE_RULE, parseConfig, parseConfigText, readConfigFile } from '../../config/index.js';

const adbsPath = fileURLToPath(new URL('../../config/examples/sim-adbs.yaml', import.meta.url));

/** The message of the ConfigError that `fn` throws (fails the test if it throws anything else or nothing). */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

/** Object.prototype as it is now: its own names and what each holds. */
function prototypeSnapshot(): [string, unknown][] {
  return Object.getOwnPropertyNames(Object.prototype).map((name) => {
    const d = Object.getOwnPropertyDescriptor(Object.prototype, name) as PropertyDescriptor;
    return [name, d.value ?? d.get];
  });
}

describe('--set and the hard limits', () => {
  const file = readConfigFile(adbsPath);

  it.each([
    'limits.amplitude_mA.max=40',
    'limits={amplitude_mA: {max: 40}}',
    'limits.amplitude_mA={max: 40}',
    'limits=null',
    'limits.staleAfter_ms=1e9',
    'limits.fallback={mode: fixed, amplitude_mA: 4}',
    'limits.dose={}',
    'Limits.amplitude_mA.max=40',
    'LIMITS.amplitude_mA.max=40',
    '  limits.amplitude_mA.max  =40',
    'limits.amplitude_mA.max=4',
  ])('refuses --set %s with the rule, on one line', (set) => {
    const message = refusal(() => applyOverrides(file, [set]));
    expect(message).toBe(`--set ${set}: ${LIMITS_OVERRIDE_RULE}`);
    expect(message).not.toContain('\n');
  });

  it('refuses a limits override even among valid ones, listing each refused argument', () => {
    const message = refusal(() => applyOverrides(file, ['policy.upperThreshold=1', 'limits.rampUp_mA_per_s=100', '__proto__.x=1']));
    expect(message.split('\n')).toEqual([
      '--set: 2 problems',
      `  - --set limits.rampUp_mA_per_s=100: ${LIMITS_OVERRIDE_RULE}`,
      '  - --set __proto__.x=1: "__proto__" is a forbidden key (__proto__, constructor and prototype are never accepted)',
    ]);
  });

  it('other sections still take overrides, and the limits stay the file\'s', () => {
    const config = parseConfig(applyOverrides(file, ['policy={kind: open-loop, amplitude_mA: 40}', 'source.seed=7', 'signals.filters.1.Q=20', 'signals.filters.2={type: lowpass, cutoff_Hz: 40}']));
    expect(config.policy).toMatchObject({ kind: 'open-loop', amplitude_mA: 40 });
    expect(config.source.kind === 'sim' && config.source.seed).toBe(7);
    expect(config.signals.filters).toHaveLength(3);
    expect(config.signals.filters[1]).toMatchObject({ type: 'notch', Q: 20 });
    expect(config.limits).toStrictEqual(parseConfig(file).limits);
    expect(config.limits.amplitude_mA.max).toBe(4);
  });

  it('a limits section that cloning changes (a !!binary Buffer) is still the file\'s: a config problem, not a crash', () => {
    const raw = parseConfigText('limits:\n  amplitude_mA: !!binary aGk=\n', 'bin.yaml');
    expect(refusal(() => parseConfig(applyOverrides(raw, ['rig.id=x']), 'bin.yaml'))).toMatch(/^bin\.yaml: \d+ problems\n  - limits\.amplitude_mA\./);
  });

  it('does not modify the parsed file it is given', () => {
    const before = structuredClone(file);
    applyOverrides(file, ['policy.upperThreshold=1', 'rig.id=x']);
    expect(file).toStrictEqual(before);
  });
});

describe('--set and prototype keys', () => {
  let before: [string, unknown][];
  beforeEach(() => {
    before = prototypeSnapshot();
  });
  afterEach(() => {
    // Whatever a case did, Object.prototype is as it was.
    expect(prototypeSnapshot()).toEqual(before);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(({} as Record<string, unknown>).limits).toBeUndefined();
  });

  it.each([
    ['__proto__.x=1', '__proto__'],
    ['__proto__={limits: {amplitude_mA: {max: 40}}}', '__proto__'],
    ['policy.__proto__.x=1', '__proto__'],
    ['constructor.prototype.x=1', 'constructor'],
    ['policy.constructor.prototype.x=1', 'constructor'],
    ['rig.prototype=1', 'prototype'],
    ['signals.filters.0.__proto__={x: 1}', '__proto__'],
  ])('refuses the path of --set %s, naming the key', (set, key) => {
    expect(refusal(() => applyOverrides({}, [set]))).toBe(`--set ${set}: "${key}" is a forbidden key (__proto__, constructor and prototype are never accepted)`);
  });

  it.each([
    ['policy={kind: off, __proto__: {x: 1}}', 'policy.__proto__'],
    ['rig={constructor: {prototype: {x: 1}}}', 'rig.constructor'],
    ['signals.filters=[{type: notch, freq_Hz: 50, prototype: 1}]', 'signals.filters[0].prototype'],
    ['policy={"__proto__": {"limits": 1}}', 'policy.__proto__'],
  ])('refuses --set %s whose value holds a forbidden key, naming its path', (set, path) => {
    expect(refusal(() => applyOverrides({}, [set]))).toBe(`--set ${set}: the value: ${path}: forbidden key (__proto__, constructor and prototype are never accepted)`);
  });

  it('refuses a value with an unknown tag instead of reading it as a string', () => {
    expect(refusal(() => applyOverrides({}, ['rig.id=!!js/function x']))).toMatch(/^--set rig\.id=!!js\/function x: the value: line 1, column 1: Unresolved tag/);
  });

  it('an inherited name like toString is an ordinary (unknown) key, not a way into the prototype', () => {
    const raw = applyOverrides({}, ['policy={kind: off}', 'policy.toString.x=1']);
    expect(Object.getOwnPropertyDescriptor(raw.policy, 'toString')?.value).toStrictEqual({ x: 1 });
    expect(refusal(() => parseConfig(raw, 'test'))).toBe('test: policy.toString: unknown key');
  });
});

describe('--set into lists', () => {
  const file = readConfigFile(adbsPath);

  it('refuses an index past the end (a sparse list that long would be walked item by item)', () => {
    expect(refusal(() => applyOverrides(file, ['signals.filters.4294967294=1']))).toBe(
      '--set signals.filters.4294967294=1: signals.filters is a list of 2: expected an index from 0 to 2, got "4294967294"',
    );
  });

  it('refuses a key that is not an index, instead of dropping it silently', () => {
    expect(refusal(() => applyOverrides(file, ['signals.filters.type=notch']))).toMatch(/^--set signals\.filters\.type=notch: signals\.filters is a list of 2: expected an index/);
  });
});
