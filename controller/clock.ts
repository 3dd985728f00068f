/**
 * Time as the edges see it (docs/design.md, Hardware): the host's monotonic clock on real
 * hardware, a virtual clock behind the emulated chips. Drivers wait only through this, so
 * the same driver code runs at real time on a Pi and at `--speed max` on emulated chips.
 * signals/ and controller/ never read it: their time is data time.
 */
export interface Clock {
  /** Milliseconds on a monotonic scale (its origin means nothing). */
  now_ms(): number;
  /** Calls `fn` once, `delay_ms` from now (0 or negative: as soon as possible). Returns the cancel function. */
  setTimer(delay_ms: number, fn: () => void): () => void;
}

/** A promise that resolves `delay_ms` from now on `clock`. */
export function sleep(clock: Clock, delay_ms: number): Promise<void> {
  return new Promise((resolve) => {
    clock.setTimer(delay_ms, resolve);
  });
}
