// A decoding worker: reads an image file, decodes it (sharp / BMP decoder), converts the colour
// mode and resizes it (TF semantics), then returns float32 pixels as a transferable buffer.
// Started by DecodePool (decode_pool.ts); one task at a time, in message order.
import { parentPort } from 'node:worker_threads';
import { decodeImageFile } from './decode.js';
import { aspectCropBox, resizeImage } from './resize.js';
import type { DecodeRequest, DecodeResponse } from './decode_pool.js';

if (!parentPort) throw new Error('decode_worker.ts must run as a worker thread');
const port = parentPort;

port.on('message', async (req: DecodeRequest) => {
  try {
    const raw = await decodeImageFile(req.path, req.colorMode);
    let data: Float32Array;
    let h = raw.height, w = raw.width;
    if (req.targetSize) {
      const [th, tw] = req.targetSize;
      const crop = req.cropToAspectRatio ? aspectCropBox(raw.height, raw.width, th, tw) : undefined;
      data = resizeImage(raw.data, raw.height, raw.width, raw.channels, th, tw, req.interpolation, crop);
      h = th; w = tw;
    } else {
      data = Float32Array.from(raw.data);
    }
    const res: DecodeResponse = { id: req.id, data, height: h, width: w, channels: raw.channels };
    port.postMessage(res, [data.buffer as ArrayBuffer]);
  } catch (e) {
    const err = e as Error;
    const res: DecodeResponse = { id: req.id, error: { name: err.name, message: err.message } };
    port.postMessage(res);
  }
});
