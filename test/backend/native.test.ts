// Every native kernel against the TypeScript reference backend (the oracle), on random data and odd
// shapes, on each instruction-set path this CPU can run (generic, AVX2, AVX-512), plus bad-argument
// checks: a wrong call must throw a JS Error naming the kernel and leave the process alive.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { jsBackend } from '../../src/backend/js/index.js';
import {
  clearReleasedBuffers,
  getIsa,
  getNumThreads,
  loadAddonUnchecked,
  loadNativeBackend,
  nativeInfo,
  nativeLoadError,
  releaseBuffer,
  setIsa,
  setNumThreads,
  type NativeIsa,
} from '../../src/backend/native/index.js';
import type { Backend, BinaryOp, Conv2DInfo, Pool2DInfo, UnaryOp } from '../../src/backend/types.js';
import { expectedRoute } from '../helpers/pool_route.js';

const nb = loadNativeBackend();
const skip = nb ? false : `native addon not available (${nativeLoadError()}); run \`npm run build:native\``;
const native = nb as Backend;

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
const rand = rng(1234);
function randn(n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rand();
  return a;
}

/** |a-b| <= tol·(1+|b|) elementwise, tol scaled by √depth for float32 sums. */
function close(got: ArrayLike<number>, want: ArrayLike<number>, depth: number, what: string, base = 2e-6): void {
  assert.equal(got.length, want.length, `${what}: length`);
  const tol = base * Math.sqrt(Math.max(1, depth));
  for (let i = 0; i < want.length; i++) {
    const g = got[i],
      w = want[i];
    if (Number.isNaN(w)) {
      assert.ok(Number.isNaN(g), `${what}[${i}]: got ${g}, want NaN`);
      continue;
    }
    if (g === w) continue;
    if (!(Math.abs(g - w) <= tol * (1 + Math.abs(w)))) {
      assert.fail(`${what}[${i}]: got ${g}, want ${w} (tol ${tol})`);
    }
  }
}

const isas: NativeIsa[] = [];
if (nb) {
  const best = nativeInfo().detectedIsa;
  isas.push('generic');
  if (best === 'avx2' || best === 'avx512') isas.push('avx2');
  if (best === 'avx512') isas.push('avx512');
}
const initialIsa = nb ? getIsa() : 'generic';
const initialThreads = nb ? getNumThreads() : 1;
after(() => {
  if (!nb) return;
  setIsa(initialIsa);
  setNumThreads(initialThreads);
});

function conv(
  c: Partial<Conv2DInfo> & {
    batch: number;
    inH: number;
    inW: number;
    inC: number;
    outC: number;
    kH: number;
    kW: number;
  },
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
    ...c,
  };
  p.outH = Math.floor((p.inH + p.padTop + padBottom - p.dilationH * (p.kH - 1) - 1) / p.strideH) + 1;
  p.outW = Math.floor((p.inW + p.padLeft + padRight - p.dilationW * (p.kW - 1) - 1) / p.strideW) + 1;
  return p;
}

const convCases: Conv2DInfo[] = [
  conv({ batch: 1, inH: 1, inW: 1, inC: 1, outC: 1, kH: 1, kW: 1 }),
  conv({ batch: 2, inH: 7, inW: 13, inC: 1, outC: 17, kH: 3, kW: 3, padTop: 1, padLeft: 1 }, 1, 1),
  conv({ batch: 1, inH: 13, inW: 7, inC: 3, outC: 33, kH: 3, kW: 3, strideH: 2, strideW: 2, padLeft: 1 }, 1, 0),
  conv(
    {
      batch: 3,
      inH: 9,
      inW: 11,
      inC: 15,
      outC: 31,
      kH: 3,
      kW: 2,
      strideH: 3,
      strideW: 1,
      dilationH: 2,
      dilationW: 2,
      padTop: 2,
      padLeft: 1,
    },
    0,
    3,
  ),
  conv({ batch: 2, inH: 28, inW: 28, inC: 1, outC: 32, kH: 3, kW: 3 }),
  conv({ batch: 2, inH: 13, inW: 13, inC: 32, outC: 64, kH: 3, kW: 3 }),
  conv({ batch: 2, inH: 5, inW: 5, inC: 64, outC: 64, kH: 3, kW: 3 }),
  conv({ batch: 1, inH: 17, inW: 5, inC: 97, outC: 7, kH: 5, kW: 1, padTop: 2 }, 2, 0),
  conv({ batch: 1, inH: 4, inW: 4, inC: 300, outC: 16, kH: 2, kW: 2 }),
  conv({ batch: 8, inH: 12, inW: 12, inC: 16, outC: 13, kH: 3, kW: 3, padTop: 1, padLeft: 1 }, 1, 1),
  conv({ batch: 1, inH: 6, inW: 6, inC: 2, outC: 3, kH: 7, kW: 7, padTop: 3, padLeft: 3 }, 3, 3),
];

const mmCases: [number, number, number][] = [
  [1, 1, 1],
  [7, 13, 31],
  [97, 33, 17],
  [15, 17, 300],
  [1, 100, 7],
  [100, 1, 5],
  [33, 65, 0],
  [64, 64, 64],
  [300, 40, 600],
  [203, 301, 257],
];

describe('native backend vs reference backend', { skip }, () => {
  for (const isa of isas) {
    describe(`isa ${isa}`, () => {
      test('matmul: transposes, bias, relu, odd sizes', () => {
        setIsa(isa);
        for (const threads of [initialThreads, 3])
          for (const [m, n, k] of mmCases) {
            setNumThreads(threads);
            for (const ta of [false, true])
              for (const tb of [false, true]) {
                const a = randn(m * k),
                  b = randn(k * n);
                const bias = (m + n + k) % 2 ? randn(n) : null;
                for (const act of ['linear', 'relu'] as const) {
                  const what = `matmul ${isa} m${m} n${n} k${k} ta${ta} tb${tb} bias${!!bias} ${act}`;
                  close(
                    native.matmul(a, b, m, n, k, ta, tb, bias, act),
                    jsBackend.matmul(a, b, m, n, k, ta, tb, bias, act),
                    k,
                    what,
                  );
                }
              }
          }
        setNumThreads(initialThreads);
      });

      test('matmul: large shapes (shared packed-B path, dynamic row blocks)', () => {
        setIsa(isa);
        const [m, n, k] = [811, 97, 700];
        for (const ta of [false, true])
          for (const tb of [false, true]) {
            const a = randn(m * k),
              b = randn(k * n),
              bias = randn(n);
            close(
              native.matmul(a, b, m, n, k, ta, tb, bias, 'relu'),
              jsBackend.matmul(a, b, m, n, k, ta, tb, bias, 'relu'),
              k,
              `matmul ${isa} m${m} n${n} k${k} ta${ta} tb${tb}`,
            );
          }
      });

      test('conv2d forward / backprop-input / backprop-filter', () => {
        setIsa(isa);
        for (const threads of [initialThreads, 3]) {
          setNumThreads(threads);
          for (const p of convCases) {
            const x = randn(p.batch * p.inH * p.inW * p.inC);
            const w = randn(p.kH * p.kW * p.inC * p.outC);
            const bias = randn(p.outC);
            const dy = randn(p.batch * p.outH * p.outW * p.outC);
            const k = p.kH * p.kW * p.inC;
            const tag = `${isa} t${threads} ${JSON.stringify(p)}`;
            close(native.conv2d(x, w, bias, p, 'relu'), jsBackend.conv2d(x, w, bias, p, 'relu'), k, `conv2d ${tag}`);
            close(
              native.conv2d(x, w, null, p, 'linear'),
              jsBackend.conv2d(x, w, null, p, 'linear'),
              k,
              `conv2d ${tag}`,
            );
            close(
              native.conv2dBackpropInput(dy, w, p),
              jsBackend.conv2dBackpropInput(dy, w, p),
              p.outC * p.kH * p.kW,
              `conv2dBackpropInput ${tag}`,
            );
            close(
              native.conv2dBackpropFilter(x, dy, p),
              jsBackend.conv2dBackpropFilter(x, dy, p),
              p.batch * p.outH * p.outW,
              `conv2dBackpropFilter ${tag}`,
            );
          }
        }
        setNumThreads(initialThreads);
      });
    });
  }

  test('results are bit-identical from run to run (dynamic scheduling never changes sum order)', () => {
    setNumThreads(3);
    const p = conv({ batch: 16, inH: 13, inW: 13, inC: 32, outC: 64, kH: 3, kW: 3 });
    const x = randn(p.batch * p.inH * p.inW * p.inC),
      w = randn(9 * p.inC * p.outC);
    const dy = randn(p.batch * p.outH * p.outW * p.outC);
    const a = randn(900 * 500),
      b = randn(500 * 300);
    for (let r = 0; r < 5; r++) {
      assert.deepEqual(native.conv2dBackpropFilter(x, dy, p), native.conv2dBackpropFilter(x, dy, p));
      assert.deepEqual(native.conv2dBackpropInput(dy, w, p), native.conv2dBackpropInput(dy, w, p));
      assert.deepEqual(native.conv2d(x, w, null, p, 'relu'), native.conv2d(x, w, null, p, 'relu'));
      assert.deepEqual(
        native.matmul(a, b, 900, 300, 500, false, false, null, 'linear'),
        native.matmul(a, b, 900, 300, 500, false, false, null, 'linear'),
      );
    }
    setNumThreads(initialThreads);
  });

  function pool(c: Omit<Pool2DInfo, 'outH' | 'outW'>, padBottom = 0, padRight = 0): Pool2DInfo {
    return {
      ...c,
      outH: Math.floor((c.inH + c.padTop + padBottom - c.poolH) / c.strideH) + 1,
      outW: Math.floor((c.inW + c.padLeft + padRight - c.poolW) / c.strideW) + 1,
    };
  }
  const poolCases: Pool2DInfo[] = [
    pool({ batch: 1, inH: 1, inW: 1, channels: 1, poolH: 1, poolW: 1, strideH: 1, strideW: 1, padTop: 0, padLeft: 0 }),
    pool({
      batch: 2,
      inH: 26,
      inW: 26,
      channels: 32,
      poolH: 2,
      poolW: 2,
      strideH: 2,
      strideW: 2,
      padTop: 0,
      padLeft: 0,
    }),
    pool({
      batch: 3,
      inH: 11,
      inW: 11,
      channels: 70,
      poolH: 2,
      poolW: 2,
      strideH: 2,
      strideW: 2,
      padTop: 0,
      padLeft: 0,
    }),
    pool(
      { batch: 2, inH: 7, inW: 13, channels: 3, poolH: 3, poolW: 3, strideH: 2, strideW: 3, padTop: 1, padLeft: 1 },
      1,
      2,
    ),
    pool(
      { batch: 1, inH: 5, inW: 5, channels: 17, poolH: 3, poolW: 2, strideH: 1, strideW: 1, padTop: 1, padLeft: 0 },
      1,
      1,
    ),
    pool(
      { batch: 2, inH: 8, inW: 9, channels: 5, poolH: 2, poolW: 2, strideH: 3, strideW: 3, padTop: 0, padLeft: 1 },
      0,
      0,
    ),
  ];

  test('pooling forward and backward (max, avg), including ties', () => {
    for (const p of poolCases) {
      const x = randn(p.batch * p.inH * p.inW * p.channels);
      // Ties: coarse values make equal maxima common; the first one must receive the gradient.
      const xt = x.map((v) => Math.round(v * 2) / 2);
      const dy = randn(p.batch * p.outH * p.outW * p.channels);
      const tag = JSON.stringify(p);
      for (const xx of [x, xt]) {
        close(native.maxPool2d(xx, p), jsBackend.maxPool2d(xx, p), 1, `maxPool2d ${tag}`);
        close(
          native.maxPool2dBackward(xx, dy, p),
          jsBackend.maxPool2dBackward(xx, dy, p),
          4,
          `maxPool2dBackward ${tag}`,
        );
      }
      // Routing by argmax: every place of the window, -1 (a window of padding only) and places that
      // name no cell (routed nowhere).
      const cells = p.poolH * p.poolW;
      const arg = Float32Array.from(dy, () => Math.floor(rand() * (cells + 2)) - 1);
      close(
        native.maxPool2dBackwardArgmax(arg, dy, p),
        jsBackend.maxPool2dBackwardArgmax(arg, dy, p),
        4,
        `maxPool2dBackwardArgmax ${tag}`,
      );
      close(native.avgPool2d(x, p), jsBackend.avgPool2d(x, p), p.poolH * p.poolW, `avgPool2d ${tag}`);
      close(
        native.avgPool2dBackward(dy, p),
        jsBackend.avgPool2dBackward(dy, p),
        p.poolH * p.poolW,
        `avgPool2dBackward ${tag}`,
      );
    }
  });

  test('conv2dMaxPool, conv2dMaxPoolArgmax, conv2dMaxPoolBackpropFilter: both native paths (direct for K <= 32 and F % 16 == 0, or 8 for the filter gradient; composed otherwise) and the reference', () => {
    // The pooling that takes a convolution's output: windows of (ph, pw) at strides (sh, sw), padded.
    const poolOf = (c: Conv2DInfo, ph: number, pw: number, sh: number, sw: number, pt = 0, pl = 0, pb = 0, pr = 0) =>
      pool(
        {
          batch: c.batch,
          inH: c.outH,
          inW: c.outW,
          channels: c.outC,
          poolH: ph,
          poolW: pw,
          strideH: sh,
          strideW: sw,
          padTop: pt,
          padLeft: pl,
        },
        pb,
        pr,
      );
    const cases: [Conv2DInfo, Pool2DInfo][] = [];
    const add = (c: Conv2DInfo, ...p: Parameters<typeof poolOf> extends [unknown, ...infer R] ? R : never) =>
      cases.push([c, poolOf(c, ...p)]);
    // direct: grayscale 3x3 (MNIST's first layer), odd sizes, 'same' padding with partial windows
    add(conv({ batch: 3, inH: 28, inW: 28, inC: 1, outC: 32, kH: 3, kW: 3 }), 2, 2, 2, 2);
    add(
      conv({ batch: 2, inH: 9, inW: 7, inC: 1, outC: 16, kH: 3, kW: 3, padTop: 1, padLeft: 1 }, 1, 1),
      2,
      2,
      2,
      2,
      0,
      0,
      1,
      1,
    );
    add(
      conv({ batch: 1, inH: 11, inW: 10, inC: 3, outC: 48, kH: 3, kW: 3, strideH: 2, strideW: 1, padLeft: 1 }, 0, 1),
      2,
      1,
      1,
      2,
    );
    add(conv({ batch: 2, inH: 12, inW: 12, inC: 2, outC: 16, kH: 3, kW: 3, dilationH: 2, dilationW: 2 }), 1, 1, 1, 1);
    // the filter gradient over windows (more than 32 taps, windows of at most four places): depths
    // off the vector width, odd filter counts, windows clipped by 'same' padding, 2x1 windows
    add(
      conv({ batch: 2, inH: 9, inW: 8, inC: 5, outC: 7, kH: 3, kW: 3, padTop: 1, padLeft: 1 }, 1, 1),
      2,
      2,
      2,
      2,
      0,
      0,
      1,
      0,
    );
    add(conv({ batch: 3, inH: 7, inW: 7, inC: 12, outC: 9, kH: 2, kW: 3 }), 2, 1, 2, 1);
    add(conv({ batch: 70, inH: 6, inW: 6, inC: 40, outC: 8, kH: 3, kW: 3 }), 2, 2, 2, 2);
    // chunked: more than 32 taps, filters not a multiple of 16, or windows of more than four cells
    add(conv({ batch: 3, inH: 13, inW: 13, inC: 32, outC: 64, kH: 3, kW: 3 }), 2, 2, 2, 2);
    add(conv({ batch: 2, inH: 8, inW: 9, inC: 1, outC: 24, kH: 3, kW: 3 }), 2, 2, 2, 2);
    add(conv({ batch: 2, inH: 10, inW: 10, inC: 1, outC: 16, kH: 3, kW: 3 }), 3, 3, 2, 2, 1, 1, 1, 1);
    add(conv({ batch: 40, inH: 30, inW: 30, inC: 3, outC: 40, kH: 3, kW: 3 }), 2, 2, 2, 2);
    for (const [c, p] of cases) {
      const x = randn(c.batch * c.inH * c.inW * c.inC);
      const w = randn(c.kH * c.kW * c.inC * c.outC);
      const bias = randn(c.outC);
      const depth = c.kH * c.kW * c.inC;
      for (const [b, act] of [
        [bias, 'relu'],
        [null, 'linear'],
      ] as const) {
        const tag = `${JSON.stringify(c)} ${JSON.stringify(p)} ${act}`;
        const want = jsBackend.maxPool2d(jsBackend.conv2d(x, w, b, c, act), p);
        close(jsBackend.conv2dMaxPool(x, w, b, c, act, p), want, depth, `reference ${tag}`);
        close(native.conv2dMaxPool(x, w, b, c, act, p), want, depth, `native ${tag}`);
        const size = want.length;
        for (const [be, name] of [
          [jsBackend, 'reference'],
          [native, 'native'],
        ] as const) {
          const both = be.conv2dMaxPoolArgmax(x, w, b, c, act, p);
          assert.equal(both.length, 2 * size);
          close(both.subarray(0, size), want, depth, `${name} argmax kernel, pooled values ${tag}`);
          // The filter gradient from the pooled gradient and these argmaxes, as the two kernels give it.
          const arg = both.subarray(size),
            dp = randn(size);
          // (then the bias gradient: the sums of what is routed, as the routing kernel gives them)
          const routed = jsBackend.maxPool2dBackwardArgmax(arg, dp, p);
          const n = routed.length - p.channels;
          const dw = jsBackend.conv2dBackpropFilter(x, routed.subarray(0, n), c);
          const grads = new Float32Array(dw.length + p.channels);
          grads.set(dw);
          grads.set(routed.subarray(n), dw.length);
          close(
            be.conv2dMaxPoolBackpropFilter(x, dp, arg, c, p),
            grads,
            c.batch * c.outH * c.outW,
            `${name} conv2dMaxPoolBackpropFilter ${tag}`,
          );
          // The input gradient, as backprop-input of the routed gradient gives it.
          close(
            be.conv2dMaxPoolBackpropInput(dp, w, arg, c, p),
            jsBackend.conv2dBackpropInput(routed.subarray(0, n), w, c),
            c.kH * c.kW * c.outC,
            `${name} conv2dMaxPoolBackpropInput ${tag}`,
          );
        }
      }
      // The argmaxes route a gradient as maxPool2dBackward does on the convolution's output (then
      // ReLU's mask), and the routing sums it per channel. Small integers make every sum exact, so
      // equal maxima (ties, many zeros after ReLU) and the sums are exact too.
      const xi = x.map((v) => Math.round(v * 2)),
        wi = w.map((v) => Math.round(v * 2)),
        bi = bias.map((v) => Math.round(v * 4));
      const size = p.batch * p.outH * p.outW * p.channels;
      const dy = randn(size).map((v) => Math.round(v * 8) + 0); // + 0: no -0
      for (const act of ['relu', 'linear'] as const) {
        const tag = `${JSON.stringify(c)} ${JSON.stringify(p)} ${act} (integers)`;
        const route = expectedRoute(jsBackend.conv2d(xi, wi, bi, c, act), dy, p, act);
        for (const be of [jsBackend, native]) {
          const both = be.conv2dMaxPoolArgmax(xi, wi, bi, c, act, p);
          assert.deepEqual(both.subarray(0, size), jsBackend.maxPool2d(jsBackend.conv2d(xi, wi, bi, c, act), p), tag);
          assert.deepEqual(be.maxPool2dBackwardArgmax(both.subarray(size), dy, p), route, tag);
        }
      }
    }
  });

  test('unary ops', () => {
    const ops: UnaryOp[] = [
      'neg',
      'abs',
      'exp',
      'log',
      'sqrt',
      'rsqrt',
      'square',
      'reciprocal',
      'relu',
      'sigmoid',
      'tanh',
      'sign',
      'floor',
      'round',
      'softplus',
    ];
    const special = Float32Array.from([0, -0, 0.5, -0.5, 1.5, 2.5, -2.5, 3.49, 20, -20, 90, -90]);
    for (const n of [1, 17, 33, 300_001]) {
      const x = randn(n, -4, 4);
      x.set(special.subarray(0, Math.min(n, special.length)));
      for (const op of ops) {
        const xx = op === 'log' || op === 'sqrt' || op === 'rsqrt' ? x.map((v) => Math.abs(v) + 0.01) : x;
        close(native.unary(op, xx), jsBackend.unary(op, xx), 1, `unary ${op} n${n}`);
      }
    }
  });

  test('binary ops with broadcasting', () => {
    const ops: BinaryOp[] = [
      'add',
      'sub',
      'mul',
      'div',
      'maximum',
      'minimum',
      'pow',
      'greater',
      'greaterEqual',
      'less',
      'lessEqual',
      'equal',
    ];
    const shapes: [number[], number[], number[]][] = [
      [[33], [33], [33]],
      [[2, 3, 4], [4], [2, 3, 4]],
      [
        [2, 1, 4],
        [3, 1],
        [2, 3, 4],
      ],
      [[], [5], [5]],
      [[5], [], [5]],
      [
        [3, 1],
        [1, 4],
        [3, 4],
      ],
      [[1], [7], [7]],
      [
        [2, 3, 4],
        [2, 1, 1],
        [2, 3, 4],
      ],
      [
        [1, 3, 1, 5],
        [2, 1, 4, 1],
        [2, 3, 4, 5],
      ],
      [[64, 10], [10], [64, 10]],
      [
        [300, 1000],
        [1, 1000],
        [300, 1000],
      ],
    ];
    for (const [as, bs, os] of shapes) {
      const a = randn(
        as.reduce((s, d) => s * d, 1),
        0.1,
        2,
      );
      const b = randn(
        bs.reduce((s, d) => s * d, 1),
        0.1,
        2,
      );
      if (b.length > 1) b[1] = a[0]; // some equal pairs for the comparisons
      for (const op of ops) {
        close(
          native.binary(op, a, as, b, bs, os),
          jsBackend.binary(op, a, as, b, bs, os),
          1,
          `binary ${op} ${JSON.stringify([as, bs, os])}`,
        );
      }
    }
  });

  test('reluBackward, reduce, argMax, transpose', () => {
    for (const n of [1, 15, 17, 200_003]) {
      const dy = randn(n),
        y = randn(n);
      close(native.reluBackward(dy, y), jsBackend.reluBackward(dy, y), 1, `reluBackward n${n}`);
    }
    for (const [o, s, i] of [
      [1, 1, 1],
      [3, 97, 1],
      [2, 5, 33],
      [1, 43264, 1],
      [7, 13, 300],
      [2, 0, 3],
      [1, 1000, 64],
    ]) {
      const x = randn(o * s * i);
      for (const op of ['sum', 'max', 'min'] as const) {
        close(native.reduce(op, x, o, s, i), jsBackend.reduce(op, x, o, s, i), s, `reduce ${op} ${o}x${s}x${i}`);
      }
      const xt = x.map((v) => Math.round(v * 3));
      assert.deepEqual(native.argMax(xt, o, s, i), jsBackend.argMax(xt, o, s, i), `argMax ${o}x${s}x${i}`);
    }
    const cases: [number[], number[]][] = [
      [[], []],
      [[5], [0]],
      [
        [2, 3],
        [1, 0],
      ],
      [
        [2, 3, 4],
        [2, 0, 1],
      ],
      [
        [2, 3, 4],
        [1, 2, 0],
      ],
      [
        [2, 3, 4],
        [0, 2, 1],
      ],
      [
        [4, 1, 3, 5],
        [3, 1, 0, 2],
      ],
      [
        [64, 13, 13, 32],
        [0, 3, 1, 2],
      ],
    ];
    for (const [shape, perm] of cases) {
      const x = randn(shape.reduce((s, d) => s * d, 1));
      assert.deepEqual(
        native.transpose(x, shape, perm),
        jsBackend.transpose(x, shape, perm),
        `transpose ${shape} ${perm}`,
      );
    }
  });

  test('softmax, logSoftmax, cross-entropy forward and backward', () => {
    for (const [rows, cols] of [
      [1, 1],
      [7, 10],
      [64, 10],
      [3, 33],
      [2, 1000],
    ]) {
      const x = randn(rows * cols, -5, 5);
      const labels = new Float32Array(rows * cols);
      for (let r = 0; r < rows; r++) labels[r * cols + Math.floor(rand() * cols)] = 1;
      if (rows > 2) for (let c = 0; c < cols; c++) labels[2 * cols + c] = 1 / cols; // a soft label row
      const dloss = randn(rows);
      const tag = `${rows}x${cols}`;
      close(native.softmax(x, rows, cols), jsBackend.softmax(x, rows, cols), cols, `softmax ${tag}`);
      close(native.logSoftmax(x, rows, cols), jsBackend.logSoftmax(x, rows, cols), cols, `logSoftmax ${tag}`);
      close(
        native.softmaxCrossEntropy(x, labels, rows, cols),
        jsBackend.softmaxCrossEntropy(x, labels, rows, cols),
        cols,
        `softmaxCrossEntropy ${tag}`,
      );
      close(
        native.softmaxCrossEntropyBackward(x, labels, dloss, rows, cols),
        jsBackend.softmaxCrossEntropyBackward(x, labels, dloss, rows, cols),
        cols,
        `softmaxCrossEntropyBackward ${tag}`,
      );
    }
  });

  test('softmax and logSoftmax backward', () => {
    for (const [rows, cols] of [
      [1, 1],
      [7, 10],
      [64, 10],
      [3, 33],
      [2, 1000],
      [0, 5],
    ]) {
      const x = randn(rows * cols, -5, 5),
        dy = randn(rows * cols);
      const y = jsBackend.softmax(x, rows, cols),
        ly = jsBackend.logSoftmax(x, rows, cols);
      close(
        native.softmaxBackward(y, dy, rows, cols),
        jsBackend.softmaxBackward(y, dy, rows, cols),
        cols,
        `softmaxBackward ${rows}x${cols}`,
      );
      close(
        native.logSoftmaxBackward(ly, dy, rows, cols),
        jsBackend.logSoftmaxBackward(ly, dy, rows, cols),
        cols,
        `logSoftmaxBackward ${rows}x${cols}`,
      );
    }
  });

  test('gatherRows, scatterAddRows (repeated indices), concat, sliceAxis', () => {
    for (const [rows, rowSize] of [
      [1, 1],
      [5, 3],
      [64, 784],
      [7, 1],
      [3, 0],
    ]) {
      const x = randn(rows * rowSize);
      const idx = Int32Array.from({ length: 2 * rows + 1 }, () => Math.floor(rand() * rows));
      const dy = randn(idx.length * rowSize);
      const tag = `${rows}x${rowSize}`;
      assert.deepEqual(
        native.gatherRows(x, idx, rows, rowSize),
        jsBackend.gatherRows(x, idx, rows, rowSize),
        `gatherRows ${tag}`,
      );
      close(
        native.scatterAddRows(dy, idx, rows, rowSize),
        jsBackend.scatterAddRows(dy, idx, rows, rowSize),
        idx.length,
        `scatterAddRows ${tag}`,
      );
    }
    const concatCases: [number, number, number[]][] = [
      [1, 1, [1]],
      [2, 3, [1, 4, 2]],
      [6, 1, [3, 0, 5]],
      [1, 7, [2, 2]],
      [5, 17, [1, 1, 1, 9]],
    ];
    for (const [outer, inner, sizes] of concatCases) {
      const xs = sizes.map((s) => randn(outer * s * inner));
      const tag = `${outer} ${JSON.stringify(sizes)} ${inner}`;
      const got = native.concat(xs, outer, inner, sizes);
      assert.deepEqual(got, jsBackend.concat(xs, outer, inner, sizes), `concat ${tag}`);
      const total = sizes.reduce((a, b) => a + b, 0);
      let start = 0;
      for (const len of sizes) {
        assert.deepEqual(
          native.sliceAxis(got, outer, total, inner, start, len),
          jsBackend.sliceAxis(got, outer, total, inner, start, len),
          `sliceAxis ${tag} at ${start}`,
        );
        start += len;
      }
    }
  });

  test('pad2d and crop2d on odd shapes', () => {
    const cases: [number[], number, number, number, number][] = [
      [[1, 1, 1, 1], 0, 0, 0, 0],
      [[2, 3, 4, 5], 1, 2, 0, 3],
      [[3, 7, 5, 1], 2, 0, 1, 1],
      [[1, 28, 28, 3], 3, 3, 3, 3],
    ];
    for (const [shape, t, b, l, r] of cases) {
      const x = randn(shape.reduce((p, d) => p * d, 1));
      const tag = `${JSON.stringify(shape)} ${t} ${b} ${l} ${r}`;
      const padded = native.pad2d(x, shape, t, b, l, r);
      assert.deepEqual(padded, jsBackend.pad2d(x, shape, t, b, l, r), `pad2d ${tag}`);
      const ps = [shape[0], shape[1] + t + b, shape[2] + l + r, shape[3]];
      assert.deepEqual(native.crop2d(padded, ps, t, l, shape[1], shape[2]), x, `crop2d undoes pad2d ${tag}`);
      assert.deepEqual(
        native.crop2d(padded, ps, 0, 0, 1, ps[2]),
        jsBackend.crop2d(padded, ps, 0, 0, 1, ps[2]),
        `crop2d ${tag}`,
      );
    }
  });

  test('flip2d and resize2d (every interpolation, up and down, odd sizes) with its adjoint', () => {
    const shapes = [
      [1, 1, 1, 1],
      [2, 5, 7, 3],
      [3, 4, 4, 1],
      [1, 13, 6, 2],
    ];
    for (const shape of shapes) {
      const n = shape.reduce((p, d) => p * d, 1);
      const x = randn(n);
      const flags = Uint8Array.from({ length: shape[0] }, (_, b) => b % 4);
      assert.deepEqual(native.flip2d(x, shape, flags), jsBackend.flip2d(x, shape, flags), `flip2d ${shape}`);
      for (const method of ['bilinear', 'nearest', 'bicubic', 'area'] as const) {
        for (const [oh, ow] of [
          [1, 1],
          [shape[1] * 2 + 1, 3],
          [3, shape[2]],
          [shape[1], shape[2]],
        ]) {
          const tag = `${method} ${shape} -> ${oh}x${ow}`;
          close(
            native.resize2d(x, shape, oh, ow, method),
            jsBackend.resize2d(x, shape, oh, ow, method),
            16,
            `resize2d ${tag}`,
          );
          const dy = randn(shape[0] * oh * ow * shape[3]);
          close(
            native.resize2dBackward(dy, shape, oh, ow, method),
            jsBackend.resize2dBackward(dy, shape, oh, ow, method),
            oh * ow,
            `resize2dBackward ${tag}`,
          );
        }
      }
    }
  });

  test('optimizer updates in place (rmsprop, adam, sgd)', () => {
    for (const n of [1, 17, 100_003]) {
      const w0 = randn(n),
        g = randn(n),
        v0 = randn(n, 0, 1),
        m0 = randn(n);
      const run = (b: Backend, f: (b: Backend, w: Float32Array, v: Float32Array, m: Float32Array) => void) => {
        const w = w0.slice(),
          v = v0.slice(),
          m = m0.slice();
        for (let step = 0; step < 3; step++) f(b, w, v, m);
        return [w, v, m];
      };
      const check = (name: string, f: (b: Backend, w: Float32Array, v: Float32Array, m: Float32Array) => void) => {
        const got = run(native, f),
          want = run(jsBackend, f);
        for (let i = 0; i < 3; i++) close(got[i], want[i], 4, `${name} n${n} buffer ${i}`);
      };
      check('rmsprop', (b, w, v) => b.rmspropUpdate(w, g, v, null, 0.001, 0.9, 0, 1e-7));
      check('rmsprop+momentum', (b, w, v, m) => b.rmspropUpdate(w, g, v, m, 0.01, 0.9, 0.5, 1e-7));
      check('adam', (b, w, v, m) => b.adamUpdate(w, g, m, v, 0.001, 0.9, 0.999, 1e-7));
      check('sgd', (b, w) => b.sgdUpdate(w, g, null, 0.1, 0, false));
      check('sgd+momentum', (b, w, _v, m) => b.sgdUpdate(w, g, m, 0.1, 0.9, false));
      check('sgd+nesterov', (b, w, _v, m) => b.sgdUpdate(w, g, m, 0.1, 0.9, true));
    }
  });
});

describe('native backend: bad arguments throw JS errors', { skip }, () => {
  const p = conv({ batch: 2, inH: 5, inW: 5, inC: 3, outC: 4, kH: 3, kW: 3 });
  test('wrong buffer lengths name the kernel and the expected size', () => {
    assert.throws(
      () => native.matmul(new Float32Array(5), new Float32Array(6), 2, 2, 3, false, false, null, 'linear'),
      /matmul: 'a' has length 5, expected 6/,
    );
    assert.throws(
      () =>
        native.matmul(new Float32Array(6), new Float32Array(6), 2, 2, 3, false, false, new Float32Array(3), 'linear'),
      /matmul: 'bias' has length 3, expected 2/,
    );
    assert.throws(
      () => native.conv2d(new Float32Array(10), new Float32Array(108), null, p, 'relu'),
      /conv2d: 'x' has length 10/,
    );
    assert.throws(
      () => native.conv2dBackpropInput(new Float32Array(5), new Float32Array(108), p),
      /conv2dBackpropInput: 'dy'/,
    );
    assert.throws(
      () => native.conv2dBackpropFilter(new Float32Array(150), new Float32Array(5), p),
      /conv2dBackpropFilter: 'dy'/,
    );
    const pp: Pool2DInfo = {
      batch: 1,
      inH: 4,
      inW: 4,
      channels: 2,
      outH: 2,
      outW: 2,
      poolH: 2,
      poolW: 2,
      strideH: 2,
      strideW: 2,
      padTop: 0,
      padLeft: 0,
    };
    assert.throws(() => native.maxPool2d(new Float32Array(31), pp), /maxPool2d: 'x' has length 31, expected 32/);
    assert.throws(() => native.avgPool2dBackward(new Float32Array(7), pp), /avgPool2dBackward: 'dy'/);
    assert.throws(() => native.reluBackward(new Float32Array(4), new Float32Array(3)), /reluBackward: 'y'/);
    assert.throws(() => native.reduce('sum', new Float32Array(5), 2, 3, 1), /reduce: 'x' has length 5, expected 6/);
    assert.throws(() => native.softmax(new Float32Array(5), 2, 3), /softmax: 'x'/);
    assert.throws(
      () =>
        native.rmspropUpdate(new Float32Array(4), new Float32Array(4), new Float32Array(3), null, 0.1, 0.9, 0, 1e-7),
      /rmspropUpdate: 'v' has length 3, expected 4/,
    );
    assert.throws(
      () => native.binary('add', new Float32Array(6), [2, 3], new Float32Array(4), [4], [2, 3]),
      /binary: shapes/,
    );
    assert.throws(
      () => native.binary('add', new Float32Array(5), [2, 3], new Float32Array(3), [3], [2, 3]),
      /binary: 'a'/,
    );
    assert.throws(() => native.transpose(new Float32Array(6), [2, 3], [0, 0]), /transpose: perm/);
  });
  test('bad dimensions and types', () => {
    assert.throws(
      () => native.matmul(new Float32Array(6), new Float32Array(6), -2, 2, 3, false, false, null, 'linear'),
      /matmul: argument 'm'/,
    );
    assert.throws(
      () => native.matmul(new Float32Array(6), new Float32Array(6), 2.5, 2, 3, false, false, null, 'linear'),
      /matmul/,
    );
    assert.throws(
      () =>
        native.matmul(
          new Float64Array(6) as unknown as Float32Array,
          new Float32Array(6),
          2,
          2,
          3,
          false,
          false,
          null,
          'linear',
        ),
      /matmul: argument 'a' must be a Float32Array/,
    );
    assert.throws(
      () => native.matmul(new Float32Array(6), new Float32Array(6), 2, 2, 3, false, false, null, 'gelu' as 'relu'),
      /matmul: activation/,
    );
    assert.throws(
      () => native.conv2d(new Float32Array(150), new Float32Array(108), null, { ...p, strideH: 0 }, 'relu'),
      /conv2d: strideH must be >= 1/,
    );
    assert.throws(
      () => native.conv2d(new Float32Array(150), new Float32Array(108), null, { ...p, padTop: -1 }, 'relu'),
      /conv2d: padTop/,
    );
    assert.throws(
      () => native.conv2d(new Float32Array(150), new Float32Array(108), null, { ...p, batch: 1e12 }, 'relu'),
      /conv2d/,
    );
    assert.throws(() => native.unary('cube' as UnaryOp, new Float32Array(3)), /unary: unknown op 'cube'/);
    assert.throws(() => setIsa('sse9' as NativeIsa), /setIsa/);
    // The process is still alive and the kernels still work.
    const a = randn(6),
      b = randn(6);
    close(
      native.matmul(a, b, 2, 2, 3, false, false, null, 'linear'),
      jsBackend.matmul(a, b, 2, 2, 3, false, false, null, 'linear'),
      3,
      'after errors',
    );
  });
  test('the addon checks its arguments itself (no TypeScript in front), naming the kernel', () => {
    const a = loadAddonUnchecked();
    assert.ok(a);
    const f = (n: number) => new Float32Array(n);
    const cg = { batch: 1, inH: 5, inW: 5, inC: 3, outH: 3, outW: 3, outC: 4, kH: 3, kW: 3, strideH: 1, strideW: 1 };
    const c5 = { ...cg, dilationH: 1, dilationW: 1, padTop: 0, padLeft: 0 };
    const pg = { batch: 1, inH: 3, inW: 3, channels: 4, outH: 1, outW: 1, poolH: 2, poolW: 2, strideH: 2, strideW: 2 };
    const p5 = { ...pg, padTop: 0, padLeft: 0 };
    assert.throws(
      () => a.conv2dMaxPool(f(4), f(75), f(108), null, c5, 'relu', { ...p5, channels: 2 }),
      /convkit native conv2dMaxPool: the pooling geometry must take the convolution's output \(batch 1, 3x3x4\)/,
    );
    assert.throws(
      () => a.conv2dMaxPool(f(3), f(75), f(108), null, c5, 'relu', p5),
      /convkit native conv2dMaxPool: 'out' has length 3, expected 4/,
    );
    assert.throws(
      () => a.conv2dMaxPoolArgmax(f(8), f(75), f(108), null, c5, 'relu', { ...p5, inH: 2 }),
      /convkit native conv2dMaxPoolArgmax: the pooling geometry must take the convolution's output \(batch 1, 3x3x4\)/,
    );
    assert.throws(
      () => a.conv2dMaxPoolArgmax(f(4), f(75), f(108), null, c5, 'relu', p5),
      /convkit native conv2dMaxPoolArgmax: 'out' has length 4, expected 8/,
    );
    assert.throws(
      () => a.conv2dMaxPoolBackpropFilter(f(112), f(75), f(4), f(3), c5, p5),
      /convkit native conv2dMaxPoolBackpropFilter: 'arg' has length 3, expected 4/,
    );
    assert.throws(
      () => a.conv2dMaxPoolBackpropInput(f(75), f(4), f(108), f(3), c5, p5),
      /convkit native conv2dMaxPoolBackpropInput: 'arg' has length 3, expected 4/,
    );
    assert.throws(
      () => a.conv2dMaxPoolBackpropInput(f(75), f(4), f(108), f(4), c5, { ...p5, inW: 2 }),
      /convkit native conv2dMaxPoolBackpropInput: the pooling geometry must take the convolution's output/,
    );
    assert.throws(
      () => a.maxPool2dBackwardArgmax(f(40), f(3), f(4), p5),
      /convkit native maxPool2dBackwardArgmax: 'arg' has length 3, expected 4/,
    );
    assert.throws(
      () => a.matmul(f(4), f(5), f(6), 2, 2, 3, false, false, null, 'linear'),
      /convkit native matmul: 'a' has length 5, expected 6/,
    );
    assert.throws(
      () => a.matmul(f(3), f(6), f(6), 2, 2, 3, false, false, null, 'linear'),
      /matmul: 'out' has length 3, expected 4/,
    );
    assert.throws(
      () => a.matmul(f(4), f(6), f(6), -1, 2, 3, false, false, null, 'linear'),
      /matmul: argument 'm' must be an integer >= 0/,
    );
    assert.throws(
      () => a.conv2d(f(72), f(150), f(108), null, { ...p, strideW: 0 }, 'relu'),
      /native conv2d: strideW must be >= 1, given 0/,
    );
    assert.throws(
      () => a.conv2d(f(72), f(150), f(108), null, { ...p, dilationH: 1.5 }, 'relu'),
      /native conv2d: dilationH must be an integer/,
    );
    const { kW: _omit, ...noKw } = p;
    assert.throws(
      () => a.conv2d(f(72), f(150), f(108), null, noKw as Conv2DInfo, 'relu'),
      /native conv2d: kW must be an integer, given undefined/,
    );
    const pp: Pool2DInfo = {
      batch: 1,
      inH: 4,
      inW: 4,
      channels: 2,
      outH: 2,
      outW: 2,
      poolH: 0,
      poolW: 2,
      strideH: 2,
      strideW: 2,
      padTop: 0,
      padLeft: 0,
    };
    assert.throws(() => a.maxPool2d(f(8), f(32), pp), /native maxPool2d: poolH must be >= 1, given 0/);
    assert.throws(
      () => a.gatherRows(f(4), f(6), Int32Array.of(0, 3), 3, 2),
      /native gatherRows: index 3 at position 1 is out of range \[0, 3\)/,
    );
    assert.throws(
      () => a.concat(f(4), [f(2), f(3)], 1, 1, [2, 2]),
      /native concat: 'xs\[1\]' has length 3, expected 2/,
    );
    assert.throws(() => a.sliceAxis(f(3), f(6), 1, 6, 1, 4, 3), /native sliceAxis: window \[4, 7\) exceeds/);
    assert.throws(() => a.pad2d(f(6), f(6), [2, 3], 0, 0, 0, 0), /native pad2d: shape must be/);
    assert.throws(
      () => a.crop2d(f(3), f(16), [1, 4, 4, 1], 2, 0, 3, 1),
      /native crop2d: window 3x1 at \(2, 0\) does not fit/,
    );
    assert.throws(
      () => a.softmaxBackward(f(6), f(6), f(5), 2, 3),
      /native softmaxBackward: 'dy' has length 5, expected 6/,
    );
    assert.throws(
      () => a.sgdUpdate(f(3), f(3), null, Number.NaN, 0, false),
      /native sgdUpdate: argument 'lr' must be finite/,
    );
    assert.throws(() => a.unary(f(3), 'cube' as UnaryOp, f(3)), /native unary: unknown op 'cube'/);
    assert.throws(() => a.transpose(f(6), f(6), [2, 3], [1, 1]), /native transpose: perm is not a permutation/);
    // Still alive, still right.
    const x = randn(6),
      out = f(6);
    a.softmax(out, x, 2, 3);
    close(out, jsBackend.softmax(x, 2, 3), 3, 'addon after errors');
  });

  test('released outputs are reused for later outputs of the same size, and only then', () => {
    const x = randn(5000),
      y = randn(5000);
    const first = native.reluBackward(x, y);
    releaseBuffer(first);
    releaseBuffer(first); // a second release is ignored
    const second = native.reluBackward(y, x);
    assert.equal(second.buffer, first.buffer, 'the released storage is reused');
    close(second, jsBackend.reluBackward(y, x), 1, 'reused output');
    const third = native.reluBackward(x, y);
    assert.notEqual(third.buffer, first.buffer, 'released storage is handed out once');
    releaseBuffer(third.subarray(10)); // a partial view is ignored
    assert.notEqual(native.reluBackward(x, y).buffer, third.buffer);
    clearReleasedBuffers();
  });

  test('thread pool and ISA controls', () => {
    assert.equal(setNumThreads(3), 3);
    assert.equal(getNumThreads(), 3);
    setNumThreads(initialThreads);
    assert.equal(getNumThreads(), initialThreads);
    for (const isa of isas) assert.equal(setIsa(isa), isa);
    setIsa(initialIsa);
  });
});
