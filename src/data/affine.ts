// Affine (and projective) image warps on plain Float32Array HWC images: the one implementation
// behind ImageDataGenerator's random transforms and the augmentation layers (RandomRotation,
// RandomZoom, RandomTranslation). Semantics follow TensorFlow's ImageProjectiveTransformV3, which
// Keras 3's layers call: the matrix maps an OUTPUT pixel (x = column, y = row, integer centres)
// to an INPUT location. Out-of-range interpolation taps are resolved one by one with the fill mode
// (Keras 3's map_coordinates: reflect d c b a|a b c d|d c b a, wrap, nearest, constant).
// No tensors here and no randomness: callers draw the parameters and build the matrix.
import { ValueError } from '../errors.js';

export type FillMode = 'reflect' | 'wrap' | 'constant' | 'nearest';
export type WarpInterpolation = 'bilinear' | 'nearest';

/**
 * Output→input mapping, TF's flat form: [a0, a1, a2, b0, b1, b2] (affine) or with [c0, c1]
 * (projective). Input point for output (x, y): ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k),
 * k = c0 x + c1 y + 1.
 */
export type TransformMatrix = readonly number[];

export interface AffineOptions {
  /** Default 'reflect' (Keras 3 layers); ImageDataGenerator passes 'nearest'. */
  fillMode?: FillMode;
  /** Value used by fillMode 'constant' (default 0). */
  fillValue?: number;
  /** Default 'bilinear'. */
  interpolation?: WarpInterpolation;
  /** Output size; default the input size. */
  outH?: number;
  outW?: number;
  /** Write into this buffer (length outH*outW*c) instead of allocating. */
  out?: Float32Array;
}

export const FILL_MODES: readonly FillMode[] = ['reflect', 'wrap', 'constant', 'nearest'];

/**
 * Maps an integer pixel index (possibly outside [0, len)) to the index it reads under `mode`, or
 * -1 for 'constant' (read the fill value). Each interpolation tap is fixed separately, as Keras 3's
 * map_coordinates does (numpy/JAX/torch backends); this is exact for every mode, including 'wrap'.
 */
export function fixIndex(i: number, len: number, mode: FillMode): number {
  if (i >= 0 && i < len) return i;
  switch (mode) {
    case 'constant':
      return -1;
    case 'nearest':
      return i < 0 ? 0 : len - 1;
    case 'wrap':
      return ((i % len) + len) % len;
    case 'reflect': {
      // [abcd] -> [dcba|abcd|dcba]: period 2·len, mirrored about the pixel edges.
      const p = 2 * len;
      const m = ((i % p) + p) % p;
      return m < len ? m : p - 1 - m;
    }
    default:
      throw new ValueError(
        `fillMode: expected one of ${FILL_MODES.map((m) => `'${m}'`).join(', ')}, got '${String(mode)}'`,
      );
  }
}

/** Rounds half away from zero (C's std::round, used by TF's nearest sampling). */
function roundHalfAway(v: number): number {
  return v < 0 ? -Math.round(-v) : Math.round(v);
}

/**
 * Warps one HWC float image. `src` has h*w*c values; returns outH*outW*c values.
 * Points that map outside the image take their value from the fill mode.
 */
export function affineTransform(
  src: Float32Array,
  h: number,
  w: number,
  c: number,
  matrix: TransformMatrix,
  opts: AffineOptions = {},
): Float32Array {
  const fillMode = opts.fillMode ?? 'reflect';
  const fillValue = opts.fillValue ?? 0;
  const interpolation = opts.interpolation ?? 'bilinear';
  const outH = opts.outH ?? h;
  const outW = opts.outW ?? w;
  if (src.length !== h * w * c) {
    throw new ValueError(
      `affineTransform: src has ${src.length} values, expected h*w*c = ${h}*${w}*${c} = ${h * w * c}`,
    );
  }
  if (matrix.length !== 6 && matrix.length !== 8) {
    throw new ValueError(`affineTransform: matrix must have 6 or 8 values, got ${matrix.length}`);
  }
  if (!FILL_MODES.includes(fillMode)) {
    throw new ValueError(
      `affineTransform: fillMode must be one of ${FILL_MODES.map((m) => `'${m}'`).join(', ')}, got ` +
        `'${String(fillMode)}'`,
    );
  }
  if (interpolation !== 'bilinear' && interpolation !== 'nearest') {
    throw new ValueError(
      `affineTransform: interpolation must be 'bilinear' or 'nearest', got '${String(interpolation)}'`,
    );
  }
  const out = opts.out ?? new Float32Array(outH * outW * c);
  if (out.length !== outH * outW * c)
    throw new ValueError(`affineTransform: out has ${out.length} values, expected ${outH * outW * c}`);
  const [a0, a1, a2, b0, b1, b2] = matrix;
  const c0 = matrix.length === 8 ? matrix[6] : 0;
  const c1 = matrix.length === 8 ? matrix[7] : 0;
  const bilinear = interpolation === 'bilinear';

  let o = 0;
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++, o += c) {
      const k = c0 * ox + c1 * oy + 1;
      if (k === 0) {
        for (let ch = 0; ch < c; ch++) out[o + ch] = fillValue;
        continue;
      }
      const x = (a0 * ox + a1 * oy + a2) / k;
      const y = (b0 * ox + b1 * oy + b2) / k;
      if (!bilinear) {
        const yi = fixIndex(roundHalfAway(y), h, fillMode);
        const xi = fixIndex(roundHalfAway(x), w, fillMode);
        if (yi >= 0 && xi >= 0) {
          const base = (yi * w + xi) * c;
          for (let ch = 0; ch < c; ch++) out[o + ch] = src[base + ch];
        } else {
          for (let ch = 0; ch < c; ch++) out[o + ch] = fillValue;
        }
        continue;
      }
      const y0 = Math.floor(y);
      const x0 = Math.floor(x);
      const fy = y - y0;
      const fx = x - x0;
      if (y0 >= 0 && y0 + 1 < h && x0 >= 0 && x0 + 1 < w) {
        // Fast path: all four taps inside.
        const p00 = (y0 * w + x0) * c;
        const p01 = p00 + c;
        const p10 = p00 + w * c;
        const p11 = p10 + c;
        for (let ch = 0; ch < c; ch++) {
          const top = (1 - fx) * src[p00 + ch] + fx * src[p01 + ch];
          const bot = (1 - fx) * src[p10 + ch] + fx * src[p11 + ch];
          out[o + ch] = (1 - fy) * top + fy * bot;
        }
        continue;
      }
      const ya = fixIndex(y0, h, fillMode);
      const yb = fixIndex(y0 + 1, h, fillMode);
      const xa = fixIndex(x0, w, fillMode);
      const xb = fixIndex(x0 + 1, w, fillMode);
      for (let ch = 0; ch < c; ch++) {
        const v00 = ya >= 0 && xa >= 0 ? src[(ya * w + xa) * c + ch] : fillValue;
        const v01 = ya >= 0 && xb >= 0 ? src[(ya * w + xb) * c + ch] : fillValue;
        const v10 = yb >= 0 && xa >= 0 ? src[(yb * w + xa) * c + ch] : fillValue;
        const v11 = yb >= 0 && xb >= 0 ? src[(yb * w + xb) * c + ch] : fillValue;
        const top = (1 - fx) * v00 + fx * v01;
        const bot = (1 - fx) * v10 + fx * v11;
        out[o + ch] = (1 - fy) * top + fy * bot;
      }
    }
  }
  return out;
}

/** Warps each image of an NHWC batch with its own matrix (one matrix for all when a single one is given). */
export function affineTransformBatch(
  src: Float32Array,
  n: number,
  h: number,
  w: number,
  c: number,
  matrices: TransformMatrix | readonly TransformMatrix[],
  opts: AffineOptions = {},
): Float32Array {
  const outH = opts.outH ?? h;
  const outW = opts.outW ?? w;
  const per = h * w * c;
  const perOut = outH * outW * c;
  if (src.length !== n * per)
    throw new ValueError(`affineTransformBatch: src has ${src.length} values, expected n*h*w*c = ${n * per}`);
  const single = typeof matrices[0] === 'number';
  if (!single && (matrices as readonly TransformMatrix[]).length !== n) {
    throw new ValueError(
      `affineTransformBatch: expected ${n} matrices (one per image), got ` +
        `${(matrices as readonly TransformMatrix[]).length}`,
    );
  }
  const out = new Float32Array(n * perOut);
  for (let i = 0; i < n; i++) {
    const m = single ? (matrices as TransformMatrix) : (matrices as readonly TransformMatrix[])[i];
    affineTransform(src.subarray(i * per, (i + 1) * per), h, w, c, m, {
      ...opts,
      outH,
      outW,
      out: out.subarray(i * perOut, (i + 1) * perOut),
    });
  }
  return out;
}

// ---- Matrix builders (all output→input, TF flat form, 6 values) ----

export const IDENTITY: TransformMatrix = Object.freeze([1, 0, 0, 0, 1, 0]);

/** 3x3 row-major form of a flat 6-value matrix. */
function to3x3(m: TransformMatrix): number[] {
  return [m[0], m[1], m[2], m[3], m[4], m[5], 0, 0, 1];
}

/**
 * Composition: the returned matrix applies `first` then `second` to output coordinates, i.e.
 * input = second(first(output)). With output→input matrices that is the product second·first.
 */
export function composeTransforms(...ms: TransformMatrix[]): TransformMatrix {
  let acc = to3x3(IDENTITY);
  for (const m of ms) {
    const b = to3x3(m);
    const r = new Array<number>(9).fill(0);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) r[i * 3 + j] += b[i * 3 + k] * acc[k * 3 + j];
    acc = r;
  }
  return acc.slice(0, 6);
}

/**
 * Rotation about the image centre by `angle` radians (positive = counter-clockwise, as
 * Keras 3's RandomRotation, whose matrix this is).
 */
export function rotationMatrix(angle: number, h: number, w: number): TransformMatrix {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const xOff = (w - 1 - (cos * (w - 1) - sin * (h - 1))) / 2;
  const yOff = (h - 1 - (sin * (w - 1) + cos * (h - 1))) / 2;
  return [cos, -sin, xOff, sin, cos, yOff];
}

/**
 * Zoom about the centre as Keras 3's RandomZoom: zx, zy are input/output scale (>1 zooms out,
 * showing more of the image; <1 zooms in). Keras's layer passes 1 + factor.
 */
export function zoomMatrix(zx: number, zy: number, h: number, w: number): TransformMatrix {
  return [zx, 0, ((w - 1) / 2) * (1 - zx), 0, zy, ((h - 1) / 2) * (1 - zy)];
}

/** Translation by (dx, dy) pixels: the content moves right by dx and down by dy (Keras's RandomTranslation). */
export function translationMatrix(dx: number, dy: number): TransformMatrix {
  return [1, 0, -dx, 0, 1, -dy];
}

/** Shear about the centre by `shear` radians along x (Keras 2 ImageDataGenerator's convention). */
export function shearMatrix(shear: number, h: number, w: number): TransformMatrix {
  // Keras 2 (row, col) matrix [[1, -sin s, 0], [0, cos s, 0]] applied around the centre.
  const s = Math.sin(shear);
  const co = Math.cos(shear);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  // In (x=col, y=row) form: row' = row - sin(s)*col, col' = cos(s)*col
  // => x_in = co*x, y_in = y - s*x (about the centre)
  return [co, 0, cx - co * cx, -s, 1, cy - (cy - s * cx)];
}

/** Horizontal flip (mirror left-right). */
export function flipHorizontalMatrix(w: number): TransformMatrix {
  return [-1, 0, w - 1, 0, 1, 0];
}

/** Vertical flip (mirror top-bottom). */
export function flipVerticalMatrix(h: number): TransformMatrix {
  return [1, 0, 0, 0, -1, h - 1];
}

export interface KerasTransformParams {
  /** Rotation in degrees (Keras 2 theta). */
  theta?: number;
  /** Shift along rows (height), pixels. */
  tx?: number;
  /** Shift along columns (width), pixels. */
  ty?: number;
  /** Shear in degrees. */
  shear?: number;
  /** Zoom along rows and columns (input/output scale; 1 = none). */
  zx?: number;
  zy?: number;
}

/**
 * The single output→input matrix of Keras 2's apply_affine_transform (rotation, then shift, then
 * shear, then zoom, all about the image centre), in this module's (x = column, y = row) form.
 * Keras 2 builds the product R·T·S·Z in (row, col) coordinates and centres it on
 * (h/2 − 0.5, w/2 − 0.5); scipy then samples input = M·output. We do the same but centre each
 * axis on its own size (Keras 2 mixes h and w there, which only matters for non-square images).
 */
export function kerasAffineMatrix(p: KerasTransformParams, h: number, w: number): TransformMatrix | null {
  const theta = ((p.theta ?? 0) * Math.PI) / 180;
  const tx = p.tx ?? 0;
  const ty = p.ty ?? 0;
  const shear = ((p.shear ?? 0) * Math.PI) / 180;
  const zx = p.zx ?? 1;
  const zy = p.zy ?? 1;
  if (theta === 0 && tx === 0 && ty === 0 && shear === 0 && zx === 1 && zy === 1) return null;
  const mul = (a: number[], b: number[]): number[] => {
    const r = new Array<number>(9).fill(0);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) r[i * 3 + j] += a[i * 3 + k] * b[k * 3 + j];
    return r;
  };
  // (row, col) coordinates, as Keras 2 / scipy.
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  let m = [cos, -sin, 0, sin, cos, 0, 0, 0, 1];
  m = mul(m, [1, 0, tx, 0, 1, ty, 0, 0, 1]);
  m = mul(m, [1, -Math.sin(shear), 0, 0, Math.cos(shear), 0, 0, 0, 1]);
  m = mul(m, [zx, 0, 0, 0, zy, 0, 0, 0, 1]);
  const oy = h / 2 - 0.5;
  const ox = w / 2 - 0.5;
  m = mul(mul([1, 0, oy, 0, 1, ox, 0, 0, 1], m), [1, 0, -oy, 0, 1, -ox, 0, 0, 1]);
  // m maps (row, col) -> (row_in, col_in). Swap to (x=col, y=row):
  // x_in = m[4]*x + m[3]*y + m[5]; y_in = m[1]*x + m[0]*y + m[2].
  return [m[4], m[3], m[5], m[1], m[0], m[2]];
}
