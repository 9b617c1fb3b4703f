// The one way convkit reaches sharp (libvips), for decoding images, encoding them and rasterising
// figures. It is imported lazily, so that importing convkit does not load the native library until
// an image is actually read or written. BMP, which libvips cannot read, is decoded in decode.ts.
import type sharpFn from 'sharp';

export type Sharp = typeof sharpFn;

let loading: Promise<Sharp> | null = null;

/** sharp's function, loaded on first use and shared by every caller afterwards. */
export function loadSharp(): Promise<Sharp> {
  // Node's ESM loader puts a CommonJS module's exports on `default`.
  loading ??= import('sharp').then(
    (m) => m.default,
    (e: unknown) => {
      loading = null; // a failed load is tried again by the next caller
      throw e;
    },
  );
  return loading;
}
