// Keras's image utilities (keras.utils.load_img, img_to_array, array_to_img, save_img).
// An Img is decoded HWC uint8 pixels plus its size; arrays are float32 Tensors [h, w, c].
// Decoding and resizing live in data/decode.ts and data/resize.ts (shared with the workers).
import { checkBoolean, checkOptions, describeValue } from '../options.js';
import { atomicWriteFileSync } from '../io/atomic.js';
import path from 'node:path';
import { FileFormatError, ShapeError, ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import {
  channelsFor,
  checkColorMode,
  decodeImageFile,
  encodeBmp24,
  type ColorMode,
  type RawImage,
} from '../data/decode.js';
import { decodeImageFileResized } from '../data/decode_stream.js';
import { loadSharp } from '../data/codec.js';
import { checkInterpolation, type Interpolation } from '../data/resize.js';

export type { ColorMode } from '../data/decode.js';
export type { Interpolation } from '../data/resize.js';

/** A decoded image: row-major HWC uint8 pixels (1 = L, 3 = RGB, 4 = RGBA channels). */
export class Img implements RawImage {
  constructor(
    readonly data: Uint8Array,
    readonly height: number,
    readonly width: number,
    readonly channels: number,
  ) {
    if (data.length !== height * width * channels) {
      throw new ShapeError(
        `Img: ${height}x${width}x${channels} needs ${height * width * channels} bytes, got ${data.length}`,
      );
    }
  }

  /** PIL's mode name. */
  get mode(): 'L' | 'LA' | 'RGB' | 'RGBA' {
    return (['L', 'LA', 'RGB', 'RGBA'] as const)[this.channels - 1];
  }

  /** (width, height), as PIL's Image.size. */
  get size(): [number, number] {
    return [this.width, this.height];
  }
}

export interface LoadImgOptions {
  /** 'grayscale' | 'rgb' (default) | 'rgba'. */
  colorMode?: ColorMode;
  /** [height, width]; null (default) keeps the file's size. */
  targetSize?: readonly [number, number] | null;
  /** Resampling when resizing; Keras's load_img defaults to 'nearest'. */
  interpolation?: Interpolation;
  /** Centre-crop to the target aspect ratio before resizing. */
  keepAspectRatio?: boolean;
}

const isPositiveInt = (d: unknown): d is number => typeof d === 'number' && Number.isInteger(d) && d > 0;

function checkSize(size: unknown, where: string): [number, number] {
  const dims: readonly unknown[] = Array.isArray(size) ? size : [];
  const [h, w] = dims;
  if (dims.length !== 2 || !isPositiveInt(h) || !isPositiveInt(w)) {
    throw new ValueError(`${where}: expected [height, width] of positive integers, got ${JSON.stringify(size)}`);
  }
  return [h, w];
}

/** Loads an image file (JPEG, PNG, BMP, GIF, WebP) as an Img. */
export async function loadImg(file: string, opts: LoadImgOptions = {}): Promise<Img> {
  checkOptions<LoadImgOptions>(
    opts,
    { colorMode: true, targetSize: true, interpolation: true, keepAspectRatio: true },
    'loadImg',
  );
  const mode = checkColorMode(opts.colorMode ?? 'rgb', 'loadImg');
  const interpolation = checkInterpolation(opts.interpolation ?? 'nearest', 'loadImg');
  if (opts.targetSize == null) {
    const raw = await decodeImageFile(file, mode);
    return new Img(raw.data, raw.height, raw.width, raw.channels);
  }
  const [th, tw] = checkSize(opts.targetSize, 'loadImg targetSize');
  // Decoding to the target size: an image above the pixel limit is decoded in strips, not whole.
  const spec = { targetSize: [th, tw] as const, interpolation, cropToAspectRatio: opts.keepAspectRatio ?? false };
  const f = (await decodeImageFileResized(file, mode, spec)).data;
  const u = new Uint8Array(f.length);
  for (let i = 0; i < f.length; i++) u[i] = Math.max(0, Math.min(255, Math.round(f[i])));
  return new Img(u, th, tw, channelsFor(mode));
}

/** An Img as a float32 Tensor [h, w, c] with values 0..255. */
export function imgToArray(img: RawImage): Tensor {
  return new Tensor(Float32Array.from(img.data), [img.height, img.width, img.channels]);
}

export interface ArrayToImgOptions {
  /** Map min..max to 0..255 (default true, as Keras). Otherwise values are clipped to 0..255. */
  scale?: boolean;
}

/** A Tensor [h, w, c] (c = 1, 3 or 4) or [h, w] as an Img. */
export function arrayToImg(x: Tensor, opts: ArrayToImgOptions = {}): Img {
  return toImg(x, checkOptions<ArrayToImgOptions>(opts, { scale: true }, 'arrayToImg'), 'arrayToImg');
}

function toImg(x: Tensor, opts: ArrayToImgOptions, where: string): Img {
  if (!(x instanceof Tensor)) throw new ValueError(`${where}: expected a Tensor [h, w, c], got ${describeValue(x)}`);
  checkBoolean(opts.scale, `${where} scale`);
  const scale = opts.scale ?? true;
  let shape = [...x.shape];
  if (shape.length === 2) shape = [shape[0], shape[1], 1];
  if (shape.length !== 3 || ![1, 3, 4].includes(shape[2])) {
    throw new ShapeError(`${where}: expected a tensor of shape [h, w, 1|3|4] or [h, w], got [${x.shape.join(', ')}]`);
  }
  const src = x.data;
  const out = new Uint8Array(src.length);
  let lo = 0,
    span = 1;
  if (scale) {
    lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < src.length; i++) {
      if (src[i] < lo) lo = src[i];
      if (src[i] > hi) hi = src[i];
    }
    if (src.length === 0) lo = hi = 0;
    span = hi - lo === 0 ? 1 : (hi - lo) / 255;
  }
  for (let i = 0; i < src.length; i++) {
    // Keras truncates (astype uint8) after scaling.
    const v = Math.trunc((src[i] - lo) / span);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return new Img(out, shape[0], shape[1], shape[2]);
}

/**
 * An 8-bit paletted grayscale BMP, byte for byte as PIL writes mode L: BITMAPINFOHEADER, 96 dpi,
 * a 256-entry gray palette (PIL fills each entry's reserved byte with the gray level too), rows
 * bottom-up padded to 4 bytes.
 */
export function encodeBmp8Gray(img: RawImage): Uint8Array {
  const { width, height, channels, data } = img;
  if (channels !== 1) throw new ShapeError(`encodeBmp8Gray: expected one channel, got ${channels}`);
  const stride = (width + 3) & ~3;
  const offset = 14 + 40 + 256 * 4;
  const size = offset + stride * height;
  const buf = new Uint8Array(size);
  const dv = new DataView(buf.buffer);
  const ppm = Math.trunc(96 * 39.3701 + 0.5);
  buf[0] = 0x42;
  buf[1] = 0x4d;
  dv.setUint32(2, size, true);
  dv.setUint32(10, offset, true);
  dv.setUint32(14, 40, true);
  dv.setInt32(18, width, true);
  dv.setInt32(22, height, true);
  dv.setUint16(26, 1, true);
  dv.setUint16(28, 8, true);
  dv.setUint32(34, stride * height, true);
  dv.setUint32(38, ppm, true);
  dv.setUint32(42, ppm, true);
  dv.setUint32(46, 256, true);
  dv.setUint32(50, 256, true);
  for (let i = 0; i < 256; i++) buf.fill(i, 54 + i * 4, 58 + i * 4);
  for (let y = 0; y < height; y++) {
    buf.set(data.subarray(y * width, (y + 1) * width), offset + (height - 1 - y) * stride);
  }
  return buf;
}

async function encode(img: Img, ext: string, file: string): Promise<Uint8Array> {
  // Keras (PIL) writes mode L as an 8-bit grayscale BMP, RGB as 24-bit.
  if (ext === '.bmp') return img.channels === 1 ? encodeBmp8Gray(img) : encodeBmp24(img);
  const sharp = await loadSharp();
  let channels = img.channels as 1 | 2 | 3 | 4;
  let data = img.data;
  if ((ext === '.jpg' || ext === '.jpeg') && channels === 4) {
    // JPEG has no alpha: drop it (Keras warns and converts RGBA to RGB).
    const rgb = new Uint8Array(img.width * img.height * 3);
    for (let p = 0, q = 0; p < data.length; p += 4, q += 3) {
      rgb[q] = data[p];
      rgb[q + 1] = data[p + 1];
      rgb[q + 2] = data[p + 2];
    }
    data = rgb;
    channels = 3;
    console.warn(`saveImg: JPEG does not support alpha; the alpha channel is dropped for '${file}'`);
  }
  let s = sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
    raw: { width: img.width, height: img.height, channels },
  });
  // sharp widens one raw channel to sRGB unless told otherwise; Keras (PIL mode L) writes grayscale.
  if (channels === 1) s = s.toColourspace('b-w');
  let out: Buffer;
  if (ext === '.png') out = await s.png().toBuffer();
  else if (ext === '.jpg' || ext === '.jpeg') out = await s.jpeg({ quality: 90 }).toBuffer();
  else if (ext === '.webp') out = await s.webp({ quality: 90 }).toBuffer();
  else if (ext === '.gif') out = await s.gif().toBuffer();
  else if (ext === '.tif' || ext === '.tiff') out = await s.tiff().toBuffer();
  else
    throw new ValueError(
      `saveImg: cannot tell the format of '${file}'; use .png, .jpg, .jpeg, .webp, .gif, .tiff or .bmp`,
    );
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Writes bytes atomically (a temporary name in the same existing folder, then rename). */
export async function writeFileAtomic(file: string, bytes: Uint8Array | string): Promise<void> {
  try {
    atomicWriteFileSync(file, bytes);
  } catch (e) {
    throw new FileFormatError(`cannot write '${file}': ${(e as Error).message}`);
  }
}

export interface SaveImgOptions extends ArrayToImgOptions {
  /** Overrides the format taken from the extension ('png', 'jpeg', ...). */
  fileFormat?: string;
}

/** Saves a Tensor [h, w, c] (scaled as arrayToImg) or an Img as PNG/JPEG/WebP/GIF/BMP, by extension. */
export async function saveImg(file: string, x: Tensor | RawImage, opts: SaveImgOptions = {}): Promise<void> {
  if (typeof file !== 'string' || !file) {
    const given: unknown = file;
    const hint = given instanceof Tensor ? ' (saveImg takes the path first: saveImg(file, x))' : '';
    throw new ValueError(`saveImg: expected a file path, got ${describeValue(file)}${hint}`);
  }
  checkOptions<SaveImgOptions>(opts, { scale: true, fileFormat: true }, 'saveImg');
  if (opts.fileFormat !== undefined && typeof opts.fileFormat !== 'string')
    throw new ValueError(
      `saveImg fileFormat: expected a format name such as 'png', got ${describeValue(opts.fileFormat)}`,
    );
  const isRaw = (v: unknown): v is RawImage =>
    typeof v === 'object' && v !== null && 'data' in v && v.data instanceof Uint8Array && 'channels' in v;
  if (!(x instanceof Tensor) && !isRaw(x))
    throw new ValueError(`saveImg: expected a Tensor [h, w, c] or an Img, got ${describeValue(x)}`);
  const img =
    x instanceof Tensor
      ? toImg(x, opts, 'saveImg')
      : x instanceof Img
        ? x
        : new Img(x.data, x.height, x.width, x.channels);
  const ext = opts.fileFormat
    ? `.${opts.fileFormat.toLowerCase().replace(/^\./, '')}`
    : path.extname(file).toLowerCase();
  await writeFileAtomic(file, await encode(img, ext, file));
}
