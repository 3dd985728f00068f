import type { Mcp4725StimulatorConfig, StimulatorConfig } from '../config/schema.js';
import type { StimulatorCounters, StimulatorPort } from '../controller/ports.js';
import { Mcp4725Stimulator } from '../drivers/mcp4725Stimulator.js';
import type { SyntheticBrain } from '../sim/syntheticBrain.js';
import { SimulatedStimulator } from '../sim/simulatedStimulator.js';
import type { HardwareContext } from './hardwareContext.js';
import { levelFor } from '../drivers/gpio/safeLevel.js';

export interface OpenedStimulator {
  readonly stimulator: StimulatorPort;
  readonly counters?: () => StimulatorCounters;
}

export interface StimulatorContext {
  readonly hardware: HardwareContext;
  /** The simulated patient of this session's source, if any (it may be made only when the source starts). */
  readonly brain: () => SyntheticBrain | null;
  /** The stimulator hardware failed: the session latches its governor. */
  readonly onFault: (device: string, reason: string) => void;
}

type Opener<K extends StimulatorConfig['kind']> = (stimulator: Extract<StimulatorConfig, { kind: K }>, ctx: StimulatorContext) => Promise<OpenedStimulator>;

/** Every kind of stimulator, by `stimulator.kind` (docs/design.md, Ports). */
export const STIMULATORS: { readonly [K in StimulatorConfig['kind']]: Opener<K> } = {
  simulated: async (_stimulator, ctx) => {
    // Drives the simulated patient when there is one (its brain may be made only when the
    // source is subscribed); a replay's output goes nowhere.
    let target: SimulatedStimulator | null = null;
    return {
      stimulator: {
        apply: (params) => {
          const brain = ctx.brain();
          if (brain === null) return;
          if (target?.brain !== brain) target = new SimulatedStimulator(brain);
          target.apply(params);
        },
      },
    };
  },
  mcp4725: (stimulator, ctx) => openMcp4725(stimulator, ctx),
};

async function openMcp4725(config: Mcp4725StimulatorConfig, ctx: StimulatorContext): Promise<OpenedStimulator> {
  const hw = ctx.hardware;
  const device = `mcp4725@0x${config.address.toString(16)}`;
  // The enable line is claimed first, at its inactive level, before the DAC is touched.
  const enable = config.enable === undefined ? undefined : await (await hw.gpio()).output(config.enable.line, levelFor('inactive', config.enable.activeLevel), 'neuroloop stim-enable');
  const bus = await hw.bus(config.bus, 'stimulator.bus');
  await hw.resetBus(config.bus, 'stimulator.bus');
  const driver = new Mcp4725Stimulator({ config, bus, clock: hw.clock, enable, onEvent: (e) => hw.onDriverEvent(e), onFault: (reason) => ctx.onFault(device, reason) });
  hw.onClose(() => driver.close());
  await driver.start();
  return { stimulator: driver, counters: () => driver.counters() };
}
