// Intermediate activations (the book's first technique): a model from the input to the outputs of
// the first layers, and one grid picture per layer, channels side by side, each channel
// standardized, x64, +128, clipped to 0..255 as the book does (dead channels stay blank), coloured
// with viridis as matplotlib's imshow does, the layer name as title.
import path from 'node:path';
import { ValueError } from '../errors.js';
import type { Layer } from '../layers/base.js';
import type { KerasTensor } from '../layers/keras_tensor.js';
import { Model } from '../models/model.js';
import { Tensor } from '../tensor/tensor.js';
import { applyColormap } from './colormaps.js';
import { checkImages, findLayer, writePicture } from './common.js';
import { type OptionNames, checkNonNegativeInt, checkNumber, checkOptions, checkPositiveInt } from '../options.js';

export interface ActivationsOptions {
  /** The first N layers (default 8, as the book), or layer names. */
  layers?: number | string[];
}

export interface LayerActivation {
  name: string;
  className: string;
  /** The layer's output for the images. */
  value: Tensor;
}

function pickLayers(model: Model, layers: number | string[] | undefined, where: string): Layer[] {
  if (Array.isArray(layers)) return layers.map((n) => findLayer(model, n, where));
  const all = model.layers.filter((l) => !(l.className === 'InputLayer'));
  const n = layers ?? 8;
  if (!Number.isInteger(n) || n <= 0)
    throw new ValueError(`${where}: layers must be a positive integer or a list of names, got ${n}`);
  return all.slice(0, n);
}

/** The book's activation model: the model's input to the outputs of these layers. */
export function activationModel(model: Model, layers: number | string[] = 8): Model<KerasTensor[]> {
  const picked = pickLayers(model, layers, 'activationModel');
  return new Model({ inputs: model.input, outputs: picked.map((l) => l.output) });
}

/** Each picked layer's output for a batch of images, in inference mode. */
export function activations(model: Model, images: Tensor, opts: ActivationsOptions = {}): LayerActivation[] {
  checkOptions<ActivationsOptions>(opts, { layers: true }, 'activations');
  checkImages(model, images, 'activations');
  const picked = pickLayers(model, opts.layers, 'activations');
  const m = new Model({ inputs: model.input, outputs: picked.map((l) => l.output) });
  const outs = m.applyEager(images, { training: false });
  const list = Array.isArray(outs) ? outs : [outs];
  return picked.map((l, i) => ({ name: l.name, className: l.className, value: list[i] }));
}

/**
 * The book's grid of one image's activation [h, w, c] as 0..255 values: `imagesPerRow` channels a
 * row, one pixel between cells; a channel is standardized, x64, +128 and clipped, and a channel
 * that is all zeros (or constant) is left as it is (blank, never NaN).
 */
export function activationGrid(act: Tensor, imagesPerRow = 16): { data: Float32Array; width: number; height: number } {
  if (act.rank !== 3)
    throw new ValueError(
      `activationGrid: expected one image's activation [h, w, channels], got [${act.shape.join(', ')}]`,
    );
  const [h, w, c] = act.shape;
  const perRow = Math.min(imagesPerRow, c);
  const rows = Math.ceil(c / perRow);
  const width = perRow * (w + 1) - 1;
  const height = rows * (h + 1) - 1;
  const grid = new Float32Array(width * height);
  const ch = new Float64Array(h * w);
  const src = act.data;
  for (let k = 0; k < c; k++) {
    let sum = 0;
    for (let p = 0; p < h * w; p++) {
      ch[p] = src[p * c + k];
      sum += ch[p];
    }
    if (sum !== 0) {
      const mean = sum / (h * w);
      let v = 0;
      for (let p = 0; p < h * w; p++) v += (ch[p] - mean) ** 2;
      const std = Math.sqrt(v / (h * w));
      for (let p = 0; p < h * w; p++) ch[p] = std > 0 ? ((ch[p] - mean) / std) * 64 + 128 : 128;
    }
    const top = Math.floor(k / perRow) * (h + 1);
    const left = (k % perRow) * (w + 1);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        // astype('uint8') after clipping truncates, as the book's grid does.
        grid[(top + y) * width + left + x] = Math.trunc(Math.min(255, Math.max(0, ch[y * w + x])));
      }
    }
  }
  return { data: grid, width, height };
}

const PLOT_ACTIVATIONS_OPTIONS: OptionNames<PlotActivationsOptions> = {
  layers: true,
  imagesPerRow: true,
  dir: true,
  imageIndex: true,
  scale: true,
};

export interface PlotActivationsOptions extends ActivationsOptions {
  /** Channels per row (default 16, as the book). */
  imagesPerRow?: number;
  /** Folder for the pictures, one `<index>_<layer>.png` per layer (default 'activations'). */
  dir?: string;
  /** Which image of the batch to draw (default 0). */
  imageIndex?: number;
  /** Pixel magnification (default: the grid at least 512 pixels wide). */
  scale?: number;
}

/**
 * Draws the activation grids of the first layers for one image, one PNG per layer with a spatial
 * output (layers with flat outputs are skipped, as the book's loop ends at the last pooling
 * layer), and returns the activations with the file of each picture.
 */
export async function plotActivations(
  model: Model,
  images: Tensor,
  opts: PlotActivationsOptions = {},
): Promise<(LayerActivation & { file: string | null })[]> {
  checkOptions(opts, PLOT_ACTIVATIONS_OPTIONS, 'plotActivations');
  checkPositiveInt(opts.imagesPerRow, 'plotActivations imagesPerRow');
  checkNonNegativeInt(opts.imageIndex, 'plotActivations imageIndex');
  checkNumber(opts.scale, 'plotActivations scale', { min: 0 });
  const acts = activations(model, images, { layers: opts.layers });
  const dir = opts.dir ?? 'activations';
  const idx = opts.imageIndex ?? 0;
  if (!Number.isInteger(idx) || idx < 0 || idx >= images.shape[0]) {
    throw new ValueError(`plotActivations: imageIndex ${idx} is out of range for a batch of ${images.shape[0]}`);
  }
  const out: (LayerActivation & { file: string | null })[] = [];
  for (const [i, a] of acts.entries()) {
    if (a.value.rank !== 4) {
      out.push({ ...a, file: null });
      continue;
    }
    const grid = activationGrid(a.value.index(idx), opts.imagesPerRow ?? 16);
    const rgb = applyColormap(grid.data, 'viridis');
    const file = path.join(dir, `${String(i + 1).padStart(2, '0')}_${a.name}.png`);
    const scale = opts.scale ?? Math.max(1, Math.ceil(512 / grid.width));
    await writePicture(file, rgb, grid.width, grid.height, { title: a.name, scale });
    out.push({ ...a, file });
  }
  return out;
}
