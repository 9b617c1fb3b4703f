// Files in the layouts other Keras versions write, built here with h5wasm exactly as those
// versions lay them out: keras.applications weight files (Keras 1 names, root layer_names only),
// Keras 2.0 list-style Sequential .h5, Keras 3.1 / 3.11 legacy weight paths, a Keras 3 .keras
// archive with DTypePolicy objects and extra keys, and a Keras 2.13 archive using
// _layer_checkpoint_dependencies with non-matching group names. Also config dialects normalised
// on their own (Keras 2 / 3 JSON), and Lambda layers refused by name.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import * as L from '../../src/layers/index.js';
import { Sequential } from '../../src/models/sequential.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { setRandomSeed } from '../../src/tensor/random.js';
import { H5Writer, withH5 } from '../../src/io/h5.js';
import { checkNoLambda, normaliseModelConfig } from '../../src/io/config.js';
import { Model } from '../../src/models/model.js';
import { readJsonAttr, readLegacyWeights } from '../../src/io/legacy_read.js';

import { FileFormatError } from '../../src/errors.js';
import { writeKeras224LambdaModel } from './keras2_lambda_file.js';
import { loadModel, loadWeights } from '../../src/io/index.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'convkit-dialects-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const quiet = { warn: () => {} };
const FIX = path.join('test', 'io', 'fixtures');

function vals(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 31 + i * 0.7) * 0.5);
}

function vggLike(): Sequential {
  return new Sequential(
    [
      new L.Conv2D(4, 3, { inputShape: [8, 8, 3], padding: 'same', activation: 'relu', name: 'block1_conv1' }),
      new L.Conv2D(4, 3, { padding: 'same', activation: 'relu', name: 'block1_conv2' }),
      new L.MaxPooling2D(2, { name: 'block1_pool' }),
      new L.Conv2D(6, 3, { padding: 'same', activation: 'relu', name: 'block2_conv1' }),
      new L.MaxPooling2D(2, { name: 'block2_pool' }),
    ],
    { name: 'vgg_like' },
  );
}

test('keras.applications-style weights file: root layer_names only, Keras 1 names, loaded by position', async () => {
  const f = path.join(tmp, 'vgg_like_weights_tf_dim_ordering_tf_kernels_notop.h5');
  const w = await H5Writer.create(f);
  const layers: [string, number[][]][] = [
    ['block1_conv1', [[3, 3, 3, 4], [4]]],
    ['block1_conv2', [[3, 3, 4, 4], [4]]],
    ['block1_pool', []],
    ['block2_conv1', [[3, 3, 4, 6], [6]]],
    ['block2_pool', []],
  ];
  w.root.writeStringList(
    'layer_names',
    layers.map(([n]) => n),
  );
  const arrays = new Map<string, Float32Array>();
  layers.forEach(([name, shapes], li) => {
    const g = w.root.createGroup(name);
    const names = shapes.map((_, i) => `${name}_${i === 0 ? 'W' : 'b'}_1:0`);
    g.writeStringList('weight_names', names);
    shapes.forEach((s, i) => {
      const v = vals(
        s.reduce((a, b) => a * b, 1),
        li * 10 + i,
      );
      arrays.set(`${name}/${i}`, v);
      g.writeDataset(names[i], v, s);
    });
  });
  w.close();
  setRandomSeed(1);
  const m = vggLike();
  await loadWeights(m, f);
  for (const l of m.layers)
    l.weights.forEach((v, i) => assert.deepEqual(Array.from(v.data), Array.from(arrays.get(`${l.name}/${i}`)!)));
  // byName works too, since the layer names match.
  const m2 = vggLike();
  await loadWeights(m2, f, { byName: true });
  assert.deepEqual(Array.from(m2.layers[3].weights[0].data), Array.from(arrays.get('block2_conv1/0')!));
  // A model with a different number of weighted layers: a clear positional error.
  const short = new Sequential([new L.Conv2D(4, 3, { inputShape: [8, 8, 3], padding: 'same' })]);
  await assert.rejects(
    loadWeights(short, f),
    /holds weights for 3 layers \(block1_conv1, block1_conv2, block2_conv1\), but the model has 1 layers with weights/,
  );
});

async function writeLegacy(
  f: string,
  modelConfig: unknown,
  weightPath: (layer: string, v: string) => string,
  weightName: (layer: string, v: string) => string,
  layerVars: [string, [string, number[]][]][],
  version: string,
): Promise<Map<string, Float32Array>> {
  const w = await H5Writer.create(f);
  w.root.writeString('keras_version', version);
  w.root.writeString('backend', 'tensorflow');
  w.root.writeString('model_config', JSON.stringify(modelConfig));
  const mw = w.root.createGroup('model_weights');
  mw.writeStringList(
    'layer_names',
    layerVars.map(([n]) => n),
  );
  const arrays = new Map<string, Float32Array>();
  layerVars.forEach(([name, vars], li) => {
    const g = mw.createGroup(name);
    g.writeStringList(
      'weight_names',
      vars.map(([v]) => weightName(name, v)),
    );
    vars.forEach(([v, s], i) => {
      const a = vals(
        s.reduce((x, y) => x * y, 1),
        li * 7 + i,
      );
      arrays.set(`${name}/${v}`, a);
      g.writeDataset(weightPath(name, v), a, s);
    });
  });
  w.close();
  return arrays;
}

const LAYER_VARS: [string, [string, number[]][]][] = [
  [
    'conv2d_1',
    [
      ['kernel', [3, 3, 1, 2]],
      ['bias', [2]],
    ],
  ],
  [
    'batch_normalization_1',
    [
      ['gamma', [2]],
      ['beta', [2]],
      ['moving_mean', [2]],
      ['moving_variance', [2]],
    ],
  ],
  ['flatten_1', []],
  [
    'dense_1',
    [
      ['kernel', [32, 3]],
      ['bias', [3]],
    ],
  ],
];

test('Keras 2.0 list-style Sequential .h5 with <layer>/<layer>/<var>:0 paths', async () => {
  const f = path.join(tmp, 'k20.h5');
  const cfg = {
    class_name: 'Sequential',
    config: [
      {
        class_name: 'Conv2D',
        config: {
          name: 'conv2d_1',
          trainable: true,
          batch_input_shape: [null, 6, 6, 1],
          dtype: 'float32',
          filters: 2,
          kernel_size: [3, 3],
          strides: [1, 1],
          padding: 'valid',
          data_format: 'channels_last',
          dilation_rate: [1, 1],
          activation: 'relu',
          use_bias: true,
          kernel_initializer: {
            class_name: 'VarianceScaling',
            config: { scale: 1.0, mode: 'fan_avg', distribution: 'uniform', seed: null },
          },
          bias_initializer: { class_name: 'Zeros', config: {} },
          kernel_regularizer: null,
          bias_regularizer: null,
          activity_regularizer: null,
          kernel_constraint: null,
          bias_constraint: null,
        },
      },
      {
        class_name: 'BatchNormalization',
        config: {
          name: 'batch_normalization_1',
          trainable: true,
          axis: -1,
          momentum: 0.99,
          epsilon: 0.001,
          center: true,
          scale: true,
        },
      },
      { class_name: 'Flatten', config: { name: 'flatten_1', trainable: true } },
      {
        class_name: 'Dense',
        config: { name: 'dense_1', trainable: true, units: 3, activation: 'softmax', use_bias: true },
      },
    ],
  };
  const arrays = await writeLegacy(
    f,
    cfg,
    (l, v) => `${l}/${v}:0`,
    (l, v) => `${l}/${v}:0`,
    LAYER_VARS,
    '2.0.8',
  );
  const m = await loadModel(f, quiet);
  assert.ok(m instanceof Sequential);
  assert.deepEqual(
    m.layers.map((l) => l.name),
    ['conv2d_1', 'batch_normalization_1', 'flatten_1', 'dense_1'],
  );
  assert.deepEqual(
    Array.from(m.layers[1].weights[2].data),
    Array.from(arrays.get('batch_normalization_1/moving_mean')!),
  );
  assert.deepEqual(Array.from(m.layers[3].weights[0].data), Array.from(arrays.get('dense_1/kernel')!));
  const y = m.predict(new Tensor(vals(72, 1), [2, 6, 6, 1]));
  assert.deepEqual(y.shape, [2, 3]);
});

for (const [version, pathOf, nameOf] of [
  ['3.1.0', (_l: string, v: string) => v, (_l: string, v: string) => v],
  ['3.11.0', (l: string, v: string) => `${l}/${v}`, (l: string, v: string) => `${l}/${v}`],
] as const) {
  test(`Keras ${version} legacy .h5 weight paths`, async () => {
    const f = path.join(tmp, `k${version}.h5`);
    const K3 = (cls: string, config: Record<string, unknown>) => ({
      module: 'keras.layers',
      class_name: cls,
      config,
      registered_name: null,
    });
    const dtype = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
    const cfg = {
      class_name: 'Sequential',
      config: {
        name: 'sequential',
        trainable: true,
        dtype,
        layers: [
          K3('InputLayer', { batch_shape: [null, 6, 6, 1], dtype: 'float32', sparse: false, name: 'input_layer' }),
          K3('Conv2D', { name: 'conv2d_1', dtype, filters: 2, kernel_size: [3, 3], activation: 'relu' }),
          K3('BatchNormalization', { name: 'batch_normalization_1', dtype }),
          K3('Flatten', { name: 'flatten_1', dtype }),
          K3('Dense', { name: 'dense_1', dtype, units: 3, activation: 'softmax', quantization_config: null }),
        ],
        build_input_shape: [null, 6, 6, 1],
      },
    };
    const arrays = await writeLegacy(f, cfg, pathOf, nameOf, LAYER_VARS, version);
    const m = await loadModel(f, quiet);
    assert.deepEqual(Array.from(m.layers[0].weights[0].data), Array.from(arrays.get('conv2d_1/kernel')!));
    assert.deepEqual(Array.from(m.layers[1].weights[1].data), Array.from(arrays.get('batch_normalization_1/beta')!));
    assert.deepEqual(Array.from(m.layers[3].weights[1].data), Array.from(arrays.get('dense_1/bias')!));
  });
}

async function h5Bytes(build: (w: H5Writer) => void): Promise<Uint8Array> {
  const f = path.join(tmp, `inner-${Math.random().toString(36).slice(2)}.h5`);
  const w = await H5Writer.create(f);
  build(w);
  w.close();
  return new Uint8Array(readFileSync(f));
}

test('Keras 3 .keras archive: Functional with DTypePolicy objects, optional, quantization_config, list args for Add', async () => {
  const dtype = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
  const kt = (n: string, shape: (number | null)[]) => ({
    class_name: '__keras_tensor__',
    config: { shape, dtype: 'float32', keras_history: [n, 0, 0] },
  });
  const config = {
    module: 'keras.src.models.functional',
    class_name: 'Functional',
    registered_name: 'Functional',
    config: {
      name: 'functional',
      trainable: true,
      layers: [
        {
          module: 'keras.layers',
          class_name: 'InputLayer',
          config: {
            batch_shape: [null, 4],
            dtype: 'float32',
            sparse: false,
            ragged: false,
            name: 'input_layer',
            optional: false,
          },
          registered_name: null,
          name: 'input_layer',
          inbound_nodes: [],
        },
        {
          module: 'keras.layers',
          class_name: 'Dense',
          config: {
            name: 'dense',
            trainable: true,
            dtype,
            units: 3,
            activation: 'relu',
            use_bias: true,
            kernel_initializer: {
              module: 'keras.initializers',
              class_name: 'GlorotUniform',
              config: { seed: null },
              registered_name: null,
            },
            bias_initializer: { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null },
            kernel_regularizer: null,
            bias_regularizer: null,
            kernel_constraint: null,
            bias_constraint: null,
            quantization_config: null,
          },
          registered_name: null,
          build_config: { input_shape: [null, 4] },
          name: 'dense',
          inbound_nodes: [{ args: [kt('input_layer', [null, 4])], kwargs: {} }],
        },
        {
          module: 'keras.layers',
          class_name: 'Dense',
          config: { name: 'dense_1', trainable: true, dtype, units: 3 },
          registered_name: null,
          build_config: { input_shape: [null, 4] },
          name: 'dense_1',
          inbound_nodes: [{ args: [kt('input_layer', [null, 4])], kwargs: {} }],
        },
        {
          module: 'keras.layers',
          class_name: 'Add',
          config: { name: 'add', trainable: true, dtype },
          registered_name: null,
          build_config: {
            input_shape: [
              [null, 3],
              [null, 3],
            ],
          },
          name: 'add',
          inbound_nodes: [{ args: [[kt('dense', [null, 3]), kt('dense_1', [null, 3])]], kwargs: {} }],
        },
      ],
      input_layers: [['input_layer', 0, 0]],
      output_layers: [['add', 0, 0]],
    },
    build_config: { input_shape: [null, 4] },
    compile_config: {
      optimizer: {
        module: 'keras.optimizers',
        class_name: 'SGD',
        config: {
          name: 'SGD',
          learning_rate: 0.05,
          momentum: 0.9,
          nesterov: false,
          weight_decay: null,
          clipnorm: null,
          global_clipnorm: null,
          clipvalue: null,
          use_ema: false,
          ema_momentum: 0.99,
          ema_overwrite_frequency: null,
          loss_scale_factor: null,
          gradient_accumulation_steps: null,
        },
        registered_name: null,
      },
      loss: 'mean_squared_error',
      loss_weights: null,
      metrics: ['mae'],
      weighted_metrics: null,
      run_eagerly: false,
      steps_per_execution: 1,
      jit_compile: false,
    },
  };
  const k = vals(12, 1);
  const b = vals(3, 2);
  const k2 = vals(12, 3);
  const b2 = vals(3, 4);
  const weights = await h5Bytes((w) => {
    w.root.createGroup('vars').writeString('name', 'functional');
    const d = w.root.createGroup('layers/dense/vars');
    d.writeString('name', 'dense');
    d.writeDataset('0', k, [4, 3]);
    d.writeDataset('1', b, [3]);
    const d1 = w.root.createGroup('layers/dense_1/vars');
    d1.writeString('name', 'dense_1');
    d1.writeDataset('0', k2, [4, 3]);
    d1.writeDataset('1', b2, [3]);
    w.root.createGroup('layers/add/vars').writeString('name', 'add');
    w.root.createGroup('layers/input_layer/vars').writeString('name', 'input_layer');
  });
  const f = path.join(tmp, 'k3.keras');
  writeFileSync(
    f,
    zipSync({
      'metadata.json': [
        new TextEncoder().encode('{"keras_version": "3.14.0", "date_saved": "2026-01-01@00:00:00"}'),
        { level: 0 },
      ],
      'config.json': [new TextEncoder().encode(JSON.stringify(config)), { level: 0 }],
      'model.weights.h5': [weights, { level: 0 }],
    }),
  );
  const m = await loadModel(f, {
    warn: (w) => {
      throw new Error(w);
    },
  });
  assert.deepEqual(
    m.layers.map((l) => l.name),
    ['input_layer', 'dense', 'dense_1', 'add'],
  );
  const x = new Tensor(Float32Array.from([1, 2, 3, 4]), [1, 4]);
  const y = m.predict(x).data;
  for (let j = 0; j < 3; j++) {
    let a = b[j];
    let c = b2[j];
    for (let i = 0; i < 4; i++) {
      a += (i + 1) * k[i * 3 + j];
      c += (i + 1) * k2[i * 3 + j];
    }
    assert.ok(Math.abs(y[j] - (Math.max(0, a) + c)) < 1e-5);
  }
  assert.equal(m.compiled?.optimizer.className, 'SGD');
  assert.ok(Math.abs(m.compiled.optimizer.learningRate - 0.05) < 1e-9);
  assert.equal(m.compiled?.config.loss, 'mean_squared_error');
});

test('Keras 2.13 .keras archive: _layer_checkpoint_dependencies with non-matching names, matched by order', async () => {
  const config = {
    class_name: 'Sequential',
    config: {
      name: 'sequential',
      layers: [
        {
          class_name: 'InputLayer',
          config: { batch_input_shape: [null, 4], dtype: 'float32', sparse: false, ragged: false, name: 'dense_input' },
        },
        { class_name: 'Dense', config: { name: 'dense', units: 5, activation: 'relu' } },
        { class_name: 'Dense', config: { name: 'dense_1', units: 2 } },
      ],
    },
  };
  const k = vals(20, 1);
  const b = vals(5, 2);
  const k2 = vals(10, 3);
  const b2 = vals(2, 4);
  const weights = await h5Bytes((w) => {
    // Names as one Windows-saved file had them: not the layers' names, one with a backslash.
    const g1 = w.root.createGroup('_layer_checkpoint_dependencies/dense\\0/vars');
    g1.writeDataset('0', k, [4, 5]);
    g1.writeDataset('1', b, [5]);
    const g2 = w.root.createGroup('_layer_checkpoint_dependencies/layer_with_weights-1/vars');
    g2.writeDataset('0', k2, [5, 2]);
    g2.writeDataset('1', b2, [2]);
  });
  const f = path.join(tmp, 'k213.keras');
  writeFileSync(
    f,
    zipSync({
      'metadata.json': new TextEncoder().encode('{"keras_version": "2.13.1", "date_saved": "2023-08-01@10:00:00"}'),
      'config.json': new TextEncoder().encode(JSON.stringify(config)),
      'model.weights.h5': weights,
    }),
  );
  const m = await loadModel(f, quiet);
  assert.deepEqual(Array.from(m.layers[0].weights[0].data), Array.from(k));
  assert.deepEqual(Array.from(m.layers[1].weights[1].data), Array.from(b2));
});

test("Keras 2.0 list-style Sequential config becomes Keras 3's, input shape from the first layer", () => {
  const k3 = normaliseModelConfig(
    {
      class_name: 'Sequential',
      config: [
        {
          class_name: 'Conv2D',
          config: { name: 'conv2d_1', batch_input_shape: [null, 28, 28, 1], filters: 32, kernel_size: [3, 3] },
        },
        { class_name: 'Flatten', config: { name: 'flatten_1' } },
      ],
    },
    'x.h5',
  );
  assert.equal(k3.class_name, 'Sequential');
  assert.equal(k3.module, 'keras');
  assert.equal(k3.config.name, 'sequential');
  assert.deepEqual(k3.config.build_input_shape, [null, 28, 28, 1]);
  assert.deepEqual(
    k3.config.layers.map((l: { config: { name: string } }) => l.config.name),
    ['conv2d_1', 'flatten_1'],
  );
  const m = Sequential.fromConfig(k3.config);
  assert.deepEqual(m.inputs[0].shape, [null, 28, 28, 1]);
  assert.deepEqual(
    m.layers.map((l) => l.name),
    ['conv2d_1', 'flatten_1'],
  );
  assert.deepEqual(m.outputs[0].shape, [null, 26 * 26 * 32]);
});

test('Keras 3 Sequential config with InputLayer and DTypePolicy objects', () => {
  const policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
  const k3 = normaliseModelConfig(
    {
      module: 'keras',
      class_name: 'Sequential',
      registered_name: null,
      config: {
        name: 'sequential',
        trainable: true,
        dtype: policy,
        layers: [
          {
            module: 'keras.layers',
            class_name: 'InputLayer',
            config: { batch_shape: [null, 4], dtype: 'float32', sparse: false, name: 'input_layer' },
            registered_name: null,
          },
          {
            module: 'keras.layers',
            class_name: 'Dense',
            config: { name: 'dense', dtype: policy, units: 3, quantization_config: null },
            registered_name: null,
            build_config: { input_shape: [null, 4] },
          },
        ],
      },
    },
    'x.keras',
  );
  assert.deepEqual(k3.config.build_input_shape, [null, 4]);
  assert.equal(k3.config.layers[1].config.dtype, 'float32');
  assert.deepEqual(k3.config.layers[1].build_config, { input_shape: [null, 4] });
  const m = Sequential.fromConfig(k3.config);
  assert.equal(m.inputs[0].node!.layer.name, 'input_layer');
  assert.deepEqual(m.outputs[0].shape, [null, 3]);
});

test('Keras 3 functional nodes with __keras_tensor__ and list args', () => {
  const kt = (n: string) => ({
    class_name: '__keras_tensor__',
    config: { shape: [null, 4], dtype: 'float32', keras_history: [n, 0, 0] },
  });
  const k3 = normaliseModelConfig(
    {
      module: 'keras',
      class_name: 'Functional',
      config: {
        name: 'functional',
        trainable: true,
        layers: [
          {
            module: 'keras.layers',
            class_name: 'InputLayer',
            config: { batch_shape: [null, 4], name: 'input_layer' },
            name: 'input_layer',
            inbound_nodes: [],
          },
          {
            module: 'keras.layers',
            class_name: 'Dense',
            config: { name: 'd1', units: 4 },
            name: 'd1',
            inbound_nodes: [{ args: [kt('input_layer')], kwargs: {} }],
          },
          {
            module: 'keras.layers',
            class_name: 'Add',
            config: { name: 'add' },
            name: 'add',
            inbound_nodes: [{ args: [[kt('d1'), kt('input_layer')]], kwargs: {} }],
          },
        ],
        input_layers: [['input_layer', 0, 0]],
        output_layers: ['add', 0, 0],
      },
    },
    'f.keras',
  );
  const ref = (n: string) => ({ class_name: '__keras_tensor__', config: { keras_history: [n, 0, 0] } });
  assert.equal(k3.class_name, 'Functional');
  assert.deepEqual(k3.config.layers[1].inbound_nodes[0], { args: [ref('input_layer')], kwargs: {} });
  assert.deepEqual(k3.config.layers[2].inbound_nodes[0], { args: [[ref('d1'), ref('input_layer')]], kwargs: {} });
  assert.deepEqual(k3.config.input_layers, [['input_layer', 0, 0]]);
  assert.deepEqual(k3.config.output_layers, [['add', 0, 0]]);
  const m = Model.fromConfig(k3.config);
  assert.deepEqual(
    m.layers.map((l) => l.className),
    ['InputLayer', 'Dense', 'Add'],
  );
  assert.equal(m.hasSingleOutput, true);
});

test('Keras 2 functional node lists become Keras 3 nodes; class Model is Functional', () => {
  const k3 = normaliseModelConfig(
    {
      class_name: 'Model',
      config: {
        name: 'old',
        layers: [
          {
            class_name: 'InputLayer',
            config: { batch_input_shape: [null, 3], name: 'in' },
            name: 'in',
            inbound_nodes: [],
          },
          { class_name: 'Dense', config: { name: 'd', units: 3 }, name: 'd', inbound_nodes: [[['in', 0, 0, {}]]] },
          {
            class_name: 'Add',
            config: { name: 'add' },
            name: 'add',
            inbound_nodes: [
              [
                ['d', 0, 0, {}],
                ['in', 0, 0, {}],
              ],
            ],
          },
        ],
        input_layers: [['in', 0, 0]],
        output_layers: [['add', 0, 0]],
      },
    },
    'old.h5',
  );
  assert.equal(k3.class_name, 'Functional');
  assert.deepEqual(k3.config.layers[0].config, { batch_shape: [null, 3], name: 'in' });
  const add = k3.config.layers[2].inbound_nodes[0];
  const histories = add.args[0].map((t: { config: { keras_history: unknown } }) => t.config.keras_history);
  assert.deepEqual(histories, [
    ['d', 0, 0],
    ['in', 0, 0],
  ]);
  assert.throws(
    () =>
      normaliseModelConfig(
        {
          class_name: 'Functional',
          config: {
            name: 'm',
            layers: [
              {
                class_name: 'InputLayer',
                config: { batch_input_shape: [null, 3], name: 'in' },
                name: 'in',
                inbound_nodes: [],
              },
            ],
            input_layers: [['in', 0, 0]],
            output_layers: [['ghost', 0, 0]],
          },
        },
        'g.h5',
      ),
    (e: Error) => e instanceof FileFormatError && /g\.h5: model 'm' refers to an unknown layer 'ghost'/.test(e.message),
  );
});

test('unsupported model classes and missing class names fail clearly', () => {
  assert.throws(
    () => normaliseModelConfig({ class_name: 'MyModel', config: {} }, 'm.keras'),
    /m\.keras: the model class 'MyModel' is not supported/,
  );
  assert.throws(
    () => normaliseModelConfig({ foo: 1 }, 'm.keras'),
    (e: Error) => e instanceof FileFormatError && /no class_name/.test(e.message),
  );
});

test('keras2circom: Keras 2.10 Functional config and weights in weight_names order', async () => {
  await withH5(path.join(FIX, 'keras2circom', 'model.h5'), (root, r) => {
    const k3 = normaliseModelConfig(readJsonAttr(root, 'model_config', r.filename), r.filename);
    assert.equal(k3.class_name, 'Functional');
    assert.deepEqual(
      k3.config.layers.map((l: { class_name: string }) => l.class_name),
      [
        'InputLayer',
        'Conv2D',
        'BatchNormalization',
        'Activation',
        'MaxPooling2D',
        'Conv2D',
        'ReLU',
        'AveragePooling2D',
        'Flatten',
        'Dense',
      ],
    );
    const input1 = { class_name: '__keras_tensor__', config: { keras_history: ['input_1', 0, 0] } };
    assert.deepEqual(k3.config.layers[1].inbound_nodes[0].args, [input1]);
    const saved = readLegacyWeights(root.group('model_weights'), r.filename);
    const bn = saved.find((s) => s.name === 'batch_normalization')!;
    assert.deepEqual(
      bn.weights.map((w) => w.name.split('/')[1]),
      ['gamma:0', 'beta:0', 'moving_mean:0', 'moving_variance:0'],
    );
    const c1 = saved.find((s) => s.name === 'conv2d_1')!;
    assert.deepEqual(
      c1.weights.map((w) => w.shape),
      [[3, 3, 4, 8], [8]],
    );
  });
});

test('Keras 2.2.4 Lambda layers are refused, naming lambda_1', async () => {
  const f = path.join(tmp, 'keras224_lambda.h5');
  await writeKeras224LambdaModel(f);
  await withH5(f, (root, r) => {
    const cfg = readJsonAttr(root, 'model_config', r.filename);
    assert.throws(
      () => checkNoLambda(cfg, r.filename),
      (e: Error) =>
        e instanceof FileFormatError &&
        /keras224_lambda\.h5: layer 'lambda_1' is a Lambda layer; Lambda layers hold Python bytecode/.test(e.message) &&
        /cannot run in JavaScript/.test(e.message),
    );
    assert.throws(() => normaliseModelConfig(cfg, r.filename), /'lambda_1' is a Lambda layer/);
  });
});

test('saved compile settings: function-style losses/metrics restore; unsupported loss options load uncompiled with a warning', async () => {
  const { compileArgsFromSaved } = await import('../../src/io/serialize.js');
  assert.deepEqual(
    compileArgsFromSaved({
      optimizer: 'rmsprop',
      loss: {
        module: 'keras.losses',
        class_name: 'function',
        config: 'categorical_crossentropy',
        registered_name: 'categorical_crossentropy',
      },
      metrics: [{ module: 'keras.metrics', class_name: 'function', config: 'mae', registered_name: 'mae' }, 'acc'],
    }),
    { optimizer: 'rmsprop', loss: 'categorical_crossentropy', metrics: ['mae', 'accuracy'] },
  );
  assert.deepEqual(
    compileArgsFromSaved({
      optimizer_config: { class_name: 'Adam', config: { lr: 0.01 } },
      loss: { class_name: 'CategoricalCrossentropy', config: { name: 'categorical_crossentropy', from_logits: false } },
      metrics: [[{ class_name: 'MeanMetricWrapper', config: { name: 'acc', fn: 'categorical_accuracy' } }]],
    })?.metrics,
    ['accuracy'],
  );
  const f = path.join(tmp, 'logits.keras');
  const cfg = {
    module: 'keras',
    class_name: 'Sequential',
    config: {
      name: 's',
      layers: [
        { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, 2], name: 'in' } },
        { module: 'keras.layers', class_name: 'Dense', config: { name: 'd', units: 2 } },
      ],
    },
    compile_config: {
      optimizer: 'adam',
      loss: {
        module: 'keras.losses',
        class_name: 'SparseCategoricalCrossentropy',
        config: { name: 'sparse_categorical_crossentropy', from_logits: true },
      },
      metrics: null,
    },
  };
  const weights = await h5Bytes((w) => {
    const g = w.root.createGroup('layers/dense/vars');
    g.writeDataset('0', vals(4, 1), [2, 2]);
    g.writeDataset('1', vals(2, 2), [2]);
  });
  writeFileSync(
    f,
    zipSync({ 'config.json': new TextEncoder().encode(JSON.stringify(cfg)), 'model.weights.h5': weights }),
  );
  const warnings: string[] = [];
  const m = await loadModel(f, { warn: (w) => warnings.push(w) });
  assert.equal(m.compiled, null);
  assert.match(
    warnings.join('\n'),
    /logits\.keras: the model was loaded uncompiled: the saved loss SparseCategoricalCrossentropy\(from_logits=True\) is not supported/,
  );
});

test('TFOpLambda layers (tf.* functions in tf.keras models) are refused by name', () => {
  assert.throws(
    () =>
      normaliseModelConfig(
        {
          class_name: 'Functional',
          config: {
            name: 'm',
            layers: [
              {
                class_name: 'InputLayer',
                config: { batch_input_shape: [null, 2], name: 'in' },
                name: 'in',
                inbound_nodes: [],
              },
              {
                class_name: 'TFOpLambda',
                config: { name: 'tf.math.add', function: 'math.add' },
                name: 'tf.math.add',
                inbound_nodes: [[['in', 0, 0, { y: 1 }]]],
              },
            ],
            input_layers: [['in', 0, 0]],
            output_layers: [['tf.math.add', 0, 0]],
          },
        },
        'ops.h5',
      ),
    (e: Error) =>
      e instanceof FileFormatError &&
      /ops\.h5: layer 'tf\.math\.add' is a TFOpLambda layer: a TensorFlow function \(math\.add\)/.test(e.message),
  );
});
