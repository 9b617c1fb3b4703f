// compile/fit/evaluate/predict: a seeded MNIST run that must learn, Keras's logs and History,
// validation, determinism, and errors for bad input.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { callbacks, datasets, layers, models, utils, Tensor, ShapeError, ValueError } from '../../src/index.js';

let x: Tensor, y: Tensor, xTest: Tensor, yTest: Tensor;

before(async () => {
  const [[tx, ty], [vx, vy]] = await datasets.mnist.loadData();
  x = tx.slice(0, 3000).reshape([-1, 28, 28, 1]).astype('float32').div(255);
  y = utils.toCategorical(ty.slice(0, 3000), 10);
  xTest = vx.slice(0, 1000).reshape([-1, 28, 28, 1]).astype('float32').div(255);
  yTest = utils.toCategorical(vy.slice(0, 1000), 10);
});

function smallConvnet(): models.Sequential {
  const m = new models.Sequential();
  m.add(new layers.Conv2D(8, 3, { activation: 'relu', inputShape: [28, 28, 1] }));
  m.add(new layers.MaxPooling2D(2));
  m.add(new layers.Conv2D(16, 3, { activation: 'relu' }));
  m.add(new layers.MaxPooling2D(2));
  m.add(new layers.Flatten());
  m.add(new layers.Dense(32, { activation: 'relu' }));
  m.add(new layers.Dense(10, { activation: 'softmax' }));
  return m;
}

describe('training on MNIST (seeded, small)', () => {
  it('learns: 3,000 images, 3 epochs of batch 32 reach > 85% on 1,000 test images', async () => {
    utils.setRandomSeed(7);
    const m = smallConvnet();
    m.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
    const h = await m.fit(x, y, { epochs: 3, batchSize: 32, verbose: 0, callbacks: [new callbacks.Callback()] });
    assert.deepEqual(Object.keys(h.history).sort(), ['accuracy', 'loss']);
    assert.equal(h.history.loss.length, 3);
    assert.ok(h.history.loss[2] < h.history.loss[1] && h.history.loss[1] < h.history.loss[0], 'loss decreases');
    const [loss, acc] = await m.evaluate<number[]>(xTest, yTest, { verbose: 0 });
    assert.ok(acc > 0.85, `test accuracy ${acc}`);
    assert.ok(loss < 0.6, `test loss ${loss}`);
    const probs = m.predict(xTest.slice(0, 10));
    assert.deepEqual([...probs.shape], [10, 10]);
    for (let r = 0; r < 10; r++) {
      let s = 0;
      for (let c = 0; c < 10; c++) s += probs.data[r * 10 + c];
      assert.ok(Math.abs(s - 1) < 1e-5);
    }
  });

  it('is deterministic for a fixed seed (init, shuffling)', async () => {
    const train = async () => {
      utils.setRandomSeed(3);
      const m = smallConvnet();
      m.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
      const h = await m.fit(x.slice(0, 256), y.slice(0, 256), { epochs: 1, batchSize: 64, verbose: 0 });
      return { loss: h.history.loss[0], w: m.getWeights()[0].data };
    };
    const a = await train();
    const b = await train();
    assert.equal(a.loss, b.loss);
    assert.deepEqual(a.w, b.w);
  });

  it('validationSplit takes the last fraction and adds val_ keys; evaluate return forms', async () => {
    utils.setRandomSeed(1);
    const m = smallConvnet();
    m.compile({ optimizer: 'sgd', loss: 'categorical_crossentropy', metrics: ['acc'] });
    const h = await m.fit(x.slice(0, 200), y.slice(0, 200), {
      epochs: 2,
      batchSize: 50,
      validationSplit: 0.25,
      verbose: 0,
    });
    assert.deepEqual(Object.keys(h.history).sort(), ['acc', 'loss', 'val_acc', 'val_loss']);
    const direct = await m.evaluate(x.slice(150, 200), y.slice(150, 200), { verbose: 0, returnDict: true });
    assert.ok(Math.abs(direct.loss - h.history.val_loss[1]) < 1e-5, 'val_loss is the loss on the last 25%');
    assert.deepEqual(Object.keys(direct).sort(), ['acc', 'loss']);
    const m2 = smallConvnet();
    m2.compile({ optimizer: 'sgd', loss: 'categorical_crossentropy' });
    assert.equal(typeof (await m2.evaluate(x.slice(0, 10), y.slice(0, 10), { verbose: 0 })), 'number');
    const h2 = await m2.fit(x.slice(0, 64), y.slice(0, 64), {
      epochs: 1,
      verbose: 0,
      validationData: [xTest.slice(0, 32), yTest.slice(0, 32)],
    });
    assert.deepEqual(Object.keys(h2.history).sort(), ['loss', 'val_loss']);
  });

  it('sparse labels with sparse_categorical_crossentropy; a functional model trains too', async () => {
    utils.setRandomSeed(2);
    const inputs = layers.Input({ shape: [28, 28, 1] });
    let t = new layers.Conv2D(4, 3, { activation: 'relu', strides: 2 }).apply(inputs);
    t = new layers.Flatten().apply(t);
    const outputs = new layers.Dense(10, { activation: 'softmax' }).apply(t);
    const m = new models.Model({ inputs, outputs });
    m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const labels = (await datasets.mnist.loadData())[0][1].slice(0, 1000);
    const h = await m.fit(x.slice(0, 1000), labels, { epochs: 2, batchSize: 32, verbose: 0 });
    assert.ok(h.history.accuracy[1] > 0.6, `accuracy ${h.history.accuracy[1]}`);
  });

  it('frozen layers do not move during fit', async () => {
    const m = smallConvnet();
    m.compile({ optimizer: 'rmsprop', loss: 'categorical_crossentropy' });
    m.layers[0].trainable = false;
    const before = m.layers[0].getWeights()[0].data.slice();
    const other = m.layers[2].getWeights()[0].data.slice();
    await m.fit(x.slice(0, 64), y.slice(0, 64), { epochs: 1, batchSize: 32, verbose: 0 });
    assert.deepEqual(m.layers[0].getWeights()[0].data, before);
    assert.notDeepEqual(m.layers[2].getWeights()[0].data, other);
  });
});

describe('logs', () => {
  it("verbose 1 off a terminal prints 'Epoch e/E' and one final Keras 3 bar per epoch", async () => {
    const out: string[] = [];
    utils.setPrintFunction((s) => out.push(s));
    try {
      utils.setRandomSeed(5);
      const m = smallConvnet();
      m.compile({ optimizer: 'rmsprop', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
      await m.fit(x.slice(0, 640), y.slice(0, 640), {
        epochs: 2,
        batchSize: 64,
        validationData: [xTest.slice(0, 100), yTest.slice(0, 100)],
      });
      await m.evaluate(xTest.slice(0, 100), yTest.slice(0, 100));
    } finally {
      utils.setPrintFunction(null);
    }
    const text = out.join('');
    const lines = text.split('\n').filter(Boolean);
    assert.equal(lines[0], 'Epoch 1/2');
    assert.match(
      lines[1],
      /^10\/10 ━{20} \d+s \d+[mu]?s\/step - accuracy: \d\.\d{4} - loss: \d\.\d{4} - val_accuracy: \d\.\d{4} - val_loss: \d\.\d{4}$/,
    );
    assert.equal(lines[2], 'Epoch 2/2');
    assert.match(lines[4], /^4\/4 ━{20} \d+s \d+[mu]?s\/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}$/);
    assert.equal(lines.length, 5);
    assert.ok(!text.includes('\x1b['), 'no ANSI codes off a terminal');
  });

  it('verbose 2 prints one line per epoch; verbose 0 is silent', async () => {
    const out: string[] = [];
    utils.setPrintFunction((s) => out.push(s));
    try {
      const m = smallConvnet();
      m.compile({ optimizer: 'rmsprop', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
      await m.fit(x.slice(0, 128), y.slice(0, 128), { epochs: 1, batchSize: 64, verbose: 2 });
      await m.fit(x.slice(0, 128), y.slice(0, 128), { epochs: 1, batchSize: 64, verbose: 0 });
    } finally {
      utils.setPrintFunction(null);
    }
    const lines = out.join('').split('\n').filter(Boolean);
    assert.equal(lines.length, 1, lines.slice(0, 5).join('\n'));
    assert.match(lines[0], /^2\/2 - \d+s - \d+[mu]?s\/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}$/);
  });
});

describe('errors for bad input', () => {
  const compiled = () => {
    const m = smallConvnet();
    m.compile({ optimizer: 'rmsprop', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
    return m;
  };
  it('wrong x shape names the argument, the expected and the given shape', async () => {
    const m = compiled();
    await assert.rejects(
      m.fit(x.slice(0, 10).reshape([10, 28, 28]), y.slice(0, 10)),
      (e: Error) =>
        e instanceof ShapeError &&
        /fit: x has shape \(10, 28, 28\) but the model 'sequential(_\d+)?' expects input of shape \(None, 28, 28, 1\)/.test(
          e.message,
        ),
    );
  });
  it('mismatched lengths', async () => {
    await assert.rejects(
      compiled().fit(x.slice(0, 10), y.slice(0, 9)),
      /fit: x and y must have the same number of samples: x has 10, y has 9/,
    );
  });
  it('integer labels with categorical_crossentropy', async () => {
    const labels = new Tensor(new Int32Array(10), [10]);
    await assert.rejects(
      compiled().fit(x.slice(0, 10), labels, { verbose: 0 }),
      (e: Error) =>
        e instanceof ShapeError &&
        /y of batch shape \(10,\) does not fit the model output of shape \(10, 10\) for loss 'categorical_crossentropy'/.test(
          e.message,
        ),
    );
  });
  it('unknown strings and bad options', async () => {
    const m = smallConvnet();
    assert.throws(
      () => m.compile({ optimizer: 'rmsprob', loss: 'categorical_crossentropy' }),
      (e: Error) => e instanceof ValueError && /unknown optimizer 'rmsprob'/.test(e.message),
    );
    assert.throws(() => m.compile({ optimizer: 'rmsprop', loss: 'categorial' }), /unknown loss 'categorial'/);
    await assert.rejects(m.fit(x.slice(0, 10), y.slice(0, 10)), /must be compiled first/);
    const c = compiled();
    await assert.rejects(
      c.fit(x.slice(0, 10), y.slice(0, 10), { batchSize: 0 }),
      /fit: batchSize: expected a positive integer, got 0/,
    );
    await assert.rejects(
      c.fit(x.slice(0, 10), y.slice(0, 10), { validationSplit: 1.5 }),
      /validationSplit must be in \[0, 1\)/,
    );
    assert.throws(() => c.predict(x.slice(0, 2).reshape([2, 784])), /predict: x has shape \(2, 784\)/);
  });
});

describe('buffer recycling in training steps', () => {
  it("releaseGraph gives back an op's hidden buffers with its output, except kept ones", async () => {
    const { getBackend } = await import('../../src/backend/index.js');
    const { record, releaseGraph } = await import('../../src/autograd/tape.js');
    const { Tensor } = await import('../../src/tensor/tensor.js');
    const be = getBackend() as { release?: (x: Float32Array) => void };
    const given: Float32Array[] = [];
    const saved = be.release;
    be.release = (b) => given.push(b);
    try {
      const w = new Tensor(new Float32Array(4), [4]);
      w.requiresGrad = true;
      const hidden = new Float32Array(8);
      const whole = new Float32Array(8);
      const view = new Tensor(whole.subarray(0, 4), [4]); // an output that is a view of a hidden buffer
      const a = record(new Tensor(new Float32Array(4), [4]), 'a', [w], () => [null], undefined, [hidden]);
      const b = record(view, 'b', [a], () => [null], undefined, [whole]);
      releaseGraph(b, new Set());
      assert.ok(given.includes(hidden) && given.includes(whole) && given.includes(a.data as Float32Array));
      assert.equal(new Set(given).size, given.length, 'each buffer once');
      given.length = 0;
      const b2 = record(new Tensor(whole.subarray(0, 4), [4]), 'b', [a], () => [null], undefined, [whole]);
      releaseGraph(b2, new Set([whole.buffer]));
      assert.ok(!given.includes(whole), 'a kept buffer is never given back');
      assert.ok(given.includes(hidden));
    } finally {
      be.release = saved;
    }
  });
  it('gives bit-identical training with and without recycling (no buffer is reused while alive)', async () => {
    const { getBackend } = await import('../../src/backend/index.js');
    const be = getBackend() as { release?: (x: Float32Array) => void };
    const run = async () => {
      utils.setRandomSeed(21);
      const m = smallConvnet();
      m.add(new layers.Dropout(0.3));
      m.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
      const h = await m.fit(x.slice(0, 512), y.slice(0, 512), {
        epochs: 2,
        batchSize: 32,
        verbose: 0,
        validationSplit: 0.25,
      });
      return { h: h.history, w: m.getWeights().map((t) => Array.from(t.data)) };
    };
    const withRecycling = await run();
    const saved = be.release;
    be.release = undefined;
    try {
      const without = await run();
      assert.deepEqual(withRecycling.h, without.h);
      assert.deepEqual(withRecycling.w, without.w);
    } finally {
      be.release = saved;
    }
  });
});
