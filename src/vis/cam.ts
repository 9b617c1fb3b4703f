// Class-activation heatmaps (the book's third technique): Grad-CAM (gradients of the class score
// with respect to a convolution's output, pooled per channel, weighting the channels, ReLU,
// normalized), Grad-CAM++, saliency maps (vanilla gradients and SmoothGrad), and the book's
// overlay of a jet-coloured heatmap on the original picture.
import { gradients, noGrad } from '../autograd/tape.js';
import { ValueError } from '../errors.js';
import type { Layer } from '../layers/base.js';
import { Model } from '../models/model.js';
import { softmaxLogits } from '../ops/softmax.js';
import { sigmoidLogits } from '../ops/elementwise.js';
import { Tensor } from '../tensor/tensor.js';
import { RandomGenerator } from '../tensor/random.js';
import { resizeImage } from '../data/resize.js';
import { arrayToImg, imgToArray, loadImg, saveImg } from '../utils/image.js';
import { colormap } from './colormaps.js';
import { allLayers, checkImages, findLayer } from './common.js';
import { checkInt, checkNumber, checkOptions, checkPositiveInt } from '../options.js';

/** A layer with a spatial output [batch, h, w, channels], or an error that says which layers have one. */
export function spatialLayer(model: Model, layerName: string, where: string): Layer {
  const layer = findLayer(model, layerName, where);
  const shape = layer.outputShape;
  if (Array.isArray(shape[0]) || shape.length !== 4) {
    const spatial = allLayers(model)
      .filter((l) => !(l instanceof Model) && l.className !== 'InputLayer' && isSpatial(l))
      .map((l) => l.name);
    throw new ValueError(
      `${where}: layer '${layerName}' (${layer.className}) has output shape ` +
        `${JSON.stringify(shape).replace(/null/g, 'None')}, ` +
        'expected a spatial output (batch, height, width, channels); ' +
        `layers with one: ${spatial.join(', ') || 'none'}`,
    );
  }
  return layer;
}

function isSpatial(l: Layer): boolean {
  try {
    const s = l.outputShape;
    return !Array.isArray(s[0]) && s.length === 4;
  } catch {
    return false;
  }
}

export function checkFilterIndex(i: number, channels: number, layerName: string, where: string): void {
  if (!Number.isInteger(i) || i < 0 || i >= channels) {
    throw new ValueError(
      `${where}: filterIndex ${i} is out of range: layer '${layerName}' has ${channels} filters (0..${channels - 1})`,
    );
  }
}

/** The last layer with a spatial output whose class is a convolution (nested models searched too). */
export function lastConvLayer(model: Model): Layer {
  const layers = allLayers(model).filter((l) => !(l instanceof Model));
  const convs = layers.filter((l) => /Conv/.test(l.className) && isSpatial(l));
  const found = convs.at(-1) ?? layers.filter(isSpatial).at(-1);
  if (!found) throw new ValueError(`gradCam: model '${model.name}' has no layer with a spatial output; pass layerName`);
  return found;
}

export interface GradCamOptions {
  /** The convolution to explain (default: the last one, nested models included). */
  layerName?: string;
  /** One class for all images, one per image, or (default) each image's top class. */
  classIndex?: number | number[];
  /** Differentiate the logits before the final softmax/sigmoid (as keras.io's example does). */
  logits?: boolean;
  /** 'gradcam' (default) or 'gradcam++'. */
  method?: 'gradcam' | 'gradcam++';
}

export interface Heatmaps {
  /** [n, h, w] in 0..1 (the layer's spatial size). */
  heatmaps: Tensor;
  /** The class explained for each image. */
  classIndex: number[];
  /** The model's predictions [n, classes]. */
  predictions: Tensor;
  /** Images whose map was all zeros before normalizing (returned as zeros, never NaN). */
  zeroMaps: number[];
  layerName: string;
}

function classesFor(preds: Tensor, classIndex: number | number[] | undefined, where: string): number[] {
  const [n, k] = preds.shape;
  const list =
    classIndex === undefined
      ? null
      : typeof classIndex === 'number'
        ? new Array<number>(n).fill(classIndex)
        : classIndex;
  if (list && list.length !== n)
    throw new ValueError(`${where}: classIndex has ${list.length} entries for ${n} images`);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    if (list) {
      const c = list[i];
      if (!Number.isInteger(c) || c < 0 || c >= k) {
        throw new ValueError(`${where}: classIndex ${c} is out of range: the model has ${k} classes (0..${k - 1})`);
      }
      out.push(c);
    } else {
      let best = 0;
      for (let c = 1; c < k; c++) if (preds.data[i * k + c] > preds.data[i * k + best]) best = c;
      out.push(best);
    }
  }
  return out;
}

/** Σ_i score[i, class_i]: one backward pass gives every image's gradient (images do not interact). */
function classScore(scores: Tensor, classes: number[]): Tensor {
  const [n, k] = scores.shape;
  const mask = new Float32Array(n * k);
  classes.forEach((c, i) => {
    mask[i * k + c] = 1;
  });
  return scores.mul(new Tensor(mask, [n, k])).sum();
}

function scoresOf(preds: Tensor, logits: boolean): Tensor {
  if (!logits) return preds;
  return softmaxLogits.get(preds) ?? sigmoidLogits.get(preds) ?? preds;
}

/**
 * Grad-CAM heatmaps for a batch of images [n, h, w, c]: the book's recipe (pooled gradients weight
 * the channels, mean over channels, ReLU, divided by the max). Grad-CAM++ with `method`.
 */
export function gradCam(model: Model, images: Tensor, opts: GradCamOptions = {}): Heatmaps {
  const where = opts?.method === 'gradcam++' ? 'gradCamPlusPlus' : 'gradCam';
  checkOptions<GradCamOptions>(opts, { layerName: true, classIndex: true, logits: true, method: true }, where);
  checkImages(model, images, where);
  const layer = opts.layerName ? spatialLayer(model, opts.layerName, where) : lastConvLayer(model);
  const camModel = new Model({ inputs: model.input, outputs: [layer.output, model.output] });
  const [act, preds] = camModel.applyEager(images, { training: false }) as Tensor[];
  const classes = classesFor(preds, opts.classIndex, where);
  const score = classScore(scoresOf(preds, opts.logits ?? false), classes);
  const [g] = gradients(score, [act]);
  const [n, h, w, c] = act.shape;
  const hw = h * w;
  const maps = new Float32Array(n * hw);
  const zeroMaps: number[] = [];
  noGrad(() => {
    for (let b = 0; b < n; b++) {
      const weights = new Float64Array(c);
      const A = act.data.subarray(b * hw * c, (b + 1) * hw * c);
      const G = g.data.subarray(b * hw * c, (b + 1) * hw * c);
      if (opts.method === 'gradcam++') {
        const sumA = new Float64Array(c);
        for (let p = 0; p < hw; p++) for (let k = 0; k < c; k++) sumA[k] += A[p * c + k];
        for (let p = 0; p < hw; p++) {
          for (let k = 0; k < c; k++) {
            const gk = G[p * c + k];
            const g2 = gk * gk;
            const denom = 2 * g2 + sumA[k] * g2 * gk;
            const alpha = denom !== 0 ? g2 / denom : 0;
            weights[k] += alpha * Math.max(gk, 0);
          }
        }
      } else {
        for (let p = 0; p < hw; p++) for (let k = 0; k < c; k++) weights[k] += G[p * c + k];
        for (let k = 0; k < c; k++) weights[k] /= hw;
      }
      let max = 0;
      for (let p = 0; p < hw; p++) {
        let v = 0;
        for (let k = 0; k < c; k++) v += A[p * c + k] * weights[k];
        v = Math.max(v / c, 0);
        maps[b * hw + p] = v;
        if (v > max) max = v;
      }
      if (max > 0) for (let p = 0; p < hw; p++) maps[b * hw + p] /= max;
      else zeroMaps.push(b);
    }
  });
  if (zeroMaps.length) {
    console.warn(
      `${where}: the heatmap of image(s) ${zeroMaps.join(', ')} is all zeros (no positive evidence for ` +
        `the class at layer '${layer.name}'); returned as zeros`,
    );
  }
  return {
    heatmaps: new Tensor(maps, [n, h, w]),
    classIndex: classes,
    predictions: preds,
    zeroMaps,
    layerName: layer.name,
  };
}

/** Grad-CAM++ (Chattopadhyay et al. 2018): positive gradients weighted per pixel. */
export function gradCamPlusPlus(model: Model, images: Tensor, opts: Omit<GradCamOptions, 'method'> = {}): Heatmaps {
  checkOptions<Omit<GradCamOptions, 'method'>>(
    opts,
    { layerName: true, classIndex: true, logits: true },
    'gradCamPlusPlus',
  );
  return gradCam(model, images, { ...opts, method: 'gradcam++' });
}

export interface SaliencyOptions {
  classIndex?: number | number[];
  logits?: boolean;
  /** 'vanilla' (default) or 'smoothgrad' (Smilkov et al. 2017: gradients averaged over noisy copies). */
  method?: 'vanilla' | 'smoothgrad';
  /** SmoothGrad's copies (default 25) and noise level as a fraction of the input's range (default 0.15). */
  samples?: number;
  noise?: number;
  seed?: number;
}

/**
 * Saliency maps [n, h, w]: the largest absolute gradient of the class score over each pixel's
 * channels, normalized to 0..1 per image.
 */
export function saliency(
  model: Model,
  images: Tensor,
  opts: SaliencyOptions = {},
): { maps: Tensor; classIndex: number[] } {
  const where = 'saliency';
  checkOptions<SaliencyOptions>(
    opts,
    { classIndex: true, logits: true, method: true, samples: true, noise: true, seed: true },
    where,
  );
  checkPositiveInt(opts.samples, `${where} samples`);
  checkNumber(opts.noise, `${where} noise`, { min: 0 });
  checkInt(opts.seed, `${where} seed`);
  checkImages(model, images, where);
  const preds = model.applyEager(images, { training: false }) as Tensor;
  const classes = classesFor(preds, opts.classIndex, where);
  const smooth = opts.method === 'smoothgrad';
  const samples = smooth ? (opts.samples ?? 25) : 1;
  let lo = Infinity,
    hi = -Infinity;
  for (const v of images.data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const sigma = (opts.noise ?? 0.15) * (hi - lo);
  const rng = new RandomGenerator(opts.seed ?? 0);
  const sum = new Float32Array(images.size);
  for (let s = 0; s < samples; s++) {
    const x = new Tensor(Float32Array.from(images.data), images.shape);
    if (smooth) for (let i = 0; i < x.size; i++) x.data[i] += rng.normal(0, sigma);
    x.requiresGrad = true;
    const out = model.applyEager(x, { training: false }) as Tensor;
    const [g] = gradients(classScore(scoresOf(out, opts.logits ?? false), classes), [x]);
    for (let i = 0; i < sum.length; i++) sum[i] += g.data[i] / samples;
  }
  const [n, h, w, c] = images.shape;
  const maps = new Float32Array(n * h * w);
  for (let b = 0; b < n; b++) {
    let max = 0;
    for (let p = 0; p < h * w; p++) {
      let m = 0;
      for (let k = 0; k < c; k++) m = Math.max(m, Math.abs(sum[(b * h * w + p) * c + k]));
      maps[b * h * w + p] = m;
      max = Math.max(max, m);
    }
    if (max > 0) for (let p = 0; p < h * w; p++) maps[b * h * w + p] /= max;
  }
  return { maps: new Tensor(maps, [n, h, w]), classIndex: classes };
}

export interface OverlayOptions {
  /** Weight of the coloured heatmap (default 0.4, as the book). */
  alpha?: number;
  colormap?: 'jet' | 'viridis';
}

/**
 * The book's overlay, computed as the book computes it: heatmap x255 to uint8, coloured with the
 * 256-entry colormap, rescaled min..max to 0..255 (array_to_img), resized bicubically to the
 * picture, `jet * alpha + picture`, rescaled min..max again. `image` is a file or a [h, w, 3]
 * tensor of 0..255 values; `heatmap` is [h, w] (or [1, h, w]) in 0..1. Returns the blended picture.
 */
export async function saveHeatmapOverlay(
  image: string | Tensor,
  heatmap: Tensor,
  file: string,
  opts: OverlayOptions = {},
): Promise<Tensor> {
  const out = await overlayPicture(image, heatmap, opts, 'saveHeatmapOverlay');
  await saveImg(file, out, { scale: false });
  return out;
}

/** saveHeatmapOverlay's picture [h, w, 3] (0..255) without writing it (for pages that inline their images). */
export function heatmapOverlay(image: string | Tensor, heatmap: Tensor, opts: OverlayOptions = {}): Promise<Tensor> {
  return overlayPicture(image, heatmap, opts, 'heatmapOverlay');
}

async function overlayPicture(
  image: string | Tensor,
  heatmap: Tensor,
  opts: OverlayOptions,
  where: string,
): Promise<Tensor> {
  checkOptions<OverlayOptions>(opts, { alpha: true, colormap: true }, where);
  checkNumber(opts.alpha, `${where} alpha`, { min: 0, max: 1 });
  const pic = typeof image === 'string' ? imgToArray(await loadImg(image, { colorMode: 'rgb' })) : image;
  if (pic.rank !== 3 || pic.shape[2] !== 3) {
    throw new ValueError(`${where}: image must be an RGB picture [h, w, 3], got [${pic.shape.join(', ')}]`);
  }
  const hm = heatmap.rank === 3 && heatmap.shape[0] === 1 ? heatmap.reshape(heatmap.shape.slice(1)) : heatmap;
  if (hm.rank !== 2)
    throw new ValueError(`${where}: heatmap must be [h, w] (one image's map), got [${heatmap.shape.join(', ')}]`);
  const [hh, hw] = hm.shape;
  const table = colormap(opts.colormap ?? 'jet');
  const colored = new Float32Array(hh * hw * 3);
  for (let p = 0; p < hh * hw; p++) {
    const v = hm.data[p];
    const k = Math.trunc(Math.min(255, Math.max(0, 255 * (Number.isFinite(v) ? v : 0))));
    for (let ch = 0; ch < 3; ch++) colored[p * 3 + ch] = table[k * 3 + ch];
  }
  const jet8 = arrayToImg(new Tensor(colored, [hh, hw, 3]));
  const [ph, pw] = pic.shape;
  const resized = resizeImage(jet8.data, hh, hw, 3, ph, pw, 'bicubic');
  const alpha = opts.alpha ?? 0.4;
  const blended = new Float32Array(ph * pw * 3);
  for (let i = 0; i < blended.length; i++) {
    // PIL stores the resized heatmap as 8 bits, rounding and clipping.
    const j = Math.min(255, Math.max(0, Math.round(resized[i])));
    blended[i] = j * alpha + pic.data[i];
  }
  return imgToArray(arrayToImg(new Tensor(blended, [ph, pw, 3])));
}
