// Models own their Keras 3 config: Sequential.getConfig / Model.getConfig write exactly Keras 3's
// sequential and functional configs (nested models included) and fromConfig reads them back,
// through the layer registry, into models that compute the same; real Keras 3 config.json files
// are read without any translation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';
import * as L from '../../src/layers/index.js';
import { deserializeLayer, serializeLayer } from '../../src/layers/base.js';
import { Model } from '../../src/models/model.js';
import { Sequential } from '../../src/models/sequential.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { setRandomSeed } from '../../src/tensor/random.js';
import { ValueError } from '../../src/errors.js';
import type { KerasConfig } from '../../src/keras_config.js';

function rand(shape: number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(
    Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 13 + i * 0.37)),
    shape,
  );
}

/** The config as it goes through a file (JSON), so no live objects hide in it. */
const json = (c: unknown) => JSON.parse(JSON.stringify(c));

function assertSamePredictions(a: Model, b: Model, x: Tensor | Tensor[]): void {
  b.setWeights(a.getWeights());
  const pa = a.predict(x);
  const pb = b.predict(x);
  assert.deepEqual(pb.shape, pa.shape);
  assert.deepEqual(Array.from(pb.data), Array.from(pa.data));
}

test("Sequential.getConfig is Keras 3's sequential config", () => {
  const d1 = new L.Dense(3, { inputShape: [4], name: 'd1', activation: 'relu' });
  const d2 = new L.Dense(2, { name: 'd2' });
  const m = new Sequential([d1, d2], { name: 's' });
  const input = m.inputs[0].node!.layer;
  const plain = (l: L.Layer) => {
    const c = { ...l.getConfig() };
    delete c.batch_input_shape;
    return c;
  };
  assert.deepEqual(m.getConfig(), {
    name: 's',
    trainable: true,
    dtype: 'float32',
    layers: [
      {
        module: 'keras.layers',
        class_name: 'InputLayer',
        registered_name: null,
        config: { batch_shape: [null, 4], dtype: 'float32', sparse: false, ragged: false, name: input.name },
      },
      {
        module: 'keras.layers',
        class_name: 'Dense',
        config: plain(d1),
        registered_name: null,
        build_config: { input_shape: [null, 4] },
      },
      {
        module: 'keras.layers',
        class_name: 'Dense',
        config: plain(d2),
        registered_name: null,
        build_config: { input_shape: [null, 3] },
      },
    ],
    build_input_shape: [null, 4],
  });
  assert.equal('batch_input_shape' in (m.getConfig().layers as { config: object }[])[1].config, false);
  assert.deepEqual(serializeLayer(m, m.getBuildConfig()), {
    module: 'keras',
    class_name: 'Sequential',
    config: m.getConfig(),
    registered_name: null,
    build_config: { input_shape: [null, 4] },
  });
  const unbuilt = new Sequential([new L.Dense(2, { name: 'late' })], { name: 'u' });
  const c = unbuilt.getConfig();
  assert.equal('build_input_shape' in c, false);
  assert.deepEqual(
    (c.layers as { class_name: string }[]).map((l) => l.class_name),
    ['Dense'],
  );
  assert.deepEqual(unbuilt.getBuildConfig(), { input_shape: null });
});

test("Model.getConfig is Keras 3's functional config: nodes numbered per model, nested models", () => {
  const ii = L.Input({ shape: [4], name: 'inner_in' });
  const inner = new Model({ inputs: ii, outputs: new L.Dense(3, { name: 'inner_d' }).apply(ii), name: 'inner' });
  const a = L.Input({ shape: [4], name: 'a' });
  const b = L.Input({ shape: [4], name: 'b' });
  const shared = new L.Dense(4, { name: 'shared' });
  const h1 = shared.apply(a);
  const h2 = shared.apply(h1);
  const s = L.add([inner.apply(h2), inner.apply(b)]);
  const m = new Model({ inputs: [a, b], outputs: [s, h1], name: 'outer' });
  const c = json(m.getConfig());
  assert.deepEqual(Object.keys(c), ['name', 'trainable', 'layers', 'input_layers', 'output_layers']);
  assert.deepEqual(c.input_layers, [
    ['a', 0, 0],
    ['b', 0, 0],
  ]);
  assert.deepEqual(c.output_layers, [
    ['add', 0, 0],
    ['shared', 0, 0],
  ]);
  const byName = new Map<string, KerasConfig>(c.layers.map((e: KerasConfig) => [e.name, e]));
  assert.deepEqual([...byName.keys()], ['a', 'b', 'shared', 'inner', 'add']);
  assert.deepEqual(byName.get('a'), {
    module: 'keras.layers',
    class_name: 'InputLayer',
    registered_name: null,
    name: 'a',
    inbound_nodes: [],
    config: { batch_shape: [null, 4], dtype: 'float32', sparse: false, ragged: false, name: 'a' },
  });
  const kt = (name: string, node: number) => ({
    class_name: '__keras_tensor__',
    config: { shape: [null, 4], dtype: 'float32', keras_history: [name, node, 0] },
  });
  const sharedEntry = byName.get('shared')!;
  assert.deepEqual(sharedEntry.inbound_nodes, [
    { args: [kt('a', 0)], kwargs: {} },
    { args: [kt('shared', 0)], kwargs: {} },
  ]);
  assert.deepEqual(sharedEntry.build_config, { input_shape: [null, 4] });
  const innerEntry = byName.get('inner')!;
  assert.equal(innerEntry.module, 'keras.src.models.functional');
  assert.equal(innerEntry.class_name, 'Functional');
  assert.equal(innerEntry.registered_name, 'Functional');
  assert.deepEqual(innerEntry.build_config, { input_shape: null });
  assert.deepEqual(innerEntry.config, json(inner.getConfig()));
  const history = (t: KerasConfig) => t.config.keras_history;
  const calls = innerEntry.inbound_nodes.map((n: KerasConfig) => history(n.args[0]));
  assert.deepEqual(calls, [
    ['shared', 1, 0],
    ['b', 0, 0],
  ]);
  const add = byName.get('add')!;
  assert.deepEqual(add.inbound_nodes[0].args[0].map(history), [
    ['inner', 0, 0],
    ['inner', 1, 0],
  ]);
  assert.deepEqual(add.build_config, {
    input_shape: [
      [null, 3],
      [null, 3],
    ],
  });
});

test('fromConfig(getConfig()) rebuilds the same models: Sequential, functional, nested, shared layers', () => {
  setRandomSeed(3);
  const seq = new Sequential(
    [
      new L.Conv2D(3, 3, { inputShape: [6, 6, 2], activation: 'relu' }),
      new L.BatchNormalization(),
      new L.Flatten(),
      new L.Dense(2),
    ],
    { name: 'seq' },
  );
  const again = Sequential.fromConfig(json(seq.getConfig()));
  assert.ok(again instanceof Sequential);
  assert.deepEqual(json(again.getConfig()), json(seq.getConfig()));
  assertSamePredictions(seq, again, rand([2, 6, 6, 2], 1));

  const block = new Sequential([new L.Dense(4, { inputShape: [4], activation: 'tanh' })], { name: 'block' });
  const ii = L.Input({ shape: [4], name: 'ii' });
  const inner = new Model({ inputs: ii, outputs: new L.Dense(4, { name: 'inner_d' }).apply(ii), name: 'inner' });
  const x = L.Input({ shape: [4], name: 'x' });
  const shared = new L.Dense(4, { name: 'shared' });
  const h = shared.apply(shared.apply(x));
  const out = new L.Dense(2, { name: 'out' }).apply(L.concatenate([block.apply(h), inner.apply(h), inner.apply(x)]));
  const fn = new Model({ inputs: x, outputs: out, name: 'fn' });
  const rebuilt = Model.fromConfig(json(fn.getConfig()));
  assert.deepEqual(json(rebuilt.getConfig()), json(fn.getConfig()));
  assert.ok(rebuilt.getLayer('block') instanceof Sequential);
  assert.ok(rebuilt.getLayer('inner') instanceof Model);
  assert.equal(rebuilt.getLayer('shared').inboundNodes.length, 2);
  assertSamePredictions(fn, rebuilt, rand([3, 4], 2));
});

test('the layer registry rebuilds models by their Keras class names (Functional, Model, Sequential)', () => {
  const x = L.Input({ shape: [3], name: 'x' });
  const fn = new Model({ inputs: x, outputs: new L.Dense(2, { name: 'd' }).apply(x), name: 'f' });
  for (const cls of ['Functional', 'Model']) {
    const m = deserializeLayer({ class_name: cls, config: json(fn.getConfig()) });
    assert.ok(m instanceof Model, cls);
    assert.deepEqual(m.outputs[0].shape, [null, 2]);
  }
  const seq = new Sequential([new L.Dense(2, { inputShape: [3] })], { name: 'q' });
  assert.ok(deserializeLayer({ class_name: 'Sequential', config: json(seq.getConfig()) }) instanceof Sequential);
});

test('Sequential.fromConfig: input from build_input_shape, trainable false reaches every layer', () => {
  const m = Sequential.fromConfig({
    name: 'frozen',
    trainable: false,
    build_input_shape: [null, 5],
    layers: [{ module: 'keras.layers', class_name: 'Dense', config: { name: 'dd', units: 2 }, registered_name: null }],
  });
  assert.equal(m.name, 'frozen');
  assert.deepEqual(m.inputs[0].shape, [null, 5]);
  assert.deepEqual(m.outputs[0].shape, [null, 2]);
  assert.equal(m.layers[0].trainable, false);
  assert.equal(m.trainableWeights.length, 0);
});

test('real Keras 3 config.json files are read as they are (DTypePolicy objects, kwargs, nested Sequential)', () => {
  const config = (f: string) => {
    const members = unzipSync(new Uint8Array(readFileSync(path.join('test', 'io', 'fixtures', 'keras3', f))));
    return JSON.parse(new TextDecoder().decode(members['config.json']));
  };
  const cnn = config('kcnn.keras');
  const seq = deserializeLayer(cnn) as Sequential;
  assert.ok(seq instanceof Sequential);
  assert.deepEqual(
    seq.layers.map((l) => l.className),
    ['Conv2D', 'BatchNormalization', 'MaxPooling2D', 'Conv2D', 'ReLU', 'Flatten', 'Dropout', 'Dense'],
  );
  assert.deepEqual(seq.inputs[0].shape, cnn.config.build_input_shape);
  const graph = config('kgraph.keras');
  const fn = deserializeLayer(graph) as Model;
  assert.ok(fn instanceof Model);
  assert.deepEqual(
    fn.layers.map((l) => l.name),
    graph.config.layers.map((l: { name: string }) => l.name),
  );
  assert.ok(fn.getLayer('block') instanceof Sequential);
  assert.deepEqual(fn.outputs[0].shape, [null, fn.getLayer('probs').getConfig().units]);
});

test('fromConfig errors name the model, the layer and what is wrong', () => {
  const entry = (name: string, cls: string, config: object, from?: string) => ({
    module: 'keras.layers',
    class_name: cls,
    config: { name, ...config },
    registered_name: null,
    name,
    inbound_nodes: from
      ? [{ args: [{ class_name: '__keras_tensor__', config: { keras_history: [from, 0, 0] } }], kwargs: {} }]
      : [],
  });
  const cfg = (layers: object[], output = 'd') => ({
    name: 'g',
    layers,
    input_layers: [['in', 0, 0]],
    output_layers: [[output, 0, 0]],
  });
  const input = entry('in', 'InputLayer', { batch_shape: [null, 3] });
  assert.throws(
    () => Model.fromConfig(cfg([input, entry('d', 'Fancy', {}, 'in')])),
    (e: Error) =>
      e instanceof ValueError && /Functional 'g': layer 'd' \(Fancy\): Unknown layer class 'Fancy'/.test(e.message),
  );
  assert.throws(
    () => Model.fromConfig(cfg([input, entry('d', 'Dense', { units: 2 }, 'ghost')])),
    (e: Error) => e instanceof ValueError && /Functional 'g': cannot resolve the inputs of 'd'/.test(e.message),
  );
  assert.throws(
    () => Model.fromConfig(cfg([input, entry('d', 'Dense', { units: 2 }, 'in')], 'nope')),
    (e: Error) => e instanceof ValueError && /Functional 'g': the output \[nope, 0, 0\] does not exist/.test(e.message),
  );
  assert.throws(
    () =>
      Sequential.fromConfig({
        name: 'sq',
        layers: [
          entry('in', 'InputLayer', { batch_shape: [null, 3] }),
          entry('f', 'Flatten', {}),
          entry('p', 'MaxPooling2D', {}),
        ],
      }),
    (e: Error) => /Sequential 'sq': cannot add layer 'p' \(MaxPooling2D\)/.test(e.message),
  );
});
