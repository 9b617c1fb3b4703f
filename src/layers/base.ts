// Layer: the unit of a model. A layer owns named weights (created in build from the input shape),
// composes ops in call(), infers its output shape in computeOutputShape(), and describes itself
// in getConfig() with Keras's snake_case keys (the on-disk form). apply() works on real tensors
// (eager) and on KerasTensors (building the functional graph).
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { MemoryLimitError, checkTensor } from '../limits.js';
import { getInitializer, type InitializerIdentifier } from '../initializers/index.js';
import { type Regularizer } from '../regularizers/index.js';
import { Tensor, Variable } from '../tensor/tensor.js';
import { toSnakeCase, uniqueName } from '../utils/naming.js';
import { KerasTensor, type Node, type SymbolicShape, isKerasTensor } from './keras_tensor.js';
import type { KerasConfig } from '../keras_config.js';
import {
  type OptionNames,
  checkBoolean,
  checkOptions,
  checkPositiveInt,
  describeValue,
  describeArgument,
  rejectSnakeCaseKeys,
} from '../options.js';

export type Shape = SymbolicShape;
export interface CallArgs {
  training?: boolean;
}

export interface LayerArgs {
  name?: string;
  trainable?: boolean;
  /** Shape of one sample, without the batch axis (Keras input_shape). */
  inputShape?: readonly (number | null)[];
  /** Full input shape including the batch axis (Keras batch_input_shape). */
  batchInputShape?: readonly (number | null)[];
  batchSize?: number;
  dtype?: string;
}

/** The options every layer accepts; each layer class spreads these into its own `optionNames`. */
export const LAYER_OPTIONS: OptionNames<LayerArgs> = {
  name: true,
  trainable: true,
  inputShape: true,
  batchInputShape: true,
  batchSize: true,
  dtype: true,
};

/**
 * The option names the class itself declares (`static optionNames`), or null. Only the class's own
 * declaration counts: a user's subclass of Dense with options of its own must not be judged by
 * Dense's list, so it gets the snake_case check alone.
 */
function declaredOptionNames(cls: unknown): Readonly<Record<string, true>> | null {
  if (typeof cls !== 'function' || !Object.hasOwn(cls, 'optionNames')) return null;
  const names: unknown = (cls as { optionNames?: unknown }).optionNames;
  return names !== null && typeof names === 'object' ? (names as Record<string, true>) : null;
}

/** The constructor's positional argument names (`static positionalArgs`), which Keras also takes as keywords. */
function positionalArgNames(cls: unknown): readonly string[] {
  const names: unknown = typeof cls === 'function' ? (cls as { positionalArgs?: unknown }).positionalArgs : undefined;
  return Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string') : [];
}

export type LayerInput = Tensor | Tensor[];
export type SymbolicInput = KerasTensor | KerasTensor[];

export abstract class Layer {
  name: string;
  built = false;
  /** Shape given to the first layer of a Sequential (includes the batch axis). */
  batchInputShape: (number | null)[] | null = null;
  readonly dtype: string = 'float32';
  /** Nodes: each call of this layer on symbolic inputs. */
  readonly inboundNodes: Node[] = [];
  protected _trainable: boolean;
  protected _weights: Variable[] = [];
  /** Regularised weights and their regularizers, summed into the training loss. */
  protected _regularizers: [Variable, Regularizer][] = [];
  /** Extra losses produced during the last call (e.g. activity regularisation). */
  protected _callLosses: Tensor[] = [];

  constructor(args: LayerArgs = {}) {
    const names = declaredOptionNames(this.constructor);
    if (names) checkOptions(args, names, this.className, positionalArgNames(this.constructor));
    else rejectSnakeCaseKeys(args, this.className);
    if (args.name !== undefined && typeof args.name !== 'string') {
      throw new ValueError(`${this.className}: name must be a string, got ${describeValue(args.name)}`);
    }
    checkBoolean(args.trainable, `${this.className} trainable`);
    checkPositiveInt(args.batchSize ?? undefined, `${this.className} batchSize`);
    this.name = args.name ?? uniqueName(toSnakeCase(this.className));
    this._trainable = args.trainable ?? true;
    if (args.batchInputShape) this.batchInputShape = [...args.batchInputShape];
    else if (args.inputShape) this.batchInputShape = [args.batchSize ?? null, ...args.inputShape];
    for (const d of this.batchInputShape?.slice(1) ?? []) {
      if (d !== null && (!Number.isInteger(d) || d <= 0)) {
        // A string dimension is printed with its quotes: ('28', 28, 1) would look right as a shape.
        const shown =
          typeof d === 'number'
            ? fmtShape(this.batchInputShape!)
            : describeArgument(args.inputShape ?? args.batchInputShape);
        throw new ValueError(`${this.className} '${this.name}': inputShape must hold positive integers, got ${shown}`);
      }
    }
  }

  /** The Keras class name (e.g. 'Conv2D'). */
  get className(): string {
    return (this.constructor as { className?: string }).className ?? this.constructor.name;
  }

  get trainable(): boolean {
    return this._trainable;
  }
  set trainable(v: boolean) {
    this._trainable = v;
  }

  /** Creates the weights for the given input shape. Layers with weights override this. */
  build(_inputShape: Shape | Shape[]): void {
    this.built = true;
  }

  abstract call(inputs: LayerInput, args: CallArgs): LayerInput;

  /** Output shape for an input shape (batch axis included, possibly null). */
  abstract computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[];

  /** Keras config (snake_case keys), enough to rebuild the layer with fromConfig. */
  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = { name: this.name, trainable: this.trainable, dtype: this.dtype };
    if (this.batchInputShape) c.batch_input_shape = [...this.batchInputShape];
    return c;
  }

  addWeight(
    name: string,
    shape: readonly number[],
    initializer: InitializerIdentifier,
    opts: { trainable?: boolean; regularizer?: Regularizer | null } = {},
  ): Variable {
    const init = getInitializer(initializer, `${this.name}.${name}`);
    // Refused before the initializer fills it: a typo like Dense(30000) must not kill the process.
    checkTensor(`${this.className} '${this.name}': ${name}`, shape);
    const v = new Variable(init.generate(shape), `${this.name}/${name}`, opts.trainable ?? true);
    this._weights.push(v);
    if (opts.regularizer) this._regularizers.push([v, opts.regularizer]);
    return v;
  }

  /** All weights, trainable first (Keras order: trainable then non-trainable). */
  get weights(): Variable[] {
    return [...this.trainableWeights, ...this.nonTrainableWeights];
  }

  get trainableWeights(): Variable[] {
    return this.trainable ? this._weights.filter((w) => w.trainable) : [];
  }

  get nonTrainableWeights(): Variable[] {
    return this.trainable ? this._weights.filter((w) => !w.trainable) : [...this._weights];
  }

  /** Regularisation penalties of this layer's weights (added to the training loss). */
  regularizationLosses(): Tensor[] {
    return this._regularizers.filter(([w]) => this.trainable && w.trainable).map(([w, r]) => r.penalty(w));
  }

  countParams(): number {
    return this.weights.reduce((s, w) => s + w.size, 0);
  }

  /** Copies of the weight values, in `weights` order. */
  getWeights(): Tensor[] {
    return this.weights.map((w) => w.read());
  }

  /** Sets weight values in `weights` order; shapes must match. */
  setWeights(values: readonly Tensor[]): void {
    const ws = this.weights;
    if (values.length !== ws.length) {
      throw new ValueError(
        `${this.className} '${this.name}'.setWeights: expected ${ws.length} arrays, got ${values.length}`,
      );
    }
    ws.forEach((w, i) => {
      if (values[i].shape.join(',') !== w.shape.join(',')) {
        throw new ShapeError(
          `${this.className} '${this.name}'.setWeights: weight ${i} (${w.name}) expects shape ` +
            `[${w.shape.join(', ')}], got [${values[i].shape.join(', ')}]`,
        );
      }
      w.assign(values[i]);
    });
  }

  /** Checks an input shape before build/call; layers override to state what they accept. */
  protected checkInputShape(_shape: Shape | Shape[]): void {}

  /** Builds (once) for this shape, after checking it. */
  protected maybeBuild(shape: Shape | Shape[]): void {
    this.checkInputShape(shape);
    if (!this.built) {
      this.build(shape);
      this.built = true;
    }
  }

  /** Calls the layer on real tensors (eager) or on KerasTensors (functional graph). */
  apply(inputs: KerasTensor, args?: CallArgs): KerasTensor;
  apply(inputs: KerasTensor[], args?: CallArgs): KerasTensor | KerasTensor[];
  apply(inputs: Tensor, args?: CallArgs): Tensor;
  apply(inputs: Tensor[], args?: CallArgs): Tensor | Tensor[];
  apply(inputs: SymbolicInput | LayerInput, args: CallArgs = {}): SymbolicInput | LayerInput {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length > 0 && list.every(isKerasTensor)) return this.applySymbolic(inputs as SymbolicInput);
    if (list.some(isKerasTensor)) {
      throw new ValueError(
        `${this.className} '${this.name}': cannot mix KerasTensors and concrete tensors in one call`,
      );
    }
    return this.applyEager(inputs as LayerInput, args);
  }

  /** Eager call on real tensors: checks the shapes, builds once, then runs call(). */
  applyEager(inputs: LayerInput, args: CallArgs = {}): LayerInput {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    for (const t of list) {
      if (!(t instanceof Tensor)) {
        throw new ValueError(
          `${this.className} '${this.name}': expected a Tensor or KerasTensor input, got ${typeof t}`,
        );
      }
    }
    const shapes = list.map((t) => t.shape as Shape);
    this.maybeBuild(Array.isArray(inputs) ? shapes : shapes[0]);
    try {
      return this.call(inputs, args);
    } catch (e) {
      // A kernel knows its output size but not the layer; the innermost layer names itself once.
      if (e instanceof MemoryLimitError && !e.layer) {
        throw new MemoryLimitError(`${this.className} '${this.name}': ${e.message}`, this.name);
      }
      throw e;
    }
  }

  /**
   * This layer and `next` applied as one op, or null when the pair does not fuse (the default). A
   * Sequential asks each adjacent pair (a functional model, each pair whose intermediate nothing else
   * reads), with or without a tape; the result and its gradients must equal
   * `next.applyEager(this.applyEager(inputs))`'s.
   */
  applyFused(_inputs: LayerInput, _next: Layer): LayerInput | null {
    return null;
  }

  protected applySymbolic(inputs: SymbolicInput): SymbolicInput {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const shapes = list.map((t) => t.shape);
    const inShape = Array.isArray(inputs) ? shapes : shapes[0];
    this.maybeBuild(inShape);
    const outShape = this.computeOutputShape(inShape);
    const multi = outShape.length > 0 && Array.isArray(outShape[0]);
    const outShapes = (multi ? outShape : [outShape]) as Shape[];
    const node: Node = { layer: this, inputs: list, outputs: [] };
    node.outputs = outShapes.map(
      (s, i) => new KerasTensor(s, node, i, `${this.name}_${this.inboundNodes.length}_${i}`),
    );
    this.inboundNodes.push(node);
    return multi ? node.outputs : node.outputs[0];
  }

  /** Why this layer has no symbolic input or output yet, and what to write instead. */
  protected notConnectedMessage(what: 'input' | 'output'): string {
    return (
      `Layer '${this.name}' has never been called on a symbolic input, so it has no ${what}: ` +
      `call it on a KerasTensor (layer.apply(Input({shape}))) or add it to a model that knows its input shape`
    );
  }

  /**
   * The symbolic output of this layer's first call (Keras layer.output). Every layer has one output;
   * a model built with a list of outputs lists them in `model.outputs`, and `output` says so.
   */
  get output(): KerasTensor {
    const node = this.inboundNodes[0];
    if (!node) throw new ValueError(this.notConnectedMessage('output'));
    return onlyOutput(this, node.outputs);
  }

  /** The symbolic input of this layer's first call (Keras layer.input): a list for several inputs. */
  get input(): KerasTensor | KerasTensor[] {
    const node = this.inboundNodes[0];
    if (!node) throw new ValueError(this.notConnectedMessage('input'));
    return node.inputs.length === 1 ? node.inputs[0] : node.inputs;
  }

  get outputShape(): Shape | Shape[] {
    const node = this.inboundNodes[0];
    if (!node) throw new ValueError(this.notConnectedMessage('output'));
    return node.outputs.length === 1 ? node.outputs[0].shape : node.outputs.map((t) => t.shape);
  }

  toString(): string {
    return `<${this.className} name=${this.name}>`;
  }
}

/** The one output of a layer or model, or an error that points to the list. */
export function onlyOutput(layer: Layer, outputs: readonly KerasTensor[]): KerasTensor {
  if (outputs.length !== 1) {
    throw new ValueError(
      `${layer.className} '${layer.name}' has ${outputs.length} outputs, so it has no single ` +
        'output: ' +
        `use ${layer.name}.outputs (a list of KerasTensors)`,
    );
  }
  return outputs[0];
}

/** The one input tensor of a single-input layer (a one-element list is accepted). */
export function singleTensor(layer: Layer, inputs: LayerInput): Tensor {
  if (Array.isArray(inputs)) {
    if (inputs.length !== 1) {
      throw new ValueError(`${layer.className} '${layer.name}': expected one input, got ${inputs.length}`);
    }
    return inputs[0];
  }
  return inputs;
}

/** The one input shape of a single-input layer. */
export function singleShape(layer: Layer, shape: Shape | Shape[]): Shape {
  if (shape.length > 0 && Array.isArray(shape[0])) {
    if (shape.length !== 1) {
      throw new ValueError(`${layer.className} '${layer.name}': expected one input, got ${shape.length}`);
    }
    return shape[0] as Shape;
  }
  return shape as Shape;
}

// --- the registry of layer classes, used to rebuild layers (and models) from Keras configs ---

/**
 * A class the registry can rebuild. `kerasModule` and `registeredName` are what Keras 3 writes
 * beside the class name (defaults: 'keras.layers' and null, as for Keras's built-in layers).
 */
export type LayerClass = {
  className?: string;
  kerasModule?: string;
  registeredName?: string | null;
  fromConfig(config: KerasConfig): Layer;
};
const registry = new Map<string, LayerClass>();

/** Registers a layer class under its Keras class name (custom layers and model classes too). */
export function registerLayer(className: string, cls: LayerClass): void {
  registry.set(className, cls);
}

export function getLayerClass(className: string): LayerClass | undefined {
  return registry.get(className);
}

export function registeredLayerNames(): string[] {
  return [...registry.keys()].sort();
}

/**
 * A layer as Keras 3 serialises it: {module, class_name, config, registered_name}, plus
 * build_config when one is given. Keras 3 layers carry no batch_input_shape (an InputLayer holds
 * the input shape), so it is left out.
 */
export function serializeLayer(layer: Layer, buildConfig?: KerasConfig): KerasConfig {
  const cls = layer.constructor as { kerasModule?: string; registeredName?: string | null };
  const config: KerasConfig = { ...layer.getConfig() };
  delete config.batch_input_shape;
  const entry: KerasConfig = {
    module: cls.kerasModule ?? 'keras.layers',
    class_name: layer.className,
    config,
    registered_name: cls.registeredName ?? null,
  };
  if (buildConfig) entry.build_config = buildConfig;
  return entry;
}

/** Rebuilds a layer (or a model) from a Keras {class_name, config} entry through the registry. */
export function deserializeLayer(entry: { class_name: string; config: KerasConfig }): Layer {
  const cls = registry.get(entry.class_name);
  if (!cls) {
    const layer = entry.config?.name ? ` (layer '${entry.config.name}')` : '';
    throw new ValueError(
      `Unknown layer class '${entry.class_name}'${layer}; ` +
        `supported: ${registeredLayerNames().join(', ')}. Register custom layers with registerLayer().`,
    );
  }
  return cls.fromConfig(entry.config ?? {});
}

/** Reads a 2-tuple argument given as a number or a pair (kernelSize, strides, poolSize). */
export function pair(
  v: number | readonly number[] | undefined,
  fallback: [number, number],
  where: string,
): [number, number] {
  if (v === undefined || v === null) return fallback;
  const p = typeof v === 'number' ? [v, v] : [...v];
  if (p.length !== 2 || !p.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ValueError(`${where}: expected a positive integer or a pair of them, got ${describeArgument(v)}`);
  }
  return [p[0], p[1]];
}

/** Common LayerArgs read from a Keras config (Keras 2 batch_input_shape and Keras 3 batch_shape). */
export function baseArgsFromConfig(c: KerasConfig): LayerArgs {
  const args: LayerArgs = { name: c.name, trainable: c.trainable ?? true };
  const bis = c.batch_input_shape ?? c.batch_shape;
  if (bis) args.batchInputShape = bis;
  return args;
}
