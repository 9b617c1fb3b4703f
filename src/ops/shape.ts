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
  if (out.filter((d) => d === -1).length > 1) throw new ShapeError(`reshape: at most one -1 allowed, got [${shape.join(', ')}]`);
  if (unknown >= 0) {
    const known = out.reduce((p, d, i) => (i === unknown ? p : p * d), 1);
    if (known === 0 || x.size % known !== 0) {
      throw new ShapeError(`reshape: cannot reshape a tensor of ${x.size} values into [${shape.join(', ')}]`);
    }
    out[unknown] = x.size / known;
  }
  if (sizeOf(out) !== x.size) {
    throw new ShapeError(`reshape: cannot reshape shape [${x.shape.join(', ')}] (${x.size} values) into [${shape.join(', ')}] (${sizeOf(out)} values)`);
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
  if (dtype === 'float32') out.set(x.data);
  else for (let i = 0; i < x.size; i++) out[i] = Math.trunc(x.data[i]);
  const y = new Tensor(out, x.shape);
  if (dtype !== 'float32') return y;
  return record(y, 'cast', [x], (dy) => [dy]);
}

export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm ? [...perm] : x.shape.map((_, i) => x.rank - 1 - i);
  if (p.length !== x.rank || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) {
    throw new ValueError(`transpose: perm [${p.join(', ')}] is not a permutation of the ${x.rank} axes`);
  }
  const y = new Tensor(transposeRaw(floatData(x), x.shape, p), p.map((i) => x.shape[i]));
  const inv = new Array<number>(p.length);
  p.forEach((v, i) => { inv[v] = i; });
  return record(y, 'transpose', [x], (dy) => [new Tensor(transposeRaw(dy.data as Float32Array, dy.shape, inv), x.shape)]);
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
    g.set(dy.data as Float32Array, s * row);
    return [new Tensor(g, x.shape)];
  });
}

/** Rows at `indices` along axis 0 (a batch). */
export function gatherRows(x: Tensor, indices: ArrayLike<number>): Tensor {
  if (x.rank === 0) throw new ShapeError('gather: cannot gather rows of a scalar');
  const n = x.shape[0];
  const row = n === 0 ? 0 : x.size / n;
  const out = arrayFor(x.dtype, indices.length * row);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i];
    if (!Number.isInteger(r) || r < 0 || r >= n) throw new ValueError(`gather: index ${r} is out of range [0, ${n})`);
    out.set(x.data.subarray(r * row, (r + 1) * row), i * row);
  }
  const y = new Tensor(out, [indices.length, ...x.shape.slice(1)]);
  return record(y, 'gatherRows', [x], (dy) => {
    const g = new Float32Array(x.size);
    const d = dy.data as Float32Array;
    for (let i = 0; i < indices.length; i++) {
      const base = indices[i] * row;
      for (let j = 0; j < row; j++) g[base + j] += d[i * row + j];
    }
    return [new Tensor(g, x.shape)];
  });
}

/** Concatenates along an axis. */
export function concat(xs: Tensor[], axis = -1): Tensor {
  if (xs.length === 0) throw new ValueError('concat: expected at least one tensor');
  const rank = xs[0].rank;
  const a = normalizeAxis(axis, rank, 'concat');
  for (const t of xs) {
    if (t.rank !== rank || t.shape.some((d, i) => i !== a && d !== xs[0].shape[i])) {
      throw new ShapeError(`concat: shapes ${xs.map((u) => `[${u.shape.join(', ')}]`).join(', ')} differ outside axis ${axis}`);
    }
  }
  const outer = sizeOf(xs[0].shape.slice(0, a));
  const inner = sizeOf(xs[0].shape.slice(a + 1));
  const total = xs.reduce((s, t) => s + t.shape[a], 0);
  const out = new Float32Array(outer * total * inner);
  let offset = 0;
  const offsets: number[] = [];
  for (const t of xs) {
    offsets.push(offset);
    const d = floatData(t);
    const chunk = t.shape[a] * inner;
    for (let o = 0; o < outer; o++) out.set(d.subarray(o * chunk, (o + 1) * chunk), o * total * inner + offset * inner);
    offset += t.shape[a];
  }
  const shape = [...xs[0].shape];
  shape[a] = total;
  const y = new Tensor(out, shape);
  return record(y, 'concat', xs, (dy, needs) => xs.map((t, k) => {
    if (!needs[k]) return null;
    const chunk = t.shape[a] * inner;
    const g = new Float32Array(t.size);
    const d = dy.data as Float32Array;
    for (let o = 0; o < outer; o++) g.set(d.subarray(o * total * inner + offsets[k] * inner, o * total * inner + offsets[k] * inner + chunk), o * chunk);
    return new Tensor(g, t.shape);
  }));
}

/** Zero-pads the spatial axes of an NHWC tensor. */
export function pad2d(x: Tensor, top: number, bottom: number, left: number, right: number): Tensor {
  if (x.rank !== 4) throw new ShapeError(`pad2d: expected a 4D NHWC tensor, got shape [${x.shape.join(', ')}]`);
  const [n, h, w, c] = x.shape;
  const oh = h + top + bottom, ow = w + left + right;
  const out = new Float32Array(n * oh * ow * c);
  const d = floatData(x);
  for (let b = 0; b < n; b++) for (let i = 0; i < h; i++) {
    const src = ((b * h + i) * w) * c;
    out.set(d.subarray(src, src + w * c), ((b * oh + i + top) * ow + left) * c);
  }
  const y = new Tensor(out, [n, oh, ow, c]);
  return record(y, 'pad2d', [x], (dy) => {
    const g = new Float32Array(x.size);
    const dd = dy.data as Float32Array;
    for (let b = 0; b < n; b++) for (let i = 0; i < h; i++) {
      const dst = ((b * h + i) * w) * c;
      const src = ((b * oh + i + top) * ow + left) * c;
      g.set(dd.subarray(src, src + w * c), dst);
    }
    return [new Tensor(g, x.shape)];
  });
}
