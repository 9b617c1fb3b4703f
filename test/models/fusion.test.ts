// Inference fusion in a Sequential and a functional model: Conv2D (ReLU or linear) followed by
// MaxPooling2D runs as one op (ops.conv2dMaxPool) when no gradient is recorded, with the same outputs
// as the two layers, and never in training, for pairs it cannot fuse, or when the convolution's
// output is needed elsewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as L from '../../src/layers/index.js';
import { Sequential } from '../../src/models/sequential.js';
import { Model } from '../../src/models/model.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { setRandomSeed } from '../../src/tensor/random.js';
import { getBackend } from '../../src/backend/index.js';
import { noGrad } from '../../src/autograd/index.js';
import { backendsToTest, withBackend } from '../helpers/backends.js';

function images(n: number, h: number, w: number, c: number, seed: number): Tensor {
  const d = new Float32Array(n * h * w * c);
  let s = seed;
  for (let i = 0; i < d.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    d[i] = s / 2 ** 32 - 0.5;
  }
  return new Tensor(d, [n, h, w, c]);
}

/** Counts the fused kernel's calls while fn runs. */
async function fusedCalls<T>(fn: () => Promise<T> | T): Promise<{ value: T; calls: number }> {
  const be = getBackend();
  const original = be.conv2dMaxPool;
  let calls = 0;
  be.conv2dMaxPool = (...args) => {
    calls++;
    return original(...args);
  };
  try {
    return { value: await fn(), calls };
  } finally {
    be.conv2dMaxPool = original;
  }
}

function assertClose(a: Tensor, b: Tensor, what: string): void {
  assert.deepEqual(a.shape, b.shape, `${what}: shape`);
  for (let i = 0; i < a.size; i++) {
    const d = Math.abs(a.data[i] - b.data[i]);
    assert.ok(d <= 1e-5 * (1 + Math.abs(b.data[i])), `${what}[${i}]: ${a.data[i]} vs ${b.data[i]}`);
  }
}

function convnet(activation: string): Sequential {
  setRandomSeed(7);
  const m = new Sequential();
  m.add(new L.Conv2D(16, 3, { activation, inputShape: [11, 10, 1] }));
  m.add(new L.MaxPooling2D(2));
  m.add(new L.Conv2D(8, 3, { activation: 'relu', padding: 'same' }));
  m.add(new L.MaxPooling2D(3, { strides: 2, padding: 'same' }));
  m.add(new L.Flatten());
  m.add(new L.Dense(3, { activation: 'softmax' }));
  return m;
}

for (const be of backendsToTest()) {
  test(`predict fuses Conv2D + MaxPooling2D and matches the layers one by one (${be} backend)`, async () => {
    await withBackend(be, async () => {
      const m = convnet('relu');
      const x = images(5, 11, 10, 1, 1);
      const unfused = m.apply(x); // the tape records: every layer on its own
      const { value: fused, calls } = await fusedCalls(() => m.predict(x, { batchSize: 5, verbose: 0 }));
      assert.equal(calls, 2, 'both Conv2D + MaxPooling2D pairs fused');
      assertClose(fused, unfused, 'predict');
      const inNoGrad = await fusedCalls(() => noGrad(() => m.apply(x)));
      assert.equal(inNoGrad.calls, 2);
      assertClose(inNoGrad.value, unfused, 'noGrad apply');
    });
  });
}

test('training steps and pairs that cannot fuse run the layers one by one', async () => {
  const x = images(4, 11, 10, 1, 2);
  const y = new Tensor(
    Float32Array.from({ length: 12 }, (_, i) => (i % 3 === i % 4 ? 1 : 0)),
    [4, 3],
  );
  const m = convnet('relu');
  m.compile({ optimizer: 'sgd', loss: 'categorical_crossentropy' });
  const fit = await fusedCalls(() => m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 }));
  assert.equal(fit.calls, 0, 'no fusion while the tape records');
  // An activation the kernel does not fuse (sigmoid comes before the pooling): only the second pair.
  const s = convnet('sigmoid');
  const unfused = s.apply(x);
  const { value, calls } = await fusedCalls(() => s.predict(x, { verbose: 0 }));
  assert.equal(calls, 1);
  assertClose(value, unfused, 'sigmoid model');
});

test('a functional model fuses a pair only when the pooling is the one reader of the convolution output', async () => {
  setRandomSeed(8);
  const input = L.Input({ shape: [12, 9, 2] });
  const c1 = new L.Conv2D(16, 3, { activation: 'relu' }).apply(input);
  const p1 = new L.MaxPooling2D(2).apply(c1);
  const c2 = new L.Conv2D(16, 2, { activation: 'relu', padding: 'same' }).apply(p1);
  const p2 = new L.MaxPooling2D(2).apply(c2);
  const c3 = new L.Conv2D(8, 1).apply(p2);
  const p3 = new L.MaxPooling2D(1).apply(c3);
  const head = new L.Dense(2).apply(new L.Flatten().apply(p3));
  const x = images(3, 12, 9, 2, 3);
  // c2 is also an output, and c3 is read twice (by p3 and the model's outputs): only c1 + p1 fuses.
  const m = new Model({ inputs: input, outputs: [head, c2, c3] });
  const outputs = (): Tensor[] => ([] as Tensor[]).concat(m.apply(x));
  const unfused = outputs();
  const { value, calls } = await fusedCalls(() => noGrad(outputs));
  assert.equal(value.length, 3);
  assert.equal(calls, 1);
  value.forEach((t, i) => assertClose(t, unfused[i], `output ${i}`));
  // With the head alone, every pair fuses.
  const all = new Model({ inputs: input, outputs: head });
  const { value: v2, calls: c2calls } = await fusedCalls(() => all.predict(x, { verbose: 0 }));
  assert.equal(c2calls, 3);
  assertClose(v2, unfused[0], 'head');
});
