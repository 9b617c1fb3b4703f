// Decoding to a target size: an image above the pixel limit is decoded in strips of rows and
// resized as they arrive, with exactly the values of decoding it whole and then resizing (every
// interpolation, grayscale/RGB/RGBA sources and colour modes, crop and pad to the aspect ratio,
// PNG and JPEG), in loadImg and in the dataset decoding path; other formats and images far above
// the limit stay refused, and without a target size the refusal suggests one.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { decodeImageFile, encodeBmp24, type ColorMode } from '../../src/data/decode.js';
import { decodeImageFileResized, resizeDecoded, RowResampler, type ResizeSpec } from '../../src/data/decode_stream.js';
import { decodeTaskInline } from '../../src/data/decode_pool.js';
import { INTERPOLATIONS, resizeImage } from '../../src/data/resize.js';
import { FileFormatError } from '../../src/errors.js';
import { loadImg } from '../../src/utils/image.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'convkit-dstream-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Seeded noise with some structure (a gradient), so every resampling tap matters. */
function noise(h: number, w: number, c: number, seed: number): Uint8Array {
  const d = new Uint8Array(h * w * c);
  let s = seed >>> 0;
  for (let i = 0; i < d.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const p = Math.floor(i / c);
    d[i] = ((s >>> 24) + (p % w) / 16 + Math.floor(p / w) / 16) & 255;
  }
  return d;
}

async function writeNoise(name: string, h: number, w: number, c: 1 | 3 | 4, seed: number): Promise<string> {
  const file = path.join(tmp, name);
  const s = sharp(Buffer.from(noise(h, w, c, seed)), { raw: { width: w, height: h, channels: c } });
  const buf = name.endsWith('.jpg') ? await s.jpeg({ quality: 85 }).toBuffer() : await s.png().toBuffer();
  writeFileSync(file, buf);
  return file;
}

/** The whole-image path: decode with no limit in the way, then resize as resizeDecoded does. */
async function reference(file: string, mode: ColorMode, spec: ResizeSpec): Promise<Float32Array> {
  return resizeDecoded(await decodeImageFile(file, mode), spec).data;
}

function sameValues(got: Float32Array, want: Float32Array, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i]) && got[i] !== want[i]) {
      assert.fail(`${what}: value ${i} is ${got[i]}, the whole-image path gives ${want[i]}`);
    }
  }
}

const H = 3000;
const W = 2000;
/** Below the 6,000,000 pixels of the test images (and above a quarter), so the strip path runs. */
const LOW_LIMIT = 2_000_000;
/** Strips of about 400 rows: several strips, and boundaries inside every kernel footprint somewhere. */
const SMALL_STRIPS = 400 * W * 4;

test('strip-wise decoding gives exactly the whole-image values for every interpolation, source and mode', async () => {
  const sources = [
    { file: await writeNoise('gray.png', H, W, 1, 1), modes: ['grayscale', 'rgb'] as ColorMode[] },
    { file: await writeNoise('rgb.png', H, W, 3, 2), modes: ['rgb', 'grayscale'] as ColorMode[] },
    { file: await writeNoise('rgba.png', H, W, 4, 3), modes: ['rgba', 'rgb'] as ColorMode[] },
    { file: await writeNoise('rgb.jpg', H, W, 3, 4), modes: ['rgb'] as ColorMode[] },
  ];
  for (const { file, modes } of sources) {
    for (const [mi, mode] of modes.entries()) {
      // Every interpolation in the first mode; the others check the per-row colour conversion.
      for (const interpolation of mi === 0 ? INTERPOLATIONS : (['bilinear'] as const)) {
        const spec: ResizeSpec = { targetSize: [150, 170], interpolation };
        const got = await decodeImageFileResized(file, mode, spec, { maxPixels: LOW_LIMIT, stripBytes: SMALL_STRIPS });
        assert.deepEqual(
          [got.height, got.width, got.channels],
          [150, 170, mode === 'grayscale' ? 1 : mode === 'rgb' ? 3 : 4],
        );
        sameValues(got.data, await reference(file, mode, spec), `${path.basename(file)} ${mode} ${interpolation}`);
      }
    }
  }
});

test('crop and pad to the aspect ratio, upscaling and the identity size match too', async () => {
  const file = await writeNoise('wide.png', 900, 1400, 3, 5);
  const specs: ResizeSpec[] = [
    { targetSize: [64, 64], interpolation: 'bicubic', cropToAspectRatio: true },
    { targetSize: [64, 64], interpolation: 'area', cropToAspectRatio: true },
    { targetSize: [80, 40], interpolation: 'bilinear', padToAspectRatio: true },
    { targetSize: [100, 100], interpolation: 'nearest', padToAspectRatio: true },
    { targetSize: [1000, 1500], interpolation: 'bicubic' },
    { targetSize: [1200, 1400], interpolation: 'bilinear' },
    { targetSize: [900, 1400], interpolation: 'area' },
    { targetSize: [900, 1400], interpolation: 'nearest', cropToAspectRatio: true },
  ];
  for (const spec of specs) {
    const got = await decodeImageFileResized(file, 'rgb', spec, { maxPixels: 400_000, stripBytes: 37 * 1400 * 3 });
    sameValues(got.data, await reference(file, 'rgb', spec), JSON.stringify(spec));
  }
});

test('loadImg and the dataset decoding path take the strip path above the limit, with the same pixels', async () => {
  const file = await writeNoise('big.png', H, W, 3, 6);
  const saved = process.env.CONVKIT_MAX_IMAGE_PIXELS;
  const whole = await loadImg(file, { targetSize: [120, 90], interpolation: 'bicubic', keepAspectRatio: true });
  const task = {
    path: file,
    colorMode: 'rgb' as const,
    targetSize: [120, 90] as const,
    interpolation: 'area' as const,
    cropToAspectRatio: false,
  };
  const wholeTask = await decodeTaskInline(task);
  try {
    process.env.CONVKIT_MAX_IMAGE_PIXELS = String(LOW_LIMIT);
    await assert.rejects(loadImg(file), /more than the limit of 2000000 .*or load it with a targetSize/);
    const streamed = await loadImg(file, { targetSize: [120, 90], interpolation: 'bicubic', keepAspectRatio: true });
    assert.deepEqual(streamed, whole);
    const streamedTask = await decodeTaskInline(task);
    sameValues(streamedTask.data, wholeTask.data, 'decodeTaskInline');
  } finally {
    if (saved === undefined) delete process.env.CONVKIT_MAX_IMAGE_PIXELS;
    else process.env.CONVKIT_MAX_IMAGE_PIXELS = saved;
  }
});

test('formats decoded whole by their library, and images far above the limit, stay refused', async () => {
  const webp = path.join(tmp, 'big.webp');
  writeFileSync(
    webp,
    await sharp(Buffer.from(noise(400, 300, 3, 7)), { raw: { width: 300, height: 400, channels: 3 } })
      .webp()
      .toBuffer(),
  );
  const bmp = path.join(tmp, 'big.bmp');
  writeFileSync(bmp, encodeBmp24({ data: noise(400, 300, 3, 8), height: 400, width: 300, channels: 3 }));
  const spec: ResizeSpec = { targetSize: [30, 30], interpolation: 'bilinear' };
  for (const [file, fmt] of [
    [webp, 'WEBP'],
    [bmp, 'BMP'],
  ]) {
    await assert.rejects(decodeImageFileResized(file, 'rgb', spec, { maxPixels: 10_000 }), (e: unknown) => {
      assert.ok(e instanceof FileFormatError);
      assert.match(e.message, new RegExp(`'${file.replace(/[.\\]/g, '\\$&')}': it declares 300x400 = 120000 pixels`));
      assert.match(e.message, new RegExp(`only PNG and JPEG are decoded in strips; this is ${fmt}`));
      return true;
    });
  }
  const png = await writeNoise('huge.png', 400, 300, 3, 9);
  await assert.rejects(
    decodeImageFileResized(png, 'rgb', spec, { maxPixels: 20_000 }),
    /declares 300x400 = 120000 pixels, more than the limit of 20000 .*above 4 times the limit are refused/,
  );
  assert.equal((await decodeImageFileResized(png, 'rgb', spec, { maxPixels: 30_000 })).data.length, 30 * 30 * 3);
});

test('RowResampler on its own equals resizeImage for odd sizes, and wants its rows in order', () => {
  for (const method of INTERPOLATIONS) {
    for (const [h, w, oh, ow] of [
      [7, 5, 3, 2],
      [5, 7, 11, 13],
      [1, 9, 4, 3],
      [9, 1, 2, 5],
      [6, 6, 6, 6],
    ]) {
      const c = 2;
      const src = noise(h, w, c, h * 31 + w);
      const rs = new RowResampler(h, w, c, oh, ow, method);
      for (let y = 0; y < h; y++) if (rs.needs(y)) rs.push(y, src.subarray(y * w * c, (y + 1) * w * c));
      sameValues(rs.finish(), resizeImage(src, h, w, c, oh, ow, method), `${method} ${h}x${w} -> ${oh}x${ow}`);
    }
  }
  const rs = new RowResampler(4, 4, 1, 2, 2, 'area');
  rs.push(2, new Uint8Array(4));
  assert.throws(() => rs.push(1, new Uint8Array(4)), /out of order/);
  assert.throws(() => rs.finish(), /still wait/);
});
