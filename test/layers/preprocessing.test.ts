// Preprocessing and augmentation layers — identity at inference, per-image randomness,
// distributions of the random parameters, fill modes on a known image, seeds, gradients, configs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValueError } from '../../src/errors.js';
import { deserializeLayer, type Layer } from '../../src/layers/base.js';
import { KerasTensor } from '../../src/layers/keras_tensor.js';
import {
  CenterCrop,
  RandomBrightness,
  RandomContrast,
  RandomCrop,
  RandomFlip,
  RandomRotation,
  RandomTranslation,
  RandomZoom,
  Rescaling,
  Resizing,
} from '../../src/layers/preprocessing.js';
import { aspectCropBox, resizeImage } from '../../src/data/resize.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { setRandomSeed } from '../../src/tensor/random.js';
import { assertClose, gradCheck, rand } from '../helpers/gradcheck.js';
import { runLayerTest } from '../helpers/layer_test.js';

const t = (values: number[], shape: number[]) => new Tensor(Float32Array.from(values), shape);
const sym = (shape: (number | null)[]) => new KerasTensor(shape, null, 0, 'in');
/** n distinct images of h×w×c with values 0..255. */
const images = (n: number, h: number, w: number, c = 1, seed = 1) => rand([n, h, w, c], seed, 0, 255);
const img = (x: Tensor, b: number) =>
  Array.from(x.data.subarray(b * (x.size / x.shape[0]), (b + 1) * (x.size / x.shape[0])));

function randomLayers(): Layer[] {
  return [
    new RandomFlip(),
    new RandomRotation(0.2),
    new RandomZoom(0.3),
    new RandomTranslation(0.2, 0.2),
    new RandomContrast(0.5),
    new RandomBrightness(0.3),
  ];
}

describe('random augmentation layers: common behaviour', () => {
  it('are the identity with training=false, and augment with training=true or (as Keras) without it', () => {
    // Eight images under a fixed seed: with three, RandomFlip left all of them unflipped one run in eight.
    setRandomSeed(5);
    const x = images(8, 5, 6, 2);
    for (const l of randomLayers()) {
      assert.equal(l.apply(x, { training: false }), x, `${l.className} training=false`);
      const y = l.apply(x, { training: true });
      assert.deepEqual(y.shape, x.shape);
      assert.notDeepEqual([...y.data], [...x.data], `${l.className} changes images when training`);
      assert.notDeepEqual([...l.apply(x).data], [...x.data], `${l.className} augments by default`);
    }
  });
  it('give each image its own draw', () => {
    const one = images(1, 6, 6, 1, 3);
    const same = new Tensor(
      new Float32Array(8 * 36).map((_, i) => one.data[i % 36]),
      [8, 6, 6, 1],
    );
    for (const l of [
      new RandomRotation(0.3, { seed: 1 }),
      new RandomZoom(0.4, null, { seed: 2 }),
      new RandomTranslation(0.3, 0.3, { seed: 3 }),
      new RandomContrast(0.5, { seed: 4 }),
      new RandomBrightness(0.3, { seed: 5 }),
    ]) {
      const y = l.apply(same, { training: true });
      const distinct = new Set(
        Array.from({ length: 8 }, (_, b) =>
          img(y, b)
            .map((v) => v.toFixed(3))
            .join(','),
        ),
      );
      assert.ok(distinct.size >= 7, `${l.className}: ${distinct.size} distinct outputs of 8 identical images`);
    }
  });
  it('are reproducible with a seed and with the global seed', () => {
    const x = images(4, 5, 5, 3);
    const mk = [
      (s?: number) => new RandomRotation(0.2, { seed: s }),
      (s?: number) => new RandomFlip('horizontal_and_vertical', { seed: s }),
      (s?: number) => new RandomZoom(0.2, 0.3, { seed: s }),
      (s?: number) => new RandomContrast(0.4, { seed: s }),
      (s?: number) => new RandomCrop(3, 4, { seed: s }),
    ];
    for (const f of mk) {
      assert.deepEqual([...f(42).apply(x, { training: true }).data], [...f(42).apply(x, { training: true }).data]);
      setRandomSeed(9);
      const a = f().apply(x, { training: true });
      setRandomSeed(9);
      const b = f().apply(x, { training: true });
      assert.deepEqual([...a.data], [...b.data]);
    }
  });
  it('accept a single HWC image', () => {
    const x = rand([5, 5, 3], 2, 0, 255);
    for (const l of randomLayers()) assert.deepEqual(l.apply(x, { training: true }).shape, [5, 5, 3]);
    assert.deepEqual(new Resizing(2, 3).apply(x).shape, [2, 3, 3]);
  });
  it('pass the common layer checks (config, shapes, training, .keras) with Keras 3 configs', async () => {
    const img = [2, 6, 6, 3];
    const runs = [
      await runLayerTest(RandomFlip, ['horizontal', { seed: 3 }], img, { outputShape: img }),
      await runLayerTest(
        RandomRotation,
        [[-0.1, 0.2], { fillMode: 'constant', fillValue: 7, interpolation: 'nearest' }],
        img,
      ),
      await runLayerTest(RandomZoom, [0.2, [-0.1, 0.3]], img, { outputShape: img }),
      await runLayerTest(RandomTranslation, [0.1, [0, 0.2], { fillMode: 'wrap' }], img, { outputShape: img }),
      await runLayerTest(RandomContrast, [0.3, { valueRange: [0, 1] }], img, { outputShape: img }),
      await runLayerTest(RandomBrightness, [[-0.2, 0.1]], img, { outputShape: img }),
      await runLayerTest(RandomCrop, [4, 5, { seed: 1 }], img, { outputShape: [2, 4, 5, 3] }),
      await runLayerTest(CenterCrop, [3, 2], img, { outputShape: [2, 3, 2, 3] }),
      await runLayerTest(Resizing, [7, 8, { interpolation: 'nearest', cropToAspectRatio: true }], img, {
        outputShape: [2, 7, 8, 3],
      }),
      await runLayerTest(Rescaling, [1 / 255, { offset: -1 }], img, { outputShape: img }),
    ];
    const cfgs = runs.map((r) => r.config);
    assert.equal(cfgs[0].mode, 'horizontal');
    assert.equal(cfgs[0].seed, 3);
    assert.deepEqual(cfgs[1].factor, [-0.1, 0.2]);
    assert.equal(cfgs[1].fill_mode, 'constant');
    assert.equal(cfgs[1].fill_value, 7);
    assert.equal(cfgs[2].height_factor, 0.2);
    assert.deepEqual(cfgs[2].width_factor, [-0.1, 0.3]);
    assert.equal((await runLayerTest(RandomZoom, [0.1], img)).config.width_factor, null);
    assert.deepEqual(cfgs[4].value_range, [0, 1]);
    assert.equal(cfgs[8].crop_to_aspect_ratio, true);
    assert.equal(cfgs[9].scale, 1 / 255);
    assert.equal(cfgs[9].offset, -1);
  });
  it('reject bad arguments with the layer name', () => {
    assert.throws(
      () => new RandomFlip('diagonal' as 'horizontal', { name: 'rf' }),
      (e: Error) => e instanceof ValueError && /RandomFlip 'rf'/.test(e.message),
    );
    assert.throws(() => new RandomRotation(0.1, { fillMode: 'mirror' as 'reflect' }), ValueError);
    assert.throws(() => new RandomRotation([0.3, 0.1]), ValueError);
    assert.throws(() => new RandomTranslation(1.5, 0), ValueError);
    assert.throws(() => new RandomBrightness(2), ValueError);
    assert.throws(() => new RandomContrast(-0.1), ValueError);
    assert.throws(() => new RandomContrast([1.5, 0.2]), ValueError);
    const rc = new RandomContrast([0.5, 0.1], { seed: 2 });
    rc.apply(images(200, 2, 2), { training: true });
    assert.ok(
      rc.lastFactors.every((f) => f >= 0.5 && f <= 1.1) &&
        Math.min(...rc.lastFactors) < 0.55 &&
        Math.max(...rc.lastFactors) > 1.05,
    );
    assert.throws(() => new Resizing(0, 3), ValueError);
    assert.throws(() => new RandomFlip().apply(rand([2, 3], 1), { training: true }), /RandomFlip/);
    assert.throws(
      () =>
        deserializeLayer({
          class_name: 'RandomFlip',
          config: { name: 'f', mode: 'horizontal', data_format: 'channels_first' },
        }),
      /channels_last/,
    );
  });
});

describe('RandomFlip', () => {
  it('flips about half the images, each output being the image or its mirror', () => {
    const n = 400;
    const x = images(n, 2, 3, 1, 5);
    const y = new RandomFlip('horizontal', { seed: 1 }).apply(x, { training: true });
    let flipped = 0;
    for (let b = 0; b < n; b++) {
      const a = img(x, b),
        o = img(y, b);
      const mirror = [a[2], a[1], a[0], a[5], a[4], a[3]];
      if (o.every((v, i) => v === a[i])) continue;
      assert.deepEqual(o, mirror, `image ${b}`);
      flipped++;
    }
    assert.ok(flipped > 160 && flipped < 240, `flipped ${flipped}/${n}`);
  });
  it('horizontal_and_vertical flips each axis independently with p = 1/2', () => {
    const n = 400;
    const x = images(n, 2, 2, 1, 6);
    const y = new RandomFlip(undefined, { seed: 2 }).apply(x, { training: true });
    const counts = [0, 0, 0, 0]; // none, h, v, both
    for (let b = 0; b < n; b++) {
      const [p, q, r, s] = img(x, b),
        o = img(y, b).join();
      const k = [
        [p, q, r, s],
        [q, p, s, r],
        [r, s, p, q],
        [s, r, q, p],
      ].findIndex((m) => m.join() === o);
      assert.ok(k >= 0, `image ${b} is not a flip of its input`);
      counts[k]++;
    }
    for (const c of counts) assert.ok(c > 70 && c < 130, `counts ${counts}`);
  });
});

describe('RandomRotation', () => {
  it('draws angles uniformly within ±factor·2π (and within [lo, hi]·2π)', () => {
    const x = images(500, 3, 3, 1);
    const l = new RandomRotation(0.1, { seed: 3 });
    l.apply(x, { training: true });
    const a = l.lastAngles;
    assert.equal(a.length, 500);
    const lim = 0.1 * 2 * Math.PI;
    assert.ok(a.every((v) => Math.abs(v) <= lim));
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    assert.ok(Math.abs(mean) < 0.05, `mean ${mean}`);
    assert.ok(Math.min(...a) < -0.9 * lim && Math.max(...a) > 0.9 * lim);
    const l2 = new RandomRotation([0.05, 0.1], { seed: 4 });
    l2.apply(x, { training: true });
    assert.ok(l2.lastAngles.every((v) => v >= 0.05 * 2 * Math.PI - 1e-9 && v <= 0.1 * 2 * Math.PI + 1e-9));
  });
  it('rotates a square image by a quarter turn exactly', () => {
    const n = 4;
    const x = t([...Array(16).keys()], [1, 4, 4, 1]);
    const y = new RandomRotation([0.25, 0.25], { seed: 1 }).apply(x, { training: true });
    // Output (col x, row y) reads input (col n−1−y, row x).
    const expected: number[] = [];
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) expected.push(x.data[c * n + (n - 1 - r)]);
    assertClose(y.data, expected, 1e-4);
  });
});

describe('fill modes on a known image (RandomTranslation by exactly 2 pixels)', () => {
  // Row [1 2 3 4] shifted right by 2: the two new pixels come from the fill mode.
  const x = t([1, 2, 3, 4, 1, 2, 3, 4], [1, 2, 4, 1]);
  const shift = (fillMode: 'reflect' | 'constant' | 'nearest' | 'wrap', fillValue = 0) =>
    Array.from(
      new RandomTranslation(0, [0.5, 0.5], { fillMode, fillValue, seed: 1 })
        .apply(x, { training: true })
        .data.subarray(0, 4),
    );
  it('reflect: d c b a | a b c d', () => assert.deepEqual(shift('reflect'), [2, 1, 1, 2]));
  it('constant', () => {
    assert.deepEqual(shift('constant'), [0, 0, 1, 2]);
    assert.deepEqual(shift('constant', 9), [9, 9, 1, 2]);
  });
  it('nearest', () => assert.deepEqual(shift('nearest'), [1, 1, 1, 2]));
  it('wrap', () => assert.deepEqual(shift('wrap'), [3, 4, 1, 2]));
  it('translation fractions are drawn within the ranges', () => {
    const l = new RandomTranslation(0.2, [-0.1, 0.3], { seed: 5 });
    l.apply(images(300, 10, 20), { training: true });
    assert.ok(l.lastShifts.every(([dy, dx]) => Math.abs(dy) <= 2 && dx >= -2 && dx <= 6));
    assert.ok(Math.max(...l.lastShifts.map((s) => s[1])) > 5.5 && Math.min(...l.lastShifts.map((s) => s[1])) < -1.5);
  });
});

describe('RandomZoom', () => {
  it('draws zooms in 1 ± factor, one per image, the same on both axes unless widthFactor is given', () => {
    const x = images(300, 6, 6);
    const l = new RandomZoom(0.2, null, { seed: 2 });
    l.apply(x, { training: true });
    assert.ok(l.lastZooms.every(([zy, zx]) => zy === zx && zy >= 0.8 && zy <= 1.2));
    const l2 = new RandomZoom([0, 0.5], [-0.3, -0.1], { seed: 3 });
    l2.apply(x, { training: true });
    assert.ok(l2.lastZooms.every(([zy, zx]) => zy >= 1 && zy <= 1.5 && zx >= 0.7 && zx <= 0.9));
  });
  it('positive factors zoom out (constant fill shows at the borders), negative zoom in', () => {
    const x = new Tensor(new Float32Array(36).fill(5), [1, 6, 6, 1]);
    const out = new RandomZoom([1, 1], null, { fillMode: 'constant', seed: 1 }).apply(x, { training: true });
    assert.equal(out.data[0], 0);
    assert.equal(out.data[35], 0);
    assertClose([out.data[2 * 6 + 2]], [5]);
    const inn = new RandomZoom([-0.5, -0.5], null, { fillMode: 'constant', seed: 1 }).apply(x, { training: true });
    assert.ok(inn.data.every((v) => Math.abs(v - 5) < 1e-5));
  });
});

describe('RandomContrast and RandomBrightness', () => {
  it('RandomContrast scales about the per-image, per-channel mean and clips', () => {
    const x = images(50, 4, 4, 3, 8);
    const l = new RandomContrast(0.5, { seed: 3 });
    const y = l.apply(x, { training: true });
    assert.ok(l.lastFactors.every((f) => f >= 0.5 && f <= 1.5));
    for (let b = 0; b < 50; b++)
      for (let c = 0; c < 3; c++) {
        let mean = 0;
        for (let i = 0; i < 16; i++) mean += x.data[(b * 16 + i) * 3 + c] / 16;
        for (let i = 0; i < 16; i++) {
          const k = (b * 16 + i) * 3 + c;
          const e = Math.min(255, Math.max(0, (x.data[k] - mean) * l.lastFactors[b] + mean));
          assert.ok(Math.abs(y.data[k] - e) < 1e-3, `image ${b}: ${y.data[k]} vs ${e}`);
        }
      }
  });
  it('RandomBrightness adds one delta per image, scaled by the value range, and clips', () => {
    const x = images(50, 3, 3, 3, 9);
    const l = new RandomBrightness(0.2, { seed: 4 });
    const y = l.apply(x, { training: true });
    assert.ok(l.lastDeltas.every((d) => Math.abs(d) <= 0.2 * 255 + 1e-4));
    for (let b = 0; b < 50; b++)
      for (let i = 0; i < 27; i++) {
        const k = b * 27 + i;
        assert.ok(Math.abs(y.data[k] - Math.min(255, Math.max(0, x.data[k] + l.lastDeltas[b]))) < 1e-3);
      }
    const unit = new RandomBrightness([0.5, 0.5], { valueRange: [0, 1], seed: 1 }).apply(t([0.2, 0.7], [1, 1, 2, 1]), {
      training: true,
    });
    assertClose(unit.data, [0.7, 1]);
  });
});

describe('Rescaling, Resizing, CenterCrop, RandomCrop', () => {
  it('Rescaling always applies, per-channel too, and is differentiable', () => {
    const x = t([0, 255, 51, 102], [1, 2, 2]);
    assertClose(new Rescaling(1 / 255).apply(x).data, [0, 1, 0.2, 0.4]);
    assertClose(new Rescaling(1 / 127.5, { offset: -1 }).apply(x, { training: false }).data, [-1, 1, -0.6, -0.2]);
    assertClose(new Rescaling([1, 2], { offset: [0, 1] }).apply(x).data, [0, 511, 51, 205]);
    const v = rand([2, 3, 3, 2], 3);
    gradCheck(() => new Rescaling(0.5, { offset: 2 }).apply(v), [v], { maxChecks: Infinity });
    assert.deepEqual([...new Rescaling(2).apply(sym([null, 4, 4, 3])).shape], [null, 4, 4, 3]);
  });
  it('Resizing always applies, infers shapes, crops or pads to the aspect ratio, and is differentiable', () => {
    assert.deepEqual([...new Resizing(5, 6).apply(sym([null, 10, 12, 3])).shape], [null, 5, 6, 3]);
    const x = t([0, 2, 4, 6], [1, 1, 4, 1]);
    assertClose(new Resizing(1, 2).apply(x).data, [1, 5]);
    // 2x4 image to 2x2 with crop_to_aspect_ratio: the centred 2x2 window (columns 1..2).
    const y = t([0, 1, 2, 3, 4, 5, 6, 7], [1, 2, 4, 1]);
    assert.deepEqual([...new Resizing(2, 2, { cropToAspectRatio: true }).apply(y).data], [1, 2, 5, 6]);
    // pad_to_aspect_ratio: 1x2 → pad to 2x2 (one row of fill above? centred: top 0, bottom 1) then keep.
    assert.deepEqual(
      [...new Resizing(2, 2, { padToAspectRatio: true, fillValue: 9 }).apply(t([1, 2], [1, 1, 2, 1])).data],
      [1, 2, 9, 9],
    );
    const v = rand([2, 4, 6, 2], 4);
    gradCheck(() => new Resizing(3, 3, { cropToAspectRatio: true }).apply(v), [v], { maxChecks: Infinity });
  });
  it('Resizing agrees with data/resize.ts for every interpolation (bicubic and area included)', () => {
    const v = rand([2, 7, 9, 3], 6, 0, 255);
    for (const interpolation of ['bilinear', 'nearest', 'bicubic', 'area'] as const) {
      for (const [th, tw, crop] of [
        [4, 5, false],
        [10, 12, false],
        [5, 5, true],
      ] as const) {
        const y = new Resizing(th, tw, { interpolation, cropToAspectRatio: crop }).apply(v);
        assert.deepEqual(y.shape, [2, th, tw, 3]);
        const box = crop ? aspectCropBox(7, 9, th, tw) : undefined;
        const ref = resizeImage(v.data.subarray(7 * 9 * 3), 7, 9, 3, th, tw, interpolation, box);
        assertClose(y.data.subarray(th * tw * 3), ref, 1e-4, `${interpolation} ${th}x${tw}${crop ? ' crop' : ''}`);
      }
    }
    assertClose(new Resizing(1, 2, { interpolation: 'area' }).apply(t([0, 2, 4, 6], [1, 1, 4, 1])).data, [1, 5]);
    assert.throws(() => new Resizing(2, 2, { interpolation: 'lanczos5' as 'area' }), ValueError);
  });
  it('CenterCrop takes the centred window (floor of half the excess) and resizes smaller images', () => {
    const x = t([...Array(20).keys()], [1, 4, 5, 1]);
    assert.deepEqual([...new CenterCrop(2, 2).apply(x).data], [6, 7, 11, 12]);
    assert.deepEqual([...new CenterCrop(3, 2).apply(x, { training: true }).data], [1, 2, 6, 7, 11, 12]);
    assert.deepEqual(new CenterCrop(6, 6).apply(x).shape, [1, 6, 6, 1]);
    const v = rand([1, 4, 5, 2], 5);
    gradCheck(() => new CenterCrop(2, 3).apply(v), [v], { maxChecks: Infinity });
  });
  it(
    'RandomCrop crops a random window per image when training and, at inference, resizes the largest centred ' +
      'window of the target aspect',
    () => {
      const n = 200;
      const x = new Tensor(
        new Float32Array(n * 25).map((_, i) => i % 25),
        [n, 5, 5, 1],
      ); // every image 0..24
      const y = new RandomCrop(2, 3, { seed: 6 }).apply(x, { training: true });
      assert.deepEqual(y.shape, [n, 2, 3, 1]);
      const seen = new Set<number>();
      for (let b = 0; b < n; b++) {
        const o = img(y, b);
        const top = Math.floor(o[0] / 5),
          left = o[0] % 5;
        assert.ok(top <= 3 && left <= 2, `window start ${top},${left}`);
        assert.deepEqual(
          o,
          [0, 1, 2, 5, 6, 7].map((d) => o[0] + d),
        );
        seen.add(o[0]);
      }
      assert.equal(seen.size, 12, 'every window position occurs');
      const inf = new RandomCrop(2, 3).apply(x.slice(0, 1), { training: false });
      // 5x5 to the aspect 2:3: rows 1..3, all 5 columns, then resized to 2x3 (Keras 3's documented inference path).
      assertClose(inf.data, resizeImage(x.data.subarray(5, 20), 3, 5, 1, 2, 3, 'bilinear'), 1e-5);
      assert.deepEqual(inf.shape, [1, 2, 3, 1]);
      assert.deepEqual([...new RandomCrop(2, 3).apply(sym([null, 5, 5, 1])).shape], [null, 2, 3, 1]);
    },
  );
});
