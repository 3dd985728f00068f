import type { Clock } from '../controller/clock.js';

/**
 * `promise`, or a rejection with code ETIMEDOUT after `timeout_ms` on `clock`. An I2C
 * transfer on a stalled bus may never finish; the drivers must notice and go on.
 * `onTimeout` runs just before the rejection.
 */
export function withTimeout<T>(promise: Promise<T>, clock: Clock, timeout_ms: number, what: string, onTimeout?: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const cancel = clock.setTimer(timeout_ms, () => {
      if (settled) return;
      settled = true;
      // The stuck transfer may still finish later: the caller lets go of the buffers it holds.
      onTimeout?.();
      reject(Object.assign(new Error(`ETIMEDOUT: ${what} took more than ${timeout_ms} ms`), { code: 'ETIMEDOUT' }));
    });
    promise.then(
      (value) => {
        if (settled) return;
        settled = true;
        cancel();
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        cancel();
        reject(error);
      },
    );
  });
}
