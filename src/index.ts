// convkit's public API: Keras's namespaces in camelCase.
import * as layersNs from './layers/index.js';
import * as modelsNs from './models/index.js';
import * as datasetsNs from './datasets/index.js';
import * as utilsNs from './utils/index.js';
import * as optimizersNs from './optimizers/index.js';
import * as lossesNs from './losses/index.js';
import * as metricsNs from './metrics/index.js';
import * as callbacksNs from './callbacks/index.js';
import * as initializersNs from './initializers/index.js';
import * as regularizersNs from './regularizers/index.js';
import * as opsNs from './ops/index.js';
import * as autogradNs from './autograd/index.js';
import * as backendNs from './backend/index.js';

export const layers = layersNs;
export const models = modelsNs;
export const datasets = datasetsNs;
export const utils = utilsNs;
export const optimizers = optimizersNs;
export const losses = lossesNs;
export const metrics = metricsNs;
export const callbacks = callbacksNs;
export const initializers = initializersNs;
export const regularizers = regularizersNs;
export const ops = opsNs;
export const autograd = autogradNs;
export const backend = backendNs;

export { Tensor, Variable, tensor, zeros, ones, fill, randomUniform, randomNormal, setRandomSeed } from './tensor/index.js';
export type { DType, Shape, TypedArray } from './tensor/index.js';
export { ShapeError, ValueError, FileFormatError, ConvkitError } from './errors.js';
export { gradients, valueAndGrads, noGrad, watch } from './autograd/index.js';
export { setBackend, getBackend, backendName } from './backend/index.js';
