import type { StimulatorPort } from '../controller/ports.js';
import type { StimParams } from '../controller/stimParams.js';
import type { SyntheticBrain } from './syntheticBrain.js';

/**
 * A stimulator wired to the simulated patient: what the governor applies reaches the
 * plant from the next sample the brain produces.
 */
export class SimulatedStimulator implements StimulatorPort {
  private last: StimParams | null = null;

  constructor(readonly brain: SyntheticBrain) {}

  apply(params: StimParams): void {
    const last = this.last;
    if (last && last.enabled === params.enabled && last.amplitude_mA === params.amplitude_mA && last.frequency_Hz === params.frequency_Hz) {
      return;
    }
    this.last = params;
    this.brain.setStimulation(params.enabled ? params.amplitude_mA : 0, params.frequency_Hz);
  }
}
