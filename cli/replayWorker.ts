import { parentPort } from 'node:worker_threads';
import { type ReplayJob, replayOne } from './replayOne.js';

// A worker thread of `replay --jobs N`: takes one job at a time, answers with its row.
parentPort?.on('message', (message: { readonly seq: number; readonly job: ReplayJob }) => {
  void replayOne(message.job).then((row) => parentPort?.postMessage({ seq: message.seq, row }));
});
