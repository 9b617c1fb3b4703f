// Finite-difference gradient checking for ops and layers. The scalar checked is Σ_k Σ f(x)_k·r_k for
// fixed random r_k (one per output), so every output element contributes; central differences,
// summed in float64 from the float32 outputs, are compared with the tape's gradients.
import assert from 'node:assert/strict';
import { gradients } from '../../src/autograd/tape.js';
import * as ops from '../../src/ops/index.js';
import { RandomGenerator } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';

export function rand(shape: number[], seed = 1, lo = -1, hi = 1): Tensor {
  const rng = new RandomGenerator(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = rng.uniform(lo, hi);
  return new Tensor(d, shape);
}

/** Distinct values spaced 0.1 apart (random order), so a max is unique and stable under perturbation. */
export function distinct(shape: number[], seed: number): Tensor {
  const t = rand(shape, seed);
  const d = t.data as Float32Array;
  const order = [...d.keys()].sort((a, b) => d[a] - d[b]);
  order.forEach((idx, rank) => {
    d[idx] = rank * 0.1;
  });
  return t;
}

export interface GradCheckOptions {
  eps?: number;
  /** Max relative error allowed: |a−n| ≤ tol·max(1, |a|, |n|). */
  tol?: number;
  /** Check at most this many elements per input (chosen with a fixed stride); Infinity checks all. */
  maxChecks?: number;
  seed?: number;
}

/**
 * Checks the analytic gradients of f with respect to each of `inputs` against central differences
 * and returns the largest relative error found. `inputs` are leaves (data, or a layer's own
 * Variables) and are perturbed in place, so f may take them as arguments or read them from its
 * closure. f may return several outputs.
 */
export function gradCheck(
  f: (...xs: Tensor[]) => Tensor | Tensor[],
  inputs: Tensor[],
  opts: GradCheckOptions = {},
): number {
  const eps = opts.eps ?? 1e-2;
  const tol = opts.tol ?? 2e-2;
  const maxChecks = opts.maxChecks ?? 40;
  const seed = opts.seed ?? 99;
  const outputs = (): Tensor[] => ([] as Tensor[]).concat(f(...inputs));
  const prevReq = inputs.map((x) => x.requiresGrad);
  for (const x of inputs) x.requiresGrad = true;
  let worst = 0;
  try {
    const ys = outputs();
    const rs = ys.map((y, k) => rand([...y.shape], seed + k));
    // The objective as ops, so that the tape differentiates it.
    const objective = ys.map((y, k) => ops.sum(ops.mul(y, rs[k]))).reduce((a, b) => ops.add(a, b));
    const grads = gradients(objective, inputs);
    const scalar = (): number => {
      let s = 0;
      outputs().forEach((y, k) => {
        for (let i = 0; i < y.size; i++) s += y.data[i] * rs[k].data[i];
      });
      return s;
    };
    inputs.forEach((x, k) => {
      const g = grads[k];
      assert.deepEqual([...g.shape], [...x.shape], `gradient ${k} has the input's shape`);
      const n = x.size;
      const stride = Number.isFinite(maxChecks) ? Math.max(1, Math.floor(n / maxChecks)) : 1;
      const data = x.data as Float32Array;
      for (let i = 0; i < n; i += stride) {
        const orig = data[i];
        data[i] = orig + eps;
        const up = scalar();
        data[i] = orig - eps;
        const down = scalar();
        data[i] = orig;
        const numeric = (up - down) / (2 * eps);
        const analytic = g.data[i];
        const err = Math.abs(analytic - numeric) / Math.max(1, Math.abs(analytic), Math.abs(numeric));
        worst = Math.max(worst, err);
        assert.ok(
          err <= tol,
          `input ${k}[${i}]: analytic ${analytic} vs numeric ${numeric} (rel err ${err.toExponential(2)})`,
        );
      }
    });
  } finally {
    inputs.forEach((x, i) => {
      x.requiresGrad = prevReq[i];
    });
  }
  return worst;
}

/** Element-wise |actual − expected| ≤ tol·max(1, |expected|), naming the first element that is not. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5, msg = ''): void {
  assert.equal(actual.length, expected.length, `${msg} length`);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])),
      `${msg}[${i}]: got ${actual[i]}, expected ${expected[i]}`,
    );
  }
}

/** Runs fn once per available backend (js always; native when the addon loaded). */
export { backendsToTest } from './backends.js';
