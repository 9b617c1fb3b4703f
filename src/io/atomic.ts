// Atomic file writes: everything is written to a temporary name in the target's directory and
// renamed over the target only once complete, so a crash, a kill or an error during a save leaves
// the previous file intact (rename is atomic within one filesystem).
// Temporary names are the target's own name plus a marker and the writer's process id
// (`.<name>.tmp-<pid>-...`), so a save finds and removes what an earlier, killed save of the same
// target left behind. Failures name the target (not the temporary) and say when the disk is full.
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { ConvkitError, FileFormatError } from '../errors.js';

let counter = 0;

/** The marker between a target's name and the rest of its temporary names. */
export const TEMP_MARKER = '.tmp-';

/** A temporary path next to `target` (same directory, so the final rename stays atomic). */
export function tempPathFor(target: string): string {
  const dir = path.dirname(path.resolve(target));
  const base = path.basename(target);
  return path.join(dir, `.${base}${TEMP_MARKER}${process.pid}-${Date.now().toString(36)}-${counter++}.tmp`);
}

/** Whether a process with this id is running (a process of another user counts as running). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The writer's process id in a temporary name made by tempPathFor for a target named `base`, else null. */
export function tempOwner(name: string, base: string): number | null {
  const prefix = `.${base}${TEMP_MARKER}`;
  if (!name.startsWith(prefix)) return null;
  const m = /^(\d+)-/.exec(name.slice(prefix.length));
  return m ? Number(m[1]) : null;
}

/**
 * Removes the temporaries that earlier saves of `target` left behind when they were killed: those
 * of processes that no longer run (a save in progress in another process keeps its own).
 */
export function removeStaleTemps(target: string): void {
  const dir = path.dirname(path.resolve(target));
  const base = path.basename(target);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = tempOwner(name, base);
    if (pid !== null && !processAlive(pid)) rmSync(path.join(dir, name), { force: true, recursive: true });
  }
}

/** Every error and cause in a chain, with the messages HDF5 keeps inside its text. */
function errorChain(e: unknown): { codes: string[]; text: string } {
  const codes: string[] = [];
  let text = '';
  for (let x: unknown = e, depth = 0; x instanceof Error && depth < 8; x = x.cause, depth++) {
    const code = (x as NodeJS.ErrnoException).code;
    if (typeof code === 'string') codes.push(code);
    text += `\n${x.message}`;
  }
  return { codes, text };
}

/**
 * The error a failed save reports: names the target (never the temporary), says when the disk is
 * full or the place is not writable, and keeps the system's code (`e.code`) and the original as
 * `cause`. Errors that are not about the file system pass unchanged.
 */
export function saveError(target: string, e: unknown, tmp?: string, action = 'cannot save the file'): unknown {
  const { codes, text } = errorChain(e);
  const has = (code: string, re: RegExp) => codes.includes(code) || re.test(text);
  let why: string | null = null;
  let code = codes[0];
  if (has('ENOSPC', /No space left on device/i)) {
    why = 'the disk is full (ENOSPC: no space left on the device)';
    code = 'ENOSPC';
  } else if (has('EDQUOT', /Disk quota exceeded/i)) {
    why = 'the disk quota is exceeded (EDQUOT)';
    code = 'EDQUOT';
  } else if (has('EROFS', /Read-only file system/i)) {
    why = 'the file system is read-only (EROFS)';
    code = 'EROFS';
  } else if (has('EACCES', /Permission denied/i) || codes.includes('EPERM')) {
    code = codes.includes('EPERM') ? 'EPERM' : 'EACCES';
    why = `permission denied (${code})`;
  } else if (e instanceof ConvkitError || !(e instanceof Error)) {
    return e;
  } else if (typeof code !== 'string') {
    return e;
  }
  const detail = why ?? (e as Error).message;
  const msg = `${target}: ${action}: ${tmp ? detail.split(tmp).join(target) : detail}`;
  const err = new FileFormatError(msg);
  Object.assign(err, { code, cause: e });
  return err;
}

/** Creates the target's folder (and its parents, as Keras does for .keras files), naming the target on failure. */
export function ensureParentDir(target: string): string {
  const dir = path.dirname(path.resolve(target));
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    // A recursive mkdir reports ENOENT for what is really EROFS or EACCES higher up: one level at
    // a time gives the real cause.
    let cause: unknown = e;
    const missing: string[] = [];
    for (let d = dir; !existsSync(d) && path.dirname(d) !== d; d = path.dirname(d)) missing.unshift(d);
    try {
      for (const d of missing) mkdirSync(d);
    } catch (inner) {
      cause = inner;
    }
    const err = saveError(target, cause, undefined, `cannot create the folder '${dir}'`);
    if (err !== cause) throw err;
    throw new FileFormatError(`${target}: cannot create the folder '${dir}': ${(e as Error).message}`);
  }
  return dir;
}

/**
 * Runs `write(tmp)` and renames tmp over `target`; on any error removes tmp and throws (see
 * saveError). Missing parent folders are created. Stale temporaries of the target are removed first.
 */
export async function atomicWrite(target: string, write: (tmp: string) => void | Promise<void>): Promise<void> {
  ensureParentDir(target);
  removeStaleTemps(target);
  const tmp = tempPathFor(target);
  try {
    await write(tmp);
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true, recursive: true });
    throw saveError(target, e, tmp);
  }
}

/**
 * Writes bytes (or text) atomically and synchronously, into an existing directory; with `fsync` the
 * data reach the disk before the rename (logs that must survive a crash).
 */
export function atomicWriteFileSync(target: string, data: Uint8Array | string, opts: { fsync?: boolean } = {}): void {
  removeStaleTemps(target);
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
    throw saveError(target, e, tmp);
  }
}
