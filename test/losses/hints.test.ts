// The losses say what to do when the targets are in the other loss's format.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { layers, models, utils } from '../../src/index.js';
import { categoricalCrossentropy, sparseCategoricalCrossentropy } from '../../src/losses/index.js';
import { tensor } from '../../src/tensor/index.js';

const probs = tensor([0.7, 0.2, 0.1, 0.1, 0.8, 0.1], [2, 3]);

test('integer labels with categorical_crossentropy suggest toCategorical or the sparse loss', () => {
  for (const y of [tensor([0, 1], [2]), tensor([0, 1], [2, 1])]) {
    assert.throws(
      () => categoricalCrossentropy(y, probs),
      new RegExp(
        String.raw`integer class labels: one-hot encode them with utils\.toCategorical\(y, 3\) ` +
          "or use loss 'sparse_categorical_crossentropy'",
      ),
    );
  }
});

test('one-hot labels with sparse_categorical_crossentropy say so instead of showing two equal shapes', () => {
  const y = utils.toCategorical(tensor([0, 1], [2]), 3);
  assert.throws(
    () => sparseCategoricalCrossentropy(y, probs),
    /look one-hot encoded.*use loss 'categorical_crossentropy'/,
  );
});

test('the hint reaches the user through fit', async () => {
  const m = new models.Sequential([new layers.Dense(3, { activation: 'softmax', inputShape: [2] })]);
  m.compile({ optimizer: 'sgd', loss: 'categorical_crossentropy' });
  const x = tensor(new Float32Array(8), [4, 2]);
  await assert.rejects(m.fit(x, tensor([0, 1, 2, 1], [4]), { epochs: 1, verbose: 0 }), /utils\.toCategorical/);
});
