import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  affineTransform,
  affineTransformBatch,
  composeTransforms,
  fixIndex,
  flipHorizontalMatrix,
  flipVerticalMatrix,
  IDENTITY,
  kerasAffineMatrix,
  rotationMatrix,
  shearMatrix,
  translationMatrix,
  zoomMatrix,
} from '../../src/data/affine.js';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-4) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `index ${i}: ${a[i]} vs ${b[i]}`);
};

test('identity matrix leaves the image unchanged (all modes, both interpolations)', () => {
  const src = Float32Array.from({ length: 5 * 4 * 3 }, (_, i) => i * 0.5);
  for (const fillMode of ['reflect', 'wrap', 'constant', 'nearest'] as const) {
    for (const interpolation of ['bilinear', 'nearest'] as const) {
      close(affineTransform(src, 5, 4, 3, IDENTITY, { fillMode, interpolation }), src);
    }
  }
});

test('90 degree rotation of a known image', () => {
  // 3x3 single channel: 1 2 3 / 4 5 6 / 7 8 9
  const src = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const out = affineTransform(src, 3, 3, 1, rotationMatrix(Math.PI / 2, 3, 3), { interpolation: 'bilinear' });
  // Output (x, y) reads input (x', y') = (cos x - sin y + xo, sin x + cos y + yo) = (-y + 2, x):
  // row 0: (x=0..2, y=0) -> input (2,0),(2,1),(2,2) -> 3 6 9 (counter-clockwise rotation)
  close(out, [3, 6, 9, 2, 5, 8, 1, 4, 7]);
  const out2 = affineTransform(src, 3, 3, 1, rotationMatrix(Math.PI / 2, 3, 3), { interpolation: 'nearest' });
  close(out2, [3, 6, 9, 2, 5, 8, 1, 4, 7]);
});

test('fill modes on a 1-row image shifted by a whole width', () => {
  const src = Float32Array.from([1, 2, 3, 4]); // a b c d
  const run = (dx: number, fillMode: 'reflect' | 'wrap' | 'constant' | 'nearest') =>
    Array.from(affineTransform(src, 1, 4, 1, translationMatrix(dx, 0), { fillMode, fillValue: -1 }));
  // Content moves right by 4: the output shows what lies left of the image.
  assert.deepEqual(run(4, 'reflect'), [4, 3, 2, 1]); // d c b a | a b c d
  assert.deepEqual(run(-4, 'reflect'), [4, 3, 2, 1]); // a b c d | d c b a
  assert.deepEqual(run(4, 'wrap'), [1, 2, 3, 4]);
  assert.deepEqual(run(2, 'wrap'), [3, 4, 1, 2]);
  assert.deepEqual(run(4, 'nearest'), [1, 1, 1, 1]);
  assert.deepEqual(run(-4, 'nearest'), [4, 4, 4, 4]);
  assert.deepEqual(run(4, 'constant'), [-1, -1, -1, -1]);
  assert.deepEqual(run(2, 'constant'), [-1, -1, 1, 2]);
  assert.deepEqual(run(2, 'reflect'), [2, 1, 1, 2]);
  assert.deepEqual(run(6, 'reflect'), [3, 4, 4, 3]);
  assert.deepEqual(run(9, 'wrap'), [4, 1, 2, 3]);
});

test('fixIndex reflect and wrap far outside the image', () => {
  // reflect of [0..3] has period 8: indices -1..-8 read 0 1 2 3 3 2 1 0
  assert.deepEqual(
    [-9, -8, -5, -1, 4, 7, 8, 11].map((i) => fixIndex(i, 4, 'reflect')),
    [0, 0, 3, 0, 3, 0, 0, 3],
  );
  assert.deepEqual(
    [-9, -1, 4, 9].map((i) => fixIndex(i, 4, 'wrap')),
    [3, 3, 0, 1],
  );
  assert.equal(fixIndex(-1, 4, 'constant'), -1);
});

test('half-pixel shift interpolates bilinearly, flips mirror', () => {
  const src = Float32Array.from([0, 10, 20, 30]);
  close(affineTransform(src, 1, 4, 1, translationMatrix(0.5, 0), { fillMode: 'nearest' }), [0, 5, 15, 25]);
  close(affineTransform(src, 1, 4, 1, flipHorizontalMatrix(4)), [30, 20, 10, 0]);
  const col = Float32Array.from([1, 2, 3]);
  close(affineTransform(col, 3, 1, 1, flipVerticalMatrix(3)), [3, 2, 1]);
});

test('zoom, shear, composition and Keras 2 matrix', () => {
  const src = Float32Array.from({ length: 25 }, (_, i) => i);
  // zoom 1 = identity; zoom 0.5 about centre: output (x,y) reads (0.5x + 1, 0.5y + 1)
  close(affineTransform(src, 5, 5, 1, zoomMatrix(1, 1, 5, 5)), src);
  const z = affineTransform(src, 5, 5, 1, zoomMatrix(0.5, 0.5, 5, 5));
  close([z[0], z[12], z[24]], [6, 12, 18]);
  close(affineTransform(src, 5, 5, 1, shearMatrix(0, 5, 5)), src);
  const c = composeTransforms(translationMatrix(1, 0), translationMatrix(2, 3));
  close(c, [1, 0, -3, 0, 1, -3]);
  assert.equal(kerasAffineMatrix({}, 5, 5), null);
  // A Keras 2 rotation of 90 degrees equals a 90 degree rotation (one direction or the other)
  const k = kerasAffineMatrix({ theta: 90 }, 5, 5)!;
  const a = affineTransform(src, 5, 5, 1, k);
  const r1 = affineTransform(src, 5, 5, 1, rotationMatrix(Math.PI / 2, 5, 5));
  const r2 = affineTransform(src, 5, 5, 1, rotationMatrix(-Math.PI / 2, 5, 5));
  const same = (p: Float32Array, q: Float32Array) => p.every((v, i) => Math.abs(v - q[i]) < 1e-4);
  assert.ok(same(a, r1) || same(a, r2));
  // Keras 2 shift tx moves along rows
  const t = affineTransform(src, 5, 5, 1, kerasAffineMatrix({ tx: 1 }, 5, 5)!, { fillMode: 'constant' });
  close(t.subarray(0, 5), [5, 6, 7, 8, 9]);
});

test('batch transform with one matrix per image', () => {
  const src = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  const out = affineTransformBatch(src, 2, 1, 4, 1, [IDENTITY, flipHorizontalMatrix(4)]);
  close(out, [1, 2, 3, 4, 8, 7, 6, 5]);
  assert.throws(() => affineTransformBatch(src, 2, 1, 4, 1, [IDENTITY]), /expected 2 matrices/);
  assert.throws(() => affineTransform(src, 1, 4, 1, IDENTITY), /src has 8 values/);
});
