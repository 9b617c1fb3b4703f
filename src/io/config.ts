// Model-config dialects. Keras wrote model architectures in several JSON shapes over the years;
// this file translates any of them into Keras 3's own form (what Model.fromConfig and
// Sequential.fromConfig read) and rebuilds the model through the layer registry. The reverse
// translation, Keras 3 → Keras 2 for writing, is in serialize.ts.
//
// Dialects handled when reading:
// - Sequential config as a bare list of layers (Keras 2.0–2.1) or {name, layers} (2.2+, Keras 3);
//   its input shape from an InputLayer entry, build_input_shape, the first layer's
//   batch_input_shape (Keras 2) or the entry's build_config;
// - functional class 'Model' (≤ 2.3) or 'Functional' (≥ 2.4);
// - inbound nodes as Keras 2 lists [[name, node, tensor, kwargs], ...] or Keras 3
//   {args, kwargs} with `__keras_tensor__` objects carrying keras_history; tf.keras 2.x counted a
//   nested model's construction as its node 0, which is renumbered here;
// - `batch_input_shape` (K2) or `batch_shape` (K3) on InputLayer, dtype as a string or a
//   DTypePolicy object;
// - nested models (a Sequential or functional model used as a layer);
// - unknown keys are kept in `config` and ignored by the layers' fromConfig.
// Lambda layers (marshalled Python bytecode) are refused here with an error naming the layer.
import { ConvkitError, FileFormatError, ValueError } from '../errors.js';
import { type Layer, deserializeLayer, getLayerClass } from '../layers/base.js';
// Registers every built-in layer class, so configs can name them.
import '../layers/index.js';
import type { Model } from '../models/model.js';
import type { KerasConfig } from '../keras_config.js';
import { checkConfigBounds } from './config_limits.js';
export { MAX_CONFIG_DEPTH } from './config_limits.js';

/** A reference to an output tensor: [layer name, node index, tensor index]. */
interface TensorRef {
  layer: string;
  node: number;
  tensor: number;
}

/** One call of a layer: its input tensors (a list call when `list` is true) and keyword args. */
interface NodeSpec {
  inputs: TensorRef[];
  list: boolean;
  kwargs: Record<string, unknown>;
}

const MODEL_CLASSES = new Set(['Sequential', 'Functional', 'Model']);

export function isModelClass(className: string): boolean {
  return MODEL_CLASSES.has(className);
}

/** DTypePolicy objects and mixed policies become the plain variable dtype. */
export function normaliseDtype(d: unknown): string | undefined {
  if (d === null || d === undefined) return undefined;
  if (typeof d === 'string') return d.startsWith('mixed_') ? 'float32' : d;
  if (typeof d === 'object') {
    const c = (d as KerasConfig).config;
    if (c && typeof c.name === 'string') return normaliseDtype(c.name);
  }
  return undefined;
}

function isObj(x: unknown): x is KerasConfig {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function lambdaError(name: string, where: string): FileFormatError {
  return new FileFormatError(
    `${where}: layer '${name}' is a Lambda layer; Lambda layers hold Python bytecode (a marshalled Python function) ` +
      'that cannot run in JavaScript. Rebuild the model in convkit with a built-in or a registered custom layer instead of the Lambda, then load the weights.',
  );
}

function parseRef(x: unknown, where: string): TensorRef {
  if (Array.isArray(x) && typeof x[0] === 'string') {
    return { layer: x[0], node: Number(x[1] ?? 0), tensor: Number(x[2] ?? 0) };
  }
  if (isObj(x) && x.class_name === '__keras_tensor__') {
    const h = x.config?.keras_history;
    if (Array.isArray(h) && typeof h[0] === 'string')
      return { layer: h[0], node: Number(h[1] ?? 0), tensor: Number(h[2] ?? 0) };
  }
  throw new FileFormatError(`${where}: cannot read a tensor reference ${JSON.stringify(x)?.slice(0, 200)}`);
}

function isRefLike(x: unknown): boolean {
  return (
    (Array.isArray(x) && typeof x[0] === 'string' && x.length >= 3 && typeof x[1] === 'number') ||
    (isObj(x) && x.class_name === '__keras_tensor__')
  );
}

/** input_layers / output_layers: one ref, a list of refs, or a dict of refs. */
function parseRefList(x: unknown, where: string): TensorRef[] {
  if (x === undefined || x === null) return [];
  if (isRefLike(x)) return [parseRef(x, where)];
  if (Array.isArray(x)) return x.flatMap((e) => parseRefList(e, where));
  if (isObj(x)) return Object.values(x).flatMap((e) => parseRefList(e, where));
  throw new FileFormatError(`${where}: cannot read model inputs/outputs ${JSON.stringify(x)?.slice(0, 200)}`);
}

function parseNode(n: unknown, where: string): NodeSpec {
  if (Array.isArray(n)) {
    // Keras 2: a list of [name, node, tensor, kwargs?].
    const inputs = n.map((e) => parseRef(e, where));
    const kwargs = n.length && Array.isArray(n[0]) && isObj(n[0][3]) ? n[0][3] : {};
    return { inputs, list: inputs.length > 1, kwargs };
  }
  if (isObj(n)) {
    // Keras 3: {args: [...], kwargs: {...}}; tensors anywhere in args (Add's args[0] is a list).
    const args = Array.isArray(n.args) ? n.args : [];
    const inputs: TensorRef[] = [];
    let list = false;
    if (args.length === 1 && Array.isArray(args[0]) && !isRefLike(args[0])) {
      list = true;
      for (const t of args[0]) inputs.push(parseRef(t, where));
    } else {
      for (const a of args) {
        if (isRefLike(a)) inputs.push(parseRef(a, where));
        else if (Array.isArray(a)) {
          list = true;
          for (const t of a) if (isRefLike(t)) inputs.push(parseRef(t, where));
        }
      }
      if (inputs.length > 1) list = true;
    }
    const kwargs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(isObj(n.kwargs) ? n.kwargs : {})) if (!isRefLike(v)) kwargs[k] = v;
    return { inputs, list, kwargs };
  }
  throw new FileFormatError(`${where}: cannot read an inbound node ${JSON.stringify(n)?.slice(0, 200)}`);
}

/** Cleans a layer config: dtype policy → string; nothing else is dropped. */
function cleanLayerConfig(c: KerasConfig): KerasConfig {
  const out: KerasConfig = { ...c };
  const dt = normaliseDtype(c.dtype);
  if (dt) out.dtype = dt;
  else delete out.dtype;
  return out;
}

const kerasTensor = (r: TensorRef): KerasConfig => ({
  class_name: '__keras_tensor__',
  config: { keras_history: [r.layer, r.node, r.tensor] },
});

/** One layer entry in Keras 3's form (nested models translated recursively). */
function layerEntry(entry: unknown, where: string): KerasConfig {
  if (!isObj(entry) || typeof entry.class_name !== 'string') {
    throw new FileFormatError(`${where}: a layer entry has no class_name: ${JSON.stringify(entry)?.slice(0, 200)}`);
  }
  const className: string = entry.class_name;
  const cfg = isObj(entry.config) ? entry.config : {};
  const name: string = entry.name ?? cfg.name ?? '';
  if (className === 'Lambda') throw lambdaError(name, where);
  if (className === 'TFOpLambda' || className === 'SlicingOpLambda') {
    throw new FileFormatError(
      `${where}: layer '${name}' is a ${className} layer: ` +
        `a TensorFlow function (${cfg.function ?? 'tf op'}) called on a Keras tensor, which only TensorFlow can run. ` +
        'Replace it with a Keras layer (e.g. Add, Multiply, Reshape) and rebuild the model in convkit, then load the weights.',
    );
  }
  if (isModelClass(className)) return normaliseModelConfig(entry, where);
  const config = cleanLayerConfig(cfg);
  if (name) config.name = name;
  if (className === 'InputLayer' && config.batch_shape === undefined && config.batch_input_shape !== undefined) {
    const { batch_input_shape: batchShape, ...rest } = config;
    const k3Config = { batch_shape: batchShape, ...rest };
    return { module: 'keras.layers', class_name: className, config: k3Config, registered_name: null };
  }
  const out: KerasConfig = {
    module: entry.module ?? 'keras.layers',
    class_name: className,
    config,
    registered_name: entry.registered_name ?? null,
  };
  if (isObj(entry.build_config)) out.build_config = entry.build_config;
  return out;
}

function sequentialConfig(raw: KerasConfig, where: string): KerasConfig {
  const cfg = raw.config;
  const list = Array.isArray(cfg) ? cfg : isObj(cfg) && Array.isArray(cfg.layers) ? cfg.layers : null;
  if (!list) throw new FileFormatError(`${where}: Sequential config has no 'layers' list`);
  const layers = list.map((e: unknown) => layerEntry(e, where));
  const config: KerasConfig = {
    name: isObj(cfg) && typeof cfg.name === 'string' ? cfg.name : 'sequential',
    trainable: isObj(cfg) ? (cfg.trainable ?? true) : true,
    layers,
  };
  const input = layers[0]?.class_name === 'InputLayer' ? layers[0].config.batch_shape : null;
  const shape =
    input ??
    (isObj(cfg) ? cfg.build_input_shape : null) ??
    layers[0]?.config.batch_input_shape ??
    layers[0]?.config.batch_shape ??
    (isObj(raw.build_config) ? raw.build_config.input_shape : null);
  if (Array.isArray(shape)) config.build_input_shape = shape;
  return { module: 'keras', class_name: 'Sequential', config, registered_name: null };
}

function functionalConfig(raw: KerasConfig, where: string): KerasConfig {
  const cfg = raw.config;
  if (!isObj(cfg) || !Array.isArray(cfg.layers)) {
    throw new FileFormatError(`${where}: functional model config has no 'layers' list`);
  }
  const modelName: string = cfg.name ?? 'model';
  const raws: KerasConfig[] = cfg.layers;
  const layers = raws.map((e) => layerEntry(e, where));
  const names = layers.map((l, i) => String(raws[i].name ?? l.config.name ?? ''));
  const nodes = raws.map((e, i) =>
    (Array.isArray(e.inbound_nodes) ? e.inbound_nodes : []).map((n: unknown) =>
      parseNode(n, `${where}, layer '${names[i]}'`),
    ),
  );
  const inputs = parseRefList(cfg.input_layers, where);
  const outputs = parseRefList(cfg.output_layers, where);
  const allRefs = [...nodes.flat().flatMap((n) => n.inputs), ...inputs, ...outputs];
  const known = new Set(names);
  for (const r of allRefs) {
    if (!known.has(r.layer)) {
      throw new FileFormatError(`${where}: model '${modelName}' refers to an unknown layer '${r.layer}'`);
    }
  }
  // tf.keras 2.x counted a nested model's construction as its node 0, so its calls are numbered
  // from 1 there (Keras 3 numbers them from 0): a reference one past the model's calls says so.
  layers.forEach((l, i) => {
    if (!isModelClass(l.class_name)) return;
    const refs = allRefs.filter((r) => r.layer === names[i]);
    if (!refs.length || Math.max(...refs.map((r) => r.node)) < nodes[i].length) return;
    for (const r of refs) r.node = Math.max(0, r.node - 1);
  });
  const k3Node = (n: NodeSpec): KerasConfig => {
    const tensors = n.inputs.map(kerasTensor);
    return { args: n.list ? [tensors] : tensors, kwargs: n.kwargs };
  };
  const entries = layers.map((l, i) => ({ ...l, name: names[i], inbound_nodes: nodes[i].map(k3Node) }));
  const ref = (r: TensorRef) => [r.layer, r.node, r.tensor];
  const config = {
    name: modelName,
    trainable: cfg.trainable ?? true,
    layers: entries,
    input_layers: inputs.map(ref),
    output_layers: outputs.map(ref),
  };
  return { module: 'keras.src.models.functional', class_name: 'Functional', config, registered_name: 'Functional' };
}

/**
 * Translates a model config in any dialect ({class_name, config} as stored in model_config,
 * config.json or a TF.js modelTopology) into Keras 3's form. `where` names the file for errors.
 */
export function normaliseModelConfig(raw: unknown, where: string): KerasConfig {
  if (!isObj(raw) || typeof raw.class_name !== 'string') {
    throw new FileFormatError(`${where}: the model config has no class_name (not a Keras model config)`);
  }
  const cls: string = raw.class_name;
  if (cls === 'Sequential') return sequentialConfig(raw, where);
  if (cls === 'Functional' || cls === 'Model') return functionalConfig(raw, where);
  throw new FileFormatError(
    `${where}: the model class '${cls}' is not supported ` +
      '(expected Sequential, Functional or Model; ' +
      'subclassed models cannot be rebuilt from a config)',
  );
}

function inFile(where: string, e: unknown): unknown {
  if (!(e instanceof ConvkitError) || e.message.startsWith(where)) return e;
  const Cls = e.constructor as new (m: string) => ConvkitError;
  return new Cls(`${where}: ${e.message}`);
}

/**
 * Builds a Sequential or functional model from a Keras model config in any dialect: translated to
 * Keras 3's form, then rebuilt by the model classes through the layer registry.
 */
export function modelFromConfig(config: unknown, where = 'model config'): Model {
  checkConfigBounds(config, where);
  checkNoLambda(config, where);
  const entry = normaliseModelConfig(config, where);
  if (!getLayerClass(entry.class_name)) {
    throw new ValueError(
      `${where}: the model class '${entry.class_name}' is not registered: ` +
        'import convkit (or its models) before loading models',
    );
  }
  let layer: Layer;
  try {
    layer = deserializeLayer({ class_name: entry.class_name, config: entry.config });
  } catch (e) {
    throw inFile(where, e);
  }
  return layer as Model;
}

/**
 * How deeply a model config may nest (objects and arrays). Keras configs stay far below it (a model
 * nested in a model adds about five levels); the readers below recurse, so a deeper config (a
 * damaged or hostile file) is refused here instead of overflowing the stack.
 */
/** Names of all Lambda layers in a raw config (searched before anything else, so the error is about them). */
export function findLambdaLayers(raw: unknown): string[] {
  const out: string[] = [];
  // Depth first, in document order, without recursion.
  const stack: unknown[] = [raw];
  while (stack.length) {
    const x = stack.pop();
    if (Array.isArray(x)) {
      for (let i = x.length - 1; i >= 0; i--) stack.push(x[i]);
      continue;
    }
    if (!isObj(x)) continue;
    if (x.class_name === 'Lambda' && isObj(x.config)) out.push(x.name ?? x.config.name);
    const vs = Object.values(x).filter((v) => typeof v === 'object');
    for (let i = vs.length - 1; i >= 0; i--) stack.push(vs[i]);
  }
  return out;
}

/** Raises the Lambda error for the first Lambda layer in a raw config, if any. */
export function checkNoLambda(raw: unknown, where: string): void {
  const names = findLambdaLayers(raw);
  if (names.length) {
    const e = lambdaError(names[0], where);
    if (names.length > 1) e.message += ` (the model has ${names.length} Lambda layers: ${names.join(', ')})`;
    throw e;
  }
}
