import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { setPrintFunction } from '../../src/utils/progbar.js';
import { ImageDataGenerator } from '../../src/preprocessing/index.js';
import { closeDecodePool } from '../../src/data/decode_pool.js';
import { RandomGenerator, Tensor, tensor } from '../../src/tensor/index.js';
import { pixels, tempDir, writeImage } from '../data/helpers.js';

after(async () => {
  await closeDecodePool();
});

/** n images [n, h, w, 1] whose pixels all equal the sample index; y = index. */
function indexed(n: number, h = 4, w = 4, c = 1): [Tensor, Tensor] {
  const x = new Float32Array(n * h * w * c);
  for (let i = 0; i < n; i++) x.fill(i, i * h * w * c, (i + 1) * h * w * c);
  return [
    new Tensor(x, [n, h, w, c]),
    new Tensor(
      Int32Array.from({ length: n }, (_, i) => i),
      [n],
    ),
  ];
}

test('flow: batch shapes, partial last batch, cardinality, loops forever, y follows x, reshuffles', async () => {
  const [x, y] = indexed(10);
  const it = new ImageDataGenerator({ rescale: 0.5 }).flow(x, y, { batchSize: 4, seed: 3 });
  assert.equal(it.cardinality(), 3);
  assert.equal(it.length, 3);
  const sizes: number[] = [];
  const epochs: number[][] = [[], []];
  let k = 0;
  for await (const b of it) {
    const [bx, by] = b;
    assert.deepEqual(bx.shape.slice(1), [4, 4, 1]);
    assert.equal(bx.dtype, 'float32');
    sizes.push(bx.shape[0]);
    for (let i = 0; i < bx.shape[0]; i++) {
      assert.equal(bx.data[i * 16], by.data[i] * 0.5); // rescaled pixel = label / 2
      epochs[Math.floor(k / 3)].push(by.data[i]);
    }
    if (++k === 6) break;
  }
  assert.deepEqual(sizes, [4, 4, 2, 4, 4, 2]);
  for (const e of epochs)
    assert.deepEqual(
      [...e].sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
  assert.notDeepEqual(epochs[0], epochs[1]);
  // same seed, same stream
  const it2 = new ImageDataGenerator({ rescale: 0.5 }).flow(x, y, { batchSize: 4, seed: 3 });
  const first = await it2.next();
  assert.deepEqual(Array.from(first[1].data), epochs[0].slice(0, 4));
  // no shuffle: in order; no y: x only
  const plain = new ImageDataGenerator().flow(x, null, { batchSize: 3, shuffle: false });
  const b0 = await plain.next();
  assert.ok(b0 instanceof Tensor);
  assert.deepEqual([b0.data[0], b0.data[16], b0.data[32]], [0, 1, 2]);
  assert.throws(() => new ImageDataGenerator().flow(tensor([1, 2]), null), /rank 4/);
  assert.throws(() => new ImageDataGenerator().flow(x, tensor([1, 2])), /same length/);
  // saveToDir writes every generated image
  const out = tempDir('convkit-idg-save-');
  await new ImageDataGenerator({ rotationRange: 30 })
    .flow(x, y, { batchSize: 4, seed: 1, saveToDir: out, savePrefix: 'aug' })
    .next();
  const files = readdirSync(out);
  assert.equal(files.length, 4);
  assert.ok(
    files.every((f) => /^aug_\d+_\d+\.png$/.test(f)),
    files.join(','),
  );
});

test('flow subsets with validationSplit (validation = first part) and sample weights', async () => {
  const [x, y] = indexed(10);
  const g = new ImageDataGenerator({ validationSplit: 0.3 });
  const val = g.flow(x, y, { batchSize: 10, shuffle: false, subset: 'validation' });
  const tr = g.flow(x, y, { batchSize: 10, shuffle: false, subset: 'training' });
  assert.deepEqual(Array.from(((await val.next()) as Tensor[])[1].data), [0, 1, 2]);
  assert.deepEqual(Array.from(((await tr.next()) as Tensor[])[1].data), [3, 4, 5, 6, 7, 8, 9]);
  const sw = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const withSw = (await new ImageDataGenerator()
    .flow(x, y, { batchSize: 2, shuffle: false, sampleWeight: sw })
    .next()) as Tensor[];
  assert.equal(withSw.length, 3);
  assert.deepEqual(Array.from(withSw[2].data), [1, 2]);
  assert.throws(() => new ImageDataGenerator().flow(x, y, { subset: 'training' }), /validationSplit/);
});

test('order: random transform, then preprocessingFunction, then rescale', async () => {
  const [x, y] = indexed(1, 2, 3, 1);
  const seen: number[] = [];
  const g = new ImageDataGenerator({
    horizontalFlip: true,
    rescale: 10,
    preprocessingFunction: (t) => {
      seen.push(...Array.from(t.data));
      return t.add(1);
    },
  });
  // find a seed whose first draw flips
  const img = tensor([
    [[1], [2], [3]],
    [[4], [5], [6]],
  ]);
  const p = g.getRandomTransform([2, 3, 1], new RandomGenerator(0));
  const flipped = g.applyTransform(img, { flipHorizontal: true });
  assert.deepEqual(Array.from(flipped.data), [3, 2, 1, 6, 5, 4]);
  const std = g.standardize(img);
  assert.deepEqual(Array.from(std.data), [20, 30, 40, 50, 60, 70]); // (x + 1) * 10
  assert.deepEqual(Array.from(img.data), [1, 2, 3, 4, 5, 6]); // input untouched
  assert.equal(typeof p.flipHorizontal, 'boolean');
  assert.deepEqual(seen, [1, 2, 3, 4, 5, 6]);
  seen.length = 0;
  const b = (await g.flow(x, y, { batchSize: 1, seed: 1 }).next()) as Tensor[];
  assert.deepEqual(seen, [0, 0, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(b[0].data), [10, 10, 10, 10, 10, 10]);
});

test('random parameters stay in their ranges; zoom number z -> [1-z, 1+z]; shifts', () => {
  const g = new ImageDataGenerator({
    rotationRange: 40,
    widthShiftRange: 0.2,
    heightShiftRange: 5,
    shearRange: 0.2,
    zoomRange: 0.2,
    horizontalFlip: true,
    channelShiftRange: 10,
    brightnessRange: [0.5, 1.5],
  });
  assert.deepEqual(g.zoomRange, [0.8, 1.2]);
  const rng = new RandomGenerator(9);
  let flips = 0,
    sumTheta = 0;
  const N = 2000;
  let minZ = 9,
    maxZ = 0;
  for (let i = 0; i < N; i++) {
    const p = g.getRandomTransform([150, 100, 3], rng);
    assert.ok(Math.abs(p.theta) <= 40);
    assert.ok(Math.abs(p.ty) <= 0.2 * 100, `ty ${p.ty}`); // width shift: fraction of the width
    assert.ok(Math.abs(p.tx) <= 5, `tx ${p.tx}`); // height shift in pixels
    assert.ok(Math.abs(p.shear) <= 0.2);
    for (const z of [p.zx, p.zy]) {
      assert.ok(z >= 0.8 && z <= 1.2);
      minZ = Math.min(minZ, z);
      maxZ = Math.max(maxZ, z);
    }
    assert.ok(p.channelShiftIntensity! >= -10 && p.channelShiftIntensity! <= 10);
    assert.ok(p.brightness! >= 0.5 && p.brightness! <= 1.5);
    if (p.flipHorizontal) flips++;
    assert.equal(p.flipVertical, false);
    sumTheta += p.theta;
  }
  assert.ok(minZ < 0.82 && maxZ > 1.18);
  assert.ok(Math.abs(flips / N - 0.5) < 0.05, `flip rate ${flips / N}`);
  assert.ok(Math.abs(sumTheta / N) < 2.5);
  assert.deepEqual(new ImageDataGenerator({ zoomRange: [0.5, 2] }).zoomRange, [0.5, 2]);
  const arr = new ImageDataGenerator({ widthShiftRange: [-3, 3] });
  for (let i = 0; i < 50; i++) assert.ok([3, -3].includes(arr.getRandomTransform([10, 10, 1], rng).ty));
  assert.throws(() => new ImageDataGenerator({ fillMode: 'mirror' as never }), /fillMode/);
  assert.throws(() => new ImageDataGenerator({ zoomRange: [1] as never }), /zoomRange/);
});

test('applyTransform: rotation 90, shift with fill modes, channel shift, brightness', () => {
  const g = new ImageDataGenerator({ fillMode: 'constant', cval: -1 });
  const img = tensor([
    [[1], [2], [3]],
    [[4], [5], [6]],
    [[7], [8], [9]],
  ]);
  const r = g.applyTransform(img, { theta: 90 });
  const v = Array.from(r.data).map((a) => Math.round(a * 1000) / 1000);
  assert.ok(
    JSON.stringify(v) === JSON.stringify([3, 6, 9, 2, 5, 8, 1, 4, 7]) ||
      JSON.stringify(v) === JSON.stringify([7, 4, 1, 8, 5, 2, 9, 6, 3]),
    JSON.stringify(v),
  );
  // shift along rows by one pixel: one row of cval
  const s = Array.from(g.applyTransform(img, { tx: 1 }).data);
  assert.deepEqual(s, [4, 5, 6, 7, 8, 9, -1, -1, -1]);
  const n = new ImageDataGenerator({ fillMode: 'nearest' }).applyTransform(img, { ty: -1 });
  assert.deepEqual(Array.from(n.data), [1, 1, 2, 4, 4, 5, 7, 7, 8]);
  const cs = g.applyTransform(img, { channelShiftIntensity: 5 });
  assert.deepEqual(Array.from(cs.data), [6, 7, 8, 9, 9, 9, 9, 9, 9]);
  const br = g.applyTransform(tensor([[[100], [200]]]), { brightness: 1.5 });
  assert.deepEqual(Array.from(br.data), [150, 255]);
  // zoom 1 / no params: identity
  assert.deepEqual(Array.from(g.applyTransform(img, { zx: 1, zy: 1 }).data), Array.from(img.data));
});

test('flowFromDirectory: classes, class modes, message, cardinality, augmentation in workers', async () => {
  const dir = tempDir();
  const counts = { cats: 3, dogs: 2 };
  for (const [k, [name, n]] of Object.entries(counts).entries()) {
    for (let i = 0; i < n; i++)
      await writeImage(
        path.join(dir, name, `${i}.png`),
        pixels(8, 6, 3, () => 50 + 100 * k),
        8,
        6,
        3,
      );
  }
  await writeImage(
    path.join(dir, 'dogs', 'x.gif'),
    pixels(2, 2, 3, () => 0),
    2,
    2,
    3,
  ); // not a DirectoryIterator format
  const logs: string[] = [];
  setPrintFunction((m: string) => logs.push(m.trimEnd()));
  let it;
  try {
    it = new ImageDataGenerator({ rescale: 1 / 255 }).flowFromDirectory(dir, {
      targetSize: [4, 3],
      batchSize: 2,
      classMode: 'binary',
      shuffle: false,
    });
  } finally {
    setPrintFunction(null);
  }
  assert.deepEqual(logs, ['Found 5 images belonging to 2 classes.']);
  assert.deepEqual(it.classIndices, { cats: 0, dogs: 1 });
  assert.deepEqual(Array.from(it.classes), [0, 0, 0, 1, 1]);
  assert.equal(it.cardinality(), 3);
  const bs: Tensor[][] = [];
  for await (const b of it) {
    bs.push(b);
    if (bs.length === 4) break;
  }
  assert.deepEqual(
    bs.map((b) => b[0].shape),
    [
      [2, 4, 3, 3],
      [2, 4, 3, 3],
      [1, 4, 3, 3],
      [2, 4, 3, 3],
    ],
  );
  assert.deepEqual(
    bs.map((b) => Array.from(b[1].data)),
    [[0, 0], [0, 1], [1], [0, 0]],
  );
  assert.equal(bs[1][1].dtype, 'float32');
  assert.ok(Math.abs(bs[0][0].data[0] - 50 / 255) < 1e-6);
  assert.ok(Math.abs(bs[2][0].data[0] - 150 / 255) < 1e-6);
  const quiet = { verbose: false } as const;
  const cat = (await new ImageDataGenerator()
    .flowFromDirectory(dir, { ...quiet, targetSize: [2, 2], batchSize: 5, shuffle: false })
    .next()) as Tensor[];
  assert.deepEqual(cat[1].shape, [5, 2]);
  assert.deepEqual(Array.from(cat[1].data), [1, 0, 1, 0, 1, 0, 0, 1, 0, 1]);
  const sparse = (await new ImageDataGenerator()
    .flowFromDirectory(dir, { ...quiet, targetSize: [2, 2], batchSize: 5, shuffle: false, classMode: 'sparse' })
    .next()) as Tensor[];
  assert.deepEqual(Array.from(sparse[1].data), [0, 0, 0, 1, 1]);
  const input = (await new ImageDataGenerator()
    .flowFromDirectory(dir, { ...quiet, targetSize: [2, 2], batchSize: 2, classMode: 'input' })
    .next()) as Tensor[];
  assert.deepEqual(Array.from(input[1].data), Array.from(input[0].data));
  const none = await new ImageDataGenerator()
    .flowFromDirectory(dir, { ...quiet, targetSize: [2, 2], batchSize: 2, classMode: null, colorMode: 'grayscale' })
    .next();
  assert.ok(none instanceof Tensor);
  assert.deepEqual(none.shape, [2, 2, 2, 1]);
  const only = new ImageDataGenerator().flowFromDirectory(dir, { ...quiet, classes: ['dogs'], targetSize: [2, 2] });
  assert.equal(only.n, 2);
  assert.deepEqual(Array.from(only.labels), [0, 0]);
  const saveDir = tempDir('convkit-idg-save-');
  await new ImageDataGenerator({ horizontalFlip: true })
    .flowFromDirectory(dir, { ...quiet, targetSize: [4, 4], batchSize: 3, saveToDir: saveDir, saveFormat: 'jpeg' })
    .next();
  assert.equal(readdirSync(saveDir).filter((f) => f.endsWith('.jpeg')).length, 3);
  // validation split per class: the first fraction of each class's files
  const g = new ImageDataGenerator({ validationSplit: 0.5 });
  const v = g.flowFromDirectory(dir, { ...quiet, subset: 'validation', targetSize: [2, 2], shuffle: false });
  const t = g.flowFromDirectory(dir, { ...quiet, subset: 'training', targetSize: [2, 2], shuffle: false });
  assert.deepEqual(v.filenames, [path.join('cats', '0.png'), path.join('dogs', '0.png')]);
  assert.deepEqual(t.filenames, [path.join('cats', '1.png'), path.join('cats', '2.png'), path.join('dogs', '1.png')]);
  // augmentation runs (in workers) and is reproducible with a seed
  const aug = () =>
    new ImageDataGenerator({ rotationRange: 40, zoomRange: 0.3, horizontalFlip: true }).flowFromDirectory(dir, {
      ...quiet,
      targetSize: [8, 6],
      batchSize: 5,
      seed: 11,
    });
  const a1 = (await aug().next()) as Tensor[];
  const a2 = (await aug().next()) as Tensor[];
  assert.deepEqual(Array.from(a1[0].data), Array.from(a2[0].data));
  assert.throws(
    () => new ImageDataGenerator().flowFromDirectory(dir, { ...quiet, classMode: 'binary', classes: ['cats'] }),
    /exactly 2 classes/,
  );
  assert.throws(() => new ImageDataGenerator().flowFromDirectory('/nonexistent/x', quiet), /directory not found/);
  assert.throws(() => new ImageDataGenerator().flowFromDirectory(tempDir(), quiet), /no class subfolders/);
});
