// Every differentiable op against finite differences, on each backend, with odd sizes.
import { describe, it } from 'node:test';
import * as ops from '../../src/ops/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { backendsToTest, distinct, gradCheck, rand } from '../helpers/gradcheck.js';
import { withBackend } from '../helpers/backends.js';

// Values kept away from kinks (relu at 0, |x| at 0, max ties) so central differences are valid.
function awayFromZero(shape: number[], seed: number): Tensor {
  const t = rand(shape, seed);
  const d = t.data as Float32Array;
  for (let i = 0; i < d.length; i++) d[i] = d[i] >= 0 ? d[i] + 0.2 : d[i] - 0.2;
  return t;
}

for (const be of backendsToTest()) {
  describe(`op gradients (${be} backend)`, () => {
    const check = (f: (...xs: Tensor[]) => Tensor, xs: Tensor[], opts = {}) =>
      withBackend(be, () => gradCheck(f, xs, opts));

    it('add, sub, mul, div with broadcasting', () => {
      check((a, b) => ops.add(a, b), [rand([3, 5], 1), rand([5], 2)]);
      check((a, b) => ops.sub(a, b), [rand([2, 1, 3], 3), rand([4, 1], 4)]);
      check((a, b) => ops.mul(a, b), [rand([3, 5], 5), rand([3, 1], 6)]);
      check((a, b) => ops.div(a, b), [rand([7], 7), rand([7], 8, 0.5, 2)]);
      check((a) => ops.mul(ops.add(a, 2), 3), [rand([2, 3], 9)]);
    });

    it('pow, maximum, minimum', () => {
      check((a, b) => ops.pow(a, b), [rand([5], 10, 0.5, 2), rand([5], 11)]);
      check((a, b) => ops.maximum(a, b), [rand([6], 12), ops.add(rand([6], 12), 0.3)]);
      check((a, b) => ops.minimum(a, b), [rand([2, 3], 14), ops.add(rand([2, 3], 14), 0.3)]);
    });

    it('unary ops', () => {
      for (const f of [ops.neg, ops.exp, ops.square, ops.sigmoid, ops.tanh, ops.softplus])
        check((a) => f(a), [rand([3, 7], 20)]);
      for (const f of [ops.relu, ops.abs]) check((a) => f(a), [awayFromZero([13], 21)]);
      for (const f of [ops.log, ops.sqrt, ops.rsqrt, ops.reciprocal]) check((a) => f(a), [rand([11], 22, 0.5, 2)]);
    });

    it('sum, mean, max, min over axes', () => {
      const x = rand([3, 4, 5], 30);
      check((a) => ops.sum(a), [x]);
      check((a) => ops.sum(a, 1), [x]);
      check((a) => ops.sum(a, [0, 2], true), [x]);
      check((a) => ops.mean(a, -1), [x]);
      check((a) => ops.mean(a, [0, 1]), [x]);
      check((a) => ops.max(a, 2), [distinct([3, 4, 5], 31)]);
      check((a) => ops.min(a, [0, 2]), [distinct([3, 4, 5], 32)]);
    });

    it('reshape, transpose, slice, gather, concat, pad, cast', () => {
      check((a) => ops.reshape(a, [6, -1]), [rand([2, 3, 4], 40)]);
      check((a) => ops.transpose(a, [2, 0, 1]), [rand([2, 3, 5], 41)]);
      check((a) => ops.sliceRows(a, 1, 4), [rand([5, 3], 42)]);
      check((a) => ops.gatherRows(a, [3, 0, 3, 1]), [rand([4, 2], 43)]);
      check((a, b) => ops.concat([a, b], 1), [rand([2, 3], 44), rand([2, 2], 45)]);
      check((a) => ops.pad2d(a, 1, 2, 0, 1), [rand([2, 3, 3, 2], 46)]);
      check((a) => ops.cast(a, 'float32'), [rand([3], 47)]);
    });

    it('gather with repeated rows, concat of three along a middle axis, mean', () => {
      check((a) => ops.gatherRows(a, [2, 2, 0, 4, 2]), [rand([5, 3, 2], 48)]);
      check((a, b, c) => ops.concat([a, b, c], 1), [rand([2, 1, 3], 49), rand([2, 4, 3], 58), rand([2, 2, 3], 59)]);
      check((a) => ops.mean(a, [0, 2], true), [rand([3, 2, 5], 39)]);
      // More inputs than one kernel call takes: joined in groups, gradients still reach each.
      const many = Array.from({ length: 70 }, (_, i) => rand([1, 2], 200 + i));
      check((...xs) => ops.concat(xs, 0), many, { maxChecks: 2 });
    });

    it('image ops: crop2d, flip2d, resize2d with every interpolation', () => {
      check((a) => ops.crop2d(a, 1, 2, 3, 2), [rand([2, 5, 6, 3], 120)]);
      check((a) => ops.flip2d(a, [true, false, true], [false, true, true]), [rand([3, 4, 5, 2], 121)]);
      for (const method of ['bilinear', 'nearest', 'bicubic', 'area'] as const) {
        check((a) => ops.resize2d(a, 7, 3, method), [rand([2, 4, 5, 2], 122)]);
        check((a) => ops.resize2d(a, 2, 9, method), [rand([1, 6, 4, 3], 123)]);
      }
    });

    it('matmul with transposes and the fused dense op', () => {
      for (const [ta, tb] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ] as const) {
        const a = rand(ta ? [5, 3] : [3, 5], 50);
        const b = rand(tb ? [7, 5] : [5, 7], 51);
        check((x, y) => ops.matmul(x, y, ta, tb), [a, b]);
      }
      check((x, w, b) => ops.dense(x, w, b, 'linear'), [rand([4, 6], 52), rand([6, 3], 53), rand([3], 54)]);
      check((x, w, b) => ops.dense(x, w, b, 'relu'), [rand([5, 7], 55), rand([7, 9], 56), rand([9], 57)], {
        eps: 1e-3,
      });
    });

    it('conv2d: valid and same padding, strides, dilation, relu, odd sizes', () => {
      const cases: [number[], number[], [number, number], 'valid' | 'same', [number, number]][] = [
        [[2, 7, 6, 3], [3, 3, 3, 4], [1, 1], 'valid', [1, 1]],
        [[1, 7, 7, 2], [3, 3, 2, 5], [2, 2], 'same', [1, 1]],
        [[2, 6, 5, 1], [2, 3, 1, 3], [1, 2], 'same', [1, 1]],
        [[1, 9, 8, 2], [3, 3, 2, 2], [1, 1], 'valid', [2, 2]],
        [[1, 5, 5, 3], [5, 5, 3, 2], [3, 3], 'same', [1, 1]],
      ];
      cases.forEach(([xs, ws, st, pad, dil], i) => {
        check(
          (x, w, b) => ops.conv2d(x, w, b, st, pad, 'linear', dil),
          [rand(xs, 60 + i), rand(ws, 70 + i), rand([ws[3]], 80 + i)],
        );
      });
      check(
        (x, w, b) => ops.conv2d(x, w, b, [1, 1], 'same', 'relu'),
        [rand([1, 5, 4, 2], 90), rand([3, 3, 2, 3], 91), rand([3], 92)],
        { eps: 1e-3 },
      );
    });

    it('max and average pooling: valid and same, strides', () => {
      check((x) => ops.maxPool2d(x, [2, 2], [2, 2], 'valid'), [distinct([2, 5, 5, 3], 100)]);
      check((x) => ops.maxPool2d(x, [3, 3], [2, 2], 'same'), [distinct([1, 7, 6, 2], 101)]);
      check((x) => ops.avgPool2d(x, [2, 2], [2, 2], 'valid'), [rand([2, 5, 4, 3], 102)]);
      check((x) => ops.avgPool2d(x, [3, 3], [2, 2], 'same'), [rand([1, 7, 6, 2], 103)]);
      check((x) => ops.avgPool2d(x, [2, 3], [1, 1], 'same'), [rand([1, 4, 5, 1], 104)]);
    });
    it('conv2dMaxPool (layer fusion): the gradients of conv2d then maxPool2d, both kernel paths', () => {
      const conv = { strides: [1, 1], padding: 'valid', dilation: [1, 1] } as const;
      const half = { poolSize: [2, 2], strides: [2, 2], padding: 'valid' } as const;
      // direct path (3x3x1, 16 filters), with bias and ReLU
      check(
        (x, w, b) => ops.conv2dMaxPool(x, w, b, conv, 'relu', half),
        [distinct([2, 7, 6, 1], 102), awayFromZero([3, 3, 1, 16], 103), rand([16], 104)],
        { eps: 3e-3 },
      );
      // chunked path ('same' convolution, 3 filters, overlapping 'same' windows), linear
      check(
        (x, w) =>
          ops.conv2dMaxPool(x, w, null, { ...conv, padding: 'same' }, 'linear', {
            poolSize: [3, 3],
            strides: [2, 2],
            padding: 'same',
          }),
        [distinct([1, 6, 5, 2], 105), rand([3, 3, 2, 3], 106)],
      );
      // a constant input (a first layer): the filter gradient straight from the pooled gradient, on the
      // direct path (3x3x2 taps, 8 filters) and composed (3x3x4 taps, 3x3 windows)
      const x1 = distinct([2, 7, 6, 2], 107);
      check(
        (w, b) => ops.conv2dMaxPool(x1, w, b, conv, 'relu', half),
        [awayFromZero([3, 3, 2, 8], 108), rand([8], 109)],
        { eps: 3e-3 },
      );
      const x2 = distinct([1, 7, 7, 4], 110);
      check(
        (w) => ops.conv2dMaxPool(x2, w, null, conv, 'linear', { poolSize: [3, 3], strides: [1, 1], padding: 'valid' }),
        [rand([3, 3, 4, 5], 111)],
      );
    });

    it('softmax, logSoftmax, softmax cross-entropy', () => {
      check((x) => ops.softmax(x), [rand([3, 5], 110)]);
      check((x) => ops.logSoftmax(x), [rand([4, 3], 111)]);
      const labels = new Tensor(Float32Array.from([0, 1, 0, 0, 0.3, 0.7, 1, 0, 0]), [3, 3]);
      check((x) => ops.softmaxCrossEntropy(x, labels), [rand([3, 3], 112)]);
      check((l) => ops.softmaxCrossEntropy(rand([2, 4], 113), l), [rand([2, 4], 114, 0, 1)]);
    });
  });
}
