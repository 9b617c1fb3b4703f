// Image file decoding: bytes -> HWC uint8 pixels in the requested colour mode.
// JPEG, PNG, GIF (first frame), WebP (and TIFF) go through sharp (libvips); BMP, which libvips
// cannot read, through the small decoder below. Colour conversion follows PIL, as Keras's
// load_img: grayscale L = (19595 R + 38470 G + 7471 B + 2^15) >> 16 (PIL's rounding of
// 0.299 R + 0.587 G + 0.114 B), alpha dropped for 'rgb', alpha 255 added for 'rgba'.
// Used both on the main thread (loadImg) and in the decoding workers (decode_worker.ts).
import { readFile } from 'node:fs/promises';
import { FileFormatError, ValueError } from '../errors.js';
import { loadSharp, type Sharp } from './codec.js';

export type ColorMode = 'grayscale' | 'rgb' | 'rgba';
export const COLOR_MODES: readonly ColorMode[] = ['grayscale', 'rgb', 'rgba'];

export function channelsFor(mode: ColorMode): 1 | 3 | 4 {
  switch (mode) {
    case 'grayscale':
      return 1;
    case 'rgb':
      return 3;
    case 'rgba':
      return 4;
    default:
      throw new ValueError(`colorMode must be 'grayscale', 'rgb' or 'rgba', got '${String(mode)}'`);
  }
}

export function checkColorMode(v: unknown, where: string): ColorMode {
  if (!COLOR_MODES.includes(v as ColorMode)) {
    throw new ValueError(`${where}: colorMode must be 'grayscale', 'rgb' or 'rgba', got '${String(v)}'`);
  }
  return v as ColorMode;
}

/** Decoded pixels: row-major HWC, 8 bits per channel. */
export interface RawImage {
  data: Uint8Array;
  height: number;
  width: number;
  channels: number;
}

/** Converts 1 (L), 2 (LA), 3 (RGB) or 4 (RGBA) channels to the colour mode, as PIL's convert(). */
export function convertChannels(img: RawImage, mode: ColorMode): RawImage {
  const to = channelsFor(mode);
  const from = img.channels;
  if (from === to) return img;
  if (![1, 2, 3, 4].includes(from)) throw new ValueError(`convertChannels: unsupported channel count ${from}`);
  const n = img.height * img.width;
  const s = img.data;
  const d = new Uint8Array(n * to);
  for (let p = 0; p < n; p++) {
    const i = p * from;
    let r: number,
      g: number,
      b: number,
      a = 255;
    if (from <= 2) {
      r = g = b = s[i];
      if (from === 2) a = s[i + 1];
    } else {
      r = s[i];
      g = s[i + 1];
      b = s[i + 2];
      if (from === 4) a = s[i + 3];
    }
    const o = p * to;
    if (to === 1) {
      d[o] = from <= 2 ? r : (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16;
    } else {
      d[o] = r;
      d[o + 1] = g;
      d[o + 2] = b;
      if (to === 4) d[o + 3] = a;
    }
  }
  return { data: d, height: img.height, width: img.width, channels: to };
}

// ---- pixel limit ----

/**
 * The most pixels a decoder accepts by default: PIL's limit (Image.MAX_IMAGE_PIXELS x 2, beyond
 * which Keras's load_img fails with DecompressionBombError). A small file can declare a huge image;
 * the limit is checked against the declared size before anything is allocated. The environment
 * variable CONVKIT_MAX_IMAGE_PIXELS, or the `maxPixels` argument, changes it.
 */
export const DEFAULT_MAX_IMAGE_PIXELS = 178956970;

/** The pixel limit in force: the argument, else CONVKIT_MAX_IMAGE_PIXELS, else the default. */
export function maxImagePixels(given?: number): number {
  if (given !== undefined) {
    if (!(Number.isSafeInteger(given) && given > 0)) {
      throw new ValueError(`maxPixels must be a positive integer, got ${String(given)}`);
    }
    return given;
  }
  const env = process.env.CONVKIT_MAX_IMAGE_PIXELS;
  if (env === undefined || env === '') return DEFAULT_MAX_IMAGE_PIXELS;
  const n = Number(env);
  if (!(Number.isSafeInteger(n) && n > 0)) {
    throw new ValueError(`CONVKIT_MAX_IMAGE_PIXELS must be a positive integer, got '${env}'`);
  }
  return n;
}

/**
 * An image refused by the pixel limit (a FileFormatError): its declared size, so that a caller
 * that only needs it resized can decode it in strips instead (decode_stream.ts).
 */
export class PixelLimitError extends FileFormatError {
  constructor(
    readonly file: string,
    readonly width: number,
    readonly height: number,
    readonly limit: number,
    note = 'raise the limit with maxPixels or CONVKIT_MAX_IMAGE_PIXELS if the image is genuine, ' +
      'or load it with a targetSize (PNG and JPEG are then decoded in strips)',
  ) {
    super(
      `cannot decode image '${file}': it declares ${width}x${height} = ` +
        `${width * height} pixels, more than the limit of ${limit} (a decompression bomb?); ${note}`,
    );
    // Printed, and rebuilt after crossing a worker boundary, as the FileFormatError it is.
    this.name = 'FileFormatError';
  }
}

function tooManyPixels(name: string, width: number, height: number, limit: number): FileFormatError {
  return new PixelLimitError(name, width, height, limit);
}

// ---- BMP ----

function maskShift(mask: number): { shift: number; bits: number } {
  if (mask === 0) return { shift: 0, bits: 0 };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  let bits = 0;
  while (((mask >>> (shift + bits)) & 1) === 1) bits++;
  return { shift, bits };
}

function scaleTo8(v: number, bits: number): number {
  if (bits === 8) return v;
  if (bits === 0) return 0;
  return Math.round((v * 255) / ((1 << bits) - 1));
}

/**
 * Decodes a Windows BMP: 1/4/8-bit palettes (RLE4/RLE8 too), 16/24/32-bit with BI_RGB or
 * BI_BITFIELDS, bottom-up and top-down, core (OS/2 12-byte) and info/V4/V5 headers.
 * Returns RGB (3 channels), or RGBA when the file has an alpha mask (as PIL's BGRA).
 */
export function decodeBmp(buf: Uint8Array, name = 'BMP data', maxPixels?: number): RawImage {
  const fail = (why: string): never => {
    throw new FileFormatError(`cannot decode BMP '${name}': ${why}`);
  };
  if (buf.length < 26 || buf[0] !== 0x42 || buf[1] !== 0x4d) fail('not a BMP file (no "BM" signature)');
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dataOffset = dv.getUint32(10, true);
  const hdrSize = dv.getUint32(14, true);
  let width: number,
    height: number,
    bpp: number,
    compression = 0,
    colorsUsed = 0;
  let palEntry = 4;
  if (hdrSize === 12) {
    width = dv.getUint16(18, true);
    height = dv.getInt16(20, true);
    bpp = dv.getUint16(24, true);
    palEntry = 3;
  } else if (hdrSize >= 40) {
    if (buf.length < 54) fail('truncated header');
    width = dv.getInt32(18, true);
    height = dv.getInt32(22, true);
    bpp = dv.getUint16(28, true);
    compression = dv.getUint32(30, true);
    colorsUsed = dv.getUint32(46, true);
  } else {
    return fail(`unsupported header size ${hdrSize}`);
  }
  const topDown = height < 0;
  height = Math.abs(height);
  if (width <= 0 || height <= 0 || width > 1 << 16 || height > 1 << 16) fail(`bad dimensions ${width}x${height}`);
  const limit = maxImagePixels(maxPixels);
  if (width * height > limit) throw tooManyPixels(name, width, height, limit);
  // Masks: BI_BITFIELDS (3) / BI_ALPHABITFIELDS (6) read them after a 40-byte header or inside V4/V5.
  let rMask = 0,
    gMask = 0,
    bMask = 0,
    aMask = 0;
  if (compression === 3 || compression === 6) {
    if (14 + 40 + 12 > buf.length) fail('truncated bitfield masks');
    rMask = dv.getUint32(54, true);
    gMask = dv.getUint32(58, true);
    bMask = dv.getUint32(62, true);
    if (hdrSize >= 56 || compression === 6) aMask = 14 + 40 + 16 <= buf.length ? dv.getUint32(66, true) : 0;
  } else if (compression === 0) {
    if (bpp === 16) {
      rMask = 0x7c00;
      gMask = 0x03e0;
      bMask = 0x001f;
    }
    if (bpp === 32) {
      rMask = 0xff0000;
      gMask = 0xff00;
      bMask = 0xff;
    }
  } else if (!(compression === 1 && bpp === 8) && !(compression === 2 && bpp === 4)) {
    fail(`unsupported compression ${compression} with ${bpp} bits per pixel`);
  }
  const hasAlpha = aMask !== 0;
  const outC = hasAlpha ? 4 : 3;
  const out = new Uint8Array(width * height * outC);
  if (hasAlpha) for (let i = 3; i < out.length; i += 4) out[i] = 255;
  const put = (x: number, row: number, r: number, g: number, b: number, a = 255) => {
    const y = topDown ? row : height - 1 - row;
    const o = (y * width + x) * outC;
    out[o] = r;
    out[o + 1] = g;
    out[o + 2] = b;
    if (hasAlpha) out[o + 3] = a;
  };

  if (bpp <= 8) {
    if (![1, 2, 4, 8].includes(bpp)) fail(`unsupported bit depth ${bpp}`);
    const nColors = colorsUsed || 1 << bpp;
    const palOff = 14 + hdrSize;
    if (palOff + nColors * palEntry > buf.length) fail('truncated palette');
    const pal = new Uint8Array(nColors * 3);
    for (let i = 0; i < nColors; i++) {
      const p = palOff + i * palEntry;
      pal[i * 3] = buf[p + 2];
      pal[i * 3 + 1] = buf[p + 1];
      pal[i * 3 + 2] = buf[p];
    }
    const putIdx = (x: number, row: number, ci: number) => {
      const k = (ci < nColors ? ci : 0) * 3;
      put(x, row, pal[k], pal[k + 1], pal[k + 2]);
    };
    if (compression === 1 || compression === 2) {
      // RLE8 / RLE4: rows are stored bottom-up in the run stream.
      let p = dataOffset,
        x = 0,
        row = 0;
      const rle4 = compression === 2;
      while (p + 1 < buf.length && row < height) {
        const count = buf[p],
          val = buf[p + 1];
        p += 2;
        if (count > 0) {
          for (let i = 0; i < count && x < width; i++, x++) putIdx(x, row, rle4 ? (i & 1 ? val & 15 : val >> 4) : val);
        } else if (val === 0) {
          x = 0;
          row++;
        } else if (val === 1) break;
        else if (val === 2) {
          x += buf[p];
          row += buf[p + 1];
          p += 2;
        } else {
          for (let i = 0; i < val; i++, x++) {
            const byte = rle4 ? buf[p + (i >> 1)] : buf[p + i];
            if (x < width) putIdx(x, row, rle4 ? (i & 1 ? byte & 15 : byte >> 4) : byte);
          }
          const used = rle4 ? Math.ceil(val / 2) : val;
          p += used + (used & 1);
        }
      }
      return { data: out, height, width, channels: outC };
    }
    const stride = Math.ceil((width * bpp) / 32) * 4;
    if (dataOffset + stride * height > buf.length)
      fail(`truncated pixel data (need ${dataOffset + stride * height} bytes, file has ${buf.length})`);
    const perByte = 8 / bpp;
    const mask = (1 << bpp) - 1;
    for (let row = 0; row < height; row++) {
      const base = dataOffset + row * stride;
      for (let x = 0; x < width; x++) {
        const byte = buf[base + Math.floor(x / perByte)];
        const shift = 8 - bpp * ((x % perByte) + 1);
        putIdx(x, row, (byte >> shift) & mask);
      }
    }
    return { data: out, height, width, channels: outC };
  }

  if (bpp === 24) {
    const stride = Math.ceil((width * 3) / 4) * 4;
    if (dataOffset + stride * height > buf.length)
      fail(`truncated pixel data (need ${dataOffset + stride * height} bytes, file has ${buf.length})`);
    for (let row = 0; row < height; row++) {
      const base = dataOffset + row * stride;
      for (let x = 0; x < width; x++) {
        const p = base + x * 3;
        put(x, row, buf[p + 2], buf[p + 1], buf[p]);
      }
    }
    return { data: out, height, width, channels: outC };
  }
  if (bpp !== 16 && bpp !== 32) fail(`unsupported bit depth ${bpp}`);
  const bytes = bpp / 8;
  const stride = Math.ceil((width * bytes) / 4) * 4;
  if (dataOffset + stride * height > buf.length)
    fail(`truncated pixel data (need ${dataOffset + stride * height} bytes, file has ${buf.length})`);
  const R = maskShift(rMask),
    G = maskShift(gMask),
    B = maskShift(bMask),
    A = maskShift(aMask);
  for (let row = 0; row < height; row++) {
    const base = dataOffset + row * stride;
    for (let x = 0; x < width; x++) {
      const v = bytes === 2 ? dv.getUint16(base + x * 2, true) : dv.getUint32(base + x * 4, true);
      put(
        x,
        row,
        scaleTo8((v & rMask) >>> R.shift, R.bits),
        scaleTo8((v & gMask) >>> G.shift, G.bits),
        scaleTo8((v & bMask) >>> B.shift, B.bits),
        hasAlpha ? scaleTo8((v & aMask) >>> A.shift, A.bits) : 255,
      );
    }
  }
  return { data: out, height, width, channels: outC };
}

/** Encodes 24-bit BMP (bottom-up, BI_RGB) from RGB or grayscale pixels: tests and round trips. */
export function encodeBmp24(img: RawImage): Uint8Array {
  const { width, height, channels } = img;
  const stride = Math.ceil((width * 3) / 4) * 4;
  const size = 54 + stride * height;
  const buf = new Uint8Array(size);
  const dv = new DataView(buf.buffer);
  buf[0] = 0x42;
  buf[1] = 0x4d;
  dv.setUint32(2, size, true);
  dv.setUint32(10, 54, true);
  dv.setUint32(14, 40, true);
  dv.setInt32(18, width, true);
  dv.setInt32(22, height, true);
  dv.setUint16(26, 1, true);
  dv.setUint16(28, 24, true);
  dv.setUint32(34, stride * height, true);
  for (let y = 0; y < height; y++) {
    const row = 54 + (height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      const r = img.data[i],
        g = channels >= 3 ? img.data[i + 1] : r,
        b = channels >= 3 ? img.data[i + 2] : r;
      buf[row + x * 3] = b;
      buf[row + x * 3 + 1] = g;
      buf[row + x * 3 + 2] = r;
    }
  }
  return buf;
}

// ---- sharp ----

let configured = false;
/** sharp, configured for decoding: one libvips thread per decode, no cache. */
export async function getSharp(): Promise<Sharp> {
  const sharp = await loadSharp();
  if (!configured) {
    // Each decode is small; parallelism comes from the worker pool, not from libvips threads.
    sharp.concurrency(1);
    sharp.cache(false);
    configured = true;
  }
  return sharp;
}

export function isBmp(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x42 && buf[1] === 0x4d;
}

/** Decodes image bytes to pixels in the colour mode. `name` (a path) goes into error messages. */
export async function decodeImage(
  buf: Uint8Array,
  mode: ColorMode = 'rgb',
  name = 'image data',
  maxPixels?: number,
): Promise<RawImage> {
  channelsFor(mode);
  const limit = maxImagePixels(maxPixels);
  let raw: RawImage;
  if (isBmp(buf)) {
    raw = decodeBmp(buf, name, limit);
  } else {
    const sharp = await getSharp();
    try {
      // pages: 1 = first frame of a GIF/WebP animation; raw uchar = 8 bits per channel.
      const { data, info } = await sharp(buf, { pages: 1, limitInputPixels: limit })
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true });
      raw = {
        data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
        height: info.height,
        width: info.width,
        channels: info.channels,
      };
    } catch (e) {
      if (/pixel limit/i.test((e as Error).message)) {
        const meta = await sharp(buf, { limitInputPixels: false })
          .metadata()
          .catch(() => null);
        if (meta?.width && meta.height) throw tooManyPixels(name, meta.width, meta.height, limit);
      }
      throw new FileFormatError(`cannot decode image '${name}': ${(e as Error).message}`);
    }
  }
  return convertChannels(raw, mode);
}

/** An image file's bytes; a missing or unreadable file is a FileFormatError naming it. */
export async function readImageFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FileFormatError(
      code === 'ENOENT'
        ? `image file not found: '${path}'`
        : `cannot read image file '${path}': ${(e as Error).message}`,
    );
  }
}

/** Reads and decodes an image file (at most `maxPixels` pixels, see DEFAULT_MAX_IMAGE_PIXELS). */
export async function decodeImageFile(path: string, mode: ColorMode = 'rgb', maxPixels?: number): Promise<RawImage> {
  return decodeImage(await readImageFile(path), mode, path, maxPixels);
}
