// Every layer class convkit registers survives .keras, .h5 and TF.js round trips: same config,
// same weights, same predictions. A registered class without a sample here fails the coverage test,
// so a new layer cannot skip the file formats.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as L from '../../src/layers/index.js';
import { getLayerClass, registeredLayerNames } from '../../src/layers/base.js';
import { Model } from '../../src/models/model.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { setRandomSeed } from '../../src/tensor/random.js';
import { loadModel, saveModel } from '../../src/io/index.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'convkit-every-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function rand(shape: number[], seed: number): Tensor {
  let s = seed;
  const d = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < d.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    d[i] = (s / 2147483648) * 2 - 0.5;
  }
  return new Tensor(d, shape);
}

type Sample = { shape: number[]; make: () => L.Layer; inputs?: number };
const IMG = [6, 6, 2];
const SAMPLES: Record<string, Sample> = {
  Dense: { shape: [5], make: () => new L.Dense(3, { activation: 'tanh' }) },
  Conv2D: { shape: IMG, make: () => new L.Conv2D(3, 3, { strides: 1, padding: 'same', activation: 'relu' }) },
  DepthwiseConv2D: { shape: IMG, make: () => new L.DepthwiseConv2D(3, { depthMultiplier: 2, padding: 'same' }) },
  SeparableConv2D: { shape: IMG, make: () => new L.SeparableConv2D(3, 3, { strides: 2, activation: 'relu' }) },
  MaxPooling2D: { shape: IMG, make: () => new L.MaxPooling2D(2) },
  AveragePooling2D: { shape: IMG, make: () => new L.AveragePooling2D(2, { padding: 'same', strides: 1 }) },
  Flatten: { shape: IMG, make: () => new L.Flatten() },
  Dropout: { shape: [5], make: () => new L.Dropout(0.5) },
  Activation: { shape: [5], make: () => new L.Activation('sigmoid') },
  ReLU: { shape: [5], make: () => new L.ReLU({ maxValue: 0.5 }) },
  Reshape: { shape: [6], make: () => new L.Reshape([2, 3]) },
  BatchNormalization: { shape: IMG, make: () => new L.BatchNormalization({ momentum: 0.9, epsilon: 0.01 }) },
  LayerNormalization: { shape: [5], make: () => new L.LayerNormalization({ epsilon: 0.01 }) },
  GlobalAveragePooling2D: { shape: IMG, make: () => new L.GlobalAveragePooling2D() },
  GlobalMaxPooling2D: { shape: IMG, make: () => new L.GlobalMaxPooling2D() },
  GlobalAveragePooling1D: { shape: [4, 3], make: () => new L.GlobalAveragePooling1D() },
  GlobalMaxPooling1D: { shape: [4, 3], make: () => new L.GlobalMaxPooling1D() },
  ZeroPadding2D: { shape: IMG, make: () => new L.ZeroPadding2D({ padding: [1, 2] }) },
  Cropping2D: {
    shape: IMG,
    make: () =>
      new L.Cropping2D({
        cropping: [
          [1, 0],
          [0, 2],
        ],
      }),
  },
  UpSampling2D: { shape: IMG, make: () => new L.UpSampling2D({ size: 2 }) },
  SpatialDropout1D: { shape: [4, 3], make: () => new L.SpatialDropout1D(0.2) },
  SpatialDropout2D: { shape: IMG, make: () => new L.SpatialDropout2D(0.2) },
  SpatialDropout3D: { shape: [2, 2, 2, 2], make: () => new L.SpatialDropout3D(0.2) },
  GaussianNoise: { shape: [5], make: () => new L.GaussianNoise(0.3) },
  GaussianDropout: { shape: [5], make: () => new L.GaussianDropout(0.3) },
  Rescaling: { shape: IMG, make: () => new L.Rescaling(2, { offset: -1 }) },
  Resizing: { shape: IMG, make: () => new L.Resizing(4, 5) },
  CenterCrop: { shape: IMG, make: () => new L.CenterCrop(4, 4) },
  RandomCrop: { shape: IMG, make: () => new L.RandomCrop(4, 4) },
  RandomFlip: { shape: IMG, make: () => new L.RandomFlip('vertical') },
  RandomRotation: { shape: IMG, make: () => new L.RandomRotation(0.2) },
  RandomZoom: { shape: IMG, make: () => new L.RandomZoom(0.2) },
  RandomTranslation: { shape: IMG, make: () => new L.RandomTranslation(0.1, 0.2) },
  RandomContrast: { shape: IMG, make: () => new L.RandomContrast(0.3) },
  RandomBrightness: { shape: IMG, make: () => new L.RandomBrightness(0.2) },
  Add: { shape: [4], inputs: 2, make: () => new L.Add() },
  Subtract: { shape: [4], inputs: 2, make: () => new L.Subtract() },
  Multiply: { shape: [4], inputs: 2, make: () => new L.Multiply() },
  Average: { shape: [4], inputs: 3, make: () => new L.Average() },
  Maximum: { shape: [4], inputs: 2, make: () => new L.Maximum() },
  Minimum: { shape: [4], inputs: 2, make: () => new L.Minimum() },
  Concatenate: { shape: [4], inputs: 2, make: () => new L.Concatenate({ axis: 1 }) },
};
// Model classes and Keras's alias names are covered by the round-trip tests and the aliases' targets.
const NOT_LAYERS = new Set(['InputLayer', 'Sequential', 'Functional', 'Model']);
const ALIASES: Record<string, string> = {
  AvgPool2D: 'AveragePooling2D',
  MaxPool2D: 'MaxPooling2D',
  GlobalAvgPool2D: 'GlobalAveragePooling2D',
  GlobalMaxPool2D: 'GlobalMaxPooling2D',
  GlobalAvgPool1D: 'GlobalAveragePooling1D',
  GlobalMaxPool1D: 'GlobalMaxPooling1D',
};

function build(name: string, s: Sample): Model {
  const n = s.inputs ?? 1;
  const ins = Array.from({ length: n }, (_, i) => L.Input({ shape: s.shape, name: `in${i}` }));
  const layer = s.make();
  const out = (n === 1 ? layer.apply(ins[0]) : layer.apply(ins)) as L.KerasTensor;
  return new Model({ inputs: n === 1 ? ins[0] : ins, outputs: out, name: `m_${name.toLowerCase()}` });
}

for (const [name, s] of Object.entries(SAMPLES)) {
  test(`${name}: config, weights and predictions survive .keras, .h5 and TF.js`, async () => {
    setRandomSeed(1);
    const m = build(name, s);
    // Non-trivial weights (BN statistics, LayerNormalization gamma/beta).
    m.weights.forEach((w, i) =>
      w.assign(
        rand([...w.shape], 100 + i)
          .abs()
          .add(0.1),
      ),
    );
    const xs = Array.from({ length: s.inputs ?? 1 }, (_, i) => rand([2, ...s.shape], 7 + i));
    const x = xs.length === 1 ? xs[0] : xs;
    const want = m.predict(x as Tensor);
    const layer = m.layers.find((l) => l.className === name)!;
    for (const f of [`${name}.keras`, `${name}.h5`, `tfjs_${name}/model.json`]) {
      await saveModel(m, path.join(tmp, f));
      const r = await loadModel(path.join(tmp, f));
      const rl = r.layers.find((l) => l.className === name)!;
      assert.ok(rl, `${f}: no ${name} layer after loading`);
      const cfg = (l: L.Layer) => JSON.stringify({ ...l.getConfig(), batch_input_shape: undefined });
      assert.equal(cfg(rl), cfg(layer), `${f}: config`);
      rl.weights.forEach((w, i) =>
        assert.deepEqual(Array.from(w.data), Array.from(layer.weights[i].data), `${f}: weight ${i}`),
      );
      const got = r.predict(x as Tensor);
      assert.deepEqual(got.shape, want.shape);
      for (let i = 0; i < got.size; i++)
        assert.ok(Math.abs(got.data[i] - want.data[i]) <= 1e-6, `${f}: prediction ${i}`);
    }
  });
}

test('every registered layer class has a round-trip sample (or is an alias of one)', () => {
  const registered = registeredLayerNames();
  const missing = registered.filter((n) => !NOT_LAYERS.has(n) && !SAMPLES[n]);
  // Aliases (MaxPool2D → MaxPooling2D ...) resolve to a sampled class.
  const unsampled = missing.filter((n) => {
    const target = ALIASES[n];
    return !(target && SAMPLES[target]);
  });
  assert.deepEqual(
    unsampled,
    [],
    `add a sample to SAMPLES in test/io/every_layer.test.ts for: ${unsampled.join(', ')}`,
  );
  // No stale entries: every sample and alias names a class the registry knows.
  const stale = [...Object.keys(SAMPLES), ...Object.keys(ALIASES)].filter((n) => !registered.includes(n));
  assert.deepEqual(stale, [], 'samples or aliases of classes that are not registered');
  for (const [alias, target] of Object.entries(ALIASES)) {
    assert.equal(getLayerClass(alias), getLayerClass(target), `${alias} is registered as ${target}`);
  }
});
