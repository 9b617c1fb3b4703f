// All layers, by Keras name.
export { Layer, registerLayer, deserializeLayer, getLayerClass, type LayerArgs, type CallArgs } from './base.js';
export { KerasTensor } from './keras_tensor.js';
// Core, convolution and pooling.
export { Input, InputLayer, Dense, Activation, ReLU, Dropout, Flatten, Reshape } from './core.js';
export { Conv2D } from './convolutional.js';
export { DepthwiseConv2D, SeparableConv2D } from './depthwise.js';
export { MaxPooling2D, AveragePooling2D } from './pooling.js';
// Merging, global pooling, reshaping, normalization, regularization, preprocessing and augmentation.
export {
  Concatenate,
  Add,
  Subtract,
  Multiply,
  Average,
  Maximum,
  Minimum,
  concatenate,
  add,
  subtract,
  multiply,
  average,
  maximum,
  minimum,
} from './merging.js';
export {
  GlobalAveragePooling2D,
  GlobalMaxPooling2D,
  GlobalAveragePooling1D,
  GlobalMaxPooling1D,
} from './global_pooling.js';
export { ZeroPadding2D, Cropping2D, UpSampling2D } from './reshaping.js';
export { BatchNormalization, LayerNormalization } from './normalization.js';
export {
  SpatialDropout1D,
  SpatialDropout2D,
  SpatialDropout3D,
  GaussianNoise,
  GaussianDropout,
} from './regularization.js';
export {
  Rescaling,
  Resizing,
  CenterCrop,
  RandomCrop,
  RandomFlip,
  RandomRotation,
  RandomZoom,
  RandomTranslation,
  RandomContrast,
  RandomBrightness,
} from './preprocessing.js';
