// All layers, by Keras name.
export { Layer, registerLayer, deserializeLayer, getLayerClass, type LayerArgs, type CallArgs } from './base.js';
export { KerasTensor } from './keras_tensor.js';
// core (lead)
// -- section: issue 4 layers (helper) --
// -- end section --
