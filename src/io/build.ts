// Builds convkit models from a normalised ModelSpec (config.ts): Sequential models by adding
// their layers, functional models by replaying the recorded layer calls in dependency order
// (as Keras's functional_from_config does), nested models recursively. Layer classes come from
// the layer registry, so custom layers registered with registerLayer() load too.
import { ConvkitError, FileFormatError } from '../errors.js';
import { type Layer, deserializeLayer } from '../layers/base.js';
import { InputLayer } from '../layers/core.js';
// Registers every built-in layer class, so configs can name them.
import '../layers/index.js';
import type { KerasTensor } from '../layers/keras_tensor.js';
import { Model } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { type LayerSpec, type ModelSpec, type TensorRef, modelSpecFromConfig } from './config.js';

function makeLayer(ls: LayerSpec, where: string): Layer {
  if (ls.model) return modelFromSpec(ls.model, where);
  try {
    return deserializeLayer({ class_name: ls.className, config: { ...ls.config, name: ls.name || ls.config.name } });
  } catch (e) {
    if (e instanceof ConvkitError && !e.message.startsWith(where)) {
      const Cls = e.constructor as new (m: string) => ConvkitError;
      throw new Cls(`${where}: layer '${ls.name}' (${ls.className}): ${e.message}`);
    }
    throw e;
  }
}

/** Builds a model (Sequential or functional) from a normalised spec. */
export function modelFromSpec(spec: ModelSpec, where = 'model config'): Model {
  return spec.className === 'Sequential' ? sequentialFromSpec(spec, where) : functionalFromSpec(spec, where);
}

function sequentialFromSpec(spec: ModelSpec, where: string): Model {
  const model = new Sequential({ name: spec.name });
  const first = spec.layers[0];
  const shape = spec.buildInputShape ?? null;
  if (shape) {
    const inputName = first?.className === 'InputLayer' ? first.name || first.config.name : undefined;
    model.add(new InputLayer({ batchShape: [...shape], name: inputName }));
  }
  for (const ls of spec.layers) {
    if (ls.className === 'InputLayer') continue;
    const layer = makeLayer(ls, where);
    try {
      model.add(layer);
    } catch (e) {
      if (e instanceof ConvkitError) {
        const Cls = e.constructor as new (m: string) => ConvkitError;
        throw new Cls(`${where}: cannot add layer '${ls.name}' (${ls.className}) to Sequential '${spec.name}': ${e.message}`);
      }
      throw e;
    }
  }
  if (spec.trainable === false) model.trainable = false;
  return model;
}

function functionalFromSpec(spec: ModelSpec, where: string): Model {
  const created = new Map<string, Layer>();
  const outputs = new Map<string, KerasTensor[][]>();
  const offsets = new Map<string, number>();
  const pending: { ls: LayerSpec; layer: Layer; next: number }[] = [];
  for (const ls of spec.layers) {
    const layer = makeLayer(ls, where);
    created.set(ls.name, layer);
    if (layer instanceof InputLayer) {
      outputs.set(ls.name, [[layer.output as KerasTensor]]);
    } else {
      outputs.set(ls.name, []);
      pending.push({ ls, layer, next: 0 });
    }
  }
  // tf.keras 2.x counted a nested model's construction as its node 0, so its calls are numbered
  // from 1 there (Keras 3 numbers them from 0): a reference one past the model's calls says so.
  for (const ls of spec.layers) {
    if (!ls.model) continue;
    const refs = [...spec.layers.flatMap((l) => l.inboundNodes.flatMap((n) => n.inputs)), ...spec.outputs].filter((r) => r.layer === ls.name);
    if (refs.length && Math.max(...refs.map((r) => r.node)) >= ls.inboundNodes.length) offsets.set(ls.name, 1);
  }
  const resolve = (r: TensorRef): KerasTensor | null => {
    const calls = outputs.get(r.layer);
    if (!calls) throw new FileFormatError(`${where}: model '${spec.name}' refers to an unknown layer '${r.layer}'`);
    const idx = Math.max(0, r.node - (offsets.get(r.layer) ?? 0));
    return calls[idx]?.[r.tensor] ?? null;
  };
  let progress = true;
  while (progress && pending.some((p) => p.next < p.ls.inboundNodes.length)) {
    progress = false;
    for (const p of pending) {
      while (p.next < p.ls.inboundNodes.length) {
        const node = p.ls.inboundNodes[p.next];
        const ins = node.inputs.map(resolve);
        if (ins.some((t) => t === null)) break;
        const arg = node.list || ins.length > 1 ? (ins as KerasTensor[]) : (ins[0] as KerasTensor);
        let out: KerasTensor | KerasTensor[];
        try {
          out = p.layer.apply(arg as KerasTensor);
        } catch (e) {
          if (e instanceof ConvkitError) {
            const Cls = e.constructor as new (m: string) => ConvkitError;
            throw new Cls(`${where}: cannot rebuild layer '${p.ls.name}' (${p.ls.className}) on its inputs: ${e.message}`);
          }
          throw e;
        }
        outputs.get(p.ls.name)!.push(Array.isArray(out) ? out : [out]);
        p.next++;
        progress = true;
      }
    }
  }
  const stuck = pending.filter((p) => p.next < p.ls.inboundNodes.length);
  if (stuck.length) {
    throw new FileFormatError(`${where}: the graph of model '${spec.name}' has loops or disconnected nodes; cannot resolve the inputs of ${stuck.map((p) => `'${p.ls.name}'`).join(', ')}`);
  }
  const pick = (r: TensorRef): KerasTensor => {
    const t = resolve(r);
    if (!t) throw new FileFormatError(`${where}: model '${spec.name}' input/output [${r.layer}, ${r.node}, ${r.tensor}] does not exist`);
    return t;
  };
  const ins = spec.inputs.map(pick);
  const outs = spec.outputs.map(pick);
  if (!ins.length || !outs.length) throw new FileFormatError(`${where}: functional model '${spec.name}' has no inputs or outputs`);
  const model = new Model({ inputs: ins.length === 1 ? ins[0] : ins, outputs: outs.length === 1 ? outs[0] : outs, name: spec.name });
  if (spec.trainable === false) model.trainable = false;
  return model;
}

/**
 * Builds a Sequential or functional model from a Keras model config in any dialect
 * ({class_name, config} from model_config, config.json or a TF.js modelTopology).
 */
export function modelFromConfig(config: unknown, where = 'model config'): Model {
  return modelFromSpec(modelSpecFromConfig(config, where), where);
}
