// The kernel table: every kernel convkit runs, declared once. Each entry names its arguments in
// order with their kinds, the kind of its result, the size of its output and the lengths its
// buffer arguments must have. From this table come the Backend type (what the JS reference and the
// native backend must implement, checked at compile time), the native addon's type (the same
// arguments plus the output buffer), the generic native wrapper that allocates outputs, and the
// one argument validation both backends run before a kernel (validate.ts).
// Kernels themselves live in js/ (reference loops) and native/src (C++); nothing here computes.
import type { Activation, BinaryOp, Conv2DInfo, Interpolation, Pool2DInfo, ReduceOp, UnaryOp } from './types.js';

/** What an argument is; each kind maps to one TypeScript type and one C++ extractor. */
export interface ArgTypes {
  f32: Float32Array;
  'f32?': Float32Array | null;
  f32list: readonly Float32Array[];
  i32: Int32Array;
  u8: Uint8Array;
  /** An integer >= 0. */
  int: number;
  /** A finite number. */
  num: number;
  bool: boolean;
  /** An array of integers >= 0 (a shape, a permutation, sizes). */
  shape: readonly number[];
  conv: Conv2DInfo;
  pool: Pool2DInfo;
  activation: Activation;
  unaryOp: UnaryOp;
  binaryOp: BinaryOp;
  reduceOp: ReduceOp;
  interpolation: Interpolation;
}
export type ArgKind = keyof ArgTypes;
export type ArgDecl = readonly [name: string, kind: ArgKind];

/** 'f32' and 'i32' kernels return a fresh output of that type; 'inPlace' kernels update arguments. */
export type OutKind = 'f32' | 'i32' | 'inPlace';
interface OutTypes {
  f32: Float32Array;
  i32: Int32Array;
  inPlace: void;
}

/** The TypeScript values of an argument list, as a tuple. */
export type ArgValues<A extends readonly ArgDecl[]> = { -readonly [I in keyof A]: ArgTypes[A[I][1]] };
type BufferKind = 'f32' | 'f32?' | 'i32' | 'u8';
type BufferName<A extends readonly ArgDecl[]> = Extract<A[number], readonly [string, BufferKind]>[0];

export interface KernelSpec<A extends readonly ArgDecl[] = readonly ArgDecl[], O extends OutKind = OutKind> {
  readonly args: A;
  readonly out: O;
  /** False for kernels the addon does not carry; the native backend then runs the reference kernel. */
  readonly native?: boolean;
  /** Elements of the output (0 for in-place kernels); arguments have passed validation. */
  outSize(...a: ArgValues<A>): number;
  /** Lengths the buffer arguments must have, by name; a buffer left out may have any length. */
  lengths(...a: ArgValues<A>): { readonly [N in BufferName<A>]?: number };
  /** Further consistency rules (broadcasting, permutations, index ranges): a message, or null. */
  check?(...a: ArgValues<A>): string | null;
}

/** Declares one kernel; `const` keeps argument names and kinds literal for the derived types. */
function kernel<const A extends readonly ArgDecl[], const O extends OutKind>(spec: KernelSpec<A, O>): KernelSpec<A, O> {
  return spec;
}

const prod = (s: readonly number[]): number => {
  let p = 1;
  for (const d of s) p *= d;
  return p;
};
const none = (): number => 0;
const rowsCols = [
  ['rows', 'int'],
  ['cols', 'int'],
] as const;

function broadcastRule(a: readonly number[], b: readonly number[], out: readonly number[]): string | null {
  if (a.length > out.length || b.length > out.length) return `operand rank exceeds the output rank ${out.length}`;
  for (let d = 1; d <= out.length; d++) {
    const o = out[out.length - d];
    const ad = d <= a.length ? a[a.length - d] : 1;
    const bd = d <= b.length ? b[b.length - d] : 1;
    if ((ad !== 1 && ad !== o) || (bd !== 1 && bd !== o)) {
      return `shapes do not broadcast to the output shape at axis ${out.length - d}`;
    }
  }
  return null;
}

/** The arguments of the fused convolution + max-pooling kernels. */
const convPoolArgs = [
  ['x', 'f32'],
  ['w', 'f32'],
  ['bias', 'f32?'],
  ['conv', 'conv'],
  ['act', 'activation'],
  ['pool', 'pool'],
] as const;

function convLengths(g: Conv2DInfo): { x: number; w: number; bias: number } {
  return { x: g.batch * g.inH * g.inW * g.inC, w: g.kH * g.kW * g.inC * g.outC, bias: g.outC };
}

function chainedRule(g: Conv2DInfo, p: Pool2DInfo): string | null {
  return p.batch === g.batch && p.inH === g.outH && p.inW === g.outW && p.channels === g.outC
    ? null
    : `the pooling geometry must take the convolution's output (batch ${g.batch}, ${g.outH}x${g.outW}x${g.outC})`;
}

function nhwcRule(s: readonly number[]): string | null {
  return s.length === 4 ? null : `shape must be [batch, height, width, channels], given rank ${s.length}`;
}

function windowRule(
  shape: readonly number[],
  what: string,
  top: number,
  left: number,
  h: number,
  w: number,
): string | null {
  if (shape.length !== 4) return nhwcRule(shape);
  if (top + h > shape[1] || left + w > shape[2]) {
    return `${what} ${h}x${w} at (${top}, ${left}) does not fit images of ${shape[1]}x${shape[2]}`;
  }
  return null;
}

export const kernels = {
  /**
   * C[m,n] = op(A)·op(B) (+ bias[n]) then activation; A is [m,k] ([k,m] when transA), B is [k,n]
   * ([n,k] when transB).
   */
  matmul: kernel({
    args: [
      ['a', 'f32'],
      ['b', 'f32'],
      ['m', 'int'],
      ['n', 'int'],
      ['k', 'int'],
      ['transA', 'bool'],
      ['transB', 'bool'],
      ['bias', 'f32?'],
      ['act', 'activation'],
    ],
    out: 'f32',
    outSize: (_a, _b, m, n) => m * n,
    lengths: (_a, _b, m, n, k) => ({ a: m * k, b: k * n, bias: n }),
  }),
  /** y[N,OH,OW,F] = conv(x[N,H,W,C], w[kh,kw,C,F]) (+ bias[F]) then activation; zero padding. */
  conv2d: kernel({
    args: [
      ['x', 'f32'],
      ['w', 'f32'],
      ['bias', 'f32?'],
      ['info', 'conv'],
      ['act', 'activation'],
    ],
    out: 'f32',
    outSize: (_x, _w, _b, g) => g.batch * g.outH * g.outW * g.outC,
    lengths: (_x, _w, _b, g) => convLengths(g),
  }),
  /** dx[N,H,W,C] from dy[N,OH,OW,F] and w[kh,kw,C,F]. */
  conv2dBackpropInput: kernel({
    args: [
      ['dy', 'f32'],
      ['w', 'f32'],
      ['info', 'conv'],
    ],
    out: 'f32',
    outSize: (_dy, _w, g) => g.batch * g.inH * g.inW * g.inC,
    lengths: (_dy, _w, g) => ({ dy: g.batch * g.outH * g.outW * g.outC, w: g.kH * g.kW * g.inC * g.outC }),
  }),
  /** dw[kh,kw,C,F] from x[N,H,W,C] and dy[N,OH,OW,F]. */
  conv2dBackpropFilter: kernel({
    args: [
      ['x', 'f32'],
      ['dy', 'f32'],
      ['info', 'conv'],
    ],
    out: 'f32',
    outSize: (_x, _dy, g) => g.kH * g.kW * g.inC * g.outC,
    lengths: (_x, _dy, g) => ({ x: g.batch * g.inH * g.inW * g.inC, dy: g.batch * g.outH * g.outW * g.outC }),
  }),
  /**
   * Depthwise: y[N,OH,OW,C·M] = Σ x[.., c] · w[kh,kw,c,m] at channel c·M+m (outC = inC·M), (+ bias)
   * then activation; zero padding as conv2d.
   */
  depthwiseConv2d: kernel({
    args: [
      ['x', 'f32'],
      ['w', 'f32'],
      ['bias', 'f32?'],
      ['info', 'conv'],
      ['act', 'activation'],
    ],
    out: 'f32',
    outSize: (_x, _w, _b, g) => g.batch * g.outH * g.outW * g.outC,
    lengths: (_x, _w, _b, g) => ({ x: g.batch * g.inH * g.inW * g.inC, w: g.kH * g.kW * g.outC, bias: g.outC }),
    check: (_x, _w, _b, g) => depthwiseRule(g),
  }),
  /** dx[N,H,W,C] from dy[N,OH,OW,C·M] and w[kh,kw,C,M]. */
  depthwiseConv2dBackpropInput: kernel({
    args: [
      ['dy', 'f32'],
      ['w', 'f32'],
      ['info', 'conv'],
    ],
    out: 'f32',
    outSize: (_dy, _w, g) => g.batch * g.inH * g.inW * g.inC,
    lengths: (_dy, _w, g) => ({ dy: g.batch * g.outH * g.outW * g.outC, w: g.kH * g.kW * g.outC }),
    check: (_dy, _w, g) => depthwiseRule(g),
  }),
  /** dw[kh,kw,C,M] from x[N,H,W,C] and dy[N,OH,OW,C·M]. */
  depthwiseConv2dBackpropFilter: kernel({
    args: [
      ['x', 'f32'],
      ['dy', 'f32'],
      ['info', 'conv'],
    ],
    out: 'f32',
    outSize: (_x, _dy, g) => g.kH * g.kW * g.outC,
    lengths: (_x, _dy, g) => ({ x: g.batch * g.inH * g.inW * g.inC, dy: g.batch * g.outH * g.outW * g.outC }),
    check: (_x, _dy, g) => depthwiseRule(g),
  }),
  /** Max over each window; padded cells are ignored (never win). */
  maxPool2d: kernel({
    args: [
      ['x', 'f32'],
      ['info', 'pool'],
    ],
    out: 'f32',
    outSize: (_x, g) => g.batch * g.outH * g.outW * g.channels,
    lengths: (_x, g) => ({ x: g.batch * g.inH * g.inW * g.channels }),
  }),
  /**
   * Inference: maxPool2d(conv2d(x, w, bias, conv, act), pool) without storing the convolution's
   * output (the pooling takes it: pool's batch, inH, inW, channels are conv's batch, outH, outW, outC).
   */
  conv2dMaxPool: kernel({
    args: convPoolArgs,
    out: 'f32',
    outSize: (_x, _w, _b, _g, _a, p) => p.batch * p.outH * p.outW * p.channels,
    lengths: (_x, _w, _b, g) => convLengths(g),
    check: (_x, _w, _b, g, _a, p) => chainedRule(g, p),
  }),
  /**
   * Training: conv2dMaxPool's pooled values (P of them), followed by P argmaxes: for each pooled value
   * the place, row-major in its unclipped poolH x poolW window, of the cell maxPool2dBackward would
   * route its gradient to (the first strict maximum), or -1 for a window of padding only. With ReLU,
   * also -1 where the pooled value is not positive: ReLU's gradient is zero at every cell of such a
   * window, so the ReLU mask of the backward pass is in the argmaxes.
   */
  conv2dMaxPoolArgmax: kernel({
    args: convPoolArgs,
    out: 'f32',
    outSize: (_x, _w, _b, _g, _a, p) => 2 * p.batch * p.outH * p.outW * p.channels,
    lengths: (_x, _w, _b, g) => convLengths(g),
    check: (_x, _w, _b, g, _a, p) => chainedRule(g, p),
  }),
  /**
   * conv2dBackpropFilter(x, routed, conv) without storing the routed gradient (routed: the first part
   * of maxPool2dBackwardArgmax(arg, dy, pool)): the filter gradient of the convolution behind
   * conv2dMaxPoolArgmax, from the pooled gradient dy and the argmaxes that kernel wrote; followed by
   * the bias gradient, the outC sums of what is routed (as maxPool2dBackwardArgmax's).
   */
  conv2dMaxPoolBackpropFilter: kernel({
    args: [
      ['x', 'f32'],
      ['dy', 'f32'],
      ['arg', 'f32'],
      ['conv', 'conv'],
      ['pool', 'pool'],
    ],
    out: 'f32',
    outSize: (_x, _dy, _arg, g) => (g.kH * g.kW * g.inC + 1) * g.outC,
    lengths: (_x, _dy, _arg, g, p) => ({
      x: g.batch * g.inH * g.inW * g.inC,
      dy: p.batch * p.outH * p.outW * p.channels,
      arg: p.batch * p.outH * p.outW * p.channels,
    }),
    check: (_x, _dy, _arg, g, p) => chainedRule(g, p),
  }),
  /**
   * conv2dBackpropInput(routed, w, conv) without storing the routed gradient (routed: the first part of
   * maxPool2dBackwardArgmax(arg, dy, pool)): the input gradient of the convolution behind
   * conv2dMaxPoolArgmax, from the pooled gradient dy and the argmaxes that kernel wrote.
   */
  conv2dMaxPoolBackpropInput: kernel({
    args: [
      ['dy', 'f32'],
      ['w', 'f32'],
      ['arg', 'f32'],
      ['conv', 'conv'],
      ['pool', 'pool'],
    ],
    out: 'f32',
    outSize: (_dy, _w, _arg, g) => g.batch * g.inH * g.inW * g.inC,
    lengths: (_dy, _w, _arg, g, p) => ({
      w: g.kH * g.kW * g.inC * g.outC,
      dy: p.batch * p.outH * p.outW * p.channels,
      arg: p.batch * p.outH * p.outW * p.channels,
    }),
    check: (_dy, _w, _arg, g, p) => chainedRule(g, p),
  }),
  /**
   * maxPool2dBackward from the argmaxes conv2dMaxPoolArgmax wrote: dx gets each dy at the cell its
   * argmax names (0 elsewhere; an argmax that names no cell of its window routes nothing); followed by
   * the per-channel sums of what was routed (channels values: the bias gradient of the convolution
   * behind the pooling), summed image by image in image order.
   */
  maxPool2dBackwardArgmax: kernel({
    args: [
      ['arg', 'f32'],
      ['dy', 'f32'],
      ['info', 'pool'],
    ],
    out: 'f32',
    outSize: (_arg, _dy, g) => (g.batch * g.inH * g.inW + 1) * g.channels,
    lengths: (_arg, _dy, g) => ({
      arg: g.batch * g.outH * g.outW * g.channels,
      dy: g.batch * g.outH * g.outW * g.channels,
    }),
  }),
  /** Routes dy to the first (lowest h, then w) position holding the window's max in x. */
  maxPool2dBackward: kernel({
    args: [
      ['x', 'f32'],
      ['dy', 'f32'],
      ['info', 'pool'],
    ],
    out: 'f32',
    outSize: (_x, _dy, g) => g.batch * g.inH * g.inW * g.channels,
    lengths: (_x, _dy, g) => ({ x: g.batch * g.inH * g.inW * g.channels, dy: g.batch * g.outH * g.outW * g.channels }),
  }),
  /** Mean over each window, dividing by the number of unpadded cells (Keras/TF 'same'). */
  avgPool2d: kernel({
    args: [
      ['x', 'f32'],
      ['info', 'pool'],
    ],
    out: 'f32',
    outSize: (_x, g) => g.batch * g.outH * g.outW * g.channels,
    lengths: (_x, g) => ({ x: g.batch * g.inH * g.inW * g.channels }),
  }),
  avgPool2dBackward: kernel({
    args: [
      ['dy', 'f32'],
      ['info', 'pool'],
    ],
    out: 'f32',
    outSize: (_dy, g) => g.batch * g.inH * g.inW * g.channels,
    lengths: (_dy, g) => ({ dy: g.batch * g.outH * g.outW * g.channels }),
  }),
  unary: kernel({
    args: [
      ['op', 'unaryOp'],
      ['x', 'f32'],
    ],
    out: 'f32',
    outSize: (_op, x) => x.length,
    lengths: () => ({}),
  }),
  /** Broadcasting binary op (NumPy rules) into outShape; comparisons give 1 or 0. */
  binary: kernel({
    args: [
      ['op', 'binaryOp'],
      ['a', 'f32'],
      ['aShape', 'shape'],
      ['b', 'f32'],
      ['bShape', 'shape'],
      ['outShape', 'shape'],
    ],
    out: 'f32',
    outSize: (_op, _a, _as, _b, _bs, os) => prod(os),
    lengths: (_op, _a, as, _b, bs) => ({ a: prod(as), b: prod(bs) }),
    check: (_op, _a, as, _b, bs, os) => broadcastRule(as, bs, os),
  }),
  /** dx = dy where y > 0 else 0 (y is the ReLU output). */
  reluBackward: kernel({
    args: [
      ['dy', 'f32'],
      ['y', 'f32'],
    ],
    out: 'f32',
    outSize: (dy) => dy.length,
    lengths: (dy) => ({ y: dy.length }),
  }),
  /** Reduces the middle axis of x viewed as [outer, size, inner]; result [outer, inner]. */
  reduce: kernel({
    args: [
      ['op', 'reduceOp'],
      ['x', 'f32'],
      ['outer', 'int'],
      ['size', 'int'],
      ['inner', 'int'],
    ],
    out: 'f32',
    outSize: (_op, _x, outer, _size, inner) => outer * inner,
    lengths: (_op, _x, outer, size, inner) => ({ x: outer * size * inner }),
  }),
  /** Index of the first maximum along the middle axis of [outer, size, inner]; result [outer, inner]. */
  argMax: kernel({
    args: [
      ['x', 'f32'],
      ['outer', 'int'],
      ['size', 'int'],
      ['inner', 'int'],
    ],
    out: 'i32',
    outSize: (_x, outer, _size, inner) => outer * inner,
    lengths: (_x, outer, size, inner) => ({ x: outer * size * inner }),
  }),
  /** Permutes the axes of x (shape) by perm. */
  transpose: kernel({
    args: [
      ['x', 'f32'],
      ['shape', 'shape'],
      ['perm', 'shape'],
    ],
    out: 'f32',
    outSize: (_x, shape) => prod(shape),
    lengths: (_x, shape) => ({ x: prod(shape) }),
    check: (_x, shape, perm) => {
      if (perm.length !== shape.length) return `perm has ${perm.length} axes, expected ${shape.length}`;
      const seen = new Set(perm);
      return seen.size === perm.length && perm.every((p) => p < shape.length) ? null : 'perm is not a permutation';
    },
  }),
  /** Row-wise softmax of x viewed as [rows, cols] (numerically stable). */
  softmax: kernel({
    args: [['x', 'f32'], ...rowsCols],
    out: 'f32',
    outSize: (_x, rows, cols) => rows * cols,
    lengths: (_x, rows, cols) => ({ x: rows * cols }),
  }),
  /** dx = y ⊙ (dy − Σ_row dy⊙y), from the softmax output y. */
  softmaxBackward: kernel({
    args: [['y', 'f32'], ['dy', 'f32'], ...rowsCols],
    out: 'f32',
    outSize: (_y, _dy, rows, cols) => rows * cols,
    lengths: (_y, _dy, rows, cols) => ({ y: rows * cols, dy: rows * cols }),
  }),
  /** Row-wise log-softmax of x viewed as [rows, cols]. */
  logSoftmax: kernel({
    args: [['x', 'f32'], ...rowsCols],
    out: 'f32',
    outSize: (_x, rows, cols) => rows * cols,
    lengths: (_x, rows, cols) => ({ x: rows * cols }),
  }),
  /** dx = dy − exp(y)·Σ_row dy, from the log-softmax output y. */
  logSoftmaxBackward: kernel({
    args: [['y', 'f32'], ['dy', 'f32'], ...rowsCols],
    out: 'f32',
    outSize: (_y, _dy, rows, cols) => rows * cols,
    lengths: (_y, _dy, rows, cols) => ({ y: rows * cols, dy: rows * cols }),
  }),
  /** Per-row −Σ labels·log_softmax(logits), for [rows, cols]; result [rows]. */
  softmaxCrossEntropy: kernel({
    args: [['logits', 'f32'], ['labels', 'f32'], ...rowsCols],
    out: 'f32',
    outSize: (_l, _y, rows) => rows,
    lengths: (_l, _y, rows, cols) => ({ logits: rows * cols, labels: rows * cols }),
  }),
  /** d logits = dloss[row] · (softmax(logits) · Σlabels_row − labels). */
  softmaxCrossEntropyBackward: kernel({
    args: [['logits', 'f32'], ['labels', 'f32'], ['dloss', 'f32'], ...rowsCols],
    out: 'f32',
    outSize: (_l, _y, _d, rows, cols) => rows * cols,
    lengths: (_l, _y, _d, rows, cols) => ({ logits: rows * cols, labels: rows * cols, dloss: rows }),
  }),
  /** Rows of x ([rows, rowSize]) at `indices`: result [indices.length, rowSize]. */
  gatherRows: kernel({
    args: [
      ['x', 'f32'],
      ['indices', 'i32'],
      ['rows', 'int'],
      ['rowSize', 'int'],
    ],
    out: 'f32',
    outSize: (_x, idx, _rows, rowSize) => idx.length * rowSize,
    lengths: (_x, _idx, rows, rowSize) => ({ x: rows * rowSize }),
    check: (_x, idx, rows) => indexRule(idx, rows),
  }),
  /** The adjoint of gatherRows: dy's row i is added into row indices[i] of a zero [rows, rowSize]. */
  scatterAddRows: kernel({
    args: [
      ['dy', 'f32'],
      ['indices', 'i32'],
      ['rows', 'int'],
      ['rowSize', 'int'],
    ],
    out: 'f32',
    outSize: (_dy, _idx, rows, rowSize) => rows * rowSize,
    lengths: (_dy, idx, _rows, rowSize) => ({ dy: idx.length * rowSize }),
    check: (_dy, idx, rows) => indexRule(idx, rows),
  }),
  /** Joins xs[k] ([outer, sizes[k], inner]) along the middle axis: [outer, Σsizes, inner]. */
  concat: kernel({
    args: [
      ['xs', 'f32list'],
      ['outer', 'int'],
      ['inner', 'int'],
      ['sizes', 'shape'],
    ],
    out: 'f32',
    outSize: (_xs, outer, inner, sizes) => outer * sum(sizes) * inner,
    lengths: () => ({}),
    check: (xs, outer, inner, sizes) => {
      if (xs.length !== sizes.length) return `xs has ${xs.length} arrays but sizes has ${sizes.length}`;
      for (let k = 0; k < xs.length; k++) {
        const want = outer * sizes[k] * inner;
        if (xs[k].length !== want) return `'xs[${k}]' has length ${xs[k].length}, expected ${want}`;
      }
      return null;
    },
  }),
  /** Positions [start, start+length) of the middle axis of x viewed as [outer, size, inner]. */
  sliceAxis: kernel({
    args: [
      ['x', 'f32'],
      ['outer', 'int'],
      ['size', 'int'],
      ['inner', 'int'],
      ['start', 'int'],
      ['length', 'int'],
    ],
    out: 'f32',
    outSize: (_x, outer, _size, inner, _start, length) => outer * length * inner,
    lengths: (_x, outer, size, inner) => ({ x: outer * size * inner }),
    check: (_x, _outer, size, _inner, start, length) =>
      start + length <= size ? null : `window [${start}, ${start + length}) exceeds the axis of size ${size}`,
  }),
  /** Zero-pads the spatial axes of NHWC x (shape): [n, top+h+bottom, left+w+right, c]. */
  pad2d: kernel({
    args: [
      ['x', 'f32'],
      ['shape', 'shape'],
      ['top', 'int'],
      ['bottom', 'int'],
      ['left', 'int'],
      ['right', 'int'],
    ],
    out: 'f32',
    outSize: (_x, s, t, b, l, r) => s[0] * (s[1] + t + b) * (s[2] + l + r) * s[3],
    lengths: (_x, s) => ({ x: prod(s) }),
    check: (_x, s) => nhwcRule(s),
  }),
  /** The window [top, top+height) × [left, left+width) of every image of NHWC x (shape). */
  crop2d: kernel({
    args: [
      ['x', 'f32'],
      ['shape', 'shape'],
      ['top', 'int'],
      ['left', 'int'],
      ['height', 'int'],
      ['width', 'int'],
    ],
    out: 'f32',
    outSize: (_x, s, _t, _l, h, w) => s[0] * h * w * s[3],
    lengths: (_x, s) => ({ x: prod(s) }),
    check: (_x, s, t, l, h, w) => windowRule(s, 'window', t, l, h, w),
  }),
  /** Flips image b of NHWC x left-right where flags[b] & 1, upside-down where flags[b] & 2. */
  flip2d: kernel({
    args: [
      ['x', 'f32'],
      ['shape', 'shape'],
      ['flags', 'u8'],
    ],
    out: 'f32',
    outSize: (_x, s) => prod(s),
    lengths: (_x, s) => ({ x: prod(s), flags: s[0] }),
    check: (_x, s) => nhwcRule(s),
  }),
  /** Resizes every image of NHWC x (shape) to outH × outW with tf.image.resize's half-pixel centres. */
  resize2d: kernel({
    args: [
      ['x', 'f32'],
      ['shape', 'shape'],
      ['outH', 'int'],
      ['outW', 'int'],
      ['method', 'interpolation'],
    ],
    out: 'f32',
    outSize: (_x, s, oh, ow) => s[0] * oh * ow * s[3],
    lengths: (_x, s) => ({ x: prod(s) }),
    check: (_x, s, oh, ow) => resizeRule(s, oh, ow),
  }),
  /** The adjoint of resize2d: dy [n, outH, outW, c] scattered back to images of `shape`. */
  resize2dBackward: kernel({
    args: [
      ['dy', 'f32'],
      ['shape', 'shape'],
      ['outH', 'int'],
      ['outW', 'int'],
      ['method', 'interpolation'],
    ],
    out: 'f32',
    outSize: (_dy, s) => prod(s),
    lengths: (_dy, s, oh, ow) => ({ dy: s[0] * oh * ow * s[3] }),
    check: (_dy, s, oh, ow) => resizeRule(s, oh, ow),
  }),
  /**
   * Keras RMSprop, in place: v ← ρv+(1−ρ)g²; inc = lr·g/√(v+ε); with momentum m ← μm+inc, w −= m;
   * else w −= inc.
   */
  rmspropUpdate: kernel({
    args: [
      ['w', 'f32'],
      ['g', 'f32'],
      ['v', 'f32'],
      ['m', 'f32?'],
      ['lr', 'num'],
      ['rho', 'num'],
      ['momentum', 'num'],
      ['epsilon', 'num'],
    ],
    out: 'inPlace',
    outSize: none,
    lengths: (w) => ({ g: w.length, v: w.length, m: w.length }),
  }),
  /** Keras Adam, in place, with alpha = lr·√(1−β2ᵗ)/(1−β1ᵗ) computed by the caller. */
  adamUpdate: kernel({
    args: [
      ['w', 'f32'],
      ['g', 'f32'],
      ['m', 'f32'],
      ['v', 'f32'],
      ['alpha', 'num'],
      ['beta1', 'num'],
      ['beta2', 'num'],
      ['epsilon', 'num'],
    ],
    out: 'inPlace',
    outSize: none,
    lengths: (w) => ({ g: w.length, m: w.length, v: w.length }),
  }),
  /**
   * Keras SGD, in place: without momentum w −= lr·g; with: m ← μm − lr·g, w += m
   * (nesterov: w += μm − lr·g).
   */
  sgdUpdate: kernel({
    args: [
      ['w', 'f32'],
      ['g', 'f32'],
      ['m', 'f32?'],
      ['lr', 'num'],
      ['momentum', 'num'],
      ['nesterov', 'bool'],
    ],
    out: 'inPlace',
    outSize: none,
    lengths: (w) => ({ g: w.length, m: w.length }),
  }),
} as const satisfies Record<string, KernelSpec<readonly ArgDecl[], OutKind>>;

function sum(s: readonly number[]): number {
  let t = 0;
  for (const d of s) t += d;
  return t;
}

function depthwiseRule(g: { inC: number; outC: number }): string | null {
  return g.outC % g.inC === 0
    ? null
    : `outC must be a multiple of inC (channels times the depth multiplier), given inC ${g.inC}, outC ${g.outC}`;
}

function indexRule(idx: Int32Array, rows: number): string | null {
  for (let i = 0; i < idx.length; i++) {
    if (idx[i] < 0 || idx[i] >= rows) return `index ${idx[i]} at position ${i} is out of range [0, ${rows})`;
  }
  return null;
}

function resizeRule(s: readonly number[], oh: number, ow: number): string | null {
  if (s.length !== 4) return nhwcRule(s);
  if (oh < 1 || ow < 1 || s[1] < 1 || s[2] < 1) return `sizes must be >= 1, given ${s[1]}x${s[2]} to ${oh}x${ow}`;
  return null;
}

export type KernelTable = typeof kernels;
export type KernelName = keyof KernelTable;
export type KernelArgs<K extends KernelName> = ArgValues<KernelTable[K]['args']>;
export type KernelResult<K extends KernelName> = OutTypes[KernelTable[K]['out']];
/** Kernel K as both backends expose it: arguments in, a fresh output (or nothing, in place) back. */
export type KernelFn<K extends KernelName> = (...args: KernelArgs<K>) => KernelResult<K>;
export type Kernels = { [K in KernelName]: KernelFn<K> };

/** Kernels the addon carries (all but those declared `native: false`). */
export type NativeKernelName = {
  [K in KernelName]: KernelTable[K] extends { readonly native: false } ? never : K;
}[KernelName];
/** Kernel K as the addon exports it: the output buffer to fill first, then the same arguments. */
export type AddonKernelFn<K extends KernelName> = KernelTable[K]['out'] extends 'inPlace'
  ? (...args: KernelArgs<K>) => void
  : (...args: [out: KernelResult<K>, ...KernelArgs<K>]) => void;
export type AddonKernels = { [K in NativeKernelName]: AddonKernelFn<K> };

export const kernelNames = Object.keys(kernels) as KernelName[];
