// Image ops on NHWC float32 tensors, with gradients: crop2d (a window of the spatial axes; its
// gradient zero-pads back), resize2d (bilinear or nearest with half-pixel centres as TF2's
// tf.image.resize; a linear map, so the gradient scatters through the same weights) and
// flip2d (per-image horizontal/vertical flips; a permutation, its own inverse).
// Random geometric warps (rotation, zoom, translation) are not here: they live in data/affine.ts
// and carry no gradient.
import { record } from '../autograd/tape.js';
import { ShapeError, ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { floatData } from './util.js';

function need4d(x: Tensor, op: string): [number, number, number, number] {
  if (x.rank !== 4) throw new ShapeError(`${op}: expected a 4D NHWC tensor, got shape [${x.shape.join(', ')}]`);
  return x.shape as unknown as [number, number, number, number];
}

/** The window [top, top+height) × [left, left+width) of every image. */
export function crop2d(x: Tensor, top: number, left: number, height: number, width: number): Tensor {
  const [n, h, w, c] = need4d(x, 'crop2d');
  if (![top, left, height, width].every(Number.isInteger) || top < 0 || left < 0 || height < 0 || width < 0 || top + height > h || left + width > w) {
    throw new ShapeError(`crop2d: window top=${top}, left=${left}, height=${height}, width=${width} does not fit images of ${h}x${w}`);
  }
  const d = floatData(x);
  const out = new Float32Array(n * height * width * c);
  for (let b = 0; b < n; b++) for (let i = 0; i < height; i++) {
    const src = ((b * h + i + top) * w + left) * c;
    out.set(d.subarray(src, src + width * c), ((b * height + i) * width) * c);
  }
  const y = new Tensor(out, [n, height, width, c]);
  return record(y, 'crop2d', [x], (dy) => {
    const g = new Float32Array(x.size);
    const dd = dy.data as Float32Array;
    for (let b = 0; b < n; b++) for (let i = 0; i < height; i++) {
      const dst = ((b * h + i + top) * w + left) * c;
      const src = ((b * height + i) * width) * c;
      g.set(dd.subarray(src, src + width * c), dst);
    }
    return [new Tensor(g, x.shape)];
  });
}

export type ResizeMethod = 'bilinear' | 'nearest';

/** Per output index: the two source indices and the weight of the second (TF2 half-pixel centres). */
function axisWeights(inSize: number, outSize: number, method: ResizeMethod): { lo: Int32Array; hi: Int32Array; t: Float32Array } {
  const lo = new Int32Array(outSize), hi = new Int32Array(outSize), t = new Float32Array(outSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    if (method === 'nearest') {
      const i = Math.min(Math.floor((o + 0.5) * scale), inSize - 1);
      lo[o] = i; hi[o] = i; t[o] = 0;
    } else {
      const src = (o + 0.5) * scale - 0.5;
      const f = Math.floor(src);
      lo[o] = Math.max(f, 0);
      hi[o] = Math.min(Math.ceil(src), inSize - 1);
      t[o] = src - f;
    }
  }
  return { lo, hi, t };
}

/** Resizes every image to height × width. */
export function resize2d(x: Tensor, height: number, width: number, method: ResizeMethod = 'bilinear'): Tensor {
  const [n, h, w, c] = need4d(x, 'resize2d');
  if (method !== 'bilinear' && method !== 'nearest') throw new ValueError(`resize2d: interpolation must be 'bilinear' or 'nearest', got '${String(method)}'`);
  if (!Number.isInteger(height) || !Number.isInteger(width) || height <= 0 || width <= 0) {
    throw new ValueError(`resize2d: size must be positive integers, got ${height}x${width}`);
  }
  if (height === h && width === w) return x;
  const ry = axisWeights(h, height, method), rx = axisWeights(w, width, method);
  const d = floatData(x);
  const out = new Float32Array(n * height * width * c);
  for (let b = 0; b < n; b++) {
    const base = b * h * w * c;
    for (let oy = 0; oy < height; oy++) {
      const y0 = ry.lo[oy], y1 = ry.hi[oy], ty = ry.t[oy];
      for (let ox = 0; ox < width; ox++) {
        const x0 = rx.lo[ox], x1 = rx.hi[ox], tx = rx.t[ox];
        const p00 = base + (y0 * w + x0) * c, p01 = base + (y0 * w + x1) * c;
        const p10 = base + (y1 * w + x0) * c, p11 = base + (y1 * w + x1) * c;
        const o = ((b * height + oy) * width + ox) * c;
        for (let k = 0; k < c; k++) {
          const top = d[p00 + k] + (d[p01 + k] - d[p00 + k]) * tx;
          const bot = d[p10 + k] + (d[p11 + k] - d[p10 + k]) * tx;
          out[o + k] = top + (bot - top) * ty;
        }
      }
    }
  }
  const y = new Tensor(out, [n, height, width, c]);
  return record(y, 'resize2d', [x], (dy) => {
    const g = new Float32Array(x.size);
    const dd = dy.data as Float32Array;
    for (let b = 0; b < n; b++) {
      const base = b * h * w * c;
      for (let oy = 0; oy < height; oy++) {
        const y0 = ry.lo[oy], y1 = ry.hi[oy], ty = ry.t[oy];
        for (let ox = 0; ox < width; ox++) {
          const x0 = rx.lo[ox], x1 = rx.hi[ox], tx = rx.t[ox];
          const w00 = (1 - ty) * (1 - tx), w01 = (1 - ty) * tx, w10 = ty * (1 - tx), w11 = ty * tx;
          const p00 = base + (y0 * w + x0) * c, p01 = base + (y0 * w + x1) * c;
          const p10 = base + (y1 * w + x0) * c, p11 = base + (y1 * w + x1) * c;
          const o = ((b * height + oy) * width + ox) * c;
          for (let k = 0; k < c; k++) {
            const v = dd[o + k];
            g[p00 + k] += v * w00; g[p01 + k] += v * w01; g[p10 + k] += v * w10; g[p11 + k] += v * w11;
          }
        }
      }
    }
    return [new Tensor(g, x.shape)];
  });
}

/** Flips image b left-right where horizontal[b] is true and upside-down where vertical[b] is true. */
export function flip2d(x: Tensor, horizontal: ArrayLike<boolean>, vertical: ArrayLike<boolean>): Tensor {
  const [n, h, w, c] = need4d(x, 'flip2d');
  if (horizontal.length !== n || vertical.length !== n) {
    throw new ShapeError(`flip2d: expected ${n} flags per direction, got ${horizontal.length} and ${vertical.length}`);
  }
  const apply = (src: Float32Array): Float32Array => {
    const out = new Float32Array(src.length);
    for (let b = 0; b < n; b++) {
      const hf = horizontal[b], vf = vertical[b];
      for (let i = 0; i < h; i++) {
        const si = vf ? h - 1 - i : i;
        if (!hf) {
          const s = ((b * h + si) * w) * c;
          out.set(src.subarray(s, s + w * c), ((b * h + i) * w) * c);
          continue;
        }
        const srow = ((b * h + si) * w) * c, drow = ((b * h + i) * w) * c;
        for (let j = 0; j < w; j++) {
          const s = srow + (w - 1 - j) * c, d = drow + j * c;
          for (let k = 0; k < c; k++) out[d + k] = src[s + k];
        }
      }
    }
    return out;
  };
  const y = new Tensor(apply(floatData(x)), x.shape);
  return record(y, 'flip2d', [x], (dy) => [new Tensor(apply(dy.data as Float32Array), x.shape)]);
}
