// What transfer learning relies on, checked on tiny models: freezing a nested base
// (`trainable = false`), the summary's counts for the book's frozen VGG16 model, BatchNormalization
// in inference mode inside a frozen base, no weight gradients for a frozen base, and `predict`
// over a Dataset returning the stacked features.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Tensor, applications, backend, data, layers, models, optimizers, randomNormal, utils } from 'convkit';

type KT = ReturnType<typeof layers.Input>;

/** A small functional base: conv, pool, conv, with VGG-style names. */
function tinyBase(extra?: (x: KT) => KT): models.Model {
  const inputs = layers.Input({ shape: [8, 8, 3] });
  let x = new layers.Conv2D(4, 3, { activation: 'relu', padding: 'same', name: 'block1_conv1' }).apply(inputs);
  x = new layers.MaxPooling2D(2, { name: 'block1_pool' }).apply(x);
  if (extra) x = extra(x);
  x = new layers.Conv2D(4, 3, { activation: 'relu', padding: 'same', name: 'block2_conv1' }).apply(x);
  return new models.Model({ inputs, outputs: x, name: 'tiny_base' });
}

/** The book's classifier on top of a base: Flatten, Dense(8, relu), Dense(1, sigmoid). */
function onTop(base: models.Model, inputShape: number[]): models.Model {
  const inputs = layers.Input({ shape: inputShape });
  let x = base.apply(inputs);
  x = new layers.Flatten().apply(x);
  x = new layers.Dense(8, { activation: 'relu' }).apply(x);
  return new models.Model({ inputs, outputs: new layers.Dense(1, { activation: 'sigmoid' }).apply(x) });
}

function snapshot(m: models.Model): Float32Array[] {
  return m.getWeights().map((w) => Float32Array.from(w.dataSync() as Float32Array));
}
/** Whether each of the model's weights differs from the snapshot. */
function changed(before: Float32Array[], m: models.Model): boolean[] {
  return m.getWeights().map((w, i) => (w.dataSync() as Float32Array).some((v, j) => v !== before[i][j]));
}

const xy = (n: number): [Tensor, Tensor] => {
  utils.setRandomSeed(3);
  const y = new Tensor(
    Float32Array.from({ length: n }, (_, i) => i % 2),
    [n, 1],
  );
  return [randomNormal([n, 8, 8, 3]), y];
};

function summaryLines(m: models.Model): string[] {
  const lines: string[] = [];
  m.summary({ printFn: (l) => lines.push(l) });
  return lines;
}

describe('freezing a nested model', () => {
  it('trainable = false freezes all weights of the base; the next compile and fit leave them', async () => {
    utils.clearSession();
    const base = tinyBase();
    const model = onTop(base, [8, 8, 3]);
    assert.equal(model.trainableWeights.length, 8);
    base.trainable = false;
    assert.ok(
      base.layers.every((l) => !l.trainable),
      'every layer of the frozen base is frozen',
    );
    assert.equal(model.trainableWeights.length, 4, 'only the two Dense layers remain trainable');
    assert.equal(model.nonTrainableWeights.length, 4);
    assert.deepEqual(base.trainableWeights, []);

    model.compile({ optimizer: 'rmsprop', loss: 'binary_crossentropy' });
    const baseBefore = snapshot(base);
    const allBefore = snapshot(model);
    const [x, y] = xy(8);
    await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    assert.deepEqual(changed(baseBefore, base), [false, false, false, false], 'the frozen base does not move');
    // Of the model's eight weights, exactly the head's four change.
    assert.equal(changed(allBefore, model).filter(Boolean).length, 4, 'the head trains');
  });

  it("fine-tuning: unfreezing from a block's first conv and recompiling trains that block only", async () => {
    utils.clearSession();
    const base = tinyBase();
    const model = onTop(base, [8, 8, 3]);
    base.trainable = false;
    model.compile({ optimizer: 'rmsprop', loss: 'binary_crossentropy' });
    const [x, y] = xy(8);
    await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });

    base.trainable = true;
    let setTrainable = false;
    for (const layer of base.layers) {
      if (layer.name === 'block2_conv1') setTrainable = true;
      layer.trainable = setTrainable;
    }
    assert.equal(model.trainableWeights.length, 6);
    model.compile({ optimizer: new optimizers.RMSprop({ learningRate: 1e-3 }), loss: 'binary_crossentropy' });
    const conv1 = base.getLayer('block1_conv1');
    const conv2 = base.getLayer('block2_conv1');
    const w1 = snapshot(base)[0];
    const k1 = Float32Array.from(conv1.getWeights()[0].dataSync() as Float32Array);
    const k2 = Float32Array.from(conv2.getWeights()[0].dataSync() as Float32Array);
    assert.ok(w1.length > 0);
    await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    assert.deepEqual(conv1.getWeights()[0].dataSync(), k1, 'block1 stays frozen');
    assert.notDeepEqual(conv2.getWeights()[0].dataSync(), k2, 'block2 trains');
  });
});

describe("the book's frozen VGG16 model", () => {
  it('summary: Total 16,812,353, Trainable 2,097,665 (Keras); 30 trainable weights, 4 once frozen', async () => {
    utils.clearSession();
    const convBase = await applications.VGG16({ weights: null, includeTop: false, inputShape: [150, 150, 3] });
    const inputs = layers.Input({ shape: [150, 150, 3] });
    let x = convBase.apply(inputs);
    x = new layers.Flatten().apply(x);
    x = new layers.Dense(256, { activation: 'relu' }).apply(x);
    const model = new models.Model({ inputs, outputs: new layers.Dense(1, { activation: 'sigmoid' }).apply(x) });
    assert.equal(model.trainableWeights.length, 30);
    convBase.trainable = false;
    assert.equal(model.trainableWeights.length, 4);
    const text = summaryLines(model).join('\n');
    assert.match(text, /│ vgg16 \(Functional\) +│ \(None, 4, 4, 512\) +│ +14,714,688 │/);
    assert.match(text, / Total params: 16,812,353 \(64\.13 MB\)/);
    assert.match(text, / Trainable params: 2,097,665 \(8\.00 MB\)/);
    assert.match(text, / Non-trainable params: 14,714,688 \(56\.13 MB\)/);
  });
});

describe('BatchNormalization inside a frozen base', () => {
  it('runs in inference mode (moving statistics) during fit and keeps all four of its weights', async () => {
    utils.clearSession();
    const base = tinyBase((x) => new layers.BatchNormalization({ name: 'bn' }).apply(x));
    const model = onTop(base, [8, 8, 3]);
    base.trainable = false;
    const bn = base.getLayer('bn');
    assert.equal(bn.trainable, false);
    // Shifted inputs: batch statistics would differ from the moving ones (0 and 1).
    const [x0, y] = xy(8);
    const x = x0.add(5);
    const inference = base.predict(x);
    const training = base.apply(x, { training: true });
    assert.deepEqual(training.dataSync(), inference.dataSync(), 'training=true still uses the moving statistics');

    model.compile({ optimizer: 'rmsprop', loss: 'binary_crossentropy' });
    const before = bn.getWeights().map((w) => Float32Array.from(w.dataSync() as Float32Array));
    await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    bn.getWeights().forEach((w, i) => assert.deepEqual(w.dataSync(), before[i], `bn weight ${i} unchanged`));
    assert.equal(bn.trainableWeights.length, 0);
    assert.equal(bn.nonTrainableWeights.length, 4);
  });

  it('a trainable BatchNormalization updates its moving statistics in the same setting (the control)', async () => {
    utils.clearSession();
    const base = tinyBase((x) => new layers.BatchNormalization({ name: 'bn' }).apply(x));
    const model = onTop(base, [8, 8, 3]);
    const bn = base.getLayer('bn');
    const [x0, y] = xy(8);
    model.compile({ optimizer: 'rmsprop', loss: 'binary_crossentropy' });
    const movingMean = Float32Array.from(bn.getWeights()[2].dataSync() as Float32Array);
    await model.fit(x0.add(5), y, { epochs: 1, batchSize: 4, verbose: 0 });
    assert.notDeepEqual(bn.getWeights()[2].dataSync(), movingMean);
  });
});

describe('a frozen base costs no weight gradients', () => {
  it('fit computes no filter (and no input) gradient for a frozen conv base, and does once unfrozen', async () => {
    utils.clearSession();
    const base = tinyBase();
    const model = onTop(base, [8, 8, 3]);
    base.trainable = false;
    model.compile({ optimizer: 'rmsprop', loss: 'binary_crossentropy' });
    const be = backend.getBackend();
    const counts = { filter: 0, input: 0 };
    const filter = be.conv2dBackpropFilter;
    // block1's Conv2D + MaxPooling2D run fused: a first layer's filter gradient comes from this kernel
    const pooledFilter = be.conv2dMaxPoolBackpropFilter;
    const input = be.conv2dBackpropInput;
    be.conv2dBackpropFilter = (...a) => {
      counts.filter++;
      return filter.apply(be, a);
    };
    be.conv2dMaxPoolBackpropFilter = (...a) => {
      counts.filter++;
      return pooledFilter.apply(be, a);
    };
    be.conv2dBackpropInput = (...a) => {
      counts.input++;
      return input.apply(be, a);
    };
    try {
      const [x, y] = xy(8);
      await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
      assert.deepEqual(counts, { filter: 0, input: 0 });
      base.trainable = true;
      model.compile({ optimizer: 'rmsprop', loss: 'binary_crossentropy' });
      await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
      // Two steps, two convolutions each; the first conv needs no input gradient.
      assert.deepEqual(counts, { filter: 4, input: 2 });
    } finally {
      be.conv2dBackpropFilter = filter;
      be.conv2dMaxPoolBackpropFilter = pooledFilter;
      be.conv2dBackpropInput = input;
    }
  });
});

describe('predict over a Dataset', () => {
  it('returns the features of every batch stacked along the first axis, as predict on the tensor does', async () => {
    utils.clearSession();
    const base = tinyBase();
    const [x, y] = xy(10);
    const direct = base.predict(x);
    const fromImages = await base.predict(data.Dataset.fromTensorSlices<Tensor>(x).batch(3), { verbose: 0 });
    assert.deepEqual(fromImages.shape, [10, 4, 4, 4]);
    assert.deepEqual(fromImages.dataSync(), direct.dataSync());
    const fromPairs = await base.predict(data.Dataset.fromTensorSlices<Tensor[]>([x, y]).batch(4), { verbose: 0 });
    assert.deepEqual(fromPairs.shape, [10, 4, 4, 4], 'the labels of (images, labels) batches are ignored');
    assert.deepEqual(fromPairs.dataSync(), direct.dataSync());
  });
});
