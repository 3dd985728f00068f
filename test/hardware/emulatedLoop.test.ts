import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { parseConfig, readConfigFile } from '../../config/load.js';
import { applyOverrides } from '../../config/overrides.js';
import type { Config } from '../../config/schema.js';
import type { SessionEvent, SessionStep } from '../../controller/session.js';
import { type BuiltSession, buildSession } from '../../cli/buildSession.js';
import { REPO } from '../helpers/cli.js';

/**
 * The whole loop through the real drivers on the emulated chips (cli/buildSession.ts with
 * config/examples/emulated-hw.yaml), looked at from inside the emulated bench: the DAC's
 * output, the enable line, the counters. Faults come from the config, as a user injects them.
 */
const EXAMPLE = `${REPO}config/examples/emulated-hw.yaml`;

function config(sets: string[] = []): Config {
  return parseConfig(applyOverrides(readConfigFile(EXAMPLE), sets), EXAMPLE);
}

interface Ran {
  built: BuiltSession;
  steps: SessionStep[];
  events: SessionEvent[];
}

async function run(duration_s: number, sets: string[] = []): Promise<Ran> {
  const events: SessionEvent[] = [];
  const built = await buildSession(config(sets), { configDir: `${REPO}config/examples`, duration_s, speed: 'max' }, { onEvent: (e) => events.push(e) });
  try {
    const steps = await lastValueFrom(built.steps.pipe(toArray()));
    return { built, steps, events };
  } finally {
    await built.close();
  }
}

describe('the closed loop on emulated hardware', () => {
  it('runs through the real drivers: samples read and lost add up, the measured rate is the chip\'s, stimulation reaches the patient', async () => {
    const { built, steps } = await run(60);
    const c = built.driverCounters();
    const expected = 60 * built.fs_Hz;
    expect(built.fs_Hz).toBe(215);
    expect(c.source).not.toBeNull();
    expect(c.source!.samples + c.source!.gapSamples).toBe(expected);
    expect(c.source!.gapSamples).toBe(0);
    expect(c.source!.i2cErrors).toBe(0);
    // 2 inputs: one conversion in two is the stale one after a MUX switch.
    expect(c.source!.staleDiscarded).toBeGreaterThanOrEqual(expected * 2 - 4);
    // The oscillator runs 3 % fast (emulation.oscillatorError).
    expect(c.source!.measuredFs_Hz! / (215 * 1.03)).toBeCloseTo(1, 2);
    expect(c.stimulator!.dacWrites).toBeGreaterThan(10);
    expect(c.stimulator!.faults).toBe(0);
    // The adaptive policy stimulated after its 20 s baseline, and the plant felt it.
    expect(steps.some((s) => s.applied.amplitude_mA > 0.5)).toBe(true);
    expect(built.rig).not.toBeNull();
    // At the end: DAC at zero and powered down, enable line inactive and released.
    const rig = built.rig!;
    expect(rig.dac!.output_V).toBe(0);
    const enable = rig.gpio.lines.get(27)!;
    expect(enable.history.at(-1)!.level).toBe(0);
    expect(enable.released).toBe(true);
  }, 120_000);

  it('an e-stop button edge cuts the output within one tick, and latches', async () => {
    const { built, steps, events } = await run(40, ['gpio.emulation.estopPressAt_s=30']);
    const rig = built.rig!;
    const estop = events.find((e) => e.kind === 'estop');
    expect(estop?.reason).toMatch(/GPIO22/);
    // The press is at 30 s of host (virtual) time; data time runs 3 % ahead (the chip's oscillator).
    expect(estop!.t_s).toBeGreaterThan(30.5);
    expect(estop!.t_s).toBeLessThan(31.3);
    // The event carries the time of the last decision before the press; the next decision is off.
    const before = steps.filter((s) => s.t_s <= estop!.t_s);
    expect(before.at(-1)!.applied.amplitude_mA).toBeGreaterThan(0);
    const after = steps.filter((s) => s.t_s > estop!.t_s);
    expect(after.length).toBeGreaterThan(50);
    expect(after.every((s) => s.applied.amplitude_mA === 0 && !s.applied.enabled)).toBe(true);
    // On the bench: the enable line went inactive and the DAC to 0 V within 1 ms of the press (virtual time).
    const enable = rig.gpio.lines.get(27)!.history;
    const offAt = enable.find((h) => h.t_ms >= 30_000 && h.level === 0);
    expect(offAt).toBeDefined();
    expect(offAt!.t_ms - 30_000).toBeLessThan(1);
    expect(built.governor.latched).toBe('estop');
    expect(built.driverCounters().estopPresses).toBe(1);
  }, 120_000);

  it('a DAC that stops taking writes: retries, then fault: enable low, governor latched, output off', async () => {
    const { built, steps, events } = await run(45, ['stimulator.emulation.refuseWritesAt_s=25']);
    const c = built.driverCounters().stimulator!;
    expect(c.writeErrors).toBeGreaterThan(0);
    expect(c.retries).toBeGreaterThan(0);
    expect(c.faults).toBe(1);
    expect(built.governor.latched).toBe('fault');
    expect(events.some((e) => e.kind === 'fault')).toBe(true);
    const faultAt = events.find((e) => e.kind === 'fault')!.t_s;
    expect(steps.filter((s) => s.t_s > faultAt).every((s) => s.applied.amplitude_mA === 0)).toBe(true);
    const enable = built.rig!.gpio.lines.get(27)!.history;
    expect(enable.at(-1)!.level).toBe(0);
    // The enable line went low within the fault's own handling, not at the end of the session.
    const low = enable.filter((h) => h.level === 0 && h.t_ms >= 25_000)[0];
    expect(low.t_ms).toBeLessThan(45_000 * 0.99);
  }, 120_000);

  it('I2C errors are retried; what still fails is a gap, counted and flagged, never filled', async () => {
    const { built, steps } = await run(30, ['source.emulation.faults.eioProbability=0.15']);
    const c = built.driverCounters().source!;
    expect(c.i2cErrors).toBeGreaterThan(100);
    expect(c.retries).toBeGreaterThan(100);
    expect(c.gaps).toBeGreaterThan(0);
    expect(c.samples + c.gapSamples).toBe(30 * built.fs_Hz);
    expect(steps.some((s) => !s.valid)).toBe(true);
  }, 120_000);

  it('a stalled bus: the samples stop, the governor falls back, and the loop recovers when the bus does', async () => {
    const { built, events } = await run(40, ['source.emulation.faults.stall={at_s: 25, for_s: 3}']);
    const c = built.driverCounters().source!;
    // About 3 s of samples lost (the stall is in host time: the chip runs 3 % fast).
    expect(c.gapSamples).toBeGreaterThan(2.5 * built.fs_Hz);
    expect(c.gapSamples).toBeLessThan(4 * built.fs_Hz);
    expect(c.samples + c.gapSamples).toBe(40 * built.fs_Hz);
    const fallback = events.find((e) => e.kind === 'watchdog-fallback');
    expect(fallback).toBeDefined();
    expect(events.some((e) => e.kind === 'watchdog-recovered' && e.t_s > fallback!.t_s)).toBe(true);
    expect(events.some((e) => e.kind === 'driver')).toBe(true);
  }, 120_000);

  it('an ALERT/RDY line that stops: the driver falls back to polling and the samples go on', async () => {
    const { built, events } = await run(30, ['source.emulation.faults.rdyStopsAt_s=10']);
    const c = built.driverCounters().source!;
    expect(c.rdyTimeouts).toBeGreaterThanOrEqual(1);
    expect(c.samples + c.gapSamples).toBe(30 * built.fs_Hz);
    // Polling keeps up: under a second of samples lost over the switch.
    expect(c.gapSamples).toBeLessThan(built.fs_Hz);
    expect(events.some((e) => e.kind === 'driver' && /poll/i.test(e.reason))).toBe(true);
  }, 120_000);

  it('an e-stop button held down at start refuses the session', async () => {
    // Pressed at 0 s of virtual time: before the session is built (the start-up transfers take longer).
    await expect(buildSession(config(['gpio.emulation.estopPressAt_s=0']), { configDir: `${REPO}config/examples`, duration_s: 5, speed: 'max' })).rejects.toThrow(
      /gpio\.estop: e-stop input GPIO22 reads low \(pressed\) at start/,
    );
  });

  it('pulses on the TTL trigger line: each pulse the governor fires is one 1 ms pulse on the emulated line, traced at its sample', async () => {
    const raw = readConfigFile(EXAMPLE) as Record<string, Record<string, unknown>>;
    raw.gpio = { ...raw.gpio, trigger: { line: 23, pulseWidth_us: 1000 } };
    // A pulse modality delivers no current: modality ttl, the amplitude limit 0, no amplitude policy.
    raw.stimulator = { ...raw.stimulator, modality: 'ttl' };
    raw.policy = { kind: 'off' };
    raw.limits = { ...raw.limits, amplitude_mA: { max: 0 }, pulses: { minInterval_ms: 1000, maxPerTrain: 1, maxTrainDuration_ms: 0, minInterTrain_ms: 1500, maxPerSession: 8 } };
    // Single pulses every 2 s from 5 s, eight of them (the session cap).
    raw.pulses = { schedule: { kind: 'pattern', pulsesPerBurst: 1, burstRate_Hz: 0.5, on_s: 1000, total: 8, start_s: 5 } };
    // The simulated patient behind the chips feels each edge: a 300 uV evoked response, no artefacts of its own.
    const source = raw.source as { emulation?: { brain?: object; plant?: object } };
    source.emulation = { ...source.emulation, brain: { ...source.emulation?.brain, artifactRate_per_min: 0 }, plant: { ...source.emulation?.plant, evokedResponse_uV: 300 } };
    const events: SessionEvent[] = [];
    const responseAt: number[] = [];
    const built = await buildSession(
      parseConfig(raw, EXAMPLE),
      { configDir: `${REPO}config/examples`, duration_s: 40, speed: 'max' },
      {
        onEvent: (e) => events.push(e),
        onBlock: (block) => {
          const x = block.data[0];
          for (let i = 0; i < x.length; i++) if (x[i] < -150 && (responseAt.length === 0 || block.firstIndex + i - responseAt[responseAt.length - 1] > 0.5 * block.fs_Hz)) responseAt.push(block.firstIndex + i);
        },
      },
    );
    try {
      await lastValueFrom(built.steps.pipe(toArray()));
    } finally {
      await built.close();
    }
    const fired = events.filter((e) => e.kind === 'pulse');
    const refused = events.filter((e) => e.kind === 'pulse-refused');
    expect(fired.map((e) => e.t_s)).toEqual([5, 7, 9, 11, 13, 15, 17, 19].map((t) => Math.ceil(t * built.fs_Hz) / built.fs_Hz));
    expect(refused).toEqual([]);
    // The trigger line's counters reach the summary's driver section.
    expect(built.driverCounters().pulses).toMatchObject({ fired: 8, overlapped: 0, cancelled: 0, writeErrors: 0 });
    const line = built.rig!.gpio.lines.get(23)!;
    const rising = line.history.filter((c, i) => c.level === 1 && i > 0 && line.history[i - 1].level === 0);
    expect(rising).toHaveLength(8);
    for (const edge of rising) expect(line.history).toContainEqual({ t_ms: edge.t_ms + 1, level: 0 });
    // Data time runs 3 % ahead of the emulated host clock (the ADC's oscillator): about 1.94 s between edges.
    for (let i = 1; i < rising.length; i++) expect((rising[i].t_ms - rising[i - 1].t_ms) / 2000).toBeCloseTo(1 / 1.03, 1);
    expect(line.history.at(-1)!.level).toBe(0);
    expect(line.released).toBe(true);
    // One evoked response per edge in the samples the driver read back, each just after its pulse's sample.
    const firedIndex = fired.map((e) => Math.round(e.t_s * built.fs_Hz));
    expect(responseAt).toHaveLength(8);
    responseAt.forEach((at, k) => expect(at - firedIndex[k]).toBeGreaterThan(0));
    responseAt.forEach((at, k) => expect(at - firedIndex[k]).toBeLessThan(built.fs_Hz * 0.2));
  }, 120_000);
});
