// Tensor creation helpers (the public constructors) and re-exports.
import { ValueError } from '../errors.js';
// Tensors made here get their op-backed methods (x.add, x.reshape ...) from ops/ as it loads.
import '../ops/index.js';
import { getRng } from './random.js';
import { Tensor, type DType, type TypedArray, arrayFor, sizeOf } from './tensor.js';

export { Tensor, Variable, sizeOf, type DType, type TypedArray, type Shape, type TensorLike } from './tensor.js';
export { setRandomSeed, getRng, RandomGenerator } from './random.js';

function inferShape(values: unknown): number[] {
  const shape: number[] = [];
  let v = values;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  return shape;
}

/** A tensor from nested arrays or a typed array (with a shape). */
export function tensor(values: unknown, shape?: readonly number[], dtype: DType = 'float32'): Tensor {
  if (ArrayBuffer.isView(values)) {
    const data = values as TypedArray;
    const s = shape ?? [data.length];
    if (dtype === 'float32' && !(data instanceof Float32Array)) return new Tensor(Float32Array.from(data), s);
    return new Tensor(data, s);
  }
  if (typeof values === 'number') return new Tensor(Float32Array.of(values), shape ?? []);
  if (!Array.isArray(values))
    throw new ValueError(`tensor: expected an array, a typed array or a number, got ${typeof values}`);
  const flat = (values as unknown[]).flat(Infinity) as number[];
  const s = shape ?? inferShape(values);
  const data = arrayFor(dtype, flat.length);
  for (let i = 0; i < flat.length; i++) data[i] = flat[i];
  return new Tensor(data, s);
}

export function zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return new Tensor(arrayFor(dtype, sizeOf(shape)), shape);
}

export function ones(shape: readonly number[]): Tensor {
  return new Tensor(new Float32Array(sizeOf(shape)).fill(1), shape);
}

export function fill(shape: readonly number[], value: number): Tensor {
  return new Tensor(new Float32Array(sizeOf(shape)).fill(value), shape);
}

export function randomUniform(shape: readonly number[], minval = 0, maxval = 1): Tensor {
  const rng = getRng();
  const d = new Float32Array(sizeOf(shape));
  for (let i = 0; i < d.length; i++) d[i] = rng.uniform(minval, maxval);
  return new Tensor(d, shape);
}

export function randomNormal(shape: readonly number[], mean = 0, stddev = 1): Tensor {
  const rng = getRng();
  const d = new Float32Array(sizeOf(shape));
  for (let i = 0; i < d.length; i++) d[i] = rng.normal(mean, stddev);
  return new Tensor(d, shape);
}
