// Reductions (sum, mean, max, min over any set of axes) and argMax, with gradients.
import { getBackend } from '../backend/index.js';
import type { ReduceOp } from '../backend/types.js';
import { record } from '../autograd/tape.js';
import { Tensor, sizeOf } from '../tensor/tensor.js';
import { floatData, normalizeAxis } from './util.js';
import { transposeRaw } from './shape.js';
import { ValueError } from '../errors.js';

function axesOf(x: Tensor, axis: number | readonly number[] | undefined, opName: string): number[] {
  if (axis === undefined || axis === null) return x.shape.map((_, i) => i);
  const list = typeof axis === 'number' ? [axis] : [...axis];
  const norm = list.map((a) => normalizeAxis(a, x.rank, opName));
  if (new Set(norm).size !== norm.length) throw new ValueError(`${opName}: repeated axis in [${list.join(', ')}]`);
  return norm.sort((a, b) => a - b);
}

/** Reduces the given axes; moves them to be contiguous first when they are not. */
function reduceRaw(op: ReduceOp, x: Tensor, axes: number[]): { data: Float32Array; keptShape: number[] } {
  const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  if (axes.length === 0) return { data: floatData(x).slice(), keptShape };
  let data = floatData(x);
  let shape = [...x.shape];
  const contiguous = axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);
  if (!contiguous) {
    const rest = shape.map((_, i) => i).filter((i) => !axes.includes(i));
    const perm = [...rest, ...axes];
    data = transposeRaw(data, shape, perm);
    shape = perm.map((p) => x.shape[p]);
    const first = rest.length;
    const outer = sizeOf(shape.slice(0, first));
    return { data: getBackend().reduce(op, data, outer, sizeOf(shape.slice(first)), 1), keptShape };
  }
  const first = axes[0];
  const last = axes[axes.length - 1];
  const outer = sizeOf(shape.slice(0, first));
  const size = sizeOf(shape.slice(first, last + 1));
  const inner = sizeOf(shape.slice(last + 1));
  return { data: getBackend().reduce(op, data, outer, size, inner), keptShape };
}

function finalShape(x: Tensor, axes: number[], keepDims: boolean): number[] {
  return keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
}

/** Broadcasts g (with kept reduced axes of size 1) back to shape. */
function expandTo(g: Tensor, keptShape: number[], shape: readonly number[]): Tensor {
  const gk = new Tensor(g.data, keptShape);
  const ones = new Tensor(new Float32Array(sizeOf(shape)).fill(1), shape);
  return new Tensor(
    getBackend().binary('mul', ones.data as Float32Array, shape, gk.data as Float32Array, keptShape, shape),
    shape,
  );
}

export function sum(x: Tensor, axis?: number | readonly number[], keepDims = false): Tensor {
  const axes = axesOf(x, axis, 'sum');
  const { data, keptShape } = reduceRaw('sum', x, axes);
  const y = new Tensor(data, finalShape(x, axes, keepDims));
  return record(y, 'sum', [x], (dy) => [expandTo(dy, keptShape, x.shape)]);
}

export function mean(x: Tensor, axis?: number | readonly number[], keepDims = false): Tensor {
  const axes = axesOf(x, axis, 'mean');
  const count = axes.reduce((c, a) => c * x.shape[a], 1);
  const be = getBackend();
  const divisor = Float32Array.of(count);
  const { data: sums, keptShape } = reduceRaw('sum', x, axes);
  const y = new Tensor(be.binary('div', sums, keptShape, divisor, [], keptShape), finalShape(x, axes, keepDims));
  return record(y, 'mean', [x], (dy) => {
    const scaled = new Tensor(be.binary('div', floatData(dy), keptShape, divisor, [], keptShape), keptShape);
    return [expandTo(scaled, keptShape, x.shape)];
  });
}

function extremum(op: 'max' | 'min') {
  return (x: Tensor, axis?: number | readonly number[], keepDims = false): Tensor => {
    const axes = axesOf(x, axis, op);
    const { data, keptShape } = reduceRaw(op, x, axes);
    const y = new Tensor(data, finalShape(x, axes, keepDims));
    return record(y, op, [x], (dy) => {
      // The gradient goes to every position equal to the extremum, shared equally (as TF does).
      const b = getBackend();
      const xd = floatData(x);
      const mask = b.binary('equal', xd, x.shape, data, keptShape, x.shape);
      const count = reduceRaw('sum', new Tensor(mask, x.shape), axes).data;
      const g = b.binary('div', floatData(dy), keptShape, count, keptShape, keptShape);
      return [new Tensor(b.binary('mul', mask, x.shape, g, keptShape, x.shape), x.shape)];
    });
  };
}
export const max = extremum('max');
export const min = extremum('min');

/** Index of the maximum along an axis (int32, no gradient). */
export function argMax(x: Tensor, axis = -1): Tensor {
  const a = normalizeAxis(axis, x.rank, 'argMax');
  const outer = sizeOf(x.shape.slice(0, a));
  const inner = sizeOf(x.shape.slice(a + 1));
  const data = getBackend().argMax(floatData(x), outer, x.shape[a], inner);
  return new Tensor(
    data,
    x.shape.filter((_, i) => i !== a),
  );
}
