// Damaged, truncated and foreign files give a clear FileFormatError naming the file and what is
// wrong — never a crash; a failed save leaves the previous file intact.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import * as L from '../../src/layers/index.js';
import { Sequential } from '../../src/models/sequential.js';
import { FileFormatError, ValueError } from '../../src/errors.js';
import { H5Writer } from '../../src/io/h5.js';
import { loadModel, loadWeights, saveModel } from '../../src/io/index.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'convkit-damaged-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function small(): Sequential {
  return new Sequential([new L.Dense(3, { inputShape: [4] }), new L.Dense(2)], { name: 'small' });
}

function ffe(re: RegExp) {
  return (e: Error) => {
    assert.ok(e instanceof FileFormatError, `expected FileFormatError, got ${e.constructor.name}: ${e.message}`);
    assert.match(e.message, re);
    return true;
  };
}

test('a PNG renamed .h5 / .keras', async () => {
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 7)]);
  writeFileSync(path.join(tmp, 'photo.h5'), png);
  writeFileSync(path.join(tmp, 'photo.keras'), png);
  await assert.rejects(loadModel(path.join(tmp, 'photo.h5')), ffe(/photo\.h5: not a model file: it is a PNG image/));
  await assert.rejects(loadModel(path.join(tmp, 'photo.keras')), ffe(/photo\.keras: .*PNG image/));
  await assert.rejects(loadWeights(small(), path.join(tmp, 'photo.h5')), ffe(/photo\.h5: .*PNG image/));
});

test('truncated .h5 and .keras files', async () => {
  const m = small();
  await saveModel(m, path.join(tmp, 'full.h5'));
  await saveModel(m, path.join(tmp, 'full.keras'));
  for (const f of ['full.h5', 'full.keras']) {
    const bytes = readFileSync(path.join(tmp, f));
    for (const frac of [0.3, 0.9]) {
      const t = path.join(tmp, `cut${frac}_${f}`);
      writeFileSync(t, bytes.subarray(0, Math.floor(bytes.length * frac)));
      await assert.rejects(loadModel(t), ffe(new RegExp(`cut${frac}_${f.replace('.', '\\.')}: .*(truncated|damaged)`)));
    }
  }
  const empty = path.join(tmp, 'empty.h5');
  writeFileSync(empty, '');
  await assert.rejects(loadModel(empty), ffe(/empty\.h5: .*empty file/));
});

test('an HDF5 file that is not a Keras model', async () => {
  const f = path.join(tmp, 'science.h5');
  const w = await H5Writer.create(f);
  w.root.createGroup('entry').writeDataset('data', new Float32Array([1, 2, 3]), [3]);
  w.close();
  await assert.rejects(
    loadModel(f),
    ffe(/science\.h5: an HDF5 file, but not a Keras model: it has no 'model_config' attribute \(root holds: entry\)/),
  );
  await assert.rejects(loadWeights(small(), f), ffe(/science\.h5: an HDF5 file, but not Keras weights/));
});

test('a weights-only .h5 given to loadModel says to use loadWeights', async () => {
  const m = small();
  const f = path.join(tmp, 'wonly.h5');
  const { saveWeights } = await import('../../src/io/index.js');
  await saveWeights(m, f);
  await assert.rejects(loadModel(f), ffe(/wonly\.h5: this is a weights-only file.*loadWeights/));
});

test('a zip without config.json, and a .keras with broken JSON or a damaged weights member', async () => {
  const f = path.join(tmp, 'notes.keras');
  writeFileSync(f, zipSync({ 'readme.txt': new TextEncoder().encode('hello') }));
  await assert.rejects(loadModel(f), ffe(/notes\.keras: a zip archive without config\.json.*readme\.txt/));
  const g = path.join(tmp, 'badjson.keras');
  writeFileSync(g, zipSync({ 'config.json': new TextEncoder().encode('{"class_name": "Seq') }));
  await assert.rejects(loadModel(g), ffe(/badjson\.keras: config\.json is not valid JSON/));
  const h = path.join(tmp, 'badweights.keras');
  const good = path.join(tmp, 'ok.keras');
  await saveModel(small(), good);
  const { unzipSync } = await import('fflate');
  const members = unzipSync(new Uint8Array(readFileSync(good)));
  members['model.weights.h5'] = members['model.weights.h5'].subarray(0, 100);
  writeFileSync(h, zipSync(members));
  await assert.rejects(loadModel(h), ffe(/badweights\.keras: model\.weights\.h5 inside the archive is damaged/));
});

test('unknown layer classes name the class and list the supported ones', async () => {
  const f = path.join(tmp, 'custom.keras');
  const cfg = {
    module: 'keras',
    class_name: 'Sequential',
    config: {
      name: 's',
      layers: [
        { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, 4], name: 'in' } },
        { module: 'my', class_name: 'FancyLayer', config: { name: 'fancy' } },
      ],
    },
  };
  writeFileSync(f, zipSync({ 'config.json': new TextEncoder().encode(JSON.stringify(cfg)) }));
  await assert.rejects(
    loadModel(f),
    (e: Error) =>
      e instanceof ValueError &&
      /custom\.keras: .*Unknown layer class 'FancyLayer'.*supported: .*Conv2D.*registerLayer/.test(e.message),
  );
});

test('TF.js: missing shard, short shard, graph model', async () => {
  const dir = path.join(tmp, 'web');
  await saveModel(small(), `tfjs://${dir}`);
  const shard = path.join(dir, 'group1-shard1of1.bin');
  const bytes = readFileSync(shard);
  writeFileSync(shard, bytes.subarray(0, 10));
  await assert.rejects(loadModel(path.join(dir, 'model.json')), ffe(/model\.json: the weight shards are too short/));
  rmSync(shard);
  await assert.rejects(
    loadModel(path.join(dir, 'model.json')),
    ffe(/model\.json: the weight shard 'group1-shard1of1\.bin' listed in weightsManifest is missing/),
  );
  const gm = path.join(tmp, 'graph', 'model.json');
  mkdirSync(path.dirname(gm), { recursive: true });
  writeFileSync(gm, JSON.stringify({ format: 'graph-model', modelTopology: { node: [] } }));
  await assert.rejects(loadModel(gm), ffe(/graph model/));
});

test('a failed save leaves the previous file intact', async () => {
  for (const name of ['keep.keras', 'keep.h5']) {
    const f = path.join(tmp, name);
    await saveModel(small(), f);
    const before = readFileSync(f);
    const broken = small();
    // Reading the second layer's kernel fails midway through writing the weights.
    Object.defineProperty(broken.layers[1].weights[0], 'data', {
      get() {
        throw new Error('disk on fire');
      },
    });
    await assert.rejects(saveModel(broken, f), /disk on fire/);
    assert.deepEqual(readFileSync(f), before, `${name} changed`);
    const leftovers = readdirSync(tmp).filter((n) => n.includes('.tmp-'));
    assert.deepEqual(leftovers, []);
    assert.equal((await loadModel(f)).layers.length, 2);
  }
});

test('unsupported file names for save and saveWeights', async () => {
  const { saveWeights } = await import('../../src/io/index.js');
  await assert.rejects(
    saveModel(small(), path.join(tmp, 'x.pt')),
    (e: Error) => e instanceof ValueError && /unsupported file name 'x\.pt'|x\.pt/.test(e.message),
  );
  await assert.rejects(saveWeights(small(), path.join(tmp, 'x.bin')), /must end in '\.weights\.h5'/);
  await assert.rejects(saveModel(small(), path.join(tmp, 'x.weights.h5')), /use model\.saveWeights/);
});
