// Optional: real Keras 3 loads the files convkit writes. Runs only where a Python with Keras is
// named by CONVKIT_KERAS_PYTHON (e.g. a venv with `pip install keras jax`); skipped otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const py = process.env.CONVKIT_KERAS_PYTHON;
const skip = py ? false : 'set CONVKIT_KERAS_PYTHON to a Python with Keras 3 to check convkit files in real Keras';

test('Keras 3 loads convkit files, predicts the same and trains further', { skip, timeout: 300_000 }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'convkit-keras-'));
  const gen = spawnSync(
    process.execPath,
    [
      '--conditions=development',
      '--import',
      'tsx',
      path.join('test', 'io', 'keras_interop', 'make_convkit_files.ts'),
      dir,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(gen.status, 0, gen.stderr);
  const chk = spawnSync(py!, [path.join('test', 'io', 'keras_interop', 'check_in_keras.py'), dir], {
    encoding: 'utf8',
    env: { ...process.env, KERAS_BACKEND: process.env.KERAS_BACKEND ?? 'jax' },
  });
  assert.equal(chk.status, 0, `${chk.stdout}\n${chk.stderr.slice(-2000)}`);
});
