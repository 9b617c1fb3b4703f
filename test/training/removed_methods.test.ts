// Keras 2's generator methods are gone from Keras 3; calling them names the replacement.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { layers, models } from '../../src/index.js';

test('fitGenerator, evaluateGenerator and predictGenerator point to fit, evaluate and predict', () => {
  const m = new models.Sequential([new layers.Dense(1, { inputShape: [2] })]);
  assert.throws(
    () => m.fitGenerator([], { epochs: 1 }),
    /model\.fitGenerator was removed in Keras 3.*call model\.fit\(/,
  );
  assert.throws(() => m.evaluateGenerator([]), /model\.evaluateGenerator was removed.*call model\.evaluate\(/);
  assert.throws(() => m.predictGenerator([]), /model\.predictGenerator was removed.*call model\.predict\(/);
});
