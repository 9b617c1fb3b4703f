// utils.getFile: Keras's get_file (keras/src/utils/file_utils.py). A file is looked up in the cache
// ($KERAS_HOME or ~/.keras, subfolder `cacheSubdir`), reused when its hash matches, and otherwise
// downloaded over http(s) with node's own modules into a temporary name beside the target, checked
// against the hash and only then renamed into place, so the cache never holds a partial file.
// Archives (tar, tar.gz, zip) are unpacked on request. A failed or impossible download raises one
// error that names the file, the URL and the exact path where a copy fetched by hand must go.
import { createHash } from 'node:crypto';
import {
  accessSync,
  constants,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync } from 'node:zlib';
import { unzipSync } from 'fflate';
import { FileFormatError, ValueError } from '../errors.js';
import { tempPathFor } from '../io/atomic.js';
import { Progbar, printMessage } from './progbar.js';
import { type OptionNames, checkBoolean, checkOptions, describeValue } from '../options.js';

export type HashAlgorithm = 'auto' | 'sha256' | 'md5';
/** Archive types to try when extracting: 'auto' tries tar (also gzip-compressed), then zip. */
export type ArchiveFormat = 'auto' | 'tar' | 'zip' | readonly ('tar' | 'zip')[] | null;

export interface GetFileOptions {
  /** Expected sha256 or md5 hex digest; a cached file that does not match is downloaded again. */
  fileHash?: string | null;
  /** Subfolder of the cache directory (default 'datasets'); an absolute path is used as is. */
  cacheSubdir?: string;
  /** The cache directory (default $KERAS_HOME, else ~/.keras). */
  cacheDir?: string | null;
  /** 'auto' (default) picks sha256 for a 64-digit hash and md5 otherwise, as Keras does. */
  hashAlgorithm?: HashAlgorithm;
  /** Unpack a tar/tar.gz/zip archive and return the folder it was unpacked into. */
  extract?: boolean;
  /** Which archive types to try when extracting (default 'auto': tar, then zip). */
  archiveFormat?: ArchiveFormat;
  /** Download even when a cached copy exists. */
  forceDownload?: boolean;
}

const GET_FILE_OPTIONS: OptionNames<GetFileOptions> = {
  fileHash: true,
  cacheSubdir: true,
  cacheDir: true,
  hashAlgorithm: true,
  extract: true,
  archiveFormat: true,
  forceDownload: true,
};

/** Redirects followed before giving up (urllib's limit, which Keras's downloads go through). */
const MAX_REDIRECTS = 10;
/** A connection that stays silent this long is abandoned. */
const IDLE_TIMEOUT_MS = 60_000;

/** Keras's cache directory: $KERAS_HOME, else ~/.keras. */
export function kerasHome(): string {
  const env = process.env.KERAS_HOME;
  return env ? expandUser(env) : path.join(os.homedir(), '.keras');
}

function expandUser(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

function writable(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The hash algorithm Keras would use for this digest. */
export function resolveHashAlgorithm(algorithm: HashAlgorithm, fileHash?: string | null): 'sha256' | 'md5' {
  if (algorithm === 'sha256') return 'sha256';
  if (algorithm === 'auto' && fileHash && fileHash.length === 64) return 'sha256';
  return 'md5';
}

/** The hex digest of a file. */
export async function hashFile(filePath: string, algorithm: 'sha256' | 'md5' = 'sha256'): Promise<string> {
  const h = createHash(algorithm);
  await pipeline(createReadStream(filePath), h);
  return h.digest('hex');
}

/** Whether a file's digest matches `fileHash` (Keras's validate_file). */
export async function validateFile(
  filePath: string,
  fileHash: string,
  algorithm: HashAlgorithm = 'auto',
): Promise<boolean> {
  return (await hashFile(filePath, resolveHashAlgorithm(algorithm, fileHash))) === fileHash.toLowerCase();
}

/** The advice every failure ends with: where the file comes from and where a hand-made copy goes. */
function manualAdvice(fname: string, origin: string, target: string, fileHash: string | null, alg: string): string {
  const check = fileHash ? ` (its ${alg} hash must be ${fileHash})` : '';
  return `To work offline, download '${fname}' from ${origin} and put it at ${target}${check}.`;
}

interface Fetched {
  res: http.IncomingMessage;
  url: string;
}

function requestOnce(url: URL): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : null;
    if (!mod) {
      reject(new Error(`unsupported URL scheme '${url.protocol}' (expected http: or https:)`));
      return;
    }
    const req = mod.get(url, { headers: { 'user-agent': 'convkit', 'accept-encoding': 'identity' } }, resolve);
    req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(new Error(`no answer for ${IDLE_TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
  });
}

/** GET with redirects followed; the response is a 200 whose body is still to be read. */
async function fetchFollowing(origin: string): Promise<Fetched> {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new Error(`'${origin}' is not a valid URL`);
  }
  for (let hop = 0; ; hop++) {
    const res = await requestOnce(url);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if ([301, 302, 303, 307, 308].includes(status) && location) {
      res.resume();
      if (hop >= MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects (last to ${location})`);
      url = new URL(location, url);
      continue;
    }
    if (status !== 200) {
      res.resume();
      throw new Error(`URL fetch failure on ${url.href}: ${status} -- ${res.statusMessage ?? ''}`.trimEnd());
    }
    return { res, url: url.href };
  }
}

/** Downloads `origin` into `tmp`, with a progress bar and the digest computed on the way. */
async function download(origin: string, tmp: string, alg: 'sha256' | 'md5'): Promise<string> {
  const { res } = await fetchFollowing(origin);
  const lengthHeader = res.headers['content-length'];
  const total = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : null;
  const bar = new Progbar({ target: total });
  const hash = createHash(alg);
  let received = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      hash.update(chunk);
      if (total === null || received < total) bar.update(received, []);
      done(null, chunk);
    },
  });
  res.setTimeout(IDLE_TIMEOUT_MS, () => res.destroy(new Error(`the download stalled for ${IDLE_TIMEOUT_MS / 1000} s`)));
  try {
    await pipeline(res, meter, createWriteStream(tmp));
  } catch (e) {
    const of = total ?? 'an unknown number of';
    throw new Error(`the connection broke after ${received} of ${of} bytes (${(e as Error).message})`, { cause: e });
  }
  if (!res.complete || (total !== null && received !== total)) {
    throw new Error(`the connection broke after ${received} of ${total ?? 'an unknown number of'} bytes`);
  }
  bar.update(received, [], true);
  return hash.digest('hex');
}

/**
 * Downloads a file from a URL unless the cache already holds it (Keras's get_file), and returns
 * its path: `<cacheDir>/<cacheSubdir>/<fname>` (with `extract`, the folder it was unpacked into).
 * Without `fname` the URL's last path segment is used. Prints "Downloading data from URL" and a
 * progress bar (through utils.setPrintFunction).
 */
export async function getFile(
  fname: string | null | undefined,
  origin: string,
  opts: GetFileOptions = {},
): Promise<string> {
  if (typeof origin !== 'string' || !origin) {
    throw new ValueError('getFile: please specify the `origin` argument (URL of the file to download).');
  }
  checkOptions(opts, GET_FILE_OPTIONS, 'getFile');
  for (const k of ['fileHash', 'cacheSubdir', 'cacheDir'] as const) {
    const v = opts[k];
    if (v !== undefined && v !== null && typeof v !== 'string')
      throw new ValueError(`getFile ${k}: expected a string, got ${describeValue(v)}`);
  }
  checkBoolean(opts.extract, 'getFile extract');
  checkBoolean(opts.forceDownload, 'getFile forceDownload');
  const fileHash = opts.fileHash ? opts.fileHash.toLowerCase() : null;
  const algorithm = opts.hashAlgorithm ?? 'auto';
  if (!['auto', 'sha256', 'md5'].includes(algorithm)) {
    throw new ValueError(`getFile: hashAlgorithm must be 'auto', 'sha256' or 'md5', got ${JSON.stringify(algorithm)}`);
  }
  const alg = resolveHashAlgorithm(algorithm, fileHash);
  let base = expandUser(opts.cacheDir ?? kerasHome());
  // Keras falls back to /tmp/.keras when the cache directory cannot be written.
  if (!writable(base)) base = path.join(existsSync('/tmp') ? '/tmp' : os.tmpdir(), '.keras');
  const datadir = path.resolve(base, opts.cacheSubdir ?? 'datasets');
  try {
    mkdirSync(datadir, { recursive: true });
  } catch (e) {
    throw new FileFormatError(`getFile: cannot create the cache folder '${datadir}': ${(e as Error).message}`);
  }

  let name = fname ?? '';
  if (!name) {
    let pathname = '';
    try {
      pathname = new URL(origin).pathname;
    } catch {
      /* reported below */
    }
    name = path.posix.basename(pathname);
    if (!name) {
      throw new ValueError(
        `getFile: can't parse the file name from the origin provided: '${origin}'. ` +
          'Please specify the `fname` argument.',
      );
    }
  } else if (name.includes('/') || name.includes(path.sep)) {
    throw new ValueError(
      "getFile: paths are no longer accepted as the `fname` argument. To specify the file's parent " +
        `directory, use the \`cacheDir\` argument. Received: fname=${name}`,
    );
  }

  // Keras's names: 'data.tar.gz' unpacks into 'data_extracted/'; 'data' downloads to 'data_archive'.
  let target = path.join(datadir, name);
  let extractionDir: string | null = null;
  if (opts.extract) {
    if (fname && name.includes('.')) {
      extractionDir = path.join(datadir, `${name.slice(0, name.indexOf('.'))}_extracted`);
    } else {
      extractionDir = path.join(datadir, name);
      target = path.join(datadir, `${name}_archive`);
    }
  }

  let needed = Boolean(opts.forceDownload) || !existsSync(target);
  if (!needed && fileHash && !(await validateFile(target, fileHash, alg))) {
    printMessage(
      `A local file was found, but it seems to be incomplete or outdated because the ${alg} file hash ` +
        `does not match the original value of ${fileHash} so we will re-download the data.\n`,
    );
    needed = true;
  }
  if (needed) {
    printMessage(`Downloading data from ${origin}\n`);
    const tmp = tempPathFor(target);
    try {
      const digest = await download(origin, tmp, alg);
      if (fileHash && digest !== fileHash) {
        throw new FileFormatError(
          `getFile: incomplete or corrupted file detected. The ${alg} file hash of '${name}' ` +
            `downloaded from ${origin} is ${digest}, which does not match the provided value of ${fileHash}. ` +
            manualAdvice(name, origin, target, fileHash, alg),
        );
      }
      renameSync(tmp, target);
    } catch (e) {
      rmSync(tmp, { force: true });
      if (e instanceof FileFormatError) throw e;
      throw new FileFormatError(
        `getFile: could not download '${name}' from ${origin}: ${(e as Error).message}. ` +
          manualAdvice(name, origin, target, fileHash, alg),
      );
    }
  }
  if (extractionDir === null) return target;
  if (needed || !existsSync(extractionDir)) await extractArchive(target, extractionDir, opts.archiveFormat ?? 'auto');
  return extractionDir;
}

// ---------------------------------------------------------------- archives

function isGzip(b: Uint8Array): boolean {
  return b.length > 2 && b[0] === 0x1f && b[1] === 0x8b;
}
function isZip(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && ((b[2] === 3 && b[3] === 4) || (b[2] === 5 && b[3] === 6));
}

function cString(b: Uint8Array, start: number, len: number): string {
  let end = start;
  while (end < start + len && b[end] !== 0) end++;
  return new TextDecoder('utf-8').decode(b.subarray(start, end));
}

function octal(b: Uint8Array, start: number, len: number): number {
  // GNU tar stores sizes past 8 GiB in base 256, flagged by the high bit of the first byte.
  if (b[start] & 0x80) {
    let v = b[start] & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + b[start + i];
    return v;
  }
  const s = cString(b, start, len).trim();
  return s ? parseInt(s, 8) : 0;
}

/** Whether a 512-byte block is a tar header (its checksum matches). */
function isTarHeader(b: Uint8Array, at: number): boolean {
  if (b.length < at + 512) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : b[at + i];
  return sum === octal(b, at + 148, 8);
}

interface Entry {
  name: string;
  kind: 'file' | 'dir' | 'link';
  data?: Uint8Array;
}

function tarEntries(b: Uint8Array): Entry[] {
  const out: Entry[] = [];
  let at = 0;
  let longName: string | null = null;
  let paxPath: string | null = null;
  while (at + 512 <= b.length) {
    if (b.subarray(at, at + 512).every((v) => v === 0)) break;
    if (!isTarHeader(b, at)) throw new Error(`damaged tar header at byte ${at}`);
    const size = octal(b, at + 124, 12);
    const type = String.fromCharCode(b[at + 156] || 0x30);
    const prefix = cString(b, at + 345, 155);
    let name = cString(b, at, 100);
    if (prefix && cString(b, at + 257, 6) === 'ustar') name = `${prefix}/${name}`;
    const data = b.subarray(at + 512, at + 512 + size);
    if (data.length < size) throw new Error(`truncated tar member '${name}'`);
    at += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = cString(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(new TextDecoder('utf-8').decode(data));
      paxPath = m ? m[1] : null;
      continue;
    }
    if (type === 'g') continue;
    name = paxPath ?? longName ?? name;
    paxPath = null;
    longName = null;
    if (type === '0' || type === '7') out.push({ name, kind: 'file', data });
    else if (type === '5') out.push({ name, kind: 'dir' });
    else out.push({ name, kind: 'link' });
  }
  return out;
}

function zipEntries(b: Uint8Array): Entry[] {
  return Object.entries(unzipSync(b)).map(([name, data]): Entry =>
    name.endsWith('/') ? { name, kind: 'dir' } : { name, kind: 'file', data },
  );
}

/** Unpacks a tar, tar.gz or zip archive into `dir` (replacing it); members outside `dir` are skipped. */
export async function extractArchive(file: string, dir: string, format: ArchiveFormat = 'auto'): Promise<void> {
  if (format === null) return;
  const kinds = format === 'auto' ? ['tar', 'zip'] : typeof format === 'string' ? [format] : [...format];
  let bytes: Uint8Array = await readFile(file);
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new FileFormatError(`${file}: damaged gzip data: ${(e as Error).message}`);
    }
  }
  let entries: Entry[];
  try {
    if (kinds.includes('tar') && isTarHeader(bytes, 0)) entries = tarEntries(bytes);
    else if (kinds.includes('zip') && isZip(bytes)) entries = zipEntries(bytes);
    else {
      const isBz2 = bytes[0] === 0x42 && bytes[1] === 0x5a && bytes[2] === 0x68;
      const bz = isBz2 ? ' (bzip2 compression is not supported)' : '';
      throw new FileFormatError(`getFile: could not extract '${file}': it is not a ${kinds.join(' or ')} archive${bz}`);
    }
  } catch (e) {
    if (e instanceof FileFormatError) throw e;
    throw new FileFormatError(`${file}: cannot extract the archive: ${(e as Error).message}`);
  }
  const tmp = tempPathFor(dir);
  try {
    mkdirSync(tmp, { recursive: true });
    const root = path.resolve(tmp);
    for (const e of entries) {
      const dest = path.resolve(root, e.name);
      if (e.kind === 'link' || (dest !== root && !dest.startsWith(root + path.sep))) {
        console.warn(`Skipping invalid path during archive extraction: '${e.name}'.`);
        continue;
      }
      if (e.kind === 'dir') {
        mkdirSync(dest, { recursive: true });
        continue;
      }
      mkdirSync(path.dirname(dest), { recursive: true });
      writeFileSync(dest, e.data!);
    }
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
