import { from, lastValueFrom, Observable, Subject, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { limitsSchema } from '../../config/limitsSchema.js';
import type { Policy } from '../../controller/policies/policy.js';
import type { StimulatorPort } from '../../controller/ports.js';
import { SafetyGovernor } from '../../controller/safetyGovernor.js';
import { ClosedLoopSession, type SessionEvent } from '../../controller/session.js';
import type { StimParams } from '../../controller/stimParams.js';
import type { SampleBlock } from '../../signals/sampleBlock.js';

const fs_Hz = 100;
const limits = limitsSchema.parse({ amplitude_mA: { max: 3 }, rampUp_mA_per_s: 10, rampDown_mA_per_s: 2, staleAfter_ms: 500 });
const signalPath = { fs_Hz, channels: ['a'], window: 50, hop: 10, segment: 50, bands: [{ name: 'beta', lo_Hz: 13, hi_Hz: 30 }] };

function blocks(seconds: number, skip?: [number, number]): SampleBlock[] {
  const out: SampleBlock[] = [];
  for (let at = 0; at < seconds * fs_Hz; at += 10) {
    if (skip && at >= skip[0] * fs_Hz && at < skip[1] * fs_Hz) continue;
    out.push({ firstIndex: at, fs_Hz, channels: ['a'], data: [Float32Array.from({ length: 10 }, (_, i) => Math.sin((at + i) * 1.3))] });
  }
  return out;
}

class RecordingStimulator implements StimulatorPort {
  readonly calls: StimParams[] = [];
  apply(p: StimParams): void {
    this.calls.push(p);
  }
}

const constant = (request: () => unknown): Policy => ({
  kind: 'test',
  step: () => request() as StimParams,
  state: () => 'test',
  thresholds: () => [],
  parameters: () => ({ kind: 'off' }),
  retune: () => undefined,
});
const on: StimParams = { enabled: true, amplitude_mA: 2, frequency_Hz: 130, pulseWidth_us: 60 };

describe('ClosedLoopSession', () => {
  it('passes every request through the governor to the stimulator, one decision per frame', async () => {
    const stimulator = new RecordingStimulator();
    const session = new ClosedLoopSession({ signalPath, policy: constant(() => on), governor: new SafetyGovernor(limits), stimulator });
    const steps = await lastValueFrom(session.run(from(blocks(3))).pipe(toArray()));
    expect(steps).toHaveLength((300 - 50) / 10 + 1);
    // Ramp at 10 mA/s from the first frame at 0.5 s: 2 mA is reached 0.2 s later.
    [0, 1, 2, 2].forEach((a, i) => expect(steps[i].applied.amplitude_mA).toBeCloseTo(a, 12));
    // The last call is the end-of-data cut.
    expect(stimulator.calls.at(-1)).toMatchObject({ enabled: false, amplitude_mA: 0 });
    expect(session.summary().events['session-end']).toBe(1);
  });

  it('a policy that throws or returns garbage is held and reported, and the loop goes on', async () => {
    let n = 0;
    const policy = constant(() => {
      n++;
      if (n === 10) throw new Error('boom');
      if (n === 12) return { enabled: true, amplitude_mA: Number.NaN };
      if (n === 14) return 'garbage';
      return on;
    });
    const session = new ClosedLoopSession({ signalPath, policy, governor: new SafetyGovernor(limits), stimulator: new RecordingStimulator() });
    const steps = await lastValueFrom(session.run(from(blocks(3))).pipe(toArray()));
    expect(steps).toHaveLength(26);
    expect(steps[9].events.map((e) => e.kind)).toEqual(['policy-error']);
    expect(steps[9].requested).toBeNull();
    expect(steps[11].events.map((e) => e.kind)).toEqual(['nonfinite-request']);
    expect(steps[13].events.map((e) => e.kind)).toEqual(['nonfinite-request']);
    for (const i of [9, 11, 13]) expect(steps[i].applied).toEqual(steps[i - 1].applied);
    expect(steps.at(-1)!.applied.amplitude_mA).toBe(2);
  });

  it('lost samples: the watchdog falls back to off once no valid frame came for staleAfter_ms', async () => {
    const session = new ClosedLoopSession({ signalPath, policy: constant(() => on), governor: new SafetyGovernor(limits), stimulator: new RecordingStimulator() });
    const steps = await lastValueFrom(session.run(from(blocks(6, [2, 3]))).pipe(toArray()));
    const fallback = steps.find((s) => s.events.some((e) => e.kind === 'watchdog-fallback'))!;
    // The first frames after the gap touch it (invalid); the watchdog counts from the last valid frame.
    const lastValidBefore = steps.filter((s) => s.valid && s.t_s < 2).at(-1)!;
    expect(fallback.t_s - lastValidBefore.t_s).toBeGreaterThanOrEqual(0.5);
    const before = steps[steps.indexOf(fallback) - 1];
    expect(before.t_s - lastValidBefore.t_s).toBeLessThan(0.5);
    expect(fallback.applied.amplitude_mA).toBeLessThan(2);
    expect(steps.some((s) => s.events.some((e) => e.kind === 'watchdog-recovered'))).toBe(true);
  });

  it('requestStop ramps to off through the governor and then completes', async () => {
    const source = blocks(30);
    const session = new ClosedLoopSession({ signalPath, policy: constant(() => on), governor: new SafetyGovernor(limits), stimulator: new RecordingStimulator() });
    const steps: number[] = [];
    await new Promise<void>((resolve) => {
      session.run(from(source)).subscribe({
        next: (s) => {
          steps.push(s.applied.amplitude_mA);
          if (s.t_s === 2) session.requestStop();
        },
        complete: resolve,
      });
    });
    const stopAt = steps.findIndex((_, i) => i === (2 - 0.5) / 0.1);
    const after = steps.slice(stopAt);
    expect(after.at(-1)).toBe(0);
    // 2 mA at 2 mA/s takes 1 s: ten frames of 0.1 s, each at most 0.2 mA lower.
    for (let i = 1; i < after.length; i++) expect(after[i - 1] - after[i]).toBeLessThanOrEqual(0.2 + 1e-12);
    expect(after.length).toBeGreaterThanOrEqual(11);
    expect(steps.length).toBeLessThan(100);
    // The end says the stop had stimulation to ramp down (not "already off").
    expect(session.takePendingEvents().filter((e) => e.kind === 'session-end')).toEqual([expect.objectContaining({ reason: 'session stopped (stimulation ramped down to off first)' })]);
  });

  it('an e-stop cuts at once and holds', async () => {
    const stimulator = new RecordingStimulator();
    const session = new ClosedLoopSession({ signalPath, policy: constant(() => on), governor: new SafetyGovernor(limits), stimulator });
    const amps: number[] = [];
    let stoppedAt = -1;
    await new Promise<void>((resolve) => {
      session.run(from(blocks(4))).subscribe({
        next: (s) => {
          amps.push(s.applied.amplitude_mA);
          if (s.t_s === 2) {
            stoppedAt = amps.length;
            session.estop('test');
            expect(stimulator.calls.at(-1)).toMatchObject({ amplitude_mA: 0 });
          }
        },
        complete: resolve,
      });
    });
    expect(amps[stoppedAt - 1]).toBe(2);
    expect(amps.slice(stoppedAt)).toEqual(Array(amps.length - stoppedAt).fill(0));
    expect(session.summary().latched).toBe('estop');
  });

  it('session-start reaches onEvent on subscribe and the first step; session-end (with its reason) exactly once, pending for the closing line', async () => {
    const heard: SessionEvent[] = [];
    const session = new ClosedLoopSession({ signalPath, policy: constant(() => on), governor: new SafetyGovernor(limits), stimulator: new RecordingStimulator(), onEvent: (e) => heard.push(e) });
    const steps = await lastValueFrom(session.run(from(blocks(2))).pipe(toArray()));
    expect(heard[0]).toMatchObject({ kind: 'session-start', t_s: 0 });
    expect(steps[0].events.map((e) => e.kind)).toEqual(['session-start']);
    const ends = heard.filter((e) => e.kind === 'session-end');
    expect(ends).toHaveLength(1);
    expect(ends[0].reason).toMatch(/end of data/);
    // After the last frame: in no step, so handed over once for the trace's closing line.
    expect(session.takePendingEvents().map((e) => e.kind)).toEqual(['session-end']);
    expect(session.takePendingEvents()).toEqual([]);
  });

  it('session-end also when the output was already off, and when the run is cut (unsubscribed) or fails', async () => {
    const off = constant(() => ({ enabled: false, amplitude_mA: 0, frequency_Hz: 130, pulseWidth_us: 60 }));
    const quiet = new ClosedLoopSession({ signalPath, policy: off, governor: new SafetyGovernor(limits), stimulator: new RecordingStimulator() });
    await lastValueFrom(quiet.run(from(blocks(1))).pipe(toArray()));
    expect(quiet.takePendingEvents()).toEqual([expect.objectContaining({ kind: 'session-end', reason: 'end of data (output was already off)' })]);

    const heard: SessionEvent[] = [];
    const cut = new ClosedLoopSession({ signalPath, policy: constant(() => on), governor: new SafetyGovernor(limits), stimulator: new RecordingStimulator(), onEvent: (e) => heard.push(e) });
    const live = new Subject<SampleBlock>();
    let cutNow = false;
    const subscription = cut.run(live).subscribe({ next: (step) => (cutNow ||= step.t_s >= 1) });
    for (const block of blocks(30)) {
      live.next(block);
      if (cutNow) break;
    }
    // What runCommand does on a second Ctrl+C: e-stop, then unsubscribe.
    cut.estop('second SIGINT');
    subscription.unsubscribe();
    expect(heard.map((e) => e.kind)).toContain('estop');
    expect(heard.filter((e) => e.kind === 'session-end')).toEqual([expect.objectContaining({ reason: 'session cut (output was already off)' })]);

    const failing = new ClosedLoopSession({ signalPath, policy: constant(() => on), governor: new SafetyGovernor(limits), stimulator: new RecordingStimulator() });
    const source = new Observable<SampleBlock>((subscriber) => {
      for (const b of blocks(1)) subscriber.next(b);
      subscriber.error(new Error('disk gone'));
    });
    await expect(lastValueFrom(failing.run(source))).rejects.toThrow('disk gone');
    expect(failing.takePendingEvents()).toEqual([expect.objectContaining({ kind: 'session-end', reason: 'error: disk gone' })]);
  });

  it('a command e-stop reaches onEvent and the next step; a refused command (retained) is an event too and changes nothing', async () => {
    const heard: SessionEvent[] = [];
    const stimulator = new RecordingStimulator();
    const session = new ClosedLoopSession({
      signalPath,
      policy: constant(() => on),
      governor: new SafetyGovernor(limits),
      stimulator,
      onEvent: (e) => heard.push(e),
      commands: { enabled: true, maxRate_per_s: 1, burst: 1, tunable: {} },
    });
    const steps: { events: readonly SessionEvent[]; amp: number }[] = [];
    await new Promise<void>((resolve) => {
      session.run(from(blocks(3))).subscribe({
        next: (s) => {
          steps.push({ events: s.events, amp: s.applied.amplitude_mA });
          if (s.t_s === 1) {
            const ack = session.command('estop', '{"id":"e1"}', 0);
            expect(ack).toMatchObject({ id: 'e1', ok: true });
            expect(stimulator.calls.at(-1)).toMatchObject({ amplitude_mA: 0 });
          }
          if (s.t_s === 1.5) {
            // A stale reset replayed by the broker on reconnect: refused, the e-stop holds.
            expect(session.command('reset', '{"id":"r1"}', 1000, { retained: true })).toMatchObject({ ok: false, error: expect.stringMatching(/retained/) });
          }
        },
        complete: resolve,
      });
    });
    expect(heard.filter((e) => e.kind === 'estop')).toHaveLength(1);
    const commandEvents = heard.filter((e) => e.kind === 'command');
    expect(commandEvents.map((e) => [e.kind === 'command' && e.id, e.kind === 'command' && e.ok])).toEqual([['e1', true], ['r1', false]]);
    const afterEstop = steps.findIndex((s) => s.events.some((e) => e.kind === 'estop'));
    expect(steps[afterEstop].events.map((e) => e.kind)).toEqual(['estop', 'command']);
    expect(steps.slice(afterEstop).every((s) => s.amp === 0)).toBe(true);
    expect(steps.some((s) => s.events.some((e) => e.kind === 'reset'))).toBe(false);
    expect(session.summary().latched).toBe('estop');
  });
});
