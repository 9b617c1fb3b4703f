// The reference backend: plain, readable TypeScript loops. It is the oracle every native kernel is
// tested against, and the fallback when the addon is unavailable. Clarity first; the only
// concession to speed is a cache-friendly loop order in matmul and an im2col formulation of conv.
// `referenceKernels` must implement every kernel of the table (kernels.ts); `jsBackend` runs them
// behind the shared validation. Data movement and image kernels live in shape.ts.
import type { Kernels } from '../kernels.js';
import type { Activation, Backend, BinaryOp, Conv2DInfo, Pool2DInfo, UnaryOp } from '../types.js';
import { checkedReference } from '../wrap.js';
import { depthwiseKernels } from './depthwise.js';
import { shapeKernels } from './shape.js';

function applyActivation(y: Float32Array, act: Activation): void {
  if (act === 'relu') for (let i = 0; i < y.length; i++) if (!(y[i] > 0)) y[i] = 0;
}

/** C[m,n] = A[m,k]·B[k,n] accumulated into c (row-major, no transposes). */
function gemmNN(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number): void {
  for (let i = 0; i < m; i++) {
    const ci = i * n;
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p];
      if (av === 0) continue;
      const bp = p * n;
      for (let j = 0; j < n; j++) c[ci + j] += av * b[bp + j];
    }
  }
}

function transpose2d(x: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = x[i * cols + j];
  return out;
}

/** Unrolls NHWC input into rows of [kh·kw·C] patches, one row per output pixel (zero padding). */
function im2col(x: Float32Array, p: Conv2DInfo): Float32Array {
  const kSize = p.kH * p.kW * p.inC;
  const cols = new Float32Array(p.batch * p.outH * p.outW * kSize);
  let row = 0;
  for (let n = 0; n < p.batch; n++) {
    for (let oh = 0; oh < p.outH; oh++) {
      for (let ow = 0; ow < p.outW; ow++, row++) {
        let off = row * kSize;
        for (let kh = 0; kh < p.kH; kh++) {
          const ih = oh * p.strideH - p.padTop + kh * p.dilationH;
          for (let kw = 0; kw < p.kW; kw++) {
            const iw = ow * p.strideW - p.padLeft + kw * p.dilationW;
            if (ih >= 0 && ih < p.inH && iw >= 0 && iw < p.inW) {
              const src = ((n * p.inH + ih) * p.inW + iw) * p.inC;
              for (let c = 0; c < p.inC; c++) cols[off + c] = x[src + c];
            }
            off += p.inC;
          }
        }
      }
    }
  }
  return cols;
}

/** Scatters-adds patch rows back into an NHWC image: the adjoint of im2col. */
function col2im(cols: Float32Array, p: Conv2DInfo): Float32Array {
  const kSize = p.kH * p.kW * p.inC;
  const dx = new Float32Array(p.batch * p.inH * p.inW * p.inC);
  let row = 0;
  for (let n = 0; n < p.batch; n++) {
    for (let oh = 0; oh < p.outH; oh++) {
      for (let ow = 0; ow < p.outW; ow++, row++) {
        let off = row * kSize;
        for (let kh = 0; kh < p.kH; kh++) {
          const ih = oh * p.strideH - p.padTop + kh * p.dilationH;
          for (let kw = 0; kw < p.kW; kw++) {
            const iw = ow * p.strideW - p.padLeft + kw * p.dilationW;
            if (ih >= 0 && ih < p.inH && iw >= 0 && iw < p.inW) {
              const dst = ((n * p.inH + ih) * p.inW + iw) * p.inC;
              for (let c = 0; c < p.inC; c++) dx[dst + c] += cols[off + c];
            }
            off += p.inC;
          }
        }
      }
    }
  }
  return dx;
}

/** Calls fn(outIndex, inIndex) for every valid (unpadded) cell of every pooling window. */
/** fn(o, i, first, place): pooled element o, input element i, first cell of the window, i's place in it. */
function forEachPoolCell(p: Pool2DInfo, fn: (o: number, i: number, first: boolean, place: number) => void): void {
  for (let n = 0; n < p.batch; n++) {
    for (let oh = 0; oh < p.outH; oh++) {
      for (let ow = 0; ow < p.outW; ow++) {
        for (let c = 0; c < p.channels; c++) {
          const o = ((n * p.outH + oh) * p.outW + ow) * p.channels + c;
          let first = true;
          for (let ph = 0; ph < p.poolH; ph++) {
            const ih = oh * p.strideH - p.padTop + ph;
            if (ih < 0 || ih >= p.inH) continue;
            for (let pw = 0; pw < p.poolW; pw++) {
              const iw = ow * p.strideW - p.padLeft + pw;
              if (iw < 0 || iw >= p.inW) continue;
              fn(o, ((n * p.inH + ih) * p.inW + iw) * p.channels + c, first, ph * p.poolW + pw);
              first = false;
            }
          }
        }
      }
    }
  }
}

const unaryFns: Record<UnaryOp, (v: number) => number> = {
  neg: (v) => -v,
  abs: Math.abs,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  rsqrt: (v) => 1 / Math.sqrt(v),
  square: (v) => v * v,
  reciprocal: (v) => 1 / v,
  relu: (v) => (v > 0 ? v : 0),
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  tanh: Math.tanh,
  sign: (v) => (v > 0 ? 1 : v < 0 ? -1 : 0),
  floor: Math.floor,
  round: (v) => {
    // Banker's rounding, as NumPy and TF round.
    const r = Math.round(v);
    return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  },
  softplus: (v) => (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v))),
};

const binaryFns: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  maximum: (a, b) => (a >= b || Number.isNaN(a) ? a : b),
  minimum: (a, b) => (a <= b || Number.isNaN(a) ? a : b),
  pow: Math.pow,
  greater: (a, b) => (a > b ? 1 : 0),
  greaterEqual: (a, b) => (a >= b ? 1 : 0),
  less: (a, b) => (a < b ? 1 : 0),
  lessEqual: (a, b) => (a <= b ? 1 : 0),
  equal: (a, b) => (a === b ? 1 : 0),
};

/** Strides of `shape` right-aligned to `rank`, with 0 on broadcast (size-1 or missing) axes. */
function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const rank = outShape.length;
  const strides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const axis = rank - shape.length + i;
    strides[axis] = shape[i] === 1 && outShape[axis] !== 1 ? 0 : s;
    s *= shape[i];
  }
  return strides;
}

/** The reference kernels themselves, unchecked (kernels call each other through this). */
export const referenceKernels: Kernels = {
  ...shapeKernels,
  ...depthwiseKernels,

  matmul(a, b, m, n, k, transA, transB, bias, act) {
    const aa = transA ? transpose2d(a, k, m) : a;
    const bb = transB ? transpose2d(b, n, k) : b;
    const c = new Float32Array(m * n);
    if (bias) for (let i = 0; i < m; i++) c.set(bias, i * n);
    gemmNN(aa, bb, c, m, n, k);
    applyActivation(c, act);
    return c;
  },

  conv2d(x, w, bias, p, act) {
    const rows = p.batch * p.outH * p.outW;
    const kSize = p.kH * p.kW * p.inC;
    return referenceKernels.matmul(im2col(x, p), w, rows, p.outC, kSize, false, false, bias, act);
  },

  conv2dBackpropInput(dy, w, p) {
    const rows = p.batch * p.outH * p.outW;
    const kSize = p.kH * p.kW * p.inC;
    const cols = referenceKernels.matmul(dy, w, rows, kSize, p.outC, false, true, null, 'linear');
    return col2im(cols, p);
  },

  conv2dBackpropFilter(x, dy, p) {
    const rows = p.batch * p.outH * p.outW;
    const kSize = p.kH * p.kW * p.inC;
    return referenceKernels.matmul(im2col(x, p), dy, kSize, p.outC, rows, true, false, null, 'linear');
  },

  conv2dMaxPool(x, w, bias, conv, act, pool) {
    return referenceKernels.maxPool2d(referenceKernels.conv2d(x, w, bias, conv, act), pool);
  },

  conv2dMaxPoolArgmax(x, w, bias, conv, act, pool) {
    const y = referenceKernels.conv2d(x, w, bias, conv, act);
    const size = pool.batch * pool.outH * pool.outW * pool.channels;
    const out = new Float32Array(2 * size).fill(-Infinity, 0, size).fill(-1, size);
    const best = new Float32Array(size);
    forEachPoolCell(pool, (o, i, first, place) => {
      if (y[i] > out[o] || Number.isNaN(y[i])) out[o] = y[i];
      if (first || y[i] > best[o]) {
        best[o] = y[i];
        out[size + o] = place;
      }
    });
    // With ReLU a window whose max is not positive routes nothing (ReLU's gradient is zero there).
    if (act === 'relu') for (let o = 0; o < size; o++) if (!(out[o] > 0)) out[size + o] = -1;
    return out;
  },

  conv2dMaxPoolBackpropFilter(x, dy, arg, conv, pool) {
    const routed = referenceKernels.maxPool2dBackwardArgmax(arg, dy, pool);
    const n = routed.length - pool.channels;
    const dw = referenceKernels.conv2dBackpropFilter(x, routed.subarray(0, n), conv);
    const out = new Float32Array(dw.length + pool.channels);
    out.set(dw);
    out.set(routed.subarray(n), dw.length);
    return out;
  },

  conv2dMaxPoolBackpropInput(dy, w, arg, conv, pool) {
    const routed = referenceKernels.maxPool2dBackwardArgmax(arg, dy, pool);
    return referenceKernels.conv2dBackpropInput(routed.subarray(0, routed.length - pool.channels), w, conv);
  },

  maxPool2dBackwardArgmax(arg, dy, p) {
    const size = p.batch * p.inH * p.inW * p.channels;
    const out = new Float32Array(size + p.channels);
    forEachPoolCell(p, (o, i, _first, place) => {
      if (arg[o] === place) {
        out[i] += dy[o];
        out[size + (o % p.channels)] += dy[o];
      }
    });
    return out;
  },

  maxPool2d(x, p) {
    const y = new Float32Array(p.batch * p.outH * p.outW * p.channels).fill(-Infinity);
    forEachPoolCell(p, (o, i) => {
      if (x[i] > y[o] || Number.isNaN(x[i])) y[o] = x[i];
    });
    return y;
  },

  maxPool2dBackward(x, dy, p) {
    const dx = new Float32Array(x.length);
    const best = new Float32Array(dy.length);
    const arg = new Int32Array(dy.length).fill(-1);
    forEachPoolCell(p, (o, i, first) => {
      if (first || x[i] > best[o]) {
        best[o] = x[i];
        arg[o] = i;
      }
    });
    for (let o = 0; o < dy.length; o++) if (arg[o] >= 0) dx[arg[o]] += dy[o];
    return dx;
  },

  avgPool2d(x, p) {
    const size = p.batch * p.outH * p.outW * p.channels;
    const sum = new Float32Array(size);
    const count = new Float32Array(size);
    forEachPoolCell(p, (o, i) => {
      sum[o] += x[i];
      count[o] += 1;
    });
    for (let o = 0; o < size; o++) sum[o] = count[o] > 0 ? sum[o] / count[o] : 0;
    return sum;
  },

  avgPool2dBackward(dy, p) {
    const dx = new Float32Array(p.batch * p.inH * p.inW * p.channels);
    const count = new Float32Array(dy.length);
    forEachPoolCell(p, (o) => {
      count[o] += 1;
    });
    forEachPoolCell(p, (o, i) => {
      dx[i] += dy[o] / count[o];
    });
    return dx;
  },

  unary(op, x) {
    const f = unaryFns[op];
    const y = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) y[i] = f(x[i]);
    return y;
  },

  binary(op, a, aShape, b, bShape, outShape) {
    const f = binaryFns[op];
    const size = outShape.reduce((s, d) => s * d, 1);
    const out = new Float32Array(size);
    if (a.length === size && b.length === size) {
      for (let i = 0; i < size; i++) out[i] = f(a[i], b[i]);
      return out;
    }
    const rank = outShape.length;
    const sa = broadcastStrides(aShape, outShape);
    const sb = broadcastStrides(bShape, outShape);
    const idx = new Array<number>(rank).fill(0);
    let ia = 0;
    let ib = 0;
    for (let i = 0; i < size; i++) {
      out[i] = f(a[ia], b[ib]);
      // Odometer increment over the output index, moving both input offsets along.
      for (let d = rank - 1; d >= 0; d--) {
        idx[d]++;
        ia += sa[d];
        ib += sb[d];
        if (idx[d] < outShape[d]) break;
        ia -= sa[d] * outShape[d];
        ib -= sb[d] * outShape[d];
        idx[d] = 0;
      }
    }
    return out;
  },

  reluBackward(dy, y) {
    const dx = new Float32Array(dy.length);
    for (let i = 0; i < dy.length; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
    return dx;
  },

  reduce(op, x, outer, size, inner) {
    const out = new Float32Array(outer * inner);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let acc = op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity;
        for (let s = 0; s < size; s++) {
          const v = x[(o * size + s) * inner + i];
          if (op === 'sum') acc += v;
          else if (op === 'max') acc = v > acc || Number.isNaN(v) ? v : acc;
          else acc = v < acc || Number.isNaN(v) ? v : acc;
        }
        out[o * inner + i] = acc;
      }
    }
    return out;
  },

  argMax(x, outer, size, inner) {
    const out = new Int32Array(outer * inner);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let best = -Infinity;
        let arg = 0;
        for (let s = 0; s < size; s++) {
          const v = x[(o * size + s) * inner + i];
          if (v > best) {
            best = v;
            arg = s;
          }
        }
        out[o * inner + i] = arg;
      }
    }
    return out;
  },

  transpose(x, shape, perm) {
    const rank = shape.length;
    const outShape = perm.map((p) => shape[p]);
    const inStrides = new Array<number>(rank);
    let s = 1;
    for (let d = rank - 1; d >= 0; d--) {
      inStrides[d] = s;
      s *= shape[d];
    }
    const permStrides = perm.map((p) => inStrides[p]);
    const out = new Float32Array(x.length);
    const idx = new Array<number>(rank).fill(0);
    let src = 0;
    for (let i = 0; i < x.length; i++) {
      out[i] = x[src];
      for (let d = rank - 1; d >= 0; d--) {
        idx[d]++;
        src += permStrides[d];
        if (idx[d] < outShape[d]) break;
        src -= permStrides[d] * outShape[d];
        idx[d] = 0;
      }
    }
    return out;
  },

  softmax(x, rows, cols) {
    const y = new Float32Array(x.length);
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      let max = -Infinity;
      for (let c = 0; c < cols; c++) max = Math.max(max, x[o + c]);
      let sum = 0;
      for (let c = 0; c < cols; c++) {
        const e = Math.exp(x[o + c] - max);
        y[o + c] = e;
        sum += e;
      }
      for (let c = 0; c < cols; c++) y[o + c] /= sum;
    }
    return y;
  },

  softmaxBackward(y, dy, rows, cols) {
    const dx = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      let dot = 0;
      for (let c = 0; c < cols; c++) dot += dy[o + c] * y[o + c];
      for (let c = 0; c < cols; c++) dx[o + c] = y[o + c] * (dy[o + c] - dot);
    }
    return dx;
  },

  logSoftmax(x, rows, cols) {
    const y = new Float32Array(x.length);
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      let max = -Infinity;
      for (let c = 0; c < cols; c++) max = Math.max(max, x[o + c]);
      let sum = 0;
      for (let c = 0; c < cols; c++) sum += Math.exp(x[o + c] - max);
      const lse = max + Math.log(sum);
      for (let c = 0; c < cols; c++) y[o + c] = x[o + c] - lse;
    }
    return y;
  },

  logSoftmaxBackward(y, dy, rows, cols) {
    const dx = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      let s = 0;
      for (let c = 0; c < cols; c++) s += dy[o + c];
      for (let c = 0; c < cols; c++) dx[o + c] = dy[o + c] - Math.exp(y[o + c]) * s;
    }
    return dx;
  },

  softmaxCrossEntropy(logits, labels, rows, cols) {
    const logp = referenceKernels.logSoftmax(logits, rows, cols);
    const loss = new Float32Array(rows);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let c = 0; c < cols; c++) s -= labels[r * cols + c] * logp[r * cols + c];
      loss[r] = s;
    }
    return loss;
  },

  softmaxCrossEntropyBackward(logits, labels, dloss, rows, cols) {
    const p = referenceKernels.softmax(logits, rows, cols);
    const d = new Float32Array(logits.length);
    for (let r = 0; r < rows; r++) {
      let labelSum = 0;
      for (let c = 0; c < cols; c++) labelSum += labels[r * cols + c];
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        d[i] = dloss[r] * (p[i] * labelSum - labels[i]);
      }
    }
    return d;
  },

  rmspropUpdate(w, g, v, m, lr, rho, momentum, epsilon) {
    for (let i = 0; i < w.length; i++) {
      v[i] = rho * v[i] + (1 - rho) * g[i] * g[i];
      const inc = (lr * g[i]) / Math.sqrt(v[i] + epsilon);
      if (m) {
        m[i] = momentum * m[i] + inc;
        w[i] -= m[i];
      } else {
        w[i] -= inc;
      }
    }
  },

  adamUpdate(w, g, m, v, alpha, beta1, beta2, epsilon) {
    for (let i = 0; i < w.length; i++) {
      m[i] += (g[i] - m[i]) * (1 - beta1);
      v[i] += (g[i] * g[i] - v[i]) * (1 - beta2);
      w[i] -= (alpha * m[i]) / (Math.sqrt(v[i]) + epsilon);
    }
  },

  sgdUpdate(w, g, m, lr, momentum, nesterov) {
    for (let i = 0; i < w.length; i++) {
      if (m) {
        m[i] = momentum * m[i] - lr * g[i];
        w[i] += nesterov ? momentum * m[i] - lr * g[i] : m[i];
      } else {
        w[i] -= lr * g[i];
      }
    }
  },
};

/** The reference backend: the oracle of every test and the fallback when the addon is missing. */
export const jsBackend: Backend = { name: 'js', ...checkedReference(referenceKernels) };
