// utils.saveImg writes a [h, w, 1] tensor as grayscale (Keras saves it through PIL as mode L) in every
// format that has a grayscale form: PNG, JPEG, TIFF, GIF (a gray palette) and BMP, which PIL writes as
// an 8-bit paletted file with a 256-level gray palette. WebP has no grayscale form (PIL converts L to
// RGB for it); its pixels stay gray.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { decodeBmp } from '../../src/data/decode.js';
import { tensor } from '../../src/tensor/index.js';
import { encodeBmp8Gray, loadImg, saveImg } from '../../src/utils/image.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'convkit-gray-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// 3 rows of 5 (a width that needs row padding in BMP), gray levels 0, 17, ..., 238.
const H = 3;
const W = 5;
const LEVELS = Array.from({ length: H * W }, (_, i) => i * 17);
const gray = () => tensor(Float32Array.from(LEVELS), [H, W, 1]);

test('BMP: an 8-bit paletted grayscale file with PIL header, palette and padded bottom-up rows', async () => {
  const f = path.join(dir, 'gray.bmp');
  await saveImg(f, gray(), { scale: false });
  const b = readFileSync(f);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const stride = 8; // 5 bytes padded to 4
  const offset = 14 + 40 + 256 * 4;
  assert.equal(b.toString('latin1', 0, 2), 'BM');
  assert.equal(dv.getUint32(2, true), offset + stride * H, 'file size');
  assert.equal(dv.getUint32(10, true), offset, 'pixel offset');
  assert.equal(dv.getUint32(14, true), 40, 'BITMAPINFOHEADER');
  assert.equal(dv.getInt32(18, true), W);
  assert.equal(dv.getInt32(22, true), H, 'positive height: bottom-up rows');
  assert.equal(dv.getUint16(28, true), 8, 'bits per pixel');
  assert.equal(dv.getUint32(30, true), 0, 'BI_RGB');
  assert.equal(dv.getUint32(34, true), stride * H, 'image size');
  assert.equal(dv.getUint32(38, true), 3780, 'PIL writes 96 dpi as int(96 * 39.3701 + 0.5) pixels per metre');
  assert.equal(dv.getUint32(46, true), 256, 'colours used');
  assert.equal(dv.getUint32(50, true), 256, 'important colours');
  for (const i of [0, 1, 128, 255]) {
    assert.deepEqual([...b.subarray(54 + i * 4, 58 + i * 4)], [i, i, i, i], `palette entry ${i} (as PIL)`);
  }
  // The top row is stored last.
  assert.deepEqual([...b.subarray(offset + 2 * stride, offset + 2 * stride + W)], LEVELS.slice(0, W));
  assert.deepEqual([...b.subarray(offset + 2 * stride + W, offset + 3 * stride)], [0, 0, 0], 'row padding');
  const raw = decodeBmp(b, f);
  assert.deepEqual([raw.height, raw.width], [H, W]);
  const img = await loadImg(f, { colorMode: 'grayscale' });
  assert.equal(img.mode, 'L');
  assert.deepEqual([...img.data], LEVELS);
});

test('BMP of RGB stays 24-bit', async () => {
  const f = path.join(dir, 'rgb.bmp');
  await saveImg(f, tensor(new Float32Array(2 * 2 * 3).fill(9), [2, 2, 3]), { scale: false });
  assert.equal(readFileSync(f).readUInt16LE(28), 24);
});

test('PNG, JPEG, TIFF and GIF of [h, w, 1] are single-channel or gray-palette files with the pixels', async () => {
  for (const ext of ['png', 'tiff', 'gif', 'jpg']) {
    const f = path.join(dir, `gray.${ext}`);
    await saveImg(f, gray(), { scale: false });
    const meta = await sharp(f).metadata();
    if (ext === 'gif') {
      // GIF is always paletted: the palette holds grays only, so every pixel reads back R = G = B.
      assert.equal(meta.format, 'gif');
    } else {
      assert.equal(meta.channels, 1, `${ext}: channels`);
      assert.equal(meta.space, 'b-w', `${ext}: colour space`);
    }
    const { data, info } = await sharp(f).raw().toBuffer({ resolveWithObject: true });
    // JPEG is lossy, and so is sharp's default TIFF compression (JPEG).
    const tol = ext === 'jpg' || ext === 'tiff' ? 3 : 0;
    for (let p = 0; p < H * W; p++) {
      const px = [...data.subarray(p * info.channels, p * info.channels + Math.min(info.channels, 3))];
      for (const v of px) assert.ok(Math.abs(v - LEVELS[p]) <= tol, `${ext}: pixel ${p} is ${px}, want ${LEVELS[p]}`);
    }
  }
});

test('WebP of [h, w, 1] (no grayscale form) keeps the pixels gray', async () => {
  const f = path.join(dir, 'gray.webp');
  await saveImg(f, gray(), { scale: false, fileFormat: 'webp' });
  const { data, info } = await sharp(f).raw().toBuffer({ resolveWithObject: true });
  for (let p = 0; p < H * W; p++) {
    const [r, g, b] = data.subarray(p * info.channels, p * info.channels + 3);
    assert.ok(Math.abs(r - g) <= 2 && Math.abs(g - b) <= 2, `pixel ${p}: ${r}, ${g}, ${b}`);
  }
});

test('encodeBmp8Gray refuses images that are not one channel', () => {
  assert.throws(
    () => encodeBmp8Gray({ data: new Uint8Array(12), height: 2, width: 2, channels: 3 }),
    /expected one channel, got 3/,
  );
});
