// One fit at a time per model, and the options objects of fit/evaluate/predict checked at run
// time: unknown keys (with a hint for Keras's snake_case names) and numbers given as strings.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LambdaCallback } from '../../src/callbacks/index.js';
import { Dataset } from '../../src/data/dataset.js';
import { ValueError } from '../../src/errors.js';
import { Dense } from '../../src/layers/core.js';
import { Sequential } from '../../src/models/sequential.js';
import type { FitArgs, PredictArgs } from '../../src/models/training.js';
import { describeValue } from '../../src/models/training/options.js';
import { setRandomSeed } from '../../src/tensor/random.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { rand as randTensor } from '../helpers/gradcheck.js';

const x = randTensor([8, 2], 1);
const y = randTensor([8, 1], 2);

function tiny(): Sequential {
  setRandomSeed(3);
  const m = new Sequential([new Dense(1, { inputShape: [2] })]);
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  return m;
}

/** Options as an untyped (JavaScript) caller passes them. */
const untyped = <A>(o: Record<string, unknown>): A => o as A;

describe('one fit at a time', () => {
  it('refuses a second fit, an evaluate and a predict while a fit runs (a forgotten await)', async () => {
    const m = tiny();
    const first = m.fit(x, y, { epochs: 3, batchSize: 2, verbose: 0 });
    const busy = (e: Error) =>
      e instanceof ValueError && /^model 'sequential(_\d+)?' is already training; await the first fit$/.test(e.message);
    await assert.rejects(m.fit(x, y, { verbose: 0 }), busy);
    await assert.rejects(m.evaluate(x, y, { verbose: 0 }), busy);
    assert.throws(() => m.predict(x, { verbose: 0 }), busy);
    const h = await first;
    assert.equal(h.epoch.length, 3, 'the first fit ran undisturbed');
    assert.equal(m.runningFit, null);
    await m.fit(x, y, { verbose: 0 });
    m.predict(x, { verbose: 0 });
  });

  it('a fit that fails lets the next one run; another model may train meanwhile', async () => {
    const m = tiny();
    const crash = new LambdaCallback({
      onEpochEnd: () => {
        throw new Error('boom');
      },
    });
    await assert.rejects(m.fit(x, y, { verbose: 0, callbacks: [crash] }), /boom/);
    assert.equal(m.runningFit, null);
    const other = tiny();
    await Promise.all([m.fit(x, y, { verbose: 0 }), other.fit(x, y, { verbose: 0 })]);
  });

  it('a fit started from its own callback is refused; evaluate and predict there are fine', async () => {
    const m = tiny();
    const errors: string[] = [];
    const cb = new LambdaCallback({
      onEpochEnd: async () => {
        await m.fit(x, y, { verbose: 0 }).catch((e: Error) => {
          errors.push(e.message);
        });
        await m.evaluate(x, y, { verbose: 0 });
        m.predict(x, { verbose: 0 });
      },
    });
    await m.fit(x, y, { epochs: 2, verbose: 0, callbacks: [cb] });
    assert.equal(errors.length, 2);
    assert.match(errors[0], /is already training/);
  });
});

describe('options checked at run time', () => {
  it("maps Keras's snake_case names to a hint", async () => {
    const m = tiny();
    await assert.rejects(
      m.fit(x, y, untyped<FitArgs>({ batch_size: 4 })),
      (e: Error) => e instanceof ValueError && e.message === "fit: unknown option 'batch_size'; use batchSize",
    );
    await assert.rejects(
      m.fit(x, y, untyped<FitArgs>({ validation_split: 0.2 })),
      /fit: unknown option 'validation_split'; use validationSplit/,
    );
    await assert.rejects(
      m.evaluate(x, y, untyped({ return_dict: true })),
      /evaluate: unknown option 'return_dict'; use returnDict/,
    );
    assert.throws(
      () => m.predict(x, untyped<PredictArgs>({ batch_size: 2 })),
      /predict: unknown option 'batch_size'; use batchSize/,
    );
  });

  it('lists the options for other unknown keys, with datasets too', async () => {
    const m = tiny();
    const ds = Dataset.fromTensorSlices<[Tensor, Tensor]>([x, y]).batch(4);
    await assert.rejects(
      m.fit(ds, untyped<FitArgs>({ epoch: 2 })),
      /fit: unknown option 'epoch' \(did you mean 'epochs'\?\)/,
    );
    await assert.rejects(
      m.fit(x, y, untyped<FitArgs>({ class_weight: {} })),
      /fit: unknown option 'class_weight'; the options are/,
    );
  });

  it('numbers given as strings are errors that show the value and its type', async () => {
    const m = tiny();
    await assert.rejects(
      m.fit(x, y, untyped<FitArgs>({ epochs: '2' })),
      (e: Error) =>
        e instanceof ValueError && e.message === "fit: epochs: expected a positive integer, got the string '2'",
    );
    await assert.rejects(
      m.fit(x, y, untyped<FitArgs>({ batchSize: '4' })),
      /fit: batchSize: expected a positive integer, got the string '4'/,
    );
    await assert.rejects(
      m.fit(x, y, untyped<FitArgs>({ validationSplit: '0.25' })),
      /fit: validationSplit must be a number in \[0, 1\), got the string '0.25'/,
    );
    await assert.rejects(
      m.fit(x, y, untyped<FitArgs>({ initialEpoch: -1 })),
      /fit: initialEpoch: expected a non-negative integer, got -1/,
    );
    await assert.rejects(
      m.fit(x, y, untyped<FitArgs>({ shuffle: 'yes' })),
      /fit: shuffle: expected true or false, got the string 'yes'/,
    );
    await assert.rejects(
      m.evaluate(x, y, untyped({ steps: 1.5 })),
      /evaluate: steps: expected a positive integer, got 1.5/,
    );
    assert.throws(
      () => m.predict(x, untyped<PredictArgs>({ steps: [2] })),
      /predict: steps: expected a positive integer, got an array of length 1/,
    );
    await assert.rejects(
      m.fit(x, y, untyped<FitArgs>({ epochs: 0 })),
      /fit: epochs: expected a positive integer, got 0$/,
    );
  });

  it('describes values with their type', () => {
    assert.equal(describeValue(3), '3');
    assert.equal(describeValue('3'), "the string '3'");
    assert.equal(describeValue(true), 'the boolean true');
    assert.equal(describeValue([1, 2]), 'an array of length 2');
    assert.equal(describeValue({}), 'an object (Object)');
    assert.equal(describeValue(undefined), 'undefined');
  });
});
