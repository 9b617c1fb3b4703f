// Keras 3 weights layout (model.weights.h5 inside a .keras archive, and *.weights.h5 files):
//   layers/<snake_case class name>[_n]/vars/<i>      one per layer with variables, counted per list
//   layers/<nested model>/layers/.../vars/<i>        nested models recurse
//   optimizer/vars/<i>                               0 = iteration, 1 = learning rate, then slots
// Names come from the class (conv2d, conv2d_1, dense), not from layer.name; variables are the
// layer's trainable ones then its non-trainable ones; empty groups are not written; each vars
// group carries a `name` attribute (the layer name, as Keras 3.6+ writes).
// Keras 2.13–2.15 `.keras` files use `_layer_checkpoint_dependencies/<name>` whose group names
// may not match; those are matched by name first, then by order and shapes.
import { FileFormatError } from '../errors.js';
import type { Layer } from '../layers/base.js';
import type { Optimizer } from '../optimizers/index.js';
import { Tensor, type Variable } from '../tensor/tensor.js';
import { toSnakeCase } from '../utils/naming.js';
import type { H5Group } from './h5.js';
import { type LoadWeightsOptions, type SavedArray, type SavedLayer, assignLayer, subLayers } from './weights.js';

/** A layer's variables in Keras 3 order: trainable ones, then non-trainable ones (creation order within each). */
export function kerasVars(layer: Layer): Variable[] {
  const all = layer.weights;
  return [...all.filter((w) => w.trainable), ...all.filter((w) => !w.trainable)];
}

/** The layers a model's `layers` list holds in Keras (Sequential's hides its InputLayer, as convkit's does). */
function containerLayers(m: Layer): Layer[] {
  return subLayers(m) ?? [];
}

/** Keras's per-list names: snake_case(class) then _1, _2 ... for repeats. */
export function containerNames(layers: readonly Layer[]): string[] {
  const used = new Map<string, number>();
  return layers.map((l) => {
    const base = toSnakeCase(l.className);
    const n = used.get(base);
    if (n === undefined) {
      used.set(base, 0);
      return base;
    }
    used.set(base, n + 1);
    return `${base}_${n + 1}`;
  });
}

function writeVars(g: H5Group, path: string, name: string, vars: readonly Variable[]): void {
  if (!vars.length) return;
  const vg = g.createGroup(`${path}/vars`);
  vg.writeString('name', name);
  vars.forEach((v, i) => vg.writeDataset(String(i), v.data, v.shape));
}

/** Writes a model's layer variables under `layers/...` (recursing into nested models). */
export function writeModelVars(g: H5Group, model: Layer, prefix = ''): void {
  const layers = containerLayers(model);
  const names = containerNames(layers);
  layers.forEach((l, i) => {
    const path = `${prefix}layers/${names[i]}`;
    if (subLayers(l)) writeModelVars(g, l, `${path}/`);
    else writeVars(g, path, l.name, kerasVars(l));
  });
}

/** Whether Keras lists this optimizer's slots interleaved per weight (Adam-like) rather than grouped by kind. */
export function interleaved(opt: Optimizer): boolean {
  return opt.className === 'Adam' || opt.className === 'AdamW' || opt.className === 'Nadam';
}

/**
 * The optimizer's variables in Keras's order (iteration, learning_rate, slots). Keras builds
 * Adam's momentum and velocity in one add_optimizer_variables call, which interleaves them per
 * weight (m0, v0, m1, v1, ...); RMSprop and SGD add each slot kind in a separate call (all
 * velocities, then all momentums). convkit's Optimizer.variables lists slots grouped by kind.
 */
export function optimizerVarsKerasOrder(opt: Optimizer, nWeights: number): Variable[] {
  const vars = opt.variables;
  const k = nWeights > 0 ? (vars.length - 2) / nWeights : 0;
  if (!interleaved(opt) || k <= 1 || nWeights === 0) return vars;
  const out = vars.slice(0, 2);
  for (let w = 0; w < nWeights; w++) for (let j = 0; j < k; j++) out.push(vars[2 + j * nWeights + w]);
  return out;
}

function fromKerasOrder(opt: Optimizer, values: Tensor[], nWeights: number, kinds: number): Tensor[] {
  if (!interleaved(opt) || kinds <= 1 || nWeights === 0) return values;
  const out = values.slice(0, 2);
  for (let j = 0; j < kinds; j++) for (let w = 0; w < nWeights; w++) out.push(values[2 + w * kinds + j]);
  return out;
}

export function writeOptimizerVars(g: H5Group, opt: Optimizer, trainable: readonly Variable[]): void {
  const vars = optimizerVarsKerasOrder(opt, trainable.length);
  if (vars.length <= 2 && opt.iterations === 0) return; // never used: nothing to restore
  const vg = g.createGroup('optimizer/vars');
  vg.writeString('name', opt.name);
  vars.forEach((v, i) => {
    if (i === 0) vg.writeDataset('0', new BigInt64Array([BigInt(Math.round(v.data[0]))]), [], '<q');
    else vg.writeDataset(String(i), v.data, v.shape);
  });
}

// --- reading ---

function readVarsGroup(g: H5Group): SavedArray[] {
  const keys = g
    .keys()
    .filter((k) => /^\d+$/.test(k))
    .sort((a, b) => Number(a) - Number(b));
  return keys.map((k) => {
    const d = g.dataset(k);
    return { name: `${g.path}/${k}`, shape: d.shape, data: d.data };
  });
}

function savedAt(root: H5Group, path: string): SavedLayer | null {
  if (!root.has(`${path}/vars`) || !root.isGroup(`${path}/vars`)) return null;
  return { name: path, weights: readVarsGroup(root.group(`${path}/vars`)) };
}

function shapesMatch(vars: readonly Variable[], saved: SavedLayer): boolean {
  return vars.length === saved.weights.length && vars.every((v, i) => v.size === saved.weights[i].data.length);
}

/** Loads layer variables from a Keras 3 weights file (root group) into a model. */
export function readModelVars(
  root: H5Group,
  model: Layer,
  file: string,
  opts: LoadWeightsOptions = {},
  prefix = '',
): void {
  const warn = opts.warn ?? ((m: string) => console.warn(m));
  const layers = containerLayers(model);
  const names = containerNames(layers);
  let container = `${prefix}layers`;
  if (!root.has(container) && root.has(`${prefix}_layer_checkpoint_dependencies`))
    container = `${prefix}_layer_checkpoint_dependencies`;
  const unmatched: { layer: Layer; vars: Variable[] }[] = [];
  const usedGroups = new Set<string>();
  layers.forEach((l, i) => {
    const path = `${container}/${names[i]}`;
    if (subLayers(l)) {
      if (root.has(path)) {
        usedGroups.add(names[i]);
        readModelVars(root, l, file, opts, `${path}/`);
      }
      // Keras writes no group for a nested model without variables (e.g. an augmentation stack).
      else if (kerasVars(l).length > 0) unmatched.push({ layer: l, vars: kerasVars(l) });
      return;
    }
    const vars = kerasVars(l);
    if (!vars.length) return;
    const saved = savedAt(root, path);
    if (saved && (shapesMatch(vars, saved) || container.endsWith('layers'))) {
      usedGroups.add(names[i]);
      assignLayer(l, vars, { ...saved, name: path }, file, opts);
    } else {
      unmatched.push({ layer: l, vars });
    }
  });
  if (!unmatched.length) return;
  // Keras 2.13–2.15 archives: group names need not match; pair the rest by order and shapes.
  const rest = root.has(container)
    ? root
        .group(container)
        .keys()
        .filter((k) => !usedGroups.has(k))
    : [];
  const candidates = rest
    .map((k) => savedAt(root, `${container}/${k}`))
    .filter((s): s is SavedLayer => !!s && s.weights.length > 0);
  for (const u of unmatched) {
    const idx = candidates.findIndex((c) => shapesMatch(u.vars, c));
    if (idx >= 0 && !subLayers(u.layer)) {
      assignLayer(u.layer, u.vars, candidates[idx], file, opts);
      candidates.splice(idx, 1);
      continue;
    }
    const msg = `${file}: no saved variables for layer '${u.layer.name}' (${u.layer.className}); expected a group '${container}/${names[layers.indexOf(u.layer)]}/vars' with ${u.vars.length} arrays`;
    if (opts.skipMismatch) warn(`Skipping loading weights: ${msg}`);
    else throw new FileFormatError(msg);
  }
}

/** Restores optimizer state from `optimizer/vars` (after the model is compiled). Returns false when absent. */
export function readOptimizerVars(
  root: H5Group,
  opt: Optimizer,
  trainable: readonly Variable[],
  file: string,
  warn: (m: string) => void,
): boolean {
  if (!root.has('optimizer/vars')) return false;
  const arrays = readVarsGroup(root.group('optimizer/vars'));
  if (arrays.length < 2) return false;
  if (arrays.length === 2) {
    // Saved before the optimizer was used: only iterations and learning rate.
    opt.iterations = Number(arrays[0].data[0]);
    opt.learningRate = Number(arrays[1].data[0]);
    return true;
  }
  const kinds = trainable.length ? (arrays.length - 2) / trainable.length : 0;
  if (!Number.isInteger(kinds)) {
    warn(
      `${file}: skipping the optimizer state: it has ${arrays.length} variables, which does not fit ${trainable.length} trainable weights`,
    );
    return false;
  }
  const values = arrays.map((a, i) => {
    if (i < 2) return new Tensor(Float32Array.of(Number(a.data[0])), []);
    return new Tensor(a.data instanceof Float32Array ? a.data : Float32Array.from(a.data), a.shape);
  });
  try {
    opt.setVariables(fromKerasOrder(opt, values, trainable.length, kinds), trainable);
    return true;
  } catch (e) {
    warn(`${file}: skipping the optimizer state (${(e as Error).message})`);
    return false;
  }
}
