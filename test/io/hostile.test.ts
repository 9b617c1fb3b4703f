// Files made to hurt: paths that leave the model's folder, devices and FIFOs, sizes that a small
// file declares but cannot hold, configs with impossible layer counts or sizes. Each is refused
// quickly, before allocation, with an error naming the file and the figure.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import * as L from '../../src/layers/index.js';
import { Sequential } from '../../src/models/sequential.js';
import { FileFormatError } from '../../src/errors.js';
import { H5Reader, H5Writer } from '../../src/io/h5.js';
import { loadModel, loadWeights, saveModel } from '../../src/io/index.js';
import { MAX_CONFIG_LAYERS } from '../../src/limits.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ck-hostile-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function small(): Sequential {
  return new Sequential([new L.Dense(3, { inputShape: [4], name: 'd1' }), new L.Dense(2, { name: 'd2' })], {
    name: 'small',
  });
}

function ffe(re: RegExp) {
  return (e: Error) => {
    assert.ok(e instanceof FileFormatError, `expected FileFormatError, got ${e.constructor.name}: ${e.message}`);
    assert.match(e.message, re);
    assert.doesNotMatch(e.message, /HDF5-DIAG|\n/);
    return true;
  };
}

/** A TF.js model folder whose manifest lists `paths` instead of the real shard. */
async function tfjsWith(name: string, paths: string[]): Promise<string> {
  const dir = path.join(tmp, name);
  await saveModel(small(), `tfjs://${dir}`);
  const mj = path.join(dir, 'model.json');
  const json = JSON.parse(readFileSync(mj, 'utf8')) as { weightsManifest: { paths: string[] }[] };
  json.weightsManifest[0].paths = paths;
  writeFileSync(mj, JSON.stringify(json));
  return mj;
}

test('TF.js weight paths may not leave the model folder: absolute, .., devices, links out', async () => {
  await assert.rejects(
    loadModel(await tfjsWith('abs', ['/dev/zero'])),
    ffe(/abs\/model\.json: the weight shard '\/dev\/zero' listed in weightsManifest points outside the model's folder/),
  );
  await assert.rejects(
    loadModel(await tfjsWith('up', ['../abs/group1-shard1of1.bin'])),
    ffe(/up\/model\.json: the weight shard '\.\.\/abs\/group1-shard1of1\.bin' .*points outside/),
  );
  const mj = await tfjsWith('link', ['rnd.bin']);
  symlinkSync('/dev/urandom', path.join(tmp, 'link', 'rnd.bin'));
  await assert.rejects(
    loadModel(mj),
    ffe(/link\/model\.json: the weight shard 'rnd\.bin' .*is a link to '\/dev\/urandom', outside the model's folder/),
  );
  const mj2 = await tfjsWith('linkout', ['other.bin']);
  symlinkSync(path.join(tmp, 'abs', 'group1-shard1of1.bin'), path.join(tmp, 'linkout', 'other.bin'));
  await assert.rejects(loadModel(mj2), ffe(/linkout\/model\.json: .*'other\.bin' .*outside the model's folder/));
});

test('a TF.js shard that is a FIFO is refused at once instead of hanging', async () => {
  const mj = await tfjsWith('fifo', ['pipe.bin']);
  execFileSync('mkfifo', [path.join(tmp, 'fifo', 'pipe.bin')]);
  await assert.rejects(
    loadModel(mj),
    ffe(/fifo\/model\.json: weight shard 'pipe\.bin': not a regular file \(a device, FIFO or socket\)/),
  );
});

test('a TF.js shard is read only up to the size the manifest declares', async () => {
  const dir = path.join(tmp, 'long');
  const m = small();
  await saveModel(m, `tfjs://${dir}`);
  const shard = path.join(dir, 'group1-shard1of1.bin');
  writeFileSync(shard, Buffer.concat([readFileSync(shard), Buffer.alloc(1 << 20, 0xff)]));
  const back = await loadModel(path.join(dir, 'model.json'));
  assert.deepEqual(Array.from(back.weights[0].data), Array.from(m.weights[0].data));
});

test('a TF.js manifest declaring an impossible weight is refused with its size', async () => {
  const mj = await tfjsWith('huge', ['group1-shard1of1.bin']);
  const json = JSON.parse(readFileSync(mj, 'utf8')) as { weightsManifest: { weights: { shape: number[] }[] }[] };
  json.weightsManifest[0].weights[0].shape = [30000, 30000];
  writeFileSync(mj, JSON.stringify(json));
  await assert.rejects(
    loadModel(mj),
    ffe(
      /huge\/model\.json: weight '.*' declares shape \[30000, 30000\] \(3\.4 GiB as float32\), more than the memory limit/,
    ),
  );
  json.weightsManifest[0].weights[0].shape = [-1, 2];
  writeFileSync(mj, JSON.stringify(json));
  await assert.rejects(
    loadModel(mj),
    ffe(/huge\/model\.json: weightsManifest\[0\] has an entry without a name or a valid shape/),
  );
});

function sequentialConfig(n: number): unknown {
  const layers: unknown[] = [{ class_name: 'InputLayer', config: { batch_shape: [null, 2], name: 'in' } }];
  for (let i = 0; i < n; i++) layers.push({ class_name: 'ReLU', config: { name: `r${i}` } });
  return { class_name: 'Sequential', config: { name: 's', layers } };
}

test('a .keras config with 100,000 layers is refused at once, naming the count', async () => {
  const f = path.join(tmp, 'deep.keras');
  writeFileSync(f, zipSync({ 'config.json': new TextEncoder().encode(JSON.stringify(sequentialConfig(100_000))) }));
  const t0 = Date.now();
  await assert.rejects(
    loadModel(f),
    ffe(new RegExp(`deep\\.keras: the model config declares more than ${MAX_CONFIG_LAYERS} layers`)),
  );
  assert.ok(Date.now() - t0 < 20_000);
  const nested = path.join(tmp, 'nested.keras');
  // Written as text: JSON.stringify itself would overflow the stack on this nesting.
  const deep = `${'{"config":{"layer":'.repeat(20_000)}{"class_name":"ReLU"}${'}}'.repeat(20_000)}`;
  writeFileSync(nested, zipSync({ 'config.json': new TextEncoder().encode(deep) }));
  await assert.rejects(loadModel(nested), ffe(/nested\.keras: the model config nests more than \d+ levels deep/));
});

test('a .keras declaring a 30000x30000 Dense says what it would need instead of allocating', async () => {
  const f = path.join(tmp, 'wide.keras');
  const cfg = {
    class_name: 'Sequential',
    config: {
      name: 's',
      layers: [
        { class_name: 'InputLayer', config: { batch_shape: [null, 30000], name: 'in' } },
        { class_name: 'Dense', config: { name: 'dense', units: 30000 } },
      ],
    },
  };
  writeFileSync(f, zipSync({ 'config.json': new TextEncoder().encode(JSON.stringify(cfg)) }));
  await assert.rejects(loadModel(f), (e: Error) => {
    assert.match(e.message, /wide\.keras: .*Dense 'dense': kernel of 30000x30000 float32 needs 3\.4 GiB/);
    return true;
  });
});

/** Sets a zip member's declared uncompressed size, in its local header and the central directory. */
function patchOriginalSize(zip: Uint8Array, member: string, size: number): Uint8Array {
  const out = Uint8Array.from(zip);
  const dv = new DataView(out.buffer);
  const name = new TextEncoder().encode(member);
  for (let i = 0; i + 46 < out.length; i++) {
    const sig = dv.getUint32(i, true);
    const local = sig === 0x04034b50;
    const central = sig === 0x02014b50;
    if (!local && !central) continue;
    const nameLen = dv.getUint16(i + (local ? 26 : 28), true);
    const nameAt = i + (local ? 30 : 46);
    if (nameLen !== name.length || !name.every((b, k) => out[nameAt + k] === b)) continue;
    dv.setUint32(i + (local ? 22 : 24), size, true);
  }
  return out;
}

test('.keras: unused members are not inflated; declared sizes are checked first; member names stay inside', async () => {
  const good = path.join(tmp, 'ok.keras');
  await saveModel(small(), good);
  const members = unzipSync(new Uint8Array(readFileSync(good)));
  // An unused member whose data is not even valid deflate: loading never touches it.
  const junk = zipSync({ ...members, 'assets/big.bin': [new Uint8Array(4096).fill(7), { level: 9 }] });
  const extra = path.join(tmp, 'extra.keras');
  writeFileSync(extra, patchOriginalSize(junk, 'assets/big.bin', 2 ** 30));
  assert.equal((await loadModel(extra)).layers.length, 2);
  // A needed member that declares more than its compressed bytes could hold.
  const lying = zipSync({ ...members, 'config.json': [members['config.json'], { level: 9 }] });
  const lie = path.join(tmp, 'lie.keras');
  writeFileSync(lie, patchOriginalSize(lying, 'config.json', 2 ** 30));
  await assert.rejects(
    loadModel(lie),
    ffe(/lie\.keras: member 'config\.json' declares 1 GiB from \d+ compressed bytes, more than deflate can produce/),
  );
  const stored = path.join(tmp, 'stored.keras');
  writeFileSync(stored, patchOriginalSize(zipSync(members, { level: 0 }), 'model.weights.h5', 2 ** 30));
  await assert.rejects(
    loadModel(stored),
    ffe(/stored\.keras: member 'model\.weights\.h5' is stored uncompressed but declares 1073741824 bytes/),
  );
  const escape = path.join(tmp, 'escape.keras');
  writeFileSync(escape, zipSync({ ...members, '../../etc/config.json': members['config.json'] }));
  await assert.rejects(
    loadModel(escape),
    ffe(/escape\.keras: member '\.\.\/\.\.\/etc\/config\.json' points outside the archive/),
  );
});

test('errors inside a .keras weights member name the archive and the member, not a temporary file', async () => {
  const good = path.join(tmp, 'ok2.keras');
  await saveModel(small(), good);
  const members = unzipSync(new Uint8Array(readFileSync(good)));
  const w = Uint8Array.from(members['model.weights.h5']);
  // Zero the second half: the superblock opens, the objects behind it are gone.
  w.fill(0, w.length >> 1);
  const f = path.join(tmp, 'halfzero.keras');
  writeFileSync(f, zipSync({ ...members, 'model.weights.h5': w }));
  await assert.rejects(loadModel(f), (e: Error) => {
    assert.match(e.message, /halfzero\.keras(: model\.weights\.h5 inside the archive| \(member model\.weights\.h5\))/);
    assert.doesNotMatch(e.message, /convkit-[A-Za-z0-9]{6}|HDF5-DIAG|\n/);
    return true;
  });
});

test('an HDF5 dataset declaring 1 GiB in a small file is refused before it is read', async () => {
  const f = path.join(tmp, 'declares.h5');
  const w = await H5Writer.create(f);
  const ds = w.root.obj.create_dataset({
    name: 'big',
    data: new Float32Array(8),
    shape: [1, 8],
    maxshape: [null, 8],
    chunks: [1, 8],
  });
  ds.resize([2 ** 25, 8]);
  w.close();
  const r = await H5Reader.open(f);
  try {
    assert.throws(
      () => r.root.dataset('big'),
      ffe(/declares\.h5: dataset '\/big' declares shape \[33554432, 8\] \(1 GiB\), more than/),
    );
  } finally {
    r.close();
  }
});

test('HDF5 external links are not followed', async () => {
  const other = path.join(tmp, 'other.h5');
  const o = await H5Writer.create(other);
  o.root.createGroup('secret').writeDataset('x', new Float32Array([1]), [1]);
  o.close();
  const f = path.join(tmp, 'linking.h5');
  const w = await H5Writer.create(f);
  w.root.obj.create_external_link(other, '/secret', 'ext');
  w.close();
  const r = await H5Reader.open(f);
  try {
    assert.throws(
      () => r.root.isGroup('ext'),
      ffe(/linking\.h5: '\/ext' is an external link to '.*other\.h5:\/secret'; links to other files are not followed/),
    );
    assert.throws(() => r.root.dataset('ext/x'), ffe(/linking\.h5: '\/ext' is an external link/));
  } finally {
    r.close();
  }
});

test('a FIFO given as the model or weights file is refused without blocking', async () => {
  const fifo = path.join(tmp, 'model.h5');
  execFileSync('mkfifo', [fifo]);
  await assert.rejects(
    loadModel(fifo),
    (e: Error) => e instanceof FileFormatError && /model\.h5: not a regular file/.test(e.message),
  );
  await assert.rejects(
    loadWeights(small(), fifo),
    (e: Error) => e instanceof FileFormatError && /model\.h5: not a regular file/.test(e.message),
  );
  mkdirSync(path.join(tmp, 'webfifo'));
  execFileSync('mkfifo', [path.join(tmp, 'webfifo', 'model.json')]);
  await assert.rejects(loadModel(path.join(tmp, 'webfifo', 'model.json')), /webfifo\/model\.json: not a regular file/);
});
