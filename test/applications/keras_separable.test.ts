// Files Keras 3 wrote for a tiny model made of the layers MobileNetV2 and Xception need
// (fixtures/keras_separable, made by make_separable_fixture.py): convkit loads the .keras, the
// legacy .h5 and the .weights.h5 (into the same model built by convkit) and reproduces Keras's
// predictions within 1e-5, on both backends; what convkit writes back reads back the same.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { type Tensor, io, layers, models, utils } from 'convkit';
import { backendsToTest, withBackend } from '../helpers/backends.js';

const DIR = path.join(import.meta.dirname, 'fixtures', 'keras_separable');
const INFO = JSON.parse(readFileSync(path.join(DIR, 'info.json'), 'utf8')) as {
  layers: [string, string, (number | null)[], number][];
  weights: [string, number[]][];
};
const tmp = mkdtempSync(path.join(os.tmpdir(), 'convkit-separable-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function assertClose(got: Tensor, want: Tensor, tol: number, what: string): void {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  for (let i = 0; i < want.size; i++) {
    const d = Math.abs(got.data[i] - want.data[i]);
    assert.ok(d <= tol, `${what}[${i}]: got ${got.data[i]}, Keras ${want.data[i]} (|diff| ${d} > ${tol})`);
  }
}

function layerTable(m: models.Model): [string, string, unknown, number][] {
  return m.layers.map((l) => [l.name, l.className, l.outputShape, l.countParams()]);
}

/** The same architecture, written with convkit's layers (names as Keras's, so the table matches). */
function buildTiny(): models.Model {
  const inp = layers.Input({ shape: [11, 10, 3], name: 'image' });
  let x = new layers.ZeroPadding2D({
    padding: [
      [0, 1],
      [1, 0],
    ],
    name: 'pad',
  }).apply(inp);
  x = new layers.DepthwiseConv2D(3, { strides: 2, depthMultiplier: 2, padding: 'valid', name: 'dw_s2' }).apply(x);
  x = new layers.BatchNormalization({ epsilon: 1e-3, momentum: 0.999, name: 'dw_s2_bn' }).apply(x);
  x = new layers.ReLU({ maxValue: 6, name: 'dw_s2_relu' }).apply(x);
  x = new layers.SeparableConv2D(8, 3, { padding: 'same', useBias: false, name: 'sep' }).apply(x);
  x = new layers.BatchNormalization({ name: 'sep_bn' }).apply(x);
  let y = new layers.ReLU({ maxValue: 6, name: 'sep_relu6' }).apply(x);
  y = new layers.DepthwiseConv2D(3, {
    dilationRate: 2,
    padding: 'same',
    activation: 'relu',
    useBias: false,
    name: 'dw_dil',
  }).apply(y);
  y = new layers.SeparableConv2D(8, [3, 2], {
    depthMultiplier: 2,
    padding: 'same',
    activation: 'relu',
    name: 'sep_relu',
  }).apply(y);
  x = new layers.Add({ name: 'add' }).apply([x, y]);
  x = new layers.ReLU({ maxValue: 4, negativeSlope: 0.1, threshold: 0.5, name: 'leaky_clip' }).apply(x);
  x = new layers.GlobalAveragePooling2D({ name: 'gap' }).apply(x);
  x = new layers.Dropout(0.2, { name: 'drop' }).apply(x);
  const out = new layers.Dense(4, { activation: 'softmax', name: 'predictions' }).apply(x);
  return new models.Model({ inputs: inp, outputs: out, name: 'tiny_separable' });
}

describe('a tiny DepthwiseConv2D + SeparableConv2D + ReLU(6) + BN model written by Keras 3', () => {
  for (const be of backendsToTest()) {
    for (const file of ['model.keras', 'model.h5']) {
      it(`${file} loads with Keras's layers and predicts as Keras did (${be} backend)`, async () => {
        const x = await utils.loadNpy(path.join(DIR, 'x.npy'));
        const want = await utils.loadNpy(path.join(DIR, 'y.npy'));
        const m = await io.loadModel(path.join(DIR, file));
        assert.deepEqual(layerTable(m), INFO.layers);
        withBackend(be, () => assertClose(m.predict(x), want, 1e-5, `${file} ${be}`));
      });
    }

    it(`model.weights.h5 loads into the same model built by convkit (${be} backend)`, async () => {
      utils.clearSession();
      const x = await utils.loadNpy(path.join(DIR, 'x.npy'));
      const want = await utils.loadNpy(path.join(DIR, 'y.npy'));
      const m = buildTiny();
      assert.deepEqual(layerTable(m), INFO.layers);
      // Keras lists a model's variables layer by layer; convkit's model.weights puts trainable ones first.
      assert.deepEqual(
        m.layers.flatMap((l) => l.weights.map((w) => [w.name, w.shape])),
        INFO.weights,
      );
      await io.loadWeights(m, path.join(DIR, 'model.weights.h5'));
      withBackend(be, () => assertClose(m.predict(x), want, 1e-5, `weights.h5 ${be}`));
    });
  }

  it('what convkit writes in each format reads back and predicts the same', async () => {
    const x = await utils.loadNpy(path.join(DIR, 'x.npy'));
    const m = await io.loadModel(path.join(DIR, 'model.keras'));
    const y = m.predict(x);
    for (const name of ['again.keras', 'again.h5']) {
      const file = path.join(tmp, name);
      await io.saveModel(m, file);
      const back = await io.loadModel(file);
      assert.deepEqual(layerTable(back), INFO.layers, name);
      assertClose(back.predict(x), y, 0, name);
    }
    utils.clearSession();
    const fresh = buildTiny();
    await io.saveWeights(m, path.join(tmp, 'again.weights.h5'));
    await io.loadWeights(fresh, path.join(tmp, 'again.weights.h5'));
    assertClose(fresh.predict(x), y, 0, 'again.weights.h5');
  });
});
