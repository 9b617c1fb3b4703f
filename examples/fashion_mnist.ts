// Fashion-MNIST for the examples, read from Debian's dataset-fashion-mnist: the raw arrays, the
// one upscaling (28x28 grayscale to side x side RGB) every example applies, and the small
// two-class image folders of the small-data chapter. The pretrained example reuses the same
// upscaling for the other eight classes, so its base sees the images the way the small set does.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import sharp from 'sharp';
import { data, datasets } from 'convkit';

export const FASHION = '/usr/share/datasets/fashion-mnist';

/** The two classes of the small-data examples (T-shirt/top vs shirt), by folder name. */
export const SMALL_CLASSES: Readonly<Record<string, number>> = { tshirt: 0, shirt: 6 };

/** A gzipped IDX file (checked magic number and size) as a uint8 array. */
function readIdx(file: string, magic: number): Uint8Array {
  return datasets.parseIdx(gunzipSync(readFileSync(file)), file, magic, []).data as Uint8Array;
}

/** Makes sure the Debian package is there (installing it when running as root), or says how to get it. */
export function ensureFashionMnist(): void {
  const probe = path.join(FASHION, 'train-images-idx3-ubyte.gz');
  if (!existsSync(probe) && process.getuid?.() === 0) {
    // The Debian package that holds Fashion-MNIST is installed by the script that needs it.
    console.log('installing Debian package dataset-fashion-mnist (apt-get) ...');
    spawnSync(
      'sh',
      [
        '-c',
        'apt-get install -y -qq dataset-fashion-mnist || ' +
          '(apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist)',
      ],
      { stdio: 'inherit' },
    );
  }
  if (!existsSync(probe)) {
    throw new Error(
      `Fashion-MNIST not found in ${FASHION}: install the Debian package dataset-fashion-mnist ` +
        '(apt-get install dataset-fashion-mnist), or pass --data DIR',
    );
  }
}

/** One split of Fashion-MNIST: `images` holds n 28x28 uint8 images back to back. */
export interface FashionSplit {
  images: Uint8Array;
  labels: Uint8Array;
}

export function loadFashionMnist(split: 'train' | 't10k'): FashionSplit {
  ensureFashionMnist();
  return {
    images: readIdx(path.join(FASHION, `${split}-images-idx3-ubyte.gz`), 0x803),
    labels: readIdx(path.join(FASHION, `${split}-labels-idx1-ubyte.gz`), 0x801),
  };
}

/** Image i of a split, bicubically upscaled to side x side and repeated into RGB, as uint8. */
export function upscaleToRgb(images: Uint8Array, i: number, side: number, out?: Uint8Array): Uint8Array {
  const gray = images.subarray(i * 784, (i + 1) * 784);
  const up = data.resizeImage(gray, 28, 28, 1, side, side, 'bicubic');
  const rgb = out ?? new Uint8Array(side * side * 3);
  for (let p = 0; p < side * side; p++) {
    rgb[3 * p] = rgb[3 * p + 1] = rgb[3 * p + 2] = Math.max(0, Math.min(255, Math.round(up[p])));
  }
  return rgb;
}

/** Images per class of the small-data folders: train, validation, test. */
const SMALL_SPLITS: readonly [string, number][] = [
  ['train', 1000],
  ['validation', 500],
  ['test', 500],
];

/**
 * Indices into the training file of the small-data folders' images, per class folder: the first
 * 2,000 images of each small-data class, in file order (train, then validation, then test).
 */
export function smallSetIndices(labels: Uint8Array): Map<string, number[]> {
  const total = SMALL_SPLITS.reduce((n, [, c]) => n + c, 0);
  const out = new Map<string, number[]>();
  for (const [name, label] of Object.entries(SMALL_CLASSES)) {
    const idx: number[] = [];
    for (let i = 0; i < labels.length && idx.length < total; i++) if (labels[i] === label) idx.push(i);
    out.set(name, idx);
  }
  return out;
}

/** Writes train/validation/test folders of the two small-data classes as RGB JPEGs (once). */
export async function buildFashionFolders(root: string, side: number): Promise<string> {
  const marker = path.join(root, '.complete');
  if (existsSync(marker)) return root;
  const { images, labels } = loadFashionMnist('train');
  const t0 = performance.now();
  const jobs: Promise<unknown>[] = [];
  for (const [name, idx] of smallSetIndices(labels)) {
    let k = 0;
    for (const [split, count] of SMALL_SPLITS) {
      const dir = path.join(root, split, name);
      mkdirSync(dir, { recursive: true });
      for (let j = 0; j < count; j++, k++) {
        const i = idx[k];
        const rgb = Buffer.from(upscaleToRgb(images, i, side).buffer);
        jobs.push(
          sharp(rgb, { raw: { width: side, height: side, channels: 3 } })
            .jpeg({ quality: 92 })
            .toFile(path.join(dir, `${name}.${i}.jpg`)),
        );
        if (jobs.length >= 64) await Promise.all(jobs.splice(0));
      }
    }
  }
  await Promise.all(jobs);
  writeFileSync(marker, '');
  console.log(`wrote 4000 JPEGs (${side}x${side}) to ${root} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return root;
}
