// Model-config dialects, normalised. Keras wrote model architectures in several JSON shapes over
// the years; this file turns any of them into one internal description (ModelSpec) and turns a
// ModelSpec back into the Keras 3 form (config.json) or the Keras 2 form (legacy .h5, TF.js).
//
// Dialects handled when reading:
// - Sequential config as a bare list of layers (Keras 2.0–2.1) or {name, layers} (2.2+, Keras 3);
// - functional class 'Model' (≤ 2.3) or 'Functional' (≥ 2.4);
// - inbound nodes as Keras 2 lists [[name, node, tensor, kwargs], ...] or Keras 3
//   {args, kwargs} with `__keras_tensor__` objects carrying keras_history;
// - `batch_input_shape` (K2) or `batch_shape` (K3), dtype as a string or a DTypePolicy object;
// - nested models (a Sequential or functional model used as a layer);
// - unknown keys are kept in `config` and ignored by the layers' fromConfig.
// Lambda layers (marshalled Python bytecode) are refused here with an error naming the layer.
import { FileFormatError } from '../errors.js';
import type { KerasConfig } from '../keras_config.js';

/** A reference to an output tensor: [layer name, node index, tensor index]. */
export interface TensorRef { layer: string; node: number; tensor: number }

/** One call of a layer: its input tensors (a list call when `list` is true) and keyword args. */
export interface NodeSpec { inputs: TensorRef[]; list: boolean; kwargs: Record<string, unknown> }

export interface LayerSpec {
  className: string;
  name: string;
  /** The layer's own config (snake_case), dtype normalised to a string. */
  config: KerasConfig;
  inboundNodes: NodeSpec[];
  /** Set when this entry is itself a model (nested Sequential / functional). */
  model?: ModelSpec;
  /** Keras 3 build_config ({input_shape}) when present. */
  buildConfig?: KerasConfig | null;
}

export interface ModelSpec {
  className: 'Sequential' | 'Functional';
  name: string;
  trainable: boolean;
  layers: LayerSpec[];
  /** Functional only. */
  inputs: TensorRef[];
  outputs: TensorRef[];
  /** Sequential: the batch input shape, from an InputLayer entry, build_input_shape or the first layer. */
  buildInputShape?: (number | null)[] | null;
  /** Whether the source used Keras 3 node dialect (matters for nested functional node offsets). */
  keras3: boolean;
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
    'that cannot run in JavaScript. Rebuild the model in convkit with a built-in or a registered custom layer instead of the Lambda, then load the weights.');
}

function parseRef(x: unknown, where: string): TensorRef {
  if (Array.isArray(x) && typeof x[0] === 'string') {
    return { layer: x[0], node: Number(x[1] ?? 0), tensor: Number(x[2] ?? 0) };
  }
  if (isObj(x) && x.class_name === '__keras_tensor__') {
    const h = x.config?.keras_history;
    if (Array.isArray(h) && typeof h[0] === 'string') return { layer: h[0], node: Number(h[1] ?? 0), tensor: Number(h[2] ?? 0) };
  }
  throw new FileFormatError(`${where}: cannot read a tensor reference ${JSON.stringify(x)?.slice(0, 200)}`);
}

function isRefLike(x: unknown): boolean {
  return (Array.isArray(x) && typeof x[0] === 'string' && x.length >= 3 && typeof x[1] === 'number')
    || (isObj(x) && x.class_name === '__keras_tensor__');
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
        else if (Array.isArray(a)) { list = true; for (const t of a) if (isRefLike(t)) inputs.push(parseRef(t, where)); }
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
  if (dt) out.dtype = dt; else delete out.dtype;
  return out;
}

function layerFromEntry(entry: unknown, where: string, keras3: boolean): LayerSpec {
  if (!isObj(entry) || typeof entry.class_name !== 'string') {
    throw new FileFormatError(`${where}: a layer entry has no class_name: ${JSON.stringify(entry)?.slice(0, 200)}`);
  }
  const className: string = entry.class_name;
  const cfg = (isObj(entry.config) ? entry.config : {}) as KerasConfig;
  const name: string = entry.name ?? cfg.name ?? '';
  if (className === 'Lambda') throw lambdaError(name, where);
  if (className === 'TFOpLambda' || className === 'SlicingOpLambda') {
    throw new FileFormatError(`${where}: layer '${name}' is a ${className} layer: a TensorFlow function (${cfg.function ?? 'tf op'}) called on a Keras tensor, which only TensorFlow can run. Replace it with a Keras layer (e.g. Add, Multiply, Reshape) and rebuild the model in convkit, then load the weights.`);
  }
  const nodesRaw = Array.isArray(entry.inbound_nodes) ? entry.inbound_nodes : [];
  const inboundNodes = nodesRaw.map((n: unknown) => parseNode(n, `${where}, layer '${name}'`));
  const spec: LayerSpec = { className, name, config: cleanLayerConfig(cfg), inboundNodes, buildConfig: entry.build_config ?? null };
  if (isModelClass(className)) {
    spec.model = modelSpecFromConfig(entry, where, keras3);
    spec.name = spec.model.name;
    spec.className = spec.model.className;
  }
  return spec;
}

/**
 * Normalises a model config ({class_name, config} as stored in model_config / config.json /
 * modelTopology) into a ModelSpec. `where` names the file for error messages.
 */
export function modelSpecFromConfig(raw: unknown, where: string, keras3?: boolean): ModelSpec {
  if (!isObj(raw) || typeof raw.class_name !== 'string') {
    throw new FileFormatError(`${where}: the model config has no class_name (not a Keras model config)`);
  }
  const k3 = keras3 ?? ('module' in raw);
  const cls: string = raw.class_name;
  const cfg = raw.config;
  if (cls === 'Sequential') {
    const list = Array.isArray(cfg) ? cfg : isObj(cfg) && Array.isArray(cfg.layers) ? cfg.layers : null;
    if (!list) throw new FileFormatError(`${where}: Sequential config has no 'layers' list`);
    const name = isObj(cfg) && typeof cfg.name === 'string' ? cfg.name : 'sequential';
    const layers = list.map((e: unknown) => layerFromEntry(e, where, k3));
    let buildInputShape: (number | null)[] | null = null;
    if (layers.length && layers[0].className === 'InputLayer') {
      const c = layers[0].config;
      buildInputShape = c.batch_shape ?? c.batch_input_shape ?? null;
    }
    buildInputShape ??= (isObj(cfg) ? cfg.build_input_shape : null) ?? null;
    if (!buildInputShape && layers.length) {
      const c = layers[0].config;
      buildInputShape = c.batch_input_shape ?? c.batch_shape ?? null;
    }
    if (!buildInputShape && isObj(raw.build_config) && Array.isArray(raw.build_config.input_shape)) {
      buildInputShape = raw.build_config.input_shape;
    }
    return {
      className: 'Sequential', name, trainable: isObj(cfg) ? cfg.trainable ?? true : true,
      layers, inputs: [], outputs: [], buildInputShape, keras3: k3,
    };
  }
  if (cls === 'Functional' || cls === 'Model') {
    if (!isObj(cfg) || !Array.isArray(cfg.layers)) throw new FileFormatError(`${where}: functional model config has no 'layers' list`);
    const layers = cfg.layers.map((e: unknown) => layerFromEntry(e, where, k3));
    return {
      className: 'Functional', name: cfg.name ?? 'model', trainable: cfg.trainable ?? true, layers,
      inputs: parseRefList(cfg.input_layers, where), outputs: parseRefList(cfg.output_layers, where), keras3: k3,
    };
  }
  throw new FileFormatError(`${where}: the model class '${cls}' is not supported (expected Sequential, Functional or Model; subclassed models cannot be rebuilt from a config)`);
}

/** Names of all Lambda layers in a raw config (searched before anything else, so the error is about them). */
export function findLambdaLayers(raw: unknown): string[] {
  const out: string[] = [];
  const visit = (x: unknown): void => {
    if (Array.isArray(x)) { x.forEach(visit); return; }
    if (!isObj(x)) return;
    if (x.class_name === 'Lambda' && isObj(x.config)) out.push(x.name ?? x.config.name);
    for (const v of Object.values(x)) if (typeof v === 'object') visit(v);
  };
  visit(raw);
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
