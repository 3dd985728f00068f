import fc from 'fast-check';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.js';
import { createPolicy } from '../../controller/policies/createPolicy.js';
import type { StimulatorPort } from '../../controller/ports.js';
import { SafetyGovernor } from '../../controller/safetyGovernor.js';
import { ClosedLoopSession } from '../../controller/session.js';
import { signalPathOptions } from '../../controller/signalPathOptions.js';
import type { StimParams } from '../../controller/stimParams.js';
import type { SampleBlock } from '../../signals/sampleBlock.js';

/**
 * No sequence of commands (the MQTT cmd/ topics) sent to a real session changes what the
 * governor was built with: its limits stay the file's, and after the commands a request
 * for 1000 mA still comes out at the file's maximum. The commands may retune the policy
 * toward 1000 mA (the tunable range allows it): only the governor stands in the way.
 */
const fs_Hz = 100;
const config = parseConfig(
  {
    source: { kind: 'sim', fs_Hz, channels: 1 },
    signals: { window_samples: 50, hop_samples: 10, bands: { beta: { lo_Hz: 13, hi_Hz: 30 } }, biomarker: { terms: [{ channel: 0, band: 'beta' }] } },
    policy: { kind: 'dual-threshold', lowerThreshold: -2, upperThreshold: -1, lowerAmplitude_mA: 0, upperAmplitude_mA: 2, rampUp_mA_per_s: 1000, rampDown_mA_per_s: 1000 },
    limits: { amplitude_mA: { max: 4 }, rampUp_mA_per_s: 50, rampDown_mA_per_s: 50, staleAfter_ms: 400, lockout: { maxEvents: 1000, window_s: 1 } },
    telemetry: {
      enabled: true,
      commands: {
        enabled: true,
        maxRate_per_s: 1000,
        burst: 1000,
        tunable: {
          upperAmplitude_mA: { min: 0, max: 1000 },
          lowerAmplitude_mA: { min: 0, max: 1000 },
          upperThreshold: { min: -1e6, max: 1e6 },
          frequency_Hz: { min: 0, max: 1e6 },
          pulseWidth_us: { min: 0, max: 1e6 },
        },
      },
    },
  },
  'limitsOutOfReach',
);
const FILE_LIMITS = structuredClone(config.limits);
const MAX_mA = FILE_LIMITS.amplitude_mA.max;

class RecordingStimulator implements StimulatorPort {
  maxApplied_mA = 0;
  apply(p: StimParams): void {
    this.maxApplied_mA = Math.max(this.maxApplied_mA, p.amplitude_mA);
  }
}

/** A JSON number as text, including ones JSON.parse turns into Infinity or -0. */
const numberText = fc.oneof(
  fc.constantFrom('1000', '999.999', '4.0000001', '40', '-1', '-0', '0', '1e308', '-1e308', '1e400', '-1e400', '5e-324', '1e6'),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => JSON.stringify(x)),
);
const jsonText = fc.oneof(
  numberText,
  fc.constantFrom('"40"', 'null', 'true', '{"max": 40}', '{"amplitude_mA": {"max": 40}}', '[40]', '{"__proto__": {"max": 40}}'),
);
const key = fc.constantFrom(
  'upperAmplitude_mA',
  'lowerAmplitude_mA',
  'upperThreshold',
  'frequency_Hz',
  'pulseWidth_us',
  'amplitude_mA',
  'limits',
  'max',
  'kind',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
);
const object = (entries: readonly (readonly [string, string])[]): string => `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${v}`).join(', ')}}`;
const id = fc.oneof(fc.uuid().map((u) => JSON.stringify(u)), fc.constantFrom('"x"', '""', '1', 'null', '{"__proto__": 1}'));
const params = fc.array(fc.tuple(key, jsonText), { maxLength: 4 }).map(object);
/** A command that should be taken: the amplitudes pushed up to the tunable maximum. */
const retune = fc
  .tuple(fc.uuid(), fc.double({ min: 0, max: 1000, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }))
  .map(([u, upper, lowerFraction]) => object([['id', JSON.stringify(u)], ['params', object([['upperAmplitude_mA', JSON.stringify(upper)], ['lowerAmplitude_mA', JSON.stringify(upper * lowerFraction)]])]]));
const payloadText = fc.oneof(
  { weight: 4, arbitrary: retune },
  { weight: 6, arbitrary: fc.tuple(id, params).map(([i, p]) => object([['id', i], ['params', p]])) },
  {
    weight: 2,
    arbitrary: fc.tuple(id, params, fc.constantFrom('__proto__', 'constructor', 'limits')).map(([i, p, extra]) => object([[extra, '{"limits": {"amplitude_mA": {"max": 40}}, "prototype": {"x": 1}}'], ['id', i], ['params', p]])),
  },
  { weight: 2, arbitrary: id.map((i) => object([['id', i], ['reason', '"test"']])) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
);
const payload = fc.oneof({ weight: 8, arbitrary: payloadText }, { weight: 1, arbitrary: payloadText.map((t) => new TextEncoder().encode(t)) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) });
const commandName = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('policy', 'policy', 'policy', 'reset', 'estop') },
  { weight: 1, arbitrary: fc.constantFrom('limits', '__proto__', 'constructor', 'toString', 'governor') },
);
/** A command, then some blocks of data (0.1 s each) before the next one. */
const step = fc.record({ name: commandName, payload, dt_ms: fc.integer({ min: 0, max: 2000 }), blocksAfter: fc.integer({ min: 0, max: 4 }) });

function block(firstIndex: number): SampleBlock {
  const data = new Float32Array(10);
  for (let i = 0; i < 10; i++) data[i] = 5 * Math.sin((firstIndex + i) * 1.3);
  return { firstIndex, fs_Hz, channels: ['ch0'], data: [data] };
}

const prototypeNames = (): string[] => Object.getOwnPropertyNames(Object.prototype);

describe('hard limits are out of reach of commands (property)', () => {
  it('after any command sequence, the governor keeps the file\'s limits and clamps 1000 mA to the file\'s maximum', () => {
    const namesBefore = prototypeNames();
    let retuned = 0;
    let overRequested = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 20, size: 'max' }), (steps) => {
        const governor = new SafetyGovernor(config.limits);
        const stimulator = new RecordingStimulator();
        const session = new ClosedLoopSession({
          signalPath: signalPathOptions(config.signals, ['ch0'], fs_Hz),
          policy: createPolicy(config.policy),
          governor,
          stimulator,
          commands: config.telemetry.commands,
        });
        const blocks = new Subject<SampleBlock>();
        let requestedMax_mA = 0;
        session.run(blocks).subscribe((s) => {
          requestedMax_mA = Math.max(requestedMax_mA, s.requested?.amplitude_mA ?? 0);
        });
        let now_ms = 0;
        let at = 0;
        for (const s of steps) {
          now_ms += s.dt_ms;
          const ack = session.command(s.name, s.payload, now_ms);
          if (ack.ok && s.name === 'policy') retuned++;
          for (let i = 0; i < s.blocksAfter; i++) {
            blocks.next(block(at));
            at += 10;
          }
        }
        blocks.complete();

        expect(governor.limits).toStrictEqual(FILE_LIMITS);
        expect(stimulator.maxApplied_mA).toBeLessThanOrEqual(MAX_mA);
        if (requestedMax_mA > MAX_mA) overRequested++;

        // Behaviour, not only the object: clear any latch, then ask for 1000 mA long enough to ramp.
        const t_s = at / fs_Hz + 1;
        governor.reset(t_s, 'test');
        const tick = governor.tick(t_s + 10, { enabled: true, amplitude_mA: 1000, frequency_Hz: 130, pulseWidth_us: 60 }, true);
        expect(tick.applied.amplitude_mA).toBe(MAX_mA);

        expect(prototypeNames()).toEqual(namesBefore);
        expect(({} as Record<string, unknown>).limits).toBeUndefined();
        expect(({} as Record<string, unknown>).max).toBeUndefined();
        expect(({} as Record<string, unknown>).x).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
    // Guards: commands did get through, and retuned policies did ask for more than the
    // limit, so the limits held against real pressure.
    expect(retuned).toBeGreaterThan(20);
    expect(overRequested).toBeGreaterThan(5);
  });
});
