// Batch normalisation in training mode as one taped op: the batch mean and biased variance over
// every axis but one, x̂ = (x − μ)/sqrt(σ² + ε), y = x̂·γ + β, and the closed-form backward
// dx = γ/σ·(dy − mean(dy) − x̂·mean(dy·x̂)), dγ = Σdy·x̂, dβ = Σdy. Forward and backward run on
// the backend's elementwise and reduction kernels (so the native backend serves them); taping
// one node instead of ten halves the backward's passes over the data.
// Inference-mode normalisation is a plain x·k + b and needs no op of its own.
import { noGrad, record } from '../autograd/tape.js';
import { ShapeError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { add, mul, rsqrt, square, sub } from './elementwise.js';
import { mean as meanOp, sum } from './reduce.js';
import { reshape } from './shape.js';
import { normalizeAxis } from './util.js';

export interface BatchNormResult {
  y: Tensor;
  /** Batch mean and biased variance per channel (plain arrays, not on the tape). */
  mean: Float32Array;
  variance: Float32Array;
}

/** Normalises x over every axis except `axis` with its own statistics; gamma/beta ([C]) optional. */
export function batchNormTrain(
  x: Tensor,
  gamma: Tensor | null,
  beta: Tensor | null,
  axis: number,
  epsilon: number,
): BatchNormResult {
  const a = normalizeAxis(axis, x.rank, 'batchNormTrain');
  const C = x.shape[a];
  for (const [name, v] of [
    ['gamma', gamma],
    ['beta', beta],
  ] as const) {
    if (v && (v.rank !== 1 || v.shape[0] !== C))
      throw new ShapeError(`batchNormTrain: ${name} must have shape [${C}], got [${v.shape.join(', ')}]`);
  }
  const axes = x.shape.map((_, i) => i).filter((i) => i !== a);
  const bshape = x.shape.map((d, i) => (i === a ? d : 1));
  const n = x.size / Math.max(C, 1);
  const f = noGrad(() => {
    const mu = meanOp(x, axes, true);
    const centered = sub(x, mu);
    const variance = meanOp(square(centered), axes, true);
    const invStd = rsqrt(add(variance, epsilon));
    const xhat = mul(centered, invStd);
    const g = gamma ? reshape(gamma, bshape) : null;
    let y = g ? mul(xhat, g) : xhat;
    if (beta) y = add(y, reshape(beta, bshape));
    return { mu, variance, invStd, xhat, g, y: y === xhat ? new Tensor(xhat.data.slice(), x.shape) : y };
  });
  const inputs = [x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
  record(f.y, 'batchNormTrain', inputs, (dy, needs) => {
    // Runs with recording off (inside gradients()).
    const sdy = sum(dy, axes, true);
    const sdyx = sum(mul(dy, f.xhat), axes, true);
    const grads: (Tensor | null)[] = [];
    if (needs[0]) {
      const k = f.g ? mul(f.g, f.invStd) : f.invStd;
      grads.push(mul(sub(sub(dy, mul(sdy, 1 / n)), mul(f.xhat, mul(sdyx, 1 / n))), k));
    } else grads.push(null);
    // needs[] follows the op's inputs: x, then gamma and beta when present.
    const betaIndex = gamma ? 2 : 1;
    if (gamma) grads.push(needs[1] ? reshape(sdyx, [C]) : null);
    if (beta) grads.push(needs[betaIndex] ? reshape(sdy, [C]) : null);
    return grads;
  });
  return { y: f.y, mean: f.mu.data as Float32Array, variance: f.variance.data as Float32Array };
}
