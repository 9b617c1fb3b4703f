// SpatialDropout2D (and friends) — whole channels dropped, inverted scaling, training only, seeded.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ShapeError, ValueError } from '../../src/errors.js';
import { GaussianDropout, GaussianNoise, SpatialDropout1D, SpatialDropout2D } from '../../src/layers/regularization.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { setRandomSeed } from '../../src/tensor/random.js';
import { gradCheck, rand } from '../helpers/gradcheck.js';
import { runLayerTest } from '../helpers/layer_test.js';

function moments(t: Tensor): [number, number] {
  const d = Array.from(t.data);
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  return [mean, Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length)];
}
const ones = (shape: number[]) => new Tensor(new Float32Array(shape.reduce((a, b) => a * b)).fill(1), shape);

describe('SpatialDropout2D', () => {
  it('is the identity unless training', () => {
    const x = rand([2, 3, 3, 4], 1);
    const l = new SpatialDropout2D(0.5, { seed: 1 });
    assert.equal(l.apply(x), x);
    assert.equal(l.apply(x, { training: false }), x);
  });
  it('drops whole channels with inverted scaling, about `rate` of them', () => {
    const x = ones([50, 3, 3, 8]);
    const y = new SpatialDropout2D(0.25, { seed: 7 }).apply(x, { training: true });
    let dropped = 0;
    for (let n = 0; n < 50; n++)
      for (let c = 0; c < 8; c++) {
        const vals = new Set<number>();
        for (let i = 0; i < 9; i++) vals.add(y.data[(n * 9 + i) * 8 + c]);
        assert.equal(vals.size, 1, 'a channel is kept or dropped as a whole');
        const v = [...vals][0];
        assert.ok(Math.abs(v) < 1e-7 || Math.abs(v - 1 / 0.75) < 1e-6, `value ${v}`);
        if (v === 0) dropped++;
      }
    const frac = dropped / 400;
    assert.ok(frac > 0.17 && frac < 0.33, `dropped fraction ${frac}`);
  });
  it('works channels_first', () => {
    const y = new SpatialDropout2D(0.5, { seed: 3, dataFormat: 'channels_first' }).apply(ones([4, 6, 2, 2]), {
      training: true,
    });
    for (let n = 0; n < 4; n++)
      for (let c = 0; c < 6; c++) {
        const base = (n * 6 + c) * 4;
        for (let i = 1; i < 4; i++) assert.equal(y.data[base + i], y.data[base]);
      }
  });
  it('is reproducible with a seed, and with the global seed', () => {
    const x = rand([3, 2, 2, 5], 2);
    const a = new SpatialDropout2D(0.5, { seed: 11 }).apply(x, { training: true });
    const b = new SpatialDropout2D(0.5, { seed: 11 }).apply(x, { training: true });
    assert.deepEqual([...a.data], [...b.data]);
    setRandomSeed(5);
    const c = new SpatialDropout2D(0.5).apply(x, { training: true });
    setRandomSeed(5);
    const d = new SpatialDropout2D(0.5).apply(x, { training: true });
    assert.deepEqual([...c.data], [...d.data]);
  });
  it('passes gradients through the kept channels', () => {
    const x = rand([2, 2, 2, 3], 3);
    // Fix the mask: a fresh layer with the same seed for every evaluation.
    gradCheck(() => new SpatialDropout2D(0.4, { seed: 9 }).apply(x, { training: true }), [x], { maxChecks: Infinity });
  });
  it('checks input rank and rate, and passes the common layer checks', async () => {
    assert.throws(
      () => new SpatialDropout2D(0.5, { name: 'sd' }).apply(ones([2, 3])),
      (e: Error) => e instanceof ShapeError && /SpatialDropout2D 'sd'/.test(e.message),
    );
    assert.throws(() => new SpatialDropout2D(1), ValueError);
    const { config: cfg } = await runLayerTest(SpatialDropout2D, [0.3, { seed: 4 }], [2, 3, 3, 2], {
      outputShape: [2, 3, 3, 2],
    });
    assert.equal(cfg.rate, 0.3);
    assert.equal(cfg.seed, 4);
    assert.equal(cfg.data_format, 'channels_last');
    const one = new SpatialDropout1D(0.5, { seed: 1 }).apply(ones([2, 5, 3]), { training: true });
    for (let n = 0; n < 2; n++)
      for (let c = 0; c < 3; c++)
        for (let s = 1; s < 5; s++) assert.equal(one.data[(n * 5 + s) * 3 + c], one.data[n * 15 + c]);
  });
});

describe('GaussianNoise and GaussianDropout', () => {
  it('are identities at inference and have the right moments in training', async () => {
    const x = ones([20000]);
    assert.equal(new GaussianNoise(0.5).apply(x), x);
    const y = new GaussianNoise(0.5, { seed: 1 }).apply(x, { training: true });
    const [mean, sd] = moments(y);
    assert.ok(Math.abs(mean - 1) < 0.02 && Math.abs(sd - 0.5) < 0.02, `mean ${mean} sd ${sd}`);
    const z = new GaussianDropout(0.2, { seed: 2 }).apply(x, { training: true });
    const [zm, zsd] = moments(z);
    assert.ok(Math.abs(zm - 1) < 0.02 && Math.abs(zsd - 0.5) < 0.02, `mean ${zm} sd ${zsd}`);
    assert.equal((await runLayerTest(GaussianNoise, [0.1], [2, 5], { outputShape: [2, 5] })).config.stddev, 0.1);
    await runLayerTest(GaussianDropout, [0.2], [2, 5], { outputShape: [2, 5] });
  });
});
