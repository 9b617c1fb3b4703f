// imageDatasetFromDirectory says what to do: images without class subfolders, a corrupt file
// (the onBadFile option named, one warning per file however often it is read), unknown options.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { imageDatasetFromDirectory } from '../../src/data/image_dataset.js';
import { pixels, tempDir, writeImage } from './helpers.js';

const quiet = { verbose: false } as const;

test('a folder of images without class subfolders says so and how to fix it', async () => {
  const dir = tempDir();
  for (let i = 0; i < 3; i++)
    await writeImage(
      path.join(dir, `img${i}.png`),
      pixels(2, 2, 3, () => i * 9),
      2,
      2,
      3,
    );
  await assert.rejects(
    imageDatasetFromDirectory(dir, quiet),
    /no class subfolders in .*found 3 image files directly in the folder \(use labels: null/,
  );
});

test('a corrupt file: the error names onBadFile, and skipping warns once per file across epochs', async () => {
  const dir = tempDir();
  for (const c of ['a', 'b']) {
    mkdirSync(path.join(dir, c));
    for (let i = 0; i < 3; i++)
      await writeImage(
        path.join(dir, c, `${i}.png`),
        pixels(2, 2, 3, () => i),
        2,
        2,
        3,
      );
  }
  writeFileSync(path.join(dir, 'b', 'broken.jpg'), 'this is not a jpeg');
  const strict = await imageDatasetFromDirectory(dir, { ...quiet, imageSize: [2, 2], batchSize: 2 });
  await assert.rejects(async () => {
    for await (const _ of strict) {
      // drain
    }
  }, /broken\.jpg.*pass onBadFile: 'skip'/);
  const warnings: string[] = [];
  const orig = console.warn;
  console.warn = (m: string) => warnings.push(m);
  try {
    const opts = { ...quiet, imageSize: [2, 2], batchSize: 2, onBadFile: 'skip' } as const;
    const ds = await imageDatasetFromDirectory(dir, opts);
    for (let epoch = 0; epoch < 3; epoch++) {
      let n = 0;
      for await (const [x] of ds) n += x.shape[0];
      assert.equal(n, 6);
    }
  } finally {
    console.warn = orig;
  }
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0], /broken\.jpg/);
});

test('unknown options and numbers given as strings are refused', async () => {
  const dir = tempDir();
  const untyped = (v: unknown): never => v as never;
  await assert.rejects(imageDatasetFromDirectory(dir, untyped({ image_size: [2, 2] })), /use imageSize/);
  await assert.rejects(imageDatasetFromDirectory(dir, untyped({ batchSize: '8' })), /got the string '8'/);
  await assert.rejects(imageDatasetFromDirectory(dir, untyped({ seed: '1' })), /seed: expected an integer/);
});
