import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { limitsSchema, type PulseLimits } from '../../config/limitsSchema.js';
import { BurstPattern, type BurstPatternSpec } from '../../controller/policies/burstPattern.js';
import { createPolicy } from '../../controller/policies/createPolicy.js';
import type { Pulse, PulseStimulatorPort } from '../../controller/ports.js';
import { PulseGovernor } from '../../controller/pulseGovernor.js';
import { SafetyGovernor } from '../../controller/safetyGovernor.js';
import { ClosedLoopSession, type PulseEvent, type SessionStep } from '../../controller/session.js';
import type { SampleBlock } from '../../signals/sampleBlock.js';

/** iTBS (Huang et al. 2005): 3 pulses at 50 Hz, bursts at 5 Hz, 2 s on, 8 s off, 600 pulses. */
const ITBS: BurstPatternSpec = { pulsesPerBurst: 3, pulseRate_Hz: 50, burstRate_Hz: 5, on_s: 2, off_s: 8, total: 600, start_s: 1 };
const ITBS_LIMITS: PulseLimits = { minInterval_ms: 20, maxPerTrain: 30, maxTrainDuration_ms: 2000, minInterTrain_ms: 8000, maxPerSession: 600 };

class RecordingPulses implements PulseStimulatorPort {
  readonly fired: Pulse[] = [];
  readonly halts: string[] = [];
  resumes = 0;
  fire(pulse: Pulse): void {
    this.fired.push(pulse);
  }
  halt(reason: string): void {
    this.halts.push(reason);
  }
  resume(): void {
    this.resumes++;
  }
}

const at = (pulses: readonly Pulse[]) => pulses.map((p) => ({ index: p.index, t_s: p.t_s }));
/** Each trace line's pulse events, by the line's sample index. */
const pulseLines = (steps: readonly SessionStep[]) => steps.map((s) => [s.index, s.events.filter((e) => e.kind === 'pulse' || e.kind === 'pulse-refused')]);

function blocks(fs_Hz: number, seconds: number, lengths: readonly number[]): SampleBlock[] {
  const out: SampleBlock[] = [];
  const n = Math.round(seconds * fs_Hz);
  for (let at = 0, i = 0; at < n; i++) {
    const length = Math.min(lengths[i % lengths.length], n - at);
    out.push({ firstIndex: at, fs_Hz, channels: ['a'], data: [Float32Array.from({ length }, (_, j) => Math.sin((at + j) * 0.3))] });
    at += length;
  }
  return out;
}

async function runPulses(o: { fs_Hz: number; seconds: number; lengths?: readonly number[]; spec?: BurstPatternSpec; limits?: PulseLimits; estopAt_s?: number; stopAt_s?: number }) {
  const fs_Hz = o.fs_Hz;
  const port = new RecordingPulses();
  const governor = new SafetyGovernor(limitsSchema.parse({ pulses: o.limits ?? ITBS_LIMITS }));
  const session: ClosedLoopSession = new ClosedLoopSession({
    signalPath: { fs_Hz, channels: ['a'], window: Math.round(fs_Hz / 2), hop: Math.round(fs_Hz / 10), segment: Math.round(fs_Hz / 2), bands: [{ name: 'alpha', lo_Hz: 8, hi_Hz: 13 }] },
    policy: createPolicy({ kind: 'off' }),
    governor,
    stimulator: { apply: () => undefined },
    pulses: { schedule: new BurstPattern(o.spec ?? ITBS, fs_Hz, 0), governor: new PulseGovernor(governor.limits.pulses, fs_Hz), stimulator: port },
    onBlock: (block) => {
      if (o.estopAt_s !== undefined && block.firstIndex === o.estopAt_s * fs_Hz) session.estop('test e-stop');
      if (o.stopAt_s !== undefined && block.firstIndex === o.stopAt_s * fs_Hz) session.requestStop();
    },
  });
  const steps: SessionStep[] = await lastValueFrom(session.run(from(blocks(fs_Hz, o.seconds, o.lengths ?? [20]))).pipe(toArray()));
  const events = [...steps.flatMap((s) => s.events), ...session.takePendingEvents()];
  const pulses = events.filter((e): e is PulseEvent => e.kind === 'pulse' || e.kind === 'pulse-refused');
  return { port, steps, pulses, session };
}

describe('pulses in the session: pattern -> PulseGovernor -> pulse port, traced', () => {
  it('iTBS at 1 kHz: 600 pulses at the pattern samples, 20 trains of 10 triplets, each a trace event; nothing refused', async () => {
    const { port, pulses, steps, session } = await runPulses({ fs_Hz: 1000, seconds: 200 });
    const expected: number[] = [];
    for (let train = 0; train < 20; train++) for (let burst = 0; burst < 10; burst++) for (let p = 0; p < 3; p++) expected.push(1000 + train * 10_000 + burst * 200 + p * 20);
    expect(port.fired.map((p) => p.index)).toEqual(expected);
    // blockEnd: the end of the 20-sample block that brought it (a TTL driver times the edge from it).
    expect(port.fired[1]).toEqual({ index: 1020, t_s: 1.02, blockEnd: 1040 });
    expect(pulses.every((e) => e.kind === 'pulse')).toBe(true);
    expect(pulses.map((e) => e.index)).toEqual(expected);
    expect(pulses[30]).toEqual({ t_s: 11, kind: 'pulse', index: 11_000, reason: 'pulse 31 (train 2)' });
    expect(session.summary().events).toMatchObject({ pulse: 600 });
    // Each pulse is in the first trace line whose window ends after its sample.
    for (let i = 0; i < steps.length; i++) {
      for (const e of steps[i].events) {
        if (e.kind !== 'pulse') continue;
        expect(e.index).toBeLessThan(steps[i].index);
        if (i > 0) expect(e.index).toBeGreaterThanOrEqual(steps[i - 1].index);
      }
    }
    expect(steps[0].events[0]).toMatchObject({ kind: 'session-start', reason: expect.stringMatching(/pulses: pattern: 3 pulses at 50 Hz, bursts at 5 Hz, 2 s on \/ 8 s off, 600 pulses from 1 s/) });
  });

  it('the same pulses and trace whatever the blocks (1 to 333 samples)', async () => {
    const reference = await runPulses({ fs_Hz: 1000, seconds: 30, lengths: [20] });
    for (const lengths of [[1], [7, 333], [100, 3, 50]]) {
      const other = await runPulses({ fs_Hz: 1000, seconds: 30, lengths });
      expect(at(other.port.fired)).toEqual(at(reference.port.fired));
      expect(other.pulses).toEqual(reference.pulses);
      // Line for line: a replay of 1-s records traces its pulses where the live run did.
      expect(pulseLines(other.steps)).toEqual(pulseLines(reference.steps));
    }
  });

  it('the governor, not the pattern, has the last word: a session cap of 100 fires 100, the rest are refused by name', async () => {
    const { port, pulses } = await runPulses({ fs_Hz: 1000, seconds: 200, limits: { ...ITBS_LIMITS, maxPerSession: 100 } });
    expect(port.fired).toHaveLength(100);
    const refused = pulses.filter((e) => e.kind === 'pulse-refused');
    expect(refused).toHaveLength(500);
    expect(refused[0].reason).toBe('session-pulses: 100 pulses fired, limits.pulses.maxPerSession is 100');
  });

  it('after an e-stop no pulse reaches the port; each one asked for is refused as latched', async () => {
    const { port, pulses } = await runPulses({ fs_Hz: 1000, seconds: 40, estopAt_s: 15 });
    expect(port.fired.every((p) => p.index < 15_000)).toBe(true);
    expect(port.fired).toHaveLength(60); // the first two trains (1-3 s and 11-13 s)
    const after = pulses.filter((e) => e.index >= 15_000);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((e) => e.kind === 'pulse-refused' && e.reason.startsWith('latched: stimulation is latched off (estop)'))).toBe(true);
    // The port heard the e-stop at once (a TTL line ends its pulse and drops what waits).
    expect(port.halts[0]).toBe('e-stop: test e-stop');
  });

  it('a stop (SIGINT) refuses the pulses after it as stopping, not latched, and halts the port', async () => {
    const { port, pulses } = await runPulses({ fs_Hz: 1000, seconds: 40, stopAt_s: 12 });
    expect(port.halts[0]).toBe('the session is stopping');
    const after = pulses.filter((e) => e.index >= 12_000);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((e) => e.kind === 'pulse-refused' && e.reason === 'stopping: the session is stopping')).toBe(true);
    expect(port.fired.every((p) => p.index < 12_000)).toBe(true);
  });

  it('at 256 Hz the pattern snaps to samples, and 50 Hz pulses 19.5 ms apart are refused against a 20 ms limit: the limit is the truth', async () => {
    const { port, pulses } = await runPulses({ fs_Hz: 256, seconds: 12 });
    const refused = pulses.filter((e) => e.kind === 'pulse-refused');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((e) => e.reason.startsWith('min-interval'))).toBe(true);
    for (let i = 1; i < port.fired.length; i++) expect(((port.fired[i].index - port.fired[i - 1].index) * 1000) / 256).toBeGreaterThanOrEqual(20);
  });

  it('without limits.pulses in the config file, a schedule fires nothing', async () => {
    const port = new RecordingPulses();
    const governor = new SafetyGovernor(limitsSchema.parse({}));
    const session = new ClosedLoopSession({
      signalPath: { fs_Hz: 1000, channels: ['a'], window: 500, hop: 100, segment: 500, bands: [{ name: 'alpha', lo_Hz: 8, hi_Hz: 13 }] },
      policy: createPolicy({ kind: 'off' }),
      governor,
      stimulator: { apply: () => undefined },
      pulses: { schedule: new BurstPattern(ITBS, 1000, 0), governor: new PulseGovernor(governor.limits.pulses, 1000), stimulator: port },
    });
    const steps = await lastValueFrom(session.run(from(blocks(1000, 5, [20]))).pipe(toArray()));
    expect(port.fired).toHaveLength(0);
    expect(steps.flatMap((s) => s.events).filter((e) => e.kind === 'pulse-refused')[0].reason).toMatch(/^no-pulse-limits/);
  });
});
