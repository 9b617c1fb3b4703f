// Weight matching shared by every format: which layers own weights, in which order (Keras's
// legacy order: a nested model contributes all its trainable weights, then all non-trainable
// ones), and how saved arrays are assigned to layers — by position (Keras's default for .h5
// files: saved layers that have weights, in order) or by layer name — with clear errors for
// count and shape mismatches, or skipping them when `skipMismatch` is set.
import { FileFormatError, ShapeError } from '../errors.js';
import type { Layer } from '../layers/base.js';
import { Tensor, Variable } from '../tensor/tensor.js';

/** One saved array. */
export interface SavedArray {
  name: string;
  shape: number[];
  data: Float32Array | Int32Array | Uint8Array;
}

/** One saved layer's arrays, in the layer's weight order. */
export interface SavedLayer {
  name: string;
  weights: SavedArray[];
}

export interface LoadWeightsOptions {
  /** Match saved layers to model layers by name instead of by position. */
  byName?: boolean;
  /** Skip layers whose weight count or shapes differ (with a warning) instead of failing. */
  skipMismatch?: boolean;
  /** Where warnings go (default console.warn). */
  warn?: (msg: string) => void;
}

/** A model-like layer: anything with sub-layers (Sequential, functional Model). */
export function subLayers(layer: Layer): Layer[] | null {
  return 'layers' in layer && Array.isArray(layer.layers) ? (layer.layers as Layer[]) : null;
}

/** All leaf layers of a model in order, descending into nested models. */
export function flattenLayers(layers: readonly Layer[]): Layer[] {
  const out: Layer[] = [];
  for (const l of layers) {
    const sub = subLayers(l);
    if (sub) out.push(...flattenLayers(sub));
    else out.push(l);
  }
  return out;
}

/**
 * Keras's legacy weight order for one layer (what .h5 files store): plain layers give
 * trainable then non-trainable weights; a nested model gives all trainable weights of its layers
 * first, then all non-trainable ones.
 */
export function legacyWeights(layer: Layer): Variable[] {
  const sub = subLayers(layer);
  if (!sub) return layer.weights;
  const leaves = flattenLayers(sub);
  const seen = new Set<Variable>();
  const tr: Variable[] = [];
  const nt: Variable[] = [];
  for (const l of leaves) {
    for (const w of l.weights) {
      if (seen.has(w)) continue;
      seen.add(w);
      const trainable = layer.trainable && l.trainable && w.trainable;
      (trainable ? tr : nt).push(w);
    }
  }
  return [...tr, ...nt];
}

function fmt(shape: readonly number[]): string {
  return `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
}

function toTensor(a: SavedArray, target: Variable): Tensor {
  if (target.dtype === 'float32') {
    const d = a.data instanceof Float32Array ? a.data : Float32Array.from(a.data);
    return new Tensor(d, target.shape);
  }
  if (target.dtype === 'int32')
    return new Tensor(a.data instanceof Int32Array ? a.data : Int32Array.from(a.data), target.shape);
  return new Tensor(a.data instanceof Uint8Array ? a.data : Uint8Array.from(a.data), target.shape);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  // A scalar saved as shape () and a variable of shape [1] (or the reverse) hold the same value.
  const sa = a.length === 0 ? [1] : a;
  const sb = b.length === 0 ? [1] : b;
  return sa.length === sb.length && sa.every((d, i) => d === sb[i]);
}

/**
 * Assigns one saved layer's arrays to a layer's variables. Returns false (after a warning) when
 * skipping a mismatch; throws otherwise.
 */
export function assignLayer(
  layer: Layer,
  vars: readonly Variable[],
  saved: SavedLayer,
  file: string,
  opts: LoadWeightsOptions = {},
): boolean {
  const warn = opts.warn ?? ((m: string) => console.warn(m));
  if (vars.length !== saved.weights.length) {
    const msg = `${file}: layer '${layer.name}' (${layer.className}) expects ${vars.length} weights, but the saved layer '${saved.name}' has ${saved.weights.length}`;
    if (opts.skipMismatch) {
      warn(`Skipping loading weights for ${msg}`);
      return false;
    }
    throw new FileFormatError(msg);
  }
  for (let i = 0; i < vars.length; i++) {
    if (!sameShape(vars[i].shape, saved.weights[i].shape) || vars[i].size !== saved.weights[i].data.length) {
      const msg = `${file}: layer '${layer.name}' (${layer.className}) weight ${i} ('${vars[i].name}') has shape ${fmt(vars[i].shape)}, but the saved weight '${saved.weights[i].name}' has shape ${fmt(saved.weights[i].shape)}`;
      if (opts.skipMismatch) {
        warn(`Skipping loading weights for ${msg}`);
        return false;
      }
      throw new ShapeError(msg);
    }
  }
  for (let i = 0; i < vars.length; i++) vars[i].assign(toTensor(saved.weights[i], vars[i]));
  return true;
}

/**
 * Loads saved layers into model layers, Keras-style: by position (the saved layers that have
 * weights, in order, against the model's layers that have weights) or by name.
 */
export function applySavedLayers(
  modelLayers: readonly Layer[],
  saved: readonly SavedLayer[],
  file: string,
  opts: LoadWeightsOptions = {},
): void {
  const warn = opts.warn ?? ((m: string) => console.warn(m));
  if (opts.byName) {
    const byName = new Map(saved.map((s) => [s.name, s]));
    for (const layer of modelLayers) {
      const s = byName.get(layer.name);
      if (!s) continue;
      assignLayer(layer, legacyWeights(layer), s, file, opts);
    }
    return;
  }
  const withWeights = modelLayers.filter((l) => legacyWeights(l).length > 0);
  const savedWith = saved.filter((s) => s.weights.length > 0);
  if (withWeights.length !== savedWith.length) {
    const msg =
      `${file}: the file holds weights for ${savedWith.length} layers (${savedWith.map((s) => s.name).join(', ')}), ` +
      `but the model has ${withWeights.length} layers with weights (${withWeights.map((l) => l.name).join(', ')}). ` +
      'Weights are matched by position; use { byName: true } to match layer names instead.';
    if (!opts.skipMismatch) throw new FileFormatError(msg);
    warn(msg);
  }
  const n = Math.min(withWeights.length, savedWith.length);
  for (let i = 0; i < n; i++) assignLayer(withWeights[i], legacyWeights(withWeights[i]), savedWith[i], file, opts);
}
