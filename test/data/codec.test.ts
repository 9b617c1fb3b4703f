// The shared sharp loader: one function for every caller, able to encode and decode.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSharp } from '../../src/data/codec.js';
import { decodeImage } from '../../src/data/decode.js';

describe('loadSharp', () => {
  it('gives every caller the same sharp function', async () => {
    const [a, b] = await Promise.all([loadSharp(), loadSharp()]);
    assert.equal(typeof a, 'function');
    assert.equal(a, b);
    assert.equal(await loadSharp(), a);
  });

  it('encodes pixels that decodeImage reads back unchanged (PNG is lossless)', async () => {
    const sharp = await loadSharp();
    const pixels = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]);
    const png = await sharp(Buffer.from(pixels), { raw: { width: 2, height: 2, channels: 3 } })
      .png()
      .toBuffer();
    const img = await decodeImage(png, 'rgb', 'probe.png');
    assert.deepEqual([img.height, img.width, img.channels], [2, 2, 3]);
    assert.deepEqual([...img.data], [...pixels]);
  });
});
