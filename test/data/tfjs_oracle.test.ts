// Resizing and warping checked against TensorFlow.js's CPU kernels (tf.image.resizeBilinear /
// resizeNearestNeighbor with half-pixel centres, tf.image.transform = ImageProjectiveTransformV3).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {
  affineTransform,
  composeTransforms,
  rotationMatrix,
  translationMatrix,
  zoomMatrix,
} from '../../src/data/affine.js';
import { resizeImage } from '../../src/data/resize.js';
import { RandomGenerator } from '../../src/tensor/index.js';

await tf.setBackend('cpu');

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const rng = new RandomGenerator(5);
const image = (h: number, w: number, c: number) =>
  Float32Array.from({ length: h * w * c }, () => Math.floor(rng.random() * 256));

test('bilinear and nearest resize match tf.image (half-pixel centres), up and down', () => {
  for (const [h, w, oh, ow] of [
    [7, 5, 13, 11],
    [20, 17, 6, 9],
    [8, 8, 8, 3],
    [3, 9, 5, 4],
  ]) {
    const src = image(h, w, 3);
    const t = tf.tensor4d(src, [1, h, w, 3]);
    const bil = tf.image.resizeBilinear(t, [oh, ow], false, true).dataSync();
    assert.ok(maxDiff(resizeImage(src, h, w, 3, oh, ow, 'bilinear'), bil) < 1e-3, `bilinear ${h}x${w}->${oh}x${ow}`);
    const nn = tf.image.resizeNearestNeighbor(t, [oh, ow], false, true).dataSync();
    assert.equal(maxDiff(resizeImage(src, h, w, 3, oh, ow, 'nearest'), nn), 0, `nearest ${h}x${w}->${oh}x${ow}`);
  }
});

test('affine warps match tf.image.transform for reflect, constant and nearest fill', () => {
  const [h, w, c] = [9, 12, 2];
  const src = image(h, w, c);
  const t = tf.tensor4d(src, [1, h, w, c]);
  for (let k = 0; k < 12; k++) {
    const m = composeTransforms(
      rotationMatrix((rng.random() - 0.5) * 2, h, w),
      zoomMatrix(0.6 + rng.random() * 0.9, 0.6 + rng.random() * 0.9, h, w),
      translationMatrix((rng.random() - 0.5) * 10, (rng.random() - 0.5) * 8),
    );
    for (const fillMode of ['reflect', 'constant', 'nearest'] as const) {
      for (const interpolation of ['bilinear', 'nearest'] as const) {
        const ref = tf.image.transform(t, tf.tensor2d([[...m, 0, 0]], [1, 8]), interpolation, fillMode, 7).dataSync();
        const ours = affineTransform(src, h, w, c, m, { fillMode, fillValue: 7, interpolation });
        // nearest sampling can differ where a coordinate is within float error of .5
        let bad = 0;
        for (let i = 0; i < ours.length; i++) if (Math.abs(ours[i] - ref[i]) > 1e-2) bad++;
        assert.ok(
          bad <= (interpolation === 'nearest' ? 2 : 0),
          `${fillMode}/${interpolation} matrix ${k}: ${bad} values differ`,
        );
      }
    }
  }
});
