import { workerData } from 'node:worker_threads';
import { ChannelBandPower } from '../../signals/channelBandPower.js';
import { type BandPowerWorkerData, CONTROL, sharedPower, sharedRings } from './bandPowerThreads.js';

/**
 * One band-power worker (bandPowerThreads.ts): sleeps on the control's generation, computes
 * its channel group of the shared rings into the shared power, counts itself done, and
 * sleeps again, until the main thread sets `stop`. It never returns to its event loop while
 * running: nothing but the control array talks to it.
 */
const data = workerData as BandPowerWorkerData;
const control = new Int32Array(data.control);
const rings = sharedRings(data.rings, data.spec);
const power = sharedPower(data.power, data.spec);
const kernel = new ChannelBandPower(data.spec);

// Generation 0 is "nothing asked yet": a worker that starts after the first compute was
// asked finds the generation moved on and computes at once.
//
// A wake-up is not a new generation. The main thread bumps the generation and then
// notifies; if it is descheduled in between, this worker can see the bump without being
// woken (its wait finds the value changed), compute, answer, go back to sleep on the new
// value, and only then receive that late notify. Computing again on it would answer the same
// generation twice: the main thread, counting answers, took that for another worker's and
// read that worker's channels before they were written (the stale power of the known defect,
// 2026-12-07). So a wake-up that finds the generation unchanged is ignored, and each answer
// names its generation (CONTROL.ack).
let seen = 0;
for (;;) {
  Atomics.wait(control, CONTROL.generation, seen);
  if (Atomics.load(control, CONTROL.stop) !== 0) break;
  const generation = Atomics.load(control, CONTROL.generation);
  if (generation === seen) continue; // a late notify of a generation already answered
  seen = generation;
  try {
    kernel.compute(rings, Atomics.load(control, CONTROL.start), data.from, data.to, power);
  } catch {
    Atomics.store(control, CONTROL.failed, 1 + data.group);
  }
  Atomics.store(control, CONTROL.ack + data.group - 1, generation);
  Atomics.add(control, CONTROL.done, 1);
  Atomics.notify(control, CONTROL.done);
}
