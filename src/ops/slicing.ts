// Axis conveniences for looking at activations: expandDims, squeeze, per-axis slicing
// (`slice(x, begin, size)`) and NumPy-style indexing (`index(x, 0, null, null, 4)` is
// `x[0, :, :, 4]`). Each is a reshape or a chain of one-axis slices, so the copying happens in the
// sliceAxis/concat kernels and every op here is differentiable.
import { getBackend } from '../backend/index.js';
import { record } from '../autograd/tape.js';
import { ShapeError, ValueError } from '../errors.js';
import { Tensor, arrayFor, sizeOf } from '../tensor/tensor.js';
import { floatData } from './util.js';
import { reshape } from './shape.js';

const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;

/** Inserts an axis of size 1 at `axis` (negative counts from the end of the result, as in Keras). */
export function expandDims(x: Tensor, axis = 0): Tensor {
  const rank = x.rank + 1;
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= rank) {
    throw new ValueError(
      `expandDims: axis ${axis} is out of range for a tensor of shape ${fmt(x.shape)} ` +
        `(expected an integer in [${-rank}, ${rank - 1}])`,
    );
  }
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

/** Removes axes of size 1: all of them, or the given ones (each must have size 1). */
export function squeeze(x: Tensor, axis?: number | readonly number[]): Tensor {
  if (axis === undefined)
    return reshape(
      x,
      x.shape.filter((d) => d !== 1),
    );
  const axes = (typeof axis === 'number' ? [axis] : [...axis]).map((a) => {
    const n = a < 0 ? a + x.rank : a;
    if (!Number.isInteger(a) || n < 0 || n >= x.rank) {
      throw new ValueError(`squeeze: axis ${a} is out of range for a tensor of shape ${fmt(x.shape)}`);
    }
    if (x.shape[n] !== 1) {
      throw new ShapeError(`squeeze: axis ${a} of shape ${fmt(x.shape)} has size ${x.shape[n]}, expected 1`);
    }
    return n;
  });
  return reshape(
    x,
    x.shape.filter((_, i) => !axes.includes(i)),
  );
}

/** `length` entries from `start` along one axis; the gradient pads dy back with zeros. */
function sliceOneAxis(x: Tensor, axis: number, start: number, length: number): Tensor {
  const d = x.shape[axis];
  if (start === 0 && length === d) return x;
  const outer = sizeOf(x.shape.slice(0, axis));
  const inner = sizeOf(x.shape.slice(axis + 1));
  const shape = [...x.shape];
  shape[axis] = length;
  if (!(x.data instanceof Float32Array)) {
    // Integer tensors carry no gradient, and the kernels are float32 only: copy rows directly.
    const out = arrayFor(x.dtype, outer * length * inner);
    for (let o = 0; o < outer; o++) {
      out.set(x.data.subarray((o * d + start) * inner, (o * d + start + length) * inner), o * length * inner);
    }
    return new Tensor(out, shape);
  }
  const be = getBackend();
  const y = new Tensor(be.sliceAxis(x.data, outer, d, inner, start, length), shape);
  return record(y, 'sliceAxis', [x], (dy) => {
    const before = new Float32Array(outer * start * inner);
    const after = new Float32Array(outer * (d - start - length) * inner);
    const parts = [before, floatData(dy), after];
    return [new Tensor(be.concat(parts, outer, inner, [start, length, d - start - length]), x.shape)];
  });
}

/**
 * The block that starts at `begin` (one index per axis) with `size` entries per axis (-1: to the
 * end), as tf.slice: `slice(x, [0, 0, 0, 4], [1, -1, -1, 1])` keeps every axis.
 */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  if (begin.length !== x.rank || (size && size.length !== x.rank)) {
    throw new ValueError(
      `slice: begin ${fmt(begin)}${size ? ` and size ${fmt(size)}` : ''} must have one entry per ` +
        `axis of the tensor of shape ${fmt(x.shape)} (${x.rank})`,
    );
  }
  let y = x;
  for (let a = 0; a < x.rank; a++) {
    const d = x.shape[a];
    const b = begin[a];
    const s = size ? (size[a] === -1 ? d - b : size[a]) : d - b;
    if (!Number.isInteger(b) || !Number.isInteger(s) || b < 0 || s < 0 || b + s > d) {
      throw new ValueError(
        `slice: axis ${a} of shape ${fmt(x.shape)} has ${d} entries; begin ${b} with size ` +
          `${size ? size[a] : 'to the end'} does not fit (expected 0 <= begin <= begin + size <= ${d})`,
      );
    }
    y = sliceOneAxis(y, a, b, s);
  }
  return y;
}

/** One entry of an axis (dropped from the result), or the whole axis (null), as NumPy's x[0, :]. */
export type IndexSpec = number | null;

/**
 * NumPy-style indexing: a number takes that entry and drops the axis (negative counts from the
 * end), null keeps the whole axis, and missing trailing entries keep their axes:
 * `index(activation, 0, null, null, 4)` is Python's `activation[0, :, :, 4]`.
 */
export function index(x: Tensor, ...spec: IndexSpec[]): Tensor {
  if (spec.length > x.rank) {
    throw new ValueError(`index: ${spec.length} indices for a tensor of shape ${fmt(x.shape)} (rank ${x.rank})`);
  }
  const begin: number[] = [];
  const size: number[] = [];
  const keep: number[] = [];
  x.shape.forEach((d, a) => {
    const s = spec[a] ?? null;
    if (s === null) {
      begin.push(0);
      size.push(d);
      keep.push(d);
      return;
    }
    const i = s < 0 ? s + d : s;
    if (!Number.isInteger(s) || i < 0 || i >= d) {
      throw new ValueError(
        `index: index ${s} is out of range for axis ${a} of shape ${fmt(x.shape)} ` +
          `(expected an integer in [${-d}, ${d - 1}])`,
      );
    }
    begin.push(i);
    size.push(1);
  });
  return reshape(slice(x, begin, size), keep);
}
