// utils.imageDatasetFromDirectory: Keras's image_dataset_from_directory. Indexes an image folder
// (directory.ts), shuffles the file list once with numpy's RandomState(seed) (so a seed gives
// Keras's split), splits it, and builds a Dataset whose images are decoded and resized by the
// worker pool (decode_pool.ts) several batches ahead of the consumer.
import { FileFormatError, ValueError } from '../errors.js';
import { getRng } from '../tensor/random.js';
import { printMessage } from '../utils/progbar.js';
import { Tensor } from '../tensor/tensor.js';
import { Dataset, AUTOTUNE } from './dataset.js';
import { channelsFor, checkColorMode, type ColorMode } from './decode.js';
import { getDecodePool, type DecodePool } from './decode_pool.js';
import { checkValidationSplit, indexDirectory, IMAGE_EXTENSIONS, splitIndices } from './directory.js';
import { type OptionNames, checkBoolean, checkInt, checkOptions, describeValue } from '../options.js';
import { MT19937 } from './mt19937.js';
import { checkInterpolation, type Interpolation } from './resize.js';

export type LabelMode = 'int' | 'categorical' | 'binary' | null;

export interface ImageDatasetOptions {
  /**
   * 'inferred' (default: from the subfolders), an array of integer labels (one per file, sorted file
   * order), or null.
   */
  labels?: 'inferred' | readonly number[] | null;
  /** 'int' (default, int32 [b]), 'categorical' (float32 [b, n]), 'binary' (float32 [b, 1]) or null (images only). */
  labelMode?: LabelMode;
  /** Explicit class order (a subset of the subfolders); only with labels='inferred'. */
  classNames?: readonly string[] | null;
  colorMode?: ColorMode;
  /** Default 32; null yields single images. */
  batchSize?: number | null;
  /** [height, width], default [256, 256]. */
  imageSize?: readonly [number, number];
  shuffle?: boolean;
  seed?: number;
  validationSplit?: number;
  subset?: 'training' | 'validation' | 'both';
  /** Default 'bilinear'. */
  interpolation?: Interpolation;
  followLinks?: boolean;
  /** Centre-crop each image to the target aspect ratio before resizing (smart_resize). */
  cropToAspectRatio?: boolean;
  /** Pad each image with zeros to the target aspect ratio before resizing (Keras 3's pad_to_aspect_ratio). */
  padToAspectRatio?: boolean;
  /** 'error' (default): an undecodable file fails the pass, naming the file; 'skip': it is left out with a warning. */
  onBadFile?: 'error' | 'skip';
  /** Print the "Found ..." / "Using ..." lines (default true). */
  verbose?: boolean;
  /** Decoding pool (default: the shared pool, one worker per core). */
  pool?: DecodePool;
}

/** A batch: [images, labels], or images alone when labelMode is null. */
export type ImageBatch = Tensor | [Tensor, Tensor];

const LABEL_MODES = ['int', 'categorical', 'binary', null];

function labelTensor(label: number, mode: Exclude<LabelMode, null>, numClasses: number): Tensor {
  if (mode === 'int') return new Tensor(Int32Array.of(label), []);
  if (mode === 'binary') return new Tensor(Float32Array.of(label), [1]);
  const oh = new Float32Array(numClasses);
  oh[label] = 1;
  return new Tensor(oh, [numClasses]);
}

interface Build {
  paths: string[];
  labels: number[];
  shuffleLocal: boolean;
}

/** The element type for the options: images alone when labels/labelMode are null, else [images, labels]. */
export type ImageElementFor<O> = O extends { labelMode: null } | { labels: null } ? Tensor : [Tensor, Tensor];
/** One dataset, or [training, validation] for subset 'both'. */
export type ImageDatasetResult<O> = O extends { subset: 'both' }
  ? [Dataset<ImageElementFor<O>>, Dataset<ImageElementFor<O>>]
  : Dataset<ImageElementFor<O>>;

const IMAGE_DATASET_OPTIONS: OptionNames<ImageDatasetOptions> = {
  labels: true,
  labelMode: true,
  classNames: true,
  colorMode: true,
  batchSize: true,
  imageSize: true,
  shuffle: true,
  seed: true,
  validationSplit: true,
  subset: true,
  interpolation: true,
  followLinks: true,
  cropToAspectRatio: true,
  padToAspectRatio: true,
  onBadFile: true,
  verbose: true,
  pool: true,
};

export function imageDatasetFromDirectory<const O extends ImageDatasetOptions = Record<never, never>>(
  dir: string,
  opts?: O,
): Promise<ImageDatasetResult<O>>;
export async function imageDatasetFromDirectory(dir: string, opts: ImageDatasetOptions = {}): Promise<unknown> {
  const where = 'imageDatasetFromDirectory';
  if (typeof dir !== 'string' || dir === '')
    throw new ValueError(`${where}: expected a directory path, got ${JSON.stringify(dir)}`);
  checkOptions(opts, IMAGE_DATASET_OPTIONS, where);
  checkInt(opts.seed, `${where} seed`);
  checkBoolean(opts.shuffle, `${where} shuffle`);
  checkBoolean(opts.verbose, `${where} verbose`);
  let labels = opts.labels === undefined ? 'inferred' : opts.labels;
  let labelMode: LabelMode = opts.labelMode === undefined ? 'int' : opts.labelMode;
  if (labels !== 'inferred' && labels !== null && !Array.isArray(labels)) {
    throw new ValueError(
      `${where}: labels must be 'inferred', null, or an array of integer labels, got ${JSON.stringify(labels)}`,
    );
  }
  if (!LABEL_MODES.includes(labelMode)) {
    throw new ValueError(
      `${where}: labelMode must be 'int', 'categorical', 'binary' or null, got '${String(labelMode)}'`,
    );
  }
  if (labels === null || labelMode === null) {
    labels = null;
    labelMode = null;
  }
  const colorMode = checkColorMode(opts.colorMode ?? 'rgb', where);
  const interpolation = checkInterpolation(opts.interpolation ?? 'bilinear', where);
  const imageSize = opts.imageSize ?? [256, 256];
  if (!Array.isArray(imageSize) || imageSize.length !== 2 || !imageSize.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ValueError(
      `${where}: imageSize must be [height, width] of positive integers, got ${JSON.stringify(imageSize)}`,
    );
  }
  const batchSize = opts.batchSize === undefined ? 32 : opts.batchSize;
  if (batchSize !== null && !(Number.isInteger(batchSize) && batchSize > 0)) {
    throw new ValueError(`${where}: batchSize must be a positive integer or null, got ${describeValue(batchSize)}`);
  }
  const shuffle = opts.shuffle ?? true;
  const onBadFile = opts.onBadFile ?? 'error';
  if (onBadFile !== 'error' && onBadFile !== 'skip')
    throw new ValueError(`${where}: onBadFile must be 'error' or 'skip', got '${String(onBadFile)}'`);
  checkValidationSplit(opts.validationSplit, opts.subset, shuffle, opts.seed, where);
  if (opts.cropToAspectRatio && opts.padToAspectRatio)
    throw new ValueError(`${where}: only one of cropToAspectRatio and padToAspectRatio can be true`);
  const verbose = opts.verbose ?? true;
  const seed = opts.seed ?? Math.floor(getRng().random() * 1e6);

  const index = indexDirectory(dir, labels, IMAGE_EXTENSIONS, {
    classNames: opts.classNames,
    followLinks: opts.followLinks,
    where,
  });
  const n = index.filePaths.length;
  if (verbose) {
    printMessage(
      (labels === null ? `Found ${n} files.` : `Found ${n} files belonging to ${index.classNames.length} classes.`) +
        '\n',
    );
  }
  if (labelMode === 'binary' && index.classNames.length !== 2) {
    throw new ValueError(
      `${where}: labelMode 'binary' needs exactly 2 classes, found ${index.classNames.length}: ` +
        `[${index.classNames.map((c) => `'${c}'`).join(', ')}] in '${dir}'`,
    );
  }
  if (labelMode === 'categorical' || labelMode === 'binary') {
    const maxLabel = index.labels.reduce((m, v) => Math.max(m, v), -1);
    if (maxLabel >= index.classNames.length && Array.isArray(labels)) {
      // explicit labels must be 0..n-1 for one-hot encoding
      throw new ValueError(
        `${where}: with labelMode '${labelMode}' explicit labels must be 0..${index.classNames.length - 1}, got ` +
          `${maxLabel}`,
      );
    }
  }
  const order = Array.from({ length: n }, (_, i) => i);
  if (shuffle) new MT19937(seed).shuffle(order);
  const paths = order.map((i) => index.filePaths[i]);
  const allLabels = labels === null ? [] : order.map((i) => index.labels[i]);

  const take = (subset: 'training' | 'validation'): Build => {
    const { start, end } = splitIndices(n, opts.validationSplit, subset);
    if (opts.validationSplit && verbose) {
      printMessage(`Using ${end - start} files for ${subset}.\n`);
    }
    return { paths: paths.slice(start, end), labels: allLabels.slice(start, end), shuffleLocal: shuffle };
  };
  const noImages = (what: string) =>
    new ValueError(
      `${where}: no ${what}images found in directory '${dir}'. Allowed formats: ${IMAGE_EXTENSIONS.join(', ')}`,
    );
  const common = {
    labelMode,
    numClasses: index.classNames.length,
    colorMode,
    imageSize: [imageSize[0], imageSize[1]] as [number, number],
    interpolation,
    cropToAspectRatio: opts.cropToAspectRatio ?? false,
    padToAspectRatio: opts.padToAspectRatio ?? false,
    batchSize,
    seed,
    onBadFile,
    pool: opts.pool ?? null,
    classNames: index.classNames,
  };
  if (opts.subset === 'both') {
    const tr = take('training');
    const va = take('validation');
    if (tr.paths.length === 0) throw noImages('training ');
    if (va.paths.length === 0) throw noImages('validation ');
    // Keras shuffles only the training set locally when returning both.
    return [buildDataset(tr, common), buildDataset({ ...va, shuffleLocal: false }, common)];
  }
  const b = opts.subset ? take(opts.subset) : { paths, labels: allLabels, shuffleLocal: shuffle };
  if (b.paths.length === 0) throw noImages('');
  return buildDataset(b, common);
}

interface Common {
  labelMode: LabelMode;
  numClasses: number;
  colorMode: ColorMode;
  imageSize: [number, number];
  interpolation: Interpolation;
  cropToAspectRatio: boolean;
  padToAspectRatio: boolean;
  batchSize: number | null;
  seed: number;
  onBadFile: 'error' | 'skip';
  /** null: the shared pool, looked up at each decode (so closeDecodePool() never strands a dataset). */
  pool: DecodePool | null;
  classNames: string[];
}

function buildDataset(b: Build, c: Common): Dataset<ImageBatch> {
  const { paths, labels } = b;
  const n = paths.length;
  const channels = channelsFor(c.colorMode);
  let ds: Dataset<number> = Dataset.range(n);
  if (b.shuffleLocal) ds = ds.shuffle(c.batchSize !== null ? c.batchSize * 8 : 1024, { seed: c.seed });
  // Enough decodes in flight that the workers keep busy through a training step.
  const par = Math.max(4 * (c.pool ?? getDecodePool()).size, 2 * (c.batchSize ?? 16), 8);
  const lm = c.labelMode;
  const warned = new Set<string>();
  let decoded = ds.map(
    async (i): Promise<ImageBatch | null> => {
      let img;
      try {
        img = await (c.pool ?? getDecodePool()).decode({
          path: paths[i],
          colorMode: c.colorMode,
          targetSize: c.imageSize,
          interpolation: c.interpolation,
          cropToAspectRatio: c.cropToAspectRatio,
          padToAspectRatio: c.padToAspectRatio,
        });
      } catch (e) {
        const err = e as Error;
        const msg = err.message.includes(paths[i]) ? err.message : `cannot decode image '${paths[i]}': ${err.message}`;
        if (c.onBadFile === 'skip') {
          // Once per file: every epoch (and every prefetch) meets the same bad file again.
          if (!warned.has(paths[i])) {
            warned.add(paths[i]);
            console.warn(`Warning: skipping ${msg.replace(/^cannot decode image /, '')}`);
          }
          return null;
        }
        throw new FileFormatError(
          `${msg}; pass onBadFile: 'skip' to imageDatasetFromDirectory to leave unreadable files out`,
        );
      }
      const x = new Tensor(img.data, [c.imageSize[0], c.imageSize[1], channels]);
      if (lm === null) return x;
      return [x, labelTensor(labels[i], lm, c.numClasses)];
    },
    { numParallelCalls: par },
  );
  if (c.onBadFile === 'skip') {
    const card = decoded.cardinality();
    const filtered = decoded.filter((e) => e !== null);
    // Keep the nominal count (the progress bar's target); skipped files only shorten the pass.
    decoded = new Dataset(() => filtered[Symbol.asyncIterator](), card);
  }
  let out = decoded as Dataset<ImageBatch>;
  if (c.batchSize !== null) out = out.batch(c.batchSize);
  out = out.prefetch(AUTOTUNE);
  out.classNames = [...c.classNames];
  out.filePaths = [...paths];
  return out;
}
