// CONVKIT_ISA and CONVKIT_NUM_THREADS values the addon cannot honour are reported once, naming the
// variable, the value and what is used instead (the addon itself falls back silently).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { envWarnings, loadNativeBackend } from '../../src/backend/native/index.js';

const fake = { getIsa: () => 'avx2', getNumThreads: () => 2 };

test('bad values are named with what is used instead; good and unset ones say nothing', () => {
  assert.deepEqual(envWarnings({ CONVKIT_ISA: 'bogus', CONVKIT_NUM_THREADS: 'abc' }, fake), [
    "CONVKIT_ISA='bogus' is not one of avx512, avx2, generic; using avx2",
    "CONVKIT_NUM_THREADS='abc' is not an integer from 1 to 1024; using 2 threads",
  ]);
  assert.deepEqual(envWarnings({ CONVKIT_ISA: 'avx512' }, fake), [
    "CONVKIT_ISA='avx512' is more than this CPU supports; using avx2",
  ]);
  for (const bad of ['0', '-3', '2.5', '4abc', '100000']) {
    assert.equal(envWarnings({ CONVKIT_NUM_THREADS: bad }, fake).length, 1, bad);
  }
  assert.deepEqual(envWarnings({ CONVKIT_ISA: 'avx2', CONVKIT_NUM_THREADS: '3' }, fake), []);
  assert.deepEqual(envWarnings({ CONVKIT_ISA: 'generic' }, { ...fake, getIsa: () => 'generic' }), []);
  assert.deepEqual(envWarnings({}, fake), []);
});

test('a process started with bad values warns once per variable', { skip: loadNativeBackend() === null }, () => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const mod = pathToFileURL(path.join(here, '../../src/backend/index.ts')).href;
  const code =
    `const b = await import(${JSON.stringify(mod)}); b.getBackend(); b.nativeAvailable(); ` +
    'b.setBackend("native"); console.log(b.backendName());';
  const env = { ...process.env, CONVKIT_ISA: 'bogus', CONVKIT_NUM_THREADS: 'abc', CONVKIT_BACKEND: '' };
  const args = ['--conditions=development', '--import', 'tsx', '--input-type=module', '-e', code];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'native');
  const count = (re: RegExp) => r.stderr.match(re)?.length ?? 0;
  assert.equal(count(/CONVKIT_ISA='bogus' is not one of avx512, avx2, generic; using \w+/g), 1, r.stderr);
  assert.equal(count(/CONVKIT_NUM_THREADS='abc' is not an integer from 1 to 1024; using \d+ threads/g), 1, r.stderr);
});
