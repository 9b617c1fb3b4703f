// Activation functions by Keras name. Dense and Conv2D fuse 'relu' (and 'linear') into their
// kernel; every other activation is applied as a separate op.
import { ValueError } from '../errors.js';
import * as ops from '../ops/index.js';
import type { Tensor } from '../tensor/tensor.js';

const supported = ['linear', 'relu', 'sigmoid', 'softmax', 'tanh', 'softplus', 'relu6', 'swish'] as const;

/** The activations convkit implements, by Keras name. */
export type ActivationName = (typeof supported)[number];

export type ActivationFn = (x: Tensor) => Tensor;

const fns: Record<ActivationName, ActivationFn> = {
  linear: (x) => x,
  relu: ops.relu,
  sigmoid: ops.sigmoid,
  tanh: ops.tanh,
  softplus: ops.softplus,
  softmax: ops.softmax,
  relu6: (x) => ops.minimum(ops.relu(x), 6),
  swish: (x) => ops.mul(x, ops.sigmoid(x)),
};

/** Normalises an activation argument to its Keras name ('linear' for null/undefined). */
export function activationName(id: string | null | undefined, where: string): ActivationName {
  if (id === null || id === undefined) return 'linear';
  if (!isActivationName(id)) {
    throw new ValueError(`${where}: unknown activation '${String(id)}'; expected one of ${supported.join(', ')}`);
  }
  return id;
}

/** Own keys only, so names like 'constructor' or 'toString' are not taken for activations. */
function isActivationName(id: unknown): id is ActivationName {
  return typeof id === 'string' && Object.hasOwn(fns, id);
}

export function getActivation(name: string): ActivationFn {
  if (!isActivationName(name))
    throw new ValueError(`activation: unknown activation '${name}'; expected one of ${supported.join(', ')}`);
  return fns[name];
}
