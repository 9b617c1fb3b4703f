// Elementwise ops with NumPy broadcasting, and their gradients.
import { getBackend } from '../backend/index.js';
import type { BinaryOp, UnaryOp } from '../backend/types.js';
import { record } from '../autograd/tape.js';
import { Tensor, type TensorLike, arrayFor } from '../tensor/tensor.js';
import { broadcastShapes, floatData, toTensor, unbroadcast } from './util.js';

function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const outShape = broadcastShapes(a.shape, b.shape, op);
  const data = getBackend().binary(op, floatData(a), a.shape, floatData(b), b.shape, outShape);
  // Integer inputs keep an integer result for the ring ops, as NumPy/TF do; division gives floats.
  if (
    a.dtype !== 'float32' &&
    b.dtype !== 'float32' &&
    (op === 'add' || op === 'sub' || op === 'mul' || op === 'maximum' || op === 'minimum')
  ) {
    const out = arrayFor('int32', data.length);
    out.set(data);
    return new Tensor(out, outShape);
  }
  return new Tensor(data, outShape);
}

export function add(a: TensorLike, b: TensorLike): Tensor {
  const ta = toTensor(a, 'add'),
    tb = toTensor(b, 'add');
  const y = binaryRaw('add', ta, tb);
  return record(y, 'add', [ta, tb], (dy) => [unbroadcast(dy, ta.shape), unbroadcast(dy, tb.shape)]);
}

export function sub(a: TensorLike, b: TensorLike): Tensor {
  const ta = toTensor(a, 'sub'),
    tb = toTensor(b, 'sub');
  const y = binaryRaw('sub', ta, tb);
  return record(y, 'sub', [ta, tb], (dy, needs) => [
    needs[0] ? unbroadcast(dy, ta.shape) : null,
    needs[1] ? unbroadcast(neg(dy), tb.shape) : null,
  ]);
}

export function mul(a: TensorLike, b: TensorLike): Tensor {
  const ta = toTensor(a, 'mul'),
    tb = toTensor(b, 'mul');
  const y = binaryRaw('mul', ta, tb);
  return record(y, 'mul', [ta, tb], (dy, needs) => [
    needs[0] ? unbroadcast(binaryRaw('mul', dy, tb), ta.shape) : null,
    needs[1] ? unbroadcast(binaryRaw('mul', dy, ta), tb.shape) : null,
  ]);
}

export function div(a: TensorLike, b: TensorLike): Tensor {
  const ta = toTensor(a, 'div'),
    tb = toTensor(b, 'div');
  const y = binaryRaw('div', ta, tb);
  return record(y, 'div', [ta, tb], (dy, needs) => [
    needs[0] ? unbroadcast(binaryRaw('div', dy, tb), ta.shape) : null,
    // d(a/b)/db = -a/b² = -y/b
    needs[1] ? unbroadcast(neg(binaryRaw('div', binaryRaw('mul', dy, y), tb)), tb.shape) : null,
  ]);
}

export function pow(a: TensorLike, b: TensorLike): Tensor {
  const ta = toTensor(a, 'pow'),
    tb = toTensor(b, 'pow');
  const y = binaryRaw('pow', ta, tb);
  return record(y, 'pow', [ta, tb], (dy, needs) => [
    // d(a^b)/da = b·a^(b-1)
    needs[0]
      ? unbroadcast(
          binaryRaw('mul', dy, binaryRaw('mul', tb, binaryRaw('pow', ta, binaryRaw('sub', tb, toTensor(1))))),
          ta.shape,
        )
      : null,
    // d(a^b)/db = a^b·ln a
    needs[1] ? unbroadcast(binaryRaw('mul', dy, binaryRaw('mul', y, unaryRaw('log', ta))), tb.shape) : null,
  ]);
}

export function maximum(a: TensorLike, b: TensorLike): Tensor {
  const ta = toTensor(a, 'maximum'),
    tb = toTensor(b, 'maximum');
  const y = binaryRaw('maximum', ta, tb);
  return record(y, 'maximum', [ta, tb], (dy, needs) => {
    const mask = binaryRaw('greaterEqual', ta, tb);
    return [
      needs[0] ? unbroadcast(binaryRaw('mul', dy, mask), ta.shape) : null,
      needs[1] ? unbroadcast(binaryRaw('mul', dy, binaryRaw('sub', toTensor(1), mask)), tb.shape) : null,
    ];
  });
}

export function minimum(a: TensorLike, b: TensorLike): Tensor {
  const ta = toTensor(a, 'minimum'),
    tb = toTensor(b, 'minimum');
  const y = binaryRaw('minimum', ta, tb);
  return record(y, 'minimum', [ta, tb], (dy, needs) => {
    const mask = binaryRaw('lessEqual', ta, tb);
    return [
      needs[0] ? unbroadcast(binaryRaw('mul', dy, mask), ta.shape) : null,
      needs[1] ? unbroadcast(binaryRaw('mul', dy, binaryRaw('sub', toTensor(1), mask)), tb.shape) : null,
    ];
  });
}

function compare(op: BinaryOp) {
  return (a: TensorLike, b: TensorLike): Tensor => binaryRaw(op, toTensor(a, op), toTensor(b, op));
}
/** Comparisons give 1/0 float32 tensors and have no gradient. */
export const greater = compare('greater');
export const greaterEqual = compare('greaterEqual');
export const less = compare('less');
export const lessEqual = compare('lessEqual');
export const equal = compare('equal');

function unaryRaw(op: UnaryOp, x: Tensor): Tensor {
  return new Tensor(getBackend().unary(op, floatData(x)), x.shape);
}

function unaryOp(op: UnaryOp, grad: ((x: Tensor, y: Tensor, dy: Tensor) => Tensor) | null) {
  return (x: TensorLike): Tensor => {
    const tx = toTensor(x, op);
    const y = unaryRaw(op, tx);
    if (!grad) return y;
    return record(y, op, [tx], (dy) => [grad(tx, y, dy)]);
  };
}

const m = (a: Tensor, b: Tensor) => binaryRaw('mul', a, b);
export const neg = unaryOp('neg', (_x, _y, dy) => unaryRaw('neg', dy));
export const abs = unaryOp('abs', (x, _y, dy) => m(dy, unaryRaw('sign', x)));
export const exp = unaryOp('exp', (_x, y, dy) => m(dy, y));
export const log = unaryOp('log', (x, _y, dy) => binaryRaw('div', dy, x));
export const sqrt = unaryOp('sqrt', (_x, y, dy) => binaryRaw('div', dy, m(toTensor(2), y)));
export const rsqrt = unaryOp('rsqrt', (_x, y, dy) => m(dy, m(toTensor(-0.5), m(y, m(y, y)))));
export const square = unaryOp('square', (x, _y, dy) => m(dy, m(toTensor(2), x)));
export const reciprocal = unaryOp('reciprocal', (_x, y, dy) => unaryRaw('neg', m(dy, m(y, y))));
export const relu = unaryOp(
  'relu',
  (_x, y, dy) => new Tensor(getBackend().reluBackward(floatData(dy), y.data as Float32Array), y.shape),
);
const sigmoidRaw = unaryOp('sigmoid', (_x, y, dy) => m(dy, m(y, binaryRaw('sub', toTensor(1), y))));
/** The logits behind each sigmoid output, so binary cross-entropy can use the stable logits form. */
export const sigmoidLogits = new WeakMap<Tensor, Tensor>();
export function sigmoid(x: TensorLike): Tensor {
  const y = sigmoidRaw(x);
  if (x instanceof Tensor) sigmoidLogits.set(y, x);
  return y;
}
export const tanh = unaryOp('tanh', (_x, y, dy) => m(dy, binaryRaw('sub', toTensor(1), m(y, y))));
export const softplus = unaryOp('softplus', (x, _y, dy) => m(dy, unaryRaw('sigmoid', x)));
export const sign = unaryOp('sign', null);
export const floor = unaryOp('floor', null);
export const round = unaryOp('round', null);

/** Clips values to [lo, hi]; the gradient passes where lo ≤ x ≤ hi. */
export function clip(x: TensorLike, lo: number, hi: number): Tensor {
  return minimum(maximum(x, lo), hi);
}
