// Normalization, merging, regularization and augmentation layers together in one model survive the
// model files: a functional model using every one of them is saved as .keras and .h5, loaded back,
// and predicts the same values (per-layer checks are runLayerTest's, in each layer's test file).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import * as io from '../../src/io/index.js';
import { Conv2D } from '../../src/layers/convolutional.js';
import { Dense, Input } from '../../src/layers/core.js';
import * as L from '../../src/layers/index.js';
import type { KerasTensor } from '../../src/layers/keras_tensor.js';
import { Model } from '../../src/models/model.js';
import { Sequential } from '../../src/models/sequential.js';
import { setRandomSeed } from '../../src/tensor/random.js';
import { rand } from '../helpers/gradcheck.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'convkit-io4-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function augmentation(): L.Layer[] {
  return [
    new L.RandomFlip('horizontal'),
    new L.RandomRotation(0.1, { fillMode: 'nearest' }),
    new L.RandomZoom(0.2, [-0.1, 0.1]),
    new L.RandomTranslation(0.1, 0.1),
    new L.RandomContrast(0.2),
    new L.RandomBrightness(0.1),
    new L.RandomCrop(8, 8),
  ];
}

function build(nested: boolean): Model {
  setRandomSeed(11);
  const inp = Input({ shape: [8, 8, 3] });
  let x: KerasTensor = inp;
  if (nested) x = new Sequential(augmentation()).apply(x);
  else for (const l of augmentation()) x = l.apply(x);
  x = new L.Rescaling(1 / 255, { offset: -0.5 }).apply(x);
  x = new L.ZeroPadding2D({
    padding: [
      [1, 0],
      [0, 1],
    ],
  }).apply(x);
  const a = new L.BatchNormalization({ momentum: 0.9 }).apply(new Conv2D(4, 2).apply(x));
  const b = new Conv2D(4, 1).apply(
    new L.Cropping2D({
      cropping: [
        [1, 0],
        [0, 1],
      ],
    }).apply(x),
  );
  const s = new L.Add().apply([a, b]);
  const side = new L.CenterCrop(8, 8).apply(new L.Resizing(10, 10, { interpolation: 'nearest' }).apply(x));
  const c = new L.Concatenate().apply([s, side]);
  const g = new L.Concatenate().apply([
    new L.GlobalAveragePooling2D().apply(new L.SpatialDropout2D(0.1).apply(c)),
    new L.GlobalMaxPooling2D().apply(new L.GaussianNoise(0.1).apply(c)),
  ]);
  const out = new Dense(2).apply(new L.Multiply().apply([g, g]));
  const m = new Model({ inputs: inp, outputs: out });
  m.compile({ optimizer: 'adam', loss: 'mse' });
  return m;
}

describe('a model holding every image layer in model files', () => {
  it('round-trip through .keras and .h5 with identical predictions (after training moved BN stats)', async () => {
    const m = build(false);
    const x = rand([4, 8, 8, 3], 1, 0, 255);
    await m.fit(x, rand([4, 2], 2), { epochs: 2, batchSize: 2, verbose: 0 });
    const p = m.predict(x);
    for (const f of ['m.keras', 'm.h5']) {
      await io.saveModel(m, path.join(tmp, f));
      const m2 = await io.loadModel(path.join(tmp, f));
      assert.deepEqual(
        m2.layers.map((l) => l.className),
        m.layers.map((l) => l.className),
        f,
      );
      assert.deepEqual(
        m2.layers.map((l) => JSON.stringify(l.getConfig())),
        m.layers.map((l) => JSON.stringify(l.getConfig())),
        f,
      );
      assert.deepEqual([...m2.predict(x).data], [...p.data], f);
    }
  });
  it("round-trip with the augmentation as a nested Sequential (the chapter's form)", async () => {
    const m = build(true);
    const x = rand([2, 8, 8, 3], 3, 0, 255);
    const p = m.predict(x);
    for (const f of ['n.h5', 'n.keras']) {
      await io.saveModel(m, path.join(tmp, f));
      assert.deepEqual([...(await io.loadModel(path.join(tmp, f))).predict(x).data], [...p.data], f);
    }
  });
});
