// The depthwise convolution kernels: the reference kernels against conv2d with a block-diagonal
// kernel (an independent oracle) and a hand-worked case; the native kernels against the reference
// on odd shapes, thread counts, strides, dilations and pads; both backends (and the raw addon)
// refusing the same bad calls.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { jsBackend } from '../../src/backend/js/index.js';
import {
  getNumThreads,
  loadAddonUnchecked,
  loadNativeBackend,
  nativeLoadError,
  setNumThreads,
} from '../../src/backend/native/index.js';
import type { Backend, Conv2DInfo } from '../../src/backend/types.js';

const nb = loadNativeBackend();
const skip = nb ? false : `native addon not available (${nativeLoadError()}); run \`npm run build:native\``;
const native = nb as Backend;
const initialThreads = nb ? getNumThreads() : 1;
after(() => {
  if (nb) setNumThreads(initialThreads);
});

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(4321);
function randn(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = 2 * rand() - 1;
  return a;
}

function close(got: ArrayLike<number>, want: ArrayLike<number>, depth: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  const tol = 2e-6 * Math.sqrt(Math.max(1, depth));
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])))) {
      assert.fail(`${what}[${i}]: got ${got[i]}, want ${want[i]} (tol ${tol})`);
    }
  }
}

/** A geometry with outH/outW from the pads (bottom/right pads implied, as the ops compute them). */
function geom(
  c: Partial<Conv2DInfo> & { batch: number; inH: number; inW: number; inC: number; kH: number; kW: number },
  mult: number,
  padBottom = 0,
  padRight = 0,
): Conv2DInfo {
  const p: Conv2DInfo = {
    strideH: 1,
    strideW: 1,
    dilationH: 1,
    dilationW: 1,
    padTop: 0,
    padLeft: 0,
    outH: 0,
    outW: 0,
    outC: c.inC * mult,
    ...c,
  };
  p.outH = Math.floor((p.inH + p.padTop + padBottom - p.dilationH * (p.kH - 1) - 1) / p.strideH) + 1;
  p.outW = Math.floor((p.inW + p.padLeft + padRight - p.dilationW * (p.kW - 1) - 1) / p.strideW) + 1;
  return p;
}

const cases: Conv2DInfo[] = [
  geom({ batch: 1, inH: 1, inW: 1, inC: 1, kH: 1, kW: 1 }, 1),
  geom({ batch: 2, inH: 7, inW: 13, inC: 3, kH: 3, kW: 3, padTop: 1, padLeft: 1 }, 1, 1, 1),
  geom({ batch: 1, inH: 13, inW: 7, inC: 5, kH: 3, kW: 3, strideH: 2, strideW: 2 }, 2, 0, 1),
  geom({ batch: 3, inH: 9, inW: 11, inC: 7, kH: 3, kW: 2, dilationH: 2, dilationW: 3, padTop: 2, padLeft: 1 }, 3, 2, 2),
  geom({ batch: 2, inH: 15, inW: 15, inC: 33, kH: 3, kW: 3, strideH: 2, strideW: 2, padTop: 0, padLeft: 0 }, 1, 1, 1),
  geom({ batch: 5, inH: 8, inW: 8, inC: 144, kH: 3, kW: 3, padTop: 1, padLeft: 1 }, 1, 1, 1),
  geom({ batch: 1, inH: 6, inW: 5, inC: 2, kH: 5, kW: 5, padTop: 2, padLeft: 2 }, 4, 2, 2),
  geom({ batch: 4, inH: 10, inW: 3, inC: 17, kH: 3, kW: 1, strideH: 3, strideW: 1 }, 1),
];

/** The full conv2d kernel [kh, kw, C, C·M] that does what the depthwise kernel w does. */
function blockDiagonal(w: Float32Array, p: Conv2DInfo): Float32Array {
  const m = p.outC / p.inC;
  const full = new Float32Array(p.kH * p.kW * p.inC * p.outC);
  for (let t = 0; t < p.kH * p.kW; t++) {
    for (let f = 0; f < p.outC; f++) full[(t * p.inC + Math.floor(f / m)) * p.outC + f] = w[t * p.outC + f];
  }
  return full;
}

describe('depthwise reference kernels', () => {
  test('a hand-worked case: 1 image 2x3, 2 channels, multiplier 2, 2x2 kernel, bias', () => {
    const p = geom({ batch: 1, inH: 2, inW: 3, inC: 2, kH: 2, kW: 2 }, 2);
    // x[h][w][c] = 10h + w + 100c; weights tap-major [kh, kw, c, m].
    const x = new Float32Array(12);
    for (let h = 0; h < 2; h++) {
      for (let w = 0; w < 3; w++) for (let c = 0; c < 2; c++) x[(h * 3 + w) * 2 + c] = 10 * h + w + 100 * c;
    }
    const w = Float32Array.from({ length: 16 }, (_, i) => (i % 4) + 1 + Math.floor(i / 4) * 0.5);
    const bias = Float32Array.of(0.5, -1, 2, 0);
    const y = jsBackend.depthwiseConv2d(x, w, bias, p, 'linear');
    assert.deepEqual([p.outH, p.outW, p.outC], [1, 2, 4]);
    const want: number[] = [];
    for (let ow = 0; ow < 2; ow++) {
      for (let f = 0; f < 4; f++) {
        const c = Math.floor(f / 2);
        let s = bias[f];
        for (let kh = 0; kh < 2; kh++) {
          for (let kw = 0; kw < 2; kw++) s += x[(kh * 3 + ow + kw) * 2 + c] * w[(kh * 2 + kw) * 4 + f];
        }
        want.push(s);
      }
    }
    assert.deepEqual(Array.from(y), want);
  });

  test('forward and both gradients equal conv2d with the block-diagonal kernel', () => {
    for (const p of cases) {
      const x = randn(p.batch * p.inH * p.inW * p.inC),
        w = randn(p.kH * p.kW * p.outC),
        bias = randn(p.outC);
      const dy = randn(p.batch * p.outH * p.outW * p.outC);
      const full = blockDiagonal(w, p);
      const tag = JSON.stringify(p);
      close(jsBackend.depthwiseConv2d(x, w, bias, p, 'relu'), jsBackend.conv2d(x, full, bias, p, 'relu'), 9, tag);
      close(jsBackend.depthwiseConv2dBackpropInput(dy, w, p), jsBackend.conv2dBackpropInput(dy, full, p), 9, tag);
      const dwFull = jsBackend.conv2dBackpropFilter(x, dy, p);
      const dw = jsBackend.depthwiseConv2dBackpropFilter(x, dy, p);
      const m = p.outC / p.inC;
      const diag = dw.map(
        (_, i) => dwFull[(Math.floor(i / p.outC) * p.inC + Math.floor((i % p.outC) / m)) * p.outC + (i % p.outC)],
      );
      close(dw, diag, p.batch * p.outH * p.outW, tag);
    }
  });
});

describe('depthwise native kernels vs the reference', { skip }, () => {
  test('forward (bias, relu, none) and both gradients on odd shapes, 1 and 3 threads', () => {
    for (const threads of [1, 3, initialThreads]) {
      setNumThreads(threads);
      for (const p of cases) {
        const x = randn(p.batch * p.inH * p.inW * p.inC),
          w = randn(p.kH * p.kW * p.outC),
          bias = randn(p.outC);
        const dy = randn(p.batch * p.outH * p.outW * p.outC);
        const tag = `t${threads} ${JSON.stringify(p)}`;
        const k = p.kH * p.kW * (p.outC / p.inC);
        close(native.depthwiseConv2d(x, w, bias, p, 'relu'), jsBackend.depthwiseConv2d(x, w, bias, p, 'relu'), k, tag);
        close(
          native.depthwiseConv2d(x, w, null, p, 'linear'),
          jsBackend.depthwiseConv2d(x, w, null, p, 'linear'),
          k,
          tag,
        );
        close(native.depthwiseConv2dBackpropInput(dy, w, p), jsBackend.depthwiseConv2dBackpropInput(dy, w, p), k, tag);
        close(
          native.depthwiseConv2dBackpropFilter(x, dy, p),
          jsBackend.depthwiseConv2dBackpropFilter(x, dy, p),
          p.batch * p.outH * p.outW,
          tag,
        );
      }
    }
    setNumThreads(initialThreads);
  });

  test('a MobileNetV2-sized layer, and results bit-identical from run to run with 3 threads', () => {
    setNumThreads(3);
    const p = geom({ batch: 4, inH: 28, inW: 28, inC: 192, kH: 3, kW: 3, padTop: 1, padLeft: 1 }, 1, 1, 1);
    const x = randn(p.batch * p.inH * p.inW * p.inC),
      w = randn(9 * p.outC);
    const dy = randn(p.batch * p.outH * p.outW * p.outC);
    const dw = native.depthwiseConv2dBackpropFilter(x, dy, p);
    close(dw, jsBackend.depthwiseConv2dBackpropFilter(x, dy, p), p.batch * p.outH * p.outW, 'filter');
    close(native.depthwiseConv2d(x, w, null, p, 'linear'), jsBackend.depthwiseConv2d(x, w, null, p, 'linear'), 9, 'y');
    for (let r = 0; r < 3; r++) {
      assert.deepEqual(native.depthwiseConv2dBackpropFilter(x, dy, p), dw);
      assert.deepEqual(native.depthwiseConv2dBackpropInput(dy, w, p), native.depthwiseConv2dBackpropInput(dy, w, p));
    }
    setNumThreads(initialThreads);
  });
});

const backends: Backend[] = nb ? [jsBackend, nb] : [jsBackend];
for (const be of backends) {
  describe(`depthwise kernels refuse bad calls (${be.name} backend)`, () => {
    const p = geom({ batch: 2, inH: 5, inW: 5, inC: 3, kH: 3, kW: 3 }, 2);
    const f = (n: number) => new Float32Array(n);
    const refuses = (fn: () => unknown, re: RegExp) =>
      assert.throws(fn, (e: unknown) => {
        assert.ok(e instanceof Error, 'a JS Error');
        assert.match(e.message, re);
        return true;
      });

    test('outC not a multiple of inC, wrong lengths, bad geometry', () => {
      refuses(
        () => be.depthwiseConv2d(f(150), f(63), null, { ...p, outC: 7 }, 'linear'),
        /depthwiseConv2d: outC must be a multiple of inC .*given inC 3, outC 7/,
      );
      refuses(
        () => be.depthwiseConv2d(f(149), f(54), null, p, 'linear'),
        /depthwiseConv2d: 'x' has length 149, expected 150/,
      );
      refuses(
        () => be.depthwiseConv2d(f(150), f(54), f(5), p, 'relu'),
        /depthwiseConv2d: 'bias' has length 5, expected 6/,
      );
      refuses(
        () => be.depthwiseConv2dBackpropInput(f(108), f(53), p),
        /depthwiseConv2dBackpropInput: 'w' has length 53, expected 54/,
      );
      refuses(
        () => be.depthwiseConv2dBackpropFilter(f(150), f(107), p),
        /depthwiseConv2dBackpropFilter: 'dy' has length 107, expected 108/,
      );
      refuses(
        () => be.depthwiseConv2dBackpropFilter(f(150), f(108), { ...p, strideW: 0 }),
        /depthwiseConv2dBackpropFilter: strideW must be >= 1, given 0/,
      );
    });
  });
}

describe('the raw addon checks depthwise arguments itself', { skip }, () => {
  test('a multiplier that does not divide and a short output are JS errors naming the kernel', () => {
    const addon = loadAddonUnchecked()!;
    const p = geom({ batch: 1, inH: 4, inW: 4, inC: 2, kH: 3, kW: 3 }, 2);
    const f = (n: number) => new Float32Array(n);
    assert.throws(
      () => addon.depthwiseConv2d(f(16), f(32), f(36), null, { ...p, outC: 3 }, 'linear'),
      /convkit native depthwiseConv2d: outC must be a multiple of inC/,
    );
    assert.throws(
      () => addon.depthwiseConv2dBackpropFilter(f(35), f(32), f(16), p),
      /convkit native depthwiseConv2dBackpropFilter: 'out' has length 35, expected 36/,
    );
    assert.throws(
      () => addon.depthwiseConv2dBackpropInput(f(32), f(15), f(36), p),
      /convkit native depthwiseConv2dBackpropInput: 'dy' has length 15, expected 16/,
    );
  });
});
