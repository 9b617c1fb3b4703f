// Regularizers: the penalty values, identifiers and configs, and that compiled models add exactly
// l2·Σw² / l1·Σ|w| to the training and evaluation loss.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValueError } from '../../src/errors.js';
import { Conv2D } from '../../src/layers/convolutional.js';
import { Dense, Flatten, Input } from '../../src/layers/core.js';
import { Model } from '../../src/models/model.js';
import { Sequential } from '../../src/models/sequential.js';
import { SGD } from '../../src/optimizers/index.js';
import { Regularizer, getRegularizer, l1, l1l2, l2 } from '../../src/regularizers/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { setRandomSeed } from '../../src/tensor/random.js';
import { gradCheck, rand } from '../helpers/gradcheck.js';

const w = new Tensor(Float32Array.from([1, -2, 3, -0.5]), [2, 2]);
const close = (a: number, b: number, tol = 1e-5) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

describe('Regularizer', () => {
  it('computes l1·Σ|w| + l2·Σw² (no ½), with Keras defaults 0.01', () => {
    close(l1().penalty(w).item(), 0.01 * 6.5);
    close(l2().penalty(w).item(), 0.01 * 14.25);
    close(l2(0.5).penalty(w).item(), 0.5 * 14.25);
    close(l1l2({ l1: 0.1, l2: 0.2 }).penalty(w).item(), 0.1 * 6.5 + 0.2 * 14.25);
    close(l1l2().penalty(w).item(), 0.01 * 6.5 + 0.01 * 14.25);
  });
  it('has exact gradients', () => {
    const v = new Tensor(Float32Array.from([0.7, -1.3, 0.4, 2]), [4]);
    gradCheck(() => l1l2({ l1: 0.3, l2: 0.2 }).penalty(v), [v], { eps: 1e-3, maxChecks: Infinity });
  });
  it('resolves identifiers and serialises as Keras 3', () => {
    assert.equal(getRegularizer('l2')!.l2, 0.01);
    assert.equal(getRegularizer('L1')!.l1, 0.01);
    const both = getRegularizer('l1_l2')!;
    assert.deepEqual([both.l1, both.l2], [0.01, 0.01]);
    assert.equal(getRegularizer(null), null);
    assert.equal(getRegularizer({ class_name: 'L2', config: { l2: 0.003 } })!.l2, 0.003);
    assert.deepEqual(l2(0.002).serialize(), {
      module: 'keras.regularizers',
      class_name: 'L2',
      config: { l2: 0.002 },
      registered_name: null,
    });
    assert.deepEqual(l1l2({ l1: 0.1, l2: 0.2 }).serialize().config, { l1: 0.1, l2: 0.2 });
    const again = getRegularizer(l1(0.3).serialize() as never)!;
    assert.ok(again instanceof Regularizer && again.l1 === 0.3 && again.l2 === 0);
    assert.throws(() => getRegularizer('l3'), ValueError);
    assert.throws(() => l2(-1), ValueError);
  });
});

describe('regularized models', () => {
  const x = rand([8, 3, 3, 2], 1);
  const y = rand([8, 1], 2);

  function build(reg: boolean): Model {
    setRandomSeed(7);
    const inp = Input({ shape: [3, 3, 2] });
    let h = new Conv2D(2, 2, {
      kernelRegularizer: reg ? l2(0.05) : null,
      biasRegularizer: reg ? l1(0.2) : null,
      biasInitializer: 'ones',
    }).apply(inp);
    h = new Flatten().apply(h);
    const out = new Dense(1, { kernelRegularizer: reg ? l1l2({ l1: 0.01, l2: 0.02 }) : null }).apply(h);
    const m = new Model({ inputs: inp, outputs: out });
    m.compile({ optimizer: new SGD({ learningRate: 0 }), loss: 'mse' });
    return m;
  }

  it('add exactly the penalties to the training and evaluation loss', async () => {
    const plain = build(false),
      reg = build(true);
    const ws = reg.getWeights();
    assert.deepEqual(
      plain.getWeights().map((t) => [...t.data]),
      ws.map((t) => [...t.data]),
    );
    const sum = (t: Tensor, f: (v: number) => number) => Array.from(t.data).reduce((s, v) => s + f(v), 0);
    // Weights in layer order: conv kernel, conv bias, dense kernel, dense bias.
    const expected =
      0.05 * sum(ws[0], (v) => v * v) +
      0.2 * sum(ws[1], Math.abs) +
      0.01 * sum(ws[2], Math.abs) +
      0.02 * sum(ws[2], (v) => v * v);
    assert.ok(expected > 0.1);
    const hp = await plain.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    const hr = await reg.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    close(hr.history.loss[0] - hp.history.loss[0], expected, 1e-4);
    const ep = await plain.evaluate<number>(x, y, { verbose: 0 });
    const er = await reg.evaluate<number>(x, y, { verbose: 0 });
    close(er - ep, expected, 1e-4);
  });

  it('frozen layers contribute no penalty', async () => {
    const reg = build(true);
    for (const l of reg.layers) l.trainable = false;
    const plain = build(false);
    const er = await reg.evaluate<number>(x, y, { verbose: 0 });
    const ep = await plain.evaluate<number>(x, y, { verbose: 0 });
    close(er, ep, 1e-6);
  });

  it('regularised training shrinks the weights', async () => {
    setRandomSeed(3);
    const m = new Sequential([new Dense(4, { inputShape: [3], kernelRegularizer: l2(1) })]);
    m.compile({ optimizer: new SGD({ learningRate: 0.1 }), loss: 'mse' });
    const before = Array.from(m.getWeights()[0].data).reduce((s, v) => s + v * v, 0);
    await m.fit(rand([8, 3], 4), new Tensor(new Float32Array(32), [8, 4]), { epochs: 20, batchSize: 8, verbose: 0 });
    const afterW = Array.from(m.getWeights()[0].data).reduce((s, v) => s + v * v, 0);
    assert.ok(afterW < before * 0.1, `${afterW} vs ${before}`);
  });
});
