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
let seen = 0;
for (;;) {
  Atomics.wait(control, CONTROL.generation, seen);
  if (Atomics.load(control, CONTROL.stop) !== 0) break;
  seen = Atomics.load(control, CONTROL.generation);
  try {
    kernel.compute(rings, Atomics.load(control, CONTROL.start), data.from, data.to, power);
  } catch {
    Atomics.store(control, CONTROL.failed, 1 + data.group);
  }
  Atomics.add(control, CONTROL.done, 1);
  Atomics.notify(control, CONTROL.done);
}
