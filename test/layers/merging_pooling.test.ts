// Merging layers (Concatenate, Add, ...), global pooling, ZeroPadding2D/Cropping2D/UpSampling2D and the image ops
// under them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ShapeError, ValueError } from '../../src/errors.js';
import { KerasTensor } from '../../src/layers/keras_tensor.js';
import {
  Add,
  Average,
  Concatenate,
  Maximum,
  Minimum,
  Multiply,
  Subtract,
  add,
  average,
  concatenate,
  maximum,
  minimum,
  multiply,
  subtract,
} from '../../src/layers/merging.js';
import {
  GlobalAveragePooling1D,
  GlobalAveragePooling2D,
  GlobalMaxPooling1D,
  GlobalMaxPooling2D,
} from '../../src/layers/global_pooling.js';
import { Cropping2D, UpSampling2D, ZeroPadding2D } from '../../src/layers/reshaping.js';
import { crop2d, flip2d, resize2d } from '../../src/ops/image.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { assertClose, gradCheck, rand } from '../helpers/gradcheck.js';
import { runLayerTest } from '../helpers/layer_test.js';

const sym = (shape: (number | null)[]) => new KerasTensor(shape, null, 0, 'in');
const t = (values: number[], shape: number[]) => new Tensor(Float32Array.from(values), shape);

describe('Concatenate', () => {
  it('concatenates along the last axis by default, and along axis 1', () => {
    const a = t([1, 2, 3, 4], [2, 2]),
      b = t([5, 6], [2, 1]);
    const y = new Concatenate().apply([a, b]);
    assert.deepEqual(y.shape, [2, 3]);
    assert.deepEqual([...y.data], [1, 2, 5, 3, 4, 6]);
    const z = new Concatenate({ axis: 0 }).apply([a, t([7, 8], [1, 2])]);
    assert.deepEqual([...z.data], [1, 2, 3, 4, 7, 8]);
  });
  it('infers symbolic shapes and rejects mismatches with a named error', () => {
    const c = new Concatenate({ name: 'cat' });
    const out = c.apply([sym([null, 4, 4, 3]), sym([null, 4, 4, 5])]);
    assert.deepEqual([...out.shape], [null, 4, 4, 8]);
    assert.throws(
      () => new Concatenate({ name: 'cat2' }).apply([sym([null, 4, 4, 3]), sym([null, 5, 4, 5])]),
      (e: Error) =>
        e instanceof ShapeError && /Concatenate 'cat2'/.test(e.message) && /\(None, 5, 4, 5\)/.test(e.message),
    );
    assert.throws(() => new Concatenate().apply(sym([null, 3])), ValueError);
  });
  it('has exact gradients', () => {
    const a = rand([2, 3, 2], 1),
      b = rand([2, 3, 4], 2);
    const layer = new Concatenate();
    gradCheck(() => layer.apply([a, b]), [a, b], { maxChecks: Infinity });
  });
  it('passes the common layer checks (config, shapes, training, .keras)', async () => {
    const { config: cfg } = await runLayerTest(
      Concatenate,
      [{ axis: 1, name: 'c' }],
      [
        [2, 3],
        [2, 4],
      ],
      { outputShape: [2, 7] },
    );
    assert.equal(cfg.axis, 1);
    assert.equal(cfg.name, 'c');
  });
});

describe('elementwise merges', () => {
  const a = t([1, -2, 3, 4], [2, 2]),
    b = t([0.5, 2, -1, 10], [2, 2]),
    c = t([2, 2, 2, 2], [2, 2]);
  it('compute Add, Subtract, Multiply, Average, Maximum, Minimum', () => {
    assert.deepEqual([...new Add().apply([a, b, c]).data], [3.5, 2, 4, 16]);
    assert.deepEqual([...new Subtract().apply([a, b]).data], [0.5, -4, 4, -6]);
    assert.deepEqual([...new Multiply().apply([a, b]).data], [0.5, -4, -3, 40]);
    assertClose(new Average().apply([a, b]).data, [0.75, 0, 1, 7]);
    assert.deepEqual([...new Maximum().apply([a, b]).data], [1, 2, 3, 10]);
    assert.deepEqual([...new Minimum().apply([a, b]).data], [0.5, -2, -1, 4]);
  });
  it('check shapes (broadcasting 1 and None) and name the layer', () => {
    const out = new Add().apply([sym([null, 4, 4, 8]), sym([null, 1, 1, 8])]);
    assert.deepEqual([...out.shape], [null, 4, 4, 8]);
    assert.throws(
      () => new Add({ name: 'plus' }).apply([sym([null, 4]), sym([null, 5])]),
      (e: Error) =>
        e instanceof ShapeError && /Add 'plus'/.test(e.message) && /\(None, 4\), \(None, 5\)/.test(e.message),
    );
    assert.throws(() => new Add().apply([t([1, 2], [1, 2]), t([1, 2, 3], [1, 3])]), ShapeError);
    assert.throws(() => new Subtract().apply([a, b, c]), ValueError);
  });
  it('Add and Multiply have exact gradients', () => {
    const x = rand([2, 3], 3),
      y = rand([2, 3], 4),
      z = rand([1, 3], 5);
    gradCheck(() => new Add().apply([x, y, z]), [x, y, z], { maxChecks: Infinity });
    gradCheck(() => new Multiply().apply([x, y]), [x, y], { maxChecks: Infinity });
    gradCheck(() => new Average().apply([x, y]), [x, y], { maxChecks: Infinity });
  });
  it('pass the common layer checks (config, shapes, training, .keras)', async () => {
    for (const cls of [Add, Subtract, Multiply, Average, Maximum, Minimum]) {
      await runLayerTest(
        cls,
        [],
        [
          [2, 4],
          [2, 4],
        ],
        { outputShape: [2, 4] },
      );
    }
  });
});

describe('global pooling', () => {
  // 1 image, 2x2, 2 channels: channel 0 = 1..4, channel 1 = 10,20,30,40.
  const x = t([1, 10, 2, 20, 3, 30, 4, 40], [1, 2, 2, 2]);
  it('GlobalAveragePooling2D averages H and W, with keepdims', () => {
    const y = new GlobalAveragePooling2D().apply(x);
    assert.deepEqual(y.shape, [1, 2]);
    assertClose(y.data, [2.5, 25]);
    const k = new GlobalAveragePooling2D({ keepdims: true }).apply(x);
    assert.deepEqual(k.shape, [1, 1, 1, 2]);
    assert.deepEqual(
      [...new GlobalAveragePooling2D({ keepdims: true }).apply(sym([null, 7, 7, 3])).shape],
      [null, 1, 1, 3],
    );
    assert.deepEqual([...new GlobalAveragePooling2D().apply(sym([null, 7, 7, 3])).shape], [null, 3]);
  });
  it('GlobalMaxPooling2D takes the maximum; channels_first works', () => {
    assert.deepEqual([...new GlobalMaxPooling2D().apply(x).data], [4, 40]);
    const cf = t([1, 2, 3, 4, 10, 20, 30, 40], [1, 2, 2, 2]);
    assert.deepEqual([...new GlobalMaxPooling2D({ dataFormat: 'channels_first' }).apply(cf).data], [4, 40]);
  });
  it('rejects non-4D inputs with the layer name', () => {
    assert.throws(
      () => new GlobalAveragePooling2D({ name: 'gap' }).apply(sym([null, 3])),
      (e: Error) => e instanceof ShapeError && /GlobalAveragePooling2D 'gap'/.test(e.message),
    );
  });
  it('have exact gradients', () => {
    const v = rand([2, 3, 3, 2], 7);
    gradCheck(() => new GlobalAveragePooling2D().apply(v), [v], { maxChecks: Infinity });
    gradCheck(() => new GlobalMaxPooling2D().apply(v), [v], { eps: 1e-3, maxChecks: Infinity });
  });
  it('1D forms pool the steps axis', async () => {
    const s = t([1, 10, 3, 30, 2, 20], [1, 3, 2]);
    assertClose(new GlobalAveragePooling1D().apply(s).data, [2, 20]);
    assert.deepEqual([...new GlobalMaxPooling1D().apply(s).data], [3, 30]);
    assert.deepEqual(new GlobalMaxPooling1D({ keepdims: true }).apply(s).shape, [1, 1, 2]);
    assert.deepEqual([...new GlobalAveragePooling1D().apply(sym([null, 7, 5])).shape], [null, 5]);
    assert.throws(() => new GlobalAveragePooling1D().apply(sym([null, 7, 5, 2])), /3D input/);
    const v = rand([2, 4, 3], 12);
    gradCheck(() => new GlobalAveragePooling1D().apply(v), [v], { maxChecks: Infinity });
    await runLayerTest(GlobalMaxPooling1D, [{ keepdims: true }], [2, 4, 3], { outputShape: [2, 1, 3] });
  });
  it('pass the common layer checks (config, shapes, training, .keras)', async () => {
    const { config: cfg } = await runLayerTest(GlobalAveragePooling2D, [{ keepdims: true }], [2, 3, 3, 2], {
      outputShape: [2, 1, 1, 2],
    });
    assert.equal(cfg.keepdims, true);
    assert.equal(cfg.data_format, 'channels_last');
    await runLayerTest(GlobalMaxPooling2D, [], [2, 3, 3, 2], { outputShape: [2, 2] });
  });
});

describe('ZeroPadding2D and Cropping2D', () => {
  const x = t([1, 2, 3, 4], [1, 2, 2, 1]);
  it('pads with int, [h, w] and [[t, b], [l, r]]', () => {
    const y = new ZeroPadding2D().apply(x);
    assert.deepEqual(y.shape, [1, 4, 4, 1]);
    assert.deepEqual([...y.data], [0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0]);
    assert.deepEqual(new ZeroPadding2D({ padding: [1, 0] }).apply(x).shape, [1, 4, 2, 1]);
    const z = new ZeroPadding2D({
      padding: [
        [0, 1],
        [2, 0],
      ],
    }).apply(x);
    assert.deepEqual(z.shape, [1, 3, 4, 1]);
    assert.deepEqual([...z.data], [0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0]);
    assert.deepEqual(
      [
        ...new ZeroPadding2D({
          padding: [
            [0, 1],
            [2, 0],
          ],
        }).apply(sym([null, 5, null, 3])).shape,
      ],
      [null, 6, null, 3],
    );
    assert.throws(() => new ZeroPadding2D({ padding: -1 as number }), ValueError);
  });
  it('ZeroPadding2D has exact gradients and passes the common layer checks', async () => {
    const v = rand([2, 2, 3, 2], 8);
    gradCheck(
      () =>
        new ZeroPadding2D({
          padding: [
            [1, 0],
            [0, 2],
          ],
        }).apply(v),
      [v],
      { maxChecks: Infinity },
    );
    const { config: cfg } = await runLayerTest(ZeroPadding2D, [{ padding: [2, 3] }], [2, 2, 2, 1], {
      outputShape: [2, 6, 8, 1],
    });
    assert.deepEqual(cfg.padding, [
      [2, 2],
      [3, 3],
    ]);
  });
  it('Cropping2D crops, checks, differentiates and passes the common layer checks', async () => {
    const v = t([...Array(16).keys()], [1, 4, 4, 1]);
    const y = new Cropping2D({
      cropping: [
        [1, 0],
        [0, 2],
      ],
    }).apply(v);
    assert.deepEqual(y.shape, [1, 3, 2, 1]);
    assert.deepEqual([...y.data], [4, 5, 8, 9, 12, 13]);
    assert.throws(
      () => new Cropping2D({ cropping: 2, name: 'crop' }).apply(v),
      (e: Error) => e instanceof ShapeError && /Cropping2D 'crop'/.test(e.message),
    );
    const r = rand([1, 4, 4, 2], 9);
    gradCheck(() => new Cropping2D({ cropping: 1 }).apply(r), [r], { maxChecks: Infinity });
    await runLayerTest(
      Cropping2D,
      [
        {
          cropping: [
            [1, 2],
            [3, 4],
          ],
        },
      ],
      [2, 5, 9, 1],
      { outputShape: [2, 2, 2, 1] },
    );
  });
});

describe('image ops', () => {
  it('crop2d, resize2d and flip2d have exact gradients', () => {
    const v = rand([2, 4, 5, 2], 10);
    gradCheck(() => crop2d(v, 1, 2, 2, 3), [v], { maxChecks: Infinity });
    gradCheck(() => resize2d(v, 3, 7, 'bilinear'), [v], { maxChecks: Infinity });
    gradCheck(() => resize2d(v, 7, 3, 'nearest'), [v], { maxChecks: Infinity });
    gradCheck(() => flip2d(v, [true, false], [true, true]), [v], { maxChecks: Infinity });
  });
  it('resize2d matches TF2 half-pixel bilinear on a known image', () => {
    // 1x2 → 1x4: source positions -0.25, 0.25, 0.75, 1.25 → clamped lerps of [0, 4].
    const y = resize2d(t([0, 4], [1, 1, 2, 1]), 1, 4);
    assertClose(y.data, [0, 1, 3, 4]);
    // Downscale 4 → 2 averages pairs (positions 0.5 and 2.5).
    assertClose(resize2d(t([0, 2, 4, 6], [1, 1, 4, 1]), 1, 2).data, [1, 5]);
    // Nearest 2 → 4 repeats.
    assert.deepEqual([...resize2d(t([1, 2], [1, 1, 2, 1]), 1, 4, 'nearest').data], [1, 1, 2, 2]);
  });
  it('flip2d flips each image by its own flags', () => {
    const v = t([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2, 1]);
    assert.deepEqual([...flip2d(v, [true, false], [false, true]).data], [2, 1, 4, 3, 7, 8, 5, 6]);
  });
});

describe('functional shortcuts and UpSampling2D', () => {
  it('add / concatenate / multiply build layers on symbolic and eager inputs', () => {
    const s = add([sym([null, 4]), sym([null, 4])]);
    assert.deepEqual([...s.shape], [null, 4]);
    assert.equal(s.node!.layer.className, 'Add');
    assert.deepEqual([...concatenate([sym([null, 2, 3]), sym([null, 5, 3])], { axis: 1 }).shape], [null, 7, 3]);
    const a = t([1, 2], [1, 2]),
      b = t([3, 5], [1, 2]);
    assert.deepEqual([...multiply([a, b]).data], [3, 10]);
    assert.deepEqual([...subtract([a, b]).data], [-2, -3]);
    assert.deepEqual([...average([a, b]).data], [2, 3.5]);
    assert.deepEqual([...maximum([a, b]).data], [3, 5]);
    assert.deepEqual([...minimum([a, b]).data], [1, 2]);
  });
  it('UpSampling2D repeats (nearest) or resizes (bilinear), with gradients and the common layer checks', async () => {
    const x = t([1, 2, 3, 4], [1, 2, 2, 1]);
    const y = new UpSampling2D().apply(x);
    assert.deepEqual(y.shape, [1, 4, 4, 1]);
    assert.deepEqual([...y.data], [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
    assert.deepEqual([...new UpSampling2D({ size: [1, 3] }).apply(t([1, 2], [1, 1, 2, 1])).data], [1, 1, 1, 2, 2, 2]);
    assertClose(
      new UpSampling2D({ size: [1, 2], interpolation: 'bilinear' }).apply(t([0, 4], [1, 1, 2, 1])).data,
      [0, 1, 3, 4],
    );
    assert.deepEqual([...new UpSampling2D({ size: 3 }).apply(sym([null, 5, null, 2])).shape], [null, 15, null, 2]);
    const v = rand([2, 2, 3, 2], 11);
    gradCheck(() => new UpSampling2D({ size: [2, 3] }).apply(v), [v], { maxChecks: Infinity });
    gradCheck(() => new UpSampling2D({ interpolation: 'bilinear' }).apply(v), [v], { maxChecks: Infinity });
    const { config: cfg } = await runLayerTest(
      UpSampling2D,
      [{ size: [2, 3], interpolation: 'bilinear' }],
      [2, 2, 2, 1],
      {
        outputShape: [2, 4, 6, 1],
      },
    );
    assert.deepEqual(cfg.size, [2, 3]);
  });
});
