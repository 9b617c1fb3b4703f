// Optional: the application models move between convkit and real Keras 3 both ways (a .keras
// written by convkit predicts the same in Keras; .keras, .h5 and .weights.h5 written by Keras
// predict the same in convkit). Runs only where CONVKIT_KERAS_PYTHON names a Python with Keras 3
// (e.g. /tmp/ref/bin/python); skipped otherwise. The always-run check of Keras-written files is
// keras_separable.test.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

const py = process.env.CONVKIT_KERAS_PYTHON;
const skip = py ? false : 'set CONVKIT_KERAS_PYTHON to a Python with Keras 3 to check the models in real Keras';
const here = path.join('test', 'applications', 'keras_interop');
const node = (script: string, dir: string) =>
  spawnSync(process.execPath, ['--conditions=development', '--import', 'tsx', path.join(here, script), dir], {
    encoding: 'utf8',
  });

test(
  'VGG16, ResNet50, MobileNetV2 and Xception move between convkit and Keras 3 and predict the same',
  { skip, timeout: 1_200_000 },
  () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'convkit-apps-keras-'));
    try {
      const gen = node('make_convkit_models.ts', dir);
      assert.equal(gen.status, 0, gen.stderr);
      const chk = spawnSync(py!, [path.join(here, 'check_in_keras.py'), dir], {
        encoding: 'utf8',
        env: { ...process.env, KERAS_BACKEND: process.env.KERAS_BACKEND ?? 'jax' },
      });
      assert.equal(chk.status, 0, `${chk.stdout}\n${chk.stderr.slice(-2000)}`);
      const back = node('check_keras_files.ts', dir);
      assert.equal(back.status, 0, `${back.stdout}\n${back.stderr.slice(-2000)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
