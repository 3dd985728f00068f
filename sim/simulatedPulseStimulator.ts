import type { Pulse, PulseStimulatorPort } from '../controller/ports.js';
import type { SyntheticBrain } from './syntheticBrain.js';

/**
 * The pulse port wired to the simulated patient: each pulse the governor fired reaches
 * the brain (its artefact and evoked response, source.plant) from the next sample it
 * makes. Halted (e-stop, stop, end), nothing reaches it until resumed.
 */
export class SimulatedPulseStimulator implements PulseStimulatorPort {
  private halted = false;

  constructor(private readonly brain: () => SyntheticBrain | null) {}

  fire(_pulse: Pulse): void {
    if (!this.halted) this.brain()?.pulse();
  }

  halt(): void {
    this.halted = true;
  }

  resume(): void {
    this.halted = false;
  }
}
