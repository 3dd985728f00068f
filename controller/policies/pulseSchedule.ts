import type { SampleBlock } from '../../signals/sampleBlock.js';

/**
 * Where a pulse modality wants its pulses: a pattern (BurstPattern) or, later, a
 * closed-loop pulse policy (phase-locked triggering). The session asks it, block by block,
 * for the pulses at sample indices below the block's end, and sends each one through the
 * PulseGovernor; only fired ones reach the pulse port. Indices are session sample indices,
 * so a schedule never reads a clock.
 */
export interface PulseSchedule {
  /** What it is, for the session-start event and the summary (e.g. "pattern: iTBS"). */
  readonly describe: string;
  /**
   * A closed-loop schedule (phase-locked triggering) sees every block, before `dueBefore`
   * is asked for the same block's end. A fixed pattern has no use for it.
   */
  observe?(block: SampleBlock): void;
  /** Pulses wanted at indices below `end` that were not handed out before, in order. */
  dueBefore(end: number): readonly number[];
}
