// datasets.fashionMnist.loadData(): Zalando's Fashion-MNIST from the gzip IDX files that Debian's
// `dataset-fashion-mnist` package installs (no download), read as they are: gunzip, then the same
// IDX checks as MNIST's files.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FileFormatError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { type MnistData, parseIdx } from './mnist.js';

/** Where Debian's dataset-fashion-mnist puts the four files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

async function readIdxGz(dir: string, name: string, magic: number, dims: (number | null)[]): Promise<Tensor> {
  const file = path.join(dir, name);
  let gz: Buffer;
  try {
    gz = await readFile(file);
  } catch (e) {
    // A missing folder (not a missing file in a folder that exists) is the package not installed.
    const hint = !existsSync(dir)
      ? `; the folder does not exist: install Debian's package (\`sudo apt-get install dataset-fashion-mnist\`, ` +
        `which fills ${FASHION_MNIST_DIR}) or pass the folder holding the four gzip IDX files to loadData(dir)`
      : '';
    throw new FileFormatError(`${file}: cannot read the Fashion-MNIST file (${(e as Error).message})${hint}`);
  }
  let buf: Buffer;
  try {
    buf = gunzipSync(gz);
  } catch (e) {
    throw new FileFormatError(`${file}: not a valid gzip file (${(e as Error).message})`);
  }
  return parseIdx(buf, file, magic, dims);
}

/**
 * Keras's fashion_mnist.load_data(): [[xTrain uint8 [60000,28,28], yTrain uint8 [60000]],
 * [xTest [10000,28,28], yTest [10000]]], labels 0..9 (T-shirt/top, Trouser, Pullover, Dress, Coat,
 * Sandal, Shirt, Sneaker, Bag, Ankle boot). `dir` overrides the folder (default FASHION_MNIST_DIR).
 */
export async function loadData(dir: string = FASHION_MNIST_DIR): Promise<MnistData> {
  const [xTrain, yTrain, xTest, yTest] = await Promise.all([
    readIdxGz(dir, 'train-images-idx3-ubyte.gz', 0x00000803, [null, 28, 28]),
    readIdxGz(dir, 'train-labels-idx1-ubyte.gz', 0x00000801, [null]),
    readIdxGz(dir, 't10k-images-idx3-ubyte.gz', 0x00000803, [null, 28, 28]),
    readIdxGz(dir, 't10k-labels-idx1-ubyte.gz', 0x00000801, [null]),
  ]);
  for (const [x, y, what] of [
    [xTrain, yTrain, 'train'],
    [xTest, yTest, 't10k'],
  ] as const) {
    if (x.shape[0] !== y.shape[0]) {
      throw new FileFormatError(
        `${path.join(dir, `${what}-labels-idx1-ubyte.gz`)}: ${y.shape[0]} labels for ${x.shape[0]} images`,
      );
    }
  }
  return [
    [xTrain, yTrain],
    [xTest, yTest],
  ];
}

export const fashionMnist = { loadData };
