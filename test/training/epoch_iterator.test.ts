// The epoch iterator shared by fit, evaluate and predict: steps per epoch, endless sources
// stopped at their cardinality, a source continued across epochs, and stopping mid-epoch.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Dense } from '../../src/layers/core.js';
import { Sequential } from '../../src/models/sequential.js';
import { type Batch, ArrayDataAdapter, SourceDataAdapter } from '../../src/models/training/data_adapter.js';
import { EpochIterator } from '../../src/models/training/epoch_iterator.js';
import { Tensor } from '../../src/tensor/tensor.js';

const model = () => new Sequential([new Dense(1, { inputShape: [1] })]);
const tensor = (v: number, n = 1): Tensor => new Tensor(new Float32Array(n).fill(v), [n, 1]);
const arrays = { xs: [tensor(0, 10)], y: tensor(0, 10), sw: null };

async function collect(it: AsyncIterable<Batch>): Promise<number[]> {
  const out: number[] = [];
  for await (const b of it) out.push((b.x as Tensor).data[0]);
  return out;
}

/** An endless stream of batches numbered 0, 1, 2, ... that says it holds `card` batches per pass. */
interface Counted {
  [Symbol.asyncIterator](): AsyncIterator<[Tensor, Tensor]>;
  cardinality(): number;
  pulled: number;
}

function endless(card: number): Counted {
  const src = {
    pulled: 0,
    cardinality: () => card,
    [Symbol.asyncIterator]: (): AsyncIterator<[Tensor, Tensor]> => ({
      next: async () => ({ value: [tensor(src.pulled), tensor(src.pulled++)], done: false }),
    }),
  };
  return src;
}

describe('EpochIterator', () => {
  const opts = { where: 'evaluate', needsTargets: true, model: model() };

  it('arrays: one pass by default; evaluate/predict never take more, fit wraps round for stepsPerEpoch', async () => {
    assert.equal(new EpochIterator(new ArrayDataAdapter(arrays, 4), opts).steps, 3);
    assert.equal(new EpochIterator(new ArrayDataAdapter(arrays, 4), { ...opts, steps: 2 }).steps, 2);
    assert.equal(new EpochIterator(new ArrayDataAdapter(arrays, 4), { ...opts, steps: 9 }).steps, 3);
    const gathered = new ArrayDataAdapter(arrays, 4, { rng: null, keep: new Set() });
    const fit = new EpochIterator(gathered, { ...opts, steps: 9 });
    assert.equal(fit.steps, 9);
    assert.equal((await collect(fit.epoch())).length, 9);
    assert.equal([...new EpochIterator(new ArrayDataAdapter(arrays, 4), opts).arrayEpoch()].length, 3);
  });

  it('an endless source stops at its cardinality, starting a new pass each epoch', async () => {
    const src = endless(3);
    const it = new EpochIterator(new SourceDataAdapter(src), opts);
    assert.equal(it.steps, 3);
    assert.deepEqual(await collect(it.epoch()), [0, 1, 2]);
    assert.deepEqual(await collect(it.epoch()), [3, 4, 5]);
    assert.equal(src.pulled, 6, 'no batch is pulled beyond the steps');
  });

  it('steps override the cardinality; continueAcrossEpochs keeps one iterator', async () => {
    const src = endless(100);
    const it = new EpochIterator(new SourceDataAdapter(src), { ...opts, steps: 2, continueAcrossEpochs: true });
    assert.deepEqual(await collect(it.epoch()), [0, 1]);
    assert.deepEqual(await collect(it.epoch()), [2, 3]);
  });

  it('a source of unknown length runs until it ends; stop() ends an epoch early', async () => {
    async function* three(): AsyncGenerator<[Tensor, Tensor]> {
      for (let i = 0; i < 3; i++) yield [tensor(i), tensor(i)];
    }
    const it = new EpochIterator(new SourceDataAdapter({ [Symbol.asyncIterator]: three }), opts);
    assert.equal(it.steps, null);
    assert.deepEqual(await collect(it.epoch()), [0, 1, 2]);
    let n = 0;
    assert.deepEqual(await collect(it.epoch(() => n++ >= 2)), [0, 1]);
  });

  it('checks targets and the first batch against the model, naming the loop', async () => {
    const noTargets = {
      [Symbol.asyncIterator]: async function* (): AsyncGenerator<Tensor> {
        yield tensor(0);
      },
    };
    const fit = new EpochIterator(new SourceDataAdapter(noTargets), { ...opts, where: 'fit' });
    await assert.rejects(collect(fit.epoch()), /fit: the dataset must yield \[x, y\] pairs/);
    const wide = {
      [Symbol.asyncIterator]: async function* (): AsyncGenerator<Tensor> {
        yield new Tensor(new Float32Array(4), [2, 2]);
      },
    };
    const predict = new EpochIterator(new SourceDataAdapter(wide), { ...opts, where: 'predict', needsTargets: false });
    await assert.rejects(
      collect(predict.epoch()),
      /predict: x has shape \(2, 2\) but the model 'sequential(_\d+)?' expects input of shape \(None, 1\)/,
    );
  });
});
