// utils.saveImg: the number of channels written follows the tensor, as Keras (PIL) does.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { loadImg, saveImg } from '../../src/utils/image.js';
import { tensor } from '../../src/tensor/index.js';

test('saveImg writes a [h, w, 1] tensor as a grayscale file (PNG, JPEG, TIFF)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'convkit-saveimg-'));
  const x = tensor(
    Float32Array.from({ length: 12 }, (_, i) => i * 20),
    [3, 4, 1],
  );
  for (const ext of ['.png', '.jpg', '.tiff']) {
    const f = path.join(dir, `gray${ext}`);
    await saveImg(f, x, { scale: false });
    const meta = await sharp(f).metadata();
    assert.equal(meta.channels, 1, `${ext} channels`);
    assert.equal(meta.space, 'b-w', `${ext} colour space`);
  }
  const { data, info } = await sharp(path.join(dir, 'gray.png'))
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  assert.equal(info.channels, 1);
  assert.deepEqual(
    [...data],
    Array.from({ length: 12 }, (_, i) => i * 20),
  );
});

test('saveImg keeps three channels for an RGB tensor', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'convkit-saveimg-'));
  const f = path.join(dir, 'rgb.png');
  await saveImg(f, tensor(new Float32Array(2 * 2 * 3).fill(7), [2, 2, 3]), { scale: false });
  assert.equal((await sharp(f).metadata()).channels, 3);
});

test('loadImg refuses unknown options, naming the camelCase one for a snake_case name', async () => {
  const untyped = (v: unknown): never => v as never;
  await assert.rejects(
    loadImg('x.png', untyped({ target_size: [2, 2] })),
    /loadImg: unknown option 'target_size'; use targetSize/,
  );
});
