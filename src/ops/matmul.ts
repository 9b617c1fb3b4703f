// Matrix products: matmul (2D, optional transposes) and the fused dense op y = act(x·W + b).
import { getBackend } from '../backend/index.js';
import type { Activation } from '../backend/types.js';
import { record } from '../autograd/tape.js';
import { ShapeError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { floatData } from './util.js';

export function matmul(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  if (a.rank !== 2 || b.rank !== 2) {
    throw new ShapeError(`matmul: expected 2D tensors, got shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`);
  }
  const [m, ka] = transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [kb, n] = transB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  if (ka !== kb) {
    throw new ShapeError(
      `matmul: inner dimensions differ: [${a.shape.join(', ')}]${transA ? 'ᵀ' : ''} · [${b.shape.join(', ')}]${transB ? 'ᵀ' : ''}`,
    );
  }
  const be = getBackend();
  const y = new Tensor(be.matmul(floatData(a), floatData(b), m, n, ka, transA, transB, null, 'linear'), [m, n]);
  return record(y, 'matmul', [a, b], (dy, needs) => {
    const g = dy.data as Float32Array;
    // y = A·B: dA = dy·Bᵀ, dB = Aᵀ·dy (with the transposes folded in).
    const da = needs[0]
      ? transA
        ? new Tensor(be.matmul(floatData(b), g, ka, m, n, transB, true, null, 'linear'), a.shape)
        : new Tensor(be.matmul(g, floatData(b), m, ka, n, false, !transB, null, 'linear'), a.shape)
      : null;
    const db = needs[1]
      ? transB
        ? new Tensor(be.matmul(g, floatData(a), n, ka, m, true, transA, null, 'linear'), b.shape)
        : new Tensor(be.matmul(floatData(a), g, ka, n, m, !transA, false, null, 'linear'), b.shape)
      : null;
    return [da, db];
  });
}

/** y[m,n] = act(x[m,k]·w[k,n] + bias[n]), one fused kernel; gradients for x, w and bias. */
export function dense(x: Tensor, w: Tensor, bias: Tensor | null, act: Activation): Tensor {
  const [m, k] = x.shape;
  const n = w.shape[1];
  if (x.rank !== 2 || w.rank !== 2 || w.shape[0] !== k) {
    throw new ShapeError(
      `dense: expected x [m, k] and kernel [k, n], got [${x.shape.join(', ')}] and [${w.shape.join(', ')}]`,
    );
  }
  const be = getBackend();
  const y = new Tensor(
    be.matmul(floatData(x), floatData(w), m, n, k, false, false, bias ? floatData(bias) : null, act),
    [m, n],
  );
  const inputs = bias ? [x, w, bias] : [x, w];
  return record(y, `dense_${act}`, inputs, (dy, needs) => {
    const dz =
      act === 'relu' ? be.reluBackward(dy.data as Float32Array, y.data as Float32Array) : (dy.data as Float32Array);
    const grads = [
      needs[0] ? new Tensor(be.matmul(dz, floatData(w), m, k, n, false, true, null, 'linear'), x.shape) : null,
      needs[1] ? new Tensor(be.matmul(floatData(x), dz, k, n, m, true, false, null, 'linear'), w.shape) : null,
      bias && needs[2] ? new Tensor(be.reduce('sum', dz, 1, m, n), bias.shape) : null,
    ];
    if (dz !== dy.data) be.release?.(dz);
    return grads;
  });
}
