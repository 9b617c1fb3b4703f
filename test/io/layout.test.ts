// Files convkit writes follow Keras's on-disk layout (spec section 3), checked with h5wasm and a
// raw look at the zip: member names and storage, config.json keys, weight group paths, attribute
// names, dataset shapes, optimizer variables.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import * as L from '../../src/layers/index.js';
import type { KerasConfig } from '../../src/keras_config.js';
import { Model } from '../../src/models/model.js';
import { Sequential } from '../../src/models/sequential.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { setRandomSeed } from '../../src/tensor/random.js';
import { saveModel, saveWeights } from '../../src/io/index.js';
import { type H5Group, withH5 } from '../../src/io/h5.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'convkit-layout-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function trained(): Promise<Sequential> {
  setRandomSeed(4);
  const m = new Sequential(
    [
      new L.Conv2D(4, 3, { inputShape: [6, 6, 1], activation: 'relu' }),
      new L.BatchNormalization(),
      new L.Flatten(),
      new L.Dense(5, { activation: 'relu' }),
      new L.Dense(2, { activation: 'softmax' }),
    ],
    { name: 'seq' },
  );
  m.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  const y = new Tensor(new Float32Array([1, 0, 0, 1]), [2, 2]);
  await m.fit(
    new Tensor(
      new Float32Array(72).map((_, i) => (i % 7) / 7),
      [2, 6, 6, 1],
    ),
    y,
    { epochs: 3, batchSize: 2, verbose: 0 },
  );
  return m;
}

/** Every group/dataset path under a group, with dataset shapes. */
function tree(g: H5Group, prefix = ''): Map<string, number[] | 'group'> {
  const out = new Map<string, number[] | 'group'>();
  for (const k of g.keys()) {
    const p = `${prefix}${k}`;
    if (g.isGroup(k)) {
      out.set(p, 'group');
      for (const [kk, v] of tree(g.group(k), `${p}/`)) out.set(kk, v);
    } else {
      out.set(p, g.dataset(k).shape);
    }
  }
  return out;
}

/** Compression methods of the zip's local file headers (0 = stored). */
function zipMethods(buf: Buffer): Record<string, number> {
  const out: Record<string, number> = {};
  let off = 0;
  while (buf.readUInt32LE(off) === 0x04034b50) {
    const method = buf.readUInt16LE(off + 8);
    const csize = buf.readUInt32LE(off + 18);
    const nlen = buf.readUInt16LE(off + 26);
    const xlen = buf.readUInt16LE(off + 28);
    out[buf.subarray(off + 30, off + 30 + nlen).toString()] = method;
    off += 30 + nlen + xlen + csize;
  }
  return out;
}

test('.keras archive: members stored uncompressed, config.json and model.weights.h5 in Keras 3 layout', async () => {
  const m = await trained();
  const file = path.join(tmp, 'seq.keras');
  await saveModel(m, file);
  const buf = readFileSync(file);
  assert.deepEqual(zipMethods(buf), { 'metadata.json': 0, 'config.json': 0, 'model.weights.h5': 0 });
  const members = unzipSync(new Uint8Array(buf));
  const meta = JSON.parse(Buffer.from(members['metadata.json']).toString());
  assert.match(meta.keras_version, /^3\.\d+\.\d+$/);
  assert.match(meta.date_saved, /^\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d$/);
  const cfg = JSON.parse(Buffer.from(members['config.json']).toString());
  assert.deepEqual(Object.keys(cfg).sort(), [
    'build_config',
    'class_name',
    'compile_config',
    'config',
    'module',
    'registered_name',
  ]);
  assert.equal(cfg.module, 'keras');
  assert.equal(cfg.class_name, 'Sequential');
  assert.equal(cfg.registered_name, null);
  assert.deepEqual(cfg.build_config, { input_shape: [null, 6, 6, 1] });
  assert.equal(cfg.config.name, 'seq');
  const [inp, conv] = cfg.config.layers;
  assert.deepEqual(inp, {
    module: 'keras.layers',
    class_name: 'InputLayer',
    config: { batch_shape: [null, 6, 6, 1], dtype: 'float32', sparse: false, ragged: false, name: inp.config.name },
    registered_name: null,
  });
  assert.equal(conv.module, 'keras.layers');
  assert.equal(conv.class_name, 'Conv2D');
  assert.equal(conv.registered_name, null);
  assert.deepEqual(conv.build_config, { input_shape: [null, 6, 6, 1] });
  assert.equal(conv.config.batch_input_shape, undefined, 'Keras 3 layers refuse batch_input_shape');
  assert.deepEqual(conv.config.kernel_size, [3, 3]);
  assert.deepEqual(cfg.config.layers[4].build_config, { input_shape: [null, 64] });
  assert.equal(cfg.compile_config.optimizer.module, 'keras.optimizers');
  assert.equal(cfg.compile_config.optimizer.class_name, 'Adam');
  assert.equal(cfg.compile_config.loss, 'categorical_crossentropy');
  assert.deepEqual(cfg.compile_config.metrics, ['accuracy']);

  const h5file = path.join(tmp, 'inner.weights.h5');
  writeFileSync(h5file, members['model.weights.h5']);
  await withH5(h5file, (root) => {
    const t = tree(root);
    const datasets = [...t]
      .filter(([, v]) => v !== 'group')
      .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
      .sort();
    assert.deepEqual(
      datasets,
      [
        'layers/batch_normalization/vars/0 [4]',
        'layers/batch_normalization/vars/1 [4]',
        'layers/batch_normalization/vars/2 [4]',
        'layers/batch_normalization/vars/3 [4]',
        'layers/conv2d/vars/0 [3,3,1,4]',
        'layers/conv2d/vars/1 [4]',
        'layers/dense/vars/0 [64,5]',
        'layers/dense/vars/1 [5]',
        'layers/dense_1/vars/0 [5,2]',
        'layers/dense_1/vars/1 [2]',
        'optimizer/vars/0 []',
        'optimizer/vars/1 []',
        ...[[3, 3, 1, 4], [4], [4], [4], [64, 5], [5], [5, 2], [2]].flatMap((s, i) =>
          [2 + 2 * i, 3 + 2 * i].map((j) => `optimizer/vars/${j} ${JSON.stringify(s)}`),
        ),
      ].sort(),
    );
    assert.ok(!t.has('layers/flatten'), 'no empty groups');
    assert.equal(root.group('layers/conv2d/vars').stringAttr('name'), m.layers[0].name);
    assert.equal(root.group('layers/dense_1/vars').stringAttr('name'), m.layers[4].name);
    const opt = root.group('optimizer/vars');
    assert.equal(opt.dataset('0').dtype, '<q', 'iteration is int64');
    assert.equal(opt.dataset('0').data[0], 3);
    assert.ok(Math.abs(opt.dataset('1').data[0] - 0.001) < 1e-9);
    // BN: gamma, beta (trainable) then moving_mean, moving_variance.
    const bn = m.layers[1].weights;
    for (let i = 0; i < 4; i++)
      assert.deepEqual(
        Array.from(root.group('layers/batch_normalization/vars').dataset(String(i)).data),
        Array.from(bn[i].data),
      );
    // Adam slots interleave per weight (Keras's add_optimizer_variables): m(kernel), v(kernel), m(bias), ...
    const slots = m.compiled!.optimizer.variables;
    const nW = m.trainableWeights.length;
    assert.deepEqual(Array.from(opt.dataset('2').data), Array.from(slots[2].data));
    assert.deepEqual(Array.from(opt.dataset('3').data), Array.from(slots[2 + nW].data));
  });
});

test('nested Sequential inside a functional model: weights under layers/sequential/layers/...', async () => {
  setRandomSeed(8);
  const inner = new Sequential([new L.Dense(3, { inputShape: [4] }), new L.Dense(2)], { name: 'head' });
  const inp = L.Input({ shape: [4] });
  const out = new L.Dense(1).apply(inner.apply(new L.Dense(4).apply(inp)));
  const m = new Model({ inputs: inp, outputs: out, name: 'outer' });
  const file = path.join(tmp, 'nested.weights.h5');
  await saveWeights(m, file);
  await withH5(file, (root) => {
    const ds = [...tree(root)]
      .filter(([, v]) => v !== 'group')
      .map(([k]) => k)
      .sort();
    assert.deepEqual(ds, [
      'layers/dense/vars/0',
      'layers/dense/vars/1',
      'layers/dense_1/vars/0',
      'layers/dense_1/vars/1',
      'layers/sequential/layers/dense/vars/0',
      'layers/sequential/layers/dense/vars/1',
      'layers/sequential/layers/dense_1/vars/0',
      'layers/sequential/layers/dense_1/vars/1',
    ]);
  });
  await saveModel(m, path.join(tmp, 'nested.keras'));
  const cfg = JSON.parse(
    Buffer.from(unzipSync(new Uint8Array(readFileSync(path.join(tmp, 'nested.keras'))))['config.json']).toString(),
  );
  assert.equal(cfg.module, 'keras.src.models.functional');
  assert.equal(cfg.class_name, 'Functional');
  assert.equal(cfg.registered_name, 'Functional');
  const head = cfg.config.layers.find((l: KerasConfig) => l.name === 'head');
  assert.equal(head.class_name, 'Sequential');
  assert.equal(head.module, 'keras');
  assert.equal(head.inbound_nodes[0].args[0].class_name, '__keras_tensor__');
  const last = cfg.config.layers[cfg.config.layers.length - 1];
  assert.deepEqual(last.inbound_nodes[0].args[0].config.keras_history, ['head', 0, 0]);
  assert.deepEqual(cfg.config.input_layers, [inp.node!.layer.name, 0, 0]);
});

test('legacy .h5: Keras 2 attributes, layer_names / weight_names and dataset paths', async () => {
  const m = await trained();
  const file = path.join(tmp, 'seq.h5');
  await saveModel(m, file);
  await withH5(file, (root) => {
    assert.equal(root.stringAttr('backend'), 'tensorflow');
    assert.match(root.stringAttr('keras_version')!, /^2\./);
    const mc = JSON.parse(root.stringAttr('model_config')!);
    assert.equal(mc.class_name, 'Sequential');
    assert.equal(mc.module, undefined);
    assert.equal(mc.config.layers[0].class_name, 'InputLayer');
    assert.deepEqual(mc.config.layers[0].config.batch_input_shape, [null, 6, 6, 1]);
    assert.equal(mc.config.layers[1].config.kernel_initializer.module, undefined);
    const tc = JSON.parse(root.stringAttr('training_config')!);
    assert.equal(tc.loss, 'categorical_crossentropy');
    assert.equal(tc.optimizer_config.class_name, 'Adam');
    const mw = root.group('model_weights');
    const names = m.layers.map((l) => l.name);
    assert.deepEqual(mw.stringList('layer_names'), names);
    assert.ok(mw.attrNames().includes('keras_version') && mw.attrNames().includes('backend'));
    const conv = names[0];
    assert.deepEqual(mw.group(conv).stringList('weight_names'), [`${conv}/kernel:0`, `${conv}/bias:0`]);
    assert.deepEqual(mw.group(conv).dataset(`${conv}/kernel:0`).shape, [3, 3, 1, 4]);
    assert.deepEqual(
      mw
        .group(`${names[1]}`)
        .stringList('weight_names')!
        .map((n) => n.split('/')[1]),
      ['gamma:0', 'beta:0', 'moving_mean:0', 'moving_variance:0'],
    );
    assert.deepEqual(mw.group(names[2]).stringList('weight_names'), []);
    // Optimizer state as Keras 3's legacy writer lays it out (Keras 3 restores it on load_model).
    const opt = m.compiled!.optimizer.name;
    const ow = root.group('optimizer_weights').stringList('weight_names')!;
    assert.deepEqual(ow.slice(0, 4), [
      `${opt}/iteration`,
      `${opt}/learning_rate`,
      `${opt}/${conv}_kernel_momentum`,
      `${opt}/${conv}_kernel_velocity`,
    ]);
    assert.equal(ow.length, 2 + 2 * 8);
    assert.equal(root.group('optimizer_weights').dataset(ow[0]).data[0], 3);
  });
});

test('config.json build_config: multi-input layers record a list of shapes; functional models none', async () => {
  const inp = L.Input({ shape: [3] });
  const a = new L.Dense(2).apply(inp);
  const b = new L.Dense(2).apply(inp);
  const m = new Model({ inputs: inp, outputs: new L.Add().apply([a, b]) });
  const f = path.join(tmp, 'add.keras');
  await saveModel(m, f);
  const cfg = JSON.parse(Buffer.from(unzipSync(new Uint8Array(readFileSync(f)))['config.json']).toString());
  assert.deepEqual(cfg.build_config, { input_shape: null });
  const add = cfg.config.layers.find((l: KerasConfig) => l.class_name === 'Add');
  assert.deepEqual(add.build_config, {
    input_shape: [
      [null, 2],
      [null, 2],
    ],
  });
  assert.equal(add.inbound_nodes[0].args.length, 1);
  assert.equal(add.inbound_nodes[0].args[0].length, 2);
  const dense = cfg.config.layers.find((l: KerasConfig) => l.class_name === 'Dense');
  assert.deepEqual(dense.build_config, { input_shape: [null, 3] });
});
