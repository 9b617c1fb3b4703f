import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Dataset, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY } from '../../src/data/dataset.js';
import { Tensor, tensor, setRandomSeed } from '../../src/tensor/index.js';

const vals = async (ds: AsyncIterable<unknown>) => {
  const out: unknown[] = [];
  for await (const e of ds) out.push(e instanceof Tensor ? Array.from(e.data) : typeof e === 'number' ? e : e);
  return out;
};

test('fromTensorSlices slices tensors, tuples and records; batch stacks them', async () => {
  const x = tensor([
    [1, 2],
    [3, 4],
    [5, 6],
    [7, 8],
    [9, 10],
  ]);
  const y = new Tensor(Int32Array.from([0, 1, 0, 1, 1]), [5]);
  const ds = Dataset.fromTensorSlices<[Tensor, Tensor]>([x, y]);
  assert.equal(ds.cardinality(), 5);
  const first = (await ds.take(1).toArray())[0];
  assert.deepEqual(first[0].shape, [2]);
  assert.deepEqual(first[1].shape, []);
  assert.equal(first[1].dtype, 'int32');
  const batches = await ds.batch(2).toArray();
  assert.equal(batches.length, 3);
  assert.deepEqual(batches[0][0].shape, [2, 2]);
  assert.deepEqual(Array.from(batches[0][0].data), [1, 2, 3, 4]);
  assert.deepEqual(batches[2][0].shape, [1, 2]);
  assert.equal(batches[0][1].dtype, 'int32');
  assert.deepEqual(Array.from(batches[2][1].data), [1]);
  assert.equal(ds.batch(2).cardinality(), 3);
  assert.equal(ds.batch(2, { dropRemainder: true }).cardinality(), 2);
  assert.equal((await ds.batch(2, { dropRemainder: true }).toArray()).length, 2);
  const rec = await Dataset.fromTensorSlices({ a: x, b: [1, 2, 3, 4, 5] })
    .batch(5)
    .toArray();
  assert.deepEqual((rec[0] as { a: Tensor }).a.shape, [5, 2]);
  assert.deepEqual(Array.from((rec[0] as { b: Tensor }).b.data), [1, 2, 3, 4, 5]);
  assert.throws(() => Dataset.fromTensorSlices([x, tensor([1, 2])]), /same first dimension/);
  // unbatch inverts batch
  const un = await ds.batch(2).unbatch().toArray();
  assert.equal(un.length, 5);
  assert.deepEqual(Array.from((un[4] as Tensor[])[0].data), [9, 10]);
});

test('map (sync, async, parallel keeps order), filter, take, skip, repeat, cardinality', async () => {
  const ds = Dataset.range(10);
  assert.deepEqual(await vals(ds.map((v) => v * 2)), [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
  const slow = ds.map(
    async (v) => {
      await new Promise((r) => setTimeout(r, (10 - v) * 2));
      return v;
    },
    { numParallelCalls: 4 },
  );
  assert.deepEqual(await vals(slow), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(await vals(ds.filter((v) => v % 3 === 0)), [0, 3, 6, 9]);
  assert.equal(ds.filter(() => true).cardinality(), UNKNOWN_CARDINALITY);
  assert.deepEqual(await vals(ds.take(3)), [0, 1, 2]);
  assert.deepEqual(await vals(ds.skip(8)), [8, 9]);
  assert.equal(ds.skip(8).cardinality(), 2);
  assert.equal(ds.take(30).cardinality(), 10);
  assert.deepEqual(await vals(ds.take(2).repeat(3)), [0, 1, 0, 1, 0, 1]);
  assert.equal(ds.repeat(3).cardinality(), 30);
  assert.equal(ds.repeat().cardinality(), INFINITE_CARDINALITY);
  assert.equal(ds.repeat().take(25).cardinality(), 25);
  assert.deepEqual((await vals(ds.repeat().take(12))).slice(10), [0, 1]);
  assert.equal(ds.batch(4).cardinality(), 3);
  // Batches of numbers are tensors at run time (Keras's semantics), whatever the element type says.
  const b: unknown[] = await Dataset.range(5).batch(2).toArray();
  assert.ok(b[0] instanceof Tensor);
  assert.equal(b[0].dtype, 'int32');
  // every pass starts again
  const t = ds.take(2);
  assert.deepEqual(await vals(t), await vals(t));
});

test('fromGenerator: sync and async generators, re-run each pass, errors', async () => {
  let calls = 0;
  const g = Dataset.fromGenerator(function* () {
    calls++;
    yield 1;
    yield 2;
  });
  assert.deepEqual(await vals(g), [1, 2]);
  assert.deepEqual(await vals(g), [1, 2]);
  assert.equal(calls, 2);
  assert.equal(g.cardinality(), UNKNOWN_CARDINALITY);
  const a = Dataset.fromGenerator(
    async function* () {
      yield [tensor([1]), tensor([2])];
    },
    { cardinality: 1 },
  );
  assert.equal(a.cardinality(), 1);
  const [[xb, yb]] = await a.batch(4).toArray();
  assert.deepEqual(xb.shape, [1, 1]);
  assert.deepEqual(yb.shape, [1, 1]);
  await assert.rejects(Dataset.fromGenerator((() => 5) as never).toArray(), /iterable/);
  await assert.rejects(
    Dataset.fromGenerator(function* () {
      yield tensor([1, 2]);
      yield tensor([1]);
    })
      .batch(2)
      .toArray(),
    /element 1 has shape \[1\]/,
  );
});

test('shuffle: a permutation, deterministic with a seed, reshuffled each pass, buffer semantics', async () => {
  const ds = Dataset.range(50);
  const s1 = ds.shuffle(100, { seed: 7 });
  const e1 = (await vals(s1)) as number[];
  const e2 = (await vals(s1)) as number[];
  assert.deepEqual(
    [...e1].sort((p, q) => p - q),
    Array.from({ length: 50 }, (_, i) => i),
  );
  assert.notDeepEqual(e1, e2); // reshuffled
  const s2 = ds.shuffle(100, { seed: 7 });
  assert.deepEqual(await vals(s2), e1); // same seed, same first pass
  assert.deepEqual(await vals(s2), e2); // and same second pass
  const fixed = ds.shuffle(100, { seed: 3, reshuffleEachIteration: false });
  assert.deepEqual(await vals(fixed), await vals(fixed));
  assert.notDeepEqual(await vals(ds.shuffle(100, { seed: 8 })), e1);
  // buffer 1 = no shuffle; a small buffer keeps elements near their place
  assert.deepEqual(await vals(ds.shuffle(1, { seed: 1 })), await vals(ds));
  const local = (await vals(ds.shuffle(4, { seed: 1 }))) as number[];
  local.forEach((v, i) => assert.ok(v <= i + 3, `element ${v} at ${i}`));
  // global seed makes unseeded shuffles reproducible
  setRandomSeed(42);
  const u1 = await vals(ds.shuffle(50));
  setRandomSeed(42);
  const u2 = await vals(ds.shuffle(50));
  assert.deepEqual(u1, u2);
});

test('cache replays the first full pass; prefetch keeps order and overlaps work', async () => {
  let runs = 0;
  const ds = Dataset.range(5)
    .map((v) => {
      runs++;
      return v;
    })
    .cache();
  assert.deepEqual(await vals(ds), [0, 1, 2, 3, 4]);
  assert.deepEqual(await vals(ds), [0, 1, 2, 3, 4]);
  assert.equal(runs, 5);
  // a partial first pass caches nothing
  let runs2 = 0;
  const ds2 = Dataset.range(5)
    .map((v) => {
      runs2++;
      return v;
    })
    .cache();
  assert.deepEqual(await vals(ds2.take(2)), [0, 1]);
  assert.deepEqual(await vals(ds2), [0, 1, 2, 3, 4]);
  assert.equal(runs2, 7);
  // prefetch: the producer runs ahead while the consumer works. Counted rather than timed, so a
  // loaded machine cannot fail it: without prefetch, element k+1 is produced only after the
  // consumer has finished element k.
  const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
  let produced = 0;
  const slow = Dataset.range(6).map(async (v) => {
    await delay(2);
    produced++;
    return v;
  });
  const got: number[] = [];
  let ahead = 0;
  for await (const v of slow.prefetch(3)) {
    await delay(20);
    ahead = Math.max(ahead, produced - (v + 1));
    got.push(v);
  }
  assert.deepEqual(got, [0, 1, 2, 3, 4, 5]);
  assert.ok(ahead >= 1, `prefetch did not run ahead of the consumer (at most ${ahead} elements ahead)`);
  assert.ok(ahead <= 3, `prefetch(3) ran ${ahead} elements ahead`);
  let plainAhead = 0;
  for await (const v of slow) {
    await delay(20);
    plainAhead = Math.max(plainAhead, produced - 6 - (v + 1));
  }
  assert.equal(plainAhead, 0, 'without prefetch nothing is produced ahead');
  assert.equal(slow.prefetch(2).cardinality(), 6);
  // breaking out early closes the pipeline
  let n = 0;
  for await (const v of Dataset.range(100).prefetch(4)) {
    n++;
    if (v === 3) break;
  }
  assert.equal(n, 4);
});

test('zip, concatenate, errors', async () => {
  const z = Dataset.zip([Dataset.range(3), Dataset.range(10, 15)]);
  assert.equal(z.cardinality(), 3);
  assert.deepEqual(await vals(z), [
    [0, 10],
    [1, 11],
    [2, 12],
  ]);
  assert.deepEqual(await vals(Dataset.range(2).concatenate(Dataset.range(5, 7))), [0, 1, 5, 6]);
  assert.throws(() => Dataset.range(3).batch(0), /batchSize/);
  assert.throws(() => Dataset.range(3).shuffle(0), /bufferSize/);
  assert.throws(() => Dataset.range(3).take(1.5), /Dataset.take/);
  await assert.rejects(Dataset.range(3).repeat().toArray(), /infinite/);
});
