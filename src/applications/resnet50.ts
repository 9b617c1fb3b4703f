// keras.applications.resnet50: ResNet50 (He et al., 2015) as keras/src/applications/resnet.py
// builds it (v1 bottleneck blocks, biased convolutions, BatchNormalization with epsilon 1.001e-5),
// its ImageNet weight files and its preprocessing ('caffe').
import { Conv2D } from '../layers/convolutional.js';
import { Activation, Dense } from '../layers/core.js';
import type { KerasTensor } from '../layers/keras_tensor.js';
import { Add } from '../layers/merging.js';
import { BatchNormalization } from '../layers/normalization.js';
import { MaxPooling2D } from '../layers/pooling.js';
import { ZeroPadding2D } from '../layers/reshaping.js';
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

const BASE = 'https://storage.googleapis.com/tensorflow/keras-applications/resnet/';

/** Keras's ResNet50 weight files (resnet.py BASE_WEIGHTS_PATH and WEIGHTS_HASHES['resnet50']). */
export const WEIGHTS_FILES: { top: WeightsFile; notop: WeightsFile } = {
  top: {
    fname: 'resnet50_weights_tf_dim_ordering_tf_kernels.h5',
    origin: `${BASE}resnet50_weights_tf_dim_ordering_tf_kernels.h5`,
    fileHash: '2cb95161c43110f7111970584f804107',
    cacheSubdir: 'models',
  },
  notop: {
    fname: 'resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5',
    origin: `${BASE}resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5`,
    fileHash: '4d473c1dd8becc155b73f8504c6f6626',
    cacheSubdir: 'models',
  },
};

const EPSILON = 1.001e-5;

function bn(x: KerasTensor, name: string): KerasTensor {
  return new BatchNormalization({ axis: 3, epsilon: EPSILON, name }).apply(x);
}

/** Keras's residual_block_v1: 1x1 → 3x3 → 1x1 (4·filters) bottleneck plus a shortcut. */
function block(x: KerasTensor, filters: number, name: string, stride = 1, convShortcut = true): KerasTensor {
  let shortcut = x;
  if (convShortcut) {
    shortcut = new Conv2D(4 * filters, 1, { strides: stride, name: `${name}_0_conv` }).apply(x);
    shortcut = bn(shortcut, `${name}_0_bn`);
  }
  let y = new Conv2D(filters, 1, { strides: stride, name: `${name}_1_conv` }).apply(x);
  y = new Activation('relu', { name: `${name}_1_relu` }).apply(bn(y, `${name}_1_bn`));
  y = new Conv2D(filters, 3, { padding: 'same', name: `${name}_2_conv` }).apply(y);
  y = new Activation('relu', { name: `${name}_2_relu` }).apply(bn(y, `${name}_2_bn`));
  y = bn(new Conv2D(4 * filters, 1, { name: `${name}_3_conv` }).apply(y), `${name}_3_bn`);
  const sum = new Add({ name: `${name}_add` }).apply([shortcut, y]);
  return new Activation('relu', { name: `${name}_out` }).apply(sum);
}

/** Keras's stack_residual_blocks_v1: one projection block, then identity blocks. */
function stack(x: KerasTensor, filters: number, blocks: number, name: string, stride1 = 2): KerasTensor {
  let y = block(x, filters, `${name}_block1`, stride1);
  for (let i = 2; i <= blocks; i++) y = block(y, filters, `${name}_block${i}`, 1, false);
  return y;
}

/**
 * ResNet50 as Keras builds it: 25,636,712 parameters with the top (avg_pool and a 1000-way
 * predictions layer), 23,587,712 without.
 */
export async function ResNet50(args: ApplicationArgs = {}): Promise<Model> {
  const r = resolveArgs(args, 'ResNet50');
  let x = new ZeroPadding2D({
    padding: [
      [3, 3],
      [3, 3],
    ],
    name: 'conv1_pad',
  }).apply(r.imgInput);
  x = new Conv2D(64, 7, { strides: 2, name: 'conv1_conv' }).apply(x);
  x = new Activation('relu', { name: 'conv1_relu' }).apply(bn(x, 'conv1_bn'));
  x = new ZeroPadding2D({
    padding: [
      [1, 1],
      [1, 1],
    ],
    name: 'pool1_pad',
  }).apply(x);
  x = new MaxPooling2D(3, { strides: 2, name: 'pool1_pool' }).apply(x);
  x = stack(x, 64, 3, 'conv2', 1);
  x = stack(x, 128, 4, 'conv3');
  x = stack(x, 256, 6, 'conv4');
  x = stack(x, 512, 3, 'conv5');
  if (r.includeTop) {
    x = poolingHead(x, 'avg', { avg: 'avg_pool', max: 'max_pool' });
    validateActivation(r.classifierActivation, r.weights);
    x = new Dense(r.classes, { activation: r.classifierActivation, name: 'predictions' }).apply(x);
  } else {
    x = poolingHead(x, r.pooling, { avg: 'avg_pool', max: 'max_pool' });
  }
  const model = new Model({ inputs: r.inputs, outputs: x, name: args.name ?? 'resnet50' });
  await loadApplicationWeights(model, r, 'ResNet50', WEIGHTS_FILES);
  return model;
}

/** Keras's resnet50.preprocess_input: 'caffe' mode. */
export function preprocessInput(x: Tensor, opts: { dataFormat?: DataFormat | null } = {}): Tensor {
  return pre(x, { dataFormat: opts.dataFormat, mode: 'caffe' });
}

/** Keras's decode_predictions for ImageNet classifiers. */
export function decodePredictions(preds: Tensor, opts: DecodeOptions = {}): Promise<Prediction[][]> {
  return decode(preds, opts);
}
