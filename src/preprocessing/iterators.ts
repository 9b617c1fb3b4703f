// The infinite batch iterators behind ImageDataGenerator.flow (arrays) and flowFromDirectory
// (image folders), with Keras 2's Iterator semantics: an index permutation per epoch, a partial
// last batch, endless looping, len = ceil(n / batchSize) exposed as cardinality(). They are async
// iterables (what fit/evaluate/predict take); every [Symbol.asyncIterator]() continues the same
// stream, so fit taking cardinality() batches per epoch sees each sample once per epoch.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { FileFormatError, ShapeError, ValueError } from '../errors.js';
import { getRng, RandomGenerator } from '../tensor/random.js';
import { printMessage } from '../utils/progbar.js';
import { Tensor } from '../tensor/tensor.js';
import { channelsFor, checkColorMode, type ColorMode } from '../data/decode.js';
import { getDecodePool, type DecodedArray, type DecodePool } from '../data/decode_pool.js';
import { codePointCompare, listImageFiles } from '../data/directory.js';
import { checkInterpolation, type Interpolation } from '../data/resize.js';
import { saveImg } from '../utils/image.js';
import type { ImageDataGenerator } from './image_data_generator.js';
import {
  type OptionNames,
  checkBoolean,
  checkChoice,
  checkOptions,
  checkPositiveInt,
  describeArgument,
  describeValue,
} from '../options.js';

export type Batch = Tensor | [Tensor, Tensor] | [Tensor, Tensor, Tensor];

/**
 * `B` is the batch type the options imply (a Tensor without labels, [x, y] with them): the
 * constructors cannot know it from types, so ImageDataGenerator's overloads choose it, and the
 * iterators assert it where a batch is returned (a Batch built to match those options).
 */
abstract class BatchIterator<B extends Batch = Batch> implements AsyncIterable<B> {
  readonly n: number;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number | undefined;
  protected rng: RandomGenerator;
  private indexArray: Int32Array;
  private batchIndex = 0;
  totalBatchesSeen = 0;

  constructor(n: number, batchSize: number, shuffle: boolean, seed: number | undefined, where: string) {
    if (!Number.isInteger(batchSize) || batchSize <= 0)
      throw new ValueError(`${where}: batchSize must be a positive integer, got ${describeValue(batchSize)}`);
    if (seed !== undefined && (typeof seed !== 'number' || !Number.isFinite(seed)))
      throw new ValueError(`${where}: seed must be a finite number, got ${describeValue(seed)}`);
    checkBoolean(shuffle, `${where} shuffle`);
    this.n = n;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.seed = seed;
    this.rng = seed !== undefined ? new RandomGenerator(Math.floor(seed)) : getRng().fork();
    this.indexArray = new Int32Array(n);
  }

  /** Batches per epoch: ceil(n / batchSize) (Keras's len(iterator)). */
  cardinality(): number {
    return Math.ceil(this.n / this.batchSize);
  }

  get length(): number {
    return this.cardinality();
  }

  /** Starts the next batch at the beginning of a fresh epoch. */
  reset(): void {
    this.batchIndex = 0;
  }

  /** The sample indices of the next batch (Keras's _flow_index). */
  protected nextIndices(): Int32Array {
    if (this.batchIndex === 0) {
      for (let i = 0; i < this.n; i++) this.indexArray[i] = i;
      if (this.shuffle) this.rng.shuffle(this.indexArray);
    }
    const current = this.n === 0 ? 0 : (this.batchIndex * this.batchSize) % this.n;
    if (this.n > current + this.batchSize) this.batchIndex++;
    else this.batchIndex = 0;
    this.totalBatchesSeen++;
    return this.indexArray.slice(current, current + this.batchSize);
  }

  /** The next batch. */
  abstract next(): Promise<B>;

  [Symbol.asyncIterator](): AsyncIterator<B> {
    return {
      next: async () => ({ value: await this.next(), done: false }),
      return: async () => ({ value: undefined, done: true }),
    };
  }
}

/** Keras's save_to_dir / save_prefix / save_format: write every generated image (to look at the augmentation). */
export interface SaveOptions {
  saveToDir?: string | null;
  savePrefix?: string;
  saveFormat?: 'png' | 'jpeg' | 'jpg' | 'bmp' | 'webp';
}

const SAVE_OPTIONS: OptionNames<SaveOptions> = { saveToDir: true, savePrefix: true, saveFormat: true };
const SAVE_FORMATS = ['png', 'jpeg', 'jpg', 'bmp', 'webp'] as const;

function checkSaveOptions(opts: SaveOptions, where: string): void {
  if (opts.saveToDir !== undefined && opts.saveToDir !== null && typeof opts.saveToDir !== 'string')
    throw new ValueError(`${where}: saveToDir must be a folder path or null, got ${describeValue(opts.saveToDir)}`);
  if (opts.savePrefix !== undefined && typeof opts.savePrefix !== 'string')
    throw new ValueError(`${where}: savePrefix must be a string, got ${describeValue(opts.savePrefix)}`);
  checkChoice(opts.saveFormat, SAVE_FORMATS, `${where} saveFormat`);
}

/** Writes a batch's images as files (pixel values mapped min..max to 0..255, as Keras's array_to_img). */
async function saveBatch(
  bx: Tensor,
  indices: ArrayLike<number>,
  opts: SaveOptions,
  rng: RandomGenerator,
): Promise<void> {
  if (!opts.saveToDir) return;
  const [n, h, w, c] = bx.shape;
  const per = h * w * c;
  const fmt = opts.saveFormat ?? 'png';
  for (let i = 0; i < n; i++) {
    const img = new Tensor((bx.data as Float32Array).slice(i * per, (i + 1) * per), [h, w, c]);
    const name = `${opts.savePrefix ?? ''}_${indices[i]}_${rng.int(1e7)}.${fmt}`;
    await saveImg(path.join(opts.saveToDir, name), img, { scale: true });
  }
}

export interface FlowOptions extends SaveOptions {
  batchSize?: number;
  shuffle?: boolean;
  seed?: number;
  sampleWeight?: Tensor | null;
  /** 'training' or 'validation' with the generator's validationSplit (validation = the first part, as Keras). */
  subset?: 'training' | 'validation' | null;
}

const FLOW_OPTIONS: OptionNames<FlowOptions> = {
  ...SAVE_OPTIONS,
  batchSize: true,
  shuffle: true,
  seed: true,
  sampleWeight: true,
  subset: true,
};

/** ImageDataGenerator.flow(x, y): augmented batches from arrays, transformed on the calling thread. */
export class NumpyArrayIterator<B extends Batch = Batch> extends BatchIterator<B> {
  readonly x: Tensor;
  readonly y: Tensor | null;
  readonly sampleWeight: Tensor | null;
  private readonly save: SaveOptions;

  constructor(
    x: Tensor,
    y: Tensor | null,
    readonly generator: ImageDataGenerator,
    opts: FlowOptions = {},
  ) {
    const where = 'ImageDataGenerator.flow';
    if (y !== null && !(y instanceof Tensor)) {
      // flow(x, {batchSize}) reads the options as labels: Keras's y is the second argument here too.
      const hint =
        typeof y === 'object' && !Array.isArray(y) ? '; without labels, write flow(x, null, { ...options })' : '';
      throw new ValueError(`${where}: y must be a Tensor or null, got ${describeValue(y)}${hint}`);
    }
    checkOptions(opts, FLOW_OPTIONS, where);
    checkSaveOptions(opts, where);
    if (opts.sampleWeight !== undefined && opts.sampleWeight !== null && !(opts.sampleWeight instanceof Tensor))
      throw new ValueError(`${where}: sampleWeight must be a Tensor or null, got ${describeValue(opts.sampleWeight)}`);
    if (!(x instanceof Tensor) || x.rank !== 4) {
      throw new ShapeError(
        `${where}: x must be a Tensor of rank 4 [n, h, w, c], got ` +
          `${x instanceof Tensor ? `shape [${x.shape.join(', ')}]` : typeof x}`,
      );
    }
    if (y !== null && (!(y instanceof Tensor) || y.shape[0] !== x.shape[0])) {
      throw new ShapeError(
        `${where}: x and y must have the same length; x has ${x.shape[0]} samples, y has ` +
          `${y instanceof Tensor ? y.shape[0] : typeof y}`,
      );
    }
    const sw = opts.sampleWeight ?? null;
    if (sw !== null && sw.shape[0] !== x.shape[0])
      throw new ShapeError(`${where}: sampleWeight has ${sw.shape[0]} values for ${x.shape[0]} samples`);
    let xs = x,
      ys = y,
      sws = sw;
    if (opts.subset) {
      if (opts.subset !== 'training' && opts.subset !== 'validation')
        throw new ValueError(`${where}: subset must be 'training' or 'validation', got '${String(opts.subset)}'`);
      if (!generator.validationSplit)
        throw new ValueError(`${where}: subset '${opts.subset}' needs the generator's validationSplit`);
      const split = Math.floor(x.shape[0] * generator.validationSplit);
      const [a, b] = opts.subset === 'validation' ? [0, split] : [split, x.shape[0]];
      xs = x.slice(a, b);
      ys = y ? y.slice(a, b) : null;
      sws = sw ? sw.slice(a, b) : null;
    }
    super(xs.shape[0], opts.batchSize ?? 32, opts.shuffle ?? true, opts.seed, where);
    this.x = xs;
    this.y = ys;
    this.sampleWeight = sws;
    this.save = { saveToDir: opts.saveToDir, savePrefix: opts.savePrefix, saveFormat: opts.saveFormat };
  }

  /** The transformed images of the given sample indices (Keras's _get_batches_of_transformed_samples). */
  transformedBatch(indices: ArrayLike<number>): Batch {
    const [, h, w, c] = this.x.shape;
    const per = h * w * c;
    const out = new Float32Array(indices.length * per);
    const g = this.generator;
    const random = g.hasRandomTransform;
    for (let i = 0; i < indices.length; i++) {
      const j = indices[i];
      let img: Float32Array = Float32Array.from(this.x.data.subarray(j * per, (j + 1) * per));
      if (random) {
        const p = g.getRandomTransform([h, w, c], this.rng);
        img = g.applyTransform(new Tensor(img, [h, w, c]), p).data as Float32Array;
      }
      out.set(g.standardize(new Tensor(img, [h, w, c])).data, i * per);
    }
    const bx = new Tensor(out, [indices.length, h, w, c]);
    if (!this.y) return bx;
    const by = this.y.gather(indices);
    return this.sampleWeight ? [bx, by, this.sampleWeight.gather(indices)] : [bx, by];
  }

  async next(): Promise<B> {
    const idx = this.nextIndices();
    const b = this.transformedBatch(idx);
    if (this.save.saveToDir) await saveBatch(b instanceof Tensor ? b : b[0], idx, this.save, this.rng);
    return b as B;
  }
}

export type ClassMode = 'categorical' | 'binary' | 'sparse' | 'input' | null;

export interface FlowFromDirectoryOptions extends SaveOptions {
  /** [height, width], default [256, 256]. */
  targetSize?: readonly [number, number];
  colorMode?: ColorMode;
  /** Class subfolders to use, in label order (default: all, sorted). */
  classes?: readonly string[] | null;
  /**
   * 'categorical' (default, one-hot [b, n]), 'binary' (float32 [b]), 'sparse' (float32 [b]),
   * 'input' (y = x) or null.
   */
  classMode?: ClassMode;
  batchSize?: number;
  shuffle?: boolean;
  seed?: number;
  /** Default 'nearest' (as Keras's load_img). */
  interpolation?: Interpolation;
  subset?: 'training' | 'validation' | null;
  followLinks?: boolean;
  keepAspectRatio?: boolean;
  /** Batches decoded ahead of the consumer (default 2). */
  prefetch?: number;
  /** 'error' (default) or 'skip': an undecodable file is left out of its batch with a warning. */
  onBadFile?: 'error' | 'skip';
  verbose?: boolean;
  pool?: DecodePool;
}

const FLOW_FROM_DIRECTORY_OPTIONS: OptionNames<FlowFromDirectoryOptions> = {
  ...SAVE_OPTIONS,
  targetSize: true,
  colorMode: true,
  classes: true,
  classMode: true,
  batchSize: true,
  shuffle: true,
  seed: true,
  interpolation: true,
  subset: true,
  followLinks: true,
  keepAspectRatio: true,
  prefetch: true,
  onBadFile: true,
  verbose: true,
  pool: true,
};

/** flowFromDirectory's formats (Keras DirectoryIterator.white_list_formats). */
export const DIRECTORY_ITERATOR_FORMATS: readonly string[] = ['.png', '.jpg', '.jpeg', '.bmp', '.ppm', '.tif', '.tiff'];

const CLASS_MODES: readonly ClassMode[] = ['categorical', 'binary', 'sparse', 'input', null];

/** ImageDataGenerator.flowFromDirectory: decoding, resizing and the random transform run in workers. */
export class DirectoryIterator<B extends Batch = Batch> extends BatchIterator<B> {
  readonly directory: string;
  readonly classIndices: Record<string, number>;
  readonly classNames: string[];
  /** Label of each file. */
  readonly classes: Int32Array;
  /** Paths relative to the directory, and full paths. */
  readonly filenames: string[];
  readonly filepaths: string[];
  readonly targetSize: [number, number];
  readonly colorMode: ColorMode;
  readonly classMode: ClassMode;
  readonly interpolation: Interpolation;
  readonly keepAspectRatio: boolean;
  private readonly pool: DecodePool | null;
  private readonly queue: Promise<{ batch: Batch; indices: number[] }>[] = [];
  private readonly ahead: number;
  private readonly onBadFile: 'error' | 'skip';
  private readonly save: SaveOptions;

  constructor(
    dir: string,
    readonly generator: ImageDataGenerator,
    opts: FlowFromDirectoryOptions = {},
  ) {
    const where = 'ImageDataGenerator.flowFromDirectory';
    if (typeof dir !== 'string' || !dir)
      throw new ValueError(`${where}: expected a folder path, got ${describeValue(dir)}`);
    checkOptions(opts, FLOW_FROM_DIRECTORY_OPTIONS, where);
    checkSaveOptions(opts, where);
    checkBoolean(opts.followLinks, `${where} followLinks`);
    checkBoolean(opts.keepAspectRatio, `${where} keepAspectRatio`);
    checkBoolean(opts.verbose, `${where} verbose`);
    checkPositiveInt(opts.prefetch, `${where} prefetch`);
    checkChoice(opts.onBadFile, ['error', 'skip'], `${where} onBadFile`);
    const classMode = opts.classMode === undefined ? 'categorical' : opts.classMode;
    if (!CLASS_MODES.includes(classMode))
      throw new ValueError(
        `${where}: classMode must be 'categorical', 'binary', 'sparse', 'input' or null, got '${String(classMode)}'`,
      );
    const colorMode = checkColorMode(opts.colorMode ?? 'rgb', where);
    const interpolation = checkInterpolation(opts.interpolation ?? 'nearest', where);
    const targetSize = opts.targetSize ?? [256, 256];
    if (
      !Array.isArray(targetSize) ||
      targetSize.length !== 2 ||
      !targetSize.every((d) => Number.isInteger(d) && d > 0)
    ) {
      throw new ValueError(
        `${where}: targetSize must be [height, width] of positive integers, got ${describeArgument(targetSize)}`,
      );
    }
    let split: [number, number] | null = null;
    if (opts.subset) {
      if (opts.subset !== 'training' && opts.subset !== 'validation')
        throw new ValueError(`${where}: subset must be 'training' or 'validation', got '${String(opts.subset)}'`);
      if (!generator.validationSplit)
        throw new ValueError(`${where}: subset '${opts.subset}' needs the generator's validationSplit`);
      split = opts.subset === 'validation' ? [0, generator.validationSplit] : [generator.validationSplit, 1];
    }
    const { classNames, filepaths, labels } = listClasses(
      dir,
      opts.classes ?? null,
      split,
      opts.followLinks ?? false,
      where,
    );
    if (classMode === 'binary' && classNames.length !== 2) {
      throw new ValueError(
        `${where}: classMode 'binary' needs exactly 2 classes, found ${classNames.length}: ` +
          `[${classNames.map((c) => `'${c}'`).join(', ')}] in '${dir}'`,
      );
    }
    super(filepaths.length, opts.batchSize ?? 32, opts.shuffle ?? true, opts.seed, where);
    if (opts.verbose ?? true)
      printMessage(`Found ${filepaths.length} images belonging to ${classNames.length} classes.\n`);
    this.directory = dir;
    this.classNames = classNames;
    this.classIndices = Object.fromEntries(classNames.map((c, i) => [c, i]));
    this.classes = Int32Array.from(labels);
    this.filepaths = filepaths;
    this.filenames = filepaths.map((p) => path.relative(dir, p));
    this.targetSize = [targetSize[0], targetSize[1]];
    this.colorMode = colorMode;
    this.classMode = classMode;
    this.interpolation = interpolation;
    this.keepAspectRatio = opts.keepAspectRatio ?? false;
    this.pool = opts.pool ?? null;
    this.ahead = Math.max(1, opts.prefetch ?? 2);
    this.onBadFile = opts.onBadFile ?? 'error';
    this.save = { saveToDir: opts.saveToDir, savePrefix: opts.savePrefix, saveFormat: opts.saveFormat };
  }

  /** Alias of classes (Keras's DirectoryIterator.labels). */
  get labels(): Int32Array {
    return this.classes;
  }

  get numClasses(): number {
    return this.classNames.length;
  }

  /** Alias of n (Keras's DirectoryIterator.samples). */
  get samples(): number {
    return this.n;
  }

  /** Starts decoding one batch: indices and random parameters are drawn now, in order. */
  private schedule(): Promise<{ batch: Batch; indices: number[] }> {
    const idx = this.nextIndices();
    const [h, w] = this.targetSize;
    const c = channelsFor(this.colorMode);
    const g = this.generator;
    const random = g.hasRandomTransform;
    const jobs = Array.from(idx, (j) => {
      const augment = random ? g.augmentParams(g.getRandomTransform([h, w, c], this.rng), h, w) : null;
      const p = (this.pool ?? getDecodePool()).decode({
        path: this.filepaths[j],
        colorMode: this.colorMode,
        targetSize: this.targetSize,
        interpolation: this.interpolation,
        cropToAspectRatio: this.keepAspectRatio,
        augment,
      });
      return p.then(
        (r): DecodedArray | null => r,
        (e: Error) => {
          const file = this.filepaths[j];
          const msg = e.message.includes(file) ? e.message : `cannot decode image '${file}': ${e.message}`;
          if (this.onBadFile === 'skip') {
            console.warn(`Warning: skipping ${msg.replace(/^cannot decode image /, '')}`);
            return null;
          }
          throw new FileFormatError(msg);
        },
      );
    });
    const batch = Promise.all(jobs).then((imgs) => this.assemble(imgs, idx));
    batch.catch(() => undefined); // reported when awaited
    return batch;
  }

  /** Standardizes the decoded images and builds [x, y] for the class mode. */
  private assemble(imgs: (DecodedArray | null)[], idx: Int32Array): { batch: Batch; indices: number[] } {
    const [h, w] = this.targetSize;
    const c = channelsFor(this.colorMode);
    const keep: number[] = [];
    imgs.forEach((im, i) => {
      if (im) keep.push(i);
    });
    const per = h * w * c;
    const out = new Float32Array(keep.length * per);
    keep.forEach((k, i) => out.set(this.generator.standardize(new Tensor(imgs[k]!.data, [h, w, c])).data, i * per));
    const bx = new Tensor(out, [keep.length, h, w, c]);
    const indices = keep.map((k) => idx[k]);
    const labels = indices.map((j) => this.classes[j]);
    let batch: Batch;
    switch (this.classMode) {
      case null:
        batch = bx;
        break;
      case 'input':
        batch = [bx, bx.clone()];
        break;
      case 'sparse':
      case 'binary':
        batch = [bx, new Tensor(Float32Array.from(labels), [keep.length])];
        break;
      case 'categorical': {
        const y = new Float32Array(keep.length * this.numClasses);
        labels.forEach((l, i) => {
          y[i * this.numClasses + l] = 1;
        });
        batch = [bx, new Tensor(y, [keep.length, this.numClasses])];
        break;
      }
    }
    return { batch, indices };
  }

  async next(): Promise<B> {
    if (this.n === 0)
      throw new ValueError(
        `ImageDataGenerator.flowFromDirectory: no images found in '${this.directory}' (formats ` +
          `${DIRECTORY_ITERATOR_FORMATS.join(', ')})`,
      );
    while (this.queue.length < this.ahead + 1) this.queue.push(this.schedule());
    const first = this.queue.shift()!;
    this.queue.push(this.schedule());
    const { batch, indices } = await first;
    if (this.save.saveToDir) await saveBatch(batch instanceof Tensor ? batch : batch[0], indices, this.save, this.rng);
    return batch as B;
  }

  override reset(): void {
    super.reset();
    this.queue.length = 0;
  }
}

function listClasses(
  dir: string,
  classes: readonly string[] | null,
  split: [number, number] | null,
  followLinks: boolean,
  where: string,
) {
  let names: string[];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FileFormatError(
      code === 'ENOENT'
        ? `${where}: directory not found: '${dir}'`
        : `${where}: cannot read directory '${dir}': ${(e as Error).message}`,
    );
  }
  if (classes) {
    names = [...classes];
    for (const c of names) {
      if (!entries.includes(c) || !isDirectory(path.join(dir, c)))
        throw new ValueError(`${where}: class folder '${c}' not found in '${dir}'`);
    }
  } else {
    names = entries.filter((n) => !n.startsWith('.') && isDirectory(path.join(dir, n))).sort(codePointCompare);
    if (names.length === 0) {
      throw new ValueError(
        `${where}: no class subfolders in '${dir}'. The images must be sorted into one subfolder per class (e.g. ` +
          `'${dir}/cats/1.jpg', '${dir}/dogs/2.jpg')`,
      );
    }
  }
  const filepaths: string[] = [];
  const labels: number[] = [];
  names.forEach((name, k) => {
    const d = path.join(dir, name);
    let files = listImageFiles(d, DIRECTORY_ITERATOR_FORMATS, followLinks);
    if (split) files = files.slice(Math.floor(split[0] * files.length), Math.floor(split[1] * files.length));
    for (const f of files) {
      filepaths.push(path.join(d, f));
      labels.push(k);
    }
  });
  return { classNames: names, filepaths, labels };
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
