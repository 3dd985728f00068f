import { Worker } from 'node:worker_threads';
import type { BandPowerRunner, BandPowerRunnerFactory } from '../../signals/bandPowerRunner.js';
import { type BandPowerSpec, ChannelBandPower } from '../../signals/channelBandPower.js';

/** Slots of the shared Int32 control array (see bandPowerWorker.ts, which reads the same ones). */
export const CONTROL = {
  /** Bumped by the main thread for every compute; workers sleep on it. */
  generation: 0,
  /** Ring position of the windows to compute. */
  start: 1,
  /** Bumped by a worker after each answer: the word the main thread sleeps on (the answers themselves are in `ack`). */
  done: 2,
  /** Non-zero: a worker's compute threw (1 + its group). */
  failed: 3,
  /** Non-zero: workers leave their loop and end. */
  stop: 4,
  /** First of one slot per worker: slot ack + group - 1 holds the last generation that worker finished. */
  ack: 5,
} as const;

/** Int32 slots of the control array for `workers` workers. */
export function controlSlots(workers: number): number {
  return CONTROL.ack + workers;
}

/** What a band-power worker is started with (worker_threads' workerData). */
export interface BandPowerWorkerData {
  readonly spec: BandPowerSpec;
  readonly rings: SharedArrayBuffer;
  readonly power: SharedArrayBuffer;
  readonly control: SharedArrayBuffer;
  readonly group: number;
  readonly from: number;
  readonly to: number;
}

/**
 * A worker that starts late (module loading on a loaded Pi) may hold up the first frame this
 * long; after that, a worker that does not answer within ANSWER_MS is taken as gone, and the
 * frame throws: the session ends through its error path (ramp to off), never a silent hang.
 */
const FIRST_ANSWER_MS = 10_000;
const ANSWER_MS = 1_000;

/**
 * Channel groups for `threads` threads: ranges of [0, channels) that start at even channels
 * (ChannelBandPower keeps its channel pairs), as equal as pairs allow. Fewer groups than
 * threads when there are fewer channel pairs than threads.
 */
export function channelGroups(channels: number, threads: number): { from: number; to: number }[] {
  const pairs = Math.ceil(channels / 2);
  const count = Math.max(1, Math.min(threads, pairs));
  const groups: { from: number; to: number }[] = [];
  for (let g = 0; g < count; g++) {
    const from = 2 * Math.floor((g * pairs) / count);
    const to = Math.min(channels, 2 * Math.floor(((g + 1) * pairs) / count));
    groups.push({ from, to });
  }
  return groups;
}

/**
 * Band power over `threads` threads (this one and threads - 1 workers), in shared memory.
 * The rings and the power are SharedArrayBuffers; a compute wakes the workers through
 * Atomics, does the first channel group itself and waits (Atomics.wait, which Node allows on
 * the main thread) until every worker has done its group. Each channel is computed by the same
 * code as on one thread, so the frames are bit-identical whatever `threads` is
 * (test/signals/bandPowerThreads.test.ts); only the time to a decision changes.
 *
 * The workers are unref'd: a session that ends without close() does not keep the process alive.
 */
export function bandPowerThreads(threads: number): BandPowerRunnerFactory {
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`threads must be an integer >= 1, got ${threads}`);
  return (spec) => startThreads(spec, threads);
}

function startThreads(spec: BandPowerSpec, threads: number): BandPowerRunner {
  const groups = channelGroups(spec.channels, threads);
  const ringBytes = 2 * spec.window * Float64Array.BYTES_PER_ELEMENT;
  const ringsBuffer = new SharedArrayBuffer(spec.channels * ringBytes);
  const powerBuffer = new SharedArrayBuffer(spec.bands.length * spec.channels * Float64Array.BYTES_PER_ELEMENT);
  const controlBuffer = new SharedArrayBuffer(controlSlots(groups.length - 1) * Int32Array.BYTES_PER_ELEMENT);
  const rings = sharedRings(ringsBuffer, spec);
  const power = sharedPower(powerBuffer, spec);
  const control = new Int32Array(controlBuffer);
  const kernel = new ChannelBandPower(spec);
  const own = groups[0];
  const workerCount = groups.length - 1;
  const workers: Worker[] = [];
  /** Why a worker stopped, as its 'error' or 'exit' event said (read when a wait times out). */
  let workerTrouble: string | null = null;
  for (let g = 1; g < groups.length; g++) {
    const workerData: BandPowerWorkerData = { spec, rings: ringsBuffer, power: powerBuffer, control: controlBuffer, group: g, ...groups[g] };
    const worker = new Worker(new URL('./bandPowerWorker.js', import.meta.url), { workerData });
    worker.on('error', (error) => {
      workerTrouble ??= `band-power worker ${g} failed: ${error.message}`;
    });
    worker.on('exit', (code) => {
      if (Atomics.load(control, CONTROL.stop) === 0) workerTrouble ??= `band-power worker ${g} exited (code ${code})`;
    });
    worker.unref();
    workers.push(worker);
  }
  let answered = false;
  let closed = false;

  const close = (): void => {
    if (closed) return;
    closed = true;
    Atomics.store(control, CONTROL.stop, 1);
    Atomics.add(control, CONTROL.generation, 1);
    Atomics.notify(control, CONTROL.generation);
    for (const worker of workers) void worker.terminate();
  };

  /** True when every worker has answered `generation` (its own ack slot says so). */
  const allAnswered = (generation: number): boolean => {
    for (let w = 0; w < workerCount; w++) if (Atomics.load(control, CONTROL.ack + w) !== generation) return false;
    return true;
  };

  const compute = (start: number): void => {
    if (closed) throw new Error('band power: the runner was closed');
    Atomics.store(control, CONTROL.start, start);
    const generation = (Atomics.add(control, CONTROL.generation, 1) + 1) | 0;
    Atomics.notify(control, CONTROL.generation);
    try {
      kernel.compute(rings, start, own.from, own.to, power);
    } catch (error) {
      // The workers are still on this generation: a later compute must not race them.
      close();
      throw error;
    }
    const limit_ms = answered ? ANSWER_MS : FIRST_ANSWER_MS;
    const deadline = performance.now() + limit_ms;
    // Each worker acknowledges the generation it computed, so an answer can never be counted
    // for the wrong compute. `done` changes with every answer: read before the acks are
    // checked, an answer that lands in between makes the wait return at once.
    for (let done = Atomics.load(control, CONTROL.done); !allAnswered(generation); done = Atomics.load(control, CONTROL.done)) {
      const left_ms = deadline - performance.now();
      if (left_ms <= 0 || Atomics.wait(control, CONTROL.done, done, left_ms) === 'timed-out') {
        if (allAnswered(generation)) break;
        close();
        throw new Error(`${workerTrouble ?? 'a band-power worker'} did not answer within ${limit_ms} ms (signals.threads)`);
      }
    }
    answered = true;
    const failed = Atomics.load(control, CONTROL.failed);
    if (failed !== 0) {
      close();
      throw new Error(`band-power worker ${failed - 1} threw while computing (signals.threads)`);
    }
  };

  return { rings, power, compute, close };
}

/** One Float64Array per channel over the shared rings buffer (the worker makes the same views). */
export function sharedRings(buffer: SharedArrayBuffer, spec: BandPowerSpec): Float64Array[] {
  const length = 2 * spec.window;
  return Array.from({ length: spec.channels }, (_, c) => new Float64Array(buffer, c * length * Float64Array.BYTES_PER_ELEMENT, length));
}

/** One Float64Array per band over the shared power buffer. */
export function sharedPower(buffer: SharedArrayBuffer, spec: BandPowerSpec): Float64Array[] {
  return spec.bands.map((_, b) => new Float64Array(buffer, b * spec.channels * Float64Array.BYTES_PER_ELEMENT, spec.channels));
}
