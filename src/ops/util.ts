// Helpers shared by the ops: scalar promotion, broadcasting shapes, axis normalisation, and
// reducing a broadcast gradient back to its input's shape.
import { ShapeError, ValueError } from '../errors.js';
import { Tensor, type TensorLike, sizeOf } from '../tensor/tensor.js';
import { getBackend } from '../backend/index.js';

export function toTensor(x: TensorLike, name = 'x'): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === 'number') return new Tensor(new Float32Array([x]), []);
  throw new ValueError(`${name}: expected a Tensor or a number, got ${typeof x}`);
}

/** Float32 data of t (converting int tensors), for kernels that only take float32. */
export function floatData(t: Tensor): Float32Array {
  return t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
}

export function broadcastShapes(a: readonly number[], b: readonly number[], opName: string): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`${opName}: shapes [${a.join(', ')}] and [${b.join(', ')}] cannot be broadcast together`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

export function normalizeAxis(axis: number, rank: number, opName: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= Math.max(rank, 1)) {
    throw new ValueError(`${opName}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return a;
}

/** Sums `grad` over the axes that were broadcast to reach its shape from `shape`. */
export function unbroadcast(grad: Tensor, shape: readonly number[]): Tensor {
  if (grad.shape.length === shape.length && grad.shape.every((d, i) => d === shape[i])) return grad;
  const rank = grad.shape.length;
  const lead = rank - shape.length;
  // Reduce axis by axis over contiguous runs: collapse leading axes first, then size-1 axes.
  let g = grad;
  let curShape = [...grad.shape];
  if (lead > 0) {
    const outer = 1;
    const size = sizeOf(curShape.slice(0, lead));
    const inner = sizeOf(curShape.slice(lead));
    g = new Tensor(getBackend().reduce('sum', g.data as Float32Array, outer, size, inner), curShape.slice(lead));
    curShape = curShape.slice(lead);
  }
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1 && curShape[i] !== 1) {
      const outer = sizeOf(curShape.slice(0, i));
      const size = curShape[i];
      const inner = sizeOf(curShape.slice(i + 1));
      curShape[i] = 1;
      g = new Tensor(getBackend().reduce('sum', g.data as Float32Array, outer, size, inner), curShape);
    }
  }
  return new Tensor(g.data, shape);
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
