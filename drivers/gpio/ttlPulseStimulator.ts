import type { Clock } from '../../controller/clock.js';
import type { Pulse, PulseStimulatorPort } from '../../controller/ports.js';
import type { TtlTrigger } from './ttlTrigger.js';

/** What a TTL pulse stimulator reports (the summary's `driver.pulses`). */
export interface TtlPulseCounters {
  /** Pulses the governor fired that the line started (a rising edge of the trigger width). */
  readonly fired: number;
  /** Fired pulses the line could not start: the previous one was still high (a slow GPIO backend). */
  readonly overlapped: number;
  /** Fired pulses held back so that two edges are never closer than limits.pulses.minInterval_ms on the host clock. */
  readonly spaced: number;
  /** Fired pulses whose block arrived later than delay_ms after their sample: they left at once, late. */
  readonly late: number;
  /** Fired pulses waiting for their time when an e-stop, a fault or the end came: never sent. */
  readonly cancelled: number;
  /** Line writes that failed: a pulse that may not have reached the device. */
  readonly writeErrors: number;
  /** Sample index of the last pulse started (-1: none). */
  readonly lastIndex: number;
  /** Largest delay of a started pulse after its sample's own time, in ms (host clock, estimated from block arrival). */
  readonly maxLatency_ms: number;
}

export interface TtlPulseStimulatorOptions {
  readonly trigger: TtlTrigger;
  readonly clock: Clock;
  readonly fs_Hz: number;
  /** limits.pulses.minInterval_ms: held on the line itself, whatever the blocks' arrival jitter. */
  readonly minInterval_ms: number;
  /**
   * gpio.trigger.delay_ms: each pulse leaves this long after its sample was taken (its
   * time estimated as the block's arrival minus the samples after it in the block). A
   * constant delay of about one block keeps the pattern's spacing on the line exact;
   * 0 sends each pulse as soon as its block arrives.
   */
  readonly delay_ms: number;
  /** Something a researcher must know about one pulse (late, held back, cancelled, not sent): logged and traced. */
  readonly onEvent?: (reason: string) => void;
  /** Each edge the line really made (emulated hardware: the simulated patient behind it feels the pulse then). */
  readonly onEdge?: (index: number) => void;
}

/**
 * The pulse port on a GPIO TTL line (a TMS machine's trigger input, a TTL-gated
 * stimulator). Pulses are decided by sample index when their block arrives (the session
 * stays free of clocks); this driver maps them onto the host clock: a pulse leaves
 * `delay_ms` after its sample, and never sooner than `minInterval_ms` after the last edge
 * the line really made, so a 50 Hz burst whose pulses came in one block leaves as a 50 Hz
 * burst, not as edges the line cannot make. `halt` (e-stop, fault, end) cancels what waits
 * and ends a pulse in progress. The electrical and timing notes are TtlTrigger's.
 *
 * Pulses wait in one queue, in the order they were fired, behind one timer. The spacing is
 * checked when an edge is about to be made, against the clock and the last real edge, not
 * when the pulse is scheduled: a timer may run late (an event loop blocked by a GC or a slow
 * block) and the next one on time, and spacing by scheduled times alone let two edges out
 * 4 ms apart under a 20 ms limit.
 */
export class TtlPulseStimulator implements PulseStimulatorPort {
  private started = 0;
  private overlapped = 0;
  private spaced = 0;
  private late = 0;
  private cancelled = 0;
  private lastIndex = -1;
  /** When the line last made a rising edge (host ms): the next edge is no sooner than minInterval after it. */
  private lastEdge_ms = Number.NEGATIVE_INFINITY;
  private maxLatency_ms = 0;
  /** Fired pulses waiting for their edge, oldest first: when each should leave and its sample's estimated time. */
  private readonly queue: { readonly index: number; readonly at_ms: number; readonly sampleTime_ms: number }[] = [];
  /** The timer that wakes the queue's head; null when nothing waits for a timer. */
  private cancelTimer: (() => void) | null = null;
  private halted = false;

  constructor(private readonly o: TtlPulseStimulatorOptions) {}

  fire(pulse: Pulse): void {
    if (this.halted) {
      this.cancelled++;
      this.o.onEvent?.(`pulse at sample ${pulse.index} not sent: the trigger line is halted`);
      return;
    }
    const now = this.o.clock.now_ms();
    // Samples after the pulse's own in the block that brought it: how long ago its sample was taken.
    const age_ms = Math.max(0, ((pulse.blockEnd - 1 - pulse.index) * 1000) / this.o.fs_Hz);
    const sampleTime_ms = now - age_ms;
    let at_ms = sampleTime_ms + this.o.delay_ms;
    if (at_ms < now) {
      this.late++;
      at_ms = now;
    }
    this.queue.push({ index: pulse.index, at_ms, sampleTime_ms });
    if (this.cancelTimer === null) this.pump();
  }

  /** Makes the edges that are due, in order, each at least minInterval after the last real edge; then sleeps until the next is. */
  private pump(): void {
    this.cancelTimer = null;
    while (this.queue.length > 0 && !this.halted) {
      const head = this.queue[0];
      const spacedFrom_ms = this.lastEdge_ms + this.o.minInterval_ms;
      const due_ms = Math.max(head.at_ms, spacedFrom_ms);
      const now = this.o.clock.now_ms();
      if (now < due_ms) {
        // (A timer may also wake a fraction of a millisecond early: the check above sends it back to sleep.)
        this.cancelTimer = this.o.clock.setTimer(due_ms - now, () => this.pump());
        return;
      }
      this.queue.shift();
      // The limit holds on the line, not only on the sample grid: block arrival jitter and a slow loop cannot squeeze two edges together.
      if (spacedFrom_ms > head.at_ms) this.spaced++;
      if (!this.o.trigger.fire()) {
        this.overlapped++;
        this.o.onEvent?.(`pulse at sample ${head.index} not sent: the trigger line was still high from the last pulse (GPIO writes slower than the pulse spacing)`);
        continue;
      }
      this.lastEdge_ms = now;
      this.started++;
      this.lastIndex = head.index;
      this.maxLatency_ms = Math.max(this.maxLatency_ms, now - head.sampleTime_ms);
      this.o.onEdge?.(head.index);
    }
  }

  /**
   * E-stop, fault or the end of the session: the pulses waiting for their time are never
   * sent (each reported), a pulse in progress ends now, and nothing fires after. The line
   * stays claimed at its inactive level until `close`.
   */
  halt(reason: string): void {
    this.halted = true;
    this.cancelTimer?.();
    this.cancelTimer = null;
    for (const { index } of this.queue) {
      this.cancelled++;
      this.o.onEvent?.(`pulse at sample ${index} cancelled before its edge: ${reason}`);
    }
    this.queue.length = 0;
    this.o.trigger.endPulse();
  }

  /** Lets pulses through again after `halt` (a reset after an e-stop). */
  resume(): void {
    this.halted = false;
  }

  counters(): TtlPulseCounters {
    return {
      fired: this.started,
      overlapped: this.overlapped,
      spaced: this.spaced,
      late: this.late,
      cancelled: this.cancelled,
      writeErrors: this.o.trigger.errors,
      lastIndex: this.lastIndex,
      maxLatency_ms: this.maxLatency_ms,
    };
  }

  /** Cancels what waits, leaves the line inactive and releases it. Safe twice. */
  async close(): Promise<void> {
    if (!this.halted) this.halt('session closed');
    await this.o.trigger.close();
  }
}
