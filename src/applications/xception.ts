// keras.applications.xception: Xception (Chollet, 2017) as keras/src/applications/xception.py
// builds it: an entry flow of strided blocks with 1x1 convolution shortcuts, eight middle-flow
// blocks of three separable convolutions with identity shortcuts, and an exit flow; its ImageNet
// weight files and its preprocessing ('tf' mode: pixels scaled to [-1, 1]). Unnamed layers (the
// shortcut convolutions and their batch norms, the additions) get Keras's auto-names.
import { Conv2D } from '../layers/convolutional.js';
import { Activation, Dense } from '../layers/core.js';
import { SeparableConv2D } from '../layers/depthwise.js';
import type { KerasTensor } from '../layers/keras_tensor.js';
import { Add } from '../layers/merging.js';
import { BatchNormalization } from '../layers/normalization.js';
import { MaxPooling2D } from '../layers/pooling.js';
import { Model } from '../models/model.js';
import type { Tensor } from '../tensor/tensor.js';
import { type ApplicationArgs, type WeightsFile, loadApplicationWeights, poolingHead, resolveArgs } from './common.js';
import {
  type DataFormat,
  type DecodeOptions,
  type Prediction,
  decodePredictions as decode,
  preprocessInput as pre,
  validateActivation,
} from './imagenet_utils.js';

const BASE = 'https://storage.googleapis.com/tensorflow/keras-applications/xception/';

/** Keras's Xception weight files (xception.py WEIGHTS_PATH, WEIGHTS_PATH_NO_TOP and their md5 hashes). */
export const WEIGHTS_FILES: { top: WeightsFile; notop: WeightsFile } = {
  top: {
    fname: 'xception_weights_tf_dim_ordering_tf_kernels.h5',
    origin: `${BASE}xception_weights_tf_dim_ordering_tf_kernels.h5`,
    fileHash: '0a58e3b7378bc2990ea3b43d5981f1f6',
    cacheSubdir: 'models',
  },
  notop: {
    fname: 'xception_weights_tf_dim_ordering_tf_kernels_notop.h5',
    origin: `${BASE}xception_weights_tf_dim_ordering_tf_kernels_notop.h5`,
    fileHash: 'b0042744bf5b25fce3cb969f33bebb97',
    cacheSubdir: 'models',
  },
};

const bn = (x: KerasTensor, name?: string): KerasTensor => new BatchNormalization({ axis: -1, name }).apply(x);
const relu = (x: KerasTensor, name: string): KerasTensor => new Activation('relu', { name }).apply(x);
const sep = (x: KerasTensor, filters: number, name: string): KerasTensor =>
  new SeparableConv2D(filters, [3, 3], { padding: 'same', useBias: false, name }).apply(x);
const add = (a: KerasTensor, b: KerasTensor): KerasTensor => new Add().apply([a, b]);

/** A strided 1x1 convolution shortcut and its batch norm, auto-named as in Keras. */
function shortcut(x: KerasTensor, filters: number): KerasTensor {
  return bn(new Conv2D(filters, [1, 1], { strides: [2, 2], padding: 'same', useBias: false }).apply(x));
}

/** An entry/exit-flow block: (relu,) sepconv, bn, relu, sepconv, bn, strided max pooling, plus a shortcut. */
function downBlock(x: KerasTensor, block: number, filters: [number, number], firstRelu: boolean): KerasTensor {
  const residual = shortcut(x, filters[1]);
  const p = `block${block}`;
  let y = firstRelu ? relu(x, `${p}_sepconv1_act`) : x;
  y = bn(sep(y, filters[0], `${p}_sepconv1`), `${p}_sepconv1_bn`);
  y = relu(y, `${p}_sepconv2_act`);
  y = bn(sep(y, filters[1], `${p}_sepconv2`), `${p}_sepconv2_bn`);
  y = new MaxPooling2D([3, 3], { strides: [2, 2], padding: 'same', name: `${p}_pool` }).apply(y);
  return add(y, residual);
}

/**
 * Xception as Keras builds it: 22,910,480 parameters with the top (299x299 inputs by default, at
 * least 71x71), 20,861,480 without.
 */
export async function Xception(args: ApplicationArgs = {}): Promise<Model> {
  const r = resolveArgs(args, 'Xception', 299, 71, {
    weights: (w) =>
      "The `weights` argument should be either `None` (random initialization), 'imagenet' " +
      '(pre-training on ImageNet), or the path to the weights file to be loaded. ' +
      `Received: weights=${w}`,
  });
  let x = new Conv2D(32, [3, 3], { strides: [2, 2], useBias: false, name: 'block1_conv1' }).apply(r.imgInput);
  x = relu(bn(x, 'block1_conv1_bn'), 'block1_conv1_act');
  x = new Conv2D(64, [3, 3], { useBias: false, name: 'block1_conv2' }).apply(x);
  x = relu(bn(x, 'block1_conv2_bn'), 'block1_conv2_act');

  // Keras names block 2's second activation `block2_sepconv2_act` and gives its first none.
  x = downBlock(x, 2, [128, 128], false);
  x = downBlock(x, 3, [256, 256], true);
  x = downBlock(x, 4, [728, 728], true);
  for (let i = 0; i < 8; i++) {
    const residual = x;
    const p = `block${i + 5}`;
    let y = x;
    for (let k = 1; k <= 3; k++) {
      y = relu(y, `${p}_sepconv${k}_act`);
      y = bn(sep(y, 728, `${p}_sepconv${k}`), `${p}_sepconv${k}_bn`);
    }
    x = add(y, residual);
  }
  x = downBlock(x, 13, [728, 1024], true);

  x = relu(bn(sep(x, 1536, 'block14_sepconv1'), 'block14_sepconv1_bn'), 'block14_sepconv1_act');
  x = relu(bn(sep(x, 2048, 'block14_sepconv2'), 'block14_sepconv2_bn'), 'block14_sepconv2_act');
  if (r.includeTop) {
    x = poolingHead(x, 'avg', { avg: 'avg_pool', max: 'max_pool' });
    validateActivation(r.classifierActivation, r.weights);
    x = new Dense(r.classes, { activation: r.classifierActivation, name: 'predictions' }).apply(x);
  } else {
    x = poolingHead(x, r.pooling);
  }
  const model = new Model({ inputs: r.inputs, outputs: x, name: args.name ?? 'xception' });
  await loadApplicationWeights(model, r, 'Xception', WEIGHTS_FILES);
  return model;
}

/** Keras's xception.preprocess_input: 'tf' mode. */
export function preprocessInput(x: Tensor, opts: { dataFormat?: DataFormat | null } = {}): Tensor {
  return pre(x, { dataFormat: opts.dataFormat, mode: 'tf' });
}

/** Keras's decode_predictions for ImageNet classifiers. */
export function decodePredictions(preds: Tensor, opts: DecodeOptions = {}): Promise<Prediction[][]> {
  return decode(preds, opts);
}
