// model.input / model.output / outputShape and layer.input / layer.output on every built model
// (Sequential from inputShape, Input, build or fit; functional; loaded from files), the book's
// activation model, layers of a nested base reached from the outer model, incremental
// Sequential.add, and the types that let this code compile without casts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as L from '../../src/layers/index.js';
import { Model } from '../../src/models/model.js';
import { Sequential } from '../../src/models/sequential.js';
import { loadModel } from '../../src/io/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { setRandomSeed } from '../../src/tensor/random.js';
import { ValueError } from '../../src/errors.js';

function rand(shape: number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(
    Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 13 + i * 0.37)),
    shape,
  );
}

function smallConvnet(first: L.Layer[] = []): Sequential {
  return new Sequential([
    ...first,
    new L.Conv2D(4, 3, { activation: 'relu', name: 'c1', ...(first.length ? {} : { inputShape: [8, 8, 1] }) }),
    new L.MaxPooling2D(2, { name: 'p1' }),
    new L.Conv2D(3, 3, { activation: 'relu', name: 'c2' }),
    new L.Flatten({ name: 'f' }),
    new L.Dense(2, { activation: 'softmax', name: 'd' }),
  ]);
}

/** Each layer's output for x, computed eagerly one layer after another. */
function eagerActivations(model: Sequential, x: Tensor): Tensor[] {
  const outs: Tensor[] = [];
  let h = x;
  for (const l of model.layers) {
    h = l.apply(h);
    outs.push(h);
  }
  return outs;
}

function assertClose(a: Tensor, b: Tensor, what: string): void {
  assert.deepEqual(a.shape, b.shape, what);
  for (let i = 0; i < a.size; i++)
    assert.ok(Math.abs(a.data[i] - b.data[i]) <= 1e-6, `${what}[${i}]: ${a.data[i]} vs ${b.data[i]}`);
}

function checkActivationModel(model: Sequential, what: string): void {
  assert.deepEqual(model.input.shape, [null, 8, 8, 1], what);
  assert.deepEqual(model.output.shape, [null, 2], what);
  assert.deepEqual(model.outputShape, [null, 2], what);
  assert.equal(model.inputs.length, 1);
  assert.equal(model.outputs[0], model.output);
  assert.ok(model.layers[2].input instanceof L.KerasTensor);
  const activationModel = new Model({ inputs: model.input, outputs: model.layers.slice(0, 4).map((l) => l.output) });
  const x = rand([2, 8, 8, 1], 3);
  const acts = activationModel.predict(x);
  const want = eagerActivations(model, x);
  assert.equal(acts.length, 4, what);
  acts.forEach((a, i) => assertClose(a, want[i], `${what}: activation ${i}`));
}

test('model.input, model.output and layer.output work on a Sequential built from inputShape', () => {
  setRandomSeed(1);
  const model = smallConvnet();
  checkActivationModel(model, 'inputShape');
  assert.deepEqual(model.getLayer('c2').input instanceof L.KerasTensor, true);
  assert.deepEqual(model.getLayer('c2').outputShape, [null, 1, 1, 3]);
});

test('... on a Sequential started with an Input, built by build() or by fit', async () => {
  setRandomSeed(2);
  checkActivationModel(smallConvnet([new L.InputLayer({ batchShape: [null, 8, 8, 1] })]), 'Input');
  const built = new Sequential([
    new L.Conv2D(4, 3, { activation: 'relu', name: 'c1' }),
    new L.MaxPooling2D(2),
    new L.Conv2D(3, 3),
    new L.Flatten(),
    new L.Dense(2, { activation: 'softmax' }),
  ]);
  assert.throws(
    () => built.input,
    (e: Error) =>
      e instanceof ValueError &&
      /Sequential 'sequential\w*' has no input yet: its input shape is unknown/.test(e.message) &&
      /inputShape/.test(e.message) &&
      !/never been called/.test(e.message),
  );
  assert.throws(() => built.getLayer('c1').output, /has never been called on a symbolic input/);
  built.build([null, 8, 8, 1]);
  checkActivationModel(built, 'build');
  const fitted = new Sequential([
    new L.Conv2D(4, 3, { activation: 'relu' }),
    new L.MaxPooling2D(2),
    new L.Conv2D(3, 3),
    new L.Flatten(),
    new L.Dense(2, { activation: 'softmax' }),
  ]);
  fitted.compile({ optimizer: 'sgd', loss: 'categorical_crossentropy' });
  const y = new Tensor(new Float32Array([1, 0, 0, 1]), [2, 2]);
  await fitted.fit(rand([2, 8, 8, 1], 5), y, { epochs: 1, verbose: 0 });
  checkActivationModel(fitted, 'fit');
});

test('... on functional models and on models loaded from .keras, .h5 and TF.js files', async () => {
  setRandomSeed(3);
  const inp = L.Input({ shape: [8, 8, 1] });
  let x = new L.Conv2D(4, 3, { activation: 'relu' }).apply(inp);
  x = new L.MaxPooling2D(2).apply(x);
  const functional = new Model({ inputs: inp, outputs: new L.Dense(2).apply(new L.Flatten().apply(x)) });
  assert.equal(functional.input, inp);
  assert.deepEqual(functional.outputShape, [null, 2]);
  const dir = mkdtempSync(path.join(tmpdir(), 'convkit-symbolic-'));
  try {
    const seq = smallConvnet();
    for (const f of ['m.keras', 'm.h5', 'tfjs://' + path.join(dir, 'web')]) {
      const target = f.startsWith('tfjs://') ? f : path.join(dir, f);
      await seq.save(target);
      const loaded = await loadModel(target);
      assert.ok(loaded instanceof Sequential, f);
      checkActivationModel(loaded, f);
      await functional.save(target);
      const back = await loadModel(target);
      assert.deepEqual(back.input.shape, [null, 8, 8, 1], f);
      assert.deepEqual(back.output.shape, [null, 2], f);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function convBase(): Model {
  const inp = L.Input({ shape: [8, 8, 1], name: 'base_in' });
  const a = new L.Conv2D(4, 3, { activation: 'relu', name: 'block1_conv1' }).apply(inp);
  const b = new L.Conv2D(3, 3, { activation: 'relu', name: 'block1_conv2' }).apply(a);
  return new Model({ inputs: inp, outputs: new L.MaxPooling2D(2, { name: 'block1_pool' }).apply(b), name: 'base' });
}

test("a layer of a nested base is reached from the outer model (the book's Sequential([convBase, ...]))", () => {
  setRandomSeed(4);
  const base = convBase();
  const model = new Sequential([base, new L.Flatten(), new L.Dense(2, { activation: 'softmax' })]);
  // Keras 3 builds a Sequential whose first layer is a built model.
  assert.deepEqual(model.input.shape, [null, 8, 8, 1]);
  const inner = new Model({ inputs: model.input, outputs: base.getLayer('block1_conv2').output });
  const x = rand([2, 8, 8, 1], 6);
  const direct = new Model({ inputs: base.input, outputs: base.getLayer('block1_conv2').output });
  assertClose(inner.predict(x), direct.predict(x), 'inner activation through the outer input');
  // Grad-CAM's model: an inner activation and the outer prediction together.
  const both = new Model({ inputs: model.input, outputs: [base.getLayer('block1_conv2').output, model.output] });
  const [act, pred] = both.predict(x);
  assertClose(act, direct.predict(x), 'activation');
  assertClose(pred, model.predict(x), 'prediction');
  // Its config names the outer input, so it survives a round trip.
  const back = Model.fromConfig(JSON.parse(JSON.stringify(inner.getConfig())));
  back.setWeights(inner.getWeights());
  assertClose(back.predict(x), inner.predict(x), 'round trip');
});

test('a disconnected graph says what to write instead', () => {
  const base = convBase();
  const unrelated = L.Input({ shape: [8, 8, 1], name: 'other' });
  assert.throws(
    () => new Model({ inputs: unrelated, outputs: base.getLayer('block1_conv2').output }),
    (e: Error) =>
      e instanceof ValueError &&
      /graph disconnected/.test(e.message) &&
      /the input of model 'base'/.test(e.message) &&
      /base\.input/.test(e.message) &&
      /\['other'\]/.test(e.message),
  );
  const a = L.Input({ shape: [3], name: 'a' });
  const b = L.Input({ shape: [3], name: 'b' });
  const sum = new L.Add().apply([a, b]);
  assert.throws(() => new Model({ inputs: a, outputs: sum }), /depend on input 'b'.*pass that Input among the inputs/);
});

test('a model built with a list of outputs points to model.outputs', () => {
  const inp = L.Input({ shape: [3] });
  const m = new Model({ inputs: inp, outputs: [new L.Dense(2).apply(inp), new L.Dense(1).apply(inp)], name: 'two' });
  assert.throws(() => m.output, /'two' was built with a list of 2 output\(s\).*two\.outputs/);
  assert.deepEqual(m.outputShape, [
    [null, 2],
    [null, 1],
  ]);
  const single = new Model({ inputs: inp, outputs: [new L.Dense(2).apply(inp)], name: 'one_in_list' });
  assert.throws(() => single.output, /one_in_list\.outputs/);
});

test('Sequential.add calls only the new layer: 4,000 layers, one node each', () => {
  const model = new Sequential([new L.Dense(2, { inputShape: [2] })]);
  for (let i = 0; i < 4000; i++) model.add(new L.ReLU());
  assert.equal(model.layers.length, 4001);
  assert.ok(model.layers.every((l) => l.inboundNodes.length === 1));
  assert.equal(model.output, model.layers[4000].output);
  const out = model.predict(new Tensor(new Float32Array([1, -1]), [1, 2]));
  assert.deepEqual(out.shape, [1, 2]);
  model.pop();
  assert.equal(model.output, model.layers[3999].output);
  assert.throws(() => model.add(new L.Conv2D(2, 3)), /conv2d/i);
  assert.equal(model.layers.length, 4000);
  assert.equal(model.output, model.layers[3999].output);
});

test('types: one output needs no cast, a list of outputs predicts a list', () => {
  const inp = L.Input({ shape: [4] });
  const one = new Model({ inputs: inp, outputs: new L.Dense(2).apply(inp) });
  const many = new Model({ inputs: inp, outputs: [new L.Dense(2).apply(inp), new L.Dense(3).apply(inp)] });
  const x = rand([1, 4], 1);
  const a: Tensor = one.predict(x);
  const b: Tensor[] = many.predict(x);
  // @ts-expect-error a multi-output model predicts a list
  const wrong: Tensor = many.predict(x);
  const t: L.KerasTensor = one.layers[1].output;
  const asPlain: Model = many;
  assert.ok(a instanceof Tensor && Array.isArray(b) && Array.isArray(wrong) && t && asPlain);
});
