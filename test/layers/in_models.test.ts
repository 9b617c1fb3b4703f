// Normalization, merging, regularization and augmentation layers inside real models:
// BatchNormalization through fit/evaluate/predict and summary, a functional model with
// Concatenate/Add branches, augmentation active only in fit, and configs of whole models rebuilt
// from JSON.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Conv2D } from '../../src/layers/convolutional.js';
import { Dense, Dropout, Flatten, Input } from '../../src/layers/core.js';
import { MaxPooling2D } from '../../src/layers/pooling.js';
import { GlobalAveragePooling2D } from '../../src/layers/global_pooling.js';
import { Add, Concatenate } from '../../src/layers/merging.js';
import { BatchNormalization } from '../../src/layers/normalization.js';
import { RandomFlip, RandomRotation, RandomZoom, Rescaling } from '../../src/layers/preprocessing.js';
import { SpatialDropout2D } from '../../src/layers/regularization.js';
import { ZeroPadding2D } from '../../src/layers/reshaping.js';
import { EarlyStopping, LambdaCallback } from '../../src/callbacks/standard.js';
import { Model } from '../../src/models/model.js';
import { Sequential } from '../../src/models/sequential.js';
import { SGD } from '../../src/optimizers/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { setRandomSeed } from '../../src/tensor/random.js';
import { rand } from '../helpers/gradcheck.js';

describe('BatchNormalization in a model', () => {
  it('updates moving statistics in fit only, is counted as non-trainable, and freezes', async () => {
    setRandomSeed(1);
    const bn = new BatchNormalization({ momentum: 0.5 });
    const m = new Sequential([new Dense(3, { inputShape: [4] }), bn, new Dense(1)]);
    m.compile({ optimizer: new SGD({ learningRate: 0.01 }), loss: 'mse' });
    const lines: string[] = [];
    m.summary((l) => lines.push(l));
    const text = lines.join('\n');
    assert.match(text, /│ batch_normalization\s+│ \(None, 3\)\s+│\s+12 │\n│ \(BatchNormalization\)/);
    assert.match(text, /Total params: 31 /);
    assert.match(text, /Trainable params: 25 /);
    assert.match(text, /Non-trainable params: 6 /);

    const x = rand([16, 4], 2, 0, 3),
      y = rand([16, 1], 3);
    const mm0 = Array.from(bn.movingMean.data);
    await m.evaluate(x, y, { verbose: 0 });
    m.predict(x);
    assert.deepEqual(Array.from(bn.movingMean.data), mm0, 'evaluate/predict leave the moving stats alone');
    await m.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0, shuffle: false });
    // One step with momentum 0.5: moving mean = 0.5·0 + 0.5·(batch mean of the first Dense's output).
    const h = m.layers[0].apply(x);
    assert.ok(bn.movingMean.data.some((v) => v !== 0));
    // Dense weights moved during the step, so compare with a bound rather than exactly.
    for (let c = 0; c < 3; c++) {
      let mean = 0;
      for (let i = 0; i < 16; i++) mean += h.data[i * 3 + c] / 16;
      assert.ok(
        Math.abs(bn.movingMean.data[c] - 0.5 * mean) < 0.05,
        `channel ${c}: ${bn.movingMean.data[c]} vs ${0.5 * mean}`,
      );
    }
    // Frozen: no moving-stat updates in fit, no trainable gamma/beta.
    bn.trainable = false;
    m.compile({ optimizer: new SGD({ learningRate: 0.01 }), loss: 'mse' });
    const frozen = Array.from(bn.movingMean.data);
    const gamma = Array.from(bn.gamma!.data);
    await m.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    assert.deepEqual(Array.from(bn.movingMean.data), frozen);
    assert.deepEqual(Array.from(bn.gamma!.data), gamma);
    assert.equal(m.trainableWeights.length, 4);
  });

  it('a small convnet with BN, SpatialDropout2D, ZeroPadding2D and global pooling trains', async () => {
    setRandomSeed(2);
    const m = new Sequential([
      new ZeroPadding2D({ padding: 1, inputShape: [6, 6, 1] }),
      new Conv2D(4, 3),
      new BatchNormalization(),
      new SpatialDropout2D(0.2, { seed: 1 }),
      new GlobalAveragePooling2D(),
      new Dense(1, { activation: 'sigmoid' }),
    ]);
    m.compile({ optimizer: new SGD({ learningRate: 0.5 }), loss: 'binary_crossentropy' });
    // Bright vs dark images.
    const n = 32;
    const xd = new Float32Array(n * 36),
      yd = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      yd[i] = i % 2;
      for (let k = 0; k < 36; k++) xd[i * 36 + k] = (i % 2 ? 1 : -1) + 0.3 * Math.sin(i * 7 + k);
    }
    const x = new Tensor(xd, [n, 6, 6, 1]),
      y = new Tensor(yd, [n, 1]);
    const hist = await m.fit(x, y, { epochs: 8, batchSize: 8, verbose: 0 });
    assert.ok(hist.history.loss[7] < hist.history.loss[0], `loss ${hist.history.loss}`);
    assert.deepEqual(m.predict(x).shape, [n, 1]);
  });
});

describe('functional models with merge layers', () => {
  it('Concatenate and Add branches build, train and infer shapes', async () => {
    setRandomSeed(3);
    const inp = Input({ shape: [5, 5, 2] });
    const a = new Conv2D(3, 3, { padding: 'same', activation: 'relu' }).apply(inp);
    const b = new Conv2D(3, 1).apply(inp);
    const s = new Add().apply([a, b]);
    const c = new Concatenate().apply([s, inp]);
    assert.deepEqual([...c.shape], [null, 5, 5, 5]);
    const out = new Dense(2, { activation: 'softmax' }).apply(new GlobalAveragePooling2D().apply(c));
    const m = new Model({ inputs: inp, outputs: out });
    m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const x = rand([12, 5, 5, 2], 4);
    const y = new Tensor(
      Int32Array.from({ length: 12 }, (_, i) => i % 2),
      [12],
    );
    const h = await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    assert.equal(h.history.loss.length, 2);
    assert.deepEqual(m.predict(x).shape, [12, 2]);
    const lines: string[] = [];
    m.summary((l) => lines.push(l));
    assert.match(lines.join('\n'), /│ concatenate\s+│ \(None, 5, 5, 5\)\s+│\s+0 │ add\[0\]\[0\]/);
  });
});

describe('augmentation inside a model', () => {
  it('is applied in fit (training) and skipped in predict/evaluate', async () => {
    setRandomSeed(4);
    const augment = new Sequential([
      new RandomFlip('horizontal', { seed: 1 }),
      new RandomRotation(0.1, { seed: 2 }),
      new RandomZoom(0.2, null, { seed: 3 }),
    ]);
    const inp = Input({ shape: [6, 6, 1] });
    const x1 = new Rescaling(1 / 255).apply(augment.apply(inp));
    const out = new Dense(1).apply(new Flatten().apply(x1));
    const m = new Model({ inputs: inp, outputs: out });
    m.compile({ optimizer: new SGD({ learningRate: 0 }), loss: 'mse' });
    const x = rand([4, 6, 6, 1], 5, 0, 255);
    const y = new Tensor(new Float32Array(4), [4, 1]);
    // Inference: identical to the model without the augmentation block.
    const dense = m.layers[m.layers.length - 1];
    const direct = dense.apply(new Flatten().apply(new Rescaling(1 / 255).apply(x)));
    const p = m.predict(x);
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(p.data[i] - direct.data[i]) < 1e-5);
    // Training: the loss of fit (lr 0) differs from evaluate's because the inputs were augmented.
    const ev = await m.evaluate<number>(x, y, { verbose: 0 });
    const seen: number[] = [];
    await m.fit(x, y, {
      epochs: 3,
      batchSize: 4,
      verbose: 0,
      callbacks: [
        new LambdaCallback({
          onEpochEnd: (_e, logs) => {
            seen.push(logs!.loss);
          },
        }),
      ],
    });
    assert.ok(
      seen.every((l) => Math.abs(l - ev) > 1e-6),
      `fit losses ${seen} vs evaluate ${ev}`,
    );
    assert.ok(new Set(seen.map((l) => l.toFixed(6))).size === 3, 'each epoch draws new augmentations');
  });
  it(
    'a Sequential augmentation block called directly augments (DLwP: augmented_images = ' +
      'data_augmentation(images))',
    () => {
      const augment = new Sequential([new RandomFlip('horizontal', { seed: 5 }), new RandomRotation(0.1, { seed: 6 })]);
      const x = rand([6, 5, 5, 3], 7, 0, 255);
      const a = augment.apply(x),
        b = augment.apply(x);
      assert.notDeepEqual([...a.data], [...x.data]);
      assert.notDeepEqual([...a.data], [...b.data], 'a new draw per call');
      assert.deepEqual([...augment.apply(x, { training: false }).data], [...x.data]);
    },
  );
});

describe("the chapter's small-data convnet at a small scale", () => {
  it(
    'augmentation + Rescaling + convnet + Dropout, rmsprop, EarlyStopping(restoreBestWeights) with validation ' +
      'data',
    async () => {
      setRandomSeed(1337);
      const augment = new Sequential([new RandomFlip('horizontal'), new RandomRotation(0.1), new RandomZoom(0.2)]);
      const inputs = Input({ shape: [16, 16, 3] });
      let x = augment.apply(inputs);
      x = new Rescaling(1 / 255).apply(x);
      x = new Conv2D(8, 3, { activation: 'relu' }).apply(x);
      x = new MaxPooling2D(2).apply(x);
      x = new Conv2D(8, 3, { activation: 'relu' }).apply(x);
      x = new Flatten().apply(x);
      x = new Dropout(0.5).apply(x);
      const outputs = new Dense(1, { activation: 'sigmoid' }).apply(x);
      const model = new Model({ inputs, outputs });
      model.compile({ optimizer: 'rmsprop', loss: 'binary_crossentropy', metrics: ['accuracy'] });
      // Two classes: bright-left vs bright-right images (flips make it harder, not impossible).
      const make = (n: number, seed: number) => {
        const xs = rand([n, 16, 16, 3], seed, 0, 60);
        const ys = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          ys[i] = i % 2;
          for (let r = 0; r < 16; r++)
            for (let c = 4; c < 12; c++)
              for (let k = 0; k < 3; k++) xs.data[((i * 16 + r) * 16 + c) * 3 + k] += ys[i] ? 180 : 0;
        }
        return [xs, new Tensor(ys, [n, 1])] as const;
      };
      const [xt, yt] = make(64, 1),
        [xv, yv] = make(32, 2);
      const es = new EarlyStopping({ monitor: 'val_loss', patience: 2, restoreBestWeights: true });
      const history = await model.fit(xt, yt, {
        epochs: 6,
        batchSize: 16,
        validationData: [xv, yv],
        verbose: 0,
        callbacks: [es],
      });
      assert.deepEqual(Object.keys(history.history).sort(), ['accuracy', 'loss', 'val_accuracy', 'val_loss']);
      const best = Math.min(...history.history.val_loss);
      const ev = await model.evaluate(xv, yv, { verbose: 0, returnDict: true });
      assert.ok(
        Math.abs(ev.loss - best) < 1e-4,
        `restored weights give the best val_loss ${best}, evaluate gives ${ev.loss}`,
      );
    },
  );
});
