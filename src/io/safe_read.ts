// Reading files a model file points at, without leaving the model's folder, blocking on a FIFO or
// reading a device without end: paths named inside a file (TF.js weight shards) must stay in the
// model's own folder (no absolute paths, no '..', no symlink out of it), only regular files are
// opened (opened non-blocking, then checked again on the descriptor), and never more than the
// file declares is read.
import { type Stats, closeSync, constants, fstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { FileFormatError } from '../errors.js';
import { formatBytes } from '../limits.js';

/** Largest JSON model description read (model.json, config.json): real ones are kilobytes to megabytes. */
export const MAX_JSON_BYTES = 64 * 1024 * 1024;

/**
 * Resolves `rel`, a path named inside `owner` (a model file), against `dir`, the model's folder;
 * refuses anything that would leave the folder, naming the owner file and the path.
 */
export function pathInside(dir: string, rel: string, owner: string, what: string, listedIn = ''): string {
  const named = `${what} '${rel}'${listedIn ? ` listed in ${listedIn}` : ''}`;
  if (typeof rel !== 'string' || rel === '' || rel.includes('\0')) {
    throw new FileFormatError(`${owner}: ${what} ${JSON.stringify(rel)} is not a file name`);
  }
  if (path.isAbsolute(rel) || /^[a-zA-Z]:[\\/]/.test(rel) || rel.split(/[\\/]/).includes('..')) {
    throw new FileFormatError(
      `${owner}: ${named} points outside the model's folder; ` + 'only files beside the model are read',
    );
  }
  const full = path.join(dir, rel);
  let real: string;
  let realDir: string;
  try {
    real = realpathSync(full);
    realDir = realpathSync(dir);
  } catch {
    throw new FileFormatError(`${owner}: ${named} is missing (looked for ${full})`);
  }
  if (real !== realDir && !real.startsWith(realDir + path.sep)) {
    throw new FileFormatError(`${owner}: ${named} is a link to '${real}', outside the model's folder; refused`);
  }
  return full;
}

/**
 * Reads a regular file, at most `maxBytes` of it: a larger file is refused, or with `prefix` only
 * its first maxBytes are read (a weight shard holds what the manifest declares, and no more is
 * needed). Devices, FIFOs and sockets are refused.
 */
export function readRegularFile(file: string, name: string, maxBytes: number, opts: { prefix?: boolean } = {}): Buffer {
  let st: Stats;
  try {
    st = statSync(file);
  } catch {
    throw new FileFormatError(`${name}: no such file`);
  }
  if (!st.isFile()) {
    const what = st.isDirectory() ? 'a directory' : 'a device, FIFO or socket';
    throw new FileFormatError(`${name}: not a regular file (${what})`);
  }
  // O_NONBLOCK: should the path have become a FIFO since the check, opening it must not wait.
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const fst = fstatSync(fd);
    if (!fst.isFile()) throw new FileFormatError(`${name}: not a regular file`);
    if (!opts.prefix && fst.size > maxBytes) {
      throw new FileFormatError(
        `${name}: ${formatBytes(fst.size)}, more than the ${formatBytes(maxBytes)} such a file may have`,
      );
    }
    const want = Math.min(fst.size, maxBytes);
    const buf = Buffer.alloc(want);
    let off = 0;
    while (off < want) {
      const n = readSync(fd, buf, off, want - off, off);
      if (n <= 0) break;
      off += n;
    }
    return off < want ? buf.subarray(0, off) : buf;
  } finally {
    closeSync(fd);
  }
}
