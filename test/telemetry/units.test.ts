import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { policySchema } from '../../config/policySchema.js';
import { ConfigError, parseConfig } from '../../config/index.js';
import { CommandProcessor, MAX_COMMAND_BYTES, REMEMBERED_IDS } from '../../controller/commands.js';
import { BoundedQueue } from '../../drivers/mqtt/boundedQueue.js';
import { decodeRawFrame, encodeRawFrame } from '../../drivers/mqtt/rawFrame.js';

const policy = policySchema.parse({ kind: 'dual-threshold', lowerThreshold: -1, upperThreshold: 0.6, lowerAmplitude_mA: 1, upperAmplitude_mA: 3 });
const rules = { enabled: true, maxRate_per_s: 5, burst: 3, tunable: { upperThreshold: { min: 0, max: 2 }, upperAmplitude_mA: { min: 0, max: 3.5 } } };

describe('CommandProcessor', () => {
  it('accepts a tuning within range and returns the whole new policy', () => {
    const d = new CommandProcessor(rules).decide('policy', JSON.stringify({ id: 'x', params: { upperThreshold: 1.5 } }), 0, policy);
    expect(d).toMatchObject({ ok: true, id: 'x', action: { type: 'policy', changed: { upperThreshold: 1.5 } } });
    if (d.action?.type !== 'policy' || d.action.next.kind !== 'dual-threshold') throw new Error('expected a policy action');
    expect(d.action.next.upperThreshold).toBe(1.5);
    expect(d.action.next.lowerThreshold).toBe(-1);
  });

  it('refuses, with a reason and the id when there is one, whatever is not allowed', () => {
    const p = new CommandProcessor({ ...rules, burst: 100 });
    const refuse = (name: string, payload: string) => p.decide(name, payload, 0, policy);
    expect(refuse('policy', '{"id":"a","params":{"upperThreshold":3}}')).toMatchObject({ ok: false, id: 'a', error: 'params.upperThreshold: 3 is outside the tunable range [0, 2]' });
    expect(refuse('policy', '{"id":"b","params":{"lowerThreshold":0}}').error).toMatch(/params\.lowerThreshold: not tunable \(tunable: upperThreshold, upperAmplitude_mA\)/);
    expect(refuse('policy', '{"id":"c","params":{"upperAmplitude_mA":0.5}}').error).toMatch(/policy\.upperAmplitude_mA: must be >= lowerAmplitude_mA \(1\)/);
    expect(refuse('policy', '{"id":"d","params":{}}').error).toMatch(/nothing to change/);
    // Names that exist on Object.prototype are not tunable ranges.
    expect(refuse('policy', '{"id":"d2","params":{"toString":1}}').error).toMatch(/params\.toString: not tunable/);
    expect(refuse('policy', '{"id":"d3","params":{"hasOwnProperty":1}}').error).toMatch(/params\.hasOwnProperty: not tunable/);
    expect(refuse('policy', '{"id":"e","params":{"upperThreshold":"1"}}').error).toMatch(/params\.upperThreshold: expected number, got string/);
    expect(refuse('reset', 'not json')).toMatchObject({ ok: false, id: null, error: 'payload is not JSON' });
    expect(refuse('reset', '{"reason":"no id"}')).toMatchObject({ ok: false, id: null, error: expect.stringMatching(/^id: /) });
    expect(refuse('limits', '{"id":"f"}')).toMatchObject({ ok: false, id: 'f', error: expect.stringMatching(/unknown command "limits"/) });
    // Commands disabled: everything is refused but an e-stop, which is never refused (a retained one is not executed).
    const disabled = new CommandProcessor({ ...rules, enabled: false });
    expect(disabled.decide('reset', '{"id":"g0"}', 0, policy)).toMatchObject({ ok: false, error: expect.stringMatching(/disabled/) });
    expect(disabled.decide('estop', '{"id":"g"}', 0, policy)).toMatchObject({ ok: true, id: 'g', action: { type: 'estop' } });
    expect(disabled.decide('estop', '{"id":"g1"}', 0, policy, { retained: true })).toMatchObject({ ok: false, error: expect.stringMatching(/retained/) });
  });

  it('rate limit: a burst, then maxRate_per_s; junk (bad JSON, bad schema, unknown, oversized) spends no token', () => {
    const p = new CommandProcessor(rules);
    let n = 0;
    const at = (t_ms: number) => p.decide('reset', `{"id":"z${n++}"}`, t_ms, policy).ok;
    for (let i = 0; i < 50; i++) {
      expect(p.decide('reset', 'garbage', 0, policy).error).toBe('payload is not JSON');
      expect(p.decide('policy', '{"id":1}', 0, policy).error).toMatch(/^id: /);
      expect(p.decide('limits', '{"id":"q"}', 0, policy).error).toMatch(/unknown command/);
      expect(p.decide('reset', 'x'.repeat(MAX_COMMAND_BYTES + 1), 0, policy).error).toMatch(/more than 4096/);
    }
    expect([at(0), at(0), at(0), at(0)]).toEqual([true, true, true, false]);
    expect(at(100)).toBe(false); // 0.5 token
    expect(at(200)).toBe(true); // 1 token after 200 ms at 5/s
  });

  it('e-stop: never rate-limited, and any live message on cmd/estop stops, saying what was wrong', () => {
    const p = new CommandProcessor({ ...rules, burst: 1, maxRate_per_s: 0.001 });
    expect(p.decide('reset', '{"id":"r1"}', 0, policy).ok).toBe(true);
    expect(p.decide('reset', '{"id":"r2"}', 0, policy).error).toMatch(/too many/);
    expect(p.decide('estop', '{"id":"e1"}', 0, policy)).toMatchObject({ ok: true, action: { type: 'estop' } });
    expect(p.decide('estop', '{"id":"e1"}', 0, policy)).toMatchObject({ ok: true, action: { type: 'estop' }, warning: expect.stringMatching(/already used/) });
    expect(p.decide('estop', 'not json', 0, policy)).toMatchObject({ ok: true, id: null, action: { type: 'estop' }, warning: 'e-stopped anyway: payload is not JSON' });
    expect(p.decide('estop', '{"reason":"no id"}', 0, policy)).toMatchObject({ ok: true, warning: expect.stringMatching(/^e-stopped anyway: id: /) });
    const huge = p.decide('estop', JSON.stringify({ id: 'big', reason: 'x'.repeat(10_000_000) }), 0, policy);
    expect(huge).toMatchObject({ ok: true, action: { type: 'estop' }, warning: expect.stringMatching(/more than 4096/) });
    expect(JSON.stringify(huge).length).toBeLessThan(600);
  });

  it('a retained (replayed) message is never executed, e-stop and reset included', () => {
    const p = new CommandProcessor(rules);
    for (const name of ['estop', 'reset', 'policy']) {
      const d = p.decide(name, '{"id":"old","params":{"upperThreshold":1}}', 0, policy, { retained: true });
      expect(d).toMatchObject({ ok: false, error: expect.stringMatching(/retained message .* not executed/) });
      expect(d.action).toBeUndefined();
    }
  });

  it('an id already executed is refused; the memory of ids is bounded', () => {
    const p = new CommandProcessor({ ...rules, burst: 1e9, maxRate_per_s: 1e9 });
    expect(p.decide('reset', '{"id":"same"}', 0, policy).ok).toBe(true);
    expect(p.decide('reset', '{"id":"same"}', 0, policy)).toMatchObject({ ok: false, error: expect.stringMatching(/already executed/) });
    expect(p.decide('policy', '{"id":"same","params":{"upperThreshold":1}}', 0, policy).ok).toBe(false);
    for (let i = 0; i < REMEMBERED_IDS; i++) p.decide('reset', `{"id":"n${i}"}`, 0, policy);
    // The oldest was forgotten to make room: bounded, not a leak.
    expect(p.decide('reset', '{"id":"same"}', 0, policy).ok).toBe(true);
    expect(p.decide('reset', `{"id":"n${REMEMBERED_IDS - 1}"}`, 0, policy).ok).toBe(false);
  });

  it('echoes at most 200 characters of anything it was sent (id, name, error)', () => {
    const p = new CommandProcessor(rules);
    const long = 'y'.repeat(1500);
    const d1 = p.decide(long, '{}', 0, policy);
    expect(d1.command.length).toBeLessThanOrEqual(200);
    expect(d1.error!.length).toBeLessThanOrEqual(200);
    const d2 = p.decide('policy', JSON.stringify({ id: long, params: { [long]: 1 } }), 0, policy);
    expect(d2.ok).toBe(false);
    expect(d2.id!.length).toBeLessThanOrEqual(200);
    expect(d2.error!.length).toBeLessThanOrEqual(200);
  });
});

describe('raw frames', () => {
  it('round-trips any block and decimation, keeping the samples whose index is a multiple of N', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 7 }), (firstIndex, n, channels, decimation) => {
        const data = Array.from({ length: channels }, (_, c) => Float32Array.from({ length: n }, (_, i) => (firstIndex + i) * 10 + c));
        const encoded = encodeRawFrame({ firstIndex, fs_Hz: 250, channels: data.map((_, c) => `c${c}`), data }, decimation);
        const kept = Array.from({ length: n }, (_, i) => firstIndex + i).filter((idx) => idx % decimation === 0);
        if (kept.length === 0) {
          expect(encoded).toBeNull();
          return;
        }
        const frame = decodeRawFrame(encoded!);
        expect(frame.firstIndex).toBe(kept[0]);
        expect(frame.fs_Hz).toBe(250 / decimation);
        frame.data.forEach((channel, c) => expect(Array.from(channel)).toEqual(kept.map((idx) => idx * 10 + c)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('BoundedQueue', () => {
  it('never holds more than its capacity and drops the oldest', () => {
    const lost: number[] = [];
    const q = new BoundedQueue<number>(3, 1e9, () => 1, (x) => lost.push(x));
    [1, 2, 3, 4].forEach((x) => q.push(x));
    expect(lost).toEqual([1]);
    expect(q.length).toBe(3);
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual([2, 3, 4, undefined]);
  });

  it('never holds more than maxBytes, whatever the mix of sizes; the oldest go first, each counted', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5000 }), { maxLength: 300 }), fc.integer({ min: 1000, max: 20_000 }), (sizes, maxBytes) => {
        let lost = 0;
        const q = new BoundedQueue<number>(1_000_000, maxBytes, (s) => s, () => lost++);
        for (const s of sizes) {
          q.push(s);
          expect(q.bytes).toBeLessThanOrEqual(maxBytes);
        }
        const kept: number[] = [];
        for (let s = q.shift(); s !== undefined; s = q.shift()) kept.push(s);
        expect(q.bytes).toBe(0);
        expect(kept.length + lost).toBe(sizes.length);
        // What is kept is the newest that fit (too-big ones dropped at once).
        const fitting = sizes.filter((s) => s <= maxBytes);
        expect(kept).toEqual(fitting.slice(fitting.length - kept.length));
      }),
      { numRuns: 200 },
    );
  });
});

describe('telemetry config', () => {
  const problems = (raw: unknown): string[] => {
    try {
      parseConfig(raw);
      return [];
    } catch (e) {
      return e instanceof ConfigError ? [...e.problems] : [String(e)];
    }
  };
  it('refuses to listen beyond loopback without credentials, and a password written in the file', () => {
    expect(problems({ telemetry: { embedded: { host: '0.0.0.0' } } })).toEqual([expect.stringMatching(/^telemetry\.embedded\.host: listening on 0\.0\.0\.0 \(beyond loopback\) needs credentials/)]);
    expect(problems({ telemetry: { embedded: { host: '0.0.0.0' }, mqtt: { username: 'u', passwordEnv: 'P' } } })).toEqual([]);
    expect(problems({ telemetry: { mqtt: { password: 'secret' } } })).toEqual(['telemetry.mqtt.password: unknown key']);
    expect(problems({ telemetry: { mqtt: { url: 'http://x' } } })[0]).toMatch(/^telemetry\.mqtt\.url: must be an mqtt/);
    expect(problems({ telemetry: { queue_bytes: 10 } })[0]).toMatch(/^telemetry\.queue_bytes: /);
  });
  it('tunable keys must be numeric parameters of the configured policy', () => {
    expect(problems({ limits: { amplitude_mA: { max: 3 } }, policy: { kind: 'threshold', threshold: 1, amplitude_mA: 2 }, telemetry: { commands: { tunable: { upperThreshold: { min: 0, max: 1 } } } } })).toEqual([
      expect.stringMatching(/^telemetry\.commands\.tunable\.upperThreshold: policy "threshold" has no numeric parameter "upperThreshold" \(it has: threshold, amplitude_mA/),
    ]);
  });
});
