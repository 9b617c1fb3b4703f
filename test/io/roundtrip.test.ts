// Round trips through every format for every layer type: the reloaded model predicts the same
// numbers, prints the same summary and (for .keras / .weights.h5) has the same optimizer state.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as L from '../../src/layers/index.js';
import type { KerasConfig } from '../../src/keras_config.js';
import { Model } from '../../src/models/model.js';
import { Sequential } from '../../src/models/sequential.js';
import { Tensor, type Variable } from '../../src/tensor/tensor.js';
import type { LayerArgs, LayerInput, Shape } from '../../src/layers/base.js';
import { setRandomSeed } from '../../src/tensor/random.js';
import { loadModel, loadWeights, saveModel, saveWeights } from '../../src/io/index.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'convkit-rt-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const quiet = { warn: () => {} };

function rand(shape: number[], seed: number): Tensor {
  let s = seed;
  const d = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < d.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    d[i] = s / 2147483648;
  }
  return new Tensor(d, shape);
}

function oneHot(n: number, k: number): Tensor {
  const d = new Float32Array(n * k);
  for (let i = 0; i < n; i++) d[i * k + (i % k)] = 1;
  return new Tensor(d, [n, k]);
}

function summaryOf(m: Model): string[] {
  const lines: string[] = [];
  m.summary((l: string) => lines.push(l));
  return lines;
}

function assertClose(a: Tensor, b: Tensor, tol = 1e-6, what = 'predictions'): void {
  assert.deepEqual(a.shape, b.shape, `${what}: shapes differ`);
  for (let i = 0; i < a.size; i++)
    assert.ok(Math.abs(a.data[i] - b.data[i]) <= tol, `${what}[${i}]: ${a.data[i]} vs ${b.data[i]}`);
}

function optState(m: Model): number[][] {
  return m.compiled!.optimizer.variables.map((v) => Array.from(v.data));
}

function cnn(): Sequential {
  return new Sequential(
    [
      new L.Rescaling(0.5, { inputShape: [12, 12, 1] }),
      new L.Conv2D(4, 3, { activation: 'relu' }),
      new L.BatchNormalization(),
      new L.MaxPooling2D(2),
      new L.ZeroPadding2D({ padding: 1 }),
      new L.Conv2D(6, 3, { strides: 2, padding: 'same' }),
      new L.ReLU(),
      new L.AveragePooling2D(2),
      new L.SpatialDropout2D(0.1),
      new L.Flatten(),
      new L.Dropout(0.2),
      new L.Dense(8, { activation: 'relu' }),
      new L.GaussianNoise(0.1),
      new L.GaussianDropout(0.1),
      new L.Dense(3, { activation: 'softmax' }),
    ],
    { name: 'cnn' },
  );
}

async function trainedCnn(): Promise<{ m: Sequential; x: Tensor }> {
  setRandomSeed(1);
  const m = cnn();
  m.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  const x = rand([8, 12, 12, 1], 7);
  await m.fit(x, oneHot(8, 3), { epochs: 2, batchSize: 4, verbose: 0 });
  return { m, x };
}

for (const ext of ['keras', 'h5']) {
  test(`Sequential CNN round trip through .${ext}: predictions, summary, compile settings`, async () => {
    const { m, x } = await trainedCnn();
    const file = path.join(tmp, `cnn.${ext}`);
    await saveModel(m, file);
    const r = await loadModel(file, quiet);
    assert.ok(r instanceof Sequential);
    assert.equal(r.name, 'cnn');
    assertClose(r.predict(x), m.predict(x));
    assert.deepEqual(summaryOf(r), summaryOf(m));
    assert.equal(r.compiled?.optimizer.className, 'Adam');
    assert.equal(r.compiled?.config.loss, 'categorical_crossentropy');
    assert.deepEqual(r.compiled?.config.metrics, ['accuracy']);
    {
      // Optimizer state (iterations, learning rate, slots) survives .keras and .h5 files.
      const a = optState(m);
      const b = optState(r);
      assert.equal(b.length, a.length);
      assert.equal(b[0][0], 4);
      a.forEach((v, i) => v.forEach((x0, j) => assert.ok(Math.abs(x0 - b[i][j]) < 1e-7, `optimizer var ${i}[${j}]`)));
    }
  });
}

for (const ext of ['keras', 'h5']) {
  test(`training continues identically after a .${ext} round trip (optimizer state restored)`, async () => {
    setRandomSeed(2);
    const m = new Sequential([
      new L.Conv2D(3, 3, { inputShape: [6, 6, 1], activation: 'relu' }),
      new L.BatchNormalization(),
      new L.MaxPooling2D(2),
      new L.Flatten(),
      new L.Dense(3, { activation: 'softmax' }),
    ]);
    m.compile({ optimizer: ext === 'keras' ? 'adam' : 'rmsprop', loss: 'categorical_crossentropy' });
    const x = rand([6, 6, 6, 1], 3);
    const y = oneHot(6, 3);
    await m.fit(x, y, { epochs: 3, batchSize: 3, verbose: 0, shuffle: false });
    const file = path.join(tmp, `cont.${ext}`);
    await saveModel(m, file);
    const r = await loadModel(file, quiet);
    await m.fit(x, y, { epochs: 2, batchSize: 3, verbose: 0, shuffle: false });
    await r.fit(x, y, { epochs: 2, batchSize: 3, verbose: 0, shuffle: false });
    assertClose(r.predict(x), m.predict(x), 1e-6, 'after two more epochs');
    assert.equal(r.compiled!.optimizer.iterations, m.compiled!.optimizer.iterations);
  });
}

test('weights-only files: .weights.h5 (Keras 3 layout), legacy .h5 and .keras archives; positional and byName', async () => {
  const { m, x } = await trainedCnn();
  const want = m.predict(x);
  await saveModel(m, path.join(tmp, 'w.keras'));
  for (const f of ['w.weights.h5', 'w.h5', 'w.keras']) {
    setRandomSeed(99);
    const fresh = cnn();
    fresh.compile({ optimizer: 'adam', loss: 'categorical_crossentropy' });
    if (f !== 'w.keras') await saveWeights(m, path.join(tmp, f));
    await loadWeights(fresh, path.join(tmp, f));
    assertClose(fresh.predict(x), want, 1e-6, f);
  }
  // byName: layer names differ between two fresh models, so only same-named layers load.
  setRandomSeed(5);
  const other = cnn();
  await loadWeights(other, path.join(tmp, 'w.h5'), { byName: true });
  const named = m.layers.filter((l) => other.layers.some((o) => o.name === l.name && l.weights.length));
  for (const l of named) {
    const o = other.layers.find((k) => k.name === l.name)!;
    assert.deepEqual(Array.from(o.weights[0].data), Array.from(l.weights[0].data));
  }
});

test('weights with wrong shapes: clear error, or skipped with skipMismatch', async () => {
  const { m } = await trainedCnn();
  await saveWeights(m, path.join(tmp, 'shape.h5'));
  const wide = new Sequential([
    new L.Rescaling(0.5, { inputShape: [12, 12, 1] }),
    new L.Conv2D(5, 3, { activation: 'relu' }),
    new L.BatchNormalization(),
    new L.MaxPooling2D(2),
    new L.ZeroPadding2D({ padding: 1 }),
    new L.Conv2D(6, 3, { strides: 2, padding: 'same' }),
    new L.AveragePooling2D(2),
    new L.Flatten(),
    new L.Dense(8),
    new L.Dense(3),
  ]);
  await assert.rejects(
    loadWeights(wide, path.join(tmp, 'shape.h5')),
    /shape\.h5: layer 'conv2d.*' \(Conv2D\) weight 0 .* has shape \(3, 3, 1, 5\), but the saved weight .* has shape \(3, 3, 1, 4\)/,
  );
  const warnings: string[] = [];
  await loadWeights(wide, path.join(tmp, 'shape.h5'), { skipMismatch: true, warn: (w) => warnings.push(w) });
  assert.ok(warnings.length >= 2, warnings.join('\n'));
  // Dense(3) took its saved weights.
  assert.deepEqual(Array.from(wide.layers[9].weights[1].data), Array.from(m.layers[14].weights[1].data));
});

function functionalModel(): Model {
  const inp = L.Input({ shape: [8, 8, 3], name: 'image' });
  const c = new L.Conv2D(4, 3, { padding: 'same', name: 'stem' }).apply(inp);
  const a = new L.Conv2D(4, 1, { activation: 'relu' }).apply(c);
  const b = new L.Cropping2D({ cropping: 1 }).apply(new L.ZeroPadding2D({ padding: 1 }).apply(c));
  const add = new L.Add().apply([a, b]);
  const sub = new L.Subtract().apply([a, b]);
  const mul = new L.Multiply().apply([add, sub]);
  const avg = new L.Average().apply([add, sub, mul]);
  const mx = new L.Maximum().apply([add, avg]);
  const mn = new L.Minimum().apply([sub, avg]);
  const cat = new L.Concatenate().apply([mx, mn, new L.Activation('tanh').apply(c)]);
  const inner = new Sequential([new L.Conv2D(6, 3, { inputShape: [8, 8, 12] }), new L.BatchNormalization()], {
    name: 'block',
  });
  const nested = inner.apply(cat);
  const g1 = new L.GlobalAveragePooling2D().apply(nested);
  const g2 = new L.GlobalMaxPooling2D().apply(nested);
  const r = new L.Reshape([2, 6]).apply(new L.Concatenate().apply([g1, g2]));
  const out = new L.Dense(2, { activation: 'softmax', name: 'probs' }).apply(new L.Flatten().apply(r));
  return new Model({ inputs: inp, outputs: out, name: 'graph' });
}

for (const target of ['graph.keras', 'graph.h5', 'tfjs://graph_tfjs']) {
  test(`functional model with merges and a nested Sequential round trips through ${target}`, async () => {
    setRandomSeed(3);
    const m = functionalModel();
    m.compile({ optimizer: 'rmsprop', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
    const x = rand([4, 8, 8, 3], 11);
    await m.fit(x, oneHot(4, 2), { epochs: 1, batchSize: 2, verbose: 0 });
    const file = target.startsWith('tfjs://') ? `tfjs://${path.join(tmp, target.slice(7))}` : path.join(tmp, target);
    await saveModel(m, file);
    const r = await loadModel(file.startsWith('tfjs://') ? path.join(file.slice(7), 'model.json') : file, quiet);
    assert.equal(r.name, 'graph');
    assert.deepEqual(
      r.layers.map((l) => `${l.name}:${l.className}`),
      m.layers.map((l) => `${l.name}:${l.className}`),
    );
    assertClose(r.predict(x), m.predict(x), 1e-6);
    // TF.js files hold no optimizer state, so the optimizer lines differ there.
    const noOpt = (ls: string[]) =>
      target.startsWith('tfjs') ? ls.filter((l) => !/^ (Total|Optimizer) params/.test(l)) : ls;
    assert.deepEqual(noOpt(summaryOf(r)), noOpt(summaryOf(m)));
    if (!target.startsWith('tfjs')) {
      const a = optState(m);
      const b = optState(r);
      assert.equal(a.length, b.length);
      a.forEach((v, i) => v.forEach((x0, j) => assert.ok(Math.abs(x0 - b[i][j]) < 1e-7)));
    }
  });
}

test('preprocessing and augmentation layers round trip through .keras (inference is deterministic)', async () => {
  const m = new Sequential(
    [
      new L.Resizing(10, 10, { inputShape: [12, 12, 3] }),
      new L.RandomFlip('horizontal'),
      new L.RandomRotation(0.1),
      new L.RandomZoom(0.1),
      new L.RandomTranslation(0.1, 0.1),
      new L.RandomContrast(0.2),
      new L.RandomBrightness(0.1),
      new L.RandomCrop(8, 8),
      new L.CenterCrop(6, 6),
      new L.Rescaling(1 / 255, { offset: 0 }),
      new L.Flatten(),
      new L.Dense(2),
    ],
    { name: 'aug' },
  );
  const x = rand([2, 12, 12, 3], 5);
  await saveModel(m, path.join(tmp, 'aug.keras'));
  const r = await loadModel(path.join(tmp, 'aug.keras'), quiet);
  const cfg = (l: L.Layer) => JSON.stringify({ ...l.getConfig(), batch_input_shape: undefined });
  assert.deepEqual(r.layers.map(cfg), m.layers.map(cfg));
  assertClose(r.predict(x), m.predict(x), 1e-6);
});

test('Model methods: save, saveWeights, loadWeights', async () => {
  setRandomSeed(6);
  const m = new Sequential([new L.Dense(3, { inputShape: [4] }), new L.Dense(2)]);
  const x = rand([2, 4], 1);
  await m.save(path.join(tmp, 'methods.keras'));
  await m.saveWeights(path.join(tmp, 'methods.weights.h5'));
  const r = await loadModel(path.join(tmp, 'methods.keras'));
  assertClose(r.predict(x), m.predict(x), 0);
  const fresh = new Sequential([new L.Dense(3, { inputShape: [4] }), new L.Dense(2)]);
  await fresh.loadWeights(path.join(tmp, 'methods.weights.h5'));
  assertClose(fresh.predict(x), m.predict(x), 0);
});

test('a functional model nested in a functional model, and a layer shared by two calls', async () => {
  setRandomSeed(9);
  const ii = L.Input({ shape: [4], name: 'inner_in' });
  const inner = new Model({ inputs: ii, outputs: new L.Dense(3, { activation: 'tanh' }).apply(ii), name: 'inner' });
  const inp = L.Input({ shape: [4], name: 'outer_in' });
  const shared = new L.Dense(4, { name: 'shared' });
  const h1 = shared.apply(inp);
  const h2 = shared.apply(h1); // second call of the same layer: node index 1
  const a = inner.apply(h2);
  const b = inner.apply(inp); // the nested model is called twice too
  const out = new L.Dense(2, { name: 'out' }).apply(new L.Concatenate().apply([a, b]));
  const m = new Model({ inputs: inp, outputs: out, name: 'outer' });
  const x = rand([3, 4], 2);
  for (const f of ['nested_fn.keras', 'nested_fn.h5', 'nested_fn_tfjs/model.json']) {
    await saveModel(m, path.join(tmp, f));
    const r = await loadModel(path.join(tmp, f), quiet);
    assertClose(r.predict(x), m.predict(x), 1e-6, f);
    assert.deepEqual(summaryOf(r), summaryOf(m));
  }
});

test('the public API: models.loadModel, model.save, callbacks.ModelCheckpoint, io namespace', async () => {
  const { models, callbacks, layers, io } = await import('../../src/index.js');
  const m = new models.Sequential([new layers.Dense(2, { inputShape: [3] })]);
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  const x = rand([4, 3], 3);
  await m.fit(x, rand([4, 2], 4), {
    epochs: 2,
    verbose: 0,
    validationSplit: 0.5,
    callbacks: [new callbacks.ModelCheckpoint({ filepath: path.join(tmp, 'api_best.keras'), saveBestOnly: true })],
  });
  const r = await models.loadModel(path.join(tmp, 'api_best.keras'));
  assert.deepEqual(r.predict(x).shape, [4, 2]);
  assert.equal(typeof io.saveModel, 'function');
  assert.equal(typeof io.modelFromConfig, 'function');
});

test('custom layers registered with registerLayer load from files', async () => {
  const { Layer, registerLayer } = await import('../../src/layers/base.js');
  class Scale extends Layer {
    static className = 'Scale';
    factor: Variable | null = null;
    constructor(args: LayerArgs = {}) {
      super(args);
    }
    override build(): void {
      this.factor = this.addWeight('factor', [1], 'ones');
      this.built = true;
    }
    call(x: LayerInput): Tensor {
      return (x as Tensor).mul(new Tensor(Float32Array.from(this.factor!.data), []));
    }
    computeOutputShape(s: Shape | Shape[]): Shape | Shape[] {
      return s;
    }
    static fromConfig(c: KerasConfig): Scale {
      return new Scale({ name: c.name });
    }
  }
  registerLayer('Scale', Scale);
  const m = new Sequential([new L.Dense(2, { inputShape: [3] }), new Scale()]);
  m.layers[1].weights[0].assign(new Tensor(Float32Array.of(3), [1]));
  const x = rand([2, 3], 1);
  for (const f of ['custom.keras', 'custom.h5']) {
    await saveModel(m, path.join(tmp, f));
    const r = await loadModel(path.join(tmp, f));
    assert.equal(r.layers[1].className, 'Scale');
    assertClose(r.predict(x), m.predict(x), 1e-6, f);
  }
});

test('a frozen nested base (transfer learning) keeps its trainable flags and weights', async () => {
  setRandomSeed(5);
  const base = new Sequential(
    [new L.Conv2D(3, 3, { inputShape: [6, 6, 1], activation: 'relu' }), new L.BatchNormalization()],
    { name: 'base' },
  );
  base.trainable = false;
  const m = new Sequential([base, new L.Flatten(), new L.Dense(2, { activation: 'softmax' })], { name: 'frozen' });
  m.compile({ optimizer: 'adam', loss: 'categorical_crossentropy' });
  const x = rand([4, 6, 6, 1], 9);
  await m.fit(x, oneHot(4, 2), { epochs: 2, batchSize: 2, verbose: 0 });
  for (const f of ['frozen.keras', 'frozen.h5']) {
    await saveModel(m, path.join(tmp, f));
    const r = await loadModel(path.join(tmp, f), quiet);
    assert.equal(r.layers[0].trainable, false, f);
    assert.equal(r.trainableWeights.length, 2, f);
    assert.equal(r.weights.length, 8, f);
    assertClose(r.predict(x), m.predict(x), 1e-6, f);
    assert.deepEqual(
      optState(r).map((v) => v.length),
      optState(m).map((v) => v.length),
    );
  }
});
