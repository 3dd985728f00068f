import type { StimulatorPort } from '../controller/ports.js';

/** A stimulator that goes nowhere: replays of recordings, dry runs. */
export class NullStimulator implements StimulatorPort {
  apply(): void {}
}
