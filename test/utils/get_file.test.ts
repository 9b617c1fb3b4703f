// utils.getFile against a local HTTP server on 127.0.0.1 that this test starts (no other network):
// downloads, hashes, cache reuse, redirects, HTTP errors, connections cut mid-file, archives.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, beforeEach, describe, it } from 'node:test';
import { zipSync } from 'fflate';
import { FileFormatError, ValueError, utils } from 'convkit';

const payload = randomBytes(300_000);
const sha256 = createHash('sha256').update(payload).digest('hex');
const md5 = createHash('md5').update(payload).digest('hex');

/** A ustar archive holding these files (and one member that tries to escape the folder). */
function tar(files: Record<string, string>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    const h = Buffer.alloc(512);
    h.write(name, 0);
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
    h.write('00000000000\0', 136);
    h.write('        ', 148);
    h.write('0', 156);
    h.write('ustar\0', 257);
    h.write('00', 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

const tarGz = gzipSync(tar({ 'data/a.txt': 'alpha', 'data/sub/b.txt': 'beta', '../escape.txt': 'nope' }));
const zip = Buffer.from(zipSync({ 'z/one.txt': new TextEncoder().encode('one') }));

const hits = new Map<string, number>();
let base = '';
const server = http.createServer((req, res) => {
  const url = req.url ?? '/';
  hits.set(url, (hits.get(url) ?? 0) + 1);
  const send = (body: Buffer): void => {
    res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' });
    res.end(body);
  };
  switch (url) {
    case '/good.bin':
      return send(payload);
    case '/redirect':
      res.writeHead(302, { location: '/hop' });
      return void res.end();
    case '/hop':
      res.writeHead(301, { location: `${base}/good.bin` });
      return void res.end();
    case '/loop':
      res.writeHead(307, { location: '/loop' });
      return void res.end();
    case '/cut':
      res.writeHead(200, { 'content-length': payload.length });
      res.write(payload.subarray(0, 1000), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    case '/data.tar.gz':
      return send(tarGz);
    case '/z.zip':
      return send(zip);
    case '/plain.txt':
      return send(Buffer.from('not an archive'));
    default:
      res.writeHead(404, 'Not Found');
      return void res.end('no such file');
  }
});

let cache = '';
let printed: string[] = [];
before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.close();
  utils.setPrintFunction(null);
});
beforeEach(() => {
  cache = mkdtempSync(path.join(tmpdir(), 'convkit-getfile-'));
  printed = [];
  utils.setPrintFunction((s) => printed.push(s));
  hits.clear();
});

/** Files in a folder other than the ones named (temporary or partial downloads). */
const leftovers = (dir: string, keep: string[] = []): string[] =>
  existsSync(dir) ? readdirSync(dir).filter((n) => !keep.includes(n)) : [];

describe('getFile downloads', () => {
  it("a good file into <cacheDir>/<cacheSubdir>, verifying a sha256 hash, with Keras's output", async () => {
    const p = await utils.getFile('good.bin', `${base}/good.bin`, { cacheDir: cache, fileHash: sha256 });
    assert.equal(p, path.join(cache, 'datasets', 'good.bin'));
    assert.deepEqual(readFileSync(p), payload);
    assert.deepEqual(leftovers(path.dirname(p), ['good.bin']), []);
    assert.equal(printed[0], `Downloading data from ${base}/good.bin\n`);
    assert.match(printed.at(-1)!, /^300000\/300000 ━{20} \d+s/);
    rmSync(cache, { recursive: true, force: true });
  });

  it('reuses a cached file whose hash matches, without a request', async () => {
    const opts = { cacheDir: cache, cacheSubdir: 'models', fileHash: md5 };
    await utils.getFile('good.bin', `${base}/good.bin`, opts);
    assert.equal(hits.get('/good.bin'), 1);
    printed = [];
    const p = await utils.getFile('good.bin', `${base}/good.bin`, opts);
    assert.equal(p, path.join(cache, 'models', 'good.bin'));
    assert.equal(hits.get('/good.bin'), 1);
    assert.deepEqual(printed, []);
    // No hash given: any cached file is used as it is.
    await utils.getFile('good.bin', `${base}/good.bin`, { cacheDir: cache, cacheSubdir: 'models' });
    assert.equal(hits.get('/good.bin'), 1);
    rmSync(cache, { recursive: true, force: true });
  });

  it('downloads again when the cached file does not match the hash', async () => {
    mkdirSync(path.join(cache, 'datasets'), { recursive: true });
    writeFileSync(path.join(cache, 'datasets', 'good.bin'), 'stale');
    const p = await utils.getFile('good.bin', `${base}/good.bin`, { cacheDir: cache, fileHash: sha256 });
    assert.deepEqual(readFileSync(p), payload);
    assert.match(
      printed[0],
      /^A local file was found, but it seems to be incomplete or outdated because the sha256 file hash does not match/,
    );
    assert.equal(hits.get('/good.bin'), 1);
    rmSync(cache, { recursive: true, force: true });
  });

  it('follows redirects (relative and absolute), up to a limit', async () => {
    const p = await utils.getFile('r.bin', `${base}/redirect`, { cacheDir: cache });
    assert.deepEqual(readFileSync(p), payload);
    assert.deepEqual([hits.get('/redirect'), hits.get('/hop'), hits.get('/good.bin')], [1, 1, 1]);
    await assert.rejects(
      utils.getFile('loop.bin', `${base}/loop`, { cacheDir: cache }),
      (e: Error) => e instanceof FileFormatError && /more than 10 redirects/.test(e.message),
    );
    assert.equal(hits.get('/loop'), 11);
    rmSync(cache, { recursive: true, force: true });
  });

  it('takes the cache from $KERAS_HOME and the name from the URL', async () => {
    const old = process.env.KERAS_HOME;
    process.env.KERAS_HOME = cache;
    try {
      const p = await utils.getFile(null, `${base}/good.bin`);
      assert.equal(p, path.join(cache, 'datasets', 'good.bin'));
    } finally {
      if (old === undefined) delete process.env.KERAS_HOME;
      else process.env.KERAS_HOME = old;
    }
    rmSync(cache, { recursive: true, force: true });
  });
});

describe('getFile failures leave nothing behind and say where the file goes', () => {
  const expectAdvice = (e: Error, name: string, url: string, target: string): boolean =>
    e instanceof FileFormatError &&
    e.message.includes(`'${name}'`) &&
    e.message.includes(url) &&
    e.message.includes(`put it at ${target}`);

  it('a wrong hash', async () => {
    const target = path.join(cache, 'datasets', 'good.bin');
    const wrong = '0'.repeat(64);
    await assert.rejects(
      utils.getFile('good.bin', `${base}/good.bin`, { cacheDir: cache, fileHash: wrong }),
      (e: Error) =>
        expectAdvice(e, 'good.bin', `${base}/good.bin`, target) &&
        e.message.includes('Incomplete or corrupted file detected'.toLowerCase()) &&
        e.message.includes(sha256) &&
        e.message.includes(`its sha256 hash must be ${wrong}`),
    );
    assert.deepEqual(leftovers(path.dirname(target)), []);
    rmSync(cache, { recursive: true, force: true });
  });

  it('a 404', async () => {
    const target = path.join(cache, 'models', 'nothing.h5');
    await assert.rejects(
      utils.getFile('nothing.h5', `${base}/nothing.h5`, { cacheDir: cache, cacheSubdir: 'models' }),
      (e: Error) =>
        expectAdvice(e, 'nothing.h5', `${base}/nothing.h5`, target) &&
        e.message.includes(`URL fetch failure on ${base}/nothing.h5: 404 -- Not Found`),
    );
    assert.deepEqual(leftovers(path.dirname(target)), []);
    rmSync(cache, { recursive: true, force: true });
  });

  it('a connection cut mid-file', async () => {
    const target = path.join(cache, 'datasets', 'cut.bin');
    await assert.rejects(
      utils.getFile('cut.bin', `${base}/cut`, { cacheDir: cache }),
      (e: Error) =>
        expectAdvice(e, 'cut.bin', `${base}/cut`, target) &&
        /the connection broke after \d+ of 300000 bytes/.test(e.message),
    );
    assert.deepEqual(leftovers(path.dirname(target)), []);
    rmSync(cache, { recursive: true, force: true });
  });

  it('no server at all (offline)', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/w.h5`;
    await new Promise<void>((r) => closed.close(() => r()));
    const target = path.join(cache, 'models', 'w.h5');
    await assert.rejects(
      utils.getFile('w.h5', url, { cacheDir: cache, cacheSubdir: 'models', fileHash: md5 }),
      (e: Error) =>
        expectAdvice(e, 'w.h5', url, target) &&
        /ECONNREFUSED/.test(e.message) &&
        e.message.includes(`its md5 hash must be ${md5}`),
    );
    assert.deepEqual(leftovers(path.dirname(target)), []);
    rmSync(cache, { recursive: true, force: true });
  });

  it('bad arguments', async () => {
    await assert.rejects(utils.getFile('a.bin', ''), (e: Error) => e instanceof ValueError && /origin/.test(e.message));
    await assert.rejects(
      utils.getFile('dir/a.bin', `${base}/good.bin`, { cacheDir: cache }),
      /paths are no longer accepted as the `fname` argument.*Received: fname=dir\/a\.bin/,
    );
    await assert.rejects(utils.getFile(null, `${base}/`, { cacheDir: cache }), /can't parse the file name/);
    await assert.rejects(utils.getFile('x', 'ftp://127.0.0.1/x', { cacheDir: cache }), /unsupported URL scheme 'ftp:'/);
    rmSync(cache, { recursive: true, force: true });
  });
});

describe('getFile extracts archives', () => {
  it('tar.gz into <name>_extracted, skipping members outside the folder', async () => {
    const p = await utils.getFile('data.tar.gz', `${base}/data.tar.gz`, { cacheDir: cache, extract: true });
    assert.equal(p, path.join(cache, 'datasets', 'data_extracted'));
    assert.equal(readFileSync(path.join(p, 'data', 'a.txt'), 'utf8'), 'alpha');
    assert.equal(readFileSync(path.join(p, 'data', 'sub', 'b.txt'), 'utf8'), 'beta');
    assert.ok(!existsSync(path.join(cache, 'datasets', 'escape.txt')));
    assert.ok(existsSync(path.join(cache, 'datasets', 'data.tar.gz')));
    // Cached and already unpacked: no request.
    await utils.getFile('data.tar.gz', `${base}/data.tar.gz`, { cacheDir: cache, extract: true });
    assert.equal(hits.get('/data.tar.gz'), 1);
    rmSync(cache, { recursive: true, force: true });
  });

  it('zip; a name without an extension downloads to <name>_archive and unpacks into <name>', async () => {
    const p = await utils.getFile('zdata', `${base}/z.zip`, { cacheDir: cache, extract: true });
    assert.equal(p, path.join(cache, 'datasets', 'zdata'));
    assert.equal(readFileSync(path.join(p, 'z', 'one.txt'), 'utf8'), 'one');
    assert.ok(existsSync(path.join(cache, 'datasets', 'zdata_archive')));
    await assert.rejects(
      utils.getFile('plain.txt', `${base}/plain.txt`, { cacheDir: cache, extract: true }),
      /could not extract .*plain\.txt': it is not a tar or zip archive/,
    );
    const tarOnly = { cacheDir: cache, extract: true, archiveFormat: 'tar' } as const;
    await assert.rejects(utils.getFile('z2.zip', `${base}/z.zip`, tarOnly), /it is not a tar archive/);
    rmSync(cache, { recursive: true, force: true });
  });
});
