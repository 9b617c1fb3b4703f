// fit and evaluate refuse to run on no data (Keras would report loss 0 and accuracy 0): arrays of
// 0 samples, a dataset that ends before its first batch, and an image folder whose every file was
// skipped as unreadable, which says how many files were skipped.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { imageDatasetFromDirectory } from '../../src/data/image_dataset.js';
import { ValueError } from '../../src/errors.js';
import * as L from '../../src/layers/index.js';
import { Sequential } from '../../src/models/sequential.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { tempDir } from './helpers.js';

function model(shape: number[]): Sequential {
  const m = new Sequential([new L.InputLayer({ shape }), new L.Flatten(), new L.Dense(2, { activation: 'softmax' })]);
  m.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return m;
}

const noData = (re: RegExp) => (e: unknown) => {
  assert.ok(e instanceof ValueError, String(e));
  assert.match(e.message, re);
  return true;
};

test('arrays of 0 samples: fit and evaluate say there is no data', async () => {
  const m = model([3]);
  const x = new Tensor(new Float32Array(0), [0, 3]);
  const y = new Tensor(new Float32Array(0), [0]);
  await assert.rejects(
    m.fit(x, y, { verbose: 0 }),
    noData(/^fit: there is no data: x has 0 samples \(shape \(0, 3\)\)/),
  );
  await assert.rejects(m.evaluate(x, y, { verbose: 0 }), noData(/^evaluate: there is no data: x has 0 samples/));
});

test('a dataset that ends before its first batch: fit and evaluate say there is no data', async () => {
  const m = model([3]);
  const empty = {
    async *[Symbol.asyncIterator]() {
      /* yields nothing */
    },
  };
  await assert.rejects(
    m.fit(empty, { verbose: 0 }),
    noData(/^fit: there is no data: the dataset ended before its first batch$/),
  );
  await assert.rejects(m.evaluate(empty, { verbose: 0 }), noData(/^evaluate: there is no data/));
});

test('an image folder whose every file was skipped: the error says how many', async () => {
  const dir = tempDir();
  for (const [cls, n] of [
    ['cats', 2],
    ['dogs', 1],
  ] as const) {
    mkdirSync(path.join(dir, cls));
    for (let i = 0; i < n; i++) writeFileSync(path.join(dir, cls, `${i}.png`), 'not a png');
  }
  const ds = await imageDatasetFromDirectory(dir, { imageSize: [4, 4], onBadFile: 'skip', verbose: false });
  const m = model([4, 4, 3]);
  const warn = console.warn;
  console.warn = () => {};
  try {
    await assert.rejects(
      m.fit(ds, { verbose: 0 }),
      noData(/^fit: there is no data: the dataset ended before its first batch; all 3 files of the dataset were /),
    );
    await assert.rejects(
      m.evaluate(ds, { verbose: 0 }),
      noData(/all 3 files of the dataset were skipped as unreadable/),
    );
  } finally {
    console.warn = warn;
  }
});
