// trainStep/testStep/predictStep are Model methods that subclasses override (as in Keras), and
// fit/evaluate/predict go through them for every batch; BackupAndRestore's resume point is the
// declared initialEpoch field.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gradients, noGrad } from '../../src/autograd/tape.js';
import { Callback, type Logs } from '../../src/callbacks/callback.js';
import { ValueError } from '../../src/errors.js';
import { Dense } from '../../src/layers/core.js';
import type { Batch } from '../../src/models/index.js';
import { Sequential } from '../../src/models/sequential.js';
import * as ops from '../../src/ops/index.js';
import { SGD } from '../../src/optimizers/index.js';
import { setRandomSeed } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { rand as randTensor } from '../helpers/gradcheck.js';

const x = randTensor([20, 3], 1);
const y = randTensor([20, 1], 2);

class Counting extends Sequential {
  trainSteps = 0;
  testSteps = 0;
  predictSteps = 0;
  batchSizes: number[] = [];
  override trainStep(batch: Batch): Logs {
    this.trainSteps++;
    this.batchSizes.push((batch.x as Tensor).shape[0]);
    return super.trainStep(batch);
  }
  override testStep(batch: Batch): Logs {
    this.testSteps++;
    return super.testStep(batch);
  }
  override predictStep(batch: Batch): Tensor | Tensor[] {
    this.predictSteps++;
    return super.predictStep(batch);
  }
}

/** Trains on the mean absolute error whatever loss was compiled, and reports it under its own key. */
class MaeTrainer extends Sequential {
  override trainStep(batch: Batch): Logs {
    const yPred = this.applyEager(batch.x, { training: true }) as Tensor;
    const loss = ops.mean(ops.abs(ops.sub(yPred, batch.y!)));
    const vars = this.trainableWeights;
    const grads = gradients(loss, vars);
    noGrad(() => this.optimizer!.applyGradients(grads, vars));
    return { mae: loss.item() };
  }
}

function make<M extends Sequential>(Cls: new () => M): M {
  setRandomSeed(4);
  const m = new Cls();
  m.add(new Dense(4, { inputShape: [3], activation: 'relu' }));
  m.add(new Dense(1));
  m.compile({ optimizer: new SGD({ learningRate: 0.05 }), loss: 'mse', metrics: ['mae'] });
  return m;
}

describe('overridable step methods', () => {
  it('fit, its validation, evaluate and predict call the overrides once per batch', async () => {
    const m = make(Counting);
    await m.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, validationSplit: 0.2 });
    assert.equal(m.trainSteps, 2 * 2, '16 training samples in batches of 8, two epochs');
    assert.deepEqual(m.batchSizes, [8, 8, 8, 8]);
    assert.equal(m.testSteps, 2, 'one validation batch per epoch');
    await m.evaluate(x, y, { batchSize: 7, verbose: 0 });
    assert.equal(m.testSteps, 2 + 3);
    const p = m.predict(x, { batchSize: 5, verbose: 0 });
    assert.equal(m.predictSteps, 4);
    assert.deepEqual([...p.shape], [20, 1]);
  });

  it('an override calling super trains exactly as the default step', async () => {
    // Each model made and trained in turn: the seed covers initialisation and shuffling.
    const a = make(Counting);
    const ha = await a.fit(x, y, { epochs: 2, batchSize: 6, verbose: 0 });
    const b = make(Sequential);
    const hb = await b.fit(x, y, { epochs: 2, batchSize: 6, verbose: 0 });
    assert.deepEqual(ha.history, hb.history);
    assert.deepEqual(
      a.getWeights().map((w) => Array.from(w.data)),
      b.getWeights().map((w) => Array.from(w.data)),
    );
  });

  it('a custom loss in trainStep drives training; its logs reach callbacks, the bar and History', async () => {
    const m = make(MaeTrainer);
    const batchLogs: Logs[] = [];
    const spy = new (class extends Callback {
      override onTrainBatchEnd(_b: number, logs?: Logs): void {
        batchLogs.push({ ...logs });
      }
    })();
    const before = (await m.evaluate(x, y, { verbose: 0, returnDict: true })).mae;
    const h = await m.fit(x, y, { epochs: 5, batchSize: 20, verbose: 0, callbacks: [spy] });
    assert.deepEqual(Object.keys(h.history), ['mae']);
    assert.equal(batchLogs.length, 5);
    assert.deepEqual(
      batchLogs.map((l) => l.mae),
      h.history.mae,
      'one batch per epoch: epoch logs are the step logs',
    );
    assert.ok(h.history.mae[4] < h.history.mae[0], `mae falls: ${h.history.mae.join(', ')}`);
    const after = (await m.evaluate(x, y, { verbose: 0, returnDict: true })).mae;
    assert.ok(after < before, `evaluated mae falls from ${before} to ${after}`);
  });

  it('a step called by hand works on its own batch (no loop running)', () => {
    const m = make(Sequential);
    const logs = m.testStep({ x: x.slice(0, 4), y: y.slice(0, 4), sampleWeight: null });
    assert.deepEqual(Object.keys(logs).sort(), ['loss', 'mae']);
    assert.equal(m.stepContext, null);
    assert.throws(
      () => m.trainStep({ x: x.slice(0, 4), y: null, sampleWeight: null }),
      (e: Error) => e instanceof ValueError && /trainStep: the batch has no targets/.test(e.message),
    );
  });
});

describe('initialEpoch', () => {
  it('fit starts from its initialEpoch option, or where onTrainBegin moves model.initialEpoch', async () => {
    const m = make(Sequential);
    const h = await m.fit(x, y, { epochs: 4, initialEpoch: 2, verbose: 0 });
    assert.deepEqual(h.epoch, [2, 3]);
    const resume = new (class extends Callback {
      override onTrainBegin(): void {
        (this.model as Sequential).initialEpoch = 3;
      }
    })();
    const h2 = await m.fit(x, y, { epochs: 4, verbose: 0, callbacks: [resume] });
    assert.deepEqual(h2.epoch, [3]);
    assert.equal(m.initialEpoch, 3);
  });
});
