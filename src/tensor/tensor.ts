// Tensor: an immutable n-d array (shape, dtype, contiguous row-major storage) plus the autograd
// link to the op that produced it. Variable: a named, mutable tensor that holds a weight.
// Arithmetic methods are thin wrappers over ops/ (where gradients live); memory is garbage-collected.
import { ShapeError, ValueError } from '../errors.js';
import * as ops from '../ops/index.js';

export type DType = 'float32' | 'int32' | 'uint8';
export type TypedArray = Float32Array | Int32Array | Uint8Array;
export type Shape = readonly number[];
/** Anything ops accept where a tensor is expected. */
export type TensorLike = Tensor | number;

export interface GradNode {
  /** Op name, for debugging and for fusions (a loss recognises a softmax output). */
  op: string;
  inputs: Tensor[];
  /**
   * Maps the gradient of the output to gradients of each input. `needs[i]` says whether input i's
   * gradient is wanted; a backward skips the work for the others and returns null there.
   */
  backward: (dy: Tensor, needs: readonly boolean[]) => (Tensor | null)[];
  /** Op-specific data (e.g. the logits behind a softmax). */
  saved?: Record<string, unknown>;
}

let nextId = 0;

export function sizeOf(shape: Shape): number {
  let s = 1;
  for (const d of shape) s *= d;
  return s;
}

export function arrayFor(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(size);
    case 'int32': return new Int32Array(size);
    case 'uint8': return new Uint8Array(size);
    default: throw new ValueError(`dtype: expected 'float32', 'int32' or 'uint8', got '${String(dtype)}'`);
  }
}

export function dtypeOf(data: TypedArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'uint8';
  throw new ValueError('tensor data: expected a Float32Array, Int32Array or Uint8Array');
}

export class Tensor {
  readonly id = nextId++;
  readonly shape: Shape;
  readonly dtype: DType;
  /** Contiguous row-major storage. Treat as read-only unless this is a Variable. */
  data: TypedArray;
  /** Whether gradients flow to this tensor (weights, watched inputs, and what is computed from them). */
  requiresGrad = false;
  gradNode: GradNode | null = null;

  constructor(data: TypedArray, shape: Shape) {
    const size = sizeOf(shape);
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new ShapeError(`Tensor: shape must hold non-negative integers, got [${shape.join(', ')}]`);
    }
    if (data.length !== size) {
      throw new ShapeError(`Tensor: shape [${shape.join(', ')}] needs ${size} values, got ${data.length}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtypeOf(data);
  }

  get size(): number { return this.data.length; }
  get rank(): number { return this.shape.length; }

  /** The storage itself (no copy). */
  dataSync(): TypedArray { return this.data; }

  /** Nested JS arrays (a number for a scalar). */
  toArray(): unknown {
    const build = (offset: number, dim: number): unknown => {
      if (dim === this.shape.length) return this.data[offset];
      const stride = sizeOf(this.shape.slice(dim + 1));
      const out: unknown[] = [];
      for (let i = 0; i < this.shape[dim]; i++) out.push(build(offset + i * stride, dim + 1));
      return out;
    };
    return build(0, 0);
  }

  arraySync(): unknown { return this.toArray(); }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new ShapeError(`item(): expected a tensor with one value, got shape [${this.shape.join(', ')}]`);
    return this.data[0];
  }

  toString(): string {
    const vals = Array.from(this.data.subarray(0, 8)).map((v) => (Number.isInteger(v) ? String(v) : v.toFixed(4)));
    return `Tensor(shape=[${this.shape.join(', ')}], dtype=${this.dtype}, [${vals.join(', ')}${this.size > 8 ? ', ...' : ''}])`;
  }

  reshape(shape: readonly number[]): Tensor { return ops.reshape(this, shape); }
  flatten(): Tensor { return ops.reshape(this, [this.size]); }
  astype(dtype: DType): Tensor { return ops.cast(this, dtype); }
  cast(dtype: DType): Tensor { return ops.cast(this, dtype); }
  add(b: TensorLike): Tensor { return ops.add(this, b); }
  sub(b: TensorLike): Tensor { return ops.sub(this, b); }
  mul(b: TensorLike): Tensor { return ops.mul(this, b); }
  div(b: TensorLike): Tensor { return ops.div(this, b); }
  pow(b: TensorLike): Tensor { return ops.pow(this, b); }
  neg(): Tensor { return ops.neg(this); }
  square(): Tensor { return ops.square(this); }
  sqrt(): Tensor { return ops.sqrt(this); }
  exp(): Tensor { return ops.exp(this); }
  log(): Tensor { return ops.log(this); }
  abs(): Tensor { return ops.abs(this); }
  relu(): Tensor { return ops.relu(this); }
  matmul(b: Tensor): Tensor { return ops.matmul(this, b); }
  transpose(perm?: readonly number[]): Tensor { return ops.transpose(this, perm); }
  sum(axis?: number | readonly number[], keepDims = false): Tensor { return ops.sum(this, axis, keepDims); }
  mean(axis?: number | readonly number[], keepDims = false): Tensor { return ops.mean(this, axis, keepDims); }
  max(axis?: number | readonly number[], keepDims = false): Tensor { return ops.max(this, axis, keepDims); }
  min(axis?: number | readonly number[], keepDims = false): Tensor { return ops.min(this, axis, keepDims); }
  argMax(axis = -1): Tensor { return ops.argMax(this, axis); }
  /** Rows [start, end) along the first axis (negative indices count from the end). */
  slice(start: number, end?: number): Tensor { return ops.sliceRows(this, start, end); }
  /** Rows at the given indices along the first axis. */
  gather(indices: ArrayLike<number>): Tensor { return ops.gatherRows(this, indices); }
  equal(b: TensorLike): Tensor { return ops.equal(this, b); }
  greater(b: TensorLike): Tensor { return ops.greater(this, b); }
  less(b: TensorLike): Tensor { return ops.less(this, b); }
  clone(): Tensor { return new Tensor(this.data.slice(), this.shape); }
}

/** A named, mutable tensor that holds a layer's weight or an optimizer's slot. */
export class Variable extends Tensor {
  readonly name: string;
  trainable: boolean;

  constructor(value: Tensor, name: string, trainable = true) {
    super(value.dtype === 'float32' ? (value.data as Float32Array).slice() : value.data.slice(), value.shape);
    this.name = name;
    this.trainable = trainable;
    this.requiresGrad = trainable;
  }

  /** Replaces the value (same shape), copying it. */
  assign(value: Tensor | TypedArray): void {
    const data = value instanceof Tensor ? value.data : value;
    if (value instanceof Tensor && value.shape.join(',') !== this.shape.join(',')) {
      throw new ShapeError(`Variable '${this.name}': expected shape [${this.shape.join(', ')}], got [${value.shape.join(', ')}]`);
    }
    if (data.length !== this.size) {
      throw new ShapeError(`Variable '${this.name}': expected ${this.size} values, got ${data.length}`);
    }
    this.data.set(data);
  }

  /** A plain tensor holding a copy of the current value. */
  read(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }
}
