// Reference kernels that move data without arithmetic (row gathers, concatenation, axis slices,
// spatial padding, crops and flips) and the image resize with its adjoint. Plain loops over
// NHWC float32 buffers; the arguments have passed the shared validation (validate.ts).
import { resizeImage, resizeImageBackward } from '../image_geometry.js';
import type { Kernels } from '../kernels.js';

type ShapeKernels = Pick<
  Kernels,
  | 'gatherRows'
  | 'scatterAddRows'
  | 'concat'
  | 'sliceAxis'
  | 'pad2d'
  | 'crop2d'
  | 'flip2d'
  | 'resize2d'
  | 'resize2dBackward'
>;

/** Copies `rows` rows of `width` values from src (stride srcStride) to dst (stride dstStride). */
function copyRows(
  src: Float32Array,
  srcStart: number,
  srcStride: number,
  dst: Float32Array,
  dstStart: number,
  dstStride: number,
  rows: number,
  width: number,
): void {
  for (let r = 0; r < rows; r++) {
    const s = srcStart + r * srcStride;
    dst.set(src.subarray(s, s + width), dstStart + r * dstStride);
  }
}

export const shapeKernels: ShapeKernels = {
  gatherRows(x, indices, _rows, rowSize) {
    const out = new Float32Array(indices.length * rowSize);
    for (let i = 0; i < indices.length; i++) {
      const s = indices[i] * rowSize;
      out.set(x.subarray(s, s + rowSize), i * rowSize);
    }
    return out;
  },

  scatterAddRows(dy, indices, rows, rowSize) {
    const g = new Float32Array(rows * rowSize);
    for (let i = 0; i < indices.length; i++) {
      const base = indices[i] * rowSize;
      for (let j = 0; j < rowSize; j++) g[base + j] += dy[i * rowSize + j];
    }
    return g;
  },

  concat(xs, outer, inner, sizes) {
    let total = 0;
    for (const s of sizes) total += s;
    const out = new Float32Array(outer * total * inner);
    let offset = 0;
    for (let k = 0; k < xs.length; k++) {
      const chunk = sizes[k] * inner;
      copyRows(xs[k], 0, chunk, out, offset * inner, total * inner, outer, chunk);
      offset += sizes[k];
    }
    return out;
  },

  sliceAxis(x, outer, size, inner, start, length) {
    const out = new Float32Array(outer * length * inner);
    copyRows(x, start * inner, size * inner, out, 0, length * inner, outer, length * inner);
    return out;
  },

  pad2d(x, shape, top, bottom, left, right) {
    const [n, h, w, c] = shape;
    const oh = h + top + bottom,
      ow = w + left + right;
    const out = new Float32Array(n * oh * ow * c);
    for (let b = 0; b < n; b++) {
      copyRows(x, b * h * w * c, w * c, out, ((b * oh + top) * ow + left) * c, ow * c, h, w * c);
    }
    return out;
  },

  crop2d(x, shape, top, left, height, width) {
    const [n, h, w, c] = shape;
    const out = new Float32Array(n * height * width * c);
    for (let b = 0; b < n; b++) {
      copyRows(x, ((b * h + top) * w + left) * c, w * c, out, b * height * width * c, width * c, height, width * c);
    }
    return out;
  },

  flip2d(x, shape, flags) {
    const [n, h, w, c] = shape;
    const out = new Float32Array(x.length);
    for (let b = 0; b < n; b++) {
      const hf = (flags[b] & 1) !== 0,
        vf = (flags[b] & 2) !== 0;
      for (let i = 0; i < h; i++) {
        const srow = (b * h + (vf ? h - 1 - i : i)) * w * c,
          drow = (b * h + i) * w * c;
        if (!hf) {
          out.set(x.subarray(srow, srow + w * c), drow);
          continue;
        }
        for (let j = 0; j < w; j++) {
          const s = srow + (w - 1 - j) * c,
            d = drow + j * c;
          for (let k = 0; k < c; k++) out[d + k] = x[s + k];
        }
      }
    }
    return out;
  },

  resize2d(x, shape, outH, outW, method) {
    const [n, h, w, c] = shape;
    const per = h * w * c,
      perOut = outH * outW * c;
    const out = new Float32Array(n * perOut);
    for (let b = 0; b < n; b++) {
      out.set(resizeImage(x.subarray(b * per, (b + 1) * per), h, w, c, outH, outW, method), b * perOut);
    }
    return out;
  },

  resize2dBackward(dy, shape, outH, outW, method) {
    const [n, h, w, c] = shape;
    const per = h * w * c,
      perOut = outH * outW * c;
    const dx = new Float32Array(n * per);
    for (let b = 0; b < n; b++) {
      dx.set(resizeImageBackward(dy.subarray(b * perOut, (b + 1) * perOut), h, w, c, outH, outW, method), b * per);
    }
    return dx;
  },
};
