// Config dialects: Keras 2 / 3 model configs normalise to one description; Lambda layers are
// refused by name; real legacy files' weight groups are read in weight_names order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { checkNoLambda, modelSpecFromConfig } from '../../src/io/config.js';
import { readJsonAttr, readLegacyWeights } from '../../src/io/legacy_read.js';
import { withH5 } from '../../src/io/h5.js';
import { FileFormatError } from '../../src/errors.js';

const FIX = path.resolve('..', 'shared', 'fixtures', 'keras');
const skipMsg = existsSync(FIX) ? false : `fixtures folder ${FIX} is absent (only present in the project workspace)`;

test('Keras 2.0 list-style Sequential config', () => {
  const spec = modelSpecFromConfig({
    class_name: 'Sequential',
    config: [
      { class_name: 'Conv2D', config: { name: 'conv2d_1', batch_input_shape: [null, 28, 28, 1], filters: 32, dtype: 'float32' } },
      { class_name: 'Flatten', config: { name: 'flatten_1' } },
    ],
  }, 'x.h5');
  assert.equal(spec.className, 'Sequential');
  assert.equal(spec.name, 'sequential');
  assert.deepEqual(spec.buildInputShape, [null, 28, 28, 1]);
  assert.deepEqual(spec.layers.map((l) => l.name), ['conv2d_1', 'flatten_1']);
});

test('Keras 3 Sequential config with InputLayer and DTypePolicy objects', () => {
  const policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
  const spec = modelSpecFromConfig({
    module: 'keras', class_name: 'Sequential', registered_name: null,
    config: {
      name: 'sequential', trainable: true, dtype: policy,
      layers: [
        { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, 4], dtype: 'float32', sparse: false, name: 'input_layer' }, registered_name: null },
        { module: 'keras.layers', class_name: 'Dense', config: { name: 'dense', dtype: policy, units: 3, quantization_config: null }, registered_name: null, build_config: { input_shape: [null, 4] } },
      ],
    },
  }, 'x.keras');
  assert.deepEqual(spec.buildInputShape, [null, 4]);
  assert.equal(spec.layers[1].config.dtype, 'float32');
  assert.equal(spec.keras3, true);
});

test('Keras 3 functional nodes with __keras_tensor__ and list args', () => {
  const kt = (n: string) => ({ class_name: '__keras_tensor__', config: { shape: [null, 4], dtype: 'float32', keras_history: [n, 0, 0] } });
  const spec = modelSpecFromConfig({
    module: 'keras', class_name: 'Functional', config: {
      name: 'functional', trainable: true,
      layers: [
        { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, 4], name: 'input_layer' }, name: 'input_layer', inbound_nodes: [] },
        { module: 'keras.layers', class_name: 'Dense', config: { name: 'd1', units: 4 }, name: 'd1', inbound_nodes: [{ args: [kt('input_layer')], kwargs: {} }] },
        { module: 'keras.layers', class_name: 'Add', config: { name: 'add' }, name: 'add', inbound_nodes: [{ args: [[kt('d1'), kt('input_layer')]], kwargs: {} }] },
      ],
      input_layers: [['input_layer', 0, 0]], output_layers: ['add', 0, 0],
    },
  }, 'f.keras');
  assert.equal(spec.className, 'Functional');
  assert.deepEqual(spec.layers[1].inboundNodes[0], { inputs: [{ layer: 'input_layer', node: 0, tensor: 0 }], list: false, kwargs: {} });
  assert.equal(spec.layers[2].inboundNodes[0].list, true);
  assert.deepEqual(spec.layers[2].inboundNodes[0].inputs.map((r) => r.layer), ['d1', 'input_layer']);
  assert.deepEqual(spec.inputs, [{ layer: 'input_layer', node: 0, tensor: 0 }]);
  assert.deepEqual(spec.outputs, [{ layer: 'add', node: 0, tensor: 0 }]);
});

test('unsupported model classes and missing class names fail clearly', () => {
  assert.throws(() => modelSpecFromConfig({ class_name: 'MyModel', config: {} }, 'm.keras'), /m\.keras: the model class 'MyModel' is not supported/);
  assert.throws(() => modelSpecFromConfig({ foo: 1 }, 'm.keras'), (e: Error) => e instanceof FileFormatError && /no class_name/.test(e.message));
});

test('keras2circom: Keras 2.10 Functional config and weights in weight_names order', { skip: skipMsg }, async () => {
  await withH5(path.join(FIX, 'keras2circom', 'model.h5'), (root, r) => {
    const spec = modelSpecFromConfig(readJsonAttr(root, 'model_config', r.filename), r.filename);
    assert.equal(spec.className, 'Functional');
    assert.deepEqual(spec.layers.map((l) => l.className), ['InputLayer', 'Conv2D', 'BatchNormalization', 'Activation', 'MaxPooling2D', 'Conv2D', 'ReLU', 'AveragePooling2D', 'Flatten', 'Dense']);
    assert.deepEqual(spec.layers[1].inboundNodes[0].inputs, [{ layer: 'input_1', node: 0, tensor: 0 }]);
    const saved = readLegacyWeights(root.group('model_weights'), r.filename);
    const bn = saved.find((s) => s.name === 'batch_normalization')!;
    assert.deepEqual(bn.weights.map((w) => w.name.split('/')[1]), ['gamma:0', 'beta:0', 'moving_mean:0', 'moving_variance:0']);
    const c1 = saved.find((s) => s.name === 'conv2d_1')!;
    assert.deepEqual(c1.weights.map((w) => w.shape), [[3, 3, 4, 8], [8]]);
  });
});

test('nnom: Lambda layers are refused, naming lambda_1', { skip: skipMsg }, async () => {
  await withH5(path.join(FIX, 'nnom-mnist-densenet', 'keras_mnist_model.h5'), (root, r) => {
    const cfg = readJsonAttr(root, 'model_config', r.filename);
    assert.throws(() => checkNoLambda(cfg, r.filename), (e: Error) => e instanceof FileFormatError
      && /keras_mnist_model\.h5: layer 'lambda_1' is a Lambda layer; Lambda layers hold Python bytecode/.test(e.message)
      && /cannot run in JavaScript/.test(e.message));
    assert.throws(() => modelSpecFromConfig(cfg, r.filename), /'lambda_1' is a Lambda layer/);
  });
});
