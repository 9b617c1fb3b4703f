// Applies one image's random-transform parameters (Keras 2 ImageDataGenerator.apply_transform):
// the affine warp, then channel shift, flips and brightness. Pure, on Float32Array HWC, so it runs
// in the decoding workers as well as on the main thread. Parameters are drawn by the caller.
import { affineTransform, type FillMode, type TransformMatrix } from './affine.js';

export interface AugmentParams {
  /** Output→input matrix (affine.ts form), or null for no warp. */
  matrix: TransformMatrix | null;
  fillMode: FillMode;
  cval: number;
  /** Spline order: 1 = bilinear (Keras's default), 0 = nearest. */
  order: 0 | 1;
  channelShiftIntensity: number | null;
  flipHorizontal: boolean;
  flipVertical: boolean;
  brightness: number | null;
}

export function applyAugment(x: Float32Array, h: number, w: number, c: number, p: AugmentParams): Float32Array {
  let out = x;
  if (p.matrix) {
    out = affineTransform(out, h, w, c, p.matrix, {
      fillMode: p.fillMode,
      fillValue: p.cval,
      interpolation: p.order === 0 ? 'nearest' : 'bilinear',
    });
  }
  if (p.channelShiftIntensity !== null && p.channelShiftIntensity !== 0) {
    // apply_channel_shift: x + intensity, clipped to the image's own min..max
    let lo = Infinity,
      hi = -Infinity;
    for (let i = 0; i < out.length; i++) {
      if (out[i] < lo) lo = out[i];
      if (out[i] > hi) hi = out[i];
    }
    if (out === x) out = out.slice();
    const s = p.channelShiftIntensity;
    for (let i = 0; i < out.length; i++) out[i] = Math.min(hi, Math.max(lo, out[i] + s));
  }
  if (p.flipHorizontal) {
    const f = new Float32Array(out.length);
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++) {
        const s = (y * w + xx) * c,
          d = (y * w + (w - 1 - xx)) * c;
        for (let ch = 0; ch < c; ch++) f[d + ch] = out[s + ch];
      }
    out = f;
  }
  if (p.flipVertical) {
    const f = new Float32Array(out.length);
    const row = w * c;
    for (let y = 0; y < h; y++) f.set(out.subarray(y * row, (y + 1) * row), (h - 1 - y) * row);
    out = f;
  }
  if (p.brightness !== null) {
    // apply_brightness_shift(scale=False): to uint8 (values outside 0..255 are first mapped onto
    // it), PIL's Brightness (x * b, truncated, clipped), back to the original range.
    let lo = Infinity,
      hi = -Infinity;
    for (let i = 0; i < out.length; i++) {
      if (out[i] < lo) lo = out[i];
      if (out[i] > hi) hi = out[i];
    }
    const local = lo < 0 || hi > 255;
    const span = hi - lo === 0 ? 1 : hi - lo;
    if (out === x) out = out.slice();
    const b = p.brightness;
    for (let i = 0; i < out.length; i++) {
      let v = local ? Math.trunc(((out[i] - lo) / span) * 255) : Math.trunc(out[i]);
      v = Math.min(255, Math.max(0, v));
      v = Math.min(255, Math.max(0, Math.trunc(v * b)));
      out[i] = local ? (v / 255) * span + lo : v;
    }
  }
  return out;
}
