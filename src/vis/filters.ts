// Filter patterns (the book's second technique): gradient ascent in input space on the mean
// activation of one filter. Default recipe: the second edition's (loss without a 2-pixel border,
// L2-normalized gradient, step 10, 30 steps, start uniform in [0.4, 0.6]; deprocess standardized,
// x64, +128, clipped, 25-pixel crop); the first edition's is `recipe: 'first'` (start uniform x20 +
// 128, gradient / (RMS + 1e-5), step 1, 40 steps; deprocess x0.1 + 0.5, clipped, x255).
import { gradients, noGrad } from '../autograd/tape.js';
import { ValueError } from '../errors.js';
import { Model } from '../models/model.js';
import { slice } from '../ops/slicing.js';
import { Tensor } from '../tensor/tensor.js';
import { RandomGenerator } from '../tensor/random.js';
import { checkFilterIndex, spatialLayer } from './cam.js';
import { inputShapeOf, writePicture } from './common.js';
import { type OptionNames, checkNonNegativeInt, checkOptions, checkPositiveInt } from '../options.js';

export interface FilterPatternOptions {
  /** 'second' (default) or 'first': the book edition whose recipe to follow. */
  recipe?: 'second' | 'first';
  /** Side of the square input image (default: the model's input size, else 150). */
  size?: number;
  /** Gradient-ascent steps (default 30, first edition 40). */
  steps?: number;
  /** Step size (default 10, first edition 1). */
  stepSize?: number;
  /** The model's preprocessing (e.g. applications' preprocessInput), applied inside the ascent. */
  preprocess?: (x: Tensor) => Tensor;
  /** Pixels cropped from each side when deprocessing (default 25, at most a quarter of the side). */
  crop?: number;
  /** Seed of the starting image (default 0). */
  seed?: number;
  /** A starting image [1, size, size, channels] instead of the recipe's random one. */
  start?: Tensor;
}

export interface FilterPattern {
  /** The deprocessed picture [h, w, channels], values 0..255. */
  image: Tensor;
  /** The input after the last step, before deprocessing [1, size, size, channels]. */
  raw: Tensor;
  /** The loss (mean filter activation) at each step. */
  losses: number[];
  /**
   * False when the gradient was zero at every step (a ReLU filter silent on the start image): the
   * input never moved, and `image` is a flat mid-gray instead of the start's standardized noise.
   */
  moved: boolean;
}

function meanStd(d: ArrayLike<number>): [number, number] {
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i];
  const mean = s / d.length;
  let v = 0;
  for (let i = 0; i < d.length; i++) v += (d[i] - mean) ** 2;
  return [mean, Math.sqrt(v / d.length)];
}

/** The recipe's deprocessing of one image [h, w, c] into 0..255 values. */
export function deprocessImage(x: Tensor, recipe: 'second' | 'first' = 'second', crop = 25): Tensor {
  const [mean, std] = meanStd(x.data);
  const out = new Float32Array(x.size);
  for (let i = 0; i < x.size; i++) {
    const v = x.data[i];
    out[i] =
      recipe === 'second'
        ? Math.trunc(Math.min(255, Math.max(0, (std > 0 ? (v - mean) / std : 0) * 64 + 128)))
        : Math.trunc(Math.min(1, Math.max(0, ((v - mean) / (std + 1e-5)) * 0.1 + 0.5)) * 255);
  }
  const img = new Tensor(out, x.shape);
  const [h, w] = x.shape;
  const c = Math.min(crop, Math.floor(Math.min(h, w) / 4));
  return c > 0 ? slice(img, [c, c, 0], [h - 2 * c, w - 2 * c, -1]) : img;
}

/** A model from the input to the output of `layerName` (a convolution with a spatial output). */
function featureExtractor(model: Model, layerName: string, where: string): Model {
  const layer = spatialLayer(model, layerName, where);
  return new Model({ inputs: model.input, outputs: layer.output });
}

/** The pattern that filter `filterIndex` of `layerName` responds to most, by gradient ascent. */
export function filterPattern(
  model: Model,
  layerName: string,
  filterIndex: number,
  opts: FilterPatternOptions = {},
): FilterPattern {
  const where = 'filterPattern';
  checkOptions(opts, FILTER_PATTERN_OPTIONS, where);
  return filterPatternWith(featureExtractor(model, layerName, where), layerName, filterIndex, opts, where);
}

function filterPatternWith(
  extractor: Model,
  layerName: string,
  filterIndex: number,
  opts: FilterPatternOptions,
  where: string,
): FilterPattern {
  const recipe = opts.recipe ?? 'second';
  if (recipe !== 'second' && recipe !== 'first')
    throw new ValueError(`${where}: recipe must be 'second' or 'first', got '${String(recipe)}'`);
  const channels = extractor.output.shape[3]!;
  checkFilterIndex(filterIndex, channels, layerName, where);
  const inShape = inputShapeOf(extractor, where);
  const size = opts.size ?? inShape[1] ?? 150;
  const c = inShape[3] ?? 3;
  if ((inShape[1] !== null && inShape[1] !== size) || (inShape[2] !== null && inShape[2] !== size)) {
    throw new ValueError(`${where}: size ${size} does not fit the model's input (${inShape[1]}, ${inShape[2]})`);
  }
  const steps = opts.steps ?? (recipe === 'second' ? 30 : 40);
  const stepSize = opts.stepSize ?? (recipe === 'second' ? 10 : 1);
  let image: Tensor;
  if (opts.start) {
    if (opts.start.shape.join(',') !== [1, size, size, c].join(',')) {
      throw new ValueError(
        `${where}: start has shape [${opts.start.shape.join(', ')}], expected [1, ${size}, ${size}, ${c}]`,
      );
    }
    image = new Tensor(Float32Array.from(opts.start.data), opts.start.shape);
  } else {
    const rng = new RandomGenerator(opts.seed ?? 0);
    const d = new Float32Array(size * size * c);
    for (let i = 0; i < d.length; i++)
      d[i] = recipe === 'second' ? rng.uniform(0.4, 0.6) : rng.uniform(0, 1) * 20 + 128;
    image = new Tensor(d, [1, size, size, c]);
  }
  const losses: number[] = [];
  let moved = false;
  for (let s = 0; s < steps; s++) {
    image.requiresGrad = true;
    const x = opts.preprocess ? opts.preprocess(image) : image;
    const act = extractor.applyEager(x, { training: false }) as Tensor;
    const [, h, w] = act.shape;
    const border = recipe === 'second' && h > 4 && w > 4 ? 2 : 0;
    const loss = slice(act, [0, border, border, filterIndex], [-1, h - 2 * border, w - 2 * border, 1]).mean();
    losses.push(loss.item());
    const [g] = gradients(loss, [image]);
    image = noGrad(() => {
      const gd = g.data;
      let scale: number;
      let ss = 0;
      for (let i = 0; i < gd.length; i++) ss += gd[i] * gd[i];
      if (ss > 0) moved = true;
      if (recipe === 'second') scale = 1 / Math.sqrt(Math.max(ss, 1e-12));
      else scale = 1 / (Math.sqrt(ss / gd.length) + 1e-5);
      const next = new Float32Array(image.size);
      for (let i = 0; i < next.length; i++) next[i] = image.data[i] + stepSize * gd[i] * scale;
      return new Tensor(next, image.shape);
    });
  }
  const raw = image;
  const picture = deprocessImage(new Tensor(raw.data, raw.shape.slice(1)), recipe, opts.crop ?? 25);
  // Standardizing an untouched start would show its random noise as if it were the filter's pattern.
  if (!moved && steps > 0) picture.data.fill(128);
  return { image: picture, raw, losses, moved };
}

const FILTER_PATTERN_OPTIONS: OptionNames<FilterPatternOptions> = {
  recipe: true,
  size: true,
  steps: true,
  stepSize: true,
  preprocess: true,
  crop: true,
  seed: true,
  start: true,
};

export interface PlotFilterPatternsOptions extends FilterPatternOptions {
  /** How many filters, from 0 (default 64, an 8 x 8 grid, or all the layer has). */
  filters?: number;
  /** Pixels between cells (default 5, as the book). */
  margin?: number;
  /** The PNG to write (default `filters_<layer>.png`). */
  file?: string;
}

/** The book's grid of filter patterns (8 a row, 5-pixel black margins), titled with the layer name. */
export async function plotFilterPatterns(
  model: Model,
  layerName: string,
  opts: PlotFilterPatternsOptions = {},
): Promise<{ file: string; patterns: FilterPattern[] }> {
  const where = 'plotFilterPatterns';
  checkOptions(opts, { ...FILTER_PATTERN_OPTIONS, filters: true, margin: true, file: true }, where);
  checkPositiveInt(opts.filters, `${where} filters`);
  checkNonNegativeInt(opts.margin, `${where} margin`);
  const extractor = featureExtractor(model, layerName, where);
  const available = extractor.output.shape[3]!;
  const n = opts.filters ?? Math.min(64, available);
  if (!Number.isInteger(n) || n <= 0 || n > available) {
    throw new ValueError(
      `${where}: filters must be an integer in [1, ${available}] for layer '${layerName}', got ${n}`,
    );
  }
  const patterns: FilterPattern[] = [];
  for (let k = 0; k < n; k++)
    patterns.push(filterPatternWith(extractor, layerName, k, { ...opts, seed: (opts.seed ?? 0) + k }, where));
  const [ph, pw, pc] = patterns[0].image.shape;
  const margin = opts.margin ?? 5;
  const cols = Math.min(8, n);
  const rows = Math.ceil(n / cols);
  const width = cols * pw + (cols - 1) * margin;
  const height = rows * ph + (rows - 1) * margin;
  const rgb = new Uint8Array(width * height * 3);
  patterns.forEach((p, k) => {
    const top = Math.floor(k / cols) * (ph + margin);
    const left = (k % cols) * (pw + margin);
    for (let y = 0; y < ph; y++)
      for (let x = 0; x < pw; x++)
        for (let ch = 0; ch < 3; ch++) {
          rgb[((top + y) * width + left + x) * 3 + ch] = p.image.data[(y * pw + x) * pc + (pc === 3 ? ch : 0)];
        }
  });
  const file = opts.file ?? `filters_${layerName}.png`;
  await writePicture(file, rgb, width, height, { title: layerName, scale: Math.max(1, Math.ceil(512 / width)) });
  return { file, patterns };
}
