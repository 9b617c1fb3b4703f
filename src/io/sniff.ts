// What a file is, from its first bytes: the model-file entry points pick a reader by content (a
// .h5 name does not make a file HDF5), and errors about foreign files say what was found instead
// (an image renamed .h5, an empty file, a zip). Nothing here opens or parses a format.
import { closeSync, constants, openSync, readSync, statSync } from 'node:fs';

export type FileKind = 'empty' | 'hdf5' | 'zip' | 'png' | 'jpeg' | 'gif' | 'json' | 'unknown';

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

function readAt(fd: number, offset: number, length: number): Buffer {
  const b = Buffer.alloc(length);
  readSync(fd, b, 0, length, offset);
  return b;
}

/** The kind of a file (by signature) and its size in bytes. */
export function sniffFile(path: string): { kind: FileKind; size: number } {
  const size = statSync(path).size;
  if (size === 0) return { kind: 'empty', size };
  // Non-blocking: a FIFO given by mistake must not wait for a writer.
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const head = readAt(fd, 0, 16);
    const starts = (sig: number[]) => sig.every((b, i) => head[i] === b);
    if (starts(HDF5_SIGNATURE)) return { kind: 'hdf5', size };
    if (starts([0x50, 0x4b, 0x03, 0x04]) || starts([0x50, 0x4b, 0x05, 0x06])) return { kind: 'zip', size };
    if (starts([0x89, 0x50, 0x4e, 0x47])) return { kind: 'png', size };
    if (starts([0xff, 0xd8, 0xff])) return { kind: 'jpeg', size };
    if (starts([0x47, 0x49, 0x46, 0x38])) return { kind: 'gif', size };
    if (head[0] === 0x7b || head[0] === 0x5b) return { kind: 'json', size };
    // HDF5 allows a user block: the signature may then sit at 512, 1024, 2048, ... bytes.
    if (size >= 1024) {
      for (let off = 512; off + 8 <= size; off *= 2) {
        const b = readAt(fd, off, 8);
        if (HDF5_SIGNATURE.every((x, i) => b[i] === x)) return { kind: 'hdf5', size };
      }
    }
    return { kind: 'unknown', size };
  } finally {
    closeSync(fd);
  }
}

const KIND_NAMES: Record<FileKind, string> = {
  empty: 'an empty file',
  hdf5: 'an HDF5 file',
  zip: 'a zip archive (a .keras file?)',
  png: 'a PNG image',
  jpeg: 'a JPEG image',
  gif: 'a GIF image',
  json: 'a JSON text file',
  unknown: 'not an HDF5 file (no HDF5 signature)',
};

/** Names a kind for error messages ("a PNG image"). */
export function describeKind(kind: FileKind): string {
  return KIND_NAMES[kind];
}
