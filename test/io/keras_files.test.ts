// Files written by real Keras 3 (test/io/fixtures/keras3, made by keras_interop/make_keras_files.py
// with Keras 3.15): convkit loads the .keras archives, legacy .h5 files and .weights.h5 files and
// predicts what Keras predicted; the optimizer state (.keras and .h5) matches Keras's variables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Tensor } from '../../src/tensor/tensor.js';
import { loadWeights } from '../../src/io/index.js';
// Through models: loading needs the model classes registered, as the package entry does.
import { loadModel } from '../../src/models/index.js';
import { optimizerVarsKerasOrder } from '../../src/io/keras3_weights.js';
import type { KerasConfig } from '../../src/keras_config.js';

const DIR = path.join('test', 'io', 'fixtures', 'keras3');
const expected = JSON.parse(readFileSync(path.join(DIR, 'expected.json'), 'utf8'));

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `${what}[${i}]: ${a[i]} vs Keras ${b[i]}`);
}

for (const e of Object.values<KerasConfig>(expected.models)) {
  for (const file of e.files as string[]) {
    test(`Keras ${expected.keras_version} ${file}: loads and predicts what Keras predicted`, async () => {
      const m = await loadModel(path.join(DIR, file), { warn: () => {} });
      assert.deepEqual(
        m.layers.map((l) => l.name).filter((n) => !n.startsWith('input_layer')),
        e.layers.filter((n: string) => !n.startsWith('input_layer')),
      );
      const y = m.predict(new Tensor(Float32Array.from(e.x), e.shape));
      close(y.data, e.y, 1e-5, file);
      if (e.optimizer) {
        const opt = m.compiled!.optimizer;
        assert.equal(opt.className, 'Adam');
        const ours = optimizerVarsKerasOrder(opt, m.trainableWeights.length).map((v) => Array.from(v.data));
        assert.equal(ours.length, e.optimizer.length);
        ours.forEach((v, i) => close(v, e.optimizer[i], 1e-7, `optimizer variable ${i}`));
      }
    });
  }
}

test(`Keras ${expected.keras_version} kcnn.weights.h5 loads into the model`, async () => {
  const e = expected.models.kcnn;
  const m = await loadModel(path.join(DIR, 'kcnn.keras'), { compile: false });
  for (const w of m.weights) w.assign(new Tensor(new Float32Array(w.size), w.shape));
  await loadWeights(m, path.join(DIR, 'kcnn.weights.h5'));
  close(m.predict(new Tensor(Float32Array.from(e.x), e.shape)).data, e.y, 1e-5, 'weights.h5');
});
