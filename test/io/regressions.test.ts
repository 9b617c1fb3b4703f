// Damaged files that once hung or gave an unhelpful error, loaded in a child process with a
// deadline (a loop inside WebAssembly cannot be interrupted in-process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

test('a zeroed global heap (HDF5 would loop on it) is refused, naming the file', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ck-regress-'));
  try {
    const file = path.join(HERE, 'fixtures', 'damaged', 'zeroed_global_heap.h5');
    const list = path.join(dir, 'cases.json');
    const reference = path.join(HERE, 'fixtures', 'keras2circom', 'model.h5');
    writeFileSync(
      list,
      JSON.stringify([
        { mode: 'model', file },
        { mode: 'weights', file, reference },
      ]),
    );
    const args = ['--conditions=development', '--import', 'tsx', path.join(HERE, 'fuzz_child.ts'), list];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 180_000 });
    assert.equal(r.signal, null, `the load did not finish within the deadline: ${r.stderr}`);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { ok: boolean; name: string; message: string });
    assert.equal(lines.length, 2);
    for (const l of lines) {
      assert.equal(l.ok, false);
      assert.equal(l.name, 'FileFormatError');
      assert.match(l.message, /zeroed_global_heap\.h5: the global heap at byte 2048 .* is damaged: an entry of size 0/);
    }
    assert.doesNotMatch(r.stderr, /HDF5-DIAG/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
