// Keras's keras/src/applications/imagenet_utils.py: preprocessInput in the three ImageNet modes
// (caffe, tf, torch), decodePredictions against Keras's imagenet_class_index.json, and the input-
// shape and classifier checks every application builder shares (obtainInputShape,
// validateActivation), with Keras's messages.
import { readFile } from 'node:fs/promises';
import { record } from '../autograd/tape.js';
import { FileFormatError, ValueError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { getFile } from '../utils/get_file.js';

export type PreprocessMode = 'caffe' | 'tf' | 'torch';
export type DataFormat = 'channels_last' | 'channels_first';

export interface PreprocessOptions {
  /** Where the colour channels are (default 'channels_last', convkit's only image layout). */
  dataFormat?: DataFormat | null;
  /** 'caffe' (default): RGB→BGR, minus the ImageNet mean; 'tf': scaled to [-1, 1]; 'torch': [0, 1], then mean/std. */
  mode?: PreprocessMode;
}

const CAFFE_MEAN = [103.939, 116.779, 123.68];
const TORCH_MEAN = [0.485, 0.456, 0.406];
const TORCH_STD = [0.229, 0.224, 0.225];

/**
 * Keras's imagenet_utils.preprocess_input on a batch of images (or one image) with values in
 * [0, 255]. Returns a new float32 tensor; the input is left unchanged. Each step rounds to float32
 * as numpy does on a float32 array, so results match Keras's bit for bit. The map is affine per
 * channel and carries its gradient, so it can sit inside a filter ascent or a saliency map as in Keras.
 */
export function preprocessInput(x: Tensor, opts: PreprocessOptions = {}): Tensor {
  const mode = opts.mode ?? 'caffe';
  if (mode !== 'caffe' && mode !== 'tf' && mode !== 'torch') {
    throw new ValueError(`Expected mode to be one of \`caffe\`, \`tf\` or \`torch\`. Received: mode=${String(mode)}`);
  }
  const dataFormat = opts.dataFormat ?? 'channels_last';
  if (dataFormat !== 'channels_first' && dataFormat !== 'channels_last') {
    throw new ValueError(
      'Expected data_format to be one of `channels_first` or `channels_last`. ' +
        `Received: data_format=${String(dataFormat)}`,
    );
  }
  if (!(x instanceof Tensor)) throw new ValueError(`preprocessInput: expected a Tensor of images, got ${typeof x}`);
  const src = x.data;
  const out = new Float32Array(src.length);
  const f = Math.fround;
  if (mode === 'tf') {
    for (let i = 0; i < src.length; i++) out[i] = f(f(src[i] / 127.5) - 1);
    return record(new Tensor(out, x.shape), 'preprocess_input', [x], (dy) => {
      const g = new Float32Array(dy.size);
      for (let i = 0; i < g.length; i++) g[i] = dy.data[i] / 127.5;
      return [new Tensor(g, x.shape)];
    });
  }
  const rank = x.shape.length;
  const chAxis = dataFormat === 'channels_last' ? rank - 1 : rank === 3 ? 0 : 1;
  if (rank < 3 || x.shape[chAxis] !== 3) {
    const axis = dataFormat === 'channels_last' ? 'last' : 'channels';
    throw new ValueError(
      `preprocessInput: mode '${mode}' expects 3D or 4D images with 3 colour channels on the ` +
        `${axis} axis (${dataFormat}), got shape ${fmtShape(x.shape)}`,
    );
  }
  // Element i is in channel c = floor(i / inner) % 3, where inner is the size of the axes after it.
  let inner = 1;
  for (let d = chAxis + 1; d < rank; d++) inner *= x.shape[d];
  const mean = (mode === 'caffe' ? CAFFE_MEAN : TORCH_MEAN).map(f);
  const std = TORCH_STD.map(f);
  for (let i = 0; i < src.length; i++) {
    const c = Math.floor(i / inner) % 3;
    if (mode === 'caffe') {
      // RGB→BGR: output channel c takes input channel 2 - c.
      out[i] = f(src[i + (2 - 2 * c) * inner] - mean[c]);
    } else {
      out[i] = f(f(f(src[i] / 255) - mean[c]) / std[c]);
    }
  }
  return record(new Tensor(out, x.shape), 'preprocess_input', [x], (dy) => {
    const g = new Float32Array(dy.size);
    for (let i = 0; i < g.length; i++) {
      const c = Math.floor(i / inner) % 3;
      // caffe: output channel c came from input channel 2 - c, unscaled; torch: scaled by 1 / (255 std).
      if (mode === 'caffe') g[i + (2 - 2 * c) * inner] = dy.data[i];
      else g[i] = dy.data[i] / (255 * std[c]);
    }
    return [new Tensor(g, x.shape)];
  });
}

// ---------------------------------------------------------------- decodePredictions

/** Where Keras gets the ImageNet class index (imagenet_utils.CLASS_INDEX_PATH and its md5). */
export const CLASS_INDEX_FILE = {
  fname: 'imagenet_class_index.json',
  origin: 'https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json',
  cacheSubdir: 'models',
  fileHash: 'c2c37ea517e94d9795004a39431a14cb',
} as const;

/** One guess: [WordNet id, class name, score], e.g. ['n02123045', 'tabby', 0.82]. */
export type Prediction = [string, string, number];

export interface DecodeOptions {
  /** How many top guesses per sample (default 5). */
  top?: number;
  /** A class index JSON file to use instead of Keras's (fetched with getFile into ~/.keras/models). */
  classIndexPath?: string;
}

async function readClassIndex(file: string): Promise<Map<number, [string, string]>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new FileFormatError(`${file}: cannot read the ImageNet class index: ${(e as Error).message}`);
  }
  const index = new Map<number, [string, string]>();
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
    for (const [k, v] of Object.entries(parsed)) {
      const pair = Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string';
      if (pair && /^\d+$/.test(k)) {
        index.set(Number(k), [v[0], v[1]]);
        continue;
      }
      throw new FileFormatError(
        `${file}: not an ImageNet class index: entry '${k}' should be ["wnid", "name"], ` + `got ${JSON.stringify(v)}`,
      );
    }
    return index;
  }
  throw new FileFormatError(
    `${file}: not an ImageNet class index: expected an object ` + '{"0": ["n01440764", "tench"], ...}',
  );
}

/**
 * Keras's decode_predictions: the `top` most likely ImageNet classes for each row of `preds`
 * (shape (samples, 1000)), best first, as [wnid, name, score]. The class index comes from Keras's
 * URL through getFile (cached in ~/.keras/models, where Keras keeps it too).
 */
export async function decodePredictions(preds: Tensor, opts: DecodeOptions = {}): Promise<Prediction[][]> {
  if (!(preds instanceof Tensor)) {
    throw new ValueError(`decodePredictions: expected a Tensor of predictions, got ${typeof preds}`);
  }
  if (preds.shape.length !== 2 || preds.shape[1] !== 1000) {
    throw new ValueError(
      '`decode_predictions` expects a batch of predictions (i.e. a 2D array of shape ' +
        `(samples, 1000)). Received array with shape: ${fmtShape(preds.shape)}`,
    );
  }
  const top = opts.top ?? 5;
  if (!Number.isInteger(top) || top < 1) {
    throw new ValueError(`decodePredictions: top must be a positive integer, got ${top}`);
  }
  const file =
    opts.classIndexPath ??
    (await getFile(CLASS_INDEX_FILE.fname, CLASS_INDEX_FILE.origin, {
      cacheSubdir: CLASS_INDEX_FILE.cacheSubdir,
      fileHash: CLASS_INDEX_FILE.fileHash,
    }));
  const index = await readClassIndex(file);
  const out: Prediction[][] = [];
  const n = preds.shape[0];
  for (let r = 0; r < n; r++) {
    const row = preds.data.subarray(r * 1000, (r + 1) * 1000);
    const order = Array.from({ length: 1000 }, (_, i) => i).sort((a, b) => row[b] - row[a] || a - b);
    out.push(
      order.slice(0, top).map((i) => {
        const entry = index.get(i);
        if (!entry) throw new FileFormatError(`${file}: the ImageNet class index has no entry for class ${i}`);
        return [entry[0], entry[1], row[i]];
      }),
    );
  }
  return out;
}

// ---------------------------------------------------------------- shared builder checks

/**
 * A weights argument as Keras takes it: 'imagenet', null (random) or a file path. (Plain `string`
 * covers 'imagenet'; a literal union with it would collapse to string anyway.)
 */
export type WeightsArg = string | null;

/**
 * Keras's obtain_input_shape for channels_last: the input shape a model is built with, after
 * Keras's checks (three dimensions, 3 channels with ImageNet weights, at least minSize pixels, the
 * default size when a classifier top with ImageNet weights is wanted).
 */
export function obtainInputShape(
  inputShape: readonly (number | null)[] | null | undefined,
  defaultSize: number,
  minSize: number,
  requireFlatten: boolean,
  weights: WeightsArg,
): (number | null)[] {
  let defaultShape: (number | null)[];
  if (weights !== 'imagenet' && inputShape && inputShape.length === 3) {
    const ch = inputShape[2];
    if (ch !== 1 && ch !== 3) {
      console.warn(
        'This model usually expects 1 or 3 input channels. However, it was passed an input_shape ' +
          `with ${ch} input channels.`,
      );
    }
    defaultShape = [defaultSize, defaultSize, ch];
  } else {
    defaultShape = [defaultSize, defaultSize, 3];
  }
  if (weights === 'imagenet' && requireFlatten) {
    if (inputShape !== null && inputShape !== undefined) {
      if (inputShape.length !== 3 || inputShape.some((d, i) => d !== defaultShape[i])) {
        throw new ValueError(
          'When setting `include_top=True` and loading `imagenet` weights, `input_shape` should be ' +
            `${fmtShape(defaultShape)}.  Received: input_shape=${fmtShape(inputShape)}`,
        );
      }
    }
    return defaultShape;
  }
  let shape: (number | null)[];
  if (inputShape && inputShape.length > 0) {
    if (inputShape.length !== 3) throw new ValueError('`input_shape` must be a tuple of three integers.');
    if (inputShape[2] !== 3 && weights === 'imagenet') {
      throw new ValueError(`The input must have 3 channels; Received \`input_shape=${fmtShape(inputShape)}\``);
    }
    if ((inputShape[0] !== null && inputShape[0] < minSize) || (inputShape[1] !== null && inputShape[1] < minSize)) {
      throw new ValueError(
        `Input size must be at least ${minSize}x${minSize}; ` + `Received: input_shape=${fmtShape(inputShape)}`,
      );
    }
    shape = [...inputShape];
  } else {
    shape = requireFlatten ? defaultShape : [null, null, 3];
  }
  if (requireFlatten && shape.includes(null)) {
    throw new ValueError(
      'If `include_top` is True, you should specify a static `input_shape`. ' +
        `Received: input_shape=${fmtShape(shape)}`,
    );
  }
  return shape;
}

/** Keras's validate_activation: pretrained classifiers only take softmax or no activation. */
export function validateActivation(classifierActivation: string | null | undefined, weights: WeightsArg): void {
  if (weights === null) return;
  const a = classifierActivation ?? 'linear';
  if (a !== 'softmax' && a !== 'linear') {
    throw new ValueError(
      'Only `None` and `softmax` activations are allowed for the `classifier_activation` argument ' +
        `when using pretrained weights, with \`include_top=True\`; Received: classifier_activation=${a}`,
    );
  }
}
