// A small GIF89a encoder: palette-indexed frames in, an animated GIF (looping, one delay per frame)
// out. Written here rather than taken from npm because it is short and the animations need
// exactly this: a fixed palette chosen by the caller (so colours are exact, never re-quantized) and
// frames stored as the rectangle that changed since the previous one, its unchanged pixels
// transparent, which is what keeps a long animation of small changes small. sharp (libvips) can
// write GIFs but quantizes every frame itself and cannot take per-frame rectangles.
import { ValueError } from '../errors.js';

export interface GifFrame {
  /** One palette index per pixel, row-major, width * height of them. */
  indices: Uint8Array;
  /** How long the frame shows, in milliseconds (stored in hundredths; at least 20 ms). */
  delay: number;
}

export interface GifOptions {
  /** How many times the animation plays: 0 (default) forever, as sharp's `loop`. */
  loop?: number;
}

/** GIF stores delays in hundredths of a second; browsers slow anything under 2 to 10, so 2 is the least. */
export function gifDelay(ms: number): number {
  return Math.min(0xffff, Math.max(2, Math.round(ms / 10)));
}

/** Bytes appended in chunks, grown as needed. */
class ByteWriter {
  private buf = new Uint8Array(1 << 16);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.length++] = b & 0xff;
  }

  u16(v: number): void {
    this.byte(v & 0xff);
    this.byte(v >> 8);
  }

  bytes(b: ArrayLike<number>): void {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  ascii(s: string): void {
    for (let i = 0; i < s.length; i++) this.byte(s.charCodeAt(i));
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const HASH_SIZE = 5003; // a prime above 4096 * 1.2, as in the classic compress/gifencoder tables

/**
 * The LZW-compressed image data of one frame, as GIF wants it: the minimum code size byte, then
 * the codes packed LSB first into sub-blocks of at most 255 bytes, then the block terminator.
 */
export function lzwEncode(pixels: Uint8Array, minCodeSize: number): Uint8Array {
  const out = new ByteWriter();
  writeLzw(pixels, minCodeSize, out);
  return out.result();
}

function writeLzw(pixels: Uint8Array, minCodeSize: number, out: ByteWriter): void {
  const clear = 1 << minCodeSize;
  const eoi = clear + 1;
  let codeSize = minCodeSize + 1;
  let next = eoi + 1;
  const keys = new Int32Array(HASH_SIZE).fill(-1);
  const codes = new Int16Array(HASH_SIZE);

  out.byte(minCodeSize);
  const block = new Uint8Array(255);
  let blockLen = 0;
  let acc = 0;
  let bits = 0;
  const flushByte = (b: number) => {
    block[blockLen++] = b;
    if (blockLen === 255) {
      out.byte(255);
      out.bytes(block);
      blockLen = 0;
    }
  };
  const emit = (code: number) => {
    acc |= code << bits;
    bits += codeSize;
    while (bits >= 8) {
      flushByte(acc & 0xff);
      acc >>>= 8;
      bits -= 8;
    }
  };

  emit(clear);
  if (pixels.length > 0) {
    let cur = pixels[0];
    for (let i = 1; i < pixels.length; i++) {
      const k = pixels[i];
      const key = (cur << 8) | k;
      let h = (Math.imul(key, 0x9e3779b1) >>> 0) % HASH_SIZE;
      let found = -1;
      while (keys[h] !== -1) {
        if (keys[h] === key) {
          found = codes[h];
          break;
        }
        h = h + 1 === HASH_SIZE ? 0 : h + 1;
      }
      if (found >= 0) {
        cur = found;
        continue;
      }
      emit(cur);
      if (next === 4096) {
        // The table is full: start over (the decoder resets on the clear code).
        emit(clear);
        keys.fill(-1);
        next = eoi + 1;
        codeSize = minCodeSize + 1;
      } else {
        // Widen when the next code no longer fits: the decoder widens at the same point.
        if (next >= 1 << codeSize) codeSize++;
        keys[h] = key;
        codes[h] = next++;
      }
      cur = k;
    }
    emit(cur);
  }
  emit(eoi);
  if (bits > 0) flushByte(acc & 0xff);
  if (blockLen > 0) {
    out.byte(blockLen);
    out.bytes(block.subarray(0, blockLen));
  }
  out.byte(0);
}

/** The smallest rectangle holding every pixel that differs between two frames, or null if none. */
function changedBox(
  a: Uint8Array,
  b: Uint8Array,
  width: number,
  height: number,
): { x: number; y: number; w: number; h: number } | null {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (a[row + x] !== b[row + x]) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        y1 = y;
      }
    }
  }
  return x1 < 0 ? null : { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

/**
 * An animated GIF89a of palette-indexed frames. `palette` holds RGB triples (1 to 256 colours; a
 * frame's indices must be below its length). Frames after the first store only what changed; when
 * the palette leaves a free entry, unchanged pixels inside that rectangle are transparent.
 */
export function encodeGif(
  width: number,
  height: number,
  palette: Uint8Array,
  frames: readonly GifFrame[],
  opts: GifOptions = {},
): Uint8Array {
  const where = 'encodeGif';
  for (const [name, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0 || v > 0xffff)
      throw new ValueError(`${where}: ${name} must be an integer in [1, 65535], got ${v}`);
  }
  const colours = palette.length / 3;
  if (!Number.isInteger(colours) || colours < 1 || colours > 256) {
    throw new ValueError(
      `${where}: palette must hold 1 to 256 RGB triples (a multiple of 3 bytes), got ${palette.length} bytes`,
    );
  }
  if (frames.length === 0) throw new ValueError(`${where}: expected at least one frame, got none`);
  const loop = opts.loop ?? 0;
  if (!Number.isInteger(loop) || loop < 0 || loop > 0xffff)
    throw new ValueError(`${where}: loop must be an integer in [0, 65535], got ${loop}`);
  frames.forEach((f, i) => {
    if (f.indices.length !== width * height) {
      throw new ValueError(
        `${where}: frame ${i} has ${f.indices.length} pixels, expected ${width * height} (${width}x${height})`,
      );
    }
    if (!Number.isFinite(f.delay) || f.delay < 0)
      throw new ValueError(`${where}: frame ${i} delay must be a number of milliseconds >= 0, got ${f.delay}`);
    for (let p = 0; p < f.indices.length; p++) {
      if (f.indices[p] >= colours) {
        throw new ValueError(
          `${where}: frame ${i} uses colour ${f.indices[p]} at pixel ${p}, the palette has ${colours} colours`,
        );
      }
    }
  });

  const transparent = colours < 256 ? colours : -1;
  const used = transparent >= 0 ? colours + 1 : colours;
  let tableBits = 1;
  while (1 << tableBits < used) tableBits++;
  const minCodeSize = Math.max(2, tableBits);

  const w = new ByteWriter();
  w.ascii('GIF89a');
  w.u16(width);
  w.u16(height);
  // global colour table present, 8 bits of colour resolution, table size 2^tableBits
  w.byte(0x80 | (7 << 4) | (tableBits - 1));
  w.byte(0); // background colour index
  w.byte(0); // no pixel aspect ratio
  const table = new Uint8Array(3 << tableBits);
  table.set(palette);
  w.bytes(table);
  // NETSCAPE2.0 counts repeats after the first play (0: forever); without it a GIF plays once
  if (loop !== 1) {
    w.bytes([0x21, 0xff, 0x0b]);
    w.ascii('NETSCAPE2.0');
    w.bytes([0x03, 0x01]);
    w.u16(loop === 0 ? 0 : loop - 1);
    w.byte(0);
  }

  let prev: Uint8Array | null = null;
  for (const f of frames) {
    let box = { x: 0, y: 0, w: width, h: height };
    let useTransparency = false;
    if (prev) {
      box = changedBox(prev, f.indices, width, height) ?? { x: 0, y: 0, w: 1, h: 1 };
      useTransparency = transparent >= 0;
    }
    const px = new Uint8Array(box.w * box.h);
    for (let y = 0; y < box.h; y++) {
      const src = (box.y + y) * width + box.x;
      for (let x = 0; x < box.w; x++) {
        const v = f.indices[src + x];
        px[y * box.w + x] = useTransparency && prev && prev[src + x] === v ? transparent : v;
      }
    }
    // Graphic control: disposal 1 (leave the frame in place, the next draws over it), delay, transparency.
    w.bytes([0x21, 0xf9, 0x04, (1 << 2) | (useTransparency ? 1 : 0)]);
    w.u16(gifDelay(f.delay));
    w.byte(useTransparency ? transparent : 0);
    w.byte(0);
    w.byte(0x2c);
    w.u16(box.x);
    w.u16(box.y);
    w.u16(box.w);
    w.u16(box.h);
    w.byte(0); // no local colour table, not interlaced
    writeLzw(px, minCodeSize, w);
    prev = f.indices;
  }
  w.byte(0x3b);
  return w.result();
}
