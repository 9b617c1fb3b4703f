// A decoding worker: reads an image file, decodes it (sharp / BMP decoder), converts the colour
// mode, resizes it (TF semantics) and optionally applies random-transform parameters, then returns
// float32 pixels as a transferable buffer. Started by DecodePool; one task at a time, in order.
import { parentPort } from 'node:worker_threads';
import { decodeTaskInline, type DecodeRequest, type DecodeResponse } from './decode_pool.js';

if (!parentPort) throw new Error('decode_worker must run as a worker thread');
const port = parentPort;

async function handle(req: DecodeRequest): Promise<void> {
  try {
    const r = await decodeTaskInline(req);
    const res: DecodeResponse = { id: req.id, data: r.data, height: r.height, width: r.width, channels: r.channels };
    port.postMessage(res, [r.data.buffer as ArrayBuffer]);
  } catch (e) {
    const err = e as Error;
    const res: DecodeResponse = { id: req.id, error: { name: err.name, message: err.message } };
    port.postMessage(res);
  }
}

// handle() answers every request itself, errors included, so nothing is left to await here.
port.on('message', (req: DecodeRequest) => {
  void handle(req);
});
