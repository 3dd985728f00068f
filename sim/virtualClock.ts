import type { Clock } from '../controller/clock.js';

interface Timer {
  readonly at_ms: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/**
 * The clock of the emulated world (docs/design.md, Hardware). Time moves only from one
 * scheduled timer to the next, and only once the process has nothing else to do
 * (a `setImmediate` turn, after every pending promise has settled), so the driver code
 * above the emulated chips sees a coherent world whatever its speed:
 *
 * - `max`: as fast as the host goes; a minute of conversions takes what the code takes.
 * - `realtime`: a timer fires no earlier than its time on the host's monotonic clock.
 *
 * Timers due at the same time fire in the order they were set.
 */
export class VirtualClock implements Clock {
  private now = 0;
  private seq = 0;
  private readonly queue: Timer[] = [];
  private pumping = false;
  private stopped = false;
  private readonly start_ms: number;

  constructor(
    private readonly pacing: 'max' | 'realtime' = 'max',
    private readonly hostNow_ms: () => number = () => performance.now(),
  ) {
    this.start_ms = hostNow_ms();
  }

  now_ms(): number {
    return this.now;
  }

  setTimer(delay_ms: number, fn: () => void): () => void {
    const timer: Timer = { at_ms: this.now + Math.max(0, Number.isFinite(delay_ms) ? delay_ms : 0), seq: this.seq++, fn, cancelled: false };
    this.insert(timer);
    this.schedulePump();
    return () => {
      timer.cancelled = true;
    };
  }

  /** Timers still waiting (cancelled ones excluded). */
  get pending(): number {
    return this.queue.filter((t) => !t.cancelled).length;
  }

  /** No timer fires after this (the emulated world is switched off). */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
  }

  /** Sorted by (at_ms, seq); timers are mostly appended near the end, so search from the back. */
  private insert(timer: Timer): void {
    let i = this.queue.length;
    while (i > 0) {
      const other = this.queue[i - 1];
      if (other.at_ms < timer.at_ms || (other.at_ms === timer.at_ms && other.seq < timer.seq)) break;
      i--;
    }
    this.queue.splice(i, 0, timer);
  }

  private schedulePump(): void {
    if (this.pumping || this.stopped) return;
    this.pumping = true;
    setImmediate(() => this.pump());
  }

  private pump(): void {
    this.pumping = false;
    if (this.stopped) return;
    while (this.queue.length > 0 && this.queue[0].cancelled) this.queue.shift();
    const next = this.queue[0];
    if (next === undefined) return;
    if (this.pacing === 'realtime') {
      const wait_ms = next.at_ms - (this.hostNow_ms() - this.start_ms);
      if (wait_ms > 0) {
        this.pumping = true;
        setTimeout(() => this.pump(), Math.ceil(wait_ms));
        return;
      }
    }
    this.queue.shift();
    this.now = Math.max(this.now, next.at_ms);
    next.fn();
    // One timer per turn: whatever it set off (promise chains in the driver) runs before time moves again.
    this.schedulePump();
  }
}
