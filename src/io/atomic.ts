// Atomic file writes: everything is written to a temporary name in the target's directory and
// renamed over the target only once complete, so a crash, a kill or an error during a save leaves
// the previous file intact (rename is atomic within one filesystem).
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FileFormatError } from '../errors.js';

let counter = 0;

/** A temporary path next to `target` (same directory, so the final rename stays atomic). */
export function tempPathFor(target: string): string {
  const dir = path.dirname(path.resolve(target));
  const base = path.basename(target);
  return path.join(dir, `.${base}.tmp-${process.pid}-${Date.now().toString(36)}-${counter++}.tmp`);
}

/** Runs `write(tmp)` and renames tmp over `target`; on any error removes tmp and rethrows. */
export async function atomicWrite(target: string, write: (tmp: string) => void | Promise<void>): Promise<void> {
  const dir = path.dirname(path.resolve(target));
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new FileFormatError(`${target}: cannot create the directory '${dir}': ${(e as Error).message}`);
  }
  const tmp = tempPathFor(target);
  try {
    await write(tmp);
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true, recursive: true });
    throw e;
  }
}

/**
 * Writes bytes (or text) atomically and synchronously, into an existing directory; with `fsync` the
 * data reach the disk before the rename (logs that must survive a crash).
 */
export function atomicWriteFileSync(target: string, data: Uint8Array | string, opts: { fsync?: boolean } = {}): void {
  const tmp = tempPathFor(target);
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeFileSync(fd, data);
      if (opts.fsync) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

