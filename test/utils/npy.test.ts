// .npy files: convkit's reader against files numpy wrote (fixtures/npy, made by make_npy.py), and
// its writer byte for byte against numpy's own output for the same arrays.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Tensor, FileFormatError, utils } from 'convkit';
import { decodeNpy, encodeNpy } from '../../src/utils/npy.js';

const FIX = path.join(import.meta.dirname, 'fixtures', 'npy');
const fix = (n: string): string => path.join(FIX, n);
const tmp = mkdtempSync(path.join(tmpdir(), 'convkit-npy-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** np.arange(24, dtype=float32).reshape(2, 3, 4) / 8 - 1, as make_npy.py writes it. */
const A = Float32Array.from({ length: 24 }, (_, i) => i / 8 - 1);

describe('loadNpy reads numpy files', () => {
  it('float32 in formats 1.0, 2.0 and 3.0', async () => {
    for (const f of ['f4.npy', 'v2.npy', 'v3.npy']) {
      const t = await utils.loadNpy(fix(f));
      assert.equal(t.dtype, 'float32', f);
      assert.deepEqual(t.shape, [2, 3, 4], f);
      assert.deepEqual(Array.from(t.data), Array.from(A), f);
    }
  });

  it('float64 as float32, int64 as int32, bool as uint8', async () => {
    const f8 = await utils.loadNpy(fix('f8.npy'));
    assert.equal(f8.dtype, 'float32');
    assert.deepEqual(
      Array.from(f8.data),
      Array.from(A, (v) => Math.fround(v + 1e-9)),
    );
    const i8 = await utils.loadNpy(fix('i8.npy'));
    assert.equal(i8.dtype, 'int32');
    assert.deepEqual(i8.shape, [3, 2]);
    assert.deepEqual(Array.from(i8.data), [-3, -2, -1, 0, 1, 2]);
    const b = await utils.loadNpy(fix('bool.npy'));
    assert.equal(b.dtype, 'uint8');
    assert.deepEqual(Array.from(b.data), [1, 0, 1]);
  });

  it('int32, uint8, a scalar and an empty array', async () => {
    const i4 = await utils.loadNpy(fix('i4.npy'));
    assert.equal(i4.dtype, 'int32');
    assert.deepEqual(i4.toArray(), [
      [-3, -2, -1],
      [0, 1, 2],
    ]);
    const u1 = await utils.loadNpy(fix('u1.npy'));
    assert.equal(u1.dtype, 'uint8');
    assert.deepEqual(u1.toArray(), [[0, 1, 128, 255]]);
    const s = await utils.loadNpy(fix('scalar.npy'));
    assert.deepEqual(s.shape, []);
    assert.equal(s.item(), 2.5);
    const e = await utils.loadNpy(fix('empty.npy'));
    assert.deepEqual(e.shape, [0, 3]);
    assert.equal(e.size, 0);
  });

  it('Fortran order is transposed into C order; big endian is byte-swapped', async () => {
    for (const f of ['fortran.npy', 'big_endian.npy']) {
      const t = await utils.loadNpy(fix(f));
      assert.deepEqual(t.shape, [2, 3, 4], f);
      assert.deepEqual(Array.from(t.data), Array.from(A), f);
    }
  });

  it('unsupported types and values name the file and say what is read', async () => {
    await assert.rejects(
      utils.loadNpy(fix('complex.npy')),
      (e: Error) =>
        e instanceof FileFormatError &&
        e.message.includes('complex.npy') &&
        e.message.includes("'<c8' is not supported") &&
        e.message.includes('float32 (<f4)'),
    );
    await assert.rejects(
      utils.loadNpy(fix('int64_overflow.npy')),
      (e: Error) => e instanceof FileFormatError && /1099511627776 .*does not fit int32/.test(e.message),
    );
  });

  it('damaged files: not npy, truncated header, truncated data, missing file', async () => {
    const notNpy = path.join(tmp, 'not.npy');
    writeFileSync(notNpy, 'hello world, not numpy');
    await assert.rejects(utils.loadNpy(notNpy), /not\.npy: not a \.npy file/);
    const good = readFileSync(fix('f4.npy'));
    const shortHeader = path.join(tmp, 'short_header.npy');
    writeFileSync(shortHeader, good.subarray(0, 40));
    await assert.rejects(utils.loadNpy(shortHeader), /short_header\.npy: truncated \.npy header/);
    const shortData = path.join(tmp, 'short_data.npy');
    writeFileSync(shortData, good.subarray(0, good.length - 4));
    await assert.rejects(
      utils.loadNpy(shortData),
      /short_data\.npy: truncated \.npy data: shape \(2, 3, 4\) of '<f4' needs 96 bytes, the file holds 92/,
    );
    await assert.rejects(utils.loadNpy(path.join(tmp, 'missing.npy')), /missing\.npy: cannot read the file/);
    assert.throws(
      () => decodeNpy(Uint8Array.from([0x93, 78, 85, 77, 80, 89, 4, 0, 0, 0, 0, 0]), 'x.npy'),
      /x\.npy: \.npy format version 4\.0 is not supported/,
    );
  });
});

describe('saveNpy writes what numpy writes', () => {
  it('is byte-identical to np.save for float32, int32 and uint8', () => {
    const cases: [string, Tensor][] = [
      ['f4.npy', new Tensor(A, [2, 3, 4])],
      ['i4.npy', new Tensor(Int32Array.from([-3, -2, -1, 0, 1, 2]), [2, 3])],
      ['u1.npy', new Tensor(Uint8Array.from([0, 1, 128, 255]), [1, 4])],
      ['scalar.npy', new Tensor(Float32Array.of(2.5), [])],
      ['empty.npy', new Tensor(new Float32Array(0), [0, 3])],
    ];
    for (const [f, t] of cases) assert.deepEqual(Buffer.from(encodeNpy(t)), readFileSync(fix(f)), f);
  });

  it('round-trips through a file, atomically, leaving no temporary file', async () => {
    const x = new Tensor(
      Float32Array.from({ length: 2 * 4 * 4 * 5 }, (_, i) => Math.sin(i)),
      [2, 4, 4, 5],
    );
    const p = path.join(tmp, 'features.npy');
    await utils.saveNpy(p, x);
    const y = await utils.loadNpy(p);
    assert.deepEqual(y.shape, x.shape);
    assert.deepEqual(Array.from(y.data), Array.from(x.data));
    assert.deepEqual(
      readdirSync(tmp).filter((n) => n.includes('.tmp')),
      [],
    );
  });

  it('a rank too large for a 1.0 header switches to format 2.0', () => {
    const shape = new Array<number>(25000).fill(1);
    const bytes = encodeNpy(new Tensor(Float32Array.of(7), shape));
    assert.equal(bytes[6], 2);
    const back = decodeNpy(bytes);
    assert.equal(back.shape.length, 25000);
    assert.equal(back.item(), 7);
    assert.equal((bytes.length - 4) % 64, 0);
  });

  it('refuses what is not a tensor, and a failed write leaves the old file in place', async () => {
    // JavaScript callers can pass anything: the casts stand for such calls, which the types forbid.
    const notTensor = [1, 2] as unknown as Tensor;
    await assert.rejects(utils.saveNpy(path.join(tmp, 'a.npy'), notTensor), /saveNpy: expected a Tensor/);
    const p = path.join(tmp, 'kept.npy');
    await utils.saveNpy(p, new Tensor(Float32Array.of(1), [1]));
    await assert.rejects(utils.saveNpy(p, { shape: [1] } as unknown as Tensor));
    assert.ok(existsSync(p));
    assert.equal((await utils.loadNpy(p)).item(), 1);
  });
});
