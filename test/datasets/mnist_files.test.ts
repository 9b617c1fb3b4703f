// The MNIST loader reads regular files only: a FIFO (or a folder) in place of an IDX file is an
// error naming the file, not a read that waits forever.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { loadData } from '../../src/datasets/mnist.js';
import { FileFormatError } from '../../src/errors.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'convkit-mnist-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const names = [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
];

test('FIFOs in place of the IDX files are refused at once, naming the file', { timeout: 10_000 }, async (t) => {
  try {
    for (const n of names) execFileSync('mkfifo', [path.join(dir, n)]);
  } catch {
    t.skip('mkfifo is not available');
    return;
  }
  await assert.rejects(loadData(dir), (e: unknown) => {
    assert.ok(e instanceof FileFormatError);
    assert.match(e.message, /-idx\d-ubyte: not a regular file \(a FIFO\); expected the MNIST IDX file/);
    return true;
  });
});

test('a folder in place of an IDX file is refused, naming it', async () => {
  const d = path.join(dir, 'folders');
  for (const n of names) mkdirSync(path.join(d, n), { recursive: true });
  await assert.rejects(loadData(d), /-idx\d-ubyte: not a regular file \(a directory\)/);
});
