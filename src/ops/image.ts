// Image ops on NHWC float32 tensors, with gradients: crop2d (a window of the spatial axes; its
// gradient zero-pads back), resize2d (tf.image.resize's half-pixel centres, any Interpolation of
// backend/image_geometry.ts; a linear map, so the gradient is its adjoint kernel) and flip2d
// (per-image horizontal/vertical flips; a permutation, its own inverse). The loops are kernels.
// Random geometric warps (rotation, zoom, translation) are not here: they live in data/affine.ts
// and carry no gradient.
import { getBackend } from '../backend/index.js';
import { INTERPOLATIONS } from '../backend/image_geometry.js';
import type { Interpolation } from '../backend/types.js';
import { record } from '../autograd/tape.js';
import { ShapeError, ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { floatData } from './util.js';

function need4d(x: Tensor, op: string): readonly [number, number, number, number] {
  if (x.rank !== 4) throw new ShapeError(`${op}: expected a 4D NHWC tensor, got shape [${x.shape.join(', ')}]`);
  const [n, h, w, c] = x.shape;
  return [n, h, w, c];
}

/** The window [top, top+height) × [left, left+width) of every image. */
export function crop2d(x: Tensor, top: number, left: number, height: number, width: number): Tensor {
  const [n, h, w, c] = need4d(x, 'crop2d');
  if (
    ![top, left, height, width].every(Number.isInteger) ||
    top < 0 ||
    left < 0 ||
    height < 0 ||
    width < 0 ||
    top + height > h ||
    left + width > w
  ) {
    throw new ShapeError(
      `crop2d: window top=${top}, left=${left}, height=${height}, width=${width} does not fit images of ${h}x${w}`,
    );
  }
  const be = getBackend();
  const y = new Tensor(be.crop2d(floatData(x), x.shape, top, left, height, width), [n, height, width, c]);
  return record(y, 'crop2d', [x], (dy) => [
    new Tensor(be.pad2d(floatData(dy), dy.shape, top, h - top - height, left, w - left - width), x.shape),
  ]);
}

/** The interpolations resize2d accepts: the one list of the image-geometry module. */
export type ResizeMethod = Interpolation;

/** Resizes every image to height × width. */
export function resize2d(x: Tensor, height: number, width: number, method: ResizeMethod = 'bilinear'): Tensor {
  const [n, h, w, c] = need4d(x, 'resize2d');
  if (!INTERPOLATIONS.includes(method)) {
    throw new ValueError(
      `resize2d: interpolation must be one of ${INTERPOLATIONS.map((m) => `'${m}'`).join(
        ', ',
      )}, got '${String(method)}'`,
    );
  }
  if (!Number.isInteger(height) || !Number.isInteger(width) || height <= 0 || width <= 0) {
    throw new ValueError(`resize2d: size must be positive integers, got ${height}x${width}`);
  }
  if (height === h && width === w) return x;
  const be = getBackend();
  const y = new Tensor(be.resize2d(floatData(x), x.shape, height, width, method), [n, height, width, c]);
  return record(y, 'resize2d', [x], (dy) => [
    new Tensor(be.resize2dBackward(floatData(dy), x.shape, height, width, method), x.shape),
  ]);
}

/** Flips image b left-right where horizontal[b] is true and upside-down where vertical[b] is true. */
export function flip2d(x: Tensor, horizontal: ArrayLike<boolean>, vertical: ArrayLike<boolean>): Tensor {
  const [n] = need4d(x, 'flip2d');
  if (horizontal.length !== n || vertical.length !== n) {
    throw new ShapeError(`flip2d: expected ${n} flags per direction, got ${horizontal.length} and ${vertical.length}`);
  }
  const flags = new Uint8Array(n);
  for (let b = 0; b < n; b++) flags[b] = (horizontal[b] ? 1 : 0) | (vertical[b] ? 2 : 0);
  const be = getBackend();
  const y = new Tensor(be.flip2d(floatData(x), x.shape, flags), x.shape);
  return record(y, 'flip2d', [x], (dy) => [new Tensor(be.flip2d(floatData(dy), x.shape, flags), x.shape)]);
}
