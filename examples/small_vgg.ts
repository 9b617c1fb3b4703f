// A small VGG-style convnet built the way keras.applications builds its models (named blocks of 3x3
// 'same' convolutions, each closed by a 2x2 max pooling; an optional top; `weights: null` or the
// path of a Keras weight file), and its pretraining on Fashion-MNIST images the small-data examples
// do not use. ImageNet weights cannot be downloaded here, so this is the "convnet trained on a large
// dataset" of the chapter: small enough to pretrain in minutes on a laptop's cores, and loaded
// through the same file path as Keras's own weight files. Each convolution is followed by batch
// normalization, as in ResNet50, MobileNetV2 and Xception, so the example also shows what freezing
// does to it (inference mode, Keras 3).
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Tensor, callbacks, data, layers, models, utils, vis } from 'convkit';
import { SMALL_CLASSES, type FashionSplit, loadFashionMnist, smallSetIndices, upscaleToRgb } from './fashion_mnist.js';

/** Filters and convolutions per block: the last block has two, so fine-tuning can unfreeze it alone. */
const BLOCKS: readonly [filters: number, convs: number][] = [
  [16, 1],
  [32, 1],
  [64, 1],
  [128, 2],
];

export interface SmallVGGArgs {
  /** Include the classifier top (flatten, fc1, predictions); default false. */
  includeTop?: boolean;
  /** null (random initialisation, the default) or the path of a .weights.h5, .keras or .h5 file. */
  weights?: string | null;
  /** One image's shape; default [32, 32, 3]. */
  inputShape?: [number, number, number];
  /** Classes of the top. */
  classes?: number;
  name?: string;
}

/** The base's input scaling, applied where the book calls keras.applications.vgg16.preprocess_input. */
export function preprocessInput(x: Tensor): Tensor {
  return x.astype('float32').div(255);
}

/** SmallVGG({ weights: 'pretrained_output/small_vgg_fashion10_notop.weights.h5' }) is the pretrained base. */
export async function SmallVGG(args: SmallVGGArgs = {}): Promise<models.Model> {
  const weights = args.weights ?? null;
  if (weights !== null && !existsSync(weights)) {
    throw new Error(`SmallVGG: weights must be null or the path of a weight file; no file at '${weights}'`);
  }
  const includeTop = args.includeTop ?? false;
  const inputs = layers.Input({ shape: args.inputShape ?? [32, 32, 3] });
  let x = inputs;
  BLOCKS.forEach(([filters, convs], b) => {
    for (let i = 1; i <= convs; i++) {
      x = new layers.Conv2D(filters, [3, 3], {
        padding: 'same',
        useBias: false,
        name: `block${b + 1}_conv${i}`,
      }).apply(x);
      x = new layers.BatchNormalization({ name: `block${b + 1}_bn${i}` }).apply(x);
      x = new layers.ReLU({ name: `block${b + 1}_relu${i}` }).apply(x);
    }
    x = new layers.MaxPooling2D([2, 2], { name: `block${b + 1}_pool` }).apply(x);
  });
  if (includeTop) {
    x = new layers.Flatten({ name: 'flatten' }).apply(x);
    x = new layers.Dense(256, { activation: 'relu', name: 'fc1' }).apply(x);
    x = new layers.Dropout(0.5, { name: 'dropout' }).apply(x);
    x = new layers.Dense(args.classes ?? 8, { activation: 'softmax', name: 'predictions' }).apply(x);
  }
  const model = new models.Model({ inputs, outputs: x, name: args.name ?? 'small_vgg' });
  if (weights !== null) {
    try {
      await model.loadWeights(weights);
    } catch (e) {
      throw new Error(
        `SmallVGG(includeTop=${includeTop}): the weights file '${weights}' does not fit the model; ` +
          `is it for the model ${includeTop ? 'without' : 'with'} its top? ${(e as Error).message}`,
        { cause: e },
      );
    }
  }
  return model;
}

/**
 * What the base is pretrained on. 'other-images' (the default): Fashion-MNIST's 56,000 training
 * images that are not in the small-data folders, all ten classes; like ImageNet for the book's
 * cats and dogs, the large dataset holds the small task's kinds of images, never the same ones.
 * 'other-classes': the 48,000 training images of the eight classes the small task does not use.
 */
export type PretrainSplit = 'other-images' | 'other-classes';
export const PRETRAIN_SPLITS: readonly PretrainSplit[] = ['other-images', 'other-classes'];

export interface PretrainOptions {
  /** Folder for the weight files and the curves. */
  outDir: string;
  split?: PretrainSplit;
  side?: number;
  epochs?: number;
  batchSize?: number;
  /** Use only the first n training images (for quick checks). */
  limit?: number;
  seed?: number;
  /** Random horizontal flips and shifts of up to 2 original pixels each way (default true). */
  augment?: boolean;
}

const FILE_STEM: Record<PretrainSplit, string> = {
  'other-images': 'small_vgg_fashion10',
  'other-classes': 'small_vgg_fashion8',
};

/** The path of the base's weights (no top) that pretrainBase writes into outDir for a split. */
export function baseWeightsPath(outDir: string, split: PretrainSplit = 'other-images'): string {
  return path.join(outDir, `${FILE_STEM[split]}_notop.weights.h5`);
}

/**
 * The images of a split used for pretraining and their labels 0..k-1: with 'other-classes' the
 * eight classes the small task lacks; with 'other-images' all ten, minus the indices in `exclude`.
 */
function pretrainingSet(
  split: FashionSplit,
  which: PretrainSplit,
  limit: number,
  exclude: ReadonlySet<number>,
): { idx: Int32Array; y: Int32Array; names: number[] } {
  const small = new Set(Object.values(SMALL_CLASSES));
  const names = [...Array(10).keys()].filter((c) => which === 'other-images' || !small.has(c));
  const remap = new Map(names.map((c, i) => [c, i]));
  const idx: number[] = [];
  for (let i = 0; i < split.labels.length && idx.length < limit; i++) {
    if (remap.has(split.labels[i]) && !exclude.has(i)) idx.push(i);
  }
  return { idx: Int32Array.from(idx), y: Int32Array.from(idx, (i) => remap.get(split.labels[i])!), names };
}

/** A small linear congruential generator: each call returns the next 32-bit state. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
}

/** Batches of upscaled RGB images, converted from the uint8 28x28 originals only when needed. */
function batches(
  split: FashionSplit,
  idx: Int32Array,
  y: Int32Array,
  side: number,
  batchSize: number,
  shuffleSeed: number | null,
  augment = false,
): data.Dataset<Tensor[]> {
  let pass = 0;
  // A shift of up to 1 of the 28 original pixels, at the upscaled size.
  const maxShift = Math.max(1, Math.round(side / 28));
  const steps = Math.ceil(idx.length / batchSize);
  return data.Dataset.fromGenerator(
    function* () {
      const order = Int32Array.from(idx.keys());
      if (shuffleSeed !== null) {
        // A different, reproducible order on every pass (Fisher-Yates with a small LCG).
        const next = lcg(shuffleSeed + 7919 * ++pass);
        for (let i = order.length - 1; i > 0; i--) {
          const j = next() % (i + 1);
          [order[i], order[j]] = [order[j], order[i]];
        }
      }
      const px = side * side * 3;
      const scratch = new Uint8Array(px);
      const next = lcg((shuffleSeed ?? 0) + 104729 * pass);
      const rand = (n: number): number => (next() >>> 8) % n;
      for (let b = 0; b < steps; b++) {
        const rows = order.subarray(b * batchSize, Math.min(order.length, (b + 1) * batchSize));
        const images = new Uint8Array(rows.length * px);
        const labels = new Int32Array(rows.length);
        rows.forEach((r, k) => {
          const out = images.subarray(k * px, (k + 1) * px);
          if (augment) {
            upscaleToRgb(split.images, idx[r], side, scratch);
            shiftFlip(
              scratch,
              out,
              side,
              rand(2 * maxShift + 1) - maxShift,
              rand(2 * maxShift + 1) - maxShift,
              rand(2) === 1,
            );
          } else {
            upscaleToRgb(split.images, idx[r], side, out);
          }
          labels[k] = y[r];
        });
        yield [preprocessInput(new Tensor(images, [rows.length, side, side, 3])), new Tensor(labels, [rows.length])];
      }
    },
    { cardinality: steps },
  );
}

/** out = src shifted by (dx, dy) pixels (zeros fill in), mirrored left-right when flip. */
export function shiftFlip(src: Uint8Array, out: Uint8Array, side: number, dx: number, dy: number, flip: boolean): void {
  out.fill(0);
  for (let y = 0; y < side; y++) {
    const sy = y - dy;
    if (sy < 0 || sy >= side) continue;
    for (let x = 0; x < side; x++) {
      const sx0 = x - dx;
      if (sx0 < 0 || sx0 >= side) continue;
      const sx = flip ? side - 1 - sx0 : sx0;
      const o = 3 * (y * side + x);
      const i = 3 * (sy * side + sx);
      out[o] = src[i];
      out[o + 1] = src[i + 1];
      out[o + 2] = src[i + 2];
    }
  }
}

/**
 * Trains SmallVGG with its top on a pretraining split of Fashion-MNIST's training file (validation
 * on the test file's images of the same classes) and writes the base without its top as a Keras 3
 * .weights.h5 file, the full classifier as a .keras archive, and the curves. Returns the base's path.
 */
export async function pretrainBase(opts: PretrainOptions): Promise<string> {
  const side = opts.side ?? 32;
  const batchSize = opts.batchSize ?? 64;
  const seed = opts.seed ?? 1337;
  mkdirSync(opts.outDir, { recursive: true });
  utils.setRandomSeed(seed);
  const split = opts.split ?? 'other-images';
  if (!PRETRAIN_SPLITS.includes(split)) {
    throw new Error(`pretrainBase: split must be one of ${PRETRAIN_SPLITS.join(', ')}; got '${String(split)}'`);
  }
  const train = loadFashionMnist('train');
  const test = loadFashionMnist('t10k');
  // The small-data folders are cut from the training file: none of their images is pretrained on.
  const smallSet = new Set([...smallSetIndices(train.labels).values()].flat());
  const tr = pretrainingSet(train, split, opts.limit ?? Infinity, smallSet);
  const vaLimit = opts.limit === undefined ? Infinity : Math.max(1, Math.floor(opts.limit / 6));
  const va = pretrainingSet(test, split, vaLimit, new Set());
  console.log(
    `pretraining SmallVGG on ${tr.idx.length} Fashion-MNIST images of classes ${tr.names.join(', ')} ` +
      `(${side}x${side} RGB; split '${split}', none of the small-data images), validating on ${va.idx.length}`,
  );
  const model = await SmallVGG({
    includeTop: true,
    classes: tr.names.length,
    inputShape: [side, side, 3],
    name: FILE_STEM[split],
  });
  model.summary();
  model.compile({ optimizer: 'rmsprop', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  const t0 = performance.now();
  const history = await model.fit(batches(train, tr.idx, tr.y, side, batchSize, seed, opts.augment ?? true), {
    epochs: opts.epochs ?? 1,
    validationData: batches(test, va.idx, va.y, side, batchSize, null),
    callbacks: [new callbacks.ReduceLROnPlateau({ monitor: 'val_loss', factor: 0.3, patience: 1, verbose: 1 })],
  });
  console.log(`pretraining took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await vis.plotHistory(history, path.join(opts.outDir, `curves_pretraining_${FILE_STEM[split]}.png`));
  await model.save(path.join(opts.outDir, `${FILE_STEM[split]}.keras`));
  // Keras's applications ship the base without its top as its own file; make it the same way.
  const base = await SmallVGG({ includeTop: false, inputShape: [side, side, 3] });
  for (const layer of base.layers) {
    if (layer.weights.length > 0) layer.setWeights(model.getLayer(layer.name).getWeights());
  }
  const file = baseWeightsPath(opts.outDir, split);
  await base.saveWeights(file);
  console.log(`saved the pretrained base (no top) to ${file}`);
  return file;
}
