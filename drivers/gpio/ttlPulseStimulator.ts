import type { Pulse, PulseStimulatorPort } from '../../controller/ports.js';
import type { TtlTrigger } from './ttlTrigger.js';

/** What a TTL pulse stimulator reports (the summary's `driver.pulses`). */
export interface TtlPulseCounters {
  /** Pulses the governor fired and the line started. */
  readonly fired: number;
  /** Fired pulses the line could not start: the previous one was still high (a pulse width longer than the interval). */
  readonly overlapped: number;
  /** Line writes that failed: a pulse that may not have reached the device. */
  readonly writeErrors: number;
  /** Sample index of the last pulse started (-1: none). */
  readonly lastIndex: number;
}

/**
 * The pulse port on a GPIO TTL line (a TMS machine's trigger input, a TTL-gated
 * stimulator): each pulse the governor fired becomes one active pulse of the trigger's
 * width, started at once. The electrical and timing notes are TtlTrigger's.
 */
export class TtlPulseStimulator implements PulseStimulatorPort {
  private started = 0;
  private last = -1;

  constructor(private readonly trigger: TtlTrigger) {}

  fire(pulse: Pulse): void {
    if (this.trigger.fire()) {
      this.started++;
      this.last = pulse.index;
    }
  }

  counters(): TtlPulseCounters {
    return { fired: this.started, overlapped: this.trigger.refused, writeErrors: this.trigger.errors, lastIndex: this.last };
  }

  /** Leaves the line inactive and releases it. Safe twice. */
  close(): Promise<void> {
    return this.trigger.close();
  }
}
