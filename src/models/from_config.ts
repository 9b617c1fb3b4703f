// Reading Keras 3 model configs: the layer entries of a Sequential or functional config rebuilt
// through the layer registry, and a functional graph replayed call by call in dependency order
// (as Keras's functional_from_config does). Only Keras 3's own form is read here; older dialects
// (Keras 2 node lists, batch_input_shape, class 'Model') are translated by io/ before they arrive.
// Writing lives with the classes (Model.getConfig, Sequential.getConfig).
import { ConvkitError, ValueError } from '../errors.js';
import { type Layer, deserializeLayer } from '../layers/base.js';
import { InputLayer } from '../layers/core.js';
import type { KerasTensor } from '../layers/keras_tensor.js';
import type { KerasConfig } from '../keras_config.js';

/** The same kind of error with `context` in front, so a failure deep in a config says where it was. */
export function inContext(context: string, e: unknown): unknown {
  if (!(e instanceof ConvkitError)) return e;
  const Cls = e.constructor as new (message: string) => ConvkitError;
  return new Cls(`${context}: ${e.message}`);
}

function isObj(x: unknown): x is KerasConfig {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** The name an entry of a model's `layers` list goes by (graph references use it). */
export function entryName(entry: KerasConfig): string {
  const name = entry.name ?? entry.config?.name;
  return typeof name === 'string' ? name : '';
}

/** Rebuilds one entry of a model's `layers` list; errors name the layer and its class. */
export function layerFromEntry(entry: unknown, owner: string): Layer {
  if (!isObj(entry) || typeof entry.class_name !== 'string') {
    const given = JSON.stringify(entry)?.slice(0, 200);
    throw new ValueError(`${owner}: expected a layer entry {class_name, config}, got ${given}`);
  }
  const name = entryName(entry);
  const config: KerasConfig = isObj(entry.config) ? entry.config : {};
  try {
    return deserializeLayer({ class_name: entry.class_name, config: name ? { ...config, name } : config });
  } catch (e) {
    throw inContext(`${owner}: layer '${name}' (${entry.class_name})`, e);
  }
}

/** [layer name, node index, tensor index] of a `__keras_tensor__` object or a bare reference. */
type History = [string, number, number];

function history(x: unknown): History | null {
  const h = isObj(x) && x.class_name === '__keras_tensor__' ? x.config?.keras_history : x;
  if (Array.isArray(h) && typeof h[0] === 'string' && typeof h[1] === 'number') return [h[0], h[1], Number(h[2] ?? 0)];
  return null;
}

/** The tensors one call received: args[0] as a list (Concatenate, Add), else each tensor argument. */
function callInputs(node: unknown, owner: string): { refs: History[]; list: boolean } {
  const args: unknown[] = isObj(node) && Array.isArray(node.args) ? node.args : [];
  if (args.length === 1 && Array.isArray(args[0]) && history(args[0]) === null) {
    return { refs: args[0].map((t: unknown) => history(t) ?? badRef(t, owner)), list: true };
  }
  const refs = args.map(history).filter((h): h is History => h !== null);
  if (!refs.length) {
    throw new ValueError(`${owner}: an inbound node has no input tensors: ${JSON.stringify(node)?.slice(0, 200)}`);
  }
  return { refs, list: refs.length > 1 };
}

function badRef(x: unknown, owner: string): never {
  throw new ValueError(`${owner}: expected a __keras_tensor__ reference, got ${JSON.stringify(x)?.slice(0, 200)}`);
}

/** input_layers / output_layers: one reference, or a list (or dict) of them. */
function endpointRefs(x: unknown, owner: string, what: string): History[] {
  const one = history(x);
  if (one) return [one];
  if (Array.isArray(x)) return x.flatMap((e) => endpointRefs(e, owner, what));
  if (isObj(x)) return Object.values(x).flatMap((e) => endpointRefs(e, owner, what));
  throw new ValueError(`${owner}: cannot read the model's ${what} ${JSON.stringify(x)?.slice(0, 200)}`);
}

interface PendingLayer {
  name: string;
  className: string;
  layer: Layer;
  nodes: unknown[];
  next: number;
}

/**
 * Replays a Keras 3 functional config: creates every layer, then calls each on its recorded
 * inputs once those exist. Returns the model's input and output tensors.
 */
export function functionalGraphFromConfig(config: KerasConfig): { inputs: KerasTensor[]; outputs: KerasTensor[] } {
  const owner = `Functional '${config.name ?? 'model'}'`;
  if (!Array.isArray(config.layers)) throw new ValueError(`${owner}: the config has no 'layers' list`);
  const outputs = new Map<string, KerasTensor[][]>();
  const pending: PendingLayer[] = [];
  for (const entry of config.layers as unknown[]) {
    const layer = layerFromEntry(entry, owner);
    const e = entry as KerasConfig;
    const name = entryName(e) || layer.name;
    if (layer instanceof InputLayer) {
      outputs.set(name, [[layer.output]]);
    } else {
      outputs.set(name, []);
      const nodes = Array.isArray(e.inbound_nodes) ? e.inbound_nodes : [];
      pending.push({ name, className: e.class_name, layer, nodes, next: 0 });
    }
  }
  const resolve = ([name, node, tensor]: History): KerasTensor | null => outputs.get(name)?.[node]?.[tensor] ?? null;
  let progress = true;
  while (progress && pending.some((p) => p.next < p.nodes.length)) {
    progress = false;
    for (const p of pending) {
      while (p.next < p.nodes.length) {
        const { refs, list } = callInputs(p.nodes[p.next], `${owner}, layer '${p.name}'`);
        const ins = refs.map(resolve);
        if (ins.some((t) => t === null)) break;
        const tensors = ins as KerasTensor[];
        let out: KerasTensor | KerasTensor[];
        try {
          out = list ? p.layer.apply(tensors) : p.layer.apply(tensors[0]);
        } catch (e) {
          throw inContext(`${owner}: cannot rebuild layer '${p.name}' (${p.className}) on its inputs`, e);
        }
        outputs.get(p.name)!.push(Array.isArray(out) ? out : [out]);
        p.next++;
        progress = true;
      }
    }
  }
  const stuck = pending.filter((p) => p.next < p.nodes.length);
  if (stuck.length) {
    throw new ValueError(
      `${owner}: cannot resolve the inputs of ${stuck.map((p) => `'${p.name}'`).join(', ')} ` +
        '(the graph has loops, disconnected nodes or references to unknown layers)',
    );
  }
  const pick =
    (what: string) =>
    (h: History): KerasTensor => {
      const t = resolve(h);
      if (!t) throw new ValueError(`${owner}: the ${what} [${h.join(', ')}] does not exist`);
      return t;
    };
  const inputs = endpointRefs(config.input_layers, owner, 'inputs').map(pick('input'));
  const outs = endpointRefs(config.output_layers, owner, 'outputs').map(pick('output'));
  if (!inputs.length || !outs.length) throw new ValueError(`${owner}: the config names no inputs or no outputs`);
  return { inputs, outputs: outs };
}
