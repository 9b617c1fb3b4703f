// Losses and metrics against hand-computed values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { losses, metrics, ops, Tensor, ShapeError } from '../../src/index.js';

const t = (v: number[], s: number[]) => new Tensor(Float32Array.from(v), s);

describe('losses', () => {
  const logits = t([1, 2, 0.5, -1, 0, 3], [2, 3]);
  const labels = t([0, 1, 0, 0, 0, 1], [2, 3]);
  const expected = [0, 1].map((r) => {
    const row = [...logits.data.slice(r * 3, r * 3 + 3)];
    const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
    const k = r === 0 ? 1 : 2;
    return lse - row[k];
  });

  it('categorical_crossentropy: fused with softmax and the generic clipped path agree', () => {
    const fused = losses.categoricalCrossentropy(labels, ops.softmax(logits));
    const probs = new Tensor((ops.softmax(logits).data as Float32Array).slice(), [2, 3]);
    const generic = losses.categoricalCrossentropy(labels, probs);
    for (let i = 0; i < 2; i++) {
      assert.ok(Math.abs(fused.data[i] - expected[i]) < 1e-5);
      assert.ok(Math.abs(generic.data[i] - expected[i]) < 1e-5);
    }
    assert.ok(Math.abs(losses.categoricalCrossentropy(labels, logits, true).data[1] - expected[1]) < 1e-5);
  });

  it('sparse_categorical_crossentropy takes integer labels, with or without a trailing 1', () => {
    const a = losses.sparseCategoricalCrossentropy(t([1, 2], [2]), ops.softmax(logits));
    const b = losses.sparseCategoricalCrossentropy(t([1, 2], [2, 1]), ops.softmax(logits));
    for (let i = 0; i < 2; i++)
      assert.ok(Math.abs(a.data[i] - expected[i]) < 1e-5 && Math.abs(b.data[i] - expected[i]) < 1e-5);
    assert.throws(
      () => losses.sparseCategoricalCrossentropy(t([3, 0], [2]), ops.softmax(logits)),
      /label 3 at index 0 is out of range \[0, 3\)/,
    );
  });

  it('binary_crossentropy: sigmoid logits path, clipped path, mean over the last axis', () => {
    const z = t([2, -1, 0.5, 4], [4, 1]);
    const y = t([1, 0, 0, 1], [4, 1]);
    const ref = [0, 1, 2, 3].map((i) => {
      const p = 1 / (1 + Math.exp(-z.data[i]));
      return -(y.data[i] * Math.log(p) + (1 - y.data[i]) * Math.log(1 - p));
    });
    const fused = losses.binaryCrossentropy(y, ops.sigmoid(z));
    const plain = losses.binaryCrossentropy(y, new Tensor((ops.sigmoid(z).data as Float32Array).slice(), [4, 1]));
    ref.forEach((r, i) => {
      assert.ok(Math.abs(fused.data[i] - r) < 1e-5);
      assert.ok(Math.abs(plain.data[i] - r) < 1e-4);
    });
    assert.deepEqual([...fused.shape], [4]);
    // Far into saturation, the logits path keeps a useful gradient.
    const big = losses.binaryCrossentropy(t([0], [1, 1]), ops.sigmoid(t([30], [1, 1])));
    assert.ok(Math.abs(big.data[0] - 30) < 1e-3);
  });

  it('mse and mae', () => {
    const y = t([1, 2, 3, 4], [2, 2]);
    const p = t([1.5, 2, 2, 6], [2, 2]);
    assert.deepEqual([...losses.meanSquaredError(y, p).data], [0.125, 2.5]);
    assert.deepEqual([...losses.meanAbsoluteError(y, p).data], [0.25, 1.5]);
    assert.throws(() => losses.meanSquaredError(y, t([1, 2], [2, 1])), ShapeError);
  });

  it('getLoss resolves names and suggests on typos', () => {
    assert.equal(losses.getLoss('categoricalCrossentropy').name, 'categorical_crossentropy');
    assert.throws(() => losses.getLoss('categorical_crosentropy'), /did you mean 'categorical_crossentropy'/);
  });
});

describe('accuracy resolution (Keras get_metric)', () => {
  const p3 = t([0.1, 0.7, 0.2, 0.5, 0.3, 0.2], [2, 3]);
  it('one-hot targets → categorical accuracy', () => {
    assert.deepEqual([...metrics.getMetric('accuracy').fn(t([0, 1, 0, 0, 0, 1], [2, 3]), p3)], [1, 0]);
  });
  it('integer targets → sparse categorical accuracy', () => {
    assert.deepEqual([...metrics.getMetric('acc').fn(t([1, 0], [2]), p3)], [1, 1]);
    assert.deepEqual([...metrics.getMetric('accuracy').fn(t([2, 0], [2, 1]), p3)], [0, 1]);
  });
  it('one output unit → binary accuracy with threshold 0.5 (strict)', () => {
    assert.deepEqual(
      [...metrics.getMetric('accuracy').fn(t([1, 0, 1], [3, 1]), t([0.9, 0.5, 0.5], [3, 1]))],
      [1, 1, 0],
    );
  });
  it('unknown metrics fail clearly', () => {
    assert.throws(() => metrics.getMetric('acuracy'), /unknown metric 'acuracy'.*did you mean 'accuracy'/);
  });
});
