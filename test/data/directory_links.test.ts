// Image folders with followLinks: each real folder is listed once, and a link back up the tree
// (`cats/up -> ..`) never lists another class's images under this class.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { IMAGE_EXTENSIONS, indexDirectory } from '../../src/data/directory.js';
import { tempDir } from './helpers.js';

function tree(): string {
  const root = tempDir();
  for (const f of ['cats/a.png', 'cats/inner/b.png', 'dogs/c.png']) {
    mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    writeFileSync(path.join(root, f), 'x');
  }
  return root;
}

test('a link back up the tree lists no other class under this class', () => {
  const root = tree();
  symlinkSync('..', path.join(root, 'cats', 'up'));
  symlinkSync('../..', path.join(root, 'cats', 'inner', 'top'));
  symlinkSync('.', path.join(root, 'dogs', 'self'));
  const idx = indexDirectory(root, 'inferred', IMAGE_EXTENSIONS, { followLinks: true, where: 'test' });
  const rel = idx.filePaths.map((p) => path.relative(root, p));
  assert.deepEqual(rel, ['cats/a.png', 'cats/inner/b.png', 'dogs/c.png']);
  assert.deepEqual(idx.labels, [0, 0, 1]);
  assert.deepEqual(idx.classNames, ['cats', 'dogs']);
});

test('links to folders elsewhere are still followed, each real folder once', () => {
  const root = tree();
  const extra = tempDir();
  writeFileSync(path.join(extra, 'd.png'), 'x');
  symlinkSync(extra, path.join(root, 'cats', 'more'));
  symlinkSync(extra, path.join(root, 'cats', 'again'));
  const idx = indexDirectory(root, 'inferred', IMAGE_EXTENSIONS, { followLinks: true, where: 'test' });
  const rel = idx.filePaths.map((p) => path.relative(root, p));
  assert.deepEqual(rel, ['cats/a.png', 'cats/again/d.png', 'cats/inner/b.png', 'dogs/c.png']);
});
