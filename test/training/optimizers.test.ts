// Optimizer steps against Keras's update formulas computed by hand.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { optimizers, Tensor, Variable, ValueError } from '../../src/index.js';
import { backendsToTest, withBackend } from '../helpers/backends.js';

const w0 = [0.5, -1.5, 2.0];
const g1 = [0.1, -0.2, 0.3];
const g2 = [-0.4, 0.05, 0.3];
const close = (a: ArrayLike<number>, b: number[], tol = 1e-6) =>
  b.forEach((v, i) => assert.ok(Math.abs(a[i] - v) <= tol * Math.max(1, Math.abs(v)), `[${i}] ${a[i]} vs ${v}`));

function run(opt: optimizers.Optimizer): Float32Array {
  const w = new Variable(new Tensor(Float32Array.from(w0), [3]), 'w');
  opt.applyGradients([new Tensor(Float32Array.from(g1), [3])], [w]);
  opt.applyGradients([new Tensor(Float32Array.from(g2), [3])], [w]);
  return w.data as Float32Array;
}

for (const be of backendsToTest()) {
  describe(`optimizers (${be} backend)`, () => {
    it('RMSprop defaults: lr 0.001, rho 0.9, eps 1e-7 inside the root', () =>
      withBackend(be, () => {
        const o = new optimizers.RMSprop();
        assert.deepEqual([o.learningRate, o.rho, o.momentum, o.epsilon], [0.001, 0.9, 0, 1e-7]);
        const w = [...w0],
          v = [0, 0, 0];
        for (const g of [g1, g2])
          g.forEach((gi, i) => {
            v[i] = 0.9 * v[i] + 0.1 * gi * gi;
            w[i] -= (0.001 * gi) / Math.sqrt(v[i] + 1e-7);
          });
        close(run(o), w);
        assert.equal(o.iterations, 2);
      }));

    it('RMSprop with momentum', () =>
      withBackend(be, () => {
        const w = [...w0],
          v = [0, 0, 0],
          m = [0, 0, 0];
        for (const g of [g1, g2])
          g.forEach((gi, i) => {
            v[i] = 0.9 * v[i] + 0.1 * gi * gi;
            m[i] = 0.5 * m[i] + (0.01 * gi) / Math.sqrt(v[i] + 1e-7);
            w[i] -= m[i];
          });
        close(run(new optimizers.RMSprop({ learningRate: 0.01, momentum: 0.5 })), w);
      }));

    it('Adam with bias correction folded into alpha', () =>
      withBackend(be, () => {
        const w = [...w0],
          m = [0, 0, 0],
          v = [0, 0, 0];
        [g1, g2].forEach((g, k) => {
          const t = k + 1;
          const alpha = (0.01 * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
          g.forEach((gi, i) => {
            m[i] += (gi - m[i]) * 0.1;
            v[i] += (gi * gi - v[i]) * 0.001;
            w[i] -= (alpha * m[i]) / (Math.sqrt(v[i]) + 1e-7);
          });
        });
        close(run(new optimizers.Adam({ learningRate: 0.01 })), w);
      }));

    it('SGD plain, momentum and nesterov', () =>
      withBackend(be, () => {
        const plain = [...w0];
        for (const g of [g1, g2])
          g.forEach((gi, i) => {
            plain[i] -= 0.01 * gi;
          });
        close(run(new optimizers.SGD()), plain);
        for (const nesterov of [false, true]) {
          const w = [...w0],
            m = [0, 0, 0];
          for (const g of [g1, g2])
            g.forEach((gi, i) => {
              m[i] = 0.9 * m[i] - 0.1 * gi;
              w[i] += nesterov ? 0.9 * m[i] - 0.1 * gi : m[i];
            });
          close(run(new optimizers.SGD({ learningRate: 0.1, momentum: 0.9, nesterov })), w);
        }
      }));
  });
}

describe('optimizer resolution and variables', () => {
  it('resolves names, rejects unknown ones with a suggestion, and rejects lr=', () => {
    assert.ok(optimizers.getOptimizer('rmsprop') instanceof optimizers.RMSprop);
    assert.ok(optimizers.getOptimizer('Adam') instanceof optimizers.Adam);
    assert.throws(
      () => optimizers.getOptimizer('rmsprob'),
      (e: Error) => e instanceof ValueError && /unknown optimizer 'rmsprob'.*did you mean 'rmsprop'/.test(e.message),
    );
    assert.throws(() => new optimizers.SGD({ lr: 0.1 } as never), /'lr' is not recognized; use 'learningRate'/);
  });

  it("lists Keras's variables: iteration, learning_rate, then slots by kind", () => {
    const o = new optimizers.Adam();
    run(o);
    const vars = o.variables;
    assert.deepEqual(
      vars.map((v) => v.name),
      ['iteration', 'learning_rate', 'w_momentum', 'w_velocity'],
    );
    assert.equal(vars[0].data[0], 2);
    assert.ok(Math.abs(vars[1].data[0] - 0.001) < 1e-9);
  });
});
