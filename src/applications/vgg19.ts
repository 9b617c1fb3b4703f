// keras.applications.vgg19: the VGG19 builder, its ImageNet weight files and its preprocessing
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

const BASE = 'https://storage.googleapis.com/tensorflow/keras-applications/vgg19/';

/** Keras's VGG19 weight files (vgg19.py WEIGHTS_PATH, WEIGHTS_PATH_NO_TOP and their md5 hashes). */
export const WEIGHTS_FILES: { top: WeightsFile; notop: WeightsFile } = {
  top: {
    fname: 'vgg19_weights_tf_dim_ordering_tf_kernels.h5',
    origin: `${BASE}vgg19_weights_tf_dim_ordering_tf_kernels.h5`,
    fileHash: 'cbe5617147190e668d6c5d5026f83318',
    cacheSubdir: 'models',
  },
  notop: {
    fname: 'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5',
    origin: `${BASE}vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5`,
    fileHash: '253f8cb515780f3b799900260a226db6',
    cacheSubdir: 'models',
  },
};

/**
 * VGG19 (Simonyan & Zisserman, 2015) as Keras builds it: 16 convolutions in 5 blocks, and with
 * `includeTop` Flatten, fc1, fc2 and predictions (143,667,240 parameters; 20,024,384 without the top).
 */
export function VGG19(args: ApplicationArgs = {}): Promise<Model> {
  return buildVGG(args, 'VGG19', 'vgg19', [2, 2, 4, 4, 4], WEIGHTS_FILES);
}

/** Keras's vgg19.preprocess_input: 'caffe' mode. */
export function preprocessInput(x: Tensor, opts: { dataFormat?: DataFormat | null } = {}): Tensor {
  return pre(x, { dataFormat: opts.dataFormat, mode: 'caffe' });
}

/** Keras's decode_predictions for ImageNet classifiers. */
export function decodePredictions(preds: Tensor, opts: DecodeOptions = {}): Promise<Prediction[][]> {
  return decode(preds, opts);
}
