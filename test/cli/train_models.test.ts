// The networks `convkit train` builds and the files it keeps beside a model: the small convnet's
// blocks for the image size, ImageNet 'caffe' preprocessing as a saved layer, which layers
// fine-tuning opens, the offline message, and the names of the side files.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Tensor, layers, models, utils } from 'convkit';
import { besideModel, classesFileFor, formatOfTarget, hasOwnPreprocessing } from '../../src/cli/model_files.js';
import {
  mnistConvnet,
  offlineMessage,
  smallConvnet,
  transferModel,
  unfreezeTopBlock,
} from '../../src/cli/run/train_models.js';
import { tempDir } from '../data/helpers.js';

describe('the models convkit train builds', () => {
  it("MNIST: the chapter's convnet behind a Rescaling layer, 93,322 parameters", () => {
    utils.clearSession();
    const m = mnistConvnet();
    assert.equal(m.countParams(), 93_322);
    assert.equal(m.layers[0].className, 'Rescaling');
    assert.ok(hasOwnPreprocessing(m));
  });

  it('the small convnet: four blocks at 150x150, as many as fit for small images', () => {
    utils.clearSession();
    const convs = (size: number) =>
      smallConvnet({ size, channels: 3, classes: 2, augment: false, dropout: 0.5 }).layers.filter(
        (l) => l.className === 'Conv2D',
      ).length;
    assert.equal(convs(150), 4);
    assert.equal(convs(32), 3);
    assert.equal(convs(10), 2);
    assert.equal(convs(8), 1);
    const big = smallConvnet({ size: 150, channels: 3, classes: 5, augment: true, dropout: 0.5 });
    assert.deepEqual(big.outputs[0].shape, [null, 5]);
    assert.deepEqual(
      big.layers.slice(1, 3).map((l) => l.className),
      ['Sequential', 'Rescaling'],
    );
    assert.throws(() => smallConvnet({ size: 3, channels: 1, classes: 2, augment: false, dropout: 0 }), /too small/);
  });

  it("a named base gets Keras's caffe preprocessing as a frozen 1x1 convolution that survives saving", async () => {
    utils.clearSession();
    const base = new models.Sequential([new layers.Conv2D(2, 3, { inputShape: [8, 8, 3], name: 'block1_conv1' })]);
    const m = transferModel(
      { base, topBlock: null, size: 8, mode: 'caffe' },
      { size: 8, classes: 3, augment: false, dropout: 0 },
    );
    const file = path.join(tempDir('convkit-cli-caffe-'), 'm.keras');
    await m.save(file);
    const loaded = await models.loadModel(file);
    const pre = loaded.getLayer('imagenet_caffe_preprocess');
    assert.equal(pre.trainable, false);
    assert.ok(hasOwnPreprocessing(loaded));
    const probe = new models.Model({ inputs: loaded.input, outputs: pre.output });
    const x = new Tensor(
      new Float32Array(8 * 8 * 3).map((_, i) => [10, 20, 30][i % 3]),
      [1, 8, 8, 3],
    );
    const y = probe.predict(x, { verbose: 0 });
    // RGB (10, 20, 30) -> BGR minus the ImageNet mean.
    const got = Array.from(y.dataSync().subarray(0, 3));
    [30 - 103.939, 20 - 116.779, 10 - 123.68].forEach((v, i) => assert.ok(Math.abs(got[i] - v) < 1e-4, `${got}`));
  });

  it('fine-tuning opens the top block (by name, or after the second-to-last pooling) but no BatchNormalization', () => {
    utils.clearSession();
    const base = new models.Sequential([
      new layers.Conv2D(2, 3, { inputShape: [16, 16, 3], name: 'b1_conv' }),
      new layers.MaxPooling2D(2, { name: 'b1_pool' }),
      new layers.Conv2D(2, 3, { name: 'b2_conv' }),
      new layers.BatchNormalization({ name: 'b2_bn' }),
      new layers.Conv2D(2, 1, { name: 'b2_conv2' }),
      new layers.MaxPooling2D(2, { name: 'b2_pool' }),
    ]);
    base.trainable = false;
    assert.deepEqual(unfreezeTopBlock({ base, topBlock: null, size: 16 }), ['b2_conv', 'b2_conv2']);
    assert.equal(base.getLayer('b2_bn').trainable, false);
    assert.equal(base.getLayer('b1_conv').trainable, false);
    assert.deepEqual(unfreezeTopBlock({ base, topBlock: 'b2_conv2', size: 16 }), ['b2_conv2']);
  });

  it('says in one line how to get ImageNet weights offline', () => {
    const msg =
      "getFile: could not download 'vgg16_notop.h5' from https://example.org/vgg16_notop.h5: getaddrinfo ENOTFOUND example.org. " +
      "To work offline, download 'vgg16_notop.h5' from https://example.org/vgg16_notop.h5 and put it at /home/u/.keras/models/vgg16_notop.h5 (its md5 hash must be 0a).";
    assert.equal(
      offlineMessage('vgg16', msg),
      'the ImageNet weights of vgg16 could not be downloaded (getaddrinfo ENOTFOUND example.org); to work offline, ' +
        'put https://example.org/vgg16_notop.h5 at /home/u/.keras/models/vgg16_notop.h5, or train with --weights FILE ' +
        '(a Keras weights file) or --weights none',
    );
    assert.match(
      offlineMessage('vgg16', 'getFile: something else'),
      /could not be loaded: something else or train with/,
    );
  });
});

describe('files beside a model', () => {
  it('replace the extension; a TF.js folder keeps them inside', () => {
    assert.equal(classesFileFor('out/model.keras'), 'out/model.classes.json');
    assert.equal(besideModel('m.h5', '.curves.png'), 'm.curves.png');
    assert.equal(classesFileFor('web/model.json'), 'web/model.classes.json');
    assert.equal(classesFileFor('tfjs://web'), path.join('web', 'model.classes.json'));
    assert.equal(classesFileFor('web'), path.join('web', 'model.classes.json'));
  });

  it('the format a target name asks for', () => {
    assert.equal(formatOfTarget('a.keras'), 'keras');
    assert.equal(formatOfTarget('a.h5'), 'h5');
    assert.equal(formatOfTarget('a.hdf5'), 'h5');
    assert.equal(formatOfTarget('web/model.json'), 'tfjs');
    assert.equal(formatOfTarget('web_model'), 'tfjs');
    assert.equal(formatOfTarget('a.weights.h5'), null);
    assert.equal(formatOfTarget('a.pt'), null);
  });
});
