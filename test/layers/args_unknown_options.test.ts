// Every layer refuses every option it does not know (not only Keras's snake_case names), with the
// close name when the key is a misspelling; models, Input and the applications too. The loop runs
// over the layer registry, so a new layer class cannot skip it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applications, layers, models } from '../../src/index.js';
import * as L from '../../src/layers/index.js';
import { getLayerClass, registeredLayerNames } from '../../src/layers/base.js';

// Untyped callers (JavaScript, JSON-driven code) reach the constructors with any value.
const untyped = (v: unknown): never => v as never;

type Opts = Record<string, unknown>;
const MAKERS: Record<string, (o: Opts) => unknown> = {
  InputLayer: (o) => new L.InputLayer(untyped({ shape: [4], ...o })),
  Dense: (o) => new L.Dense(3, untyped(o)),
  Conv2D: (o) => new L.Conv2D(3, 3, untyped(o)),
  DepthwiseConv2D: (o) => new L.DepthwiseConv2D(3, untyped(o)),
  SeparableConv2D: (o) => new L.SeparableConv2D(3, 3, untyped(o)),
  MaxPooling2D: (o) => new L.MaxPooling2D(2, untyped(o)),
  AveragePooling2D: (o) => new L.AveragePooling2D(2, untyped(o)),
  Flatten: (o) => new L.Flatten(untyped(o)),
  Dropout: (o) => new L.Dropout(0.5, untyped(o)),
  Activation: (o) => new L.Activation('relu', untyped(o)),
  ReLU: (o) => new L.ReLU(untyped(o)),
  Reshape: (o) => new L.Reshape([2, 3], untyped(o)),
  BatchNormalization: (o) => new L.BatchNormalization(untyped(o)),
  LayerNormalization: (o) => new L.LayerNormalization(untyped(o)),
  GlobalAveragePooling2D: (o) => new L.GlobalAveragePooling2D(untyped(o)),
  GlobalMaxPooling2D: (o) => new L.GlobalMaxPooling2D(untyped(o)),
  GlobalAveragePooling1D: (o) => new L.GlobalAveragePooling1D(untyped(o)),
  GlobalMaxPooling1D: (o) => new L.GlobalMaxPooling1D(untyped(o)),
  ZeroPadding2D: (o) => new L.ZeroPadding2D(untyped(o)),
  Cropping2D: (o) => new L.Cropping2D(untyped(o)),
  UpSampling2D: (o) => new L.UpSampling2D(untyped(o)),
  SpatialDropout1D: (o) => new L.SpatialDropout1D(0.2, untyped(o)),
  SpatialDropout2D: (o) => new L.SpatialDropout2D(0.2, untyped(o)),
  SpatialDropout3D: (o) => new L.SpatialDropout3D(0.2, untyped(o)),
  GaussianNoise: (o) => new L.GaussianNoise(0.3, untyped(o)),
  GaussianDropout: (o) => new L.GaussianDropout(0.3, untyped(o)),
  Rescaling: (o) => new L.Rescaling(2, untyped(o)),
  Resizing: (o) => new L.Resizing(4, 5, untyped(o)),
  CenterCrop: (o) => new L.CenterCrop(4, 4, untyped(o)),
  RandomCrop: (o) => new L.RandomCrop(4, 4, untyped(o)),
  RandomFlip: (o) => new L.RandomFlip('vertical', untyped(o)),
  RandomRotation: (o) => new L.RandomRotation(0.2, untyped(o)),
  RandomZoom: (o) => new L.RandomZoom(0.2, null, untyped(o)),
  RandomTranslation: (o) => new L.RandomTranslation(0.1, 0.2, untyped(o)),
  RandomContrast: (o) => new L.RandomContrast(0.3, untyped(o)),
  RandomBrightness: (o) => new L.RandomBrightness(0.2, untyped(o)),
  Add: (o) => new L.Add(untyped(o)),
  Subtract: (o) => new L.Subtract(untyped(o)),
  Multiply: (o) => new L.Multiply(untyped(o)),
  Average: (o) => new L.Average(untyped(o)),
  Maximum: (o) => new L.Maximum(untyped(o)),
  Minimum: (o) => new L.Minimum(untyped(o)),
  Concatenate: (o) => new L.Concatenate(untyped(o)),
  Sequential: (o) => new models.Sequential(untyped(o)),
  Functional: (o) => new models.Model(untyped(o)),
  Model: (o) => new models.Model(untyped(o)),
};

test('every registered layer class refuses an unknown option, and accepts its name', () => {
  const missing: string[] = [];
  for (const name of registeredLayerNames()) {
    const cls = getLayerClass(name) as { className?: string };
    const make = MAKERS[name] ?? MAKERS[cls.className ?? ''];
    if (!make) {
      missing.push(name);
      continue;
    }
    const kind = cls.className ?? name;
    const where = kind === 'InputLayer' ? 'Input' : kind === 'Functional' ? 'Model' : kind;
    assert.throws(
      () => make({ colour: 'red' }),
      (e: Error) => e.message.startsWith(`${where}: unknown option 'colour'; the options are `),
      `${name} accepted an unknown option`,
    );
    assert.throws(() => make({ nmae: 'x' }), new RegExp(`unknown option 'nmae' \\(did you mean 'name'\\?\\)`), name);
    assert.doesNotThrow(() => make({ name: `named_${name.toLowerCase()}` }), name);
  }
  assert.deepEqual(missing, [], `add a maker to MAKERS in ${import.meta.url} for: ${missing.join(', ')}`);
});

test('a misspelt layer option names the option it is close to', () => {
  assert.throws(
    () => new layers.Conv2D(32, 3, untyped({ activaton: 'relu' })),
    (e: Error) => e.message === "Conv2D: unknown option 'activaton' (did you mean 'activation'?)",
  );
  assert.throws(
    () => new layers.Dense(8, untyped({ use_bais: false })),
    /Dense: unknown option 'use_bais' \(did you mean 'useBias'\?\)/,
  );
  assert.throws(() => new layers.MaxPooling2D(2, untyped({ stride: 2 })), /did you mean 'strides'/);
  // Keras's keyword arguments that are positional here say so.
  assert.throws(
    () => new layers.Dropout(0.2, untyped({ rate: 0.2 })),
    /Dropout: unknown option 'rate'; use rate, the first argument, not an option/,
  );
  assert.throws(
    () => new layers.Conv2D(8, 3, untyped({ kernel_size: 5 })),
    /Conv2D: unknown option 'kernel_size'; use kernelSize, the second argument, not an option/,
  );
  // Snake_case names keep their camelCase hint; the base options are shared by every layer.
  assert.throws(() => new layers.Dense(8, untyped({ input_shape: [4] })), /use inputShape/);
  const d = new layers.Dense(8, { inputShape: [4], batchSize: 2, dtype: 'float32', trainable: false, name: 'd' });
  assert.deepEqual(d.batchInputShape, [2, 4]);
});

test('Input, Sequential and Model refuse unknown options', () => {
  assert.throws(() => layers.Input(untyped({ shap: [4] })), /Input: unknown option 'shap' \(did you mean 'shape'\?\)/);
  assert.throws(
    () => layers.Input(untyped({ shape: [4], batch_size: 2 })),
    /Input: unknown option 'batch_size'; use batchSize/,
  );
  assert.throws(
    () => new models.Sequential(untyped({ name: 's', layer: [] })),
    /Sequential: unknown option 'layer' \(did you mean 'layers'\?\)/,
  );
  assert.throws(
    () => new models.Sequential([], untyped({ inputShape: [4] })),
    /Sequential: unknown option 'inputShape'/,
  );
  const x = layers.Input({ shape: [4] });
  const y = new layers.Dense(2).apply(x);
  assert.throws(
    () => new models.Model(untyped({ inputs: x, output: y })),
    /Model: unknown option 'output' \(did you mean 'outputs'\?\)/,
  );
  assert.equal(new models.Model({ inputs: x, outputs: y, name: 'm' }).name, 'm');
});

test('the application builders refuse unknown options before building anything', async () => {
  await assert.rejects(
    applications.VGG16(untyped({ include_top: false, weights: null })),
    /VGG16: unknown option 'include_top'; use includeTop/,
  );
  await assert.rejects(
    applications.ResNet50(untyped({ weight: null })),
    /ResNet50: unknown option 'weight' \(did you mean 'weights'\?\)/,
  );
  await assert.rejects(
    applications.MobileNetV2(untyped({ weights: null, alfa: 0.5 })),
    /MobileNetV2: unknown option 'alfa' \(did you mean 'alpha'\?\)/,
  );
  await assert.rejects(
    applications.Xception(untyped({ weights: null, depth: 3 })),
    /Xception: unknown option 'depth'; the options are/,
  );
});

test('layers rebuilt from Keras configs ignore the keys convkit does not use', () => {
  const cfg = {
    name: 'c',
    trainable: true,
    dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' } },
    filters: 2,
    kernel_size: [3, 3],
    activity_regularizer: null,
    kernel_constraint: null,
    groups: 1,
  };
  const c = getLayerClass('Conv2D')!.fromConfig(cfg);
  assert.equal(c.name, 'c');
});
