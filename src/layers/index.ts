// All layers, by Keras name.
export { Layer, registerLayer, deserializeLayer, getLayerClass, type LayerArgs, type CallArgs } from './base.js';
export { KerasTensor } from './keras_tensor.js';
// core (lead)
export { Input, InputLayer, Dense, Activation, ReLU, Dropout, Flatten, Reshape } from './core.js';
export { Conv2D } from './convolutional.js';
export { MaxPooling2D, AveragePooling2D } from './pooling.js';
// -- section: issue 4 layers (helper) --
// -- end section --
