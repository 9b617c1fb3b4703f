// File kinds from the first bytes: what the loaders dispatch on and what errors about foreign
// files report.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeKind, sniffFile } from '../../src/io/sniff.js';
import { CONVKIT_VERSION } from '../../src/version.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'convkit-sniff-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function file(name: string, bytes: number[] | Buffer): string {
  const f = path.join(tmp, name);
  writeFileSync(f, Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes));
  return f;
}

const HDF5 = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

test('signatures name the kind and the size', () => {
  assert.deepEqual(sniffFile(file('e.h5', [])), { kind: 'empty', size: 0 });
  assert.deepEqual(sniffFile(file('a.h5', [...HDF5, 0, 0])), { kind: 'hdf5', size: 10 });
  assert.equal(sniffFile(file('a.keras', [0x50, 0x4b, 0x03, 0x04, 1])).kind, 'zip');
  assert.equal(sniffFile(file('empty.zip', [0x50, 0x4b, 0x05, 0x06, 1])).kind, 'zip');
  assert.equal(sniffFile(file('p.h5', [0x89, 0x50, 0x4e, 0x47, 0x0d])).kind, 'png');
  assert.equal(sniffFile(file('j.h5', [0xff, 0xd8, 0xff, 0xe0])).kind, 'jpeg');
  assert.equal(sniffFile(file('g.h5', [0x47, 0x49, 0x46, 0x38, 0x39])).kind, 'gif');
  assert.equal(sniffFile(file('m.json', Buffer.from('{"format": "layers-model"}'))).kind, 'json');
  assert.equal(sniffFile(file('l.json', Buffer.from('[1, 2]'))).kind, 'json');
  assert.equal(sniffFile(file('t.h5', Buffer.from('hello world'))).kind, 'unknown');
});

test('an HDF5 signature after a user block (512, 1024, ... bytes) is found', () => {
  const b = Buffer.alloc(2048 + 16);
  Buffer.from(HDF5).copy(b, 1024);
  assert.equal(sniffFile(file('ub.h5', b)).kind, 'hdf5');
  const off = Buffer.alloc(2048 + 16);
  Buffer.from(HDF5).copy(off, 700);
  assert.equal(sniffFile(file('off.h5', off)).kind, 'unknown');
});

test('kinds read as words in error messages', () => {
  assert.equal(describeKind('png'), 'a PNG image');
  assert.equal(describeKind('empty'), 'an empty file');
  assert.match(describeKind('unknown'), /no HDF5 signature/);
});

test('the version written into files is the package version', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  assert.equal(CONVKIT_VERSION, pkg.version);
});
