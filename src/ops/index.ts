// The differentiable ops: every computation layers, losses and users do goes through these.
export * from './elementwise.js';
export * from './reduce.js';
export * from './shape.js';
export * from './slicing.js';
export * from './matmul.js';
export * from './conv.js';
export * from './depthwise.js';
export * from './pool.js';
export * from './softmax.js';
export * from './image.js';
export * from './batchnorm.js';
export { broadcastShapes } from './util.js';
// Gives Tensor its arithmetic methods (tensor/tensor.ts declares them and imports no op).
import './tensor_methods.js';
