// Legacy Keras HDF5 files (.h5/.hdf5): full models (model_config + model_weights +
// training_config) and weights-only files (layer_names at the root), read and written in the
// Keras 2 layout:
//   /                 attrs keras_version, backend, model_config (JSON), training_config (JSON)
//   /model_weights    attrs layer_names (fixed-length bytes), backend, keras_version
//   /model_weights/<layer>   attr weight_names ('<layer>/<var>:0', empty if no weights)
//   /model_weights/<layer>/<layer>/<var>:0   datasets
// A weights-only file has the model_weights layout at its root.
import { FileFormatError } from '../errors.js';
import type { Optimizer } from '../optimizers/index.js';
import { Tensor, type Variable } from '../tensor/tensor.js';
import { CONVKIT_VERSION } from '../version.js';
import type { Model } from '../models/model.js';
import { atomicWrite } from './atomic.js';
import { modelFromConfig } from './config.js';
import { type H5Group, H5Reader, H5Writer } from './h5.js';
import { interleaved, optimizerVarsKerasOrder } from './keras3_weights.js';
import { readJsonAttr, readLegacyOptimizerWeights, readLegacyWeights } from './legacy_read.js';
import { type LoadModelOptions, modelEntry, restoreCompile, trainingConfig } from './serialize.js';
import { type LoadWeightsOptions, applySavedLayers, legacyWeights } from './weights.js';

/** The Keras version written into files convkit makes (the on-disk format they follow). */
export const KERAS2_FORMAT_VERSION = '2.15.0';

/** Loads a full model from a legacy .h5 file. */
export async function loadLegacyH5Model(path: string, opts: LoadModelOptions = {}): Promise<Model> {
  const warn = opts.warn ?? ((m: string) => console.warn(m));
  const r = await H5Reader.open(path);
  try {
    const root = r.root;
    const cfg = readJsonAttr(root, 'model_config', path);
    if (cfg === undefined) {
      if (root.hasAttr('layer_names')) {
        throw new FileFormatError(
          `${path}: this is a weights-only file (no model_config): build the model in code, then call model.loadWeights('${path}')`,
        );
      }
      throw new FileFormatError(
        `${path}: an HDF5 file, but not a Keras model: it has no 'model_config' attribute (root holds: ${root.keys().slice(0, 8).join(', ') || 'nothing'})`,
      );
    }
    const model = modelFromConfig(cfg, path);
    const mw = root.maybeGroup('model_weights');
    if (!mw) throw new FileFormatError(`${path}: the file has a model_config but no 'model_weights' group`);
    applySavedLayers(model.layers, readLegacyWeights(mw, path), path, { warn });
    if (opts.compile !== false) {
      const tc = readJsonAttr(root, 'training_config', path);
      if (tc) restoreCompile(model, tc, path, warn);
      const opt = model.compiled?.optimizer;
      const saved = opt ? readLegacyOptimizerWeights(root, path) : null;
      if (opt && saved && saved.length) restoreLegacyOptimizer(opt, saved, model.trainableWeights, path, warn);
    }
    return model;
  } finally {
    r.close();
  }
}

// Keras 3 slot names per optimizer, in convkit's slot order.
const SLOT_NAMES: Record<string, string[]> = {
  Adam: ['momentum', 'velocity'],
  RMSprop: ['velocity', 'momentum', 'average_gradient'],
  SGD: ['momentum'],
};

/**
 * Writes optimizer_weights as Keras 3's legacy writer does: every optimizer variable in Keras's
 * order (iteration, learning_rate, then the slots) named by its path ('adam/iteration',
 * 'adam/learning_rate', 'adam/dense_kernel_momentum', ...). Keras 3 restores it on load_model.
 */
function writeLegacyOptimizer(root: H5Group, opt: Optimizer, trainable: readonly Variable[]): void {
  if (opt.variables.length <= 2) return;
  const vars = optimizerVarsKerasOrder(opt, trainable.length);
  const kinds = (vars.length - 2) / Math.max(1, trainable.length);
  const slotNames = SLOT_NAMES[opt.className] ?? [];
  const prefix = opt.name;
  const interleavedOrder = interleaved(opt) && kinds > 1;
  const names = [`${prefix}/iteration`, `${prefix}/learning_rate`];
  for (let i = 0; i < vars.length - 2; i++) {
    const w = interleavedOrder ? Math.floor(i / kinds) : i % trainable.length;
    const k = interleavedOrder ? i % kinds : Math.floor(i / trainable.length);
    names.push(`${prefix}/${trainable[w].name.replace(/\//g, '_')}_${slotNames[k] ?? `slot${k}`}`);
  }
  const g = root.createGroup('optimizer_weights');
  g.writeStringList('weight_names', names);
  g.writeDataset(names[0], new BigInt64Array([BigInt(Math.round(vars[0].data[0]))]), [], '<q');
  vars.slice(1).forEach((v, i) => g.writeDataset(names[i + 1], v.data, v.shape));
}

const SLOT_TOKENS =
  /(^|[/_])(m|v|momentum|velocity|rms|mg|average_gradient|vhat|velocity_hat)(:0)?$|\/(m|v|momentum|velocity|rms|mg|vhat)\//;

/**
 * Restores optimizer state from optimizer_weights, in any of the layouts Keras wrote: Keras 3
 * (iteration, learning_rate, slots in Keras order), tf.keras ≤ 2.10 (iterations, then slots grouped
 * by kind) and tf.keras 2.11+ (iterations, then slots interleaved per weight). Names and shapes
 * tell which.
 */
function restoreLegacyOptimizer(
  opt: Optimizer,
  saved: { name: string; shape: number[]; data: Float32Array | Int32Array | Uint8Array }[],
  trainable: readonly Variable[],
  file: string,
  warn: (m: string) => void,
): void {
  const n = trainable.length;
  let rest = saved;
  let iterations = 0;
  let lr = opt.learningRate;
  if (rest.length && /iter/.test(rest[0].name) && rest[0].data.length === 1) {
    iterations = Number(rest[0].data[0]);
    rest = rest.slice(1);
  }
  const keras3 = rest.length > 0 && /learning_rate|(^|\/)lr(:0)?$/.test(rest[0].name) && rest[0].data.length === 1;
  if (keras3) {
    lr = Number(rest[0].data[0]);
    rest = rest.slice(1);
  }
  const kinds = n ? rest.length / n : 0;
  if (!Number.isInteger(kinds) || kinds === 0) {
    warn(`${file}: skipping the saved optimizer state: ${rest.length} slot arrays do not fit ${n} trainable weights`);
    return;
  }
  const fits = (order: (k: number, w: number) => number) => {
    for (let k = 0; k < kinds; k++)
      for (let w = 0; w < n; w++) if (rest[order(k, w)].data.length !== trainable[w].size) return false;
    return true;
  };
  const grouped = (k: number, w: number) => k * n + w;
  const inter = (k: number, w: number) => w * kinds + k;
  // Two consecutive slots of one weight (same name apart from the slot token) mean interleaved.
  const base = (name: string) => name.replace(SLOT_TOKENS, '$1');
  const namesSayInterleaved = kinds > 1 && rest.length > 1 && base(rest[0].name) === base(rest[1].name);
  const candidates = namesSayInterleaved ? [inter, grouped] : [grouped, inter];
  const order = candidates.find(fits) ?? null;
  if (!order) {
    warn(`${file}: skipping the saved optimizer state: its slot shapes do not match the model's trainable weights`);
    return;
  }
  const values = [new Tensor(Float32Array.of(iterations), []), new Tensor(Float32Array.of(lr), [])];
  for (let k = 0; k < kinds; k++)
    for (let w = 0; w < n; w++) {
      const a = rest[order(k, w)];
      values.push(new Tensor(a.data instanceof Float32Array ? a.data : Float32Array.from(a.data), trainable[w].shape));
    }
  try {
    opt.setVariables(values, trainable);
  } catch (e) {
    warn(`${file}: skipping the saved optimizer state (${(e as Error).message})`);
  }
}

/** Loads weights from a legacy h5 file (full model or weights-only, incl. keras.applications files). */
export function loadLegacyH5WeightsFrom(
  model: Model,
  root: H5Group,
  path: string,
  opts: LoadWeightsOptions = {},
): void {
  const group = root.hasAttr('layer_names') ? root : root.maybeGroup('model_weights');
  if (!group) {
    throw new FileFormatError(
      `${path}: an HDF5 file, but not a Keras weights file: no 'layer_names' attribute at the root and no 'model_weights' group`,
    );
  }
  applySavedLayers(model.layers, readLegacyWeights(group, path), path, opts);
}

/** Writes one weights group in the Keras 2 layout (layer_names + per-layer weight_names). */
function writeWeightsGroup(g: H5Group, model: Model): void {
  const layers = model.layers;
  g.writeStringList(
    'layer_names',
    layers.map((l) => l.name),
  );
  g.writeString('backend', 'tensorflow');
  g.writeString('keras_version', KERAS2_FORMAT_VERSION);
  for (const l of layers) {
    const lg = g.createGroup(l.name);
    const vars = legacyWeights(l);
    const names = vars.map((v) => `${v.name.includes('/') ? v.name : `${l.name}/${v.name}`}:0`);
    // Keep names unique inside the layer group (two variables can share a name in nested models).
    const seen = new Map<string, number>();
    const unique = names.map((n) => {
      const k = seen.get(n) ?? 0;
      seen.set(n, k + 1);
      return k === 0 ? n : n.replace(/:0$/, `_${k}:0`);
    });
    lg.writeStringList('weight_names', unique);
    vars.forEach((v, i) => lg.writeDataset(unique[i], v.data, v.shape));
  }
}

/** Saves a full model in the Keras 2 legacy .h5 layout (atomically). */
export async function saveLegacyH5Model(model: Model, path: string): Promise<void> {
  const config = JSON.stringify(modelEntry(model, 'k2'));
  const tc = trainingConfig(model);
  await atomicWrite(path, async (tmp) => {
    const w = await H5Writer.create(tmp);
    try {
      const root = w.root;
      root.writeString('keras_version', KERAS2_FORMAT_VERSION);
      root.writeString('backend', 'tensorflow');
      root.writeString('convkit_version', CONVKIT_VERSION);
      root.writeString('model_config', config);
      if (tc) root.writeString('training_config', JSON.stringify(tc));
      writeWeightsGroup(root.createGroup('model_weights'), model);
      const opt = model.compiled?.optimizer;
      if (opt) writeLegacyOptimizer(root, opt, model.trainableWeights);
    } finally {
      w.close();
    }
  });
}

/** Saves weights only, Keras 2 layout at the root (`save_weights('w.h5')`). */
export async function saveLegacyH5Weights(model: Model, path: string): Promise<void> {
  await atomicWrite(path, async (tmp) => {
    const w = await H5Writer.create(tmp);
    try {
      writeWeightsGroup(w.root, model);
    } finally {
      w.close();
    }
  });
}
