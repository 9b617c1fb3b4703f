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

test('the fused op convolves only the rows and columns some pooling window reads', () => {
  const conv = { strides: [1, 1], padding: 'valid', dilation: [1, 1] } as const;
  const info = ops.conv2dInfo([2, 13, 12, 3], [3, 3, 3, 4], [1, 1], 'valid', [1, 1]);
  const pool = (size: number, stride: number, padding: 'valid' | 'same') =>
    ops.pool2dInfo([2, info.outH, info.outW, 4], [size, size], [stride, stride], padding);
  // 2x2 at stride 2 over 11x10: rows 0-9 and columns 0-9; at stride 3, windows start at rows 0, 3, 6, 9
  // (all 11 rows) and at columns 0, 3, 6 (columns 0-7).
  const half = ops.pooledRegion(info, pool(2, 2, 'valid'));
  assert.deepEqual([half.info.outH, half.info.outW, half.pinfo.inH, half.pinfo.inW], [10, 10, 10, 10]);
  assert.deepEqual([half.pinfo.outH, half.pinfo.outW], [5, 5]);
  const sparse = ops.pooledRegion(info, pool(2, 3, 'valid'));
  assert.deepEqual([sparse.info.outH, sparse.info.outW], [11, 8]);
  // Windows that cover everything ('same' padding, or overlapping ones) leave the geometry as it is.
  for (const p of [pool(2, 2, 'same'), pool(3, 1, 'valid'), pool(1, 1, 'valid')]) {
    const r = ops.pooledRegion(info, p);
    assert.equal(r.info, info);
    assert.equal(r.pinfo, p);
  }
  for (const be of backendsToTest()) {
    withBackend(be, () => {
      for (const [size, stride] of [
        [2, 2],
        [2, 3],
      ]) {
        const x = images(2, 13, 12, 3, 11 + stride);
        const w = images(1, 3, 3, 12, 3).reshape([3, 3, 3, 4]);
        const b = images(1, 1, 1, 4, 5).reshape([4]);
        const p = { poolSize: [size, size], strides: [stride, stride], padding: 'valid' } as const;
        const mix = images(2, 5, 5, 4, 9);
        const loss = (f: () => Tensor) => () => {
          const y = f();
          return ops.sum(ops.mul(y, mix.slice([0, 0, 0, 0], y.shape)));
        };
        const fused = valueAndGrads(
          loss(() => ops.conv2dMaxPool(x, w, b, conv, 'relu', p)),
          [x, w, b],
        );
        const ref = valueAndGrads(
          loss(() => ops.maxPool2d(ops.conv2d(x, w, b, [1, 1], 'valid', 'relu'), p.poolSize, p.strides, 'valid')),
          [x, w, b],
        );
        const what = `${be} backend, ${size}x${size} pooling at stride ${stride}`;
        assertClose(fused.value, ref.value, `${what}: loss`);
        fused.grads.forEach((g, i) => assertClose(g, ref.grads[i], `${what}: gradient ${i}`));
        // The input gradient is zero beyond the region (its last column here), as it must be.
        assert.ok(ref.grads[0].data.at(-1) === 0 && fused.grads[0].data.at(-1) === 0);
      }
    });
  }
});
