// The three loops wired the same way: callbacks with Keras's hooks in evaluate and predict too,
// the progress bar from ProgbarLogger in all three, generators as data.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Callback, LambdaCallback } from '../../src/callbacks/index.js';
import { Dataset } from '../../src/data/dataset.js';
import { ValueError } from '../../src/errors.js';
import { Dense } from '../../src/layers/core.js';
import { Sequential } from '../../src/models/sequential.js';
import { setRandomSeed } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { setPrintFunction } from '../../src/utils/progbar.js';
import { rand as randTensor } from '../helpers/gradcheck.js';

const x = randTensor([12, 2], 1);
const y = randTensor([12, 1], 2);

function tiny(): Sequential {
  setRandomSeed(3);
  const m = new Sequential([new Dense(1, { inputShape: [2] })]);
  m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'] });
  return m;
}

/** Records every hook it receives, as `name arg`. */
class Recorder extends Callback {
  calls: string[] = [];
  constructor(private readonly only: RegExp) {
    super();
  }
  private rec(name: string, arg?: number): void {
    if (this.only.test(name)) this.calls.push(arg === undefined ? name : `${name} ${arg}`);
  }
  override onTestBegin(): void {
    this.rec('testBegin');
  }
  override onTestBatchBegin(b: number): void {
    this.rec('testBatchBegin', b);
  }
  override onTestBatchEnd(b: number): void {
    this.rec('testBatchEnd', b);
  }
  override onTestEnd(): void {
    this.rec('testEnd');
  }
  override onPredictBegin(): void {
    this.rec('predictBegin');
  }
  override onPredictBatchBegin(b: number): void {
    this.rec('predictBatchBegin', b);
  }
  override onPredictBatchEnd(b: number): void {
    this.rec('predictBatchEnd', b);
  }
  override onPredictEnd(): void {
    this.rec('predictEnd');
  }
}

async function printed(f: () => unknown): Promise<string[]> {
  const out: string[] = [];
  setPrintFunction((s) => out.push(s));
  try {
    await f();
  } finally {
    setPrintFunction(null);
  }
  return out.join('').split('\n').filter(Boolean);
}

describe('callbacks in evaluate and predict', () => {
  it('evaluate calls the test hooks in Keras order and gives them the params', async () => {
    const rec = new Recorder(/^test/);
    await tiny().evaluate(x, y, { batchSize: 5, verbose: 0, callbacks: [rec] });
    assert.deepEqual(rec.calls, [
      'testBegin',
      'testBatchBegin 0',
      'testBatchEnd 0',
      'testBatchBegin 1',
      'testBatchEnd 1',
      'testBatchBegin 2',
      'testBatchEnd 2',
      'testEnd',
    ]);
    assert.deepEqual(rec.params, { epochs: 1, steps: 3, verbose: 0 });
  });

  it('predict takes callbacks: the predict hooks, on tensors (synchronously) and on datasets', async () => {
    const m = tiny();
    const rec = new Recorder(/^predict/);
    m.predict(x, { batchSize: 8, verbose: 0, callbacks: [rec] });
    const expected = [
      'predictBegin',
      'predictBatchBegin 0',
      'predictBatchEnd 0',
      'predictBatchBegin 1',
      'predictBatchEnd 1',
      'predictEnd',
    ];
    assert.deepEqual(rec.calls, expected);
    const rec2 = new Recorder(/^predict/);
    const out = await m.predict(Dataset.fromTensorSlices<Tensor>(x).batch(8), { verbose: 0, callbacks: [rec2] });
    assert.deepEqual(rec2.calls, expected);
    assert.deepEqual([...out.shape], [12, 1]);
  });

  it('predict on tensors refuses an async hook it cannot await', () => {
    const cb = new LambdaCallback({ onPredictEnd: async () => {} });
    assert.throws(
      () => tiny().predict(x, { verbose: 0, callbacks: [cb] }),
      (e: Error) =>
        e instanceof ValueError &&
        /LambdaCallback.onPredictEnd returned a Promise, but predict on tensors is synchronous/.test(e.message),
    );
  });

  it('evaluate and predict may run from a callback inside fit', async () => {
    const m = tiny();
    const seen: number[] = [];
    const cb = new LambdaCallback({
      onEpochEnd: async () => {
        seen.push((await m.evaluate<number[]>(x, y, { verbose: 0 }))[0]);
        seen.push(m.predict(x.slice(0, 2), { verbose: 0 }).shape[0]);
      },
    });
    const h = await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, callbacks: [cb] });
    assert.equal(seen.length, 4);
    assert.equal(seen[1], 2);
    assert.deepEqual(Object.keys(h.history).sort(), ['loss', 'mae'], "the nested evaluate leaves fit's logs alone");
  });
});

describe('progress bars from ProgbarLogger', () => {
  it("evaluate prints Keras 3's final bar with logs, predict without; verbose 2 one summary line", async () => {
    const m = tiny();
    const lines = await printed(async () => {
      await m.evaluate(x, y, { batchSize: 5 });
      m.predict(x, { batchSize: 5 });
      await m.evaluate(x, y, { batchSize: 5, verbose: 2 });
    });
    assert.equal(lines.length, 3, lines.join('\n'));
    assert.match(lines[0], /^3\/3 ━{20} \d+s \d+[mu]?s\/step - loss: \d\.\d{4} - mae: \d\.\d{4}$/);
    assert.match(lines[1], /^3\/3 ━{20} \d+s \d+[mu]?s\/step$/);
    assert.match(lines[2], /^3\/3 - \d+s - \d+[mu]?s\/step - loss: \d\.\d{4} - mae: \d\.\d{4}$/);
  });

  it('a dataset of unknown length shows Unknown as its target', async () => {
    async function* batches(): AsyncGenerator<[Tensor, Tensor]> {
      yield [x.slice(0, 6), y.slice(0, 6)];
      yield [x.slice(6), y.slice(6)];
    }
    const lines = await printed(() => tiny().evaluate({ [Symbol.asyncIterator]: batches }));
    assert.match(lines[0], /^ {6}2\/Unknown {2}\d+s \d+[mu]?s\/step - loss: \d\.\d{4} - mae: \d\.\d{4}$/);
  });
});

describe('generators as data', () => {
  it('fit reads a generator, taking stepsPerEpoch batches per epoch from one stream', async () => {
    let made = 0;
    function* forever(): Generator<[Tensor, Tensor]> {
      for (;;) {
        const i = (made++ % 3) * 4;
        yield [x.slice(i, i + 4), y.slice(i, i + 4)];
      }
    }
    const m = tiny();
    const h = await m.fit(forever(), { epochs: 2, stepsPerEpoch: 3, verbose: 0 });
    assert.equal(h.history.loss.length, 2);
    assert.equal(made, 6);
    const out = await m.predict(
      (function* () {
        yield x.slice(0, 5);
        yield x.slice(5);
      })(),
      { verbose: 0 },
    );
    assert.deepEqual([...out.shape], [12, 1]);
  });
});
