import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { convertChannels, decodeBmp, decodeImage } from '../../src/data/decode.js';
import { aspectCropBox, resizeImage } from '../../src/data/resize.js';
import { arrayToImg, imgToArray, loadImg, saveImg } from '../../src/utils/image.js';
import { tensor } from '../../src/tensor/index.js';
import { bmp32Bitfields, bmpPalette, pixels, tempDir, writeImage } from './helpers.js';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-4) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `index ${i}: ${a[i]} vs ${b[i]}`);
};

test('every format decodes to the pixels written (lossless formats exactly)', async () => {
  const dir = tempDir();
  const rgb = pixels(4, 5, 3, (y, x, c) => (y * 40 + x * 10 + c * 3) % 256);
  for (const ext of ['.png', '.webp', '.bmp', '.gif', '.jpg']) {
    const f = path.join(dir, `a${ext}`);
    await writeImage(f, rgb, 4, 5, 3);
    const img = await loadImg(f);
    assert.deepEqual([img.height, img.width, img.channels], [4, 5, 3], ext);
    if (ext === '.jpg') {
      let err = 0;
      for (let i = 0; i < rgb.length; i++) err = Math.max(err, Math.abs(img.data[i] - rgb[i]));
      assert.ok(err < 40, `jpeg error ${err}`);
    } else if (ext !== '.gif') {
      assert.deepEqual(Array.from(img.data), Array.from(rgb), ext);
    }
  }
  // GIF with few colours is exact (palette holds them all)
  const few = pixels(3, 3, 3, (y, x) => ((x + y) % 2 ? 200 : 10));
  await writeImage(path.join(dir, 'few.gif'), few, 3, 3, 3);
  assert.deepEqual(Array.from((await loadImg(path.join(dir, 'few.gif'))).data), Array.from(few));
  // an animated GIF gives its first frame
  const frame = (r: number, b: number) =>
    sharp({ create: { width: 4, height: 3, channels: 3, background: { r, g: 10, b } } })
      .png()
      .toBuffer();
  writeFileSync(
    path.join(dir, 'anim.gif'),
    await sharp([await frame(200, 10), await frame(10, 200)], { join: { animated: true } })
      .gif()
      .toBuffer(),
  );
  const anim = await loadImg(path.join(dir, 'anim.gif'));
  assert.deepEqual([anim.height, anim.width, anim.channels], [3, 4, 3]);
  assert.deepEqual(Array.from(anim.data.subarray(0, 3)), [200, 10, 10]);
});

test('colour modes: grayscale uses PIL luminance, rgba adds opaque alpha, gray expands', async () => {
  const dir = tempDir();
  const rgb = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 100, 150, 200]);
  await writeImage(path.join(dir, 'c.png'), rgb, 2, 2, 3);
  const g = await loadImg(path.join(dir, 'c.png'), { colorMode: 'grayscale' });
  assert.equal(g.channels, 1);
  // (r*19595 + g*38470 + b*7471 + 32768) >> 16
  assert.deepEqual(Array.from(g.data), [76, 150, 29, 141]);
  const a = await loadImg(path.join(dir, 'c.png'), { colorMode: 'rgba' });
  assert.deepEqual(Array.from(a.data.subarray(0, 8)), [255, 0, 0, 255, 0, 255, 0, 255]);
  const gray = Uint8Array.from([0, 50, 100, 250]);
  await writeImage(path.join(dir, 'g.png'), gray, 2, 2, 1);
  const asRgb = await loadImg(path.join(dir, 'g.png'));
  assert.deepEqual(Array.from(asRgb.data.subarray(0, 6)), [0, 0, 0, 50, 50, 50]);
  assert.deepEqual(
    Array.from((await loadImg(path.join(dir, 'g.png'), { colorMode: 'grayscale' })).data),
    [0, 50, 100, 250],
  );
  const rgba = Uint8Array.from([10, 20, 30, 40, 50, 60, 70, 80]);
  await writeImage(path.join(dir, 'r.png'), rgba, 1, 2, 4);
  assert.deepEqual(Array.from((await loadImg(path.join(dir, 'r.png'))).data), [10, 20, 30, 50, 60, 70]);
  assert.deepEqual(Array.from((await loadImg(path.join(dir, 'r.png'), { colorMode: 'rgba' })).data), Array.from(rgba));
  // palette PNG
  const pal = pixels(2, 2, 3, (y, x) => (x ? 255 : 0));
  writeFileSync(
    path.join(dir, 'p.png'),
    await sharp(Buffer.from(pal), { raw: { width: 2, height: 2, channels: 3 } })
      .png({ palette: true })
      .toBuffer(),
  );
  assert.deepEqual(Array.from((await loadImg(path.join(dir, 'p.png'))).data), Array.from(pal));
  assert.deepEqual(
    convertChannels({ data: Uint8Array.from([7, 9]), height: 1, width: 1, channels: 2 }, 'rgba').data,
    Uint8Array.from([7, 7, 7, 9]),
  );
});

test('BMP decoder: 1/4/8-bit palettes, top-down, 32-bit bitfields with alpha, 24-bit', async () => {
  const palette: [number, number, number][] = [
    [0, 0, 0],
    [255, 255, 255],
    [255, 0, 0],
    [0, 0, 255],
  ];
  const idx = Uint8Array.from([0, 1, 2, 3, 3, 2, 1, 0, 1, 1, 0, 0]); // 3 rows x 4
  for (const bpp of [4, 8] as const) {
    for (const topDown of [false, true]) {
      const img = decodeBmp(bmpPalette(idx, 3, 4, bpp, palette, topDown));
      assert.deepEqual([img.height, img.width, img.channels], [3, 4, 3]);
      assert.deepEqual(
        Array.from(img.data),
        Array.from(idx).flatMap((i) => palette[i]),
        `bpp ${bpp} topDown ${topDown}`,
      );
    }
  }
  const bits = Uint8Array.from([0, 1, 1, 0, 1, 0, 1, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1]); // 2 rows x 10
  const one = decodeBmp(bmpPalette(bits, 2, 10, 1, palette.slice(0, 2)));
  assert.deepEqual(
    Array.from(one.data).filter((_, i) => i % 3 === 0),
    Array.from(bits).map((b) => b * 255),
  );
  const rgba = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
  const b32 = decodeBmp(bmp32Bitfields(rgba, 2, 2));
  assert.equal(b32.channels, 4);
  assert.deepEqual(Array.from(b32.data), Array.from(rgba));
  const gray = await decodeImage(bmp32Bitfields(rgba, 2, 2), 'grayscale');
  assert.equal(gray.channels, 1);
  assert.throws(() => decodeBmp(Uint8Array.from([66, 77, 0, 0]), 'x.bmp'), /x\.bmp/);
  // 24-bit with row padding (width 3 -> 9 bytes + 3 pad)
  const dir = tempDir();
  const rgb = pixels(2, 3, 3, (y, x, c) => y * 100 + x * 20 + c);
  await writeImage(path.join(dir, 'p.bmp'), rgb, 2, 3, 3);
  assert.deepEqual(Array.from((await loadImg(path.join(dir, 'p.bmp'))).data), Array.from(rgb));
});

test('bilinear resize matches hand-computed tf.image.resize values', () => {
  // 1x2 -> 1x4, half-pixel centres: x_in = (x + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25
  // -> clamped 0: 10; 10 + 0.25*(30-10) = 15; 25; clamped: 30
  close(resizeImage(Uint8Array.from([10, 30]), 1, 2, 1, 1, 4, 'bilinear'), [10, 15, 25, 30]);
  // 2x2 -> 3x3: coords (i+0.5)*2/3 - 0.5 = -1/6, 0.5, 7/6
  const out = resizeImage(Uint8Array.from([0, 60, 120, 180]), 2, 2, 1, 3, 3, 'bilinear');
  close(out, [0, 30, 60, 60, 90, 120, 120, 150, 180]);
  // downscale 4 -> 2: x_in = 0.5, 2.5: averages of pairs (no antialias needed here)
  close(resizeImage(Uint8Array.from([0, 10, 20, 30]), 1, 4, 1, 1, 2, 'bilinear'), [5, 25]);
  // nearest 4 -> 2: floor((x+0.5)*2) = 1, 3
  close(resizeImage(Uint8Array.from([0, 10, 20, 30]), 1, 4, 1, 1, 2, 'nearest'), [10, 30]);
  // area 4 -> 2: means
  close(resizeImage(Uint8Array.from([0, 10, 20, 30]), 1, 4, 1, 1, 2, 'area'), [5, 25]);
  // area 3 -> 2: windows [0, 1.5) and [1.5, 3): (1*0 + 0.5*10)/1.5, (0.5*10 + 1*20)/1.5
  close(resizeImage(Uint8Array.from([0, 10, 20]), 1, 3, 1, 1, 2, 'area'), [5 / 1.5, 25 / 1.5]);
  // bicubic keeps constants and is exact on linear ramps away from the borders
  close(resizeImage(new Uint8Array(12).fill(77), 3, 4, 1, 5, 7, 'bicubic'), new Array(35).fill(77));
  const ramp = Uint8Array.from({ length: 8 }, (_, i) => i * 10);
  const up = resizeImage(ramp, 1, 8, 1, 1, 16, 'bicubic');
  close(up.subarray(4, 12), [17.5, 22.5, 27.5, 32.5, 37.5, 42.5, 47.5, 52.5], 1e-3);
  // multi-channel keeps channels apart
  close(
    resizeImage(Uint8Array.from([10, 100, 30, 200]), 1, 2, 2, 1, 4, 'bilinear'),
    [10, 100, 15, 125, 25, 175, 30, 200],
  );
});

test('crop to aspect ratio (smart_resize) and loadImg with targetSize', async () => {
  assert.deepEqual(aspectCropBox(100, 200, 50, 50), { top: 0, left: 50, height: 100, width: 100 });
  assert.deepEqual(aspectCropBox(7, 3, 1, 1), { top: 2, left: 0, height: 3, width: 3 });
  const dir = tempDir();
  // 2x4 image: left half 0, right half 200; crop to square keeps the middle 2 columns
  const data = pixels(2, 4, 3, (_y, x) => [0, 50, 150, 200][x]);
  await writeImage(path.join(dir, 'w.png'), data, 2, 4, 3);
  const full = await loadImg(path.join(dir, 'w.png'), { targetSize: [2, 2] });
  assert.deepEqual(Array.from(full.data.filter((_, i) => i % 3 === 0)), [50, 200, 50, 200]); // nearest: cols 1, 3
  const cropped = await loadImg(path.join(dir, 'w.png'), { targetSize: [2, 2], keepAspectRatio: true });
  assert.deepEqual(Array.from(cropped.data.filter((_, i) => i % 3 === 0)), [50, 150, 50, 150]);
  const bil = await loadImg(path.join(dir, 'w.png'), { targetSize: [1, 2], interpolation: 'bilinear' });
  assert.deepEqual(Array.from(bil.data.filter((_, i) => i % 3 === 0)), [25, 175]);
});

test('imgToArray / arrayToImg / saveImg round trip, atomic write, errors name the file', async () => {
  const dir = tempDir();
  const x = tensor([
    [[0], [1]],
    [[2], [4]],
  ]);
  const img = arrayToImg(x);
  assert.deepEqual(Array.from(img.data), [0, 63, 127, 255]);
  assert.equal(img.mode, 'L');
  assert.deepEqual(Array.from(arrayToImg(x, { scale: false }).data), [0, 1, 2, 4]);
  const t = imgToArray(img);
  assert.deepEqual(t.shape, [2, 2, 1]);
  assert.equal(t.dtype, 'float32');
  const rgb = tensor(Array.from(pixels(3, 3, 3, (y, x2, c) => y * 50 + x2 * 20 + c * 5)), [3, 3, 3]);
  for (const ext of ['png', 'bmp', 'webp']) {
    const f = path.join(dir, `out.${ext}`);
    await saveImg(f, rgb, { scale: false });
    const back = imgToArray(await loadImg(f));
    if (ext !== 'webp') assert.deepEqual(Array.from(back.data), Array.from(rgb.data), ext);
  }
  await saveImg(path.join(dir, 'out.jpg'), rgb);
  assert.deepEqual((await sharp(readFileSync(path.join(dir, 'out.jpg'))).metadata()).format, 'jpeg');
  assert.ok(readdirSync(dir).every((n) => !n.endsWith('.tmp')));
  await assert.rejects(saveImg(path.join(dir, 'out.xyz'), rgb), /out\.xyz/);
  await assert.rejects(loadImg(path.join(dir, 'missing.png')), /missing\.png/);
  writeFileSync(path.join(dir, 'bad.jpg'), 'not an image');
  await assert.rejects(
    loadImg(path.join(dir, 'bad.jpg')),
    (e: Error) => e.name === 'FileFormatError' && /bad\.jpg/.test(e.message),
  );
  await assert.rejects(loadImg(path.join(dir, 'out.png'), { colorMode: 'hsv' as never }), /colorMode/);
  assert.ok(existsSync(path.join(dir, 'out.png')));
});
