// preprocessInput bit for bit against Keras's preprocess_input (fixtures/preprocess.json), the
// per-model modes, decodePredictions with a small class index, and Keras's messages for bad input.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { FileFormatError, Tensor, ValueError, applications, gradients, watch } from 'convkit';

const FIX = path.join(import.meta.dirname, 'fixtures');
const json = (name: string): unknown => JSON.parse(readFileSync(path.join(FIX, name), 'utf8'));
interface Case {
  mode: 'caffe' | 'tf' | 'torch';
  data_format: 'channels_last' | 'channels_first';
  shape: number[];
  x: number[];
  y: number[];
  dtype: string;
  input_dtype?: string;
}
const CASES = (json('preprocess.json') as { cases: Case[] }).cases;
const FACTS = json('keras_facts.json') as {
  errors: Record<string, { message: string }>;
  class_index: { fname: string; origin: string; cache_subdir: string; file_hash: string };
};
const msg = (k: string): string => FACTS.errors[k].message;
const { imagenetUtils } = applications;

const tmp = mkdtempSync(path.join(tmpdir(), 'convkit-imagenet-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('preprocessInput matches Keras', () => {
  for (const c of CASES) {
    it(`${c.mode}, ${c.data_format}, shape (${c.shape.join(', ')})${c.input_dtype ? `, ${c.input_dtype}` : ''}`, () => {
      const data = c.input_dtype === 'uint8' ? Uint8Array.from(c.x) : Float32Array.from(c.x);
      const x = new Tensor(data, c.shape);
      const before = Array.from(x.data);
      const y = imagenetUtils.preprocessInput(x, { mode: c.mode, dataFormat: c.data_format });
      assert.equal(c.dtype, 'float32');
      assert.equal(y.dtype, 'float32');
      assert.deepEqual(y.shape, c.shape);
      assert.deepEqual(Array.from(y.data), c.y);
      assert.deepEqual(Array.from(x.data), before, 'the input is left unchanged');
    });
  }

  it('each model namespace uses its mode: vgg16/vgg19/resnet50 caffe, mobilenetV2/xception tf', () => {
    const c = CASES.find((k) => k.mode === 'caffe' && k.data_format === 'channels_last' && k.shape.length === 4)!;
    const t = CASES.find((k) => k.mode === 'tf' && k.data_format === 'channels_last' && k.shape.length === 4)!;
    const x = new Tensor(Float32Array.from(c.x), c.shape);
    for (const ns of [applications.vgg16, applications.vgg19, applications.resnet50]) {
      assert.deepEqual(Array.from(ns.preprocessInput(x).data), c.y);
    }
    for (const ns of [applications.mobilenetV2, applications.xception]) {
      assert.deepEqual(Array.from(ns.preprocessInput(x).data), t.y);
    }
  });

  it('carries its gradient: the BGR flip for caffe, 1/127.5 for tf, 1/(255 std) for torch; both layouts', () => {
    const weights = Float32Array.from({ length: 12 }, (_, i) => i + 1);
    const w = new Tensor(weights, [1, 2, 2, 3]);
    const gradOf = (
      mode: 'caffe' | 'tf' | 'torch',
      dataFormat: 'channels_last' | 'channels_first',
      shape: number[],
    ) => {
      const x = watch(new Tensor(new Float32Array(12).fill(100), shape));
      const y = imagenetUtils.preprocessInput(x, { mode, dataFormat });
      assert.ok(y.requiresGrad, `${mode}: the output is on the tape`);
      const [g] = gradients(y.mul(w.reshape(shape)).sum(), [x]);
      return Array.from(g.data);
    };
    // channels last: element i is channel i % 3; caffe's output channel c reads input channel 2 - c.
    assert.deepEqual(gradOf('caffe', 'channels_last', [1, 2, 2, 3]), [3, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10]);
    // channels first [1, 3, 2, 2]: each channel is a block of four.
    assert.deepEqual(gradOf('caffe', 'channels_first', [1, 3, 2, 2]), [9, 10, 11, 12, 5, 6, 7, 8, 1, 2, 3, 4]);
    const tf = gradOf('tf', 'channels_last', [1, 2, 2, 3]);
    tf.forEach((v, i) => assert.ok(Math.abs(v - weights[i] / 127.5) < 1e-6, `tf[${i}]: ${v}`));
    const std = [0.229, 0.224, 0.225];
    const torch = gradOf('torch', 'channels_last', [1, 2, 2, 3]);
    torch.forEach((v, i) => assert.ok(Math.abs(v - weights[i] / (255 * std[i % 3])) < 1e-5, `torch[${i}]: ${v}`));
    // Without a watched input nothing is recorded.
    assert.equal(imagenetUtils.preprocessInput(new Tensor(new Float32Array(12), [1, 2, 2, 3])).gradNode, null);
  });

  it("Keras's messages for a bad mode or data format; a clear one for images without 3 channels", () => {
    const x = new Tensor(new Float32Array(12), [1, 2, 2, 3]);
    // The casts stand for JavaScript callers passing strings the types forbid.
    assert.throws(
      () => imagenetUtils.preprocessInput(x, { mode: 'keras' as 'tf' }),
      (e: Error) => e instanceof ValueError && e.message === msg('preprocess_bad_mode'),
    );
    assert.throws(
      () => imagenetUtils.preprocessInput(x, { dataFormat: 'nhwc' as 'channels_last' }),
      (e: Error) => e instanceof ValueError && e.message === msg('preprocess_bad_format'),
    );
    assert.throws(
      () => imagenetUtils.preprocessInput(new Tensor(new Float32Array(8), [1, 2, 2, 2])),
      /mode 'caffe' expects 3D or 4D images with 3 colour channels on the last axis \(channels_last\), got shape/,
    );
  });
});

describe('decodePredictions', () => {
  // A small stand-in for Keras's imagenet_class_index.json: 1000 entries, the same layout.
  const indexFile = path.join(tmp, 'imagenet_class_index.json');
  const index: Record<string, [string, string]> = {};
  for (let i = 0; i < 1000; i++) index[String(i)] = [`n${String(i).padStart(8, '0')}`, `class_${i}`];
  writeFileSync(indexFile, JSON.stringify(index));

  it('returns the top classes per sample, best first, as [wnid, name, score]', async () => {
    const p = new Float32Array(2000);
    p[7] = 0.5;
    p[3] = 0.3;
    p[999] = 0.2;
    p[1000 + 42] = 0.9;
    p[1000 + 0] = 0.05;
    const opts = { top: 3, classIndexPath: indexFile };
    const out = await applications.vgg16.decodePredictions(new Tensor(p, [2, 1000]), opts);
    assert.equal(out.length, 2);
    assert.deepEqual(out[0], [
      ['n00000007', 'class_7', 0.5],
      ['n00000003', 'class_3', Math.fround(0.3)],
      ['n00000999', 'class_999', Math.fround(0.2)],
    ]);
    assert.deepEqual(
      out[1].map((r) => r[1]),
      ['class_42', 'class_0', 'class_1'],
    );
    const five = await imagenetUtils.decodePredictions(new Tensor(p, [2, 1000]), { classIndexPath: indexFile });
    assert.equal(five[0].length, 5);
  });

  it("Keras's message for predictions not of shape (samples, 1000)", async () => {
    await assert.rejects(
      imagenetUtils.decodePredictions(new Tensor(new Float32Array(20), [2, 10])),
      (e: Error) => e instanceof ValueError && e.message === msg('decode_bad_shape'),
    );
  });

  it("fetches Keras's class index file from Keras's URL into the 'models' cache, checked by Keras's hash", () => {
    const f = imagenetUtils.CLASS_INDEX_FILE;
    assert.deepEqual(
      [f.fname, f.origin, f.cacheSubdir, f.fileHash],
      [FACTS.class_index.fname, FACTS.class_index.origin, FACTS.class_index.cache_subdir, FACTS.class_index.file_hash],
    );
  });

  it('a damaged class index names the file', async () => {
    const bad = path.join(tmp, 'bad_index.json');
    writeFileSync(bad, JSON.stringify({ 0: 'tench' }));
    const p = new Tensor(new Float32Array(1000), [1, 1000]);
    await assert.rejects(
      imagenetUtils.decodePredictions(p, { classIndexPath: bad }),
      (e: Error) =>
        e instanceof FileFormatError &&
        e.message.includes('bad_index.json') &&
        e.message.includes("entry '0' should be"),
    );
  });
});

describe("obtainInputShape and the builders' argument checks use Keras's messages", () => {
  const V = applications.VGG16;
  const cases: [string, () => Promise<unknown>][] = [
    ['top_imagenet_150', () => V({ weights: 'imagenet', includeTop: true, inputShape: [150, 150, 3] })],
    ['min_size_31', () => V({ weights: null, includeTop: false, inputShape: [31, 31, 3] })],
    ['imagenet_one_channel', () => V({ weights: 'imagenet', includeTop: false, inputShape: [150, 150, 1] })],
    ['unknown_weights', () => V({ weights: 'imagenet21k' })],
    ['imagenet_classes_10', () => V({ weights: 'imagenet', includeTop: true, classes: 10 })],
    ['top_dynamic_shape', () => V({ weights: null, includeTop: true, inputShape: [null, null, 3] })],
    ['two_dims', () => V({ weights: null, includeTop: false, inputShape: [150, 150] })],
  ];
  for (const [key, thunk] of cases) {
    it(key, async () => {
      await assert.rejects(thunk(), (e: Error) => e instanceof ValueError && e.message === msg(key));
    });
  }

  it('pretrained classifiers take only softmax or no activation', () => {
    assert.throws(
      () => imagenetUtils.validateActivation('relu', 'imagenet'),
      /Only `None` and `softmax` activations are allowed .*Received: classifier_activation=relu/,
    );
    imagenetUtils.validateActivation('relu', null);
    imagenetUtils.validateActivation(null, 'imagenet');
  });

  it('shapes Keras would pick', () => {
    assert.deepEqual(imagenetUtils.obtainInputShape(null, 224, 32, true, 'imagenet'), [224, 224, 3]);
    assert.deepEqual(imagenetUtils.obtainInputShape(null, 224, 32, false, 'imagenet'), [null, null, 3]);
    assert.deepEqual(imagenetUtils.obtainInputShape([150, 150, 3], 224, 32, false, 'imagenet'), [150, 150, 3]);
    assert.deepEqual(imagenetUtils.obtainInputShape([64, 64, 1], 224, 32, true, null), [64, 64, 1]);
  });
});
