import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Clock, sleep } from '../../controller/clock.js';
import { PulseGovernor } from '../../controller/pulseGovernor.js';
import { levelFor } from '../../drivers/gpio/safeLevel.js';
import { TtlPulseStimulator } from '../../drivers/gpio/ttlPulseStimulator.js';
import { TtlTrigger } from '../../drivers/gpio/ttlTrigger.js';
import { EmulatedGpioChip } from '../../sim/emulatedGpioChip.js';
import { VirtualClock } from '../../sim/virtualClock.js';

const LINE = 27;

/**
 * The stimulator's clock whose timers run late by `lateness()` ms each, as on an event loop
 * blocked by a GC pause or a slow block (timers never run early on it); the line and the
 * trigger keep the true clock.
 */
function lateTimers(clock: VirtualClock, lateness: () => number): Clock {
  return { now_ms: () => clock.now_ms(), setTimer: (delay_ms, fn) => clock.setTimer(Math.max(0, delay_ms) + lateness(), fn) };
}

async function rig(o: { pulseWidth_us: number; minInterval_ms: number; delay_ms: number; fs_Hz?: number; lateness?: () => number }) {
  const clock = new VirtualClock('max');
  const chip = new EmulatedGpioChip(clock);
  const line = await chip.output(LINE, levelFor('inactive', 'high'), 'neuroloop TMS trigger');
  const events: string[] = [];
  const stimulator = new TtlPulseStimulator({
    trigger: new TtlTrigger({ line, activeLevel: 'high', pulseWidth_us: o.pulseWidth_us, clock }),
    clock: o.lateness === undefined ? clock : lateTimers(clock, o.lateness),
    fs_Hz: o.fs_Hz ?? 1000,
    minInterval_ms: o.minInterval_ms,
    delay_ms: o.delay_ms,
    onEvent: (reason) => events.push(reason),
  });
  const rising = () => chip.historyOf(LINE).filter((c, i, all) => c.level === 1 && (i === 0 || all[i - 1].level === 0)).map((c) => c.t_ms);
  const falling = () => chip.historyOf(LINE).filter((c, i, all) => c.level === 0 && i > 0 && all[i - 1].level === 1).map((c) => c.t_ms);
  return { clock, chip, stimulator, events, rising, falling };
}

/** At 1 kHz: the block [from, end) arrives at `end` ms, when its last sample (end - 1) has just been taken: sample i is taken at i + 1 ms. */
async function arrive(clock: VirtualClock, end: number): Promise<void> {
  await sleep(clock, end - clock.now_ms());
}

describe('TtlPulseStimulator (the pulse port on a GPIO TTL line, timed on the host clock)', () => {
  it('the pulses the governor fires reach the line as rising edges of the trigger width; refused ones never do', async () => {
    const { clock, chip, stimulator, rising } = await rig({ pulseWidth_us: 1000, minInterval_ms: 20, delay_ms: 0 });
    // 1 kHz samples; pulses at least 20 ms apart, at most 2 per train, trains 100 ms apart.
    const governor = new PulseGovernor({ minInterval_ms: 20, maxPerTrain: 2, maxTrainDuration_ms: 50, minInterTrain_ms: 100, maxPerSession: 10 }, 1000);
    for (let index = 0; index <= 200; index += 10) {
      await arrive(clock, index + 1); // a one-sample block: the pulse's sample was just taken
      const decision = governor.request(index, false);
      if (decision.fired) stimulator.fire({ index, t_s: index / 1000, blockEnd: index + 1 });
    }
    await sleep(clock, 5);
    // Fired at samples 0, 20 (train 1), 120, 140 (train 2): 100 ms after the train's last pulse.
    expect(rising()).toEqual([1, 21, 121, 141]);
    for (const edge of rising()) expect(chip.historyOf(LINE)).toContainEqual({ t_ms: edge + 1, level: 0 });
    expect(stimulator.counters()).toEqual({ fired: 4, overlapped: 0, spaced: 0, late: 0, cancelled: 0, writeErrors: 0, lastIndex: 140, maxLatency_ms: 0 });
    await stimulator.close();
    expect(chip.levelOf(LINE)).toBe(0);
    expect(chip.lines.get(LINE)?.released).toBe(true);
  });

  it('a burst that arrives in one block leaves as a burst: with delay_ms one block, the spacing on the line is the pattern\'s', async () => {
    const { clock, stimulator, rising } = await rig({ pulseWidth_us: 1000, minInterval_ms: 20, delay_ms: 100 });
    // Pulses at samples 0, 30, 60 come in the block [0, 100), which arrives at 100 ms.
    await arrive(clock, 100);
    for (const index of [0, 30, 60]) stimulator.fire({ index, t_s: index / 1000, blockEnd: 100 });
    await sleep(clock, 200);
    // Each leaves 100 ms after its sample (taken at i + 1 ms): 30 ms apart, as the pattern has them.
    expect(rising()).toEqual([101, 131, 161]);
    expect(stimulator.counters()).toMatchObject({ fired: 3, late: 0, spaced: 0, overlapped: 0, maxLatency_ms: 100 });
  });

  it('with delay_ms 0 the same burst leaves at once but never closer than minInterval_ms: none is lost to a line still high', async () => {
    const { clock, stimulator, rising } = await rig({ pulseWidth_us: 1000, minInterval_ms: 20, delay_ms: 0 });
    await arrive(clock, 100);
    for (const index of [0, 30, 60]) stimulator.fire({ index, t_s: index / 1000, blockEnd: 100 });
    await sleep(clock, 200);
    expect(rising()).toEqual([100, 120, 140]);
    expect(stimulator.counters()).toMatchObject({ fired: 3, late: 3, spaced: 2, overlapped: 0 });
  });

  it('however late or early the blocks arrive, two edges are never closer than minInterval_ms (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ gap: fc.integer({ min: 1, max: 60 }), jitter: fc.integer({ min: 0, max: 40 }), blockExtra: fc.integer({ min: 0, max: 30 }) }), { minLength: 2, maxLength: 25 }),
        fc.integer({ min: 0, max: 50 }),
        async (pulses, delay_ms) => {
          const minInterval_ms = 20;
          const { clock, stimulator, rising } = await rig({ pulseWidth_us: 1000, minInterval_ms, delay_ms });
          // Pulses the governor allowed (>= 20 samples apart at 1 kHz), each in a block that arrives jittered.
          let index = 0;
          for (const p of pulses) {
            index += minInterval_ms + p.gap;
            const blockEnd = index + 1 + p.blockExtra;
            await arrive(clock, Math.max(clock.now_ms(), blockEnd + p.jitter));
            stimulator.fire({ index, t_s: index / 1000, blockEnd });
          }
          await sleep(clock, 100 * pulses.length);
          const edges = rising();
          expect(edges).toHaveLength(pulses.length);
          for (let i = 1; i < edges.length; i++) expect(edges[i] - edges[i - 1]).toBeGreaterThanOrEqual(minInterval_ms - 1e-9);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a timer that runs late does not squeeze the next edge closer: spacing is held against the last real edge', async () => {
    // Two pulses 20 samples apart, each leaving 20 ms after its sample; the first one's timer
    // runs 15 ms late (the loop was blocked), the second's on time. Spaced by scheduled
    // times they left 5 ms apart; the second must wait for 20 ms after the first real edge.
    const late = [15, 0, 0, 0];
    const { clock, stimulator, rising } = await rig({ pulseWidth_us: 1000, minInterval_ms: 20, delay_ms: 20, lateness: () => late.shift() ?? 0 });
    await arrive(clock, 1);
    stimulator.fire({ index: 0, t_s: 0, blockEnd: 1 }); // sample taken at 1 ms: due at 21, runs at 36
    await arrive(clock, 21);
    stimulator.fire({ index: 20, t_s: 0.02, blockEnd: 21 }); // due at 41, held to 56
    await sleep(clock, 100);
    expect(rising()).toEqual([36, 56]);
    expect(stimulator.counters()).toMatchObject({ fired: 2, spaced: 1, overlapped: 0 });
  });

  it('however late its timers run, two edges are never closer than minInterval_ms, in pulse order, none lost (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 60 }), blockExtra: fc.integer({ min: 0, max: 30 }) }), { minLength: 2, maxLength: 25 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 50 }),
        async (pulses, latenesses, delay_ms) => {
          const minInterval_ms = 20;
          let t = 0;
          const { clock, stimulator, rising } = await rig({ pulseWidth_us: 1000, minInterval_ms, delay_ms, lateness: () => latenesses[t++ % latenesses.length] });
          const edgesFor: number[] = [];
          let index = 0;
          for (const p of pulses) {
            index += minInterval_ms + p.gap;
            const blockEnd = index + 1 + p.blockExtra;
            await arrive(clock, Math.max(clock.now_ms(), blockEnd));
            stimulator.fire({ index, t_s: index / 1000, blockEnd });
            edgesFor.push(index);
          }
          await sleep(clock, 100 * pulses.length + 50 * latenesses.length);
          const edges = rising();
          expect(edges).toHaveLength(pulses.length);
          for (let i = 1; i < edges.length; i++) expect(edges[i] - edges[i - 1]).toBeGreaterThanOrEqual(minInterval_ms - 1e-9);
          expect(stimulator.counters()).toMatchObject({ fired: pulses.length, lastIndex: edgesFor.at(-1) });
        },
      ),
      { numRuns: 80 },
    );
  });

  it('halt (an e-stop) ends the pulse in progress at once, drops what waits (each reported), and nothing fires until resume', async () => {
    const { clock, stimulator, events, rising, falling } = await rig({ pulseWidth_us: 5000, minInterval_ms: 20, delay_ms: 50 });
    await arrive(clock, 10);
    stimulator.fire({ index: 0, t_s: 0, blockEnd: 10 }); // taken at 1 ms, leaves at 51 ms
    stimulator.fire({ index: 5, t_s: 0.005, blockEnd: 10 }); // would leave at 71 ms (held to the 20 ms minimum)
    await arrive(clock, 52);
    expect(rising()).toEqual([51]);
    stimulator.halt('e-stop: button');
    await sleep(clock, 1);
    // The 5 ms pulse ended at the e-stop (52 ms), not at 55 ms; the waiting one never left.
    expect(falling()).toEqual([52]);
    await sleep(clock, 100);
    expect(rising()).toEqual([51]);
    expect(events).toEqual(['pulse at sample 5 cancelled before its edge: e-stop: button']);
    stimulator.fire({ index: 200, t_s: 0.2, blockEnd: 201 });
    await sleep(clock, 100);
    expect(rising()).toEqual([51]);
    expect(events[1]).toBe('pulse at sample 200 not sent: the trigger line is halted');
    stimulator.resume();
    await arrive(clock, 400);
    stimulator.fire({ index: 399, t_s: 0.399, blockEnd: 400 });
    await sleep(clock, 100);
    expect(rising()).toEqual([51, 450]);
    expect(stimulator.counters()).toMatchObject({ fired: 2, cancelled: 2 });
  });

  it('a pulse while the last one is still high (width over the spacing) is counted and reported as not sent, never stretched or queued', async () => {
    const { clock, stimulator, events, rising } = await rig({ pulseWidth_us: 5000, minInterval_ms: 2, delay_ms: 0 });
    await arrive(clock, 1);
    stimulator.fire({ index: 0, t_s: 0, blockEnd: 1 });
    await arrive(clock, 3);
    stimulator.fire({ index: 2, t_s: 0.002, blockEnd: 3 });
    await arrive(clock, 13);
    stimulator.fire({ index: 12, t_s: 0.012, blockEnd: 13 });
    await sleep(clock, 10);
    expect(rising()).toEqual([1, 13]);
    expect(stimulator.counters()).toMatchObject({ fired: 2, overlapped: 1, lastIndex: 12 });
    expect(events[0]).toMatch(/^pulse at sample 2 not sent: the trigger line was still high/);
    await stimulator.close();
    await stimulator.close();
  });
});
