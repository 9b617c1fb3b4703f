import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { setPrintFunction } from '../../src/utils/progbar.js';
import { Tensor } from '../../src/tensor/index.js';
import { closeDecodePool, DecodePool } from '../../src/data/decode_pool.js';
import { imageDatasetFromDirectory, type ImageBatch } from '../../src/data/image_dataset.js';
import { MT19937 } from '../../src/data/mt19937.js';
import { pixels, tempDir, writeImage } from './helpers.js';

after(async () => {
  await closeDecodePool();
});

/** classes: name -> number of images; pixel value encodes class and index so images are identifiable. */
async function makeFolder(classes: Record<string, number>, ext = '.png', size = 6): Promise<string> {
  const dir = tempDir();
  let k = 0;
  for (const [name, count] of Object.entries(classes)) {
    for (let i = 0; i < count; i++) {
      const v = k * 40 + i;
      await writeImage(
        path.join(dir, name, `img_${String(i).padStart(3, '0')}${ext}`),
        pixels(size, size, 3, () => v),
        size,
        size,
        3,
      );
    }
    k++;
  }
  return dir;
}

const quiet = { verbose: false } as const;

async function collect(ds: AsyncIterable<ImageBatch>): Promise<{ xs: Tensor[]; ys: Tensor[] }> {
  const xs: Tensor[] = [],
    ys: Tensor[] = [];
  for await (const b of ds) {
    if (b instanceof Tensor) xs.push(b);
    else {
      xs.push(b[0]);
      ys.push(b[1]);
    }
  }
  return { xs, ys };
}

test('numpy RandomState shuffle is reproduced exactly', () => {
  assert.deepEqual(new MT19937(1337).shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), [6, 3, 0, 4, 5, 2, 1, 9, 8, 7]);
  assert.deepEqual(new MT19937(123456).shuffle([0, 1, 2, 3, 4, 5, 6]), [4, 3, 0, 6, 5, 2, 1]);
});

test('inferred labels, class order, int/categorical/binary/null modes, shapes and dtypes', async () => {
  const dir = await makeFolder({ dogs: 3, cats: 4 });
  mkdirSync(path.join(dir, '.hidden'));
  writeFileSync(path.join(dir, 'cats', 'notes.txt'), 'ignored');
  const logs: string[] = [];
  setPrintFunction((m: string) => logs.push(m.trimEnd()));
  let ds;
  try {
    ds = await imageDatasetFromDirectory(dir, { imageSize: [4, 5], batchSize: 3, shuffle: false });
  } finally {
    setPrintFunction(null);
  }
  assert.deepEqual(logs, ['Found 7 files belonging to 2 classes.']);
  assert.deepEqual(ds.classNames, ['cats', 'dogs']);
  assert.equal(ds.filePaths!.length, 7);
  assert.ok(ds.filePaths![0].endsWith(path.join('cats', 'img_000.png')));
  assert.equal(ds.cardinality(), 3);
  const { xs, ys } = await collect(ds);
  assert.deepEqual(
    xs.map((x) => x.shape),
    [
      [3, 4, 5, 3],
      [3, 4, 5, 3],
      [1, 4, 5, 3],
    ],
  );
  assert.equal(xs[0].dtype, 'float32');
  assert.equal(ys[0].dtype, 'int32');
  assert.deepEqual(
    ys.flatMap((y) => Array.from(y.data)),
    [0, 0, 0, 0, 1, 1, 1],
  );
  // pixel values 0..255 (not rescaled): cats are written with k = 1 (dogs first in insertion) -> 40 + i
  assert.deepEqual(xs.flatMap((x) => [0, 1, 2].map((i) => x.data[i * 60])).slice(0, 7), [40, 41, 42, 43, 0, 1, 2]);

  const cat = await collect(
    await imageDatasetFromDirectory(dir, {
      ...quiet,
      imageSize: [2, 2],
      labelMode: 'categorical',
      shuffle: false,
      batchSize: 7,
    }),
  );
  assert.deepEqual(cat.ys[0].shape, [7, 2]);
  assert.equal(cat.ys[0].dtype, 'float32');
  assert.deepEqual(Array.from(cat.ys[0].data.subarray(0, 2)), [1, 0]);
  assert.deepEqual(Array.from(cat.ys[0].data.subarray(12, 14)), [0, 1]);
  const bin = await collect(
    await imageDatasetFromDirectory(dir, {
      ...quiet,
      imageSize: [2, 2],
      labelMode: 'binary',
      shuffle: false,
      batchSize: 7,
    }),
  );
  assert.deepEqual(bin.ys[0].shape, [7, 1]);
  assert.equal(bin.ys[0].dtype, 'float32');
  const none = await collect(
    await imageDatasetFromDirectory(dir, { ...quiet, imageSize: [2, 2], labelMode: null, batchSize: 4 }),
  );
  assert.equal(none.ys.length, 0);
  assert.deepEqual(none.xs[0].shape, [4, 2, 2, 3]);
  // explicit classNames order
  const swapped = await imageDatasetFromDirectory(dir, {
    ...quiet,
    imageSize: [2, 2],
    classNames: ['dogs', 'cats'],
    shuffle: false,
    batchSize: 7,
  });
  assert.deepEqual(swapped.classNames, ['dogs', 'cats']);
  assert.deepEqual(Array.from((await collect(swapped)).ys[0].data), [0, 0, 0, 1, 1, 1, 1]);
  // unbatched, grayscale
  const single = await collect(
    await imageDatasetFromDirectory(dir, {
      ...quiet,
      imageSize: [3, 3],
      batchSize: null,
      colorMode: 'grayscale',
      seed: 1,
    }),
  );
  assert.equal(single.xs.length, 7);
  assert.deepEqual(single.xs[0].shape, [3, 3, 1]);
  assert.deepEqual(single.ys[0].shape, []);
  const rgba = await collect(
    await imageDatasetFromDirectory(dir, { ...quiet, imageSize: [3, 3], colorMode: 'rgba', seed: 1 }),
  );
  assert.deepEqual(rgba.xs[0].shape, [7, 3, 3, 4]);
  assert.equal(rgba.xs[0].data[3], 255);
});

test('validation split with a seed: complementary, deterministic, Keras sizes and messages', async () => {
  const dir = await makeFolder({ a: 6, b: 5 });
  const logs: string[] = [];
  setPrintFunction((m: string) => logs.push(m.trimEnd()));
  let train, val;
  try {
    [train, val] = await imageDatasetFromDirectory(dir, {
      imageSize: [2, 2],
      batchSize: 4,
      validationSplit: 0.3,
      subset: 'both',
      seed: 1337,
    });
  } finally {
    setPrintFunction(null);
  }
  assert.deepEqual(logs, [
    'Found 11 files belonging to 2 classes.',
    'Using 8 files for training.',
    'Using 3 files for validation.',
  ]);
  assert.equal(train.filePaths!.length, 8);
  assert.equal(val.filePaths!.length, 3);
  assert.deepEqual(
    [...train.filePaths!, ...val.filePaths!].sort(),
    Array.from({ length: 11 }, (_, i) => i)
      .map((i) => path.join(dir, i < 6 ? 'a' : 'b', `img_${String(i < 6 ? i : i - 6).padStart(3, '0')}.png`))
      .sort(),
  );
  // the file order is numpy's RandomState(1337) permutation of the sorted files
  const sorted = Array.from({ length: 11 }, (_, i) =>
    path.join(dir, i < 6 ? 'a' : 'b', `img_${String(i < 6 ? i : i - 6).padStart(3, '0')}.png`),
  );
  assert.deepEqual([...train.filePaths!, ...val.filePaths!], new MT19937(1337).shuffle([...sorted]));
  const t2 = await imageDatasetFromDirectory(dir, {
    ...quiet,
    imageSize: [2, 2],
    validationSplit: 0.3,
    subset: 'training',
    seed: 1337,
  });
  const v2 = await imageDatasetFromDirectory(dir, {
    ...quiet,
    imageSize: [2, 2],
    validationSplit: 0.3,
    subset: 'validation',
    seed: 1337,
  });
  assert.deepEqual(t2.filePaths, train.filePaths);
  assert.deepEqual(v2.filePaths, val.filePaths);
  // labels follow their files through the shuffle
  const { xs, ys } = await collect(val);
  const labelOf = (p: string) => (p.includes(`${path.sep}a${path.sep}`) ? 0 : 1);
  const got = ys.flatMap((y) => Array.from(y.data));
  assert.deepEqual(got, val.filePaths!.map(labelOf));
  assert.equal(
    xs.reduce((s, x) => s + x.shape[0], 0),
    3,
  );
  // training set: each epoch is a permutation, reshuffled, labels match pixel classes
  const e1 = await collect(train);
  const e2 = await collect(train);
  const ids = (c: { xs: Tensor[] }) =>
    c.xs.flatMap((x) => Array.from({ length: x.shape[0] }, (_, i) => x.data[i * 12]));
  assert.deepEqual(
    [...ids(e1)].sort((p, q) => p - q),
    [...ids(e2)].sort((p, q) => p - q),
  );
  const lbl = e1.ys.flatMap((y) => Array.from(y.data));
  ids(e1).forEach((v, i) => assert.equal(lbl[i], v >= 40 ? 1 : 0));
  await assert.rejects(imageDatasetFromDirectory(dir, { ...quiet, validationSplit: 0.3, subset: 'training' }), /seed/);
  await assert.rejects(imageDatasetFromDirectory(dir, { ...quiet, validationSplit: 0.3, seed: 1 }), /subset/);
  await assert.rejects(
    imageDatasetFromDirectory(dir, { ...quiet, validationSplit: 1.5, subset: 'both', seed: 1 }),
    /between 0 and 1/,
  );
});

test('every allowed format and extension case; other extensions ignored', async () => {
  const dir = tempDir();
  const px = pixels(5, 5, 3, () => 100);
  const exts = ['.png', '.JPG', '.jpeg', '.bmp', '.gif', '.PNG'];
  for (const [i, e] of exts.entries()) await writeImage(path.join(dir, 'c', `f${i}${e}`), px, 5, 5, 3);
  await writeImage(path.join(dir, 'c', 'skip.webp'), px, 5, 5, 3);
  await writeImage(path.join(dir, 'c', 'nested', 'deep.png'), px, 5, 5, 3);
  const ds = await imageDatasetFromDirectory(dir, { ...quiet, imageSize: [5, 5], shuffle: false, batchSize: 10 });
  assert.deepEqual(
    ds.filePaths!.map((p) => path.relative(dir, p)),
    ['c/f0.png', 'c/f1.JPG', 'c/f2.jpeg', 'c/f3.bmp', 'c/f4.gif', 'c/f5.PNG', 'c/nested/deep.png'].map((p) =>
      p.split('/').join(path.sep),
    ),
  );
  const { xs } = await collect(ds);
  for (let i = 0; i < xs[0].size; i++) assert.ok(Math.abs(xs[0].data[i] - 100) <= 3, `pixel ${i} = ${xs[0].data[i]}`);
});

test('errors: missing folder, empty folder, no class subfolders, binary with 3 classes, bad files', async () => {
  await assert.rejects(
    imageDatasetFromDirectory('/nonexistent/convkit-folder', quiet),
    /directory not found: '\/nonexistent\/convkit-folder'/,
  );
  const empty = tempDir();
  await assert.rejects(imageDatasetFromDirectory(empty, quiet), /no class subfolders/);
  mkdirSync(path.join(empty, 'a'));
  await assert.rejects(imageDatasetFromDirectory(empty, quiet), /no images found in directory/);
  const flat = tempDir();
  await writeImage(
    path.join(flat, 'x.png'),
    pixels(2, 2, 3, () => 1),
    2,
    2,
    3,
  );
  await assert.rejects(imageDatasetFromDirectory(flat, quiet), /no class subfolders.*found 1 image files/);
  const flatDs = await imageDatasetFromDirectory(flat, { ...quiet, labels: null, imageSize: [2, 2] });
  assert.deepEqual((await collect(flatDs)).xs[0].shape, [1, 2, 2, 3]);
  const three = await makeFolder({ a: 1, b: 1, c: 1 });
  await assert.rejects(
    imageDatasetFromDirectory(three, { ...quiet, labelMode: 'binary' }),
    /exactly 2 classes, found 3/,
  );
  await assert.rejects(
    imageDatasetFromDirectory(three, { ...quiet, classNames: ['a', 'zzz'] }),
    /classNames did not match/,
  );
  // explicit labels
  const ex = await imageDatasetFromDirectory(three, { ...quiet, labels: [2, 0, 1], imageSize: [2, 2], shuffle: false });
  assert.deepEqual(ex.classNames, ['0', '1', '2']);
  assert.deepEqual(Array.from((await collect(ex)).ys[0].data), [2, 0, 1]);
  await assert.rejects(
    imageDatasetFromDirectory(three, { ...quiet, labels: [1] }),
    /labels has 1 values, found 3 files/,
  );
  // a bad file: the error names it; with onBadFile 'skip' it is skipped with a warning
  const bad = await makeFolder({ a: 2, b: 2 });
  writeFileSync(path.join(bad, 'b', 'broken.jpg'), 'this is not a jpeg');
  const ds = await imageDatasetFromDirectory(bad, { ...quiet, imageSize: [2, 2], shuffle: false });
  await assert.rejects(
    collect(ds),
    (e: Error) => e.name === 'FileFormatError' && e.message.includes(path.join(bad, 'b', 'broken.jpg')),
  );
  const warnings: string[] = [];
  const orig = console.warn;
  console.warn = (m: string) => warnings.push(m);
  try {
    const skip = await imageDatasetFromDirectory(bad, {
      ...quiet,
      imageSize: [2, 2],
      shuffle: false,
      onBadFile: 'skip',
    });
    const { xs, ys } = await collect(skip);
    assert.equal(xs[0].shape[0], 4);
    assert.deepEqual(Array.from(ys[0].data), [0, 0, 1, 1]);
  } finally {
    console.warn = orig;
  }
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /broken\.jpg/);
});

test('followLinks, cropToAspectRatio, interpolation, inline pool (0 workers)', async () => {
  const dir = tempDir();
  const target = tempDir();
  // 2x4 image: columns 0, 50, 150, 200
  await writeImage(
    path.join(target, 'w.png'),
    pixels(2, 4, 3, (_y, x) => [0, 50, 150, 200][x]),
    2,
    4,
    3,
  );
  mkdirSync(path.join(dir, 'cls'));
  symlinkSync(target, path.join(dir, 'cls', 'linked'));
  await writeImage(
    path.join(dir, 'cls', 'own.png'),
    pixels(2, 4, 3, (_y, x) => [0, 50, 150, 200][x]),
    2,
    4,
    3,
  );
  const noFollow = await imageDatasetFromDirectory(dir, { ...quiet, imageSize: [2, 2], shuffle: false });
  assert.equal(noFollow.filePaths!.length, 1);
  const pool = new DecodePool(0);
  const follow = await imageDatasetFromDirectory(dir, {
    ...quiet,
    imageSize: [2, 2],
    shuffle: false,
    followLinks: true,
    pool,
  });
  assert.equal(follow.filePaths!.length, 2);
  const crop = await collect(
    await imageDatasetFromDirectory(dir, {
      ...quiet,
      imageSize: [2, 2],
      shuffle: false,
      cropToAspectRatio: true,
      pool,
    }),
  );
  assert.deepEqual(
    [0, 1].map((x) => crop.xs[0].data[x * 3]),
    [50, 150],
  );
  const bil = await collect(await imageDatasetFromDirectory(dir, { ...quiet, imageSize: [2, 2], shuffle: false }));
  // bilinear 4 -> 2 columns: x_in = 0.5, 2.5 -> 25, 175
  assert.deepEqual(
    [0, 1].map((x) => bil.xs[0].data[x * 3]),
    [25, 175],
  );
  // closing the shared pool does not strand a dataset made with it: the next pass starts a new pool
  const reuse = await imageDatasetFromDirectory(dir, { ...quiet, imageSize: [2, 2], shuffle: false });
  await collect(reuse);
  await closeDecodePool();
  assert.equal((await collect(reuse)).xs[0].shape[0], 1);
  const near = await collect(
    await imageDatasetFromDirectory(dir, { ...quiet, imageSize: [2, 2], shuffle: false, interpolation: 'nearest' }),
  );
  assert.deepEqual(
    [0, 1].map((x) => near.xs[0].data[x * 3]),
    [50, 200],
  );
  await assert.rejects(imageDatasetFromDirectory(dir, { ...quiet, interpolation: 'cubic' as never }), /interpolation/);
  // pad to a square: 2x4 -> 4x4 canvas with a zero row above and below, then 4x4 -> 2x2 (nearest: rows 1, 3)
  const pad = await collect(
    await imageDatasetFromDirectory(dir, {
      ...quiet,
      imageSize: [2, 2],
      shuffle: false,
      padToAspectRatio: true,
      interpolation: 'nearest',
      pool,
    }),
  );
  assert.deepEqual(
    [0, 1, 2, 3].map((p) => pad.xs[0].data[p * 3]),
    [50, 200, 0, 0],
  );
  await assert.rejects(
    imageDatasetFromDirectory(dir, { ...quiet, cropToAspectRatio: true, padToAspectRatio: true }),
    /only one of/,
  );
});
