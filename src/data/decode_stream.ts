// Decoding straight to a target size, for every caller that resizes after decoding (loadImg with a
// targetSize, the dataset and flowFromDirectory workers): an image within the pixel limit is
// decoded whole and resized as always (decode.ts, then resize.ts); one above the limit, which a
// small PNG or JPEG can declare (16000x16000 in 249 KB would need 768 MB decoded, 3 GB as float32),
// is decoded in strips of rows and resized as the rows arrive, giving exactly the same values.
//
// Why strips from sharp: its output "stream" is one buffer of the whole image, but an extract of
// rows with sequential reading decodes PNG and JPEG from the top down to the strip's last row and
// no further, with memory for the strip only. Each strip decodes again from the top, so strips are
// large (STRIP_BYTES) and the images accepted this way are bounded (STREAM_PIXEL_FACTOR x the
// limit) to bound the time. Other formats (WebP, GIF, TIFF, BMP) decode a whole frame at once in
// their libraries, so they stay refused above the limit.
//
// Exactness: resizeImage resamples rows first (each output row accumulates its source rows, in
// order, into a float32 row), then columns; RowResampler does the same additions in the same order
// as the source rows arrive, so the float32 results are identical, not merely close.
import { FileFormatError } from '../errors.js';
import { checkTensor, formatBytes } from '../limits.js';
import {
  PixelLimitError,
  channelsFor,
  convertChannels,
  decodeImage,
  getSharp,
  readImageFile,
  type ColorMode,
  type RawImage,
} from './decode.js';
import { aspectCropBox, axisWeights, padToAspect, resizeImage, type CropBox, type Interpolation } from './resize.js';

/** The most decoded bytes held at once while decoding in strips (one strip of rows). */
export const STRIP_BYTES = 128 * 1024 * 1024;
/** Decoding in strips accepts images of up to this many times the pixel limit. */
export const STREAM_PIXEL_FACTOR = 4;
const STREAMED_FORMATS = ['png', 'jpeg'];

/** What a decoded image is resized to (the decoding workers' and loadImg's options). */
export interface ResizeSpec {
  /** [height, width]. */
  targetSize: readonly [number, number];
  interpolation: Interpolation;
  /** Centre-crop to the target aspect ratio first (Keras's crop_to_aspect_ratio / keep_aspect_ratio). */
  cropToAspectRatio?: boolean;
  /** Pad with zeros to the target aspect ratio first (Keras 3's pad_to_aspect_ratio). */
  padToAspectRatio?: boolean;
}

/** Float32 HWC values (0..255, not rounded, as tf.image.resize). */
export interface FloatImage {
  data: Float32Array;
  height: number;
  width: number;
  channels: number;
}

/** Pads, crops and resizes decoded pixels as `spec` says (the path of images within the limit). */
export function resizeDecoded(img: RawImage, spec: ResizeSpec): FloatImage {
  const [th, tw] = spec.targetSize;
  let raw = img;
  if (spec.padToAspectRatio) {
    const p = padToAspect(raw.data, raw.height, raw.width, raw.channels, th, tw);
    raw = { data: p.data, height: p.height, width: p.width, channels: raw.channels };
  }
  const { height: h, width: w, channels: c } = raw;
  if (th === h && tw === w && !spec.cropToAspectRatio) {
    return { data: Float32Array.from(raw.data), height: h, width: w, channels: c };
  }
  const crop = spec.cropToAspectRatio ? aspectCropBox(h, w, th, tw) : undefined;
  return { data: resizeImage(raw.data, h, w, c, th, tw, spec.interpolation, crop), height: th, width: tw, channels: c };
}

/**
 * Reads, decodes and resizes an image file: the values of decodeImageFile followed by
 * resizeDecoded, with images above the pixel limit decoded in strips (PNG and JPEG, up to
 * STREAM_PIXEL_FACTOR x the limit) in memory bounded by STRIP_BYTES plus the output.
 */
export async function decodeImageFileResized(
  path: string,
  mode: ColorMode,
  spec: ResizeSpec,
  opts: { maxPixels?: number; stripBytes?: number } = {},
): Promise<FloatImage> {
  const buf = await readImageFile(path);
  let raw: RawImage;
  try {
    raw = await decodeImage(buf, mode, path, opts.maxPixels);
  } catch (e) {
    if (e instanceof PixelLimitError) return decodeInStrips(buf, mode, path, spec, e, opts.stripBytes ?? STRIP_BYTES);
    throw e;
  }
  return resizeDecoded(raw, spec);
}

async function decodeInStrips(
  buf: Uint8Array,
  mode: ColorMode,
  name: string,
  spec: ResizeSpec,
  refused: PixelLimitError,
  stripBytes: number,
): Promise<FloatImage> {
  const sharp = await getSharp();
  const meta = await sharp(buf, { limitInputPixels: false })
    .metadata()
    .catch(() => null);
  const { width: W, height: H, limit } = refused;
  const format = meta?.format ?? 'bmp';
  if (!STREAMED_FORMATS.includes(format)) {
    const note =
      `raise the limit with maxPixels or CONVKIT_MAX_IMAGE_PIXELS if the image is genuine ` +
      `(with a targetSize, only PNG and JPEG are decoded in strips; this is ${format.toUpperCase()})`;
    throw new PixelLimitError(name, W, H, limit, note);
  }
  if (W * H > STREAM_PIXEL_FACTOR * limit) {
    const note =
      `even with a targetSize, images above ${STREAM_PIXEL_FACTOR} times the limit are refused ` +
      '(raise the limit with maxPixels or CONVKIT_MAX_IMAGE_PIXELS if the image is genuine)';
    throw new PixelLimitError(name, W, H, limit, note);
  }
  const c = channelsFor(mode);
  const [th, tw] = spec.targetSize;
  // The geometry of resizeDecoded on a virtual padded image: P[y][x] = image[y - top][x - left].
  let padH = H,
    padW = W;
  if (spec.padToAspectRatio) {
    padH = Math.max(H, Math.floor((W * th) / tw));
    padW = Math.max(W, Math.floor((H * tw) / th));
  }
  const top = Math.floor((padH - H) / 2);
  const left = Math.floor((padW - W) / 2);
  const box: CropBox = spec.cropToAspectRatio
    ? aspectCropBox(padH, padW, th, tw)
    : { top: 0, left: 0, height: padH, width: padW };
  checkTensor(`decoding image '${name}' resized: the output`, [th, tw, c]);
  const rs = new RowResampler(box.height, box.width, c, th, tw, spec.interpolation);

  const rowBytes = W * Math.max(c, meta?.channels ?? 4);
  const stripRows = Math.max(1, Math.floor(stripBytes / rowBytes));
  let lastNeeded = -1;
  for (let ry = 0; ry < box.height; ry++) if (rs.needs(ry)) lastNeeded = box.top + ry - top;
  // In a holder, so that the previous strip can be let go before the next one is decoded.
  const held: { strip: Strip | null } = { strip: null };
  const boxRow = new Uint8Array(box.width * c);
  // Columns of the box that hold image pixels (the rest is padding, zero).
  const x0 = Math.max(box.left, left);
  const x1 = Math.min(box.left + box.width, left + W);
  for (let ry = 0; ry < box.height; ry++) {
    if (!rs.needs(ry)) continue;
    const sy = box.top + ry - top;
    boxRow.fill(0);
    if (sy >= 0 && sy < H && x1 > x0) {
      if (!held.strip || sy >= held.strip.first + held.strip.rows) {
        held.strip = null;
        const rows = Math.min(stripRows, H - sy, Math.max(1, lastNeeded - sy + 1));
        held.strip = await decodeStrip(buf, name, W, sy, rows);
      }
      const strip = held.strip;
      const n = W * strip.channels;
      const src = strip.data.subarray((sy - strip.first) * n, (sy - strip.first + 1) * n);
      const row = convertChannels({ data: src, height: 1, width: W, channels: strip.channels }, mode).data;
      boxRow.set(row.subarray((x0 - left) * c, (x1 - left) * c), (x0 - box.left) * c);
    }
    rs.push(ry, boxRow);
  }
  return { data: rs.finish(), height: th, width: tw, channels: c };
}

interface Strip {
  data: Uint8Array;
  first: number;
  rows: number;
  channels: number;
}

async function decodeStrip(buf: Uint8Array, name: string, width: number, first: number, rows: number): Promise<Strip> {
  const sharp = await getSharp();
  try {
    // The options of decodeImage's whole decode, so the pixels are the same, plus sequential
    // reading, so that rows above the strip are decoded and dropped, not kept.
    const { data, info } = await sharp(buf, { pages: 1, limitInputPixels: false, sequentialRead: true })
      .extract({ left: 0, top: first, width, height: rows })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      first,
      rows,
      channels: info.channels,
    };
  } catch (e) {
    throw new FileFormatError(
      `cannot decode image '${name}' (rows ${first} to ${first + rows - 1} of a strip-wise decode, ` +
        `${formatBytes(rows * width * 4)}): ${(e as Error).message}`,
    );
  }
}

/**
 * resizeImage fed one source row at a time, in order: rows are resampled into per-output-row
 * float32 accumulators (bilinear: TF's lerp of its two rows), and an output row is resampled
 * along columns as soon as its last source row has arrived, so only the output and the rows still
 * open are held. Rows that no output uses are not asked for (needs()).
 */
export class RowResampler {
  private readonly out: Float32Array;
  private readonly rowLen: number;
  private readonly identity: boolean;
  private readonly wy: ReturnType<typeof axisWeights>;
  private readonly wx: ReturnType<typeof axisWeights>;
  /** For each source row: the (output row, tap) pairs it contributes to, in tap order. */
  private readonly uses: Map<number, number[]> = new Map();
  /** For each source row: the output rows it completes. */
  private readonly closes: Map<number, number[]> = new Map();
  private readonly open: Map<number, Float32Array> = new Map();
  private prev: Uint8Array | null = null;
  private prevRow = -1;
  private nextRow = 0;

  constructor(
    inH: number,
    inW: number,
    private readonly c: number,
    outH: number,
    private readonly outW: number,
    private readonly method: Interpolation,
  ) {
    this.out = new Float32Array(outH * outW * c);
    this.rowLen = inW * c;
    this.identity = inH === outH && inW === outW;
    this.wy = axisWeights(method, inH, outH);
    this.wx = axisWeights(method, inW, outW);
    const add = (m: Map<number, number[]>, r: number, ...v: number[]): void => {
      const list = m.get(r);
      if (list) list.push(...v);
      else m.set(r, [...v]);
    };
    if (this.identity) return;
    const { idx, wt, taps } = this.wy;
    for (let oy = 0; oy < outH; oy++) {
      if (method === 'bilinear') {
        add(this.uses, idx[2 * oy], oy, 0);
        add(this.closes, idx[2 * oy + 1], oy);
        continue;
      }
      let last = -1;
      for (let k = 0; k < taps; k++) {
        if (wt[oy * taps + k] === 0) continue;
        add(this.uses, idx[oy * taps + k], oy, k);
        last = idx[oy * taps + k];
      }
      if (last >= 0) add(this.closes, last, oy);
    }
  }

  /** Whether source row `ry` contributes to the output. */
  needs(ry: number): boolean {
    return this.identity || this.uses.has(ry) || this.closes.has(ry);
  }

  /** Source row `ry` (inW x c values); rows come in increasing order. */
  push(ry: number, row: Uint8Array): void {
    if (ry < this.nextRow || row.length !== this.rowLen) {
      throw new RangeError(`RowResampler: row ${ry} of ${row.length} values out of order or of the wrong length`);
    }
    this.nextRow = ry + 1;
    const n = this.rowLen;
    if (this.identity) {
      for (let i = 0; i < n; i++) this.out[ry * n + i] = row[i];
      return;
    }
    if (this.method === 'bilinear') {
      this.pushBilinear(ry, row);
      return;
    }
    const uses = this.uses.get(ry) ?? [];
    for (let j = 0; j < uses.length; j += 2) {
      const oy = uses[j];
      let acc = this.open.get(oy);
      if (!acc) this.open.set(oy, (acc = new Float32Array(n)));
      const wgt = this.wy.wt[oy * this.wy.taps + uses[j + 1]];
      for (let i = 0; i < n; i++) acc[i] += wgt * row[i];
    }
    for (const oy of this.closes.get(ry) ?? []) {
      const acc = this.open.get(oy);
      if (acc) this.columns(oy, acc);
      this.open.delete(oy);
    }
  }

  private pushBilinear(ry: number, row: Uint8Array): void {
    const n = this.rowLen;
    const { idx, wt } = this.wy;
    const closes = this.closes.get(ry) ?? [];
    if (closes.length) {
      const tmp = new Float32Array(n);
      for (const oy of closes) {
        const lo = idx[2 * oy];
        const a = lo === ry ? row : lo === this.prevRow ? this.prev : null;
        if (!a) throw new RangeError(`RowResampler: row ${lo} was not given before row ${ry}`);
        const l = wt[2 * oy + 1];
        for (let i = 0; i < n; i++) {
          const va = a[i];
          tmp[i] = va + (row[i] - va) * l;
        }
        this.columnsBilinear(oy, tmp);
      }
    }
    this.prev = Uint8Array.from(row);
    this.prevRow = ry;
  }

  private columns(oy: number, t: Float32Array): void {
    const { idx, wt, taps } = this.wx;
    const c = this.c;
    const out = this.out;
    for (let ox = 0; ox < this.outW; ox++) {
      const o = (oy * this.outW + ox) * c;
      for (let k = 0; k < taps; k++) {
        const wgt = wt[ox * taps + k];
        if (wgt === 0) continue;
        const s = idx[ox * taps + k] * c;
        for (let ch = 0; ch < c; ch++) out[o + ch] += wgt * t[s + ch];
      }
    }
  }

  private columnsBilinear(oy: number, t: Float32Array): void {
    const { idx, wt } = this.wx;
    const c = this.c;
    const out = this.out;
    for (let ox = 0; ox < this.outW; ox++) {
      const o = (oy * this.outW + ox) * c;
      const a = idx[2 * ox] * c;
      const b = idx[2 * ox + 1] * c;
      const l = wt[2 * ox + 1];
      for (let ch = 0; ch < c; ch++) {
        const va = t[a + ch];
        out[o + ch] = va + (t[b + ch] - va) * l;
      }
    }
  }

  /** The resized image, once every needed row has been pushed. */
  finish(): Float32Array {
    if (this.open.size) throw new RangeError(`RowResampler: ${this.open.size} output rows still wait for rows`);
    return this.out;
  }
}
