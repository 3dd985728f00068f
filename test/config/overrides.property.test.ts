import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyOverrides, ConfigError, parseConfig, readConfigFile } from '../../config/index.js';

const example = (name: string): unknown => readConfigFile(fileURLToPath(new URL(`../../config/examples/${name}`, import.meta.url)));

/** Files with limits, with stimulation allowed, and with no limits section at all (the defaults). */
const FILES: readonly { name: string; raw: unknown }[] = [
  { name: 'sim-adbs.yaml', raw: example('sim-adbs.yaml') },
  { name: 'sim-basic.yaml', raw: example('sim-basic.yaml') },
  { name: 'empty', raw: {} },
];

const segment = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('limits', 'Limits', 'LIMITS', '__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty') },
  {
    weight: 8,
    arbitrary: fc.constantFrom('amplitude_mA', 'max', 'min', 'fallback', 'policy', 'kind', 'upperAmplitude_mA', 'amplitude_mA', 'source', 'seed', 'signals', 'filters', 'bands', 'beta', 'telemetry', 'commands', 'tunable', 'rig', 'id', 'staleAfter_ms', 'dose'),
  },
  { weight: 2, arbitrary: fc.constantFrom('0', '1', '2', '99', '4294967294') },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);
const path = fc.tuple(fc.array(segment, { minLength: 1, maxLength: 5 }), fc.constantFrom('', ' ', '  ')).map(([keys, pad]) => `${pad}${keys.join('.')}${pad}`);

const value = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      '40',
      '1e308',
      '-1',
      '.inf',
      '.nan',
      'null',
      '~',
      '[]',
      '{}',
      '{max: 40}',
      '{amplitude_mA: {max: 40}}',
      '{limits: {amplitude_mA: {max: 40}}}',
      '{__proto__: {max: 40}}',
      '{__proto__: {limits: {amplitude_mA: {max: 40}}}}',
      '{constructor: {prototype: {x: 1}}}',
      '{"__proto__": {"x": 1}}',
      '{kind: open-loop, amplitude_mA: 40}',
      '{kind: dual-threshold, lowerThreshold: 0, upperThreshold: 1, upperAmplitude_mA: 40}',
      '{mode: fixed, amplitude_mA: 40}',
      '{<<: {x: 1}, y: 2}',
      '&a [*a]',
      '[&a [1], *a, *a]',
      '!!js/function "function () {}"',
    ),
  },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
);
const set = fc.tuple(path, value).map(([p, v]) => `${p}=${v}`);

/** Object.prototype as it is now: its own names and what each holds. */
function prototypeSnapshot(): [string, unknown][] {
  return Object.getOwnPropertyNames(Object.prototype).map((name) => {
    const d = Object.getOwnPropertyDescriptor(Object.prototype, name) as PropertyDescriptor;
    return [name, d.value ?? d.get];
  });
}

describe('no --set sequence reaches the hard limits or Object.prototype (property)', () => {
  it('each random sequence is refused (ConfigError) or leaves limits deep-equal to the file\'s; Object.prototype is untouched', () => {
    const prototypeBefore = prototypeSnapshot();
    fc.assert(
      fc.property(fc.constantFrom(...FILES), fc.array(set, { maxLength: 6 }), (file, sets) => {
        const fileLimits = parseConfig(file.raw, file.name).limits;
        try {
          const config = parseConfig(applyOverrides(file.raw, sets), `${file.name} with --set`);
          expect(config.limits).toStrictEqual(fileLimits);
        } catch (error) {
          // Refused as bad input: fine. Anything else (a TypeError, an internal check) is a failure.
          if (!(error instanceof ConfigError)) throw error;
        }
        expect(prototypeSnapshot()).toEqual(prototypeBefore);
        expect(({} as Record<string, unknown>).x).toBeUndefined();
        expect(({} as Record<string, unknown>).limits).toBeUndefined();
        expect(({} as Record<string, unknown>).max).toBeUndefined();
      }),
      { numRuns: 2000 },
    );
  });

  it('the generator reaches both outcomes: accepted sequences and refused limits overrides', () => {
    // A guard on the property above: were every sequence refused for an unrelated reason,
    // it would prove nothing.
    let accepted = 0;
    let limitsRefused = 0;
    fc.assert(
      fc.property(fc.constantFrom(...FILES), fc.array(set, { maxLength: 3 }), (file, sets) => {
        try {
          parseConfig(applyOverrides(file.raw, sets));
          accepted++;
        } catch (error) {
          if (error instanceof ConfigError && /may not change limits/.test(error.message)) limitsRefused++;
        }
      }),
      { numRuns: 1000, seed: 42 },
    );
    expect(accepted).toBeGreaterThan(10);
    expect(limitsRefused).toBeGreaterThan(10);
  });
});
