// Images that are small on disk and huge once decoded: every decoder (sharp's formats and the BMP
// decoder) checks the declared size against one pixel limit (PIL's, configurable) before it
// allocates anything, and the error names the file and the declared size.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { deflateSync } from 'node:zlib';
import { DEFAULT_MAX_IMAGE_PIXELS, decodeBmp, decodeImage, encodeBmp24 } from '../../src/data/decode.js';
import { FileFormatError } from '../../src/errors.js';
import { loadImg } from '../../src/utils/image.js';
import { tempDir } from './helpers.js';

/** A 24-bit BMP header (1 KiB with padding) that declares width x height pixels and holds none. */
export function bombBmp(width: number, height: number): Uint8Array {
  const buf = new Uint8Array(1024);
  const dv = new DataView(buf.buffer);
  buf[0] = 0x42;
  buf[1] = 0x4d;
  dv.setUint32(2, buf.length, true);
  dv.setUint32(10, 54, true);
  dv.setUint32(14, 40, true);
  dv.setInt32(18, width, true);
  dv.setInt32(22, height, true);
  dv.setUint16(26, 1, true);
  dv.setUint16(28, 24, true);
  return buf;
}

function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** A PNG whose header declares width x height RGB pixels (its data holds only the first row). */
export function bombPng(width: number, height: number): Uint8Array {
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const parts = [
    Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(new Uint8Array(1 + 3 * width))),
    chunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const limitError = (name: string, w: number, h: number, limit: number) => (e: unknown) => {
  assert.ok(e instanceof FileFormatError, String(e));
  assert.match(e.message, new RegExp(`'${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}'`));
  assert.match(e.message, new RegExp(`declares ${w}x${h} = ${w * h} pixels, more than the limit of ${limit}`));
  return true;
};

test('a 1 KiB BMP declaring 30000x30000 pixels is refused before anything is allocated', async () => {
  const bmp = bombBmp(30000, 30000);
  const limit = DEFAULT_MAX_IMAGE_PIXELS;
  assert.throws(() => decodeBmp(bmp, 'bomb.bmp'), limitError('bomb.bmp', 30000, 30000, limit));
  await assert.rejects(decodeImage(bmp, 'rgb', 'bomb.bmp'), limitError('bomb.bmp', 30000, 30000, limit));
  const file = path.join(tempDir(), 'bomb.bmp');
  writeFileSync(file, bmp);
  await assert.rejects(loadImg(file), limitError(file, 30000, 30000, limit));
});

test('a PNG declaring 16000x16000 pixels meets the same limit, with the same error', async () => {
  const png = bombPng(16000, 16000);
  const limit = DEFAULT_MAX_IMAGE_PIXELS;
  await assert.rejects(decodeImage(png, 'rgb', 'big.png'), limitError('big.png', 16000, 16000, limit));
});

test('the limit is configurable: an argument, or CONVKIT_MAX_IMAGE_PIXELS', async () => {
  const img = { data: new Uint8Array(20 * 10 * 3).fill(7), height: 10, width: 20, channels: 3 };
  const bmp = encodeBmp24(img);
  assert.equal(decodeBmp(bmp, 'a.bmp', 200).width, 20);
  assert.throws(() => decodeBmp(bmp, 'a.bmp', 199), limitError('a.bmp', 20, 10, 199));
  await assert.rejects(decodeImage(bmp, 'rgb', 'a.bmp', 100), limitError('a.bmp', 20, 10, 100));
  await assert.rejects(decodeImage(bombPng(20, 10), 'rgb', 'a.png', 100), limitError('a.png', 20, 10, 100));
  assert.throws(() => decodeBmp(bmp, 'a.bmp', 0), /maxPixels must be a positive integer, got 0/);
  const saved = process.env.CONVKIT_MAX_IMAGE_PIXELS;
  try {
    process.env.CONVKIT_MAX_IMAGE_PIXELS = '150';
    await assert.rejects(decodeImage(bmp, 'rgb', 'a.bmp'), limitError('a.bmp', 20, 10, 150));
    process.env.CONVKIT_MAX_IMAGE_PIXELS = 'lots';
    await assert.rejects(
      decodeImage(bmp, 'rgb', 'a.bmp'),
      /CONVKIT_MAX_IMAGE_PIXELS must be a positive integer, got 'lots'/,
    );
  } finally {
    if (saved === undefined) delete process.env.CONVKIT_MAX_IMAGE_PIXELS;
    else process.env.CONVKIT_MAX_IMAGE_PIXELS = saved;
  }
  assert.equal((await decodeImage(bmp, 'rgb', 'a.bmp')).height, 10);
});
