// The 1st edition's frozen-base model: `Sequential` whose first layer is a functional base
// (model.add(conv_base)). Keras builds such a Sequential as soon as a second layer is added, from
// the base's input shape (keras/src/models/sequential.py, _maybe_rebuild), so the book's
// `len(model.trainable_weights)` is 30 before freezing and 4 after, and the summary shows every
// shape and Total 16,812,353 / Trainable 2,097,665.
// Expected to fail until Sequential builds from a nested model's input shape: today it stays
// unbuilt (26 trainable weights, '?' shapes, Dense layers '0 (unbuilt)', Total 14,714,688).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applications, layers, models, utils } from 'convkit';

describe('Sequential on a functional base (book 1st ed. 5.3)', () => {
  it('builds when the second layer is added, from the base input shape, as Keras does', () => {
    utils.clearSession();
    const inputs = layers.Input({ shape: [8, 8, 3] });
    const base = new models.Model({ inputs, outputs: new layers.Conv2D(4, 3).apply(inputs) });
    const model = new models.Sequential();
    model.add(base);
    model.add(new layers.Flatten());
    model.add(new layers.Dense(2));
    assert.equal(model.built, true);
    assert.deepEqual(model.outputs[0]?.shape, [null, 2]);
    assert.equal(model.trainableWeights.length, 4);
  });

  it("the book's VGG16 model: 30 trainable weights, 4 once frozen; Total 16,812,353, Trainable 2,097,665", async () => {
    utils.clearSession();
    const convBase = await applications.VGG16({ weights: null, includeTop: false, inputShape: [150, 150, 3] });
    const model = new models.Sequential();
    model.add(convBase);
    model.add(new layers.Flatten());
    model.add(new layers.Dense(256, { activation: 'relu' }));
    model.add(new layers.Dense(1, { activation: 'sigmoid' }));
    assert.equal(model.trainableWeights.length, 30);
    convBase.trainable = false;
    assert.equal(model.trainableWeights.length, 4);
    const lines: string[] = [];
    model.summary({ printFn: (l) => lines.push(l) });
    const text = lines.join('\n');
    assert.match(text, /│ dense \(Dense\) +│ \(None, 256\) +│ +2,097,408 │/);
    assert.match(text, / Total params: 16,812,353 \(64\.13 MB\)/);
    assert.match(text, / Trainable params: 2,097,665 \(8\.00 MB\)/);
  });
});
