// Finite-difference gradient checks for layers and ops (issue 4 helper's own copy; the lead's
// test/helpers/gradcheck.ts may supersede it). Loss = Σ y·r with a fixed random r, evaluated in
// float64 from the float32 outputs; central differences; compared with the tape's gradients.
import assert from 'node:assert/strict';
import { gradients } from '../../src/autograd/tape.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { RandomGenerator } from '../../src/tensor/random.js';

export function randTensor(shape: number[], seed = 1, lo = -1, hi = 1): Tensor {
  const rng = new RandomGenerator(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = rng.uniform(lo, hi);
  return new Tensor(d, shape);
}

/**
 * Checks d(Σ f(...)·r)/d(sources) against central differences. `f` must read the sources' current
 * data (they are perturbed in place). Returns the largest relative error found.
 */
export function gradCheck(f: () => Tensor | Tensor[], sources: Tensor[], opts: { eps?: number; tol?: number; seed?: number } = {}): number {
  const eps = opts.eps ?? 1e-2;
  const tol = opts.tol ?? 2e-2;
  const prev = sources.map((s) => s.requiresGrad);
  for (const s of sources) s.requiresGrad = true;
  const outs0 = ([] as Tensor[]).concat(f());
  const rs = outs0.map((o, k) => randTensor([...o.shape], 1000 + k + (opts.seed ?? 0)));
  const loss = (outs: Tensor[]): number => {
    let s = 0;
    outs.forEach((o, k) => { for (let i = 0; i < o.size; i++) s += o.data[i] * rs[k].data[i]; });
    return s;
  };
  // Build the scalar with ops so the tape differentiates it.
  let total: Tensor | null = null;
  for (let k = 0; k < outs0.length; k++) {
    const t = outs0[k].mul(rs[k]).sum();
    total = total ? total.add(t) : t;
  }
  const grads = gradients(total!, sources);
  let worst = 0;
  try {
    sources.forEach((src, si) => {
      const g = grads[si];
      assert.deepEqual([...g.shape], [...src.shape], `gradient ${si} shape`);
      for (let i = 0; i < src.size; i++) {
        const v = src.data[i];
        src.data[i] = v + eps;
        const lp = loss(([] as Tensor[]).concat(f()));
        src.data[i] = v - eps;
        const lm = loss(([] as Tensor[]).concat(f()));
        src.data[i] = v;
        const num = (lp - lm) / (2 * eps);
        const err = Math.abs(num - g.data[i]) / Math.max(1, Math.abs(num));
        worst = Math.max(worst, err);
        assert.ok(err <= tol, `source ${si}[${i}]: numeric ${num.toFixed(5)} vs tape ${g.data[i].toFixed(5)} (rel err ${err.toExponential(2)})`);
      }
    });
  } finally {
    sources.forEach((s, i) => { s.requiresGrad = prev[i]; });
  }
  return worst;
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5, msg = ''): void {
  assert.equal(actual.length, expected.length, `${msg} length`);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])),
      `${msg}[${i}]: got ${actual[i]}, expected ${expected[i]}`);
  }
}
