// The HDF5 layer: reading real Keras files (attributes of every kind, datasets), writing and
// reading back, and clear errors for foreign, truncated and missing files.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { H5Reader, H5Writer, withH5 } from '../../src/io/h5.js';
import { atomicWrite } from '../../src/io/atomic.js';
import { FileFormatError } from '../../src/errors.js';
import { KERAS224_LAYER_NAMES, writeKeras224LambdaModel } from './keras2_lambda_file.js';

const FIX = path.join('test', 'io', 'fixtures');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'convkit-h5-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('reads a Keras 2.10 file: vlen strings, string lists, empty weight_names, datasets', async () => {
  await withH5(path.join(FIX, 'keras2circom', 'model.h5'), (root) => {
    assert.equal(root.stringAttr('keras_version'), '2.10.0');
    const cfg = JSON.parse(root.stringAttr('model_config')!);
    assert.equal(cfg.class_name, 'Functional');
    const mw = root.group('model_weights');
    const names = mw.stringList('layer_names')!;
    assert.equal(names.length, 10);
    assert.equal(names[0], 'input_1');
    assert.deepEqual(mw.group('flatten').stringList('weight_names'), []);
    assert.deepEqual(mw.group('conv2d_1').stringList('weight_names'), ['conv2d_1/kernel:0', 'conv2d_1/bias:0']);
    const k = mw.group('conv2d_1').dataset('conv2d_1/kernel:0');
    assert.deepEqual(k.shape, [3, 3, 4, 8]);
    assert.ok(k.data instanceof Float32Array);
    assert.equal(k.data.length, 288);
    const it = root.group('optimizer_weights').dataset('Adam/iter:0');
    assert.deepEqual(it.shape, []);
    assert.ok(it.data[0] > 0);
  });
});

test('reads fixed-length byte-string lists (Keras 2.2.4 layout)', async () => {
  const f = path.join(tmp, 'keras224.h5');
  await writeKeras224LambdaModel(f);
  await withH5(f, (root) => {
    assert.equal(root.stringAttr('keras_version'), '2.2.4');
    const names = root.group('model_weights').stringList('layer_names')!;
    assert.deepEqual(names, KERAS224_LAYER_NAMES);
    assert.equal(names[2], 'lambda_1');
    assert.ok(names.every((n) => !n.includes('\0')));
    const convNames = root.group('model_weights/conv2d_1').stringList('weight_names');
    assert.deepEqual(convNames, ['conv2d_1/kernel:0', 'conv2d_1/bias:0']);
    assert.deepEqual(root.group('model_weights/lambda_1').stringList('weight_names'), []);
  });
});

test('writes and reads back groups, datasets and attributes', async () => {
  const p = path.join(tmp, 'rt.h5');
  const w = await H5Writer.create(p);
  const g = w.root.createGroup('model_weights/dense');
  g.writeStringList('weight_names', ['dense/kernel:0', 'dense/bias:0']);
  g.writeDataset('dense/kernel:0', new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
  g.writeDataset('dense/bias:0', new Float32Array([7, 8, 9]), [3]);
  w.root.createGroup('model_weights/flatten').writeStringList('weight_names', []);
  w.root.writeString('model_config', '{"a":1}');
  w.root.writeDataset('it', new BigInt64Array([7n]), []);
  w.close();
  await withH5(p, (root) => {
    assert.equal(root.stringAttr('model_config'), '{"a":1}');
    const d = root.group('model_weights/dense');
    assert.deepEqual(d.stringList('weight_names'), ['dense/kernel:0', 'dense/bias:0']);
    assert.deepEqual(Array.from(d.dataset('dense/kernel:0').data), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(d.dataset('dense/kernel:0').shape, [2, 3]);
    assert.deepEqual(root.group('model_weights/flatten').stringList('weight_names'), []);
    assert.equal(root.dataset('it').data[0], 7);
    assert.ok(!root.has('nope'));
    assert.throws(() => root.group('nope'), /rt\.h5.*'\/nope'.*missing/);
  });
});

test('foreign, truncated and missing files give FileFormatErrors naming the file', async () => {
  const png = path.join(tmp, 'image.h5');
  writeFileSync(png, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100)]));
  await assert.rejects(
    H5Reader.open(png),
    (e: Error) => e instanceof FileFormatError && /image\.h5.*PNG image/.test(e.message),
  );
  await assert.rejects(H5Reader.open(path.join(tmp, 'missing.h5')), /missing\.h5: no such file/);
  const good = path.join(tmp, 'rt.h5');
  const trunc = path.join(tmp, 'trunc.h5');
  const bytes = readFileSync(good);
  writeFileSync(trunc, bytes.subarray(0, Math.floor(bytes.length / 2)));
  await assert.rejects(
    H5Reader.open(trunc),
    (e: Error) => e instanceof FileFormatError && /trunc\.h5.*truncated or damaged/.test(e.message),
  );
});

test('atomicWrite leaves the previous file intact when the write fails', async () => {
  const p = path.join(tmp, 'keep.txt');
  writeFileSync(p, 'old');
  await assert.rejects(
    atomicWrite(p, (t) => {
      writeFileSync(t, 'partial');
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.equal(readFileSync(p, 'utf8'), 'old');
  await atomicWrite(p, (t) => writeFileSync(t, 'new'));
  assert.equal(readFileSync(p, 'utf8'), 'new');
});
