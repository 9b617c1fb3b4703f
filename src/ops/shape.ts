// Ops that move data without arithmetic: reshape, transpose, casts, row slicing and gathering
// (batches), concatenation, zero padding.
import { getBackend } from '../backend/index.js';
import { record } from '../autograd/tape.js';
import { ShapeError, ValueError } from '../errors.js';
import { Tensor, type DType, arrayFor, sizeOf } from '../tensor/tensor.js';
import { floatData, normalizeAxis } from './util.js';

export function transposeRaw(data: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  return getBackend().transpose(data, shape, perm);
}

/** Reshape (one dimension may be -1); shares storage with x. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const out = [...shape];
  const unknown = out.indexOf(-1);
  if (out.filter((d) => d === -1).length > 1)
    throw new ShapeError(`reshape: at most one -1 allowed, got [${shape.join(', ')}]`);
  if (unknown >= 0) {
    const known = out.reduce((p, d, i) => (i === unknown ? p : p * d), 1);
    if (known === 0 || x.size % known !== 0) {
      throw new ShapeError(`reshape: cannot reshape a tensor of ${x.size} values into [${shape.join(', ')}]`);
    }
    out[unknown] = x.size / known;
  }
  if (sizeOf(out) !== x.size) {
    throw new ShapeError(
      `reshape: cannot reshape shape [${x.shape.join(', ')}] (${x.size} values) into [${shape.join(', ')}] (${sizeOf(out)} values)`,
    );
  }
  const y = new Tensor(x.data, out);
  return record(y, 'reshape', [x], (dy) => [new Tensor(dy.data, x.shape)]);
}

export function cast(x: Tensor, dtype: DType): Tensor {
  if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'uint8') {
    throw new ValueError(`astype: expected 'float32', 'int32' or 'uint8', got '${String(dtype)}'`);
  }
  if (x.dtype === dtype) return x;
  const out = arrayFor(dtype, x.size);
  // Typed-array assignment truncates toward zero and wraps as the target type does (ToInt32 /
  // ToUint8), which is exactly Math.trunc followed by the store.
  out.set(x.data);
  const y = new Tensor(out, x.shape);
  if (dtype !== 'float32') return y;
  return record(y, 'cast', [x], (dy) => [dy]);
}

export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm ? [...perm] : x.shape.map((_, i) => x.rank - 1 - i);
  if (p.length !== x.rank || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) {
    throw new ValueError(`transpose: perm [${p.join(', ')}] is not a permutation of the ${x.rank} axes`);
  }
  const y = new Tensor(
    transposeRaw(floatData(x), x.shape, p),
    p.map((i) => x.shape[i]),
  );
  const inv = new Array<number>(p.length);
  p.forEach((v, i) => {
    inv[v] = i;
  });
  return record(y, 'transpose', [x], (dy) => [
    new Tensor(transposeRaw(dy.data as Float32Array, dy.shape, inv), x.shape),
  ]);
}

/** Rows [start, end) along axis 0. */
export function sliceRows(x: Tensor, start: number, end?: number): Tensor {
  if (x.rank === 0) throw new ShapeError('slice: cannot slice a scalar');
  const n = x.shape[0];
  let s = start < 0 ? n + start : start;
  let e = end === undefined ? n : end < 0 ? n + end : end;
  s = Math.max(0, Math.min(n, s));
  e = Math.max(s, Math.min(n, e));
  const row = x.size / Math.max(n, 1);
  const y = new Tensor(x.data.slice(s * row, e * row), [e - s, ...x.shape.slice(1)]);
  return record(y, 'sliceRows', [x], (dy) => {
    const g = new Float32Array(x.size);
    g.set(dy.data, s * row);
    return [new Tensor(g, x.shape)];
  });
}

/** Rows at `indices` along axis 0 (a batch). */
export function gatherRows(x: Tensor, indices: ArrayLike<number>): Tensor {
  if (x.rank === 0) throw new ShapeError('gather: cannot gather rows of a scalar');
  const n = x.shape[0];
  const row = n === 0 ? 0 : x.size / n;
  const idx = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i];
    if (!Number.isInteger(r) || r < 0 || r >= n) throw new ValueError(`gather: index ${r} is out of range [0, ${n})`);
    idx[i] = r;
  }
  const shape = [indices.length, ...x.shape.slice(1)];
  if (!(x.data instanceof Float32Array)) {
    // Integer batches (uint8 images, int32 labels) keep their dtype; the kernels are float32 only,
    // and integer tensors carry no gradient, so plain row copies serve them.
    const out = arrayFor(x.dtype, indices.length * row);
    idx.forEach((r, i) => out.set(x.data.subarray(r * row, (r + 1) * row), i * row));
    return new Tensor(out, shape);
  }
  const be = getBackend();
  const y = new Tensor(be.gatherRows(x.data, idx, n, row), shape);
  return record(y, 'gatherRows', [x], (dy) => [new Tensor(be.scatterAddRows(floatData(dy), idx, n, row), x.shape)]);
}

/** The kernel takes at most this many inputs (its size list is a shape); more are joined in groups. */
const CONCAT_MAX = 64;

function concatRaw(datas: Float32Array[], outer: number, inner: number, sizes: number[]): Float32Array {
  if (datas.length <= CONCAT_MAX) return getBackend().concat(datas, outer, inner, sizes);
  const parts: Float32Array[] = [];
  const partSizes: number[] = [];
  for (let k = 0; k < datas.length; k += CONCAT_MAX) {
    const s = sizes.slice(k, k + CONCAT_MAX);
    parts.push(getBackend().concat(datas.slice(k, k + CONCAT_MAX), outer, inner, s));
    partSizes.push(s.reduce((a, b) => a + b, 0));
  }
  return concatRaw(parts, outer, inner, partSizes);
}

/** Concatenates along an axis. */
export function concat(xs: Tensor[], axis = -1): Tensor {
  if (xs.length === 0) throw new ValueError('concat: expected at least one tensor');
  const rank = xs[0].rank;
  const a = normalizeAxis(axis, rank, 'concat');
  for (const t of xs) {
    if (t.rank !== rank || t.shape.some((d, i) => i !== a && d !== xs[0].shape[i])) {
      throw new ShapeError(
        `concat: shapes ${xs.map((u) => `[${u.shape.join(', ')}]`).join(', ')} differ outside axis ${axis}`,
      );
    }
  }
  const outer = sizeOf(xs[0].shape.slice(0, a));
  const inner = sizeOf(xs[0].shape.slice(a + 1));
  const sizes = xs.map((t) => t.shape[a]);
  const total = sizes.reduce((s, d) => s + d, 0);
  const be = getBackend();
  const shape = [...xs[0].shape];
  shape[a] = total;
  const y = new Tensor(concatRaw(xs.map(floatData), outer, inner, sizes), shape);
  const offsets = sizes.map((_, k) => sizes.slice(0, k).reduce((s, d) => s + d, 0));
  return record(y, 'concat', xs, (dy, needs) =>
    xs.map((t, k) =>
      needs[k] ? new Tensor(be.sliceAxis(floatData(dy), outer, total, inner, offsets[k], sizes[k]), t.shape) : null,
    ),
  );
}

/** Zero-pads the spatial axes of an NHWC tensor. */
export function pad2d(x: Tensor, top: number, bottom: number, left: number, right: number): Tensor {
  if (x.rank !== 4) throw new ShapeError(`pad2d: expected a 4D NHWC tensor, got shape [${x.shape.join(', ')}]`);
  const [n, h, w, c] = x.shape;
  const be = getBackend();
  const shape = [n, h + top + bottom, w + left + right, c];
  const y = new Tensor(be.pad2d(floatData(x), x.shape, top, bottom, left, right), shape);
  return record(y, 'pad2d', [x], (dy) => [new Tensor(be.crop2d(floatData(dy), dy.shape, top, left, h, w), x.shape)]);
}
