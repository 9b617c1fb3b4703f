// Image geometry, in one place for the whole library: the one Interpolation type and resizing with
// TensorFlow's tf.image.resize semantics (what Keras's image utilities call): 'bilinear'
// (half-pixel centres, no antialias), 'nearest' (half-pixel centres), 'bicubic' (Keys cubic,
// a = -0.5, out-of-range taps dropped and weights renormalised, as TF) and 'area'; the adjoint of
// each resize (for gradients); and the centre crop / pad of Keras's smart_resize.
// Pure functions on HWC arrays; no sharp, no tensors, so decoding workers can use them. The
// reference resize kernel (backend/js) is these functions applied image by image; data/ and
// layers/ reach them through data/resize.ts.
import { ValueError } from '../errors.js';

export type Interpolation = 'bilinear' | 'nearest' | 'bicubic' | 'area';
export const INTERPOLATIONS: readonly Interpolation[] = ['bilinear', 'nearest', 'bicubic', 'area'];

export function checkInterpolation(v: unknown, where: string): Interpolation {
  if (!INTERPOLATIONS.includes(v as Interpolation)) {
    const allowed = INTERPOLATIONS.map((m) => `'${m}'`).join(', ');
    throw new ValueError(`${where}: interpolation must be one of ${allowed}, got '${String(v)}'`);
  }
  return v as Interpolation;
}

type Pixels = ArrayLike<number>;

/** Sparse 1-D resampling weights: for each output index, input indices and weights. */
export interface AxisWeights {
  idx: Int32Array;
  wt: Float32Array;
  taps: number;
}

function bilinearWeights(inSize: number, outSize: number): AxisWeights {
  const scale = inSize / outSize;
  const idx = new Int32Array(outSize * 2);
  const wt = new Float32Array(outSize * 2);
  for (let o = 0; o < outSize; o++) {
    const x = (o + 0.5) * scale - 0.5;
    const xf = Math.floor(x);
    const lo = Math.max(xf, 0);
    const hi = Math.min(Math.ceil(x), inSize - 1);
    const lerp = x - xf;
    idx[2 * o] = lo;
    idx[2 * o + 1] = hi;
    wt[2 * o] = 1 - lerp;
    wt[2 * o + 1] = lerp;
  }
  return { idx, wt, taps: 2 };
}

function nearestWeights(inSize: number, outSize: number): AxisWeights {
  const scale = inSize / outSize;
  const idx = new Int32Array(outSize);
  const wt = new Float32Array(outSize).fill(1);
  for (let o = 0; o < outSize; o++) {
    idx[o] = Math.max(0, Math.min(Math.floor((o + 0.5) * scale), inSize - 1));
  }
  return { idx, wt, taps: 1 };
}

function keys(t: number, a = -0.5): number {
  const x = Math.abs(t);
  if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return 0;
}

function bicubicWeights(inSize: number, outSize: number): AxisWeights {
  const scale = inSize / outSize;
  const idx = new Int32Array(outSize * 4);
  const wt = new Float32Array(outSize * 4);
  for (let o = 0; o < outSize; o++) {
    const x = (o + 0.5) * scale - 0.5;
    const loc = Math.floor(x);
    const d = x - loc;
    let sum = 0;
    for (let k = 0; k < 4; k++) {
      const i = loc - 1 + k;
      const inside = i >= 0 && i < inSize;
      const w = inside ? keys(d - (k - 1)) : 0;
      idx[4 * o + k] = Math.max(0, Math.min(i, inSize - 1));
      wt[4 * o + k] = w;
      sum += w;
    }
    if (Math.abs(sum) > 1e-30) for (let k = 0; k < 4; k++) wt[4 * o + k] /= sum;
  }
  return { idx, wt, taps: 4 };
}

function areaWeights(inSize: number, outSize: number): AxisWeights {
  const scale = inSize / outSize;
  const taps = Math.ceil(scale) + 1;
  const idx = new Int32Array(outSize * taps);
  const wt = new Float32Array(outSize * taps);
  for (let o = 0; o < outSize; o++) {
    const a = o * scale;
    const b = (o + 1) * scale;
    const start = Math.floor(a);
    const end = Math.ceil(b);
    for (let k = 0; k < taps; k++) {
      const i = start + k;
      if (i < end) {
        idx[o * taps + k] = Math.min(i, inSize - 1);
        wt[o * taps + k] = (Math.min(i + 1, b) - Math.max(i, a)) / scale;
      }
    }
  }
  return { idx, wt, taps };
}

export function axisWeights(method: Interpolation, inSize: number, outSize: number): AxisWeights {
  switch (method) {
    case 'bilinear':
      return bilinearWeights(inSize, outSize);
    case 'nearest':
      return nearestWeights(inSize, outSize);
    case 'bicubic':
      return bicubicWeights(inSize, outSize);
    case 'area':
      return areaWeights(inSize, outSize);
    default:
      throw new ValueError(
        `resize: interpolation must be one of ${INTERPOLATIONS.join(', ')}, got '${String(method)}'`,
      );
  }
}

export interface CropBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

/**
 * The centre crop of Keras's smart_resize / load_img(keep_aspect_ratio): the largest window of
 * the target's aspect ratio, centred (integer division, as Keras).
 */
export function aspectCropBox(h: number, w: number, targetH: number, targetW: number): CropBox {
  const cropH = Math.min(h, Math.floor((w * targetH) / targetW));
  const cropW = Math.min(w, Math.floor((h * targetW) / targetH));
  return { top: Math.floor((h - cropH) / 2), left: Math.floor((w - cropW) / 2), height: cropH, width: cropW };
}

/**
 * Keras 3's pad_to_aspect_ratio: places the image, centred, on a zero canvas of the target aspect
 * ratio (integer arithmetic as smart_resize), so resizing it does not distort.
 */
export function padToAspect(
  src: Uint8Array,
  h: number,
  w: number,
  c: number,
  targetH: number,
  targetW: number,
): { data: Uint8Array; height: number; width: number } {
  const padH = Math.max(h, Math.floor((w * targetH) / targetW));
  const padW = Math.max(w, Math.floor((h * targetW) / targetH));
  if (padH === h && padW === w) return { data: src, height: h, width: w };
  const top = Math.floor((padH - h) / 2);
  const left = Math.floor((padW - w) / 2);
  const out = new Uint8Array(padH * padW * c);
  for (let y = 0; y < h; y++) out.set(src.subarray(y * w * c, (y + 1) * w * c), ((top + y) * padW + left) * c);
  return { data: out, height: padH, width: padW };
}

/**
 * Resizes an HWC image (uint8 or float values) to outH x outW, returning float32 values (not
 * rounded, as tf.image.resize). `crop` selects a source window first (smart_resize's crop).
 */
export function resizeImage(
  src: Pixels,
  h: number,
  w: number,
  c: number,
  outH: number,
  outW: number,
  method: Interpolation = 'bilinear',
  crop?: CropBox,
): Float32Array {
  if (src.length !== h * w * c) throw new ValueError(`resize: src has ${src.length} values, expected ${h}*${w}*${c}`);
  if (!(outH > 0 && outW > 0 && Number.isInteger(outH) && Number.isInteger(outW))) {
    throw new ValueError(`resize: target size must be positive integers, got [${outH}, ${outW}]`);
  }
  const box = crop ?? { top: 0, left: 0, height: h, width: w };
  const out = new Float32Array(outH * outW * c);
  if (box.height === outH && box.width === outW) {
    // Same size: every method is the identity (half-pixel centres map pixels onto themselves).
    for (let y = 0; y < outH; y++) {
      const s = ((box.top + y) * w + box.left) * c;
      for (let i = 0; i < outW * c; i++) out[y * outW * c + i] = src[s + i];
    }
    return out;
  }
  if (method === 'bilinear') return bilinearResize(src, w, c, box, outH, outW, out);
  const wy = axisWeights(method, box.height, outH);
  const wx = axisWeights(method, box.width, outW);
  // Separable: rows first into a [outH, box.width, c] buffer, then columns.
  const tmp = new Float32Array(outH * box.width * c);
  const rowLen = box.width * c;
  for (let oy = 0; oy < outH; oy++) {
    const t = oy * rowLen;
    for (let k = 0; k < wy.taps; k++) {
      const wgt = wy.wt[oy * wy.taps + k];
      if (wgt === 0) continue;
      const s = ((box.top + wy.idx[oy * wy.taps + k]) * w + box.left) * c;
      for (let i = 0; i < rowLen; i++) tmp[t + i] += wgt * src[s + i];
    }
  }
  for (let oy = 0; oy < outH; oy++) {
    const t = oy * rowLen;
    for (let ox = 0; ox < outW; ox++) {
      const o = (oy * outW + ox) * c;
      for (let k = 0; k < wx.taps; k++) {
        const wgt = wx.wt[ox * wx.taps + k];
        if (wgt === 0) continue;
        const s = t + wx.idx[ox * wx.taps + k] * c;
        for (let ch = 0; ch < c; ch++) out[o + ch] += wgt * tmp[s + ch];
      }
    }
  }
  return out;
}

/** Bilinear in TF's lerp form (a + (b - a) * t), so flat regions stay exact in float32. */
function bilinearResize(
  src: Pixels,
  w: number,
  c: number,
  box: CropBox,
  outH: number,
  outW: number,
  out: Float32Array,
): Float32Array {
  const wy = bilinearWeights(box.height, outH);
  const wx = bilinearWeights(box.width, outW);
  const rowLen = box.width * c;
  const tmp = new Float32Array(outH * rowLen);
  for (let oy = 0; oy < outH; oy++) {
    const t = oy * rowLen;
    const a = ((box.top + wy.idx[2 * oy]) * w + box.left) * c;
    const b = ((box.top + wy.idx[2 * oy + 1]) * w + box.left) * c;
    const l = wy.wt[2 * oy + 1];
    for (let i = 0; i < rowLen; i++) {
      const va = src[a + i];
      tmp[t + i] = va + (src[b + i] - va) * l;
    }
  }
  for (let oy = 0; oy < outH; oy++) {
    const t = oy * rowLen;
    for (let ox = 0; ox < outW; ox++) {
      const o = (oy * outW + ox) * c;
      const a = t + wx.idx[2 * ox] * c;
      const b = t + wx.idx[2 * ox + 1] * c;
      const l = wx.wt[2 * ox + 1];
      for (let ch = 0; ch < c; ch++) {
        const va = tmp[a + ch];
        out[o + ch] = va + (tmp[b + ch] - va) * l;
      }
    }
  }
  return out;
}

/**
 * The adjoint of resizeImage without a crop: the gradient of an HWC image from the gradient of its
 * resized outH x outW copy. Resizing is linear, so this scatters dy back through the same weights.
 */
export function resizeImageBackward(
  dy: Pixels,
  h: number,
  w: number,
  c: number,
  outH: number,
  outW: number,
  method: Interpolation = 'bilinear',
): Float32Array {
  if (dy.length !== outH * outW * c) {
    throw new ValueError(`resize: dy has ${dy.length} values, expected ${outH}*${outW}*${c}`);
  }
  const dx = new Float32Array(h * w * c);
  if (h === outH && w === outW) {
    for (let i = 0; i < dx.length; i++) dx[i] = dy[i];
    return dx;
  }
  const wy = axisWeights(method, h, outH);
  const wx = axisWeights(method, w, outW);
  const rowLen = w * c;
  // Columns first (the forward's last pass), into [outH, w, c]; then rows.
  const tmp = new Float32Array(outH * rowLen);
  for (let oy = 0; oy < outH; oy++) {
    const t = oy * rowLen;
    for (let ox = 0; ox < outW; ox++) {
      const o = (oy * outW + ox) * c;
      for (let k = 0; k < wx.taps; k++) {
        const wgt = wx.wt[ox * wx.taps + k];
        if (wgt === 0) continue;
        const s = t + wx.idx[ox * wx.taps + k] * c;
        for (let ch = 0; ch < c; ch++) tmp[s + ch] += wgt * dy[o + ch];
      }
    }
  }
  for (let oy = 0; oy < outH; oy++) {
    const t = oy * rowLen;
    for (let k = 0; k < wy.taps; k++) {
      const wgt = wy.wt[oy * wy.taps + k];
      if (wgt === 0) continue;
      const s = wy.idx[oy * wy.taps + k] * rowLen;
      for (let i = 0; i < rowLen; i++) dx[s + i] += wgt * tmp[t + i];
    }
  }
  return dx;
}
