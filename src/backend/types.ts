// The backend interface: the complete list of kernels convkit runs. Everything above this level
// (ops, layers, models) calls kernels only through this interface; everything below it (the JS
// reference kernels and the native addon) implements exactly this list and nothing more.
//
// Conventions for every kernel:
// - Dense float32 row-major (C-order) buffers; image tensors are channels-last (NHWC).
// - Inputs are never modified, except by the optimizer updates, which work in place.
// - Kernels return freshly allocated outputs that the caller may keep; every element is written.
// - Shapes arrive as plain numbers or as an info record computed once by the op (ops/conv.ts);
//   a backend may trust that info is consistent with itself, but must check buffer lengths
//   against it (the native backend throws a JS error instead of reading out of bounds).

export type Activation = 'linear' | 'relu';

export type UnaryOp =
  | 'neg' | 'abs' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'square' | 'reciprocal'
  | 'relu' | 'sigmoid' | 'tanh' | 'sign' | 'floor' | 'round' | 'softplus';

// Comparison ops return 1 or 0 as float32.
export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum' | 'pow'
  | 'greater' | 'greaterEqual' | 'less' | 'lessEqual' | 'equal';

export type ReduceOp = 'sum' | 'max' | 'min';

/** Geometry of a 2D convolution; padBottom/padRight are implied by outH/outW. */
export interface Conv2DInfo {
  batch: number;
  inH: number; inW: number; inC: number;
  outH: number; outW: number; outC: number;
  kH: number; kW: number;
  strideH: number; strideW: number;
  dilationH: number; dilationW: number;
  padTop: number; padLeft: number;
}

/** Geometry of a 2D pooling window sweep over NHWC input. */
export interface Pool2DInfo {
  batch: number;
  inH: number; inW: number; channels: number;
  outH: number; outW: number;
  poolH: number; poolW: number;
  strideH: number; strideW: number;
  padTop: number; padLeft: number;
}

export interface Backend {
  readonly name: 'js' | 'native';

  /**
   * C[m,n] = op(A)·op(B) (+ bias[n]) then activation.
   * A is [m,k] (or [k,m] when transA); B is [k,n] (or [n,k] when transB).
   */
  matmul(a: Float32Array, b: Float32Array, m: number, n: number, k: number,
    transA: boolean, transB: boolean, bias: Float32Array | null, act: Activation): Float32Array;

  /** y[N,OH,OW,F] = conv(x[N,H,W,C], w[kh,kw,C,F]) (+ bias[F]) then activation; zero padding. */
  conv2d(x: Float32Array, w: Float32Array, bias: Float32Array | null, info: Conv2DInfo, act: Activation): Float32Array;
  /** dx[N,H,W,C] from dy[N,OH,OW,F] and w[kh,kw,C,F]. */
  conv2dBackpropInput(dy: Float32Array, w: Float32Array, info: Conv2DInfo): Float32Array;
  /** dw[kh,kw,C,F] from x[N,H,W,C] and dy[N,OH,OW,F]. */
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, info: Conv2DInfo): Float32Array;

  /** Max over each window; padded cells are ignored (never win). */
  maxPool2d(x: Float32Array, info: Pool2DInfo): Float32Array;
  /** Routes dy to the first (lowest h, then w) position holding the window's max in x. */
  maxPool2dBackward(x: Float32Array, dy: Float32Array, info: Pool2DInfo): Float32Array;
  /** Mean over each window, dividing by the number of unpadded cells (Keras/TF 'same'). */
  avgPool2d(x: Float32Array, info: Pool2DInfo): Float32Array;
  avgPool2dBackward(dy: Float32Array, info: Pool2DInfo): Float32Array;

  unary(op: UnaryOp, x: Float32Array): Float32Array;
  /** Broadcasting binary op (NumPy rules); shapes already validated, outShape is the result. */
  binary(op: BinaryOp, a: Float32Array, aShape: readonly number[], b: Float32Array, bShape: readonly number[],
    outShape: readonly number[]): Float32Array;
  /** dx = dy where y > 0 else 0 (y is the ReLU output). */
  reluBackward(dy: Float32Array, y: Float32Array): Float32Array;

  /**
   * Reduces the middle axis of x viewed as [outer, size, inner]; result is [outer, inner].
   * Multi-axis reductions are issued by the op as one call over a contiguous run of axes.
   */
  reduce(op: ReduceOp, x: Float32Array, outer: number, size: number, inner: number): Float32Array;
  /** Index of the first maximum along the middle axis of [outer, size, inner]; result [outer, inner]. */
  argMax(x: Float32Array, outer: number, size: number, inner: number): Int32Array;
  /** Permutes the axes of x (shape) by perm. */
  transpose(x: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array;

  /** Row-wise softmax of x viewed as [rows, cols] (numerically stable). */
  softmax(x: Float32Array, rows: number, cols: number): Float32Array;
  /** Row-wise log-softmax of x viewed as [rows, cols]. */
  logSoftmax(x: Float32Array, rows: number, cols: number): Float32Array;
  /** Per-row -Σ labels·log_softmax(logits), for [rows, cols]; result [rows]. */
  softmaxCrossEntropy(logits: Float32Array, labels: Float32Array, rows: number, cols: number): Float32Array;
  /** d logits = dloss[row] · (softmax(logits) · Σlabels_row − labels). */
  softmaxCrossEntropyBackward(logits: Float32Array, labels: Float32Array, dloss: Float32Array,
    rows: number, cols: number): Float32Array;

  /** Keras RMSprop, in place: v ← ρv+(1−ρ)g²; inc = lr·g/√(v+ε); with momentum m ← μm+inc, w −= m; else w −= inc. */
  rmspropUpdate(w: Float32Array, g: Float32Array, v: Float32Array, m: Float32Array | null,
    lr: number, rho: number, momentum: number, epsilon: number): void;
  /** Keras Adam, in place, with alpha = lr·√(1−β2ᵗ)/(1−β1ᵗ) computed by the caller. */
  adamUpdate(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array,
    alpha: number, beta1: number, beta2: number, epsilon: number): void;
  /** Keras SGD, in place: without momentum w −= lr·g; with: m ← μm − lr·g, w += m (nesterov: w += μm − lr·g). */
  sgdUpdate(w: Float32Array, g: Float32Array, m: Float32Array | null, lr: number, momentum: number, nesterov: boolean): void;

  /**
   * Optional: takes back an array that nothing will read or write again (no other views of its
   * storage either), so that a later output of the same size can reuse its memory. Fewer fresh
   * allocations mean fewer garbage collections in a training step. A no-op where absent.
   */
  release?(x: Float32Array): void;
}
