// Model → config JSON in the two on-disk dialects. The model classes write Keras 3's form
// (config.json of a .keras archive: module/class_name/config/registered_name/build_config per
// object, `__keras_tensor__` nodes, `batch_shape`); this file translates it into Keras 2's form
// (legacy .h5 model_config and TF.js modelTopology: class_name/config, `[name, node, tensor,
// kwargs]` nodes, `batch_input_shape`). Also compile settings in both forms (compile_config,
// training_config) and the reverse mapping for loading.
import { serializeLayer } from '../layers/base.js';
import type { Model } from '../models/model.js';
import type { Optimizer } from '../optimizers/index.js';
import type { KerasConfig } from '../keras_config.js';
import { getOptimizer } from '../optimizers/index.js';
import { isModelClass } from './config.js';

type Dialect = 'k3' | 'k2';
type Json = KerasConfig;

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

/** A Keras 3 node ({args: [tensor] or [[tensors]], kwargs}) as a Keras 2 list of [name, node, tensor, kwargs]. */
function keras2Node(node: Json): unknown[] {
  const args: unknown[] = node.args ?? [];
  const tensors = (args.length === 1 && Array.isArray(args[0]) ? args[0] : args) as Json[];
  return tensors.map((t) => [...(t.config.keras_history as unknown[]), {}]);
}

/** One Keras 3 layer entry in Keras 2's form. */
function keras2Layer(entry: Json): Json {
  if (isModelClass(entry.class_name)) return keras2Model(entry);
  if (entry.class_name === 'InputLayer') {
    const { batch_shape: batchShape, ...rest } = entry.config;
    return { class_name: 'InputLayer', config: { batch_input_shape: batchShape, ...rest } };
  }
  return { class_name: entry.class_name, config: stripK3Keys(entry.config) };
}

/** A Keras 3 model entry (Sequential or Functional, nested ones included) in Keras 2's form. */
function keras2Model(entry: Json): Json {
  const c = entry.config;
  if (entry.class_name === 'Sequential') {
    const config: Json = { name: c.name, trainable: c.trainable, layers: (c.layers as Json[]).map(keras2Layer) };
    if (c.build_input_shape) config.build_input_shape = c.build_input_shape;
    return { class_name: 'Sequential', config };
  }
  const layers = (c.layers as Json[]).map((e) => ({
    ...keras2Layer(e),
    name: e.name,
    inbound_nodes: (e.inbound_nodes as Json[]).map(keras2Node),
  }));
  // Keras 2 always lists the inputs and outputs, even one.
  const list = (x: unknown[]) => (typeof x[0] === 'string' ? [x] : x);
  const config = {
    name: c.name,
    trainable: c.trainable,
    layers,
    input_layers: list(c.input_layers),
    output_layers: list(c.output_layers),
  };
  return { class_name: 'Functional', config };
}

/** The {class_name, config} (+ Keras 3 keys) object for a model, nested models included. */
export function modelEntry(m: Model, d: Dialect): Json {
  const k3 = serializeLayer(m, m.getBuildConfig());
  return d === 'k3' ? k3 : keras2Model(k3);
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
    optimizer: optimizerEntry(c.optimizer, 'k3'),
    loss: c.config.loss,
    loss_weights: null,
    metrics: c.config.metrics.length ? c.config.metrics : null,
    weighted_metrics: null,
    run_eagerly: false,
    steps_per_execution: 1,
    jit_compile: false,
  };
}

/** training_config for a legacy .h5 file (Keras 2 form). */
export function trainingConfig(m: Model): Json | null {
  const c = m.compiled;
  if (!c) return null;
  return {
    loss: c.config.loss,
    metrics: c.config.metrics,
    weighted_metrics: null,
    loss_weights: null,
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
  return s
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
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
      throw new UnsupportedLossOption(
        `the saved loss ${o.class_name}(${c.from_logits ? 'from_logits=True' : `label_smoothing=${c.label_smoothing}`}) is not supported`,
      );
    }
    if (typeof o.class_name === 'string') {
      if (o.class_name === 'LossFunctionWrapper') return lossName(o.config?.fn);
      const name: unknown = o.config?.name;
      return typeof name === 'string' && name ? name : snake(o.class_name);
    }
    const vals = Object.values(o);
    return vals.length ? lossName(vals[0]) : null;
  }
  return null;
}

/** Compile arguments from a K3 compile_config or a K2 training_config (null when unusable). */
export function compileArgsFromSaved(
  saved: unknown,
): { optimizer: string | KerasConfig; loss: string; metrics: string[] } | null {
  if (!saved || typeof saved !== 'object') return null;
  const s = saved as Json;
  const loss = lossName(s.loss);
  if (!loss) return null;
  let optimizer = (s.optimizer ?? s.optimizer_config ?? 'rmsprop') as string | KerasConfig;
  if (
    optimizer &&
    typeof optimizer === 'object' &&
    optimizer.config &&
    typeof optimizer.config.learning_rate === 'object'
  ) {
    // A learning-rate schedule: keep the optimizer, start from its default rate.
    optimizer = { ...optimizer, config: { ...optimizer.config, learning_rate: undefined } };
  }
  const metrics = [...new Set(metricName(s.metrics ?? []))];
  return { optimizer, loss, metrics };
}

/** Options of loadModel and the format loaders behind it. */
export interface LoadModelOptions {
  /** Restore compile settings (optimizer, loss, metrics) saved with the model (default true). */
  compile?: boolean;
  warn?: (msg: string) => void;
}

/** Compiles a loaded model from saved settings; failures only warn, as in Keras. */
export function restoreCompile(model: Model, saved: unknown, file: string, warn: (m: string) => void): void {
  let args: ReturnType<typeof compileArgsFromSaved>;
  try {
    args = compileArgsFromSaved(saved);
  } catch (e) {
    if (!(e instanceof UnsupportedLossOption)) throw e;
    warn(`${file}: the model was loaded uncompiled: ${e.message}. Call model.compile() yourself.`);
    return;
  }
  if (!args) return;
  try {
    // A saved optimizer is a name or a {class_name, config} entry; getOptimizer reads either.
    const saved = args.optimizer;
    const optimizer =
      typeof saved === 'string' ? saved : getOptimizer(saved as { class_name: string; config?: KerasConfig });
    model.compile({ ...args, optimizer });
  } catch (e) {
    warn(
      `${file}: the model was loaded uncompiled; its saved compile settings could not be restored ` +
        `(${(e as Error).message}). Call model.compile() yourself.`,
    );
  }
}
