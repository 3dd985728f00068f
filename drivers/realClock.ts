import type { Clock } from '../controller/clock.js';

/** The host's monotonic clock and timers: what drivers wait on with real hardware. */
export const realClock: Clock = {
  now_ms: () => performance.now(),
  setTimer(delay_ms: number, fn: () => void): () => void {
    const timer = setTimeout(fn, Math.max(0, delay_ms));
    return () => clearTimeout(timer);
  },
};
