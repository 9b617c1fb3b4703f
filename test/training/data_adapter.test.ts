// The data adapters: arrays batched by step (fit's shuffled order into reused buffers, or slices
// in order), validationSplit, sources and generators, and what a source's element unpacks to.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ShapeError, ValueError } from '../../src/errors.js';
import { Dense } from '../../src/layers/core.js';
import { Sequential } from '../../src/models/sequential.js';
import {
  ArrayDataAdapter,
  SourceDataAdapter,
  arrayData,
  isBatchGenerator,
  isBatchSource,
  isSource,
  splitValidation,
  unpack,
} from '../../src/models/training/data_adapter.js';
import { Dataset } from '../../src/data/dataset.js';
import { RandomGenerator } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';

/** Rows 0..n-1 whose values are their row index (so batches show which rows they hold). */
function rows(n: number, width: number): Tensor {
  const d = new Float32Array(n * width);
  for (let i = 0; i < n; i++) d.fill(i, i * width, (i + 1) * width);
  return new Tensor(d, [n, width]);
}
const firstColumn = (t: Tensor): number[] =>
  Array.from({ length: t.shape[0] }, (_, i) => t.data[i * (t.size / t.shape[0])]);

describe('ArrayDataAdapter', () => {
  const data = { xs: [rows(10, 3)], y: rows(10, 1), sw: null };

  it('slices in order without gather options; the last batch is short', () => {
    const a = new ArrayDataAdapter(data, 4);
    assert.equal(a.numBatches, 3);
    assert.equal(a.wraps, false);
    a.onEpochBegin();
    assert.deepEqual(firstColumn(a.batch(0).x as Tensor), [0, 1, 2, 3]);
    assert.deepEqual(firstColumn(a.batch(2).x as Tensor), [8, 9]);
    assert.deepEqual(firstColumn(a.batch(2).y!), [8, 9]);
    assert.equal(a.batch(0).sampleWeight, null);
  });

  it("gathers fit's seeded order into buffers reused from step to step and kept from recycling", () => {
    const keep = new Set<ArrayBufferLike>();
    const a = new ArrayDataAdapter(data, 4, { rng: new RandomGenerator(5), keep });
    a.onEpochBegin();
    const seen: number[] = [];
    const b0 = a.batch(0);
    seen.push(...firstColumn(b0.x as Tensor));
    const firstBuffer = (b0.x as Tensor).data.buffer;
    const b1 = a.batch(1);
    assert.equal((b1.x as Tensor).data.buffer, firstBuffer, 'the same buffer serves every step');
    seen.push(...firstColumn(b1.x as Tensor));
    seen.push(...firstColumn(a.batch(2).x as Tensor));
    assert.deepEqual(
      [...seen].sort((p, q) => p - q),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      'each row once per epoch',
    );
    assert.notDeepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'shuffled');
    assert.equal(keep.size, 2, 'one buffer for x and one for y');
    assert.ok(keep.has(firstBuffer));
    // x and y rows stay paired
    assert.deepEqual(firstColumn(a.batch(1).y!), firstColumn(a.batch(1).x as Tensor));
    // the same seed draws the same order
    const again = new ArrayDataAdapter(data, 4, { rng: new RandomGenerator(5), keep: new Set() });
    again.onEpochBegin();
    assert.deepEqual(firstColumn(again.batch(0).x as Tensor), seen.slice(0, 4));
  });

  it('wraps round the order for steps past one pass; without an rng it keeps the order', () => {
    const a = new ArrayDataAdapter(data, 4, { rng: null, keep: new Set() });
    assert.equal(a.wraps, true);
    a.onEpochBegin();
    assert.deepEqual(firstColumn(a.batch(2).x as Tensor), [8, 9]);
    assert.deepEqual(firstColumn(a.batch(3).x as Tensor), [2, 3, 4, 5], 'step 3 starts at (3 * 4) % 10');
  });
});

describe('arrays checked against the model', () => {
  const model = () => new Sequential([new Dense(2, { inputShape: [3] })]);
  it('names the loop and the mismatch', () => {
    assert.throws(
      () => arrayData(model(), rows(4, 3), rows(5, 1), null, 'evaluate', true),
      /evaluate: x and y must have the same number of samples: x has 4, y has 5/,
    );
    assert.throws(() => arrayData(model(), rows(4, 3), null, null, 'fit', true), /fit: y \(the targets\) is required/);
    assert.throws(
      () => arrayData(model(), rows(4, 3), rows(4, 1), rows(3, 1), 'fit', true),
      /fit: sampleWeight has 3 values for 4 samples/,
    );
    assert.throws(
      () => arrayData(model(), rows(4, 2), null, null, 'predict', false),
      (e: Error) =>
        e instanceof ShapeError &&
        /predict: x has shape \(4, 2\) but the model 'sequential(_\d+)?' expects input of shape \(None, 3\)/.test(
          e.message,
        ),
    );
  });
  it('builds an unbuilt Sequential from the data', () => {
    const m = new Sequential([new Dense(2)]);
    assert.equal(m.built, false);
    arrayData(m, rows(4, 5), null, null, 'predict', false);
    assert.equal(m.built, true);
    assert.deepEqual([...m.inputs[0].shape], [null, 5]);
  });
});

describe('splitValidation', () => {
  it('takes the last fraction, before any shuffling', () => {
    const { train, validation } = splitValidation({ xs: [rows(10, 2)], y: rows(10, 1), sw: rows(10, 1) }, 0.3);
    assert.deepEqual(firstColumn(train.xs[0]), [0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(firstColumn(validation.y!), [7, 8, 9]);
    assert.deepEqual(firstColumn(validation.sw!), [7, 8, 9]);
    assert.throws(
      () => splitValidation({ xs: [rows(1, 2)], y: rows(1, 1), sw: null }, 0.5),
      (e: Error) =>
        e instanceof ValueError &&
        /validationSplit=0.5 leaves no training or no validation samples out of 1/.test(e.message),
    );
  });
});

describe('sources', () => {
  it('tells arrays, async sources and generators apart', () => {
    function* gen(): Generator<Tensor> {
      yield rows(1, 1);
    }
    assert.equal(isSource(rows(2, 2)), false);
    assert.equal(isSource([rows(2, 2), rows(2, 2)]), false, 'a list of inputs is arrays, not a source');
    assert.equal(isBatchSource(Dataset.fromTensorSlices<Tensor>(rows(2, 2))), true);
    assert.equal(isBatchGenerator(gen()), true);
    assert.equal(isBatchSource(gen()), false);
  });

  it('reads the cardinality (unknown and endless give null) and iterates generators as one stream', async () => {
    assert.equal(new SourceDataAdapter(Dataset.fromTensorSlices<Tensor>(rows(6, 1)).batch(4)).numBatches, 2);
    assert.equal(new SourceDataAdapter(Dataset.fromTensorSlices<Tensor>(rows(6, 1)).repeat()).numBatches, null);
    function* gen(): Generator<Tensor> {
      for (let i = 0; i < 3; i++) yield rows(i + 1, 1);
    }
    const a = new SourceDataAdapter(gen());
    assert.equal(a.numBatches, null);
    const first = await a.iterator().next();
    assert.deepEqual(first.value?.shape, [1, 1]);
    const second = await a.iterator().next();
    assert.deepEqual(second.value?.shape, [2, 1], 'a generator continues where it stopped');
  });

  it('unpacks x, [x, y], [x, y, sampleWeight] and [[x1, x2], y]', () => {
    const t = rows(2, 1);
    assert.deepEqual(unpack(t, 'fit'), { x: t, y: null, sampleWeight: null });
    assert.deepEqual(unpack([t, t], 'fit'), { x: t, y: t, sampleWeight: null });
    assert.deepEqual(unpack([t, t, t], 'fit'), { x: t, y: t, sampleWeight: t });
    const two = unpack([[t, t], t], 'fit');
    assert.ok(Array.isArray(two.x) && two.x.length === 2);
    assert.throws(
      () => unpack([], 'predict'),
      /predict: a dataset element must be x, \[x, y\] or \[x, y, sampleWeight\]/,
    );
  });
});
