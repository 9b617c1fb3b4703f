// Model → config JSON in the two on-disk dialects: Keras 3 (config.json of a .keras archive:
// module/class_name/config/registered_name/build_config per object, `__keras_tensor__` nodes,
// `batch_shape`) and Keras 2 (legacy .h5 model_config and TF.js modelTopology: class_name/config,
// `[name, node, tensor, kwargs]` nodes, `batch_input_shape`). Also compile settings in both
// forms (compile_config, training_config) and the reverse mapping for loading.
import type { Layer } from '../layers/base.js';
import { InputLayer } from '../layers/core.js';
import type { KerasTensor, Node, SymbolicShape } from '../layers/keras_tensor.js';
import { Model } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import type { Optimizer } from '../optimizers/index.js';
import type { KerasConfig } from '../keras_config.js';

type Dialect = 'k3' | 'k2';
type Json = KerasConfig;

const shapeList = (s: SymbolicShape): (number | null)[] => s.map((d) => (d === undefined ? null : d));

/** Keras 2 configs hold plain {class_name, config} objects: drop Keras 3's module/registered_name. */
function stripK3Keys(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(stripK3Keys);
  if (x && typeof x === 'object') {
    const out: Json = {};
    for (const [k, v] of Object.entries(x)) {
      if (k === 'module' || k === 'registered_name') continue;
      out[k] = stripK3Keys(v);
    }
    return out;
  }
  return x;
}

function inputLayerConfig(l: InputLayer, d: Dialect): Json {
  const c = l.getConfig();
  const shape = (c.batch_shape ?? c.batch_input_shape ?? l.batchInputShape) as (number | null)[];
  if (d === 'k3') return { batch_shape: shape, dtype: c.dtype ?? 'float32', sparse: false, ragged: false, name: l.name };
  return { batch_input_shape: shape, dtype: c.dtype ?? 'float32', sparse: false, ragged: false, name: l.name };
}

/** A plain layer's config in a dialect. */
function layerConfig(l: Layer, d: Dialect, keepInputShape: boolean): Json {
  const c: Json = { ...l.getConfig() };
  // Keras 3 layers refuse batch_input_shape; the InputLayer entry carries the shape instead.
  if (d === 'k3' || !keepInputShape) delete c.batch_input_shape;
  delete c.batch_shape;
  if (d === 'k2' && keepInputShape && l.batchInputShape && !c.batch_input_shape) c.batch_input_shape = shapeList(l.batchInputShape);
  return d === 'k2' ? (stripK3Keys(c) as Json) : c;
}

/** A layer's build input shape as Keras records it: one shape, or a list of shapes for multi-input calls. */
function firstInputShape(node: Node | undefined): any[] | null {
  if (!node || !node.inputs.length) return null;
  return node.inputs.length === 1 ? shapeList(node.inputs[0].shape) : node.inputs.map((t) => shapeList(t.shape));
}

/** One entry of a `layers` list ({module, class_name, config, ...} in K3; {class_name, config} in K2). */
function layerEntry(l: Layer, d: Dialect, buildShape: any[] | null, keepInputShape = false): Json {
  if (l instanceof Model) return modelEntry(l, d);
  if (l instanceof InputLayer) {
    return d === 'k3'
      ? { module: 'keras.layers', class_name: 'InputLayer', config: inputLayerConfig(l, d), registered_name: null }
      : { class_name: 'InputLayer', config: inputLayerConfig(l, d) };
  }
  if (d === 'k2') return { class_name: l.className, config: layerConfig(l, d, keepInputShape) };
  const e: Json = { module: 'keras.layers', class_name: l.className, config: layerConfig(l, d, false), registered_name: null };
  if (buildShape) e.build_config = { input_shape: buildShape };
  return e;
}

function modelInputShape(m: Model): (number | null)[] | null {
  return m.inputs.length ? shapeList(m.inputs[0].shape) : m.batchInputShape ? shapeList(m.batchInputShape) : null;
}

/** The {class_name, config} (+ K3 keys) object for a model, recursively. */
export function modelEntry(m: Model, d: Dialect): Json {
  const inShape = modelInputShape(m);
  let config: Json;
  if (m instanceof Sequential) {
    const layers: Json[] = [];
    const input = m.inputs[0]?.node?.layer;
    if (input instanceof InputLayer) layers.push(layerEntry(input, d, null));
    const nodes = m.graphNodes;
    m.layers.forEach((l, i) => {
      const node = nodes.find((n) => n.layer === l);
      layers.push(layerEntry(l, d, firstInputShape(node), i === 0 && !(input instanceof InputLayer)));
    });
    config = { name: m.name, trainable: m.trainable, dtype: 'float32', layers };
    if (inShape) config.build_input_shape = inShape;
    if (d === 'k2') delete config.dtype;
  } else {
    config = functionalConfig(m, d);
  }
  if (d === 'k2') return { class_name: m instanceof Sequential ? 'Sequential' : 'Functional', config };
  const e: Json = m instanceof Sequential
    ? { module: 'keras', class_name: 'Sequential', config, registered_name: null }
    : { module: 'keras.src.models.functional', class_name: 'Functional', config, registered_name: 'Functional' };
  // Keras records no build shape for functional models (they are built by construction).
  e.build_config = { input_shape: m instanceof Sequential ? inShape : null };
  return e;
}

function functionalConfig(m: Model, d: Dialect): Json {
  const nodes = m.graphNodes;
  const own = (l: Layer): Node[] => nodes.filter((n) => n.layer === l);
  // Node indices count only this model's calls of a layer. Keras 3 counts a nested model's calls
  // from 0 like any layer's (checked against Keras 3.15); tf.keras 2.x counted a construction node
  // first, which the reader (build.ts) recognises.
  const ref = (t: KerasTensor): [string, number, number] => {
    const l = t.node!.layer;
    if (l instanceof InputLayer) return [l.name, 0, t.index];
    return [l.name, own(l).indexOf(t.node!), t.index];
  };
  const kt = (t: KerasTensor): Json => ({
    class_name: '__keras_tensor__', config: { shape: shapeList(t.shape), dtype: t.dtype, keras_history: ref(t) },
  });
  const layers = m.layers.map((l) => {
    const calls = l instanceof InputLayer ? [] : own(l);
    const e = layerEntry(l, d, firstInputShape(calls[0]));
    e.name = l.name;
    e.inbound_nodes = calls.map((n) => (d === 'k3'
      ? { args: n.inputs.length === 1 ? [kt(n.inputs[0])] : [n.inputs.map(kt)], kwargs: {} }
      : n.inputs.map((t) => [...ref(t), {}])));
    return e;
  });
  const io = (ts: KerasTensor[], single: boolean) => (single && d === 'k3' ? ref(ts[0]) : ts.map(ref));
  return {
    name: m.name, trainable: m.trainable, layers,
    input_layers: io(m.inputs, m.hasSingleInput), output_layers: io(m.outputs, m.hasSingleOutput),
  };
}

/** Keras 3 optimizer object. */
export function optimizerEntry(opt: Optimizer, d: Dialect): Json {
  return d === 'k3'
    ? { module: 'keras.optimizers', class_name: opt.className, config: opt.getConfig(), registered_name: null }
    : { class_name: opt.className, config: opt.getConfig() };
}

/** compile_config for config.json, or null when the model is not compiled. */
export function compileConfig(m: Model): Json | null {
  const c = m.compiled;
  if (!c) return null;
  return {
    optimizer: optimizerEntry(c.optimizer, 'k3'), loss: c.config.loss, loss_weights: null,
    metrics: c.config.metrics.length ? c.config.metrics : null, weighted_metrics: null,
    run_eagerly: false, steps_per_execution: 1, jit_compile: false,
  };
}

/** training_config for a legacy .h5 file (Keras 2 form). */
export function trainingConfig(m: Model): Json | null {
  const c = m.compiled;
  if (!c) return null;
  return {
    loss: c.config.loss, metrics: c.config.metrics, weighted_metrics: null, loss_weights: null,
    optimizer_config: optimizerEntry(c.optimizer, 'k2'),
  };
}

// --- loading compile settings ---

const METRIC_ALIASES: Record<string, string> = { acc: 'accuracy', categorical_accuracy: 'categorical_accuracy' };

function metricName(m: unknown): string[] {
  if (typeof m === 'string') return [METRIC_ALIASES[m] ?? m];
  if (Array.isArray(m)) return m.flatMap(metricName);
  if (m && typeof m === 'object') {
    const o = m as Json;
    if (o.class_name === 'MeanMetricWrapper') {
      const n = o.config?.name;
      if (n === 'acc' || n === 'accuracy') return ['accuracy'];
      return metricName(o.config?.fn ?? n);
    }
    if (typeof o.config === 'string') return metricName(o.config); // a serialised function: {class_name: 'function', config: 'mae'}
    if (typeof o.class_name === 'string') return metricName(o.config?.name ?? snake(o.class_name));
    return Object.values(o).flatMap(metricName);
  }
  return [];
}

function snake(s: string): string {
  return s.replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** Loss options convkit's losses (selected by name) do not take. */
export class UnsupportedLossOption extends Error {}

function lossName(l: unknown): string | null {
  if (typeof l === 'string') return l;
  if (Array.isArray(l)) return l.length ? lossName(l[0]) : null;
  if (l && typeof l === 'object') {
    const o = l as Json;
    if (typeof o.config === 'string') return o.config; // a serialised function: {class_name: 'function', config: 'mse'}
    const c = (o.config ?? {}) as Json;
    if (c.from_logits === true || (typeof c.label_smoothing === 'number' && c.label_smoothing !== 0)) {
      throw new UnsupportedLossOption(`the saved loss ${o.class_name}(${c.from_logits ? 'from_logits=True' : `label_smoothing=${c.label_smoothing}`}) is not supported`);
    }
    if (typeof o.class_name === 'string') {
      if (o.class_name === 'LossFunctionWrapper') return lossName(o.config?.fn);
      return o.config?.name && typeof o.config.name === 'string' ? o.config.name : snake(o.class_name);
    }
    const vals = Object.values(o);
    return vals.length ? lossName(vals[0]) : null;
  }
  return null;
}

/** Compile arguments from a K3 compile_config or a K2 training_config (null when unusable). */
export function compileArgsFromSaved(saved: unknown): { optimizer: any; loss: string; metrics: string[] } | null {
  if (!saved || typeof saved !== 'object') return null;
  const s = saved as Json;
  const loss = lossName(s.loss);
  if (!loss) return null;
  let optimizer = s.optimizer ?? s.optimizer_config ?? 'rmsprop';
  if (optimizer && typeof optimizer === 'object' && optimizer.config && typeof optimizer.config.learning_rate === 'object') {
    // A learning-rate schedule: keep the optimizer, start from its default rate.
    optimizer = { ...optimizer, config: { ...optimizer.config, learning_rate: undefined } };
  }
  const metrics = [...new Set(metricName(s.metrics ?? []))];
  return { optimizer, loss, metrics };
}
