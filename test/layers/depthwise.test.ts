// DepthwiseConv2D and SeparableConv2D: shapes, values against conv2d per channel, gradients of the
// op and of the layers' weights on each backend, Keras 3's exact configs and round trips, errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { layers, models, ops, regularizers, utils } from 'convkit';
import { deserializeLayer } from '../../src/layers/base.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { backendsToTest, withBackend } from '../helpers/backends.js';
import { assertClose, gradCheck, rand } from '../helpers/gradcheck.js';

/** Channel c of NHWC x as [n, h, w, 1]. */
function channel(x: Tensor, c: number): Tensor {
  const [n, h, w, cs] = x.shape;
  const out = new Float32Array(n * h * w);
  for (let i = 0; i < out.length; i++) out[i] = x.data[i * cs + c];
  return new Tensor(out, [n, h, w, 1]);
}

/** Filter [.., c, m] of a [kh, kw, C, M] kernel as a conv2d kernel [kh, kw, 1, 1]. */
function filter(w: Tensor, c: number, m: number): Tensor {
  const [kh, kw, cs, ms] = w.shape;
  const out = new Float32Array(kh * kw);
  for (let t = 0; t < kh * kw; t++) out[t] = w.data[(t * cs + c) * ms + m];
  return new Tensor(out, [kh, kw, 1, 1]);
}

describe('depthwiseConv2d op', () => {
  it('output channel c·M+m is channel c convolved with filter (c, m), under strides, dilation and padding', () => {
    const x = rand([2, 9, 8, 3], 1);
    const w = rand([3, 2, 3, 2], 2);
    for (const [strides, padding, dilation] of [
      [[1, 1], 'same', [2, 1]],
      [[2, 3], 'valid', [1, 1]],
      [[2, 2], 'same', [1, 1]],
    ] as const) {
      const y = ops.depthwiseConv2d(x, w, null, strides, padding, 'linear', dilation);
      for (let c = 0; c < 3; c++) {
        for (let m = 0; m < 2; m++) {
          const want = ops.conv2d(channel(x, c), filter(w, c, m), null, strides, padding, 'linear', dilation);
          assertClose(channel(y, c * 2 + m).data, want.data, 1e-5, `${padding} c${c} m${m}`);
        }
      }
    }
  });

  it('refuses a kernel for other channels and a bias of the wrong size, naming both sizes', () => {
    assert.throws(
      () => ops.depthwiseConv2d(rand([1, 5, 5, 3], 1), rand([3, 3, 4, 1], 2), null, [1, 1], 'valid'),
      /depthwiseConv2d: input has 3 channels but the kernel expects 4/,
    );
    assert.throws(
      () => ops.depthwiseConv2d(rand([1, 5, 5, 3], 1), rand([3, 3, 3, 2], 2), rand([3], 3), [1, 1], 'valid'),
      /expected a bias of shape \[6\], got \[3\]/,
    );
    assert.throws(
      () => ops.depthwiseConv2d(rand([1, 2, 2, 3], 1), rand([3, 3, 3, 1], 2), null, [1, 1], 'valid'),
      /a 3x3 kernel does not fit a 2x2 input with padding 'valid'/,
    );
  });

  for (const be of backendsToTest()) {
    it(`gradients match finite differences (${be} backend)`, () => {
      withBackend(be, () => {
        gradCheck(
          (x, w, b) => ops.depthwiseConv2d(x, w, b, [1, 1], 'same'),
          [rand([2, 5, 4, 3], 1), rand([3, 3, 3, 2], 2), rand([6], 3)],
        );
        gradCheck(
          (x, w) => ops.depthwiseConv2d(x, w, null, [2, 2], 'valid'),
          [rand([1, 7, 6, 2], 4), rand([3, 2, 2, 3], 5)],
        );
        gradCheck(
          (x, w) => ops.depthwiseConv2d(x, w, null, [1, 1], 'same', 'linear', [2, 2]),
          [rand([2, 6, 6, 2], 6), rand([3, 3, 2, 1], 7)],
        );
        // ReLU fused: inputs kept away from the kink by a large positive bias.
        gradCheck(
          (x, w, b) => ops.depthwiseConv2d(x, w, b, [1, 1], 'valid', 'relu'),
          [rand([1, 4, 4, 2], 8, 0.2, 1), rand([2, 2, 2, 1], 9, 0.2, 1), rand([2], 10, 0.5, 1)],
        );
      });
    });
  }
});

describe('DepthwiseConv2D layer', () => {
  it('builds kernel [kh, kw, in, M] and bias [in·M], infers shapes, and computes the op', () => {
    utils.clearSession();
    const l = new layers.DepthwiseConv2D([3, 2], { depthMultiplier: 3, strides: 2, padding: 'same' });
    assert.equal(l.name, 'depthwise_conv2d');
    const x = rand([2, 7, 5, 4], 1);
    const y = l.apply(x);
    assert.deepEqual(
      l.weights.map((w) => [w.name, w.shape]),
      [
        ['depthwise_conv2d/kernel', [3, 2, 4, 3]],
        ['depthwise_conv2d/bias', [12]],
      ],
    );
    assert.deepEqual(y.shape, [2, 4, 3, 12]);
    assert.deepEqual(l.computeOutputShape([null, 7, 5, 4]), [null, 4, 3, 12]);
    assert.deepEqual(l.computeOutputShape([null, null, 5, 4]), [null, null, 3, 12]);
    assertClose(y.data, ops.depthwiseConv2d(x, l.kernel!, l.bias, [2, 2], 'same').data, 0);
    assert.equal(l.countParams(), 3 * 2 * 4 * 3 + 12);
  });

  it('applies non-fused activations after the op, and relu fused', () => {
    const x = rand([1, 5, 5, 2], 3);
    const lin = new layers.DepthwiseConv2D(3, { useBias: false });
    const yl = lin.apply(x);
    for (const act of ['relu', 'sigmoid', 'relu6']) {
      const l = new layers.DepthwiseConv2D(3, { useBias: false, activation: act });
      l.apply(x);
      l.kernel!.data.set(lin.kernel!.data);
      const want = act === 'relu' ? ops.relu(yl) : act === 'sigmoid' ? ops.sigmoid(yl) : ops.minimum(ops.relu(yl), 6);
      assertClose(l.apply(x).data, want.data, 1e-6, act);
    }
  });

  it('weight gradients through the layer match finite differences', () => {
    const l = new layers.DepthwiseConv2D(3, { depthMultiplier: 2, padding: 'same', biasInitializer: 'ones' });
    const x = rand([2, 5, 5, 2], 4);
    l.apply(x);
    gradCheck(() => l.apply(x), [l.kernel!, l.bias!, x], { maxChecks: Infinity });
  });

  it("writes Keras 3's config, key for key, and reads it back", () => {
    const l = new layers.DepthwiseConv2D(3, { name: 'dw', depthMultiplier: 2 });
    assert.deepEqual(l.getConfig(), {
      name: 'dw',
      trainable: true,
      dtype: 'float32',
      depth_multiplier: 2,
      kernel_size: [3, 3],
      strides: [1, 1],
      padding: 'valid',
      data_format: 'channels_last',
      dilation_rate: [1, 1],
      activation: 'linear',
      use_bias: true,
      depthwise_initializer: {
        module: 'keras.initializers',
        class_name: 'GlorotUniform',
        config: { seed: null },
        registered_name: null,
      },
      bias_initializer: { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null },
      depthwise_regularizer: null,
      bias_regularizer: null,
      activity_regularizer: null,
      depthwise_constraint: null,
      bias_constraint: null,
    });
    const r = new layers.DepthwiseConv2D([5, 3], {
      strides: [2, 1],
      padding: 'same',
      depthMultiplier: 3,
      activation: 'relu',
      useBias: false,
      depthwiseInitializer: 'he_normal',
      depthwiseRegularizer: regularizers.l2(0.01),
      trainable: false,
      name: 'dw2',
    });
    const back = deserializeLayer({ class_name: 'DepthwiseConv2D', config: r.getConfig() });
    assert.ok(back instanceof layers.DepthwiseConv2D);
    assert.deepEqual(back.getConfig(), r.getConfig());
    // Keras 3 also takes the kernel size as an option.
    assert.deepEqual(new layers.DepthwiseConv2D({ kernelSize: 2 }).kernelSize, [2, 2]);
  });

  it('a depthwise regularizer adds its penalty to the losses', () => {
    const l = new layers.DepthwiseConv2D(2, { depthwiseRegularizer: regularizers.l2(0.5), useBias: false });
    l.apply(rand([1, 3, 3, 2], 5));
    let sq = 0;
    for (const v of l.kernel!.data) sq += v * v;
    const [penalty] = l.regularizationLosses();
    assert.ok(Math.abs(penalty.item() - 0.5 * sq) < 1e-6);
  });

  it('errors name the layer and say expected versus given', () => {
    assert.throws(
      () => new layers.DepthwiseConv2D(3, { depthMultiplier: 0, name: 'd' }),
      /DepthwiseConv2D 'd': depthMultiplier must be a positive integer, got 0/,
    );
    assert.throws(
      () => new layers.DepthwiseConv2D(3, { strides: 2, dilationRate: 2, name: 'd' }),
      /DepthwiseConv2D 'd': strides > 1 cannot be combined with dilationRate > 1/,
    );
    assert.throws(() => new layers.DepthwiseConv2D({ name: 'd' }), /DepthwiseConv2D 'd': kernelSize is required/);
    assert.throws(
      () =>
        deserializeLayer({
          class_name: 'DepthwiseConv2D',
          config: { name: 'd', kernel_size: 3, depthwise_constraint: { class_name: 'NonNeg', config: {} } },
        }),
      /DepthwiseConv2D 'd': depthwiseConstraint is not supported by convkit \(expected null\)/,
    );
    const l = new layers.DepthwiseConv2D(3, { name: 'd' });
    l.apply(rand([1, 4, 4, 2], 1));
    assert.throws(() => l.apply(rand([1, 4, 4, 3], 1)), /DepthwiseConv2D 'd': expected an input with 2 channels/);
    assert.throws(
      () => new layers.DepthwiseConv2D(5, { name: 'e' }).apply(layers.Input({ shape: [3, 3, 1] })),
      /DepthwiseConv2D 'e': a 5x5 kernel with padding 'valid' does not fit an input of shape/,
    );
  });
});

describe('SeparableConv2D layer', () => {
  it('is the depthwise convolution followed by a 1x1 convolution with the bias and activation', () => {
    utils.clearSession();
    const l = new layers.SeparableConv2D(5, 3, {
      depthMultiplier: 2,
      strides: 2,
      padding: 'same',
      activation: 'relu',
      biasInitializer: 'ones',
    });
    assert.equal(l.name, 'separable_conv2d');
    const x = rand([2, 7, 6, 3], 2);
    const y = l.apply(x);
    assert.deepEqual(
      l.weights.map((w) => [w.name, w.shape]),
      [
        ['separable_conv2d/depthwise_kernel', [3, 3, 3, 2]],
        ['separable_conv2d/pointwise_kernel', [1, 1, 6, 5]],
        ['separable_conv2d/bias', [5]],
      ],
    );
    assert.deepEqual(y.shape, [2, 4, 3, 5]);
    assert.deepEqual(l.computeOutputShape([null, 7, 6, 3]), [null, 4, 3, 5]);
    const d = ops.depthwiseConv2d(x, l.depthwiseKernel!, null, [2, 2], 'same');
    assertClose(y.data, ops.conv2d(d, l.pointwiseKernel!, l.bias, [1, 1], 'valid', 'relu').data, 1e-6);
    assert.equal(l.countParams(), 54 + 30 + 5);
  });

  it('weight gradients through the layer match finite differences', () => {
    const l = new layers.SeparableConv2D(3, 3, { padding: 'same', dilationRate: 2 });
    const x = rand([1, 6, 5, 2], 6);
    l.apply(x);
    gradCheck(() => l.apply(x), [l.depthwiseKernel!, l.pointwiseKernel!, l.bias!, x], {
      maxChecks: Infinity,
    });
  });

  it("writes Keras 3's config, key for key, and reads it back", () => {
    const l = new layers.SeparableConv2D(4, 3, { name: 'sep' });
    const glorot = {
      module: 'keras.initializers',
      class_name: 'GlorotUniform',
      config: { seed: null },
      registered_name: null,
    };
    assert.deepEqual(l.getConfig(), {
      name: 'sep',
      trainable: true,
      dtype: 'float32',
      depth_multiplier: 1,
      filters: 4,
      kernel_size: [3, 3],
      strides: [1, 1],
      padding: 'valid',
      data_format: 'channels_last',
      dilation_rate: [1, 1],
      activation: 'linear',
      use_bias: true,
      depthwise_initializer: glorot,
      pointwise_initializer: glorot,
      bias_initializer: { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null },
      depthwise_regularizer: null,
      pointwise_regularizer: null,
      bias_regularizer: null,
      activity_regularizer: null,
      depthwise_constraint: null,
      pointwise_constraint: null,
      bias_constraint: null,
    });
    assert.deepEqual(Object.keys(l.getConfig()).slice(3), [
      'depth_multiplier',
      'filters',
      'kernel_size',
      'strides',
      'padding',
      'data_format',
      'dilation_rate',
      'activation',
      'use_bias',
      'depthwise_initializer',
      'pointwise_initializer',
      'bias_initializer',
      'depthwise_regularizer',
      'pointwise_regularizer',
      'bias_regularizer',
      'activity_regularizer',
      'depthwise_constraint',
      'pointwise_constraint',
      'bias_constraint',
    ]);
    const r = new layers.SeparableConv2D(8, [3, 1], {
      depthMultiplier: 2,
      padding: 'same',
      useBias: false,
      pointwiseRegularizer: regularizers.l1(0.1),
      activation: 'tanh',
      name: 'sep2',
    });
    const back = deserializeLayer({ class_name: 'SeparableConv2D', config: r.getConfig() });
    assert.ok(back instanceof layers.SeparableConv2D);
    assert.deepEqual(back.getConfig(), r.getConfig());
  });

  it('trains in a model: the loss falls', async () => {
    utils.clearSession();
    utils.setRandomSeed(11);
    const inp = layers.Input({ shape: [6, 6, 2] });
    let h = new layers.SeparableConv2D(4, 3, { padding: 'same', activation: 'relu' }).apply(inp);
    h = new layers.DepthwiseConv2D(3, { depthMultiplier: 2 }).apply(h);
    const out = new layers.Dense(1).apply(new layers.GlobalAveragePooling2D().apply(h));
    const m = new models.Model({ inputs: inp, outputs: out });
    m.compile({ optimizer: 'adam', loss: 'mse' });
    const x = rand([16, 6, 6, 2], 7);
    const y = ops.mean(x, [1, 2, 3], true).reshape([16, 1]);
    const hist = await m.fit(x, y, { epochs: 30, batchSize: 8, verbose: 0 });
    const loss = hist.history.loss;
    assert.ok(loss[loss.length - 1] < loss[0] * 0.7, `loss ${loss[0]} -> ${loss[loss.length - 1]}`);
  });

  it('errors name the layer', () => {
    assert.throws(
      () => new layers.SeparableConv2D(0, 3, { name: 's' }),
      /SeparableConv2D 's': filters must be a positive integer, got 0/,
    );
    assert.throws(
      () => new layers.SeparableConv2D(2, 3, { name: 's', padding: 'full' as 'same' }),
      /SeparableConv2D 's': padding must be 'valid' or 'same', got 'full'/,
    );
  });
});
