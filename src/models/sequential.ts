// Sequential: a linear stack of layers. Built as soon as the input shape is known (inputShape on
// the first layer, an Input, or the first data seen), after which every add() checks that the
// layer fits the previous output. Owns Keras 3's Sequential config in both directions.
import { ValueError } from '../errors.js';
import { type CallArgs, Layer, type LayerInput, type Shape, registerLayer, serializeLayer } from '../layers/base.js';
import { Input, InputLayer } from '../layers/core.js';
import { KerasTensor, isKerasTensor } from '../layers/keras_tensor.js';
import { Model, layerBuildConfig } from './model.js';
import { inContext, layerFromEntry } from './from_config.js';
import type { KerasConfig } from '../keras_config.js';
import { type OptionNames, checkOptions } from '../options.js';

export interface SequentialArgs {
  layers?: Layer[];
  name?: string;
  trainable?: boolean;
}

const SEQUENTIAL_OPTIONS: OptionNames<SequentialArgs> = { layers: true, name: true, trainable: true };

export class Sequential extends Model {
  static override className = 'Sequential';
  static override kerasModule = 'keras';
  static override registeredName: string | null = null;
  private stack: Layer[] = [];
  private inputLayer: InputLayer | null = null;

  /** `new Sequential([layers], {name})` or `new Sequential({layers, name})`. */
  constructor(layersOrArgs?: Layer[] | SequentialArgs, args: SequentialArgs = {}) {
    if (!Array.isArray(layersOrArgs)) checkOptions(layersOrArgs, SEQUENTIAL_OPTIONS, 'Sequential');
    checkOptions(args, SEQUENTIAL_OPTIONS, 'Sequential');
    const a: SequentialArgs = Array.isArray(layersOrArgs)
      ? { ...args, layers: layersOrArgs }
      : { ...(layersOrArgs ?? {}), ...args };
    super({ name: a.name, trainable: a.trainable });
    for (const l of a.layers ?? []) this.add(l);
  }

  override get layers(): Layer[] {
    return [...this.stack];
  }

  /**
   * Appends a layer (or sets the input with an Input KerasTensor / InputLayer). Once the input shape
   * is known, only the new layer is called on the current output, so building costs one call per
   * layer whatever the depth.
   */
  add(layer: Layer | KerasTensor): void {
    if (isKerasTensor(layer)) {
      const src = layer.node?.layer;
      if (!(src instanceof InputLayer))
        throw new ValueError(`Sequential '${this.name}'.add: only KerasTensors made by Input() can be added`);
      layer = src;
    }
    if (!(layer instanceof Layer))
      throw new ValueError(`Sequential '${this.name}'.add: expected a Layer, got ${String(layer)}`);
    if (layer instanceof InputLayer) {
      if (this.inputLayer || this.stack.length)
        throw new ValueError(`Sequential '${this.name}'.add: an InputLayer must come first`);
      this.inputLayer = layer;
      this.rebuild();
      return;
    }
    if (this.stack.includes(layer))
      throw new ValueError(`Sequential '${this.name}'.add: layer '${layer.name}' is already in the model`);
    if (this.stack.length === 0 && !this.inputLayer) {
      // A built model as the first layer gives its input shape, as in Keras 3 (Sequential([convBase, ...])).
      const fromModel = layer instanceof Model && layer.inputs.length === 1 ? layer.inputs[0].shape : null;
      const shape = layer.batchInputShape ?? fromModel;
      if (shape) this.inputLayer = new InputLayer({ batchShape: shape });
    }
    this.stack.push(layer);
    if (!this.inputLayer) return;
    try {
      if (this.stack.length === 1) this.rebuild();
      else this.append(layer);
    } catch (e) {
      this.stack.pop();
      throw e;
    }
  }

  /** Removes the last layer. */
  pop(): Layer {
    const l = this.stack.pop();
    if (!l) throw new ValueError(`Sequential '${this.name}'.pop: the model has no layers`);
    if (this.inputLayer) {
      this.nodes.pop();
      this.outputs = [this.nodes.at(-1)?.outputs[0] ?? this.inputs[0]];
    }
    return l;
  }

  /** Calls one more layer on the current output and makes its result the model's output. */
  private append(l: Layer): void {
    const out = l.apply(this.outputs[0]);
    if (Array.isArray(out)) {
      throw new ValueError(`Sequential '${this.name}': layer '${l.name}' has several outputs; use the functional API`);
    }
    this.nodes.push(out.node!);
    this.outputs = [out];
  }

  /** Builds the graph from the InputLayer through every layer of the stack. */
  private rebuild(): void {
    const input = this.inputLayer!.output;
    this.inputs = [input];
    this.outputs = [input];
    this.nodes = [];
    this._layers = [this.inputLayer!];
    try {
      for (const l of this.stack) this.append(l);
    } catch (e) {
      this.outputs = [input];
      this.nodes = [];
      throw e;
    }
    this.ownInputs();
    this.built = true;
  }

  override build(inputShape: Shape | Shape[]): void {
    if (this.inputLayer) return;
    const s = (inputShape.length > 0 && Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    this.inputLayer = new InputLayer({ batchShape: [null, ...s.slice(1)] });
    this.rebuild();
  }

  protected override checkInputShape(shape: Shape | Shape[]): void {
    if (this.inputLayer) super.checkInputShape(shape);
  }

  override call(inputs: LayerInput, args: CallArgs = {}): LayerInput {
    let x = inputs;
    // Nothing outside reads a Sequential's intermediate outputs, so adjacent layers that fuse
    // (Conv2D + MaxPooling2D) run as one op, with or without a tape.
    for (let i = 0; i < this.stack.length; i++) {
      const next = this.stack[i + 1];
      const fused = next ? this.stack[i].applyFused(x, next) : null;
      if (fused) {
        x = fused;
        i++;
      } else {
        x = this.stack[i].applyEager(x, args);
      }
    }
    return x;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    let s = inputShape;
    for (const l of this.stack) s = l.computeOutputShape(s);
    return s;
  }

  /**
   * Keras 3's Sequential config: the InputLayer (once the input shape is known), then every layer
   * with the input shape it was built for, and the model's build_input_shape.
   */
  override getConfig(): Record<string, unknown> {
    const layers: KerasConfig[] = [];
    if (this.inputLayer) layers.push(serializeLayer(this.inputLayer));
    const nodes = this.graphNodes;
    for (const l of this.stack)
      layers.push(
        serializeLayer(
          l,
          layerBuildConfig(
            l,
            nodes.find((n) => n.layer === l),
          ),
        ),
      );
    const config: KerasConfig = { name: this.name, trainable: this.trainable, dtype: 'float32', layers };
    const shape = this.getBuildConfig().input_shape;
    if (shape) config.build_input_shape = shape;
    return config;
  }

  /** Keras's build_config for a Sequential model: its batch input shape, or null before it is known. */
  override getBuildConfig(): KerasConfig {
    const shape = this.inputs[0]?.shape ?? this.batchInputShape;
    return { input_shape: shape ? [...shape] : null };
  }

  /** Rebuilds a Sequential model from Keras 3's config (an InputLayer entry or build_input_shape gives the input). */
  static override fromConfig(config: KerasConfig): Sequential {
    const model = new Sequential({ name: typeof config.name === 'string' ? config.name : undefined });
    const owner = `Sequential '${model.name}'`;
    const entries: unknown[] = Array.isArray(config.layers) ? config.layers : [];
    const first = entries[0] as KerasConfig | undefined;
    if (first?.class_name === 'InputLayer') model.add(layerFromEntry(first, owner));
    else if (Array.isArray(config.build_input_shape)) {
      model.add(new InputLayer({ batchShape: config.build_input_shape }));
    }
    for (const entry of entries) {
      if ((entry as KerasConfig | undefined)?.class_name === 'InputLayer') continue;
      const layer = layerFromEntry(entry, owner);
      try {
        model.add(layer);
      } catch (e) {
        throw inContext(`${owner}: cannot add layer '${layer.name}' (${layer.className})`, e);
      }
    }
    if (config.trainable === false) model.trainable = false;
    return model;
  }
}

registerLayer('Sequential', Sequential);
export { Input };
