import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { encodeGif, gifDelay, lzwEncode, type GifFrame } from '../../src/vis/gif.js';

/** Every frame of a GIF as sharp (libvips) composes it: RGB per pixel, plus the metadata. */
async function decode(gif: Uint8Array) {
  const img = sharp(Buffer.from(gif), { pages: -1 });
  const meta = await img.metadata();
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  const pageHeight = meta.pageHeight ?? info.height;
  const pages = info.height / pageHeight;
  const pixel = (page: number, x: number, y: number) => {
    const o = ((page * pageHeight + y) * info.width + x) * info.channels;
    return [data[o], data[o + 1], data[o + 2]];
  };
  return { meta, width: info.width, pageHeight, pages, pixel };
}

function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    return s / 0x80000000;
  };
}

function assertFramesEqual(
  d: Awaited<ReturnType<typeof decode>>,
  frames: GifFrame[],
  palette: Uint8Array,
  width: number,
  height: number,
) {
  assert.equal(d.pages, frames.length);
  assert.equal(d.width, width);
  assert.equal(d.pageHeight, height);
  frames.forEach((f, page) => {
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const k = f.indices[y * width + x];
        const want = [palette[k * 3], palette[k * 3 + 1], palette[k * 3 + 2]];
        assert.deepEqual(d.pixel(page, x, y), want, `frame ${page} pixel (${x}, ${y})`);
      }
  });
}

test('encodeGif: frames round-trip through sharp with exact palette colours, delays and looping', async () => {
  const width = 37;
  const height = 23;
  const colours = 200;
  const palette = new Uint8Array(colours * 3);
  for (let i = 0; i < colours; i++) palette.set([i, (i * 7) & 255, 255 - i], i * 3);
  const rnd = seeded(7);
  const frames: GifFrame[] = [];
  let cur = Uint8Array.from({ length: width * height }, () => Math.floor(rnd() * colours));
  for (let f = 0; f < 5; f++) {
    const next = cur.slice();
    // a small change (a changed rectangle with unchanged, transparent pixels inside), then none at all
    if (f !== 3) for (let i = 0; i < 40; i++) next[Math.floor(rnd() * next.length)] = Math.floor(rnd() * colours);
    frames.push({ indices: next, delay: 100 + 30 * f });
    cur = next;
  }
  const gif = encodeGif(width, height, palette, frames);
  assert.equal(Buffer.from(gif.subarray(0, 6)).toString('latin1'), 'GIF89a');
  assert.equal(gif[gif.length - 1], 0x3b);
  const d = await decode(gif);
  assert.equal(d.meta.format, 'gif');
  assert.deepEqual(d.meta.delay, [100, 130, 160, 190, 220]);
  assert.equal(d.meta.loop, 0);
  assertFramesEqual(d, frames, palette, width, height);
});

test('encodeGif: a full 256-colour palette (no spare transparent index) and a long LZW stream that fills the table', async () => {
  const width = 200;
  const height = 150;
  const palette = new Uint8Array(768);
  for (let i = 0; i < 256; i++) palette.set([i, 255 - i, (i * 37) & 255], i * 3);
  const rnd = seeded(11);
  const a = Uint8Array.from({ length: width * height }, () => Math.floor(rnd() * 256));
  const b = a.map((v, i) => (i % 5 === 0 ? 255 - v : v));
  const frames = [
    { indices: a, delay: 50 },
    { indices: b, delay: 1000 },
  ];
  const d = await decode(encodeGif(width, height, palette, frames, { loop: 3 }));
  assert.deepEqual(d.meta.delay, [50, 1000]);
  assert.equal(d.meta.loop, 3);
  assertFramesEqual(d, frames, palette, width, height);
});

test('encodeGif: two colours (the smallest code size) and one pixel', async () => {
  const palette = Uint8Array.from([0, 0, 0, 255, 255, 255]);
  const stripes = Uint8Array.from({ length: 9 * 4 }, (_, i) => (i % 9) % 2);
  const d = await decode(encodeGif(9, 4, palette, [{ indices: stripes, delay: 10 }]));
  assertFramesEqual(d, [{ indices: stripes, delay: 10 }], palette, 9, 4);
  assert.deepEqual(d.meta.delay, [20], 'delays under 20 ms are stored as 2 hundredths');
  const one = await decode(encodeGif(1, 1, palette, [{ indices: Uint8Array.of(1), delay: 100 }]));
  assert.deepEqual(one.pixel(0, 0, 0), [255, 255, 255]);
  const once = await decode(encodeGif(1, 1, palette, [{ indices: Uint8Array.of(1), delay: 100 }], { loop: 1 }));
  assert.equal(once.meta.loop, 1);
});

test('gifDelay and lzwEncode: hundredths with a floor of 2; the code stream starts with the minimum code size and ends with a terminator', () => {
  assert.equal(gifDelay(0), 2);
  assert.equal(gifDelay(104), 10);
  assert.equal(gifDelay(106), 11);
  assert.equal(gifDelay(1e9), 0xffff);
  const bytes = lzwEncode(Uint8Array.of(0, 0, 0, 0), 2);
  assert.equal(bytes[0], 2);
  assert.equal(bytes[bytes.length - 1], 0);
  assert.equal(bytes[1], bytes.length - 3, 'one sub-block holding the codes');
});

test('encodeGif refuses what it cannot store, naming the frame and the expected value', () => {
  const pal = new Uint8Array(6);
  const px = new Uint8Array(4);
  assert.throws(
    () => encodeGif(2, 2, pal, [{ indices: new Uint8Array(3), delay: 10 }]),
    /frame 0 has 3 pixels, expected 4 \(2x2\)/,
  );
  assert.throws(
    () => encodeGif(2, 2, pal, [{ indices: Uint8Array.of(0, 2, 0, 0), delay: 10 }]),
    /frame 0 uses colour 2 at pixel 1, the palette has 2 colours/,
  );
  assert.throws(
    () => encodeGif(2, 2, new Uint8Array(5), [{ indices: px, delay: 10 }]),
    /1 to 256 RGB triples.*got 5 bytes/,
  );
  assert.throws(() => encodeGif(2, 2, new Uint8Array(771), [{ indices: px, delay: 10 }]), /got 771 bytes/);
  assert.throws(() => encodeGif(2, 2, pal, []), /at least one frame/);
  assert.throws(
    () => encodeGif(0, 2, pal, [{ indices: px, delay: 10 }]),
    /width must be an integer in \[1, 65535\], got 0/,
  );
  assert.throws(() => encodeGif(2, 2, pal, [{ indices: px, delay: -1 }]), /frame 0 delay .* got -1/);
  assert.throws(() => encodeGif(2, 2, pal, [{ indices: px, delay: 1 }], { loop: -1 }), /loop must be .* got -1/);
});
