// convkit's public API: Keras's namespaces in camelCase.
export * as layers from './layers/index.js';
export * as models from './models/index.js';
export * as datasets from './datasets/index.js';
export * as utils from './utils/index.js';
export * as optimizers from './optimizers/index.js';
export * as losses from './losses/index.js';
export * as metrics from './metrics/index.js';
export * as callbacks from './callbacks/index.js';
export * as initializers from './initializers/index.js';
export * as regularizers from './regularizers/index.js';
export * as ops from './ops/index.js';
export * as autograd from './autograd/index.js';
export * as backend from './backend/index.js';
export * as data from './data/index.js';
export * as preprocessing from './preprocessing/index.js';
export * as vis from './vis/index.js';
export * as io from './io/index.js';
export * as applications from './applications/index.js';
export * as report from './report/index.js';

export {
  Tensor,
  Variable,
  tensor,
  zeros,
  ones,
  fill,
  randomUniform,
  randomNormal,
  setRandomSeed,
} from './tensor/index.js';
export type { DType, Shape, TypedArray } from './tensor/index.js';
export { ShapeError, ValueError, FileFormatError, ConvkitError } from './errors.js';
export { gradients, valueAndGrads, noGrad, watch } from './autograd/index.js';
export { setBackend, getBackend, backendName } from './backend/index.js';
