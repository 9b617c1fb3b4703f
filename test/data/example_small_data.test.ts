// The small-data example end to end on a tiny folder (train/validation/test, two classes).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { pixels, tempDir, writeImage } from './helpers.js';

test('examples/small_data_from_scratch.ts runs on a small folder and writes both figures', async () => {
  const root = tempDir('convkit-example-');
  for (const [split, n] of [
    ['train', 6],
    ['validation', 3],
    ['test', 3],
  ] as const) {
    for (let i = 0; i < n; i++) {
      await writeImage(
        path.join(root, split, 'cats', `${i}.jpg`),
        pixels(60, 50, 3, (y, x) => (x * 3 + y + i) & 255),
        60,
        50,
        3,
      );
      await writeImage(
        path.join(root, split, 'dogs', `${i}.png`),
        pixels(40, 70, 3, (y, x) => (x * y + i * 7) & 255),
        40,
        70,
        3,
      );
    }
  }
  const out = path.join(root, 'out');
  const r = spawnSync(
    process.execPath,
    [
      '--conditions=development',
      '--import',
      'tsx',
      'examples/small_data_from_scratch.ts',
      '--data',
      root,
      '--size',
      '48',
      '--epochs',
      '1',
      '--aug-epochs',
      '1',
      '--batch',
      '4',
      '--out',
      out,
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(r.status, 0, r.stderr + r.stdout.slice(-2000));
  assert.match(r.stdout, /Found 12 files belonging to 2 classes\./);
  assert.match(r.stdout, /without augmentation: test accuracy \d\.\d{4}/);
  assert.match(r.stdout, /with augmentation and dropout: test accuracy \d\.\d{4}/);
  assert.ok(existsSync(path.join(out, 'curves_no_augmentation.png')));
  assert.ok(existsSync(path.join(out, 'curves_augmentation.png')));
});
