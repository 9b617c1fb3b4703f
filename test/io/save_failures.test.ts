// Saves that fail or find leftovers: a full disk or a read-only place gives an error naming the
// target (not a temporary) and closes every file it opened; temporaries of killed saves are
// removed by the next save of the same target; a TF.js save removes the shards of an earlier,
// larger save; missing parent folders are created.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as L from '../../src/layers/index.js';
import { Sequential } from '../../src/models/sequential.js';
import { loadModel, saveModel } from '../../src/io/index.js';
import { Tensor } from '../../src/tensor/tensor.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = mkdtempSync(path.join(os.tmpdir(), 'convkit-savefail-'));
after(() => rmSync(root, { recursive: true, force: true }));

function dense(inputs: number, units: number): Sequential {
  return new Sequential([new L.InputLayer({ shape: [inputs] }), new L.Dense(units)]);
}

/** Runs the child in a new user and mount namespace with `dir` a small tmpfs; null where that is not allowed. */
interface SmallFsResult {
  errors: Record<string, string>;
  open: string[];
  left: string[];
}

function inSmallFs(dir: string, mountOpts: string): SmallFsResult | null {
  const child = path.join(here, 'full_disk_child.ts');
  const script =
    `mount -t tmpfs -o ${mountOpts} tmpfs "$0" && exec "$1" --conditions=development ` +
    `--import h5wasm/node --import tsx "$2" "$0"`;
  const r = spawnSync('unshare', ['-rm', 'sh', '-c', script, dir, process.execPath, child], { encoding: 'utf8' });
  if (r.error || (r.status !== 0 && /unshare|mount/.test(r.stderr) && !r.stdout)) return null;
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('a save on a full disk names the target, says the disk is full, and keeps no file open', (t) => {
  const dir = path.join(root, 'full');
  mkdirSync(dir);
  const r = inSmallFs(dir, 'size=64k');
  if (!r) {
    t.skip('no user namespaces here (unshare -rm)');
    return;
  }
  for (const [name, err] of Object.entries(r.errors)) {
    const target = `${dir}/${name}${name === 'web' ? '/model.json' : ''}`;
    assert.match(err, new RegExp(`^FileFormatError: ${target}: cannot save the file: the disk is full \\(ENOSPC`), err);
    assert.match(err, /\[ENOSPC\]$/);
    assert.doesNotMatch(err, /\.tmp-/, 'the temporary name stays out of the message');
  }
  assert.deepEqual(r.open, [], 'no descriptor stays open on the full disk');
  assert.deepEqual(r.left, ['web'], 'no temporary is left (the TF.js folder was created, and stays empty)');
});

test('a save to a read-only place names the target, not the temporary', (t) => {
  const dir = path.join(root, 'ro');
  mkdirSync(dir);
  const r = inSmallFs(dir, 'size=64k,ro');
  if (!r) {
    t.skip('no user namespaces here (unshare -rm)');
    return;
  }
  for (const [name, err] of Object.entries(r.errors)) {
    const target = `${dir}/${name}${name === 'web' ? '/model.json' : ''}`;
    const what = name === 'web' ? `cannot create the folder '${dir}/web'` : 'cannot save the file';
    assert.match(err, new RegExp(`^FileFormatError: ${target}: ${what}: the file system is read-only`), err);
    assert.doesNotMatch(err, /\.tmp-/);
  }
  assert.deepEqual(r.open, []);
});

test('a save removes the temporaries that killed saves of the same target left, and only those', async () => {
  const dir = path.join(root, 'stale');
  mkdirSync(dir);
  // pid_max is at most 2^22, so no process has this id.
  const dead = 4194305;
  const stale = [`.m.h5.tmp-${dead}-abc-0.tmp`, `.m.h5.tmp-${dead}-abd-1.tmp`];
  const kept = [`.m.h5.tmp-1-abc-0.tmp`, `.other.h5.tmp-${dead}-abc-0.tmp`, 'm.h5.notes'];
  for (const n of [...stale, ...kept]) writeFileSync(path.join(dir, n), 'x');
  mkdirSync(path.join(dir, `.m.h5.tmp-${dead}-abe-2.tmp`));
  await saveModel(dense(3, 2), path.join(dir, 'm.h5'));
  assert.deepEqual(readdirSync(dir).sort(), ['m.h5', ...kept].sort());
});

test('a TF.js save removes the shards of an earlier save that had more of them', async () => {
  const dir = path.join(root, 'web');
  const big = dense(1000, 1100);
  await saveModel(big, `tfjs://${dir}`);
  assert.deepEqual(readdirSync(dir).sort(), ['group1-shard1of2.bin', 'group1-shard2of2.bin', 'model.json']);
  const small = dense(3, 2);
  await saveModel(small, `tfjs://${dir}`);
  assert.deepEqual(readdirSync(dir).sort(), ['group1-shard1of1.bin', 'model.json']);
  const x = new Tensor(Float32Array.of(1, 2, 3), [1, 3]);
  const back = await loadModel(`tfjs://${dir}`);
  assert.deepEqual([...back.predict(x).data], [...small.predict(x).data]);
});

test('saving creates missing parent folders, as Keras does for .keras files', async () => {
  for (const name of ['a/b/m.keras', 'c/d/m.h5', 'e/f/web']) {
    const target = path.join(root, 'parents', name);
    await saveModel(dense(3, 2), name.endsWith('web') ? `tfjs://${target}` : target);
    assert.ok(existsSync(name.endsWith('web') ? path.join(target, 'model.json') : target), name);
  }
});
