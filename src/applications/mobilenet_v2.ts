// keras.applications.mobilenet_v2: MobileNetV2 (Sandler et al., 2018) as
// keras/src/applications/mobilenet_v2.py builds it: inverted residual blocks (1x1 expansion, 3x3
// depthwise, linear 1x1 projection) with ReLU6, BatchNormalization(epsilon 1e-3, momentum 0.999),
// the width multiplier `alpha`, Keras's input-size rules and warning, its ImageNet weight files
// (one per alpha and input size) and its preprocessing ('tf' mode: pixels scaled to [-1, 1]).
import { ValueError } from '../errors.js';
import { Conv2D } from '../layers/convolutional.js';
import { Dense, ReLU } from '../layers/core.js';
import { DepthwiseConv2D } from '../layers/depthwise.js';
import type { KerasTensor } from '../layers/keras_tensor.js';
import { Add } from '../layers/merging.js';
import { BatchNormalization } from '../layers/normalization.js';
import { ZeroPadding2D } from '../layers/reshaping.js';
import { Model } from '../models/model.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  APPLICATION_OPTIONS,
  type ApplicationArgs,
  type WeightsFile,
  loadApplicationWeights,
  poolingHead,
  resolveArgs,
} from './common.js';
import { type OptionNames, checkOptions, describeValue } from '../options.js';
import {
  type DataFormat,
  type DecodeOptions,
  type Prediction,
  decodePredictions as decode,
  preprocessInput as pre,
  validateActivation,
} from './imagenet_utils.js';

const BASE_WEIGHT_PATH = 'https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/';

/** The alphas Keras has ImageNet weights for, and the square input sizes. */
export const IMAGENET_ALPHAS = [0.35, 0.5, 0.75, 1.0, 1.3, 1.4] as const;
export const IMAGENET_ROWS = [96, 128, 160, 192, 224] as const;

export interface MobileNetV2Args extends ApplicationArgs {
  /** Width multiplier: < 1 thins every layer, > 1 widens it (default 1.0). */
  alpha?: number;
}

const MOBILENET_V2_OPTIONS: OptionNames<MobileNetV2Args> = { ...APPLICATION_OPTIONS, alpha: true };

/** Python's str(float(alpha)): 1 → '1.0', 0.35 → '0.35'. */
function pyFloat(a: number): string {
  return Number.isInteger(a) ? a.toFixed(1) : String(a);
}

/** Keras's ImageNet weight file for a width multiplier and input size (Keras gives no hash for them). */
export function weightsFile(alpha: number, rows: number, includeTop: boolean): WeightsFile {
  const fname = includeTop
    ? `mobilenet_v2_weights_tf_dim_ordering_tf_kernels_${pyFloat(alpha)}_${rows}.h5`
    : `mobilenet_v2_weights_tf_dim_ordering_tf_kernels_${pyFloat(alpha)}_${rows}_no_top.h5`;
  return { fname, origin: BASE_WEIGHT_PATH + fname, fileHash: null, cacheSubdir: 'models' };
}

/** Keras's _make_divisible: the nearest multiple of `divisor`, never more than 10% below v. */
export function makeDivisible(v: number, divisor: number, minValue = divisor): number {
  let nv = Math.max(minValue, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
  if (nv < 0.9 * v) nv += divisor;
  return nv;
}

const bnArgs = { axis: -1, epsilon: 1e-3, momentum: 0.999 } as const;

function invertedResBlock(
  inputs: KerasTensor,
  expansion: number,
  stride: number,
  alpha: number,
  filters: number,
  blockId: number,
): KerasTensor {
  const inChannels = inputs.shape[3] as number;
  const pointwiseFilters = makeDivisible(Math.trunc(filters * alpha), 8);
  let x = inputs;
  let prefix = `block_${blockId}_`;
  if (blockId) {
    x = new Conv2D(expansion * inChannels, 1, {
      padding: 'same',
      useBias: false,
      activation: null,
      name: `${prefix}expand`,
    }).apply(x);
    x = new BatchNormalization({ ...bnArgs, name: `${prefix}expand_BN` }).apply(x);
    x = new ReLU({ maxValue: 6, name: `${prefix}expand_relu` }).apply(x);
  } else {
    prefix = 'expanded_conv_';
  }
  if (stride === 2) x = new ZeroPadding2D({ padding: correctPad(x, 3), name: `${prefix}pad` }).apply(x);
  x = new DepthwiseConv2D(3, {
    strides: stride,
    activation: null,
    useBias: false,
    padding: stride === 1 ? 'same' : 'valid',
    name: `${prefix}depthwise`,
  }).apply(x);
  x = new BatchNormalization({ ...bnArgs, name: `${prefix}depthwise_BN` }).apply(x);
  x = new ReLU({ maxValue: 6, name: `${prefix}depthwise_relu` }).apply(x);
  x = new Conv2D(pointwiseFilters, 1, {
    padding: 'same',
    useBias: false,
    activation: null,
    name: `${prefix}project`,
  }).apply(x);
  x = new BatchNormalization({ ...bnArgs, name: `${prefix}project_BN` }).apply(x);
  if (inChannels === pointwiseFilters && stride === 1) {
    return new Add({ name: `${prefix}add` }).apply([inputs, x]);
  }
  return x;
}

/** Keras's imagenet_utils.correct_pad: the padding that makes a stride-2 'valid' convolution centred. */
export function correctPad(x: KerasTensor, kernelSize: number): [[number, number], [number, number]] {
  const [h, w] = [x.shape[1], x.shape[2]];
  const adjust = h === null || w === null ? [1, 1] : [1 - (h % 2), 1 - (w % 2)];
  const c = Math.floor(kernelSize / 2);
  return [
    [c - adjust[0], c],
    [c - adjust[1], c],
  ];
}

const BLOCKS: readonly [filters: number, stride: number, expansion: number][] = [
  [16, 1, 1],
  [24, 2, 6],
  [24, 1, 6],
  [32, 2, 6],
  [32, 1, 6],
  [32, 1, 6],
  [64, 2, 6],
  [64, 1, 6],
  [64, 1, 6],
  [64, 1, 6],
  [96, 1, 6],
  [96, 1, 6],
  [96, 1, 6],
  [160, 2, 6],
  [160, 1, 6],
  [160, 1, 6],
  [320, 1, 6],
];

/** Keras's choice of default size: the given square size when Keras has weights for it, else 224. */
function defaultSizeFor(args: MobileNetV2Args): number {
  let dims: readonly (number | null)[] | null = null;
  if (args.inputShape) dims = args.inputShape;
  else if (args.inputTensor) dims = args.inputTensor.shape.slice(1);
  if (!dims) return 224;
  const [rows, cols] = dims;
  return rows === cols && rows !== null && (IMAGENET_ROWS as readonly number[]).includes(rows) ? rows : 224;
}

/**
 * MobileNetV2 as Keras builds it: 3,538,984 parameters at alpha 1.0 with the top (a global average
 * pooling and a 1000-way `predictions` layer); named `mobilenetv2_<alpha>_<rows>` unless named.
 */
export async function MobileNetV2(args: MobileNetV2Args = {}): Promise<Model> {
  checkOptions(args, MOBILENET_V2_OPTIONS, 'MobileNetV2');
  if (args.inputShape && args.inputTensor && args.inputTensor.shape[2] !== args.inputShape[1]) {
    throw new ValueError(
      'input_tensor.shape[2] must equal input_shape[1]; Received ' +
        `\`input_tensor.shape=(${args.inputTensor.shape.map((d) => d ?? 'None').join(', ')})\`, ` +
        `\`input_shape=(${args.inputShape.map((d) => d ?? 'None').join(', ')})\``,
    );
  }
  const alpha = args.alpha ?? 1.0;
  if (!(typeof alpha === 'number' && alpha > 0 && Number.isFinite(alpha))) {
    throw new ValueError(`MobileNetV2: alpha must be a positive number, got ${describeValue(alpha)}`);
  }
  const r = resolveArgs(
    args,
    'MobileNetV2',
    defaultSizeFor(args),
    32,
    {
      weights: (w) =>
        'The `weights` argument should be either `None` (random initialization), `imagenet` ' +
        '(pre-training on ImageNet), or the path to the weights file to be loaded.  Received ' +
        `\`weights=${w}\``,
      classes: (c) =>
        'If using `weights="imagenet"` with `include_top` as true, `classes` should be 1000. ' +
        `Received \`classes=${c}\``,
    },
    MOBILENET_V2_OPTIONS,
  );
  let rows = r.inputShape[0];
  const cols = r.inputShape[1];
  if (r.weights === 'imagenet') {
    if (!(IMAGENET_ALPHAS as readonly number[]).includes(alpha)) {
      throw new ValueError(
        'If imagenet weights are being loaded, alpha must be one of `0.35`, `0.50`, `0.75`, ' +
          `\`1.0\`, \`1.3\` or \`1.4\` only; Received \`alpha=${alpha}\``,
      );
    }
    if (rows !== cols || rows === null || !(IMAGENET_ROWS as readonly number[]).includes(rows)) {
      rows = 224;
      console.warn(
        '`input_shape` is undefined or non-square, or `rows` is not in [96, 128, 160, 192, 224]. ' +
          'Weights for input shape (224, 224) will be loaded as the default.',
      );
    }
  }

  let x = new Conv2D(makeDivisible(32 * alpha, 8), 3, {
    strides: [2, 2],
    padding: 'same',
    useBias: false,
    name: 'Conv1',
  }).apply(r.imgInput);
  x = new BatchNormalization({ ...bnArgs, name: 'bn_Conv1' }).apply(x);
  x = new ReLU({ maxValue: 6, name: 'Conv1_relu' }).apply(x);
  BLOCKS.forEach(([filters, stride, expansion], id) => {
    x = invertedResBlock(x, expansion, stride, alpha, filters, id);
  });
  // No alpha on the last convolution unless it widens the network (as in the paper).
  const lastFilters = alpha > 1.0 ? makeDivisible(1280 * alpha, 8) : 1280;
  x = new Conv2D(lastFilters, 1, { useBias: false, name: 'Conv_1' }).apply(x);
  x = new BatchNormalization({ ...bnArgs, name: 'Conv_1_bn' }).apply(x);
  x = new ReLU({ maxValue: 6, name: 'out_relu' }).apply(x);
  if (r.includeTop) {
    x = poolingHead(x, 'avg');
    validateActivation(r.classifierActivation, r.weights);
    x = new Dense(r.classes, { activation: r.classifierActivation, name: 'predictions' }).apply(x);
  } else {
    x = poolingHead(x, r.pooling);
  }
  const name = args.name ?? `mobilenetv2_${alpha.toFixed(2)}_${rows ?? 'None'}`;
  const model = new Model({ inputs: r.inputs, outputs: x, name });
  const imagenetRows = rows ?? 224;
  await loadApplicationWeights(model, r, 'MobileNetV2', {
    top: weightsFile(alpha, imagenetRows, true),
    notop: weightsFile(alpha, imagenetRows, false),
  });
  return model;
}

/** Keras's mobilenet_v2.preprocess_input: 'tf' mode. */
export function preprocessInput(x: Tensor, opts: { dataFormat?: DataFormat | null } = {}): Tensor {
  return pre(x, { dataFormat: opts.dataFormat, mode: 'tf' });
}

/** Keras's decode_predictions for ImageNet classifiers. */
export function decodePredictions(preds: Tensor, opts: DecodeOptions = {}): Promise<Prediction[][]> {
  return decode(preds, opts);
}
