// runLayerTest: the checks every layer owes, in the spirit of Keras's `run_layer_test`, so layer test
// files state only what is particular to their layer. For one layer class and its constructor
// arguments it checks:
//   - the config round trip: getConfig → JSON → fromConfig and the registry give the same config;
//   - the symbolic output shape (functional API) against computeOutputShape and the expected shape;
//   - an eager call: its shape, and its values when expected values are given;
//   - one training step of a tiny model holding the layer: the layer's trainable weights change
//     (or, for a layer without any, the weights after it), and its non-trainable weights do not
//     receive gradients;
//   - saving that model as .keras (model.save) and loading it (models.loadModel): same layer
//     config, same weights, identical predictions.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Layer, deserializeLayer } from '../../src/layers/base.js';
import { Dense, Flatten, Input } from '../../src/layers/core.js';
import type { KerasConfig } from '../../src/keras_config.js';
import { Model, loadModel } from '../../src/models/index.js';
import { setRandomSeed } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { assertClose, rand } from './gradcheck.js';

/** A layer class as the registry knows it: constructible, with a static fromConfig. */
export interface LayerClass<A extends unknown[]> {
  new (...args: A): Layer;
  readonly className?: string;
  fromConfig(config: KerasConfig): Layer;
}

export interface LayerTestExpectations {
  /** Output shape of the eager call (batch axis included); the symbolic shape is this with a null batch. */
  outputShape?: readonly number[];
  /** Output values of the eager call on `input`, flattened in row-major order. */
  output?: ArrayLike<number>;
  /** The eager input (default: seeded uniform values in [-1, 1) of `inputShape`). */
  input?: Tensor | Tensor[];
  /** Tolerance of the value comparison, relative to max(1, |expected|). */
  tol?: number;
  /** Number of trainable and non-trainable weights the built layer holds. */
  trainableWeights?: number;
  nonTrainableWeights?: number;
  /** Skip the training step (for layers a loss cannot be differentiated through). */
  skipTraining?: boolean;
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'convkit-layer-test-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
let saved = 0;

function isShapeList(s: readonly number[] | readonly (readonly number[])[]): s is readonly (readonly number[])[] {
  return s.length > 0 && Array.isArray(s[0]);
}

function values(t: Tensor): number[] {
  return Array.from(t.data);
}

/**
 * Runs the common checks on `new layerClass(...args)` for inputs of `inputShape` (batch axis
 * included; a list of shapes for layers taking several inputs). Returns the eagerly called layer,
 * its output and the layer's config as read back from JSON, for the caller's own assertions.
 */
export async function runLayerTest<A extends unknown[]>(
  layerClass: LayerClass<A>,
  args: A,
  inputShape: readonly number[] | readonly (readonly number[])[],
  expected: LayerTestExpectations = {},
): Promise<{ layer: Layer; output: Tensor; config: KerasConfig }> {
  const shapes: (readonly number[])[] = isShapeList(inputShape) ? [...inputShape] : [inputShape];
  const multi = isShapeList(inputShape);
  setRandomSeed(1234);

  // Config round trip, through the class and through the registry.
  const layer = new layerClass(...args);
  const what = `${layer.className} '${layer.name}'`;
  const config = layer.getConfig();
  const fromJson = JSON.parse(JSON.stringify(config)) as KerasConfig;
  assert.deepEqual(layerClass.fromConfig(fromJson).getConfig(), config, `${what}: fromConfig(getConfig())`);
  const registered = deserializeLayer({ class_name: layer.className, config: fromJson });
  assert.ok(registered instanceof layerClass, `${what}: the registry builds a ${layer.className}`);
  assert.deepEqual(registered.getConfig(), config, `${what}: the registry's layer has the same config`);

  // Symbolic call.
  const symbolicInputs = shapes.map((s, i) => Input({ shape: [...s.slice(1)], name: `layer_test_in${i}` }));
  const symbolic = multi ? layer.apply(symbolicInputs) : layer.apply(symbolicInputs[0]);
  assert.ok(!Array.isArray(symbolic), `${what}: runLayerTest handles layers with one output`);
  const symbolicShapes = shapes.map((s) => [null, ...s.slice(1)]);
  assert.deepEqual(
    [...symbolic.shape],
    layer.computeOutputShape(multi ? symbolicShapes : symbolicShapes[0]),
    `${what}: symbolic shape is computeOutputShape's`,
  );
  if (expected.outputShape) {
    assert.deepEqual([...symbolic.shape], [null, ...expected.outputShape.slice(1)], `${what}: symbolic output shape`);
  }
  if (expected.trainableWeights !== undefined) {
    assert.equal(layer.trainableWeights.length, expected.trainableWeights, `${what}: trainable weights`);
  }
  if (expected.nonTrainableWeights !== undefined) {
    assert.equal(layer.nonTrainableWeights.length, expected.nonTrainableWeights, `${what}: non-trainable weights`);
  }

  // Eager call on a fresh layer, as a user would make it.
  const given = expected.input ?? shapes.map((s, i) => rand([...s], 11 + i));
  const inputs = Array.isArray(given) ? given : [given];
  const eagerLayer = new layerClass(...args);
  const eager = multi ? eagerLayer.apply(inputs) : eagerLayer.apply(inputs[0]);
  assert.ok(!Array.isArray(eager), `${what}: the eager call returns one tensor`);
  assert.deepEqual(
    [...eager.shape],
    [inputs[0].shape[0], ...symbolic.shape.slice(1)],
    `${what}: eager shape agrees with the symbolic shape`,
  );
  if (expected.outputShape) assert.deepEqual([...eager.shape], [...expected.outputShape], `${what}: eager shape`);
  if (expected.output) assertClose(eager.data, expected.output, expected.tol ?? 1e-5, `${what}: output`);

  // A tiny model around the symbolic call: one training step, then .keras save and load.
  const head = symbolic.shape.length > 2 ? new Flatten().apply(symbolic) : symbolic;
  const outputs = new Dense(1, { name: 'layer_test_head' }).apply(head);
  const model = new Model({ inputs: multi ? symbolicInputs : symbolicInputs[0], outputs, name: 'layer_test' });
  const x = multi ? inputs : inputs[0];
  if (!expected.skipTraining) {
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const trainable =
      layer.trainableWeights.length > 0 ? layer.trainableWeights : model.getLayer('layer_test_head').trainableWeights;
    const before = trainable.map((w) => values(w.read()));
    const frozen = layer.nonTrainableWeights.map((w) => values(w.read()));
    const target = rand([inputs[0].shape[0], 1], 5);
    await model.fit(x, target, { epochs: 1, batchSize: inputs[0].shape[0], verbose: 0, shuffle: false });
    trainable.forEach((w, i) => {
      assert.notDeepEqual(values(w.read()), before[i], `${what}: trainable weight ${w.name} changes in training`);
    });
    // Non-trainable weights may move by their own rule (BatchNormalization's moving statistics), but
    // never to NaN through a gradient step.
    layer.nonTrainableWeights.forEach((w, i) => {
      assert.equal(values(w.read()).length, frozen[i].length);
      assert.ok(values(w.read()).every(Number.isFinite), `${what}: ${w.name} stays finite`);
    });
  }
  const want = model.predict(x);
  const file = path.join(tmp, `${layer.className}_${saved++}.keras`);
  await model.save(file);
  const loaded = await loadModel(file);
  const loadedLayer = loaded.getLayer(layer.name);
  assert.equal(loadedLayer.className, layer.className, `${what}: class after loading`);
  assert.deepEqual(loadedLayer.getConfig(), layer.getConfig(), `${what}: config after loading`);
  loadedLayer.weights.forEach((w, i) => {
    assert.deepEqual(values(w.read()), values(layer.weights[i].read()), `${what}: weight ${w.name} after loading`);
  });
  assert.deepEqual(values(loaded.predict(x)), values(want), `${what}: predictions after loading`);

  return { layer: eagerLayer, output: eager, config: fromJson };
}
