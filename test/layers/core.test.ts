// Core layers: shapes, parameters, gradients through the layers, configs, names and errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { layers, models, utils, ShapeError, ValueError, Tensor } from '../../src/index.js';
import * as ops from '../../src/ops/index.js';
import { deserializeLayer } from '../../src/layers/base.js';
import { distinct, gradCheck, rand } from '../helpers/gradcheck.js';
import { runLayerTest } from '../helpers/layer_test.js';
import { gradients } from '../../src/autograd/tape.js';

describe('layer names', () => {
  it('follow Keras 3: snake_case class name, first without suffix', () => {
    utils.clearSession();
    const a = new layers.Conv2D(4, 3);
    const b = new layers.Conv2D(4, 3);
    const p = new layers.MaxPooling2D();
    const p2 = new layers.MaxPooling2D();
    const d = new layers.Dense(2);
    assert.deepEqual(
      [a.name, b.name, p.name, p2.name, d.name],
      ['conv2d', 'conv2d_1', 'max_pooling2d', 'max_pooling2d_1', 'dense'],
    );
    assert.equal(new layers.Dense(1, { name: 'out' }).name, 'out');
  });
});

describe('Dense', () => {
  it('computes x·W + b with the activation, and counts params', () => {
    const d = new layers.Dense(3, { activation: 'relu' });
    const x = rand([4, 5], 1);
    const y = d.apply(x);
    assert.deepEqual([...y.shape], [4, 3]);
    assert.equal(d.countParams(), 5 * 3 + 3);
    const [w, b] = d.getWeights();
    const expect = ops.relu(ops.add(ops.matmul(x, w), b));
    for (let i = 0; i < y.size; i++) assert.ok(Math.abs(y.data[i] - expect.data[i]) < 1e-5);
  });

  it('applies to the last axis of rank-3 inputs', () => {
    const d = new layers.Dense(2);
    assert.deepEqual([...d.apply(rand([2, 3, 4], 2)).shape], [2, 3, 2]);
  });

  it('gradients through the layer match finite differences', () => {
    for (const act of ['linear', 'sigmoid', 'tanh', 'softmax']) {
      const d = new layers.Dense(4, { activation: act });
      d.apply(rand([1, 3], 0));
      gradCheck((x) => d.apply(x), [rand([3, 3], 3), d.kernel!, d.bias!], { maxChecks: 12 });
    }
  });

  it('glorot_uniform kernels stay within ±sqrt(6/(in+out)) and biases start at zero', () => {
    const d = new layers.Dense(50);
    d.apply(rand([1, 30], 1));
    const limit = Math.sqrt(6 / 80);
    const k = d.kernel!.data;
    assert.ok(Math.max(...k) <= limit && Math.min(...k) >= -limit);
    assert.ok(Math.max(...k) > 0.8 * limit, 'spread over the range');
    assert.ok(d.bias!.data.every((v) => v === 0));
  });

  it('rejects bad arguments with the layer name', () => {
    assert.throws(() => new layers.Dense(0, { name: 'bad' }), /Dense 'bad': units must be a positive integer, got 0/);
    assert.throws(() => new layers.Dense(3, { activation: 'relux', name: 'x' }), /unknown activation 'relux'/);
    assert.throws(() => new layers.Dense(3, { kernelInitializer: 'glorot', name: 'k' }), ValueError);
  });
});

describe('Conv2D', () => {
  it('infers Keras output shapes for valid/same padding and strides', () => {
    const cases: [number, [number, number], object, number[]][] = [
      [8, [3, 3], {}, [2, 26, 26, 8]],
      [8, [3, 3], { padding: 'same' }, [2, 28, 28, 8]],
      [4, [3, 3], { strides: 2 }, [2, 13, 13, 4]],
      [4, [3, 3], { strides: 2, padding: 'same' }, [2, 14, 14, 4]],
      [4, [5, 2], { padding: 'valid', strides: [3, 1] }, [2, 8, 27, 4]],
    ];
    for (const [f, k, o, shape] of cases) {
      const c = new layers.Conv2D(f, k, o);
      const y = c.apply(rand([2, 28, 28, 1], 4));
      assert.deepEqual([...y.shape], shape);
      assert.deepEqual(c.computeOutputShape([null, 28, 28, 1]), [null, ...shape.slice(1)]);
    }
  });

  it('has kernel [kh, kw, in, out] and bias [out]; params = kh·kw·in·out + out', () => {
    const c = new layers.Conv2D(64, [3, 3]);
    c.apply(rand([1, 11, 11, 32], 5));
    assert.deepEqual([...c.kernel!.shape], [3, 3, 32, 64]);
    assert.equal(c.countParams(), 18496);
    const nb = new layers.Conv2D(8, 3, { useBias: false });
    nb.apply(rand([1, 5, 5, 2], 6));
    assert.equal(nb.countParams(), 3 * 3 * 2 * 8);
  });

  it('gradients through the layer match finite differences (smooth and fused relu activations)', () => {
    const c = new layers.Conv2D(3, [3, 3], { activation: 'tanh', padding: 'same', strides: 2 });
    c.apply(rand([1, 5, 5, 2], 0));
    gradCheck((x) => c.apply(x), [rand([2, 5, 5, 2], 7), c.kernel!, c.bias!]);
    // With relu, a perturbation can cross the kink; the sum over many outputs gets a looser bound.
    const r = new layers.Conv2D(3, [3, 3], { activation: 'relu', padding: 'valid' });
    r.apply(rand([1, 5, 5, 2], 0));
    gradCheck((x) => r.apply(x), [rand([2, 5, 5, 2], 8), r.kernel!, r.bias!], { eps: 1e-3, tol: 5e-2 });
  });

  it('says which layer does not fit which input', () => {
    const c = new layers.Conv2D(4, 3, { name: 'c1' });
    assert.throws(
      () => c.apply(rand([2, 28, 28], 1)),
      (e: Error) =>
        e instanceof ShapeError &&
        /Conv2D 'c1': expected an input of shape \(batch, height, width, channels\), got \(2, 28, 28\)/.test(e.message),
    );
    const small = new layers.Conv2D(4, 5, { name: 'c2' });
    assert.throws(
      () => small.apply(rand([1, 3, 3, 1], 1)),
      /Conv2D 'c2': a 5x5 kernel with padding 'valid' does not fit an input of shape \(1, 3, 3, 1\)/,
    );
    assert.throws(
      () => new layers.Conv2D(4, 3, { padding: 'full' as 'same' }),
      /padding must be 'valid' or 'same', got 'full'/,
    );
  });
});

describe('pooling', () => {
  it('MaxPooling2D defaults to 2x2 with strides = pool size, floor output', () => {
    const p = new layers.MaxPooling2D();
    const x = new Tensor(
      Float32Array.from({ length: 25 }, (_, i) => i),
      [1, 5, 5, 1],
    );
    const y = p.apply(x);
    assert.deepEqual([...y.shape], [1, 2, 2, 1]);
    assert.deepEqual([...y.data], [6, 8, 16, 18]);
  });

  it("AveragePooling2D 'same' divides by the unpadded count", () => {
    const p = new layers.AveragePooling2D([2, 2], { padding: 'same' });
    const x = new Tensor(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), [1, 3, 3, 1]);
    const y = p.apply(x);
    assert.deepEqual([...y.shape], [1, 2, 2, 1]);
    assert.deepEqual([...y.data], [3, 4.5, 7.5, 9]);
  });

  it('AveragePooling2D requires poolSize (Keras 3)', () => {
    // @ts-expect-error a JavaScript caller may leave poolSize out
    assert.throws(() => new layers.AveragePooling2D(undefined), /poolSize is required/);
  });
});

describe('layer gradients against finite differences', () => {
  it('pooling, flatten, reshape, activation layers', () => {
    gradCheck(
      (x) => new layers.MaxPooling2D([2, 2], { strides: 1, padding: 'same' }).apply(x),
      [distinct([1, 4, 5, 2], 3)],
    );
    gradCheck(
      (x) => new layers.AveragePooling2D([3, 3], { strides: 2, padding: 'same' }).apply(x),
      [rand([2, 5, 4, 3], 4)],
    );
    gradCheck((x) => new layers.AveragePooling2D(2).apply(x), [rand([1, 5, 5, 1], 5)]);
    gradCheck((x) => new layers.Flatten().apply(x), [rand([2, 3, 2, 2], 6)]);
    gradCheck((x) => new layers.Reshape([-1, 3]).apply(x), [rand([2, 6], 7)]);
    gradCheck((x) => new layers.Activation('tanh').apply(x), [rand([3, 4], 8)]);
  });

  it('Dropout in training passes the gradient through the kept units, scaled', () => {
    utils.setRandomSeed(4);
    const d = new layers.Dropout(0.25, { seed: 1 });
    const x = rand([4, 5], 9);
    x.requiresGrad = true;
    const y = d.apply(x, { training: true });
    const [g] = gradients(ops.sum(y), [x]);
    for (let i = 0; i < x.size; i++) assert.ok(Math.abs(g.data[i] - (y.data[i] === 0 ? 0 : 1 / 0.75)) < 1e-6);
  });
});

describe('Dropout', () => {
  it('is the identity at inference and inverted dropout in training', () => {
    utils.setRandomSeed(1);
    const d = new layers.Dropout(0.5);
    const x = new Tensor(new Float32Array(10000).fill(1), [100, 100]);
    assert.deepEqual(d.apply(x, { training: false }).data, x.data);
    const y = d.apply(x, { training: true });
    const kept = [...y.data].filter((v) => v !== 0);
    assert.ok(
      kept.every((v) => v === 2),
      'kept values are scaled by 1/(1-rate)',
    );
    assert.ok(Math.abs(kept.length / 10000 - 0.5) < 0.03, `about half kept, got ${kept.length}`);
    assert.throws(() => new layers.Dropout(1), /rate must be in \[0, 1\)/);
  });
});

describe('Flatten, Reshape, Activation, ReLU', () => {
  it('reshape shapes and values', () => {
    const x = rand([2, 3, 3, 2], 8);
    assert.deepEqual([...new layers.Flatten().apply(x).shape], [2, 18]);
    assert.deepEqual([...new layers.Reshape([9, -1]).apply(x).shape], [2, 9, 2]);
    assert.throws(
      () => new layers.Reshape([5, 5], { name: 'r' }).apply(x),
      /Reshape 'r': cannot reshape an input of shape \(2, 3, 3, 2\)/,
    );
  });
  it('ReLU with maxValue, negativeSlope and threshold', () => {
    const x = new Tensor(Float32Array.from([-2, -0.5, 0.5, 3, 8]), [5]);
    assert.deepEqual([...new layers.ReLU({ maxValue: 6 }).apply(x).data], [0, 0, 0.5, 3, 6]);
    const leaky = new layers.ReLU({ negativeSlope: 0.1 }).apply(x).data;
    assert.ok(Math.abs(leaky[0] + 0.2) < 1e-6 && leaky[3] === 3);
    assert.deepEqual([...new layers.Activation('sigmoid').apply(new Tensor(Float32Array.from([0]), [1])).data], [0.5]);
  });
});

describe('configs', () => {
  it('pass the common layer checks (config, shapes, training, .keras) with Keras keys', async () => {
    const convArgs = { strides: 2, padding: 'same', activation: 'relu', name: 'cx', kernelRegularizer: 'l2' } as const;
    const { config: cfg } = await runLayerTest(layers.Conv2D, [16, [3, 5], convArgs], [2, 7, 7, 3], {
      outputShape: [2, 4, 4, 16],
      trainableWeights: 2,
    });
    assert.equal(cfg.filters, 16);
    assert.deepEqual(cfg.kernel_size, [3, 5]);
    assert.equal(cfg.use_bias, true);
    assert.deepEqual(cfg.kernel_initializer, {
      module: 'keras.initializers',
      class_name: 'GlorotUniform',
      config: { seed: null },
      registered_name: null,
    });
    await runLayerTest(layers.Dense, [7, { activation: 'softmax', useBias: false, name: 'dd' }], [2, 5], {
      outputShape: [2, 7],
      trainableWeights: 1,
    });
    await runLayerTest(layers.MaxPooling2D, [2], [2, 4, 4, 3], { outputShape: [2, 2, 2, 3] });
    await runLayerTest(layers.AveragePooling2D, [2, { padding: 'same', strides: 1 }], [2, 4, 4, 3], {
      outputShape: [2, 4, 4, 3],
    });
    await runLayerTest(layers.Flatten, [], [2, 3, 2], { outputShape: [2, 6] });
    await runLayerTest(layers.Reshape, [[3, 2]], [2, 6], { outputShape: [2, 3, 2] });
    await runLayerTest(layers.Activation, ['tanh'], [2, 5], { outputShape: [2, 5] });
    await runLayerTest(layers.ReLU, [{ maxValue: 0.5 }], [2, 5], { outputShape: [2, 5] });
    await runLayerTest(layers.Dropout, [0.5], [2, 5], { outputShape: [2, 5] });
    assert.throws(
      () => deserializeLayer({ class_name: 'Lambda', config: { name: 'lambda_1' } }),
      /Unknown layer class 'Lambda' \(layer 'lambda_1'\)/,
    );
  });
});

describe('functional API and weights', () => {
  it('Input + apply + Model, getLayer, getWeights/setWeights, predict', () => {
    utils.clearSession();
    const inputs = layers.Input({ shape: [6, 6, 1] });
    const alt = new layers.Input({ shape: [6, 6, 1] });
    assert.deepEqual([...alt.shape], [null, 6, 6, 1]);
    let x = new layers.Conv2D(2, 3, { activation: 'relu' }).apply(inputs);
    x = new layers.Flatten().apply(x);
    const outputs = new layers.Dense(3, { activation: 'softmax' }).apply(x);
    const model = new models.Model({ inputs, outputs });
    assert.equal(model.name, 'functional');
    assert.deepEqual(
      model.layers.map((l) => l.className),
      ['InputLayer', 'Conv2D', 'Flatten', 'Dense'],
    );
    assert.equal(model.getLayer('conv2d').countParams(), 20);
    const xs = rand([5, 6, 6, 1], 9);
    const p = model.predict(xs, { batchSize: 2 });
    assert.deepEqual([...p.shape], [5, 3]);
    const eager = model.apply(xs);
    for (let i = 0; i < p.size; i++) assert.ok(Math.abs(p.data[i] - eager.data[i]) < 1e-6);
    const ws = model.getWeights();
    assert.deepEqual(
      ws.map((w) => [...w.shape]),
      [[3, 3, 1, 2], [2], [32, 3], [3]],
    );
    model.setWeights(ws.map((w) => ops.mul(w, 0)));
    assert.ok(model.predict(xs).data.every((v) => Math.abs(v - 1 / 3) < 1e-6));
    assert.throws(() => model.setWeights(ws.slice(1)), /expected 4 arrays, got 3/);
    assert.throws(() => model.getLayer('nope'), /no layer named 'nope'/);
  });

  it('a disconnected graph is rejected', () => {
    const a = layers.Input({ shape: [3] });
    const b = layers.Input({ shape: [3] });
    const out = new layers.Dense(2).apply(b);
    assert.throws(() => new models.Model({ inputs: a, outputs: out }), /graph disconnected/);
  });

  it('Sequential accepts a layer list and checks each added layer against the previous output', () => {
    const m = new models.Sequential([new layers.Dense(4, { inputShape: [3] }), new layers.Dense(2)]);
    assert.equal(m.layers.length, 2);
    assert.deepEqual([...m.predict(rand([2, 3], 1)).shape], [2, 2]);
    const s = new models.Sequential([new layers.Flatten({ inputShape: [4, 4, 1] })]);
    assert.throws(
      () => s.add(new layers.Conv2D(2, 3, { name: 'late_conv' })),
      /Conv2D 'late_conv': expected an input of shape \(batch, height, width, channels\), got \(None, 16\)/,
    );
    assert.equal(s.layers.length, 1, 'the failing layer was not added');
  });

  it('layer.trainable = false freezes weights (non-trainable in counts)', () => {
    const m = new models.Sequential([new layers.Dense(4, { inputShape: [3] }), new layers.Dense(2)]);
    m.layers[0].trainable = false;
    assert.equal(m.trainableWeights.length, 2);
    assert.equal(m.nonTrainableWeights.length, 2);
    m.trainable = false;
    assert.equal(m.trainableWeights.length, 0);
  });
});
