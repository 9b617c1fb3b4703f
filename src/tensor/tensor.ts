// Tensor: an immutable n-d array (shape, dtype, contiguous row-major storage) plus the autograd
// link to the op that produced it. Variable: a named, mutable tensor that holds a weight.
// Memory is garbage-collected. This module is a leaf (as tfjs's tensor is): it never imports the
// ops. The arithmetic methods are declared here and installed on the prototype by ops/ when it
// loads (ops/tensor_methods.ts), so `x.add(y)` runs the differentiable op without a cycle.
import { ShapeError, ValueError } from '../errors.js';

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
  /**
   * Backend outputs the op keeps for its backward pass besides its own output (a fused op's hidden
   * intermediate); releaseGraph gives them back with the graph.
   */
  buffers?: readonly Float32Array[];
}

let nextId = 0;

export function sizeOf(shape: Shape): number {
  let s = 1;
  for (const d of shape) s *= d;
  return s;
}

export function arrayFor(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'uint8':
      return new Uint8Array(size);
    default:
      throw new ValueError(`dtype: expected 'float32', 'int32' or 'uint8', got '${String(dtype)}'`);
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
      if (!Number.isInteger(d) || d < 0)
        throw new ShapeError(`Tensor: shape must hold non-negative integers, got [${shape.join(', ')}]`);
    }
    if (data.length !== size) {
      throw new ShapeError(`Tensor: shape [${shape.join(', ')}] needs ${size} values, got ${data.length}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtypeOf(data);
  }

  get size(): number {
    return this.data.length;
  }
  get rank(): number {
    return this.shape.length;
  }

  /** The storage itself (no copy). */
  dataSync(): TypedArray {
    return this.data;
  }

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

  arraySync(): unknown {
    return this.toArray();
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1)
      throw new ShapeError(`item(): expected a tensor with one value, got shape [${this.shape.join(', ')}]`);
    return this.data[0];
  }

  toString(): string {
    const vals = Array.from(this.data.subarray(0, 8)).map((v) => (Number.isInteger(v) ? String(v) : v.toFixed(4)));
    return `Tensor(shape=[${this.shape.join(', ')}], dtype=${this.dtype}, [${vals.join(', ')}${this.size > 8 ? ', ...' : ''}])`;
  }

  // Installed by ops/ (see TensorMethods); `declare` emits no field that would shadow them.
  declare reshape: TensorMethods['reshape'];
  declare flatten: TensorMethods['flatten'];
  declare astype: TensorMethods['astype'];
  declare cast: TensorMethods['cast'];
  declare add: TensorMethods['add'];
  declare sub: TensorMethods['sub'];
  declare mul: TensorMethods['mul'];
  declare div: TensorMethods['div'];
  declare pow: TensorMethods['pow'];
  declare neg: TensorMethods['neg'];
  declare square: TensorMethods['square'];
  declare sqrt: TensorMethods['sqrt'];
  declare exp: TensorMethods['exp'];
  declare log: TensorMethods['log'];
  declare abs: TensorMethods['abs'];
  declare relu: TensorMethods['relu'];
  declare matmul: TensorMethods['matmul'];
  declare transpose: TensorMethods['transpose'];
  declare sum: TensorMethods['sum'];
  declare mean: TensorMethods['mean'];
  declare max: TensorMethods['max'];
  declare min: TensorMethods['min'];
  declare argMax: TensorMethods['argMax'];
  declare slice: TensorMethods['slice'];
  declare gather: TensorMethods['gather'];
  declare expandDims: TensorMethods['expandDims'];
  declare squeeze: TensorMethods['squeeze'];
  declare index: TensorMethods['index'];
  declare equal: TensorMethods['equal'];
  declare greater: TensorMethods['greater'];
  declare less: TensorMethods['less'];
  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }
}

type Axes = number | readonly number[];

/** The op-backed methods of Tensor, each the op of the same name applied to `this`. */
export interface TensorMethods {
  reshape(this: Tensor, shape: readonly number[]): Tensor;
  flatten(this: Tensor): Tensor;
  astype(this: Tensor, dtype: DType): Tensor;
  cast(this: Tensor, dtype: DType): Tensor;
  add(this: Tensor, b: TensorLike): Tensor;
  sub(this: Tensor, b: TensorLike): Tensor;
  mul(this: Tensor, b: TensorLike): Tensor;
  div(this: Tensor, b: TensorLike): Tensor;
  pow(this: Tensor, b: TensorLike): Tensor;
  neg(this: Tensor): Tensor;
  square(this: Tensor): Tensor;
  sqrt(this: Tensor): Tensor;
  exp(this: Tensor): Tensor;
  log(this: Tensor): Tensor;
  abs(this: Tensor): Tensor;
  relu(this: Tensor): Tensor;
  matmul(this: Tensor, b: Tensor): Tensor;
  transpose(this: Tensor, perm?: readonly number[]): Tensor;
  sum(this: Tensor, axis?: Axes, keepDims?: boolean): Tensor;
  mean(this: Tensor, axis?: Axes, keepDims?: boolean): Tensor;
  max(this: Tensor, axis?: Axes, keepDims?: boolean): Tensor;
  min(this: Tensor, axis?: Axes, keepDims?: boolean): Tensor;
  argMax(this: Tensor, axis?: number): Tensor;
  /** Rows [start, end) along the first axis (negative indices count from the end). */
  slice(this: Tensor, start: number, end?: number): Tensor;
  /**
   * The block at `begin` (one index per axis) of `size` entries per axis (-1 or omitted: to the
   * end), keeping every axis, as tf.slice: `x.slice([0, 0, 0, 4], [1, -1, -1, 1])`.
   */
  slice(this: Tensor, begin: readonly number[], size?: readonly number[]): Tensor;
  /** Inserts an axis of size 1 (Keras's expand_dims): an image [h, w, c] becomes a batch of one. */
  expandDims(this: Tensor, axis?: number): Tensor;
  /** Removes axes of size 1: all of them, or the given ones. */
  squeeze(this: Tensor, axis?: number | readonly number[]): Tensor;
  /**
   * NumPy-style indexing: a number takes one entry and drops its axis, null keeps the axis, missing
   * trailing entries keep theirs. `activation.index(0, null, null, 4)` is `activation[0, :, :, 4]`.
   */
  index(this: Tensor, ...spec: (number | null)[]): Tensor;
  /** Rows at the given indices along the first axis. */
  gather(this: Tensor, indices: ArrayLike<number>): Tensor;
  equal(this: Tensor, b: TensorLike): Tensor;
  greater(this: Tensor, b: TensorLike): Tensor;
  less(this: Tensor, b: TensorLike): Tensor;
}

/** Installs the op-backed methods on Tensor.prototype (called once, by ops/ as it loads). */
export function installTensorMethods(methods: TensorMethods): void {
  for (const name of Object.keys(methods) as (keyof TensorMethods)[]) {
    // The methods are installed on the prototype, where `this` is the tensor they are called on.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const value = methods[name];
    Object.defineProperty(Tensor.prototype, name, { value, writable: true, configurable: true });
  }
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
      throw new ShapeError(
        `Variable '${this.name}': expected shape [${this.shape.join(', ')}], got [${value.shape.join(', ')}]`,
      );
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
