import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Tensor,
  tensor,
  zeros,
  setRandomSeed,
  randomNormal,
  ShapeError,
  gradients,
  valueAndGrads,
  noGrad,
} from '../../src/index.js';
import * as ops from '../../src/ops/index.js';
import { readFileSync } from 'node:fs';

describe('Tensor', () => {
  it('creation, shapes, dtypes and access', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    assert.deepEqual([...t.shape], [2, 3]);
    assert.equal(t.dtype, 'float32');
    assert.deepEqual(t.toArray(), [
      [1, 2, 3],
      [4, 5, 6],
    ]);
    assert.equal(tensor([7], [1], 'int32').dtype, 'int32');
    assert.equal(zeros([2], 'uint8').dtype, 'uint8');
    assert.throws(() => new Tensor(new Float32Array(5), [2, 3]), /shape \[2, 3\] needs 6 values, got 5/);
    assert.equal(tensor(3).item(), 3);
  });

  it('reshape (-1), astype, arithmetic with broadcasting and scalars', () => {
    const u = new Tensor(Uint8Array.from([0, 51, 255, 102]), [2, 2]);
    const f = u.reshape([4, 1]).astype('float32').div(255);
    assert.deepEqual([...f.shape], [4, 1]);
    assert.ok(Math.abs(f.data[1] - 0.2) < 1e-7 && f.data[2] === 1);
    assert.throws(() => u.reshape([3, -1]), ShapeError);
    const a = tensor([
      [1, 2],
      [3, 4],
    ]);
    assert.deepEqual([...a.add(tensor([10, 20])).data], [11, 22, 13, 24]);
    assert.deepEqual([...a.mul(2).sub(1).data], [1, 3, 5, 7]);
    assert.throws(() => a.add(tensor([1, 2, 3])), /shapes \[2, 2\] and \[3\] cannot be broadcast together/);
    const i = tensor([1, 2], [2], 'int32').add(tensor([3, 4], [2], 'int32'));
    assert.equal(i.dtype, 'int32');
    assert.deepEqual(
      tensor([
        [1, 9, 3],
        [7, 2, 8],
      ])
        .argMax(-1)
        .toArray(),
      [1, 2],
    );
    assert.deepEqual(
      [
        ...tensor([
          [1, 9, 3],
          [7, 2, 8],
        ]).argMax(0).data,
      ],
      [1, 0, 1],
    );
  });

  it('slicing and gathering along the first axis', () => {
    const t = tensor([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    assert.deepEqual(t.slice(1).toArray(), [
      [3, 4],
      [5, 6],
    ]);
    assert.deepEqual(t.slice(-1).toArray(), [[5, 6]]);
    assert.deepEqual(t.gather([2, 0]).toArray(), [
      [5, 6],
      [1, 2],
    ]);
    assert.throws(() => t.gather([3]), /index 3 is out of range \[0, 3\)/);
  });

  it('reductions', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    assert.equal(t.sum().item(), 21);
    assert.deepEqual([...t.mean(0).data], [2.5, 3.5, 4.5]);
    assert.deepEqual([...t.max(1, true).shape], [2, 1]);
  });

  it('seeded random numbers are reproducible', () => {
    setRandomSeed(11);
    const a = randomNormal([100]);
    setRandomSeed(11);
    const b = randomNormal([100]);
    assert.deepEqual(a.data, b.data);
    const mean = (a.data as Float32Array).reduce((s: number, v: number) => s + v, 0) / 100;
    assert.ok(Math.abs(mean) < 0.3);
  });
});

describe('autograd', () => {
  it('gradients with respect to inputs (for saliency and Grad-CAM)', () => {
    const x = tensor([1, 2, 3]);
    const { value, grads } = valueAndGrads(() => ops.sum(ops.square(x)), [x]);
    assert.equal(value.item(), 14);
    assert.deepEqual([...grads[0].data], [2, 4, 6]);
    assert.equal(x.requiresGrad, false, 'the watch ends with the call');
  });
  it('gradients with respect to an intermediate tensor', () => {
    const x = tensor([1, 2]);
    x.requiresGrad = true;
    const h = ops.mul(x, 3);
    const y = ops.sum(ops.square(h));
    const [gh, gx] = gradients(y, [h, x]);
    assert.deepEqual([...gh.data], [6, 12]);
    assert.deepEqual([...gx.data], [18, 36]);
  });
  it('noGrad records nothing; unrelated sources get zero gradients', () => {
    const x = tensor([1, 2]);
    x.requiresGrad = true;
    assert.equal(noGrad(() => ops.mul(x, 2)).gradNode, null);
    const z = tensor([5]);
    const [gz] = gradients(ops.sum(x), [z]);
    assert.deepEqual([...gz.data], [0]);
    assert.throws(() => gradients(ops.mul(x, 1), [x]), /expected a scalar/);
  });

  it('is a leaf module: tensor.ts imports no op at run time, and ops/ installs its methods', () => {
    const src = readFileSync(new URL('../../src/tensor/tensor.ts', import.meta.url), 'utf8');
    const runtimeImports = [...src.matchAll(/^import (?!type )[^;]*from '([^']+)'/gm)].map((m) => m[1]);
    assert.deepEqual(runtimeImports, ['../errors.js']);
    const t = tensor([
      [1, 2],
      [3, 4],
    ]);
    assert.equal(typeof Tensor.prototype.add, 'function');
    assert.deepEqual(t.add(1).mul(t).sum(1).toArray(), [8, 32]);
    assert.deepEqual(t.gather([1, 1]).reshape([4]).toArray(), [3, 4, 3, 4]);
  });
});
