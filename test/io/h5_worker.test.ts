// HDF5 files are read in a worker thread under a deadline before the main thread reads them: a
// library loop (the damaged fixture, with the byte check that refuses it first bypassed) becomes a
// FileFormatError naming the file and the object path, the process lives on, and the next file
// loads; the worker's script is found from the sources and from the compiled package.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FileFormatError, ValueError } from '../../src/errors.js';
import { loadModel } from '../../src/io/index.js';
import { closeH5Probe, h5WorkerUrl, probeH5 } from '../../src/io/h5_worker_probe.js';
import { DEFAULT_H5_DEADLINE_MS, getH5Deadline, h5DeadlineFor, setH5Deadline } from '../../src/limits.js';
import '../../src/models/index.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FIX = path.join(HERE, 'fixtures');
const GOOD = path.join(FIX, 'keras3', 'kcnn.h5');
const LOOPING = path.join(FIX, 'damaged', 'zeroed_global_heap.h5');
const FAKE = new URL('./h5_loop_worker.mjs', import.meta.url);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'convkit-h5w-'));
after(async () => {
  setH5Deadline(null);
  await closeH5Probe();
  rmSync(tmp, { recursive: true, force: true });
});

const size = (f: string): number => statSync(f).size;

test('a file on which HDF5 loops is refused when the deadline passes, naming the file and the object', async () => {
  const t0 = Date.now();
  await assert.rejects(probeH5(LOOPING, 'zeroed_global_heap.h5', size(LOOPING), { deadlineMs: 1500 }), (e: unknown) => {
    assert.ok(e instanceof FileFormatError);
    assert.match(
      e.message,
      /^zeroed_global_heap\.h5: cannot read attribute '\w+' of '\/': reading did not finish within 1\.5 s \(the file is damaged\?\)$/,
    );
    return true;
  });
  // terminate() stopped the WebAssembly loop: the time is the deadline, not a hang.
  assert.ok(Date.now() - t0 < 30_000);
  // The descriptor the thread held on the file is closed once the thread is gone.
  if (existsSync('/proc/self/fd')) {
    const holding = (): boolean =>
      readdirSync('/proc/self/fd').some((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === LOOPING;
        } catch {
          return false;
        }
      });
    for (let i = 0; i < 100 && holding(); i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(holding(), false, 'a descriptor on the file is still open');
  }
  // A new worker reads the next file.
  await probeH5(GOOD, 'kcnn.h5', size(GOOD), { deadlineMs: 60_000 });
  const m = await loadModel(GOOD);
  assert.equal(m.name.length > 0, true);
});

test('a worker that never finishes is terminated; one that dies is a FileFormatError too', async () => {
  await assert.rejects(probeH5('/x/weights.h5-loop', 'weights.h5', 10, { deadlineMs: 300, workerUrl: FAKE }), {
    name: 'FileFormatError',
    message:
      'weights.h5: cannot read /model_weights/dense/dense/kernel:0: reading did not finish within 300 ms ' +
      '(the file is damaged?)',
  });
  await assert.rejects(probeH5('/x/weights.h5-die', 'weights.h5', 10, { deadlineMs: 60_000, workerUrl: FAKE }), {
    name: 'FileFormatError',
    message:
      'weights.h5: cannot read /model_weights/dense/dense/kernel:0: the reading thread stopped ' +
      '(the thread exited with code 7); the file is damaged',
  });
  await probeH5('/x/fine.h5', 'fine.h5', 10, { deadlineMs: 60_000, workerUrl: FAKE });
  // Back to the real worker, which the loaders use.
  await probeH5(GOOD, 'kcnn.h5', size(GOOD), { deadlineMs: 60_000 });
});

test('a forced tiny deadline refuses a loadModel of an .h5 and of a .keras, naming the user file and a path', async () => {
  const keras = path.join(tmp, 'my model.keras');
  copyFileSync(path.join(FIX, 'keras3', 'kcnn.keras'), keras);
  const h5 = path.join(tmp, 'my model.h5');
  copyFileSync(GOOD, h5);
  // Both loaders go through the probe; a walk of these files takes tens of milliseconds.
  setH5Deadline(0.01);
  try {
    for (const [file, named] of [
      [h5, /^.*my model\.h5: cannot read (\/|attribute )\S*.*: reading did not finish within 0\.01 ms/],
      [keras, /my model\.keras.*model\.weights\.h5.*: cannot read .*reading did not finish within 0\.01 ms/],
    ] as const) {
      await assert.rejects(loadModel(file), (e: unknown) => {
        assert.ok(e instanceof FileFormatError, String(e));
        assert.match(e.message, named);
        assert.ok(!e.message.includes('\n'));
        return true;
      });
    }
  } finally {
    setH5Deadline(null);
  }
  // 0 turns the probe off; the default comes back with null.
  setH5Deadline(0);
  await loadModel(h5);
  setH5Deadline(null);
  assert.equal(getH5Deadline(), DEFAULT_H5_DEADLINE_MS);
  await loadModel(keras);
});

test('the deadline grows with the file size and refuses nonsense', () => {
  const before = setH5Deadline(1000);
  try {
    assert.equal(h5DeadlineFor(1000), 1000);
    assert.equal(h5DeadlineFor(64 * 1024 ** 2), 1000);
    assert.equal(h5DeadlineFor(256 * 1024 ** 2), 4000);
    assert.throws(() => setH5Deadline(-1), ValueError);
    assert.throws(() => setH5Deadline(Number.NaN), /setH5Deadline: expected a number of milliseconds >= 0/);
  } finally {
    setH5Deadline(before === DEFAULT_H5_DEADLINE_MS ? null : before);
  }
  const r = spawnSync(
    process.execPath,
    [
      '--conditions=development',
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `import { getH5Deadline } from ${JSON.stringify(pathToFileURL(path.join(HERE, '../../src/limits.ts')).href)};
       console.log(getH5Deadline());`,
    ],
    { encoding: 'utf8', env: { ...process.env, CONVKIT_H5_DEADLINE_MS: 'soon' } },
  );
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /CONVKIT_H5_DEADLINE_MS: expected a number of milliseconds >= 0 .*got 'soon'/);
});

test("the worker's script is found from the sources and from the compiled dist/", () => {
  const src = h5WorkerUrl(new URL('../../src/io/h5_worker_probe.ts', import.meta.url).href);
  assert.ok(existsSync(src), src.href);
  const dist = h5WorkerUrl(new URL('../../dist/io/h5_worker_probe.js', import.meta.url).href);
  assert.equal(fileURLToPath(dist), fileURLToPath(src));
});

test(
  'the compiled package probes from dist/ under plain Node',
  { skip: !existsSync('dist/io/h5_worker_probe.js') },
  () => {
    const program = `
    import { probeH5 } from './dist/io/h5_worker_probe.js';
    await probeH5(${JSON.stringify(GOOD)}, 'kcnn.h5', 10, { deadlineMs: 60000 });
    await probeH5(${JSON.stringify(LOOPING)}, 'looping.h5', 10, { deadlineMs: 500 }).catch((e) => console.log(e.message));
  `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', program], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^looping\.h5: cannot read attribute .*reading did not finish within 500 ms/);
  },
);

test('a worker that cannot start leaves files readable, with one warning', async () => {
  const missing = new URL('./no_such_h5_worker.mjs', import.meta.url);
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...a: unknown[]) => void warnings.push(a.map(String).join(' '));
  try {
    await probeH5(GOOD, 'kcnn.h5', size(GOOD), { deadlineMs: 60_000, workerUrl: missing });
    await probeH5(GOOD, 'kcnn.h5', size(GOOD), { deadlineMs: 60_000, workerUrl: missing });
  } finally {
    console.warn = warn;
  }
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0], /cannot start the HDF5 reading worker .*no_such_h5_worker\.mjs.*read without a deadline/);
});
