// Filter patterns on the applications models the book visualizes: VGG16's block1_conv1 ...
// block4_conv1 (first edition) and Xception's block3_sepconv1 (second edition), random weights
// and small inputs so the ascent stays quick; each loss must climb and each picture be cropped right.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Tensor, applications, utils, vis } from 'convkit';

function assertClimbs(losses: number[], steps: number, what: string): void {
  assert.equal(losses.length, steps, `${what}: one loss a step`);
  assert.ok(
    losses.every((v) => Number.isFinite(v)),
    `${what}: finite losses ${losses.join(', ')}`,
  );
  assert.ok(losses[steps - 1] > losses[0], `${what}: the loss rises (${losses[0]} -> ${losses[steps - 1]})`);
  const rises = losses.slice(1).filter((v, i) => v >= losses[i]).length;
  assert.ok(rises >= steps - 2, `${what}: the loss rises at (almost) every step: ${losses.join(', ')}`);
}

function assertPicture(image: Tensor, side: number, what: string): void {
  assert.deepEqual(image.shape, [side, side, 3], `${what}: picture shape`);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of image.data) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  assert.ok(lo >= 0 && hi <= 255, `${what}: pixels in 0..255, got ${lo}..${hi}`);
  assert.ok(hi - lo > 50, `${what}: the picture is not flat (${lo}..${hi})`);
}

describe('filter patterns on applications models', () => {
  it("Xception block3_sepconv1 at 71x71 (Xception's minimum), with its 'tf' preprocessing", async () => {
    utils.clearSession();
    utils.setRandomSeed(11);
    const model = await applications.Xception({ weights: null, includeTop: false, inputShape: [71, 71, 3] });
    const steps = 4;
    for (const filterIndex of [0, 17]) {
      const p = vis.filterPattern(model, 'block3_sepconv1', filterIndex, {
        steps,
        preprocess: (x) => applications.xception.preprocessInput(x.mul(255)),
      });
      const what = `block3_sepconv1[${filterIndex}]`;
      assertClimbs(p.losses, steps, what);
      assert.deepEqual(p.raw.shape, [1, 71, 71, 3]);
      // The 25-pixel crop is capped at a quarter of the side: 71 - 2 * 17.
      assertPicture(p.image, 37, what);
    }
  });

  it("VGG16 block1_conv1 ... block4_conv1 at 48x48, with its 'caffe' preprocessing", async () => {
    utils.clearSession();
    utils.setRandomSeed(5);
    const model = await applications.VGG16({ weights: null, includeTop: false, inputShape: [48, 48, 3] });
    const steps = 5;
    for (const name of ['block1_conv1', 'block2_conv1', 'block3_conv1', 'block4_conv1']) {
      // Filter 2 is alive in every layer for this seed; a filter whose ReLU is zero on the start image
      // has no gradient and stays flat, in Keras as here.
      const p = vis.filterPattern(model, name, 2, {
        steps,
        preprocess: (x) => applications.vgg16.preprocessInput(x.mul(255)),
      });
      assertClimbs(p.losses, steps, name);
      assert.equal(p.moved, true, name);
      assertPicture(p.image, 48 - 2 * 12, name);
    }
    // block2_conv1's filter 3 is silent on the start image for this seed: no gradient, no pattern, so
    // a flat mid-gray picture rather than the start's noise standardized into a fake texture.
    const dead = vis.filterPattern(model, 'block2_conv1', 3, {
      steps: 3,
      preprocess: (x) => applications.vgg16.preprocessInput(x.mul(255)),
    });
    assert.deepEqual(dead.losses, [0, 0, 0]);
    assert.equal(dead.moved, false);
    assert.deepEqual(dead.image.shape, [24, 24, 3]);
    assert.ok(dead.image.data.every((v) => v === 128));
  });
});
