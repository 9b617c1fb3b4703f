// Finite-difference gradient checking. The scalar checked is Σ f(x)·r for a fixed random r, so
// every output element contributes; central differences in float64 around float32 values.
import assert from 'node:assert/strict';
import { gradients } from '../../src/autograd/tape.js';
import * as ops from '../../src/ops/index.js';
import { RandomGenerator } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';

export function rand(shape: number[], seed: number, lo = -1, hi = 1): Tensor {
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
  order.forEach((idx, rank) => { d[idx] = rank * 0.1; });
  return t;
}

export interface GradCheckOptions {
  eps?: number;
  /** Max relative error allowed: |a−n| ≤ tol·max(1, |a|, |n|). */
  tol?: number;
  /** Check at most this many elements per input (chosen with a fixed stride). */
  maxChecks?: number;
  seed?: number;
}

/**
 * Checks the analytic gradients of f with respect to each of `inputs` against central differences.
 * `inputs` are leaves (data, or a layer's own Variables, perturbed in place).
 */
export function gradCheck(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradCheckOptions = {}): void {
  const eps = opts.eps ?? 1e-2;
  const tol = opts.tol ?? 2e-2;
  const maxChecks = opts.maxChecks ?? 40;
  const prevReq = inputs.map((x) => x.requiresGrad);
  for (const x of inputs) x.requiresGrad = true;
  const y0 = f(...inputs);
  const r = rand([...y0.shape], opts.seed ?? 99);
  const objective = (...xs: Tensor[]) => ops.sum(ops.mul(f(...xs), r));
  const loss = objective(...inputs);
  const grads = gradients(loss, inputs);
  const scalar = (): number => {
    const v = objective(...inputs);
    return v.data[0];
  };
  inputs.forEach((x, k) => {
    const g = grads[k];
    assert.deepEqual([...g.shape], [...x.shape], `gradient ${k} has the input's shape`);
    const n = x.size;
    const stride = Math.max(1, Math.floor(n / maxChecks));
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
      assert.ok(err <= tol, `input ${k}[${i}]: analytic ${analytic} vs numeric ${numeric} (rel err ${err.toExponential(2)})`);
    }
  });
  inputs.forEach((x, i) => { x.requiresGrad = prevReq[i]; });
}

/** Runs fn once per available backend (js always; native when the addon loaded). */
export { backendsToTest } from './backends.js';
