// datasets.fashionMnist: the gzip IDX reader on small files written here; Debian's real files when
// the package is installed (.ci/run installs it).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { datasets } from '../../src/index.js';

function idx(magic: number, dims: number[], payload: Uint8Array): Uint8Array {
  const head = new DataView(new ArrayBuffer(4 + 4 * dims.length));
  head.setUint32(0, magic);
  dims.forEach((d, i) => head.setUint32(4 + 4 * i, d));
  const out = new Uint8Array(head.byteLength + payload.length);
  out.set(new Uint8Array(head.buffer), 0);
  out.set(payload, head.byteLength);
  return out;
}

function writeSet(dir: string, prefix: string, n: number, first: number): void {
  const px = Uint8Array.from({ length: n * 28 * 28 }, (_, i) => (first + i) % 256);
  const labels = Uint8Array.from({ length: n }, (_, i) => (first + i) % 10);
  writeFileSync(path.join(dir, `${prefix}-images-idx3-ubyte.gz`), gzipSync(idx(0x803, [n, 28, 28], px)));
  writeFileSync(path.join(dir, `${prefix}-labels-idx1-ubyte.gz`), gzipSync(idx(0x801, [n], labels)));
}

test('loadData reads the four gzip IDX files of a folder', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'convkit-fashion-'));
  writeSet(dir, 'train', 3, 0);
  writeSet(dir, 't10k', 2, 5);
  const [[xTrain, yTrain], [xTest, yTest]] = await datasets.fashionMnist.loadData(dir);
  assert.deepEqual(xTrain.shape, [3, 28, 28]);
  assert.deepEqual([...yTrain.data], [0, 1, 2]);
  assert.deepEqual(xTest.shape, [2, 28, 28]);
  assert.deepEqual([...yTest.data], [5, 6]);
  assert.equal(xTest.data[0], 5);
});

test('a missing or damaged file is an error naming the path', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'convkit-fashion-'));
  await assert.rejects(
    datasets.fashionMnist.loadData(dir),
    (e: Error) => e.message.startsWith(`${dir}/`) && e.message.includes('cannot read the Fashion-MNIST file'),
  );
  writeSet(dir, 'train', 3, 0);
  writeSet(dir, 't10k', 2, 0);
  writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte.gz'), 'not gzip');
  await assert.rejects(datasets.fashionMnist.loadData(dir), /t10k-labels-idx1-ubyte\.gz: not a valid gzip file/);
});

const debian = existsSync(datasets.FASHION_MNIST_DIR);

test('a folder that does not exist: the error says how to get the files', async () => {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'convkit-fashion-')), 'absent');
  await assert.rejects(
    datasets.fashionMnist.loadData(dir),
    (e: Error) =>
      e.message.startsWith(`${dir}/`) &&
      e.message.includes('apt-get install dataset-fashion-mnist') &&
      e.message.includes(datasets.FASHION_MNIST_DIR),
  );
});

test(
  "Debian's files load with Keras's shapes",
  { skip: debian ? false : 'apt-get install dataset-fashion-mnist' },
  async () => {
    const [[xTrain, yTrain], [xTest, yTest]] = await datasets.fashionMnist.loadData();
    assert.deepEqual(xTrain.shape, [60000, 28, 28]);
    assert.deepEqual(yTrain.shape, [60000]);
    assert.deepEqual(xTest.shape, [10000, 28, 28]);
    assert.deepEqual(yTest.shape, [10000]);
    assert.equal(yTrain.data[0], 9); // the first training image is an ankle boot
  },
);
