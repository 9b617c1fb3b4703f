// The kernel table and its one validation, on every backend: both backends carry every kernel of
// the table, the addon exports every native one, and each backend refuses the same bad calls
// (geometry below its minimum or not an integer, wrong buffer lengths, bad kinds, indices out of
// range) with a JS error naming the kernel, before any kernel runs.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { jsBackend } from '../../src/backend/js/index.js';
import { kernelNames, kernels } from '../../src/backend/kernels.js';
import { loadAddonUnchecked, loadNativeBackend } from '../../src/backend/native/index.js';
import { conv2dFields, pool2dFields, type Backend, type Conv2DInfo, type Pool2DInfo } from '../../src/backend/types.js';
import { ValueError } from '../../src/errors.js';

const backends: Backend[] = [jsBackend];
const nb = loadNativeBackend();
if (nb) backends.push(nb);

const f = (n: number) => new Float32Array(n);
const conv: Conv2DInfo = {
  batch: 2,
  inH: 5,
  inW: 5,
  inC: 3,
  outH: 3,
  outW: 3,
  outC: 4,
  kH: 3,
  kW: 3,
  strideH: 1,
  strideW: 1,
  dilationH: 1,
  dilationW: 1,
  padTop: 0,
  padLeft: 0,
};
const pool: Pool2DInfo = {
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

describe('kernel table', () => {
  test('every kernel exists on every backend, and the addon exports every native kernel', () => {
    for (const be of backends) for (const k of kernelNames) assert.equal(typeof be[k], 'function', `${be.name} ${k}`);
    const addon = loadAddonUnchecked();
    if (!addon) return;
    const exported = new Set(Object.keys(addon));
    for (const k of kernelNames) {
      if (kernels[k].native !== false) assert.ok(exported.has(k), `addon exports ${k}`);
    }
    // and nothing a CK_KERNEL line registered without a table entry: only the table and the controls
    const controls = ['setNumThreads', 'getNumThreads', 'setIsa', 'getIsa', 'info'];
    const unknown = [...exported].filter(
      (k) => !(kernelNames as readonly string[]).includes(k) && !controls.includes(k),
    );
    assert.deepEqual(unknown, []);
  });

  test('geometry field lists name every field with its least value', () => {
    assert.deepEqual(Object.keys(conv2dFields).sort(), Object.keys(conv).sort());
    assert.deepEqual(Object.keys(pool2dFields).sort(), Object.keys(pool).sort());
    assert.equal(conv2dFields.padTop, 0);
    assert.equal(conv2dFields.strideH, 1);
    assert.equal(pool2dFields.poolW, 1);
  });
});

for (const be of backends) {
  describe(`shared validation (${be.name} backend)`, () => {
    const refuses = (fn: () => unknown, re: RegExp) =>
      assert.throws(fn, (e: unknown) => {
        assert.ok(e instanceof Error, 'a JS Error');
        assert.match(e.message, re);
        return true;
      });

    test('convolution geometry: strides, dilations, kernel sizes >= 1 and integers; pads >= 0', () => {
      for (const field of ['strideH', 'strideW', 'dilationH', 'dilationW', 'kH', 'kW', 'batch'] as const) {
        refuses(
          () => be.conv2d(f(150), f(108), null, { ...conv, [field]: 0 }, 'relu'),
          new RegExp(`conv2d: ${field} must be >= 1, given 0`),
        );
        refuses(
          () => be.conv2dBackpropInput(f(72), f(108), { ...conv, [field]: 1.5 }),
          new RegExp(`conv2dBackpropInput: ${field} must be an integer, given 1.5`),
        );
      }
      refuses(
        () => be.conv2dBackpropFilter(f(150), f(72), { ...conv, padLeft: -1 }),
        /conv2dBackpropFilter: padLeft must be >= 0/,
      );
      refuses(
        () => be.conv2d(f(150), f(108), null, { ...conv, strideH: Number.NaN }, 'linear'),
        /conv2d: strideH must be an integer/,
      );
    });

    test('pooling geometry: pool sizes and strides >= 1 and integers', () => {
      for (const field of ['poolH', 'poolW', 'strideH', 'strideW'] as const) {
        refuses(
          () => be.maxPool2d(f(32), { ...pool, [field]: 0 }),
          new RegExp(`maxPool2d: ${field} must be >= 1, given 0`),
        );
        refuses(
          () => be.avgPool2d(f(32), { ...pool, [field]: 2.5 }),
          new RegExp(`avgPool2d: ${field} must be an integer`),
        );
      }
      refuses(() => be.avgPool2dBackward(f(8), { ...pool, padTop: -2 }), /avgPool2dBackward: padTop must be >= 0/);
    });

    test('buffer lengths name the kernel, the argument and the expected length', () => {
      refuses(
        () => be.matmul(f(5), f(6), 2, 2, 3, false, false, null, 'linear'),
        /matmul: 'a' has length 5, expected 6/,
      );
      refuses(
        () => be.matmul(f(6), f(6), 2, 2, 3, false, false, f(3), 'linear'),
        /matmul: 'bias' has length 3, expected 2/,
      );
      refuses(() => be.conv2d(f(10), f(108), null, conv, 'relu'), /conv2d: 'x' has length 10, expected 150/);
      refuses(() => be.maxPool2dBackward(f(32), f(7), pool), /maxPool2dBackward: 'dy' has length 7, expected 8/);
      // the fused kernel's pooling must take the convolution's output (3x3x4 here, not 4x4x2)
      refuses(
        () => be.conv2dMaxPool(f(150), f(108), null, conv, 'relu', pool),
        /conv2dMaxPool: the pooling geometry must take the convolution's output \(batch 2, 3x3x4\)/,
      );
      refuses(
        () => be.conv2dMaxPool(f(150), f(100), null, conv, 'relu', { ...pool, batch: 2, inH: 3, inW: 3, channels: 4 }),
        /conv2dMaxPool: 'w' has length 100, expected 108/,
      );
      refuses(
        () => be.conv2dMaxPoolArgmax(f(150), f(108), null, conv, 'relu', pool),
        /conv2dMaxPoolArgmax: the pooling geometry must take the convolution's output \(batch 2, 3x3x4\)/,
      );
      refuses(
        () => be.conv2dMaxPoolBackpropFilter(f(150), f(8), f(8), conv, pool),
        /conv2dMaxPoolBackpropFilter: the pooling geometry must take the convolution's output \(batch 2, 3x3x4\)/,
      );
      refuses(
        () => be.maxPool2dBackwardArgmax(f(7), f(8), pool),
        /maxPool2dBackwardArgmax: 'arg' has length 7, expected 8/,
      );
      refuses(() => be.reduce('sum', f(5), 2, 3, 1), /reduce: 'x' has length 5, expected 6/);
      refuses(() => be.softmaxBackward(f(6), f(5), 2, 3), /softmaxBackward: 'dy' has length 5, expected 6/);
      refuses(() => be.logSoftmaxBackward(f(5), f(6), 2, 3), /logSoftmaxBackward: 'y' has length 5, expected 6/);
      refuses(() => be.gatherRows(f(5), Int32Array.of(0), 3, 2), /gatherRows: 'x' has length 5, expected 6/);
      refuses(() => be.pad2d(f(5), [1, 2, 3, 1], 1, 1, 1, 1), /pad2d: 'x' has length 5, expected 6/);
      refuses(
        () => be.resize2dBackward(f(5), [1, 2, 2, 1], 3, 3, 'bilinear'),
        /resize2dBackward: 'dy' has length 5, expected 9/,
      );
      refuses(
        () => be.adamUpdate(f(4), f(4), f(4), f(3), 0.1, 0.9, 0.999, 1e-7),
        /adamUpdate: 'v' has length 3, expected 4/,
      );
    });

    test('kinds, enums, scalars and consistency rules', () => {
      refuses(
        () => be.matmul(f(6), f(6), -2, 2, 3, false, false, null, 'linear'),
        /matmul: argument 'm' must be an integer >= 0/,
      );
      refuses(() => be.matmul(f(6), f(6), 2.5, 2, 3, false, false, null, 'linear'), /matmul: argument 'm'/);
      // A wrong array type on purpose: what an untyped caller could pass.
      const f64 = new Float64Array(6) as unknown as Float32Array;
      refuses(
        () => be.matmul(f64, f(6), 2, 2, 3, false, false, null, 'linear'),
        /matmul: argument 'a' must be a Float32Array/,
      );
      refuses(() => be.matmul(f(6), f(6), 2, 2, 3, false, false, null, 'gelu' as 'relu'), /matmul: activation/);
      refuses(() => be.unary('cube' as 'neg', f(3)), /unary: unknown op 'cube'/);
      refuses(
        () => be.sgdUpdate(f(3), f(3), null, Number.POSITIVE_INFINITY, 0, false),
        /sgdUpdate: argument 'lr' must be finite/,
      );
      refuses(() => be.binary('add', f(6), [2, 3], f(4), [4], [2, 3]), /binary: shapes do not broadcast/);
      refuses(() => be.transpose(f(6), [2, 3], [0, 0]), /transpose: perm is not a permutation/);
      refuses(
        () => be.gatherRows(f(6), Int32Array.of(0, 3), 3, 2),
        /gatherRows: index 3 at position 1 is out of range \[0, 3\)/,
      );
      refuses(() => be.scatterAddRows(f(2), Int32Array.of(-1), 3, 2), /scatterAddRows: index -1/);
      refuses(() => be.concat([f(2), f(3)], 1, 1, [2, 2]), /concat: 'xs\[1\]' has length 3, expected 2/);
      refuses(() => be.sliceAxis(f(6), 1, 6, 1, 4, 3), /sliceAxis: window \[4, 7\) exceeds the axis of size 6/);
      refuses(
        () => be.crop2d(f(16), [1, 4, 4, 1], 2, 0, 3, 1),
        /crop2d: window 3x1 at \(2, 0\) does not fit images of 4x4/,
      );
      refuses(() => be.resize2d(f(4), [1, 2, 2, 1], 3, 3, 'lanczos' as 'area'), /resize2d: method must be one of/);
      refuses(() => be.flip2d(f(4), [2, 1, 2, 1], new Uint8Array(1)), /flip2d: 'flags' has length 1, expected 2/);
    });

    test('outputs too large for memory are refused before anything is allocated', () => {
      refuses(
        () => be.matmul(f(0), f(0), 100000, 100000, 0, false, false, null, 'linear'),
        /matmul: output of 10000000000 elements is invalid or too large \(at most 2\^31\)/,
      );
      refuses(
        () => be.pad2d(f(6), [1, 2, 3, 1], 50000, 50000, 50000, 50000),
        /pad2d: output of \d+ elements is invalid or too large/,
      );
      refuses(
        () => be.resize2d(f(4), [1, 2, 2, 1], 60000, 60000, 'nearest'),
        /resize2d: output of 3600000000 elements is invalid or too large/,
      );
    });

    test('infinite and negative geometry is refused like 0 and fractions', () => {
      refuses(
        () => be.conv2d(f(150), f(108), null, { ...conv, dilationW: Number.POSITIVE_INFINITY }, 'relu'),
        /conv2d: dilationW must be an integer, given Infinity/,
      );
      refuses(() => be.maxPool2d(f(32), { ...pool, poolH: -2 }), /maxPool2d: poolH must be >= 1, given -2/);
      refuses(
        () => be.avgPool2dBackward(f(8), { ...pool, strideW: 0.5 }),
        /avgPool2dBackward: strideW must be an integer/,
      );
      refuses(
        () => be.conv2dBackpropFilter(f(150), f(72), { ...conv, strideW: 0 }),
        /conv2dBackpropFilter: strideW must be >= 1, given 0/,
      );
    });

    test('refused calls write nothing; kind and geometry errors are ValueErrors', () => {
      const w = Float32Array.of(1, 2, 3),
        v = Float32Array.of(0, 0);
      assert.throws(
        () => be.rmspropUpdate(w, f(3), v, null, 0.1, 0.9, 0, 1e-7),
        /rmspropUpdate: 'v' has length 2, expected 3/,
      );
      assert.throws(() => be.rmspropUpdate(w, f(3), f(3), null, Number.NaN, 0.9, 0, 1e-7), ValueError);
      assert.throws(() => be.maxPool2d(f(32), { ...pool, strideW: 0 }), ValueError);
      assert.deepEqual([...w], [1, 2, 3]);
    });
  });
}
