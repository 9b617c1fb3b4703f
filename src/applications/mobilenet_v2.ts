// keras.applications.mobilenet_v2: the preprocessing and decoding that go with MobileNetV2 ('tf' mode: pixels
// scaled to [-1, 1]). The MobileNetV2 builder itself is not here yet.
import type { Tensor } from '../tensor/tensor.js';
import {
  type DataFormat, type DecodeOptions, type Prediction, decodePredictions as decode, preprocessInput as pre,
} from './imagenet_utils.js';

/** Keras's mobilenet_v2.preprocess_input: 'tf' mode. */
export function preprocessInput(x: Tensor, opts: { dataFormat?: DataFormat | null } = {}): Tensor {
  return pre(x, { dataFormat: opts.dataFormat, mode: 'tf' });
}

/** Keras's decode_predictions for ImageNet classifiers. */
export function decodePredictions(preds: Tensor, opts: DecodeOptions = {}): Promise<Prediction[][]> {
  return decode(preds, opts);
}
