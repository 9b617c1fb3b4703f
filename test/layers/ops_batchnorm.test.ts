// The fused batch-norm op (src/ops/batchnorm.ts) against the composed ops and finite differences.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gradients } from '../../src/autograd/tape.js';
import * as ops from '../../src/ops/index.js';
import { batchNormTrain } from '../../src/ops/batchnorm.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { assertClose, gradCheck, rand } from '../helpers/gradcheck.js';

function composed(x: Tensor, gamma: Tensor, beta: Tensor, axis: number, eps: number): Tensor {
  const a = axis < 0 ? axis + x.rank : axis;
  const axes = x.shape.map((_, i) => i).filter((i) => i !== a);
  const bshape = x.shape.map((d, i) => (i === a ? d : 1));
  const mean = ops.mean(x, axes, true);
  const c = ops.sub(x, mean);
  const v = ops.mean(ops.square(c), axes, true);
  return ops.add(
    ops.mul(ops.mul(c, ops.rsqrt(ops.add(v, eps))), ops.reshape(gamma, bshape)),
    ops.reshape(beta, bshape),
  );
}

describe('batchNormTrain', () => {
  for (const [shape, axis] of [
    [[6, 4], -1],
    [[3, 4, 5, 2], -1],
    [[3, 4, 2, 5], 1],
    [[2, 3, 4], 2],
  ] as [number[], number][]) {
    it(`matches the composed ops in value and gradient for shape [${shape}] axis ${axis}`, () => {
      const a = axis < 0 ? axis + shape.length : axis;
      const C = shape[a];
      const x = rand(shape, 1, -3, 5),
        g = rand([C], 2, 0.5, 2),
        b = rand([C], 3);
      for (const t of [x, g, b]) t.requiresGrad = true;
      const fused = batchNormTrain(x, g, b, axis, 1e-3);
      const ref = composed(x, g, b, axis, 1e-3);
      assertClose(fused.y.data, ref.data, 1e-4);
      const r = rand(shape, 4);
      const gf = gradients(ops.sum(ops.mul(fused.y, r)), [x, g, b]);
      const gr = gradients(ops.sum(ops.mul(ref, r)), [x, g, b]);
      gf.forEach((t, i) => assertClose(t.data, gr[i].data, 2e-4, `grad ${i}`));
      // Statistics: per channel mean and biased variance.
      const n = x.size / C;
      const inner = shape.slice(a + 1).reduce((p, q) => p * q, 1);
      for (let c = 0; c < C; c++) {
        const vals: number[] = [];
        for (let i = 0; i < x.size; i++) if (Math.floor(i / inner) % C === c) vals.push(x.data[i]);
        assert.equal(vals.length, n);
        const m = vals.reduce((p, q) => p + q) / n;
        assertClose([fused.mean[c], fused.variance[c]], [m, vals.reduce((p, q) => p + (q - m) ** 2, 0) / n], 1e-5);
      }
    });
  }
  it('passes finite-difference checks, with and without gamma/beta', () => {
    const x = rand([5, 3], 5, -2, 2),
      g = rand([3], 6, 0.5, 1.5),
      b = rand([3], 7);
    gradCheck(() => batchNormTrain(x, g, b, -1, 1e-3).y, [x, g, b], { tol: 3e-2, maxChecks: Infinity });
    gradCheck(() => batchNormTrain(x, null, null, -1, 1e-3).y, [x], { tol: 3e-2, maxChecks: Infinity });
    assert.throws(() => batchNormTrain(x, rand([4], 1), null, -1, 1e-3), /gamma must have shape \[3\]/);
  });
});
