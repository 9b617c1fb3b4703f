// The backend interface: the kernels of the kernel table (kernels.ts) plus a backend's name and
// its optional buffer recycling. Everything above this level (ops, layers, models) calls kernels
// only through this interface; everything below it (the JS reference kernels and the native addon)
// implements exactly the table and nothing more.
//
// Conventions for every kernel:
// - Dense float32 row-major (C-order) buffers; image tensors are channels-last (NHWC).
// - Inputs are never modified, except by the optimizer updates, which work in place.
// - Kernels return freshly allocated outputs that the caller may keep; every element is written.
// - Shapes arrive as plain numbers or as an info record computed once by the op (ops/conv.ts).
//   Both backends run the same validation first (validate.ts: kinds, integer geometry, buffer
//   lengths); the addon checks again in C++ and throws a JS error instead of reading out of bounds.
import type { Kernels } from './kernels.js';

export type Activation = 'linear' | 'relu';

export type UnaryOp =
  | 'neg'
  | 'abs'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'rsqrt'
  | 'square'
  | 'reciprocal'
  | 'relu'
  | 'sigmoid'
  | 'tanh'
  | 'sign'
  | 'floor'
  | 'round'
  | 'softplus';

// Comparison ops return 1 or 0 as float32.
export type BinaryOp =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'maximum'
  | 'minimum'
  | 'pow'
  | 'greater'
  | 'greaterEqual'
  | 'less'
  | 'lessEqual'
  | 'equal';

export type ReduceOp = 'sum' | 'max' | 'min';

export type { Interpolation } from './image_geometry.js';

/** Geometry of a 2D convolution; padBottom/padRight are implied by outH/outW. */
export interface Conv2DInfo {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padTop: number;
  padLeft: number;
}

/**
 * The fields of Conv2DInfo with the least value each may take. Both backends validate geometry
 * from this list, and the addon reads the record by these names (native/src/conv.h lists the
 * same names for its struct), so no side keeps a slot order.
 */
export const conv2dFields = {
  batch: 1,
  inH: 1,
  inW: 1,
  inC: 1,
  outH: 1,
  outW: 1,
  outC: 1,
  kH: 1,
  kW: 1,
  strideH: 1,
  strideW: 1,
  dilationH: 1,
  dilationW: 1,
  padTop: 0,
  padLeft: 0,
} as const satisfies Record<keyof Conv2DInfo, number>;

/** Geometry of a 2D pooling window sweep over NHWC input. */
export interface Pool2DInfo {
  batch: number;
  inH: number;
  inW: number;
  channels: number;
  outH: number;
  outW: number;
  poolH: number;
  poolW: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padLeft: number;
}

/** The fields of Pool2DInfo with the least value each may take (see conv2dFields). */
export const pool2dFields = {
  batch: 1,
  inH: 1,
  inW: 1,
  channels: 1,
  outH: 1,
  outW: 1,
  poolH: 1,
  poolW: 1,
  strideH: 1,
  strideW: 1,
  padTop: 0,
  padLeft: 0,
} as const satisfies Record<keyof Pool2DInfo, number>;

export interface Backend extends Kernels {
  readonly name: 'js' | 'native';

  /**
   * Optional: takes back an array that nothing will read or write again (no other views of its
   * storage either), so that a later output of the same size can reuse its memory. Fewer fresh
   * allocations mean fewer garbage collections in a training step. A no-op where absent.
   */
  release?(x: Float32Array): void;
}
