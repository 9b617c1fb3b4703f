// What the pictures of a convnet share: finding a layer by name (nested models included, with the
// valid names and the closest one in the error), checking an image batch against the model, and
// writing an RGB picture with a title as PNG (sharp renders an SVG with the text; DejaVu fonts).
import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import { ShapeError, ValueError } from '../errors.js';
import type { Layer } from '../layers/base.js';
import { Model } from '../models/model.js';
import type { Tensor } from '../tensor/tensor.js';
import { writeFileAtomic } from '../utils/image.js';
import { loadSharp } from '../data/codec.js';

/** Every layer of a model, nested models' layers after the model itself, in order. */
export function allLayers(model: Model): Layer[] {
  const out: Layer[] = [];
  for (const l of model.layers) {
    out.push(l);
    if (l instanceof Model) out.push(...allLayers(l));
  }
  return out;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** The layer of that name in the model or a nested model; the error lists them and suggests one. */
export function findLayer(model: Model, name: string, where: string): Layer {
  const layers = allLayers(model);
  const hit = layers.find((l) => l.name === name);
  if (hit) return hit;
  const names = layers.map((l) => l.name);
  const best = names.reduce<{ n: string; d: number } | null>((acc, n) => {
    const d = editDistance(name, n);
    return !acc || d < acc.d ? { n, d } : acc;
  }, null);
  const hint = best && best.d <= Math.max(2, Math.floor(name.length / 3)) ? ` (did you mean '${best.n}'?)` : '';
  throw new ValueError(
    `${where}: layerName '${name}' is not a layer of model '${model.name}'${hint}; ` +
      `its layers are: ${names.join(', ')}`,
  );
}

/** The model's single input shape (batch axis included). */
export function inputShapeOf(model: Model, where: string): readonly (number | null)[] {
  if (model.inputs.length !== 1) {
    throw new ValueError(`${where}: expected a model with one input, model '${model.name}' has ${model.inputs.length}`);
  }
  return model.input.shape;
}

/** Checks a batch of images [n, h, w, c] against the model's input, naming the argument. */
export function checkImages(model: Model, images: Tensor, where: string, arg = 'images'): void {
  const want = inputShapeOf(model, where);
  const fmt = (s: readonly (number | null)[]) => `(${s.map((d) => (d === null ? 'None' : d)).join(', ')})`;
  const ok = images.rank === want.length && want.every((d, i) => i === 0 || d === null || d === images.shape[i]);
  if (!ok) {
    const hint = images.rank === want.length - 1 ? ' (one image? add the batch axis with .expandDims(0))' : '';
    throw new ShapeError(
      `${where}: ${arg} has shape ${fmt(images.shape)} but model '${model.name}' expects ` + `${fmt(want)}${hint}`,
    );
  }
}

const escapeXml = (s: string): string => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

export interface PictureOptions {
  /** Text above the picture (the book's plt.title). */
  title?: string;
  /** Integer magnification with nearest-neighbour pixels (default: at least 256 pixels wide). */
  scale?: number;
}

/** Encodes 8-bit RGB pixels as PNG, enlarged and titled, and writes it (creating the folder). */
export async function writePicture(
  file: string,
  rgb: Uint8Array,
  width: number,
  height: number,
  opts: PictureOptions = {},
): Promise<{ width: number; height: number }> {
  const sharp = await loadSharp();
  const scale = Math.max(1, Math.round(opts.scale ?? Math.ceil(256 / Math.max(width, 1))));
  const w = width * scale;
  const h = height * scale;
  const big = await sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), {
    raw: { width, height, channels: 3 },
  })
    .resize(w, h, { kernel: 'nearest' })
    .png()
    .toBuffer();
  let png = big;
  let outW = w;
  let outH = h;
  if (opts.title) {
    const band = 28;
    outW = Math.max(w, 8 * opts.title.length + 16);
    outH = h + band;
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ` +
      `width="${outW}" height="${outH}"><rect width="100%" height="100%" fill="white"/>` +
      `<text x="${outW / 2}" y="20" font-family="DejaVu Sans" font-size="15" text-anchor="middle">` +
      `${escapeXml(opts.title)}</text>` +
      `<image x="${(outW - w) / 2}" y="${band}" width="${w}" height="${h}" ` +
      `xlink:href="data:image/png;base64,${big.toString('base64')}"/></svg>`;
    png = await sharp(Buffer.from(svg)).png().toBuffer();
  }
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFileAtomic(file, new Uint8Array(png.buffer, png.byteOffset, png.byteLength));
  return { width: outW, height: outH };
}
