// Test helpers: tiny images written to a temp folder (no committed binary fixtures).
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

export function tempDir(prefix = 'convkit-data-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Solid or patterned RGB pixels: value(y, x, ch). */
export function pixels(h: number, w: number, c: number, f: (y: number, x: number, ch: number) => number): Uint8Array {
  const d = new Uint8Array(h * w * c);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) d[(y * w + x) * c + ch] = f(y, x, ch);
  return d;
}

export async function writeImage(
  file: string,
  data: Uint8Array,
  h: number,
  w: number,
  c: 1 | 2 | 3 | 4,
): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true });
  const s = sharp(Buffer.from(data), { raw: { width: w, height: h, channels: c } });
  const ext = path.extname(file).toLowerCase();
  let buf: Buffer;
  if (ext === '.png') buf = await s.png().toBuffer();
  else if (ext === '.jpg' || ext === '.jpeg') buf = await s.jpeg({ quality: 95 }).toBuffer();
  else if (ext === '.webp') buf = await s.webp({ lossless: true }).toBuffer();
  else if (ext === '.gif') buf = await s.gif().toBuffer();
  else if (ext === '.bmp') buf = Buffer.from(bmp24(data, h, w, c));
  else throw new Error(`writeImage: unknown extension ${ext}`);
  writeFileSync(file, buf);
}

/** Minimal 24-bit bottom-up BI_RGB BMP encoder (independent of the library's). */
export function bmp24(data: Uint8Array, h: number, w: number, c: number): Uint8Array {
  const stride = Math.ceil((w * 3) / 4) * 4;
  const buf = new Uint8Array(54 + stride * h);
  const dv = new DataView(buf.buffer);
  buf[0] = 66;
  buf[1] = 77;
  dv.setUint32(2, buf.length, true);
  dv.setUint32(10, 54, true);
  dv.setUint32(14, 40, true);
  dv.setInt32(18, w, true);
  dv.setInt32(22, h, true);
  dv.setUint16(26, 1, true);
  dv.setUint16(28, 24, true);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * c;
      const r = data[i],
        g = c >= 3 ? data[i + 1] : r,
        b = c >= 3 ? data[i + 2] : r;
      const o = 54 + (h - 1 - y) * stride + x * 3;
      buf[o] = b;
      buf[o + 1] = g;
      buf[o + 2] = r;
    }
  return buf;
}

/** Palette BMP (1, 4 or 8 bits), bottom-up or top-down. */
export function bmpPalette(
  idx: Uint8Array,
  h: number,
  w: number,
  bpp: 1 | 4 | 8,
  palette: [number, number, number][],
  topDown = false,
): Uint8Array {
  const stride = Math.ceil((w * bpp) / 32) * 4;
  const palBytes = palette.length * 4;
  const off = 54 + palBytes;
  const buf = new Uint8Array(off + stride * h);
  const dv = new DataView(buf.buffer);
  buf[0] = 66;
  buf[1] = 77;
  dv.setUint32(2, buf.length, true);
  dv.setUint32(10, off, true);
  dv.setUint32(14, 40, true);
  dv.setInt32(18, w, true);
  dv.setInt32(22, topDown ? -h : h, true);
  dv.setUint16(26, 1, true);
  dv.setUint16(28, bpp, true);
  dv.setUint32(46, palette.length, true);
  palette.forEach(([r, g, b], i) => {
    buf[54 + i * 4] = b;
    buf[55 + i * 4] = g;
    buf[56 + i * 4] = r;
  });
  for (let y = 0; y < h; y++) {
    const row = off + (topDown ? y : h - 1 - y) * stride;
    for (let x = 0; x < w; x++) {
      const v = idx[y * w + x];
      const bit = x * bpp;
      buf[row + (bit >> 3)] |= v << (8 - bpp - (bit & 7));
    }
  }
  return buf;
}

/** 32-bit BI_BITFIELDS BMP with an alpha mask (V4-style 108-byte header), top-down. */
export function bmp32Bitfields(rgba: Uint8Array, h: number, w: number): Uint8Array {
  const off = 14 + 108;
  const buf = new Uint8Array(off + w * h * 4);
  const dv = new DataView(buf.buffer);
  buf[0] = 66;
  buf[1] = 77;
  dv.setUint32(2, buf.length, true);
  dv.setUint32(10, off, true);
  dv.setUint32(14, 108, true);
  dv.setInt32(18, w, true);
  dv.setInt32(22, -h, true);
  dv.setUint16(26, 1, true);
  dv.setUint16(28, 32, true);
  dv.setUint32(30, 3, true);
  dv.setUint32(54, 0x00ff0000, true);
  dv.setUint32(58, 0x0000ff00, true);
  dv.setUint32(62, 0x000000ff, true);
  dv.setUint32(66, 0xff000000, true);
  for (let p = 0; p < w * h; p++) {
    const v = ((rgba[p * 4 + 3] << 24) | (rgba[p * 4] << 16) | (rgba[p * 4 + 1] << 8) | rgba[p * 4 + 2]) >>> 0;
    dv.setUint32(off + p * 4, v, true);
  }
  return buf;
}
