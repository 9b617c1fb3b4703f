// End to end: the MNIST-style convnet trained for a few seeded RMSprop steps on the native backend
// follows the reference backend's loss curve (same initial weights, same batches), and the trained
// weights agree. Skips when the addon is not built.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { layers, models, setRandomSeed, tensor, utils, randomUniform, setBackend } from '../../src/index.js';
import { loadNativeBackend, nativeLoadError } from '../../src/backend/native/index.js';

const skip = loadNativeBackend() ? false : `native addon not available (${nativeLoadError()})`;

async function train(backend: 'js' | 'native'): Promise<{ losses: number[]; weights: Float32Array[] }> {
  setBackend(backend);
  try {
    setRandomSeed(7);
    const m = new models.Sequential();
    m.add(new layers.Conv2D(8, [3, 3], { activation: 'relu', inputShape: [14, 14, 1] }));
    m.add(new layers.MaxPooling2D([2, 2]));
    m.add(new layers.Conv2D(16, [3, 3], { activation: 'relu', padding: 'same' }));
    m.add(new layers.MaxPooling2D([2, 2]));
    m.add(new layers.Conv2D(16, [3, 3], { activation: 'relu' }));
    m.add(new layers.Flatten());
    m.add(new layers.Dense(16, { activation: 'relu' }));
    m.add(new layers.Dense(10, { activation: 'softmax' }));
    m.compile({ optimizer: 'rmsprop', loss: 'categorical_crossentropy' });
    setRandomSeed(11);
    const x = randomUniform([48, 14, 14, 1]);
    const labels = new Int32Array(48);
    for (let i = 0; i < 48; i++) labels[i] = (i * 3) % 10;
    const y = utils.toCategorical(tensor(labels, [48]));
    const h = await m.fit(x, y, { epochs: 6, batchSize: 16, verbose: 0, shuffle: false });
    return {
      losses: h.history.loss,
      weights: m.getWeights().map((w) => Float32Array.from(w.dataSync() as Float32Array)),
    };
  } finally {
    setBackend('js');
  }
}

test('native training follows the reference backend loss curve', { skip }, async () => {
  const js = await train('js');
  const nat = await train('native');
  assert.equal(nat.losses.length, 6);
  for (let i = 0; i < js.losses.length; i++) {
    const a = nat.losses[i],
      b = js.losses[i];
    assert.ok(Math.abs(a - b) <= 1e-4 * (1 + Math.abs(b)), `epoch ${i}: native loss ${a}, reference ${b}`);
  }
  assert.ok(js.losses[5] < js.losses[0], 'the loss decreases');
  for (let k = 0; k < js.weights.length; k++) {
    const a = nat.weights[k],
      b = js.weights[k];
    let worst = 0;
    for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    assert.ok(worst < 1e-3, `weight ${k}: max difference ${worst}`);
  }
});
