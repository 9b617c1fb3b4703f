// The pipeline as the example uses it: image folders -> Dataset / ImageDataGenerator -> fit,
// evaluate, predict, on a tiny folder (learnable: bright vs dark images).
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, test } from 'node:test';
import { layers, models } from '../../src/index.js';
import { closeDecodePool } from '../../src/data/decode_pool.js';
import { Dataset } from '../../src/data/dataset.js';
import { imageDatasetFromDirectory } from '../../src/data/image_dataset.js';
import { ImageDataGenerator } from '../../src/preprocessing/index.js';
import { setRandomSeed, Tensor } from '../../src/tensor/index.js';
import { pixels, tempDir, writeImage } from './helpers.js';

after(async () => {
  await closeDecodePool();
});

async function folder(): Promise<string> {
  const dir = tempDir();
  for (let i = 0; i < 8; i++) {
    await writeImage(
      path.join(dir, 'bright', `${i}.png`),
      pixels(12, 12, 3, (y, x) => 200 + ((x + y + i) % 40)),
      12,
      12,
      3,
    );
    await writeImage(
      path.join(dir, 'dark', `${i}.jpg`),
      pixels(12, 12, 3, (y, x) => 10 + ((x * y + i) % 40)),
      12,
      12,
      3,
    );
  }
  return dir;
}

function tinyModel(rescale: boolean) {
  const inputs = layers.Input({ shape: [8, 8, 3] });
  let x = inputs;
  if (rescale) x = new layers.Rescaling(1 / 255).apply(x);
  x = new layers.Conv2D(2, 3, { activation: 'relu' }).apply(x);
  x = new layers.Flatten().apply(x);
  const outputs = new layers.Dense(1, { activation: 'sigmoid' }).apply(x);
  const model = new models.Model({ inputs, outputs });
  model.compile({ optimizer: 'rmsprop', loss: 'binary_crossentropy', metrics: ['accuracy'] });
  return model;
}

test('fit / evaluate / predict on imageDatasetFromDirectory datasets', async () => {
  setRandomSeed(1);
  const dir = await folder();
  const [train, val] = await imageDatasetFromDirectory(dir, {
    imageSize: [8, 8],
    batchSize: 4,
    labelMode: 'binary',
    validationSplit: 0.25,
    subset: 'both',
    seed: 7,
    verbose: false,
  });
  const model = tinyModel(true);
  const history = await model.fit(train, { epochs: 3, validationData: val, verbose: 0 });
  assert.equal(history.history.loss.length, 3);
  assert.equal(history.history.val_accuracy.length, 3);
  const res = await model.evaluate<number[]>(val, { verbose: 0 });
  assert.equal(res.length, 2);
  const images = await imageDatasetFromDirectory(dir, {
    imageSize: [8, 8],
    labelMode: null,
    batchSize: 5,
    shuffle: false,
    verbose: false,
  });
  const pred = await model.predict(images, { verbose: 0 });
  assert.deepEqual(pred.shape, [16, 1]);
  // a Dataset from tensors works the same way
  const ds = Dataset.fromTensorSlices<[Tensor, Tensor]>([
    new Tensor(new Float32Array(6 * 8 * 8 * 3).fill(100), [6, 8, 8, 3]),
    new Tensor(new Float32Array(6).fill(1), [6, 1]),
  ]).batch(3);
  const h2 = await model.fit(ds, { epochs: 1, verbose: 0 });
  assert.equal(h2.history.loss.length, 1);
});

test('fit over ImageDataGenerator flow / flowFromDirectory (infinite, cardinality batches per epoch)', async () => {
  setRandomSeed(2);
  const dir = await folder();
  const gen = new ImageDataGenerator({ rescale: 1 / 255, rotationRange: 20, zoomRange: 0.1, horizontalFlip: true });
  const it = gen.flowFromDirectory(dir, {
    targetSize: [8, 8],
    batchSize: 5,
    classMode: 'binary',
    seed: 3,
    verbose: false,
  });
  assert.equal(it.cardinality(), 4);
  const model = tinyModel(false);
  const history = await model.fit(it, { epochs: 2, verbose: 0 });
  assert.equal(history.history.loss.length, 2);
  assert.equal(it.totalBatchesSeen >= 8, true); // 4 per epoch (plus decodes scheduled ahead)
  const valIt = new ImageDataGenerator({ rescale: 1 / 255 }).flowFromDirectory(dir, {
    targetSize: [8, 8],
    batchSize: 8,
    classMode: 'binary',
    shuffle: false,
    verbose: false,
  });
  const r = await model.evaluate<number[]>(valIt, { steps: valIt.cardinality(), verbose: 0 });
  assert.ok(r[1] >= 0 && r[1] <= 1);
  const x = new Tensor(new Float32Array(7 * 8 * 8 * 3).fill(128), [7, 8, 8, 3]);
  const y = new Tensor(new Float32Array(7).fill(1), [7, 1]);
  const flowIt = gen.flow(x, y, { batchSize: 3, seed: 1 });
  const h = await model.fit(flowIt, { epochs: 2, verbose: 0 });
  assert.equal(h.history.loss.length, 2);
  assert.equal(flowIt.totalBatchesSeen, 6); // 3 batches per epoch, no more
});
