// keras.applications.vgg16: the VGG16 builder, its ImageNet weight files and its preprocessing
// ('caffe': RGB→BGR, minus the ImageNet channel means, no scaling).
import type { Tensor } from '../tensor/tensor.js';
import type { Model } from '../models/model.js';
import type { ApplicationArgs, WeightsFile } from './common.js';
import {
  type DataFormat,
  type DecodeOptions,
  type Prediction,
  decodePredictions as decode,
  preprocessInput as pre,
} from './imagenet_utils.js';
import { buildVGG } from './vgg.js';

const BASE = 'https://storage.googleapis.com/tensorflow/keras-applications/vgg16/';

/** Keras's VGG16 weight files (vgg16.py WEIGHTS_PATH, WEIGHTS_PATH_NO_TOP and their md5 hashes). */
export const WEIGHTS_FILES: { top: WeightsFile; notop: WeightsFile } = {
  top: {
    fname: 'vgg16_weights_tf_dim_ordering_tf_kernels.h5',
    origin: `${BASE}vgg16_weights_tf_dim_ordering_tf_kernels.h5`,
    fileHash: '64373286793e3c8b2b4e3219cbf3544b',
    cacheSubdir: 'models',
  },
  notop: {
    fname: 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5',
    origin: `${BASE}vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5`,
    fileHash: '6d6bbae143d832006294945121d1f1fc',
    cacheSubdir: 'models',
  },
};

/**
 * VGG16 (Simonyan & Zisserman, 2015) as Keras builds it: 13 convolutions in 5 blocks, and with
 * `includeTop` Flatten, fc1, fc2 and predictions (138,357,544 parameters; 14,714,688 without the top).
 */
export function VGG16(args: ApplicationArgs = {}): Promise<Model> {
  return buildVGG(args, 'VGG16', 'vgg16', [2, 2, 3, 3, 3], WEIGHTS_FILES);
}

/** Keras's vgg16.preprocess_input: 'caffe' mode. */
export function preprocessInput(x: Tensor, opts: { dataFormat?: DataFormat | null } = {}): Tensor {
  return pre(x, { dataFormat: opts.dataFormat, mode: 'caffe' });
}

/** Keras's decode_predictions for ImageNet classifiers. */
export function decodePredictions(preds: Tensor, opts: DecodeOptions = {}): Promise<Prediction[][]> {
  return decode(preds, opts);
}
