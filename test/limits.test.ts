// The memory limit: weights and kernel outputs are refused before allocation, with the figure
// they would need and the layer that asked; the limit is configurable.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import * as L from '../src/layers/index.js';
import { Sequential } from '../src/models/sequential.js';
import { Tensor } from '../src/tensor/tensor.js';
import {
  MemoryLimitError,
  checkTensor,
  formatBytes,
  getMemoryLimit,
  parseBytes,
  setMemoryLimit,
  tensorBytes,
} from '../src/limits.js';
import * as utils from '../src/utils/index.js';

afterEach(() => {
  setMemoryLimit(null);
});

test('a Dense kernel of 30000x30000 is refused with its size, before allocation', () => {
  const d = new L.Dense(30000, { name: 'dense' });
  assert.throws(
    () => d.build([null, 30000]),
    (e: Error) => {
      assert.ok(e instanceof MemoryLimitError);
      assert.match(
        e.message,
        /^Dense 'dense': kernel of 30000x30000 float32 needs 3\.4 GiB; the limit for one tensor is /,
      );
      assert.match(e.message, /setMemoryLimit|CONVKIT_MAX_TENSOR_BYTES/);
      return true;
    },
  );
});

test('a Conv2D whose output is too large names the layer and the size', () => {
  setMemoryLimit(512 * 1024);
  const m = new Sequential([new L.Conv2D(64, 3, { inputShape: [64, 64, 1], padding: 'same', name: 'conv' })]);
  const x = new Tensor(new Float32Array(64 * 64), [1, 64, 64, 1]);
  assert.throws(
    () => m.predict(x),
    (e: Error) => {
      assert.ok(e instanceof MemoryLimitError, `${e.constructor.name}: ${e.message}`);
      assert.match(
        e.message,
        /^Conv2D 'conv': convkit \w+: an output of 262144 float32 values needs 1 MiB; the limit for one tensor is 512 KiB/,
      );
      return true;
    },
  );
});

test('setMemoryLimit sets, restores and validates; utils exports it', () => {
  const before = getMemoryLimit();
  assert.ok(before > 0);
  assert.equal(utils.setMemoryLimit(4096), before);
  assert.equal(getMemoryLimit(), 4096);
  assert.throws(() => checkTensor('x', [32, 33]), /x of 32x33 float32 needs 4\.1 KiB/);
  checkTensor('x', [32, 32]);
  assert.equal(setMemoryLimit(null), 4096);
  assert.equal(getMemoryLimit(), before);
  assert.throws(() => setMemoryLimit(-1), /setMemoryLimit: expected a positive number of bytes or null, got -1/);
  assert.throws(() => setMemoryLimit(Number.NaN), /got NaN/);
});

test('sizes: parsing, formatting, tensor bytes', () => {
  assert.equal(parseBytes('4GiB'), 4 * 1024 ** 3);
  assert.equal(parseBytes('512 mib'), 512 * 1024 ** 2);
  assert.equal(parseBytes('1e9'), 1e9);
  assert.equal(parseBytes('abc'), null);
  assert.equal(parseBytes('0'), null);
  assert.equal(formatBytes(30000 * 30000 * 4), '3.4 GiB');
  assert.equal(formatBytes(100), '100 bytes');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(tensorBytes([2, 3], 'float32'), 24);
  assert.equal(tensorBytes([2, -1]), Infinity);
  assert.throws(() => checkTensor('w', [2 ** 40, 2 ** 40]), /w of \d+x\d+ float32 needs more than can be addressed/);
});
