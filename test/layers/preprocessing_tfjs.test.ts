// Cross-checks of the image ops and augmentation warps against TensorFlow.js (a dev dependency),
// whose kernels implement the TF ops Keras calls: tf.image.resize with half-pixel centres, and
// ImageProjectiveTransformV3 (tf.image.transform) for RandomRotation/RandomZoom/RandomTranslation.
// Also BatchNormalization/LayerNormalization/merges against tfjs-layers on the same weights.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { rotationMatrix, translationMatrix, zoomMatrix } from '../../src/data/affine.js';
import { Concatenate, Add } from '../../src/layers/merging.js';
import { BatchNormalization, LayerNormalization } from '../../src/layers/normalization.js';
import { RandomRotation, RandomTranslation, RandomZoom } from '../../src/layers/preprocessing.js';
import { GlobalAveragePooling2D } from '../../src/layers/global_pooling.js';
import { Cropping2D, UpSampling2D, ZeroPadding2D } from '../../src/layers/reshaping.js';
import { resize2d } from '../../src/ops/image.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { assertClose, rand } from '../helpers/gradcheck.js';

const toTf = (t: Tensor) => tf.tensor(t.data, [...t.shape]);
const fromTf = (t: tf.Tensor) => t.dataSync() as Float32Array;

describe('against TensorFlow.js', () => {
  it('resize2d matches tf.image.resizeBilinear / resizeNearestNeighbor (halfPixelCenters)', () => {
    const x = rand([2, 7, 9, 3], 1, 0, 255);
    for (const [h, w] of [
      [3, 4],
      [14, 20],
      [7, 5],
      [1, 1],
      [10, 9],
    ]) {
      assertClose(
        resize2d(x, h, w, 'bilinear').data,
        fromTf(tf.image.resizeBilinear(toTf(x) as tf.Tensor4D, [h, w], false, true)),
        1e-4,
        `bilinear ${h}x${w}`,
      );
      assertClose(
        resize2d(x, h, w, 'nearest').data,
        fromTf(tf.image.resizeNearestNeighbor(toTf(x) as tf.Tensor4D, [h, w], false, true)),
        1e-4,
        `nearest ${h}x${w}`,
      );
    }
  });

  it("geometric augmentations match tf.image.transform with Keras 3's matrices", () => {
    const h = 9,
      w = 11;
    const x = rand([1, h, w, 2], 2, 0, 255);
    const cases: [
      string,
      (fm: 'reflect' | 'constant' | 'nearest' | 'wrap', interp: 'bilinear' | 'nearest') => Tensor,
      number[],
    ][] = [
      [
        'rotation',
        (fm, interp) =>
          new RandomRotation([0.07, 0.07], { fillMode: fm, interpolation: interp, fillValue: 3, seed: 1 }).apply(x, {
            training: true,
          }),
        [...rotationMatrix(0.07 * 2 * Math.PI, h, w)],
      ],
      [
        'zoom',
        (fm, interp) =>
          new RandomZoom([0.3, 0.3], [-0.2, -0.2], {
            fillMode: fm,
            interpolation: interp,
            fillValue: 3,
            seed: 1,
          }).apply(x, { training: true }),
        [...zoomMatrix(0.8, 1.3, h, w)],
      ],
      [
        'translation',
        (fm, interp) =>
          new RandomTranslation([0.25, 0.25], [-0.15, -0.15], {
            fillMode: fm,
            interpolation: interp,
            fillValue: 3,
            seed: 1,
          }).apply(x, { training: true }),
        [...translationMatrix(-0.15 * w, 0.25 * h)],
      ],
    ];
    for (const [name, run, m] of cases) {
      for (const interp of ['bilinear', 'nearest'] as const) {
        for (const fm of ['constant', 'reflect', 'nearest', 'wrap'] as const) {
          const ours = run(fm, interp).data;
          const theirs = fromTf(tf.image.transform(toTf(x) as tf.Tensor4D, tf.tensor2d([[...m, 0, 0]]), interp, fm, 3));
          // Where all interpolation taps are inside the image the fill mode plays no part and the
          // two must agree exactly; at the borders TF's V3 kernel maps the coordinate first and
          // then reads neighbours with the fill value (Keras 3's numpy/jax map_coordinates, which
          // data/affine.ts follows, fixes each tap), so only 'constant' is compared there.
          let compared = 0;
          for (let oy = 0; oy < h; oy++)
            for (let ox = 0; ox < w; ox++) {
              const sx = m[0] * ox + m[1] * oy + m[2],
                sy = m[3] * ox + m[4] * oy + m[5];
              const inside =
                interp === 'bilinear'
                  ? sx >= 0 && sy >= 0 && Math.floor(sx) + 1 <= w - 1 && Math.floor(sy) + 1 <= h - 1
                  : sx >= 0 &&
                    sy >= 0 &&
                    sx <= w - 1 &&
                    sy <= h - 1 &&
                    Math.abs(Math.abs(sx % 1) - 0.5) > 1e-6 &&
                    Math.abs(Math.abs(sy % 1) - 0.5) > 1e-6;
              if (!inside && fm !== 'constant') continue;
              if (
                !inside &&
                interp === 'nearest' &&
                (Math.abs(Math.abs(sx % 1) - 0.5) < 1e-6 || Math.abs(Math.abs(sy % 1) - 0.5) < 1e-6)
              )
                continue;
              for (let c = 0; c < 2; c++) {
                const k = (oy * w + ox) * 2 + c;
                assert.ok(
                  Math.abs(ours[k] - theirs[k]) < 1e-2,
                  `${name} ${interp} ${fm} at (${oy}, ${ox}): ${ours[k]} vs tfjs ${theirs[k]}`,
                );
              }
              compared++;
            }
          assert.ok(compared > (h * w) / 3, `${name} ${interp} ${fm}: compared only ${compared} pixels`);
        }
      }
    }
  });

  it('BatchNormalization (both modes) and LayerNormalization match tfjs-layers on the same weights', () => {
    const x = rand([6, 3, 3, 4], 3, -2, 3);
    const weights = [rand([4], 4, 0.5, 2), rand([4], 5), rand([4], 6), rand([4], 7, 0.5, 2)];
    const ours = new BatchNormalization({ epsilon: 1e-3 });
    ours.apply(x);
    ours.setWeights(weights);
    const theirs = tf.layers.batchNormalization({ epsilon: 1e-3 });
    theirs.apply(toTf(x));
    theirs.setWeights(weights.map(toTf));
    assertClose(
      ours.apply(x, { training: false }).data,
      fromTf(theirs.apply(toTf(x), { training: false }) as tf.Tensor),
      1e-4,
      'inference',
    );
    assertClose(
      ours.apply(x, { training: true }).data,
      fromTf(theirs.apply(toTf(x), { training: true }) as tf.Tensor),
      1e-4,
      'training',
    );
    const ln = new LayerNormalization({ axis: -1 });
    ln.apply(x);
    ln.setWeights([weights[0], weights[1]]);
    const tln = tf.layers.layerNormalization({ axis: -1 });
    tln.apply(toTf(x));
    tln.setWeights([toTf(weights[0]), toTf(weights[1])]);
    assertClose(ln.apply(x).data, fromTf(tln.apply(toTf(x)) as tf.Tensor), 1e-4, 'layer norm');
  });

  it('merges, global pooling, padding, cropping and upsampling match tfjs-layers', () => {
    const a = rand([2, 4, 5, 3], 8),
      b = rand([2, 4, 5, 3], 9);
    const T = (l: tf.layers.Layer, ...xs: Tensor[]) =>
      fromTf(l.apply(xs.length === 1 ? toTf(xs[0]) : xs.map(toTf)) as tf.Tensor);
    assertClose(
      new Concatenate({ axis: 2 }).apply([a, b]).data,
      T(tf.layers.concatenate({ axis: 2 }), a, b),
      1e-6,
      'concatenate',
    );
    assertClose(new Add().apply([a, b]).data, T(tf.layers.add(), a, b), 1e-6, 'add');
    assertClose(new GlobalAveragePooling2D().apply(a).data, T(tf.layers.globalAveragePooling2d({}), a), 1e-5, 'gap');
    assertClose(
      new ZeroPadding2D({
        padding: [
          [1, 2],
          [0, 3],
        ],
      }).apply(a).data,
      T(
        tf.layers.zeroPadding2d({
          padding: [
            [1, 2],
            [0, 3],
          ],
        }),
        a,
      ),
      0,
      'zeropad',
    );
    assertClose(
      new Cropping2D({
        cropping: [
          [1, 0],
          [2, 1],
        ],
      }).apply(a).data,
      T(
        tf.layers.cropping2D({
          cropping: [
            [1, 0],
            [2, 1],
          ],
        }),
        a,
      ),
      0,
      'crop',
    );
    assertClose(
      new UpSampling2D({ size: [2, 3] }).apply(a).data,
      T(tf.layers.upSampling2d({ size: [2, 3] }), a),
      0,
      'upsample',
    );
    // Keras (2 and 3) resizes with tf.image.resize, i.e. half-pixel centres; tfjs-layers'
    // UpSampling2D still uses TF1's corner convention, so compare with the TF2 op itself.
    assertClose(
      new UpSampling2D({ size: [2, 2], interpolation: 'bilinear' }).apply(a).data,
      fromTf(tf.image.resizeBilinear(toTf(a) as tf.Tensor4D, [8, 10], false, true)),
      1e-5,
      'upsample bilinear',
    );
  });
});
