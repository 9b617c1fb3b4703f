// Structure checks made on an HDF5 file's bytes before the library reads it, for damage on which
// the library (HDF5 2.0 inside h5wasm) never returns.
//
// The one found by fuzzing: a global heap collection ("GCOL", where variable-length strings such
// as Keras's model_config live) whose object list holds a zero-length entry. HDF5's
// H5HG__cache_heap_deserialize walks the list with `p = begin + need`, and for an entry with
// index 0 and size 0 `need` is 0, so it loops for ever inside WebAssembly, where no timer can
// interrupt it. A zeroed range, a common kind of damage, produces exactly that.
import { closeSync, openSync, readSync } from 'node:fs';
import { FileFormatError } from '../errors.js';

const SIGNATURE = Buffer.from('GCOL', 'latin1');
const HEADER = 16; // signature, version, 3 reserved bytes, collection size (8 bytes)
const OBJECT_HEADER = 16; // index (2), reference count (2), reserved (4), size (8)
const BLOCK = 4 * 1024 * 1024;
/** Collections are a few KiB to a few MiB; a larger declared size is not walked here. */
const MAX_COLLECTION = 256 * 1024 * 1024;

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/**
 * Walks one collection's object list as HDF5 does; returns a description of the entry that would
 * make HDF5 loop, or null.
 */
function loopingEntry(c: Buffer): string | null {
  const size = c.length;
  let p = HEADER;
  while (p < size) {
    if (p + OBJECT_HEADER > size) return null; // the rest is free space
    const idx = c.readUInt16LE(p);
    const objSize = Number(c.readBigUInt64LE(p + 8));
    const need = idx > 0 ? OBJECT_HEADER + align8(objSize) : objSize;
    if (need === 0) return `an entry of size 0 at offset ${p}`;
    if (!Number.isSafeInteger(need)) return null; // HDF5 steps past the end and stops
    p += need;
  }
  return null;
}

/** Throws a FileFormatError naming `name` when a global heap collection would make HDF5 loop. */
export function checkGlobalHeaps(path: string, name: string, fileSize: number): void {
  const fd = openSync(path, 'r');
  try {
    const block = Buffer.alloc(BLOCK + SIGNATURE.length);
    for (let base = 0; base < fileSize; base += BLOCK) {
      const n = readSync(fd, block, 0, Math.min(block.length, fileSize - base), base);
      const view = block.subarray(0, n);
      for (let i = view.indexOf(SIGNATURE); i >= 0 && i < BLOCK; i = view.indexOf(SIGNATURE, i + 1)) {
        const at = base + i;
        const head = Buffer.alloc(HEADER);
        if (readSync(fd, head, 0, HEADER, at) < HEADER) continue;
        // Version 1 and zero reserved bytes: a collection, not four bytes of weight data.
        if (head[4] !== 1 || head[5] !== 0 || head[6] !== 0 || head[7] !== 0) continue;
        const size = Number(head.readBigUInt64LE(8));
        if (!(size >= HEADER && size <= MAX_COLLECTION && at + size <= fileSize)) continue;
        const c = Buffer.alloc(size);
        readSync(fd, c, 0, size, at);
        const bad = loopingEntry(c);
        if (bad) {
          throw new FileFormatError(
            `${name}: the global heap at byte ${at} (where strings such as model_config live) ` +
              `is damaged: ${bad}; the file is damaged`,
          );
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}
