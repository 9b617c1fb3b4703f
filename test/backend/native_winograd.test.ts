// The native backend's Winograd F(2x2,3x3) path for 3x3 stride-1 convolutions (forward and
// backprop-input, and its transpose F(3x3,2x2) for backprop-filter) against the TypeScript reference
// backend and against the native direct kernel,
// on odd shapes, every padding, partial tiles and channel counts that are not multiples of the
// vector width or of the micro-kernel's panel. CONVKIT_WINOGRAD=1 routes every eligible shape through
// it, =0 none; the addon reads the variable on each call.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { jsBackend } from '../../src/backend/js/index.js';
import {
  getIsa,
  getNumThreads,
  loadNativeBackend,
  nativeInfo,
  nativeLoadError,
  setIsa,
  setNumThreads,
  type NativeIsa,
} from '../../src/backend/native/index.js';
import type { Backend, Conv2DInfo, Pool2DInfo } from '../../src/backend/types.js';
import { expectedRoute } from '../helpers/pool_route.js';

const nb = loadNativeBackend();
const skip = nb ? false : `native addon not available (${nativeLoadError()}); run \`npm run build:native\``;
const native = nb as Backend;
const initialEnv = process.env.CONVKIT_WINOGRAD;
const initialIsa = nb ? getIsa() : 'generic';
const initialThreads = nb ? getNumThreads() : 1;
after(() => {
  if (initialEnv === undefined) delete process.env.CONVKIT_WINOGRAD;
  else process.env.CONVKIT_WINOGRAD = initialEnv;
  if (!nb) return;
  setIsa(initialIsa);
  setNumThreads(initialThreads);
});

let seed = 99;
function randn(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    a[i] = (seed / 4294967296) * 2 - 1;
  }
  return a;
}

/**
 * Largest |got - want| relative to the typical magnitude of a result (the root mean square of want):
 * the Winograd transforms add and subtract up to 16 terms per output, so a result near zero carries
 * the rounding of its larger neighbours, and an elementwise relative bound would be meaningless there.
 */
function maxRelErr(got: Float32Array, want: Float32Array, what: string): number {
  assert.equal(got.length, want.length, `${what}: length`);
  let sq = 0,
    worst = 0;
  for (let i = 0; i < want.length; i++) sq += want[i] * want[i];
  const scale = Math.sqrt(sq / Math.max(1, want.length)) || 1;
  for (let i = 0; i < want.length; i++) {
    assert.ok(Number.isFinite(got[i]), `${what}[${i}]: got ${got[i]}`);
    worst = Math.max(worst, Math.abs(got[i] - want[i]) / scale);
  }
  return worst;
}

function conv(
  batch: number,
  inH: number,
  inW: number,
  inC: number,
  outC: number,
  pad: [number, number, number, number],
): Conv2DInfo {
  const [top, bottom, left, right] = pad;
  return {
    batch,
    inH,
    inW,
    inC,
    outC,
    kH: 3,
    kW: 3,
    strideH: 1,
    strideW: 1,
    dilationH: 1,
    dilationW: 1,
    padTop: top,
    padLeft: left,
    outH: inH + top + bottom - 2,
    outW: inW + left + right - 2,
  };
}

const cases: Conv2DInfo[] = [
  conv(1, 3, 3, 1, 1, [0, 0, 0, 0]), // one output pixel: a tile three quarters empty
  conv(2, 7, 9, 5, 3, [1, 1, 1, 1]), // odd output sizes ('same'), channels below the vector width
  conv(1, 8, 6, 17, 33, [0, 0, 0, 0]), // 'valid', F past two micro-kernel panels
  conv(3, 10, 11, 64, 64, [1, 1, 1, 1]), // 64 channels each side, as in VGG16's first blocks
  conv(2, 6, 7, 70, 19, [2, 0, 0, 2]), // asymmetric padding, up to 2 on a side
  conv(1, 5, 5, 400, 20, [1, 1, 1, 1]), // C split into two depth blocks of the GEMM
  conv(40, 4, 4, 8, 24, [1, 1, 1, 1]), // many tiles: several chunks on every thread
  // Cut outputs (a negative bottom/right padding: the rows a pooling reads, see ops.pooledRegion):
  // the inputs past the last window are never read, and backprop-input leaves them zero.
  conv(2, 13, 13, 32, 24, [0, -1, 0, -1]),
  conv(1, 9, 8, 6, 5, [1, -2, 0, -1]),
];

// Both Winograd and the direct kernel round differently from the reference: the bound is a few
// float32 ulps of the typical output, scaled by √depth like test/backend/native.test.ts's.
const TOL = 4e-6;

describe('native Winograd F(2x2,3x3)', { skip }, () => {
  const isas: NativeIsa[] = ['generic'];
  if (nb && (nativeInfo().detectedIsa === 'avx2' || nativeInfo().detectedIsa === 'avx512')) isas.push('avx2');
  if (nb && nativeInfo().detectedIsa === 'avx512') isas.push('avx512');
  for (const isa of isas) {
    test(`forward, backprop-input and backprop-filter match the reference and the direct kernel (${isa})`, () => {
      setIsa(isa);
      for (const threads of [1, 3]) {
        setNumThreads(threads);
        for (const p of cases) {
          const x = randn(p.batch * p.inH * p.inW * p.inC),
            w = randn(9 * p.inC * p.outC),
            bias = randn(p.outC);
          const dy = randn(p.batch * p.outH * p.outW * p.outC);
          const tag = `${isa} t${threads} ${JSON.stringify(p)}`;
          process.env.CONVKIT_WINOGRAD = '1';
          const wino = native.conv2d(x, w, bias, p, 'relu');
          const winoLinear = native.conv2d(x, w, null, p, 'linear');
          const winoDx = native.conv2dBackpropInput(dy, w, p);
          const winoDw = native.conv2dBackpropFilter(x, dy, p);
          process.env.CONVKIT_WINOGRAD = '0';
          const direct = native.conv2d(x, w, bias, p, 'relu');
          const directDx = native.conv2dBackpropInput(dy, w, p);
          const directDw = native.conv2dBackpropFilter(x, dy, p);
          const dwTol = TOL * Math.sqrt(p.batch * p.outH * p.outW);
          const refDw = jsBackend.conv2dBackpropFilter(x, dy, p);
          assert.ok(maxRelErr(winoDw, refDw, `backprop-filter ${tag}`) <= dwTol, `backprop-filter vs reference ${tag}`);
          assert.ok(maxRelErr(winoDw, directDw, `backprop-filter ${tag}`) <= dwTol, `backprop-filter vs direct ${tag}`);
          const fwdTol = TOL * Math.sqrt(9 * p.inC),
            bwdTol = TOL * Math.sqrt(9 * p.outC);
          const ref = jsBackend.conv2d(x, w, bias, p, 'relu');
          const refDx = jsBackend.conv2dBackpropInput(dy, w, p);
          assert.ok(maxRelErr(wino, ref, `forward ${tag}`) <= fwdTol, `forward vs reference ${tag}`);
          assert.ok(maxRelErr(wino, direct, `forward ${tag}`) <= fwdTol, `forward vs direct ${tag}`);
          assert.ok(
            maxRelErr(winoLinear, jsBackend.conv2d(x, w, null, p, 'linear'), `linear ${tag}`) <= fwdTol,
            `linear forward vs reference ${tag}`,
          );
          assert.ok(maxRelErr(winoDx, refDx, `backprop-input ${tag}`) <= bwdTol, `backprop-input vs reference ${tag}`);
          assert.ok(maxRelErr(winoDx, directDx, `backprop-input ${tag}`) <= bwdTol, `backprop-input vs direct ${tag}`);
          for (let i = 0; i < wino.length; i++) assert.ok(wino[i] >= 0, `relu ${tag}[${i}]: ${wino[i]}`);
        }
      }
    });
  }

  test('the default shape rule (variable unset) keeps results within the same bound', () => {
    delete process.env.CONVKIT_WINOGRAD;
    // 512 tiles of 32 channels: a shape the rule sends through Winograd.
    const p = conv(8, 16, 16, 32, 48, [1, 1, 1, 1]);
    const x = randn(p.batch * p.inH * p.inW * p.inC),
      w = randn(9 * p.inC * p.outC);
    const dy = randn(p.batch * p.outH * p.outW * p.outC);
    assert.ok(
      maxRelErr(native.conv2d(x, w, null, p, 'linear'), jsBackend.conv2d(x, w, null, p, 'linear'), 'fwd') <=
        TOL * Math.sqrt(9 * p.inC),
    );
    assert.ok(
      maxRelErr(native.conv2dBackpropInput(dy, w, p), jsBackend.conv2dBackpropInput(dy, w, p), 'dx') <=
        TOL * Math.sqrt(9 * p.outC),
    );
    // 32x32 outputs of 32 channels each side: a shape the filter gradient's rule sends through Winograd.
    const q = conv(2, 32, 32, 32, 32, [1, 1, 1, 1]);
    const xq = randn(q.batch * q.inH * q.inW * q.inC),
      dyq = randn(q.batch * q.outH * q.outW * q.outC);
    assert.ok(
      maxRelErr(native.conv2dBackpropFilter(xq, dyq, q), jsBackend.conv2dBackpropFilter(xq, dyq, q), 'dw') <=
        TOL * Math.sqrt(q.batch * q.outH * q.outW),
    );
  });

  test('Conv2D + 2x2 max pooling pooled in the output transform (a tile is a window) matches the reference', () => {
    process.env.CONVKIT_WINOGRAD = '1';
    const pooledOf = (c: Conv2DInfo): Pool2DInfo => ({
      batch: c.batch,
      inH: c.outH,
      inW: c.outW,
      channels: c.outC,
      outH: Math.floor(c.outH / 2),
      outW: Math.floor(c.outW / 2),
      poolH: 2,
      poolW: 2,
      strideH: 2,
      strideW: 2,
      padTop: 0,
      padLeft: 0,
    });
    // odd outputs (the last row and column of tiles dropped), channel counts off the vector width
    for (const c of [
      conv(3, 13, 13, 32, 64, [0, 0, 0, 0]),
      conv(2, 8, 10, 5, 7, [1, 1, 1, 1]),
      conv(1, 9, 9, 33, 20, [0, 0, 0, 0]),
      conv(2, 13, 13, 32, 64, [0, -1, 0, -1]), // cut to the pooled region: every tile is a window
    ]) {
      const p = pooledOf(c);
      const size = p.batch * p.outH * p.outW * p.channels;
      const x = randn(c.batch * c.inH * c.inW * c.inC),
        w = randn(9 * c.inC * c.outC),
        bias = randn(c.outC);
      for (const [b, act] of [
        [bias, 'relu'],
        [null, 'linear'],
      ] as const) {
        const tag = `${JSON.stringify(c)} ${act}`;
        const want = jsBackend.maxPool2d(jsBackend.conv2d(x, w, b, c, act), p);
        const tol = TOL * Math.sqrt(9 * c.inC);
        assert.ok(maxRelErr(native.conv2dMaxPool(x, w, b, c, act, p), want, tag) <= tol, `pooled ${tag}`);
        const both = native.conv2dMaxPoolArgmax(x, w, b, c, act, p);
        assert.ok(maxRelErr(both.subarray(0, size), want, tag) <= tol, `argmax kernel's pooled values ${tag}`);
      }
      // Small integers: every sum exact, so ties (zeros after ReLU) must pick the reference's cell, and
      // the routing's per-channel sums are exact.
      const xi = x.map((v) => Math.round(v * 2)),
        wi = w.map((v) => Math.round(v * 2)),
        bi = bias.map((v) => Math.round(v * 4));
      const dy = randn(size).map((v) => Math.round(v * 8) + 0); // + 0: no -0
      for (const act of ['relu', 'linear'] as const) {
        const y = jsBackend.conv2d(xi, wi, bi, c, act);
        const both = native.conv2dMaxPoolArgmax(xi, wi, bi, c, act, p);
        const tag = `${JSON.stringify(c)} ${act} (integers)`;
        assert.deepEqual(both.subarray(0, size), jsBackend.maxPool2d(y, p), tag);
        assert.deepEqual(
          jsBackend.maxPool2dBackwardArgmax(both.subarray(size), dy, p),
          expectedRoute(y, dy, p, act),
          tag,
        );
      }
    }
  });

  test('only 3x3 stride-1 undilated convolutions take the Winograd path', () => {
    process.env.CONVKIT_WINOGRAD = '1';
    const strided: Conv2DInfo = { ...conv(1, 9, 9, 4, 4, [1, 1, 1, 1]), strideH: 2, strideW: 2, outH: 5, outW: 5 };
    const dilated: Conv2DInfo = { ...conv(1, 9, 9, 4, 4, [0, 0, 0, 0]), dilationH: 2, dilationW: 2, outH: 5, outW: 5 };
    for (const p of [strided, dilated]) {
      const x = randn(p.batch * p.inH * p.inW * p.inC),
        w = randn(9 * p.inC * p.outC);
      const got = native.conv2d(x, w, null, p, 'linear');
      assert.ok(maxRelErr(got, jsBackend.conv2d(x, w, null, p, 'linear'), JSON.stringify(p)) <= 1e-5);
    }
  });

  test('results are bit-identical from run to run and across thread counts', () => {
    process.env.CONVKIT_WINOGRAD = '1';
    const p = conv(16, 13, 13, 32, 64, [1, 1, 1, 1]);
    const x = randn(p.batch * p.inH * p.inW * p.inC),
      w = randn(9 * p.inC * p.outC);
    const dy = randn(p.batch * p.outH * p.outW * p.outC);
    setNumThreads(1);
    const y1 = native.conv2d(x, w, null, p, 'relu'),
      dx1 = native.conv2dBackpropInput(dy, w, p);
    setNumThreads(3);
    const dw3 = native.conv2dBackpropFilter(x, dy, p); // its partial sums follow the thread count
    for (let r = 0; r < 3; r++) {
      assert.deepEqual(native.conv2d(x, w, null, p, 'relu'), y1);
      assert.deepEqual(native.conv2dBackpropInput(dy, w, p), dx1);
      assert.deepEqual(native.conv2dBackpropFilter(x, dy, p), dw3);
    }
    setNumThreads(initialThreads);
  });
});
