import { describe, expect, it } from 'vitest';
import { sleep } from '../../controller/clock.js';
import { PulseGovernor } from '../../controller/pulseGovernor.js';
import { levelFor } from '../../drivers/gpio/safeLevel.js';
import { TtlPulseStimulator } from '../../drivers/gpio/ttlPulseStimulator.js';
import { TtlTrigger } from '../../drivers/gpio/ttlTrigger.js';
import { EmulatedGpioChip } from '../../sim/emulatedGpioChip.js';
import { VirtualClock } from '../../sim/virtualClock.js';

async function rig(pulseWidth_us: number) {
  const clock = new VirtualClock('max');
  const chip = new EmulatedGpioChip(clock);
  const line = await chip.output(27, levelFor('inactive', 'high'), 'neuroloop TMS trigger');
  const stimulator = new TtlPulseStimulator(new TtlTrigger({ line, activeLevel: 'high', pulseWidth_us, clock }));
  return { clock, chip, stimulator };
}

describe('TtlPulseStimulator (the pulse port on a GPIO TTL line)', () => {
  it('the pulses the governor fires reach the line as rising edges of the trigger width; refused ones never do', async () => {
    const { clock, chip, stimulator } = await rig(1000);
    // 1 kHz samples; pulses at least 20 ms apart, at most 2 per train, trains 100 ms apart.
    const governor = new PulseGovernor({ minInterval_ms: 20, maxPerTrain: 2, maxTrainDuration_ms: 50, minInterTrain_ms: 100, maxPerSession: 10 }, 1000);
    for (let index = 0; index <= 200; index += 10) {
      const decision = governor.request(index, false);
      if (decision.fired) stimulator.fire({ index, t_s: index / 1000 });
      await sleep(clock, 10); // the samples' time passes on the rig's clock
    }
    const rising = chip.historyOf(27).filter((c, i, all) => c.level === 1 && (i === 0 || all[i - 1].level === 0));
    // Fired at samples 0, 20 (train 1), 120, 140 (train 2): 100 ms after the train's last pulse.
    expect(rising.map((c) => c.t_ms)).toEqual([0, 20, 120, 140]);
    for (const edge of rising) expect(chip.historyOf(27)).toContainEqual({ t_ms: edge.t_ms + 1, level: 0 });
    expect(stimulator.counters()).toEqual({ fired: 4, overlapped: 0, writeErrors: 0, lastIndex: 140 });
    await stimulator.close();
    expect(chip.levelOf(27)).toBe(0);
    expect(chip.lines.get(27)?.released).toBe(true);
  });

  it('a pulse while the last one is still high is counted as overlapped, not stretched or queued', async () => {
    const { clock, stimulator } = await rig(5000);
    stimulator.fire({ index: 0, t_s: 0 });
    await sleep(clock, 2);
    stimulator.fire({ index: 2, t_s: 0.002 });
    await sleep(clock, 10);
    stimulator.fire({ index: 12, t_s: 0.012 });
    expect(stimulator.counters()).toMatchObject({ fired: 2, overlapped: 1, lastIndex: 12 });
    await stimulator.close();
    await stimulator.close();
  });
});
