// BatchNormalization and LayerNormalization: BatchNormalization against hand-computed values in
// both modes, moving statistics, frozen layers, gradients, parameter counts and configs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gradients } from '../../src/autograd/tape.js';
import { ShapeError } from '../../src/errors.js';
import { deserializeLayer } from '../../src/layers/base.js';
import { KerasTensor } from '../../src/layers/keras_tensor.js';
import { BatchNormalization, LayerNormalization } from '../../src/layers/normalization.js';
import { l2 } from '../../src/regularizers/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { assertClose, gradCheck, rand } from '../helpers/gradcheck.js';
import { runLayerTest } from '../helpers/layer_test.js';

const t = (values: number[], shape: number[]) => new Tensor(Float32Array.from(values), shape);

describe('BatchNormalization', () => {
  // Two channels: channel 0 = [1, 3] (mean 2, biased var 1), channel 1 = [2, 6] (mean 4, var 4).
  const x = t([1, 2, 3, 6], [2, 2]);

  it('normalises with batch statistics in training mode and updates the moving statistics', () => {
    const bn = new BatchNormalization();
    const y = bn.apply(x, { training: true });
    const e = 1e-3;
    assertClose(
      y.data,
      [-1 / Math.sqrt(1 + e), -2 / Math.sqrt(4 + e), 1 / Math.sqrt(1 + e), 2 / Math.sqrt(4 + e)],
      1e-5,
    );
    // moving = moving·0.99 + batch·0.01, from zeros / ones.
    assertClose(bn.movingMean.data, [0.02, 0.04], 1e-6);
    assertClose(bn.movingVariance.data, [1, 0.99 + 0.04], 1e-6);
    bn.apply(x, { training: true });
    assertClose(bn.movingMean.data, [0.02 * 0.99 + 0.02, 0.04 * 0.99 + 0.04], 1e-6);
  });

  it('applies gamma and beta, and honours momentum and epsilon', () => {
    const bn = new BatchNormalization({ momentum: 0.5, epsilon: 0.5 });
    bn.apply(x); // build
    bn.setWeights([t([2, 3], [2]), t([10, 20], [2]), t([0, 0], [2]), t([1, 1], [2])]);
    const y = bn.apply(x, { training: true });
    assertClose(
      y.data,
      [10 - 2 / Math.sqrt(1.5), 20 - 6 / Math.sqrt(4.5), 10 + 2 / Math.sqrt(1.5), 20 + 6 / Math.sqrt(4.5)],
      1e-5,
    );
    assertClose(bn.movingMean.data, [1, 2], 1e-6);
    assertClose(bn.movingVariance.data, [1, 2.5], 1e-6);
  });

  it('uses the moving statistics at inference and leaves them unchanged', () => {
    const bn = new BatchNormalization();
    bn.apply(x);
    bn.setWeights([t([2, 0.5], [2]), t([1, -1], [2]), t([1, 2], [2]), t([4, 0.25], [2])]);
    const e = 1e-3;
    const expect = (v: number, c: number) =>
      c === 0 ? (2 * (v - 1)) / Math.sqrt(4 + e) + 1 : (0.5 * (v - 2)) / Math.sqrt(0.25 + e) - 1;
    for (const args of [{}, { training: false }]) {
      const y = bn.apply(x, args);
      assertClose(y.data, [expect(1, 0), expect(2, 1), expect(3, 0), expect(6, 1)], 1e-5);
    }
    assertClose(bn.movingMean.data, [1, 2]);
    assertClose(bn.movingVariance.data, [4, 0.25]);
  });

  it('runs in inference mode when frozen (trainable=false), even with training=true', () => {
    const bn = new BatchNormalization();
    bn.apply(x);
    bn.trainable = false;
    const y = bn.apply(x, { training: true });
    assertClose(
      y.data,
      [1, 2, 3, 6].map((v) => v / Math.sqrt(1 + 1e-3)),
      1e-5,
    );
    assertClose(bn.movingMean.data, [0, 0]);
    assertClose(bn.movingVariance.data, [1, 1]);
    assert.equal(bn.trainableWeights.length, 0);
    assert.equal(bn.nonTrainableWeights.length, 4);
  });

  it('counts 4C parameters of which 2C are non-trainable, in Keras order', () => {
    const bn = new BatchNormalization({ name: 'bn' });
    const out = bn.apply(new KerasTensor([null, 5, 5, 8], null, 0, 'in'));
    assert.deepEqual([...out.shape], [null, 5, 5, 8]);
    assert.equal(bn.countParams(), 32);
    assert.deepEqual(
      bn.trainableWeights.map((w) => w.name),
      ['bn/gamma', 'bn/beta'],
    );
    assert.deepEqual(
      bn.nonTrainableWeights.map((w) => w.name),
      ['bn/moving_mean', 'bn/moving_variance'],
    );
    assert.equal(
      bn.nonTrainableWeights.reduce((s, w) => s + w.size, 0),
      16,
    );
    const noScale = new BatchNormalization({ scale: false, center: false });
    noScale.apply(rand([2, 3], 1));
    assert.equal(noScale.countParams(), 6);
    assert.equal(noScale.trainableWeights.length, 0);
  });

  it('normalises over every axis but `axis` (channels_first, axis=1)', () => {
    const v = rand([3, 2, 2, 2], 4, 0, 5);
    const bn = new BatchNormalization({ axis: 1 });
    const y = bn.apply(v, { training: true });
    for (let c = 0; c < 2; c++) {
      const vals: number[] = [];
      for (let n = 0; n < 3; n++) for (let i = 0; i < 4; i++) vals.push(y.data[(n * 2 + c) * 4 + i]);
      const mean = vals.reduce((a, b) => a + b) / vals.length;
      const varc = vals.reduce((a, b) => a + (b - mean) ** 2, 0) / vals.length;
      assert.ok(Math.abs(mean) < 1e-5, `channel ${c} mean ${mean}`);
      assert.ok(Math.abs(varc - 1) < 1e-2, `channel ${c} var ${varc}`);
    }
    assert.throws(() => bn.apply(rand([3, 4, 2, 2], 1)), ShapeError);
  });

  it('has exact gradients in training mode w.r.t. input, gamma and beta', () => {
    const v = rand([4, 3, 2], 5, -2, 2);
    const bn = new BatchNormalization();
    bn.apply(v);
    bn.setWeights([rand([2], 6, 0.5, 2), rand([2], 7), rand([2], 8), rand([2], 9, 0.5, 2)]);
    gradCheck(() => bn.apply(v, { training: true }), [v, bn.gamma!, bn.beta!], {
      eps: 1e-2,
      tol: 3e-2,
      maxChecks: Infinity,
    });
    gradCheck(() => bn.apply(v, { training: false }), [v, bn.gamma!, bn.beta!], { maxChecks: Infinity });
  });

  it('keeps the moving-stat updates off the tape', () => {
    const v = rand([4, 3], 10);
    v.requiresGrad = true;
    const bn = new BatchNormalization();
    const y = bn.apply(v, { training: true });
    assert.equal(bn.movingMean.gradNode, null);
    assert.equal(bn.movingMean.requiresGrad, false);
    const [gm, gx] = gradients(y.mul(rand([4, 3], 11)).sum(), [bn.movingMean, v]);
    assert.ok(
      gm.data.every((d) => d === 0),
      'no gradient reaches moving_mean in training mode',
    );
    assert.ok(gx.data.some((d) => d !== 0));
  });

  it('adds gamma/beta regularisation losses', () => {
    const bn = new BatchNormalization({ gammaRegularizer: l2(0.1), betaRegularizer: 'l1' });
    bn.apply(x);
    bn.setWeights([t([1, 2], [2]), t([-3, 4], [2]), t([0, 0], [2]), t([1, 1], [2])]);
    const losses = bn.regularizationLosses().map((l) => l.item());
    assertClose(
      losses.sort((a, b) => a - b),
      [0.07, 0.5],
      1e-6,
    );
  });

  it('passes the common layer checks with its Keras 3 config (and reads a Keras 2 list axis)', async () => {
    const bnArgs = { name: 'bn7', momentum: 0.9, epsilon: 1e-5, center: false, gammaRegularizer: l2(0.01) };
    const { config: cfg } = await runLayerTest(BatchNormalization, [bnArgs], [4, 3, 3, 2], {
      outputShape: [4, 3, 3, 2],
      trainableWeights: 1,
      nonTrainableWeights: 2,
    });
    assert.equal(cfg.momentum, 0.9);
    assert.equal(cfg.axis, -1);
    assert.equal(cfg.center, false);
    assert.deepEqual(cfg.gamma_initializer, {
      module: 'keras.initializers',
      class_name: 'Ones',
      config: {},
      registered_name: null,
    });
    assert.equal(cfg.gamma_regularizer.class_name, 'L2');
    for (const k of [
      'moving_mean_initializer',
      'moving_variance_initializer',
      'beta_initializer',
      'beta_regularizer',
      'beta_constraint',
      'gamma_constraint',
      'synchronized',
    ]) {
      assert.ok(k in cfg, k);
    }
    const k2 = deserializeLayer({
      class_name: 'BatchNormalization',
      config: { name: 'old', axis: [3], momentum: 0.99, epsilon: 0.001 },
    }) as BatchNormalization;
    assert.equal(k2.axis, 3);
  });
});

describe('LayerNormalization', () => {
  it('normalises each sample over the last axis, the same in training and inference', () => {
    const ln = new LayerNormalization({ epsilon: 1e-3 });
    const v = t([1, 2, 3, 6, 10, 2], [2, 3]);
    const y = ln.apply(v);
    const e = 1e-3;
    const row = (a: number[]) => {
      const m = a.reduce((p, q) => p + q) / a.length;
      const s2 = a.reduce((p, q) => p + (q - m) ** 2, 0) / a.length;
      return a.map((q) => (q - m) / Math.sqrt(s2 + e));
    };
    assertClose(y.data, [...row([1, 2, 3]), ...row([6, 10, 2])], 1e-5);
    assert.deepEqual([...ln.apply(v, { training: true }).data], [...y.data]);
    assert.equal(ln.countParams(), 6);
    assert.deepEqual(
      ln.weights.map((w) => w.name.split('/')[1]),
      ['gamma', 'beta'],
    );
  });
  it('supports several axes, has exact gradients, and passes the common layer checks', async () => {
    const v = rand([2, 3, 2, 4], 12, -2, 2);
    const ln = new LayerNormalization({ axis: [1, 2, 3] });
    ln.apply(v);
    assert.deepEqual(ln.gamma!.shape, [3, 2, 4]);
    ln.gamma!.assign(rand([3, 2, 4], 13, 0.5, 1.5));
    ln.beta!.assign(rand([3, 2, 4], 14));
    gradCheck(() => ln.apply(v), [v, ln.gamma!, ln.beta!], { tol: 3e-2, maxChecks: Infinity });
    const { config: cfg } = await runLayerTest(LayerNormalization, [{ axis: [1, 2, 3] }], [2, 3, 2, 4], {
      outputShape: [2, 3, 2, 4],
      trainableWeights: 2,
    });
    assert.deepEqual(cfg.axis, [1, 2, 3]);
    assert.throws(() => new LayerNormalization({ axis: 0 }).apply(v), /batch axis/);
  });
});
