// Stands in for the HDF5 probe's worker in test/io/h5_worker.test.ts: it names an object, then
// never finishes it (a file whose name ends in "loop"), or dies the way an aborted library thread
// does (a name ending in "die"), so the deadline and crash paths run without a damaged file.
import { parentPort } from 'node:worker_threads';

parentPort.on('message', ({ id, file }) => {
  parentPort.postMessage({ id, type: 'at', where: '/model_weights/dense/dense/kernel:0' });
  if (file.endsWith('die')) process.exit(7);
  if (file.endsWith('loop')) for (;;);
  parentPort.postMessage({ id, type: 'done' });
});
parentPort.postMessage({ type: 'ready' });
