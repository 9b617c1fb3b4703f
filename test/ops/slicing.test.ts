// expandDims, squeeze, per-axis slice and NumPy-style index: values against plain loops, the
// errors that name the axis and the sizes, and gradients (zeros outside the slice).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor/tensor.js';
import * as ops from '../../src/ops/index.js';
import { ShapeError, ValueError } from '../../src/errors.js';
import { gradients } from '../../src/autograd/tape.js';
import { gradCheck, rand } from '../helpers/gradcheck.js';

const at = (t: Tensor, idx: number[]): number => {
  let o = 0;
  idx.forEach((i, a) => {
    o = o * t.shape[a] + i;
  });
  return t.data[o];
};

test('expandDims and squeeze move axes of size 1', () => {
  const x = rand([3, 4], 1);
  assert.deepEqual(x.expandDims().shape, [1, 3, 4]);
  assert.deepEqual(x.expandDims(1).shape, [3, 1, 4]);
  assert.deepEqual(x.expandDims(-1).shape, [3, 4, 1]);
  assert.deepEqual(Array.from(x.expandDims(0).data), Array.from(x.data));
  assert.throws(
    () => x.expandDims(3),
    (e: Error) => e instanceof ValueError && /axis 3 .*\[3, 4\].*\[-3, 2\]/.test(e.message),
  );
  const y = rand([1, 5, 1, 2], 2);
  assert.deepEqual(y.squeeze().shape, [5, 2]);
  assert.deepEqual(y.squeeze(0).shape, [5, 1, 2]);
  assert.deepEqual(y.squeeze([0, -2]).shape, [5, 2]);
  assert.throws(
    () => y.squeeze(1),
    (e: Error) => e instanceof ShapeError && /axis 1 .* has size 5, expected 1/.test(e.message),
  );
  assert.throws(() => y.squeeze(4), /axis 4 is out of range/);
});

test('slice takes a block per axis and keeps the axes; index drops the numbered ones', () => {
  const x = rand([2, 5, 6, 8], 3);
  const s = x.slice([1, 1, 2, 4], [1, -1, 3, 2]);
  assert.deepEqual(s.shape, [1, 4, 3, 2]);
  for (let i = 0; i < 4; i++)
    for (let j = 0; j < 3; j++)
      for (let k = 0; k < 2; k++) {
        assert.equal(at(s, [0, i, j, k]), at(x, [1, 1 + i, 2 + j, 4 + k]));
      }
  assert.deepEqual(x.slice([0, 0, 0, 7]).shape, [2, 5, 6, 1]);
  // activation[0, :, :, 4]
  const ch = x.index(0, null, null, 4);
  assert.deepEqual(ch.shape, [5, 6]);
  for (let i = 0; i < 5; i++) for (let j = 0; j < 6; j++) assert.equal(at(ch, [i, j]), at(x, [0, i, j, 4]));
  assert.deepEqual(x.index(-1).shape, [5, 6, 8]);
  assert.equal(x.index(1, 2, 3, -1).item(), at(x, [1, 2, 3, 7]));
  // the row form is unchanged
  assert.deepEqual(x.slice(1).shape, [1, 5, 6, 8]);
  assert.deepEqual(x.slice(0, 1).shape, [1, 5, 6, 8]);
  const ints = new Tensor(
    Int32Array.from({ length: 12 }, (_, i) => i),
    [3, 4],
  );
  assert.deepEqual(Array.from(ints.index(null, 2).data), [2, 6, 10]);
  assert.equal(ints.index(null, 2).dtype, 'int32');
});

test('slice and index name the axis and the sizes when they do not fit', () => {
  const x = rand([2, 5, 6, 8], 4);
  assert.throws(() => x.slice([0, 0], [1, 1]), /one entry per axis of the tensor of shape \[2, 5, 6, 8\] \(4\)/);
  assert.throws(
    () => x.slice([0, 4, 0, 0], [1, 2, 1, 1]),
    (e: Error) =>
      e instanceof ValueError && /axis 1 of shape \[2, 5, 6, 8\] has 5 entries; begin 4 with size 2/.test(e.message),
  );
  assert.throws(() => x.index(0, null, null, 8), /index 8 is out of range for axis 3 .*\[-8, 7\]/);
  assert.throws(() => x.index(0, 0, 0, 0, 0), /5 indices for a tensor of shape \[2, 5, 6, 8\]/);
});

test('gradients of slice, index, expandDims and squeeze', () => {
  gradCheck((x) => ops.slice(x, [0, 1, 1, 2], [2, 3, 4, 3]), [rand([2, 5, 6, 8], 5)], { maxChecks: 60 });
  gradCheck((x) => ops.index(x, 1, null, 2), [rand([2, 3, 4, 5], 6)], { maxChecks: 60 });
  gradCheck((x) => ops.squeeze(ops.expandDims(x, 1), 1).mul(x), [rand([3, 4], 7)]);
  const x = rand([2, 3, 4], 8);
  x.requiresGrad = true;
  const [g] = gradients(x.index(1, null, 3).sum(), [x]);
  for (let i = 0; i < 2; i++)
    for (let j = 0; j < 3; j++)
      for (let k = 0; k < 4; k++) {
        assert.equal(at(g, [i, j, k]), i === 1 && k === 3 ? 1 : 0, `g[${i}, ${j}, ${k}]`);
      }
});
