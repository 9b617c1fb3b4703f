// The pretrained-convnet example's pieces: SmallVGG built and loaded like an application (Keras's
// weight files by path, a clear error for a file that does not fit), the shared Fashion-MNIST
// upscaling, and the whole example end to end on a tiny folder with a base made on the spot.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Tensor, utils } from 'convkit';
import { SMALL_CLASSES, smallSetIndices, upscaleToRgb } from '../../examples/fashion_mnist.js';
import { SmallVGG, baseWeightsPath, preprocessInput, shiftFlip } from '../../examples/small_vgg.js';
import { pixels, tempDir, writeImage } from '../data/helpers.js';

describe('SmallVGG', () => {
  it("builds VGG-style named blocks with batch normalization; without the top it ends in block4_pool's (2, 2, 128) at 32x32", async () => {
    utils.clearSession();
    const base = await SmallVGG();
    const block = (b: number, i: number) => [`block${b}_conv${i}`, `block${b}_bn${i}`, `block${b}_relu${i}`];
    assert.deepEqual(
      base.layers.map((l) => l.name),
      [
        'input_layer',
        ...block(1, 1),
        'block1_pool',
        ...block(2, 1),
        'block2_pool',
        ...block(3, 1),
        'block3_pool',
        ...block(4, 1),
        ...block(4, 2),
        'block4_pool',
      ],
    );
    assert.deepEqual(base.outputs[0].shape, [null, 2, 2, 128]);
    // 3x3 kernels without biases (16-32-64-128-128 filters) and four weights per BatchNormalization channel.
    const kernels = 27 * 16 + 144 * 32 + 288 * 64 + 576 * 128 + 1152 * 128;
    assert.equal(base.countParams(), kernels + 4 * (16 + 32 + 64 + 128 + 128));
    assert.equal(base.countParams(), 246_128);
    assert.deepEqual((await SmallVGG({ inputShape: [64, 64, 3] })).outputs[0].shape, [null, 4, 4, 128]);
    const top = await SmallVGG({ includeTop: true, classes: 8, inputShape: [32, 32, 3] });
    assert.deepEqual(top.outputs[0].shape, [null, 8]);
    assert.deepEqual(
      top.layers.slice(-4).map((l) => l.name),
      ['flatten', 'fc1', 'dropout', 'predictions'],
    );
  });

  it('loads a .weights.h5 or .keras file through `weights`, and names the file when it does not fit', async () => {
    utils.clearSession();
    const dir = tempDir('convkit-smallvgg-');
    const trained = await SmallVGG({ inputShape: [32, 32, 3] });
    const file = path.join(dir, 'base.weights.h5');
    await trained.saveWeights(file);
    const loaded = await SmallVGG({ weights: file, inputShape: [32, 32, 3] });
    const want = trained.getWeights();
    loaded.getWeights().forEach((w, i) => assert.deepEqual(w.dataSync(), want[i].dataSync()));
    const x = new Tensor(
      new Float32Array(2 * 32 * 32 * 3).map((_, i) => (i * 37) % 255),
      [2, 32, 32, 3],
    );
    assert.deepEqual(loaded.predict(preprocessInput(x)).dataSync(), trained.predict(preprocessInput(x)).dataSync());

    const full = await SmallVGG({ includeTop: true, classes: 3, inputShape: [32, 32, 3] });
    const archive = path.join(dir, 'full.keras');
    await full.save(archive);
    const back = await SmallVGG({ includeTop: true, classes: 3, weights: archive, inputShape: [32, 32, 3] });
    assert.deepEqual(back.getLayer('fc1').getWeights()[0].dataSync(), full.getLayer('fc1').getWeights()[0].dataSync());

    // As in Keras, a file with more layers (the top) loads into the base; one without the top does not fit.
    await assert.rejects(SmallVGG({ includeTop: true, weights: file, inputShape: [32, 32, 3] }), (e: Error) =>
      e.message.includes(
        `SmallVGG(includeTop=true): the weights file '${file}' does not fit the model; ` +
          'is it for the model without its top?',
      ),
    );
    await assert.rejects(
      SmallVGG({ weights: path.join(dir, 'missing.weights.h5') }),
      /SmallVGG: weights must be null or the path of a weight file; no file at '.*missing\.weights\.h5'/,
    );
  });

  it('preprocessInput scales uint8 or float images to [0, 1] float32', () => {
    const y = preprocessInput(new Tensor(Uint8Array.from([0, 51, 255]), [3]));
    assert.equal(y.dtype, 'float32');
    assert.deepEqual([...y.dataSync()], [0, Math.fround(0.2), 1]);
  });
});

describe('shiftFlip (the pretraining augmentation)', () => {
  it('shifts with zeros filling in, and mirrors left-right, on all three channels', () => {
    // A 3x3 RGB image whose pixel (y, x) holds 10 * y + x + 1 in every channel.
    const src = Uint8Array.from({ length: 27 }, (_, i) => 10 * Math.floor(i / 9) + (Math.floor(i / 3) % 3) + 1);
    const out = new Uint8Array(27);
    const gray = (a: Uint8Array) => Array.from({ length: 9 }, (_, p) => a[3 * p]);
    shiftFlip(src, out, 3, 0, 0, false);
    assert.deepEqual(out, src);
    shiftFlip(src, out, 3, 1, 0, false);
    assert.deepEqual(gray(out), [0, 1, 2, 0, 11, 12, 0, 21, 22]);
    shiftFlip(src, out, 3, 0, -1, false);
    assert.deepEqual(gray(out), [11, 12, 13, 21, 22, 23, 0, 0, 0]);
    shiftFlip(src, out, 3, 0, 0, true);
    assert.deepEqual(gray(out), [3, 2, 1, 13, 12, 11, 23, 22, 21]);
    shiftFlip(src, out, 3, 1, 1, true);
    assert.deepEqual(gray(out), [0, 0, 0, 0, 3, 2, 0, 13, 12]);
    for (let p = 0; p < 9; p++) assert.ok(out[3 * p] === out[3 * p + 1] && out[3 * p] === out[3 * p + 2]);
  });
});

describe('upscaleToRgb', () => {
  it('repeats the upscaled gray level into three equal channels, into a given buffer', () => {
    const images = new Uint8Array(2 * 784).fill(200);
    images.fill(10, 784);
    const out = new Uint8Array(8 * 8 * 3 + 5);
    const rgb = upscaleToRgb(images, 1, 8, out.subarray(5));
    assert.equal(rgb.length, 8 * 8 * 3);
    assert.ok(
      rgb.every((v) => v === 10),
      'a flat image stays flat',
    );
    assert.ok(out.subarray(0, 5).every((v) => v === 0));
    assert.ok(upscaleToRgb(images, 0, 4).every((v) => v === 200));
  });
});

describe('smallSetIndices', () => {
  it('takes the first 2,000 images of each small-data class in file order, so pretraining can leave them out', () => {
    const labels = Uint8Array.from({ length: 50_000 }, (_, i) => i % 10);
    const sets = smallSetIndices(labels);
    assert.deepEqual([...sets.keys()], Object.keys(SMALL_CLASSES));
    for (const [name, idx] of sets) {
      assert.equal(idx.length, 2000, name);
      assert.ok(
        idx.every((i) => labels[i] === SMALL_CLASSES[name]),
        name,
      );
      assert.deepEqual(idx.slice(0, 2), [SMALL_CLASSES[name], SMALL_CLASSES[name] + 10]);
    }
    assert.equal(baseWeightsPath('o'), path.join('o', 'small_vgg_fashion10_notop.weights.h5'));
    assert.equal(baseWeightsPath('o', 'other-classes'), path.join('o', 'small_vgg_fashion8_notop.weights.h5'));
  });
});

describe('examples/pretrained_convnet.ts', () => {
  it('runs the four experiments on a small folder with a given base and writes curves, features, checkpoints', async () => {
    utils.clearSession();
    const root = tempDir('convkit-pretrained-');
    for (const [split, n] of [
      ['train', 6],
      ['validation', 3],
      ['test', 3],
    ] as const) {
      for (let i = 0; i < n; i++) {
        await writeImage(
          path.join(root, split, 'cats', `${i}.jpg`),
          pixels(40, 36, 3, (y, x) => (x * 3 + y + i) & 255),
          40,
          36,
          3,
        );
        await writeImage(
          path.join(root, split, 'dogs', `${i}.png`),
          pixels(30, 44, 3, (y, x) => (x * y + i * 7) & 255),
          30,
          44,
          3,
        );
      }
    }
    const base = path.join(root, 'base.weights.h5');
    await (await SmallVGG({ inputShape: [32, 32, 3] })).saveWeights(base);
    const out = path.join(root, 'out');
    const r = spawnSync(
      process.execPath,
      [
        '--conditions=development',
        '--import',
        'tsx',
        'examples/pretrained_convnet.ts',
        '--data',
        root,
        '--base',
        base,
        '--size',
        '32',
        '--batch',
        '4',
        '--epochs',
        '1',
        '--fe-epochs',
        '1',
        '--aug-epochs',
        '1',
        '--ft-epochs',
        '1',
        '--out',
        out,
      ],
      { encoding: 'utf8', timeout: 180_000 },
    );
    assert.equal(r.status, 0, r.stderr + r.stdout.slice(-2000));
    assert.match(r.stdout, /train features \[12,2,2,128\]/);
    assert.match(r.stdout, /Trainable params: 131,585 .*\n Non-trainable params: 246,128 /);
    assert.match(r.stdout, /trainable weights: 4 \(the base's 25 are frozen\)/);
    // block3_conv1, block4_conv1 and block4_conv2 thaw; their BatchNormalization layers stay frozen.
    assert.match(r.stdout, /=== \(4\) fine-tuning from block3_conv1 ===\ntrainable weights: 7\n/);
    for (const name of [
      'from scratch',
      'fast feature extraction',
      'frozen base \\+ augmentation',
      'fine-tuning \\(from block3_conv1\\)',
    ]) {
      assert.match(r.stdout, new RegExp(`\\| ${name} \\| 1 \\| \\d\\.\\d{4} \\| \\d+ s \\|`));
    }
    for (const file of [
      'curves_from_scratch.png',
      'curves_feature_extraction.png',
      'curves_frozen_base_augmentation.png',
      'curves_fine_tuning.png',
      'train_features.npy',
      'train_labels.npy',
      'from_scratch.keras',
      'feature_extraction.keras',
      'feature_extraction_with_data_augmentation.keras',
      'fine_tuning.keras',
    ]) {
      assert.ok(existsSync(path.join(out, file)), file);
    }
    const features = await utils.loadNpy(path.join(out, 'train_features.npy'));
    assert.deepEqual(features.shape, [12, 2, 2, 128]);
  });
});
