// Fusion in a Sequential and a functional model: Conv2D (ReLU or linear) followed by MaxPooling2D
// runs as one op (ops.conv2dMaxPool), with the same outputs and gradients as the two layers: one
// kernel when no gradient is recorded, the convolution's output kept for the backward pass when it
// is. Never for pairs it cannot fuse, or when the convolution's output is needed elsewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as L from '../../src/layers/index.js';
import { Sequential } from '../../src/models/sequential.js';
import { Model } from '../../src/models/model.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { setRandomSeed } from '../../src/tensor/random.js';
import { getBackend } from '../../src/backend/index.js';
import { noGrad, valueAndGrads } from '../../src/autograd/index.js';
import * as ops from '../../src/ops/index.js';
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

/** The layers of m applied one by one (no pair is ever fused). */
function oneByOne(m: Sequential, x: Tensor): Tensor {
  let h = x;
  for (const l of m.layers) h = l.apply(h);
  return h;
}

/** The op names recorded on the tape behind t. */
function tapeOps(t: Tensor): string[] {
  const names: string[] = [];
  const seen = new Set<Tensor>();
  const stack = [t];
  while (stack.length) {
    const u = stack.pop()!;
    if (seen.has(u) || !u.gradNode) continue;
    seen.add(u);
    names.push(u.gradNode.op);
    stack.push(...u.gradNode.inputs);
  }
  return names;
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
      const unfused = oneByOne(m, x);
      const { value: fused, calls } = await fusedCalls(() => m.predict(x, { batchSize: 5, verbose: 0 }));
      assert.equal(calls, 2, 'both Conv2D + MaxPooling2D pairs fused');
      assertClose(fused, unfused, 'predict');
      const inNoGrad = await fusedCalls(() => noGrad(() => m.apply(x)));
      assert.equal(inNoGrad.calls, 2);
      assertClose(inNoGrad.value, unfused, 'noGrad apply');
    });
  });
}

for (const be of backendsToTest()) {
  test(`training fuses too: the tape holds the fused op, with the gradients of the layers one by one (${be} backend)`, async () => {
    await withBackend(be, async () => {
      for (const activation of ['relu', 'linear']) {
        const m = convnet(activation);
        const x = images(4, 11, 10, 1, 2);
        m.build([null, 11, 10, 1]);
        const weights = m.trainableWeights;
        // A loss whose gradient reaches every pooled value with a different weight.
        const mix = new Tensor(
          Float32Array.from({ length: 12 }, (_, i) => Math.sin(i + 1)),
          [4, 3],
        );
        const loss = (f: (x: Tensor) => Tensor) => () => ops.sum(ops.mul(f(x), mix));
        const fused = valueAndGrads(
          loss((v) => m.apply(v)),
          weights,
        );
        const ref = valueAndGrads(
          loss((v) => oneByOne(m, v)),
          weights,
        );
        assertClose(fused.value, ref.value, `${activation} loss`);
        fused.grads.forEach((g, i) => assertClose(g, ref.grads[i], `${activation} gradient of ${weights[i].name}`));
        const recorded = tapeOps(m.apply(x));
        assert.equal(
          recorded.filter((o) => o === `conv2d_${activation}_max_pool2d`).length,
          activation === 'relu' ? 2 : 1,
        );
        assert.equal(recorded.filter((o) => o.endsWith('_max_pool2d')).length, 2, recorded.join(', '));
        assert.ok(!recorded.includes('maxPool2d'), 'no pooling on its own');
      }
    });
  });
}

test('fit trains the fused pairs, and pairs that cannot fuse run the layers one by one', async () => {
  const x = images(4, 11, 10, 1, 2);
  const y = new Tensor(
    Float32Array.from({ length: 12 }, (_, i) => (i % 3 === i % 4 ? 1 : 0)),
    [4, 3],
  );
  const m = convnet('relu');
  m.compile({ optimizer: 'sgd', loss: 'categorical_crossentropy' });
  const h = await m.fit(x, y, { epochs: 5, batchSize: 4, verbose: 0 });
  const losses = h.history.loss;
  assert.ok(losses[4] < losses[0], `loss falls: ${losses.join(', ')}`);
  // An activation the kernel does not fuse (sigmoid comes before the pooling): only the second pair.
  const s = convnet('sigmoid');
  const unfused = oneByOne(s, x);
  const { value, calls } = await fusedCalls(() => s.predict(x, { verbose: 0 }));
  assert.equal(calls, 1);
  assertClose(value, unfused, 'sigmoid model');
  assert.deepEqual(
    tapeOps(s.apply(x))
      .filter((o) => o.endsWith('max_pool2d') || o === 'maxPool2d')
      .sort(),
    ['conv2d_relu_max_pool2d', 'maxPool2d'],
  );
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
