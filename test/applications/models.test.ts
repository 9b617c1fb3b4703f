// VGG16, VGG19, ResNet50, MobileNetV2 and Xception
// against Keras 3.15's own models (fixtures/, made by make_fixtures.py):
// layer names, classes, output shapes, parameter counts, the summary, and the config.json Keras
// writes for them, both ways (convkit's config against Keras's, Keras's config loaded by convkit).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { applications, fill, io, layers, models, utils } from 'convkit';

const FIX = path.join(import.meta.dirname, 'fixtures');
const json = (name: string): unknown => JSON.parse(readFileSync(path.join(FIX, name), 'utf8'));

interface Summary {
  builder: 'VGG16' | 'VGG19' | 'ResNet50' | 'MobileNetV2' | 'Xception';
  kwargs: Record<string, unknown>;
  name: string;
  layers: [string, string, (number | null)[], number][];
  total_params: number;
  trainable_params: number;
  non_trainable_params: number;
}
const SUMMARIES = json('summaries.json') as Record<string, Summary>;
const BUILDERS = {
  VGG16: applications.VGG16,
  VGG19: applications.VGG19,
  ResNet50: applications.ResNet50,
  MobileNetV2: applications.MobileNetV2,
  Xception: applications.Xception,
};

/** Keras's snake_case keyword arguments as convkit's camelCase options. */
function camel(kwargs: Record<string, unknown>): applications.MobileNetV2Args {
  const out: Record<string, unknown> = { weights: null };
  for (const [k, v] of Object.entries(kwargs)) out[k.replace(/_(.)/g, (_, c: string) => c.toUpperCase())] = v;
  return out;
}

async function build(key: string): Promise<models.Model> {
  utils.clearSession();
  const s = SUMMARIES[key];
  return BUILDERS[s.builder](camel(s.kwargs));
}

function layerTable(m: models.Model): [string, string, unknown, number][] {
  return m.layers.map((l) => [l.name, l.className, l.outputShape, l.countParams()]);
}

type Json = Record<string, unknown>;
const isObj = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

/** The [layer, node, tensor] references of a layer entry's inbound nodes, whichever dialect. */
function history(x: unknown): unknown[] {
  if (Array.isArray(x)) return x.flatMap(history);
  if (!isObj(x)) return [];
  if (x.class_name === '__keras_tensor__' && isObj(x.config)) return [x.config.keras_history];
  return Object.values(x).flatMap(history);
}

/** Options whose values must agree with Keras's wherever Keras's config has them. */
const COMPARED = [
  'filters',
  'kernel_size',
  'strides',
  'padding',
  'activation',
  'use_bias',
  'pool_size',
  'units',
  'epsilon',
  'axis',
  'momentum',
  'center',
  'scale',
  'data_format',
  'keepdims',
  'batch_shape',
  'dilation_rate',
  'depth_multiplier',
  'max_value',
  'negative_slope',
  'threshold',
];

function configView(entry: Json): unknown {
  const c = (entry.config ?? {}) as Json;
  const layersList = (c.layers as Json[]).map((l) => {
    const lc = (l.config ?? {}) as Json;
    const opts: Json = {};
    for (const k of COMPARED) if (k in lc) opts[k] = lc[k];
    return { class_name: l.class_name, name: l.name, inbound: history(l.inbound_nodes), opts };
  });
  return {
    class_name: entry.class_name,
    name: c.name,
    layers: layersList,
    input_layers: c.input_layers,
    output_layers: c.output_layers,
  };
}

/** Keeps, of our view, only the options Keras's view has for each layer (Keras's is the reference). */
function restrictTo(ours: ReturnType<typeof configView>, theirs: ReturnType<typeof configView>): unknown {
  const o = ours as { layers: { opts: Json }[] } & Json;
  const t = theirs as { layers: { opts: Json }[] };
  return {
    ...o,
    layers: o.layers.map((l, i) => {
      const keep: Json = {};
      for (const k of Object.keys(t.layers[i]?.opts ?? {})) keep[k] = l.opts[k];
      return { ...l, opts: keep };
    }),
  };
}

describe('applications build what Keras builds', () => {
  for (const key of Object.keys(SUMMARIES)) {
    const s = SUMMARIES[key];
    it(`${key}: ${s.builder}(${JSON.stringify(s.kwargs)}) has Keras's layers, shapes, counts and config`, async () => {
      const m = await build(key);
      assert.equal(m.name, s.name);
      assert.deepEqual(layerTable(m), s.layers);
      assert.equal(m.countParams(), s.total_params);
      const trainable = m.trainableWeights.reduce((n, w) => n + w.size, 0);
      assert.equal(trainable, s.trainable_params);
      assert.equal(
        m.nonTrainableWeights.reduce((n, w) => n + w.size, 0),
        s.non_trainable_params,
      );

      const view = configView(io.modelToConfig(m, 'k3'));
      const keras = configView(json(`${key}.config.json`) as Json);
      assert.deepEqual(restrictTo(view, keras), keras);
    });
  }

  it(
    'parameter counts: VGG16 138,357,544 (14,714,688 without top), VGG19 143,667,240, ResNet50 25,636,712, ' +
      'MobileNetV2 3,538,984, Xception 22,910,480',
    () => {
      assert.equal(SUMMARIES.mobilenet_v2.total_params, 3_538_984);
      assert.equal(SUMMARIES.xception.total_params, 22_910_480);
      assert.equal(SUMMARIES.vgg16.total_params, 138_357_544);
      assert.equal(SUMMARIES.vgg16_notop_150.total_params, 14_714_688);
      assert.equal(SUMMARIES.vgg19.total_params, 143_667_240);
      assert.equal(SUMMARIES.resnet50.total_params, 25_636_712);
    },
  );

  it('convkit loads the configs Keras saved for these models into the same layers', () => {
    for (const key of [
      'vgg16_notop_150',
      'resnet50_notop_max_96',
      'mobilenet_v2_035_notop_avg_96',
      'xception_notop_max_71',
    ]) {
      utils.clearSession();
      const m = io.modelFromConfig(json(`${key}.config.json`));
      assert.deepEqual(layerTable(m), SUMMARIES[key].layers, key);
    }
  });

  it("prints Keras's summary: VGG16 without its top on 150x150 images", async () => {
    const m = await build('vgg16_notop_150');
    const lines: string[] = [];
    m.summary({ printFn: (l: string) => lines.push(l) });
    const text = lines.join('\n');
    assert.match(text, /Model: "vgg16"/);
    assert.match(text, /block5_pool \(MaxPooling2D\)\s+│ \(None, 4, 4, 512\)/);
    assert.match(text, /Total params: 14,714,688/);
  });

  it('builds on a given inputTensor, keeping the layers before it as part of the model', async () => {
    utils.clearSession();
    const inputs = layers.Input({ shape: [64, 64, 3] });
    const scaled = new layers.Rescaling(1 / 255).apply(inputs);
    const m = await applications.VGG16({ weights: null, includeTop: false, inputTensor: scaled, pooling: 'max' });
    assert.equal(m.inputs[0], inputs);
    assert.deepEqual(
      m.layers.slice(0, 2).map((l) => l.className),
      ['InputLayer', 'Rescaling'],
    );
    assert.deepEqual(m.outputs[0].shape, [null, 512]);
    assert.equal(m.layers.at(-1)!.name, 'global_max_pooling2d');
  });

  it('a custom top: classes, classifierActivation null (logits) and a name', async () => {
    utils.clearSession();
    const m = await applications.ResNet50({
      weights: null,
      classes: 10,
      classifierActivation: null,
      inputShape: [64, 64, 3],
      name: 'small_resnet',
    });
    assert.equal(m.name, 'small_resnet');
    const top = m.getLayer('predictions');
    assert.deepEqual(top.outputShape, [null, 10]);
    assert.equal((top.getConfig() as { activation: string }).activation, 'linear');
    const y = m.predict(fill([2, 64, 64, 3], 0.5));
    assert.deepEqual(y.shape, [2, 10]);
    assert.ok(
      Array.from(y.data).some((v) => v < 0 || v > 1),
      'logits are not squashed into [0, 1]',
    );
  });
});
