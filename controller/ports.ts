import type { StimParams } from './stimParams.js';

/**
 * The stimulator, as the loop sees it. Implemented by the edges (a simulated stimulator
 * driving the simulated patient, a DAC, a null output for replays). Only the session calls
 * it, and only with what the safety governor returned.
 */
export interface StimulatorPort {
  apply(params: StimParams, t_s: number): void;
}
