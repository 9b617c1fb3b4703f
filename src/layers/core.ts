// Core layers: Input/InputLayer, Dense, Activation, ReLU, Dropout, Flatten, Reshape.
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { type InitializerIdentifier, getInitializer } from '../initializers/index.js';
import * as ops from '../ops/index.js';
import { getRegularizer, type RegularizerIdentifier, type Regularizer } from '../regularizers/index.js';
import { Tensor, Variable } from '../tensor/tensor.js';
import { getRng } from '../tensor/random.js';
import { RandomGenerator } from '../tensor/random.js';
import { uniqueName } from '../utils/naming.js';
import type { Activation as FusedActivation } from '../backend/types.js';
import { activationName, getActivation } from './activations.js';
import {
  type CallArgs,
  LAYER_OPTIONS,
  Layer,
  type LayerArgs,
  type LayerInput,
  type Shape,
  baseArgsFromConfig,
  registerLayer,
  singleShape,
  singleTensor,
} from './base.js';
import { KerasTensor, type Node } from './keras_tensor.js';
import type { KerasConfig } from '../keras_config.js';
import {
  type OptionNames,
  checkBoolean,
  checkInt,
  checkNumber,
  checkOptions,
  checkPositiveInt,
  describeArgument,
  describeValue,
} from '../options.js';

export function serializeInit(id: InitializerIdentifier): Record<string, unknown> {
  return getInitializer(id).serialize();
}

// ---------------------------------------------------------------- Input

export interface InputArgs {
  shape?: readonly (number | null)[];
  batchShape?: readonly (number | null)[];
  batchSize?: number;
  name?: string;
  dtype?: string;
}

const INPUT_OPTIONS: OptionNames<InputArgs> = {
  shape: true,
  batchShape: true,
  batchSize: true,
  name: true,
  dtype: true,
};

/** The layer behind an Input: it produces the graph's entry KerasTensor. */
export class InputLayer extends Layer {
  static className = 'InputLayer';

  constructor(args: InputArgs & { name?: string } = {}) {
    // The options are Input's, not the base layer's, so they are checked here rather than by Layer.
    checkOptions(args, INPUT_OPTIONS, 'Input');
    const batchShape = args.batchShape ?? (args.shape ? [args.batchSize ?? null, ...args.shape] : null);
    if (!batchShape) throw new ValueError('Input: expected `shape` (without the batch axis) or `batchShape`');
    const given = args.batchShape !== undefined ? 'batchShape' : 'shape';
    const dims: unknown = args.batchShape ?? args.shape;
    if (!Array.isArray(dims) || !dims.every((d) => d === null || (Number.isInteger(d) && d > 0))) {
      throw new ValueError(`Input: ${given} must hold positive integers (or null), got ${describeArgument(dims)}`);
    }
    checkPositiveInt(args.batchSize, 'Input batchSize');
    super({ name: args.name ?? uniqueName('input_layer'), batchInputShape: batchShape });
    this.built = true;
    const node: Node = { layer: this, inputs: [], outputs: [] };
    node.outputs = [new KerasTensor(batchShape, node, 0, this.name, args.dtype ?? 'float32')];
    this.inboundNodes.push(node);
  }

  call(inputs: LayerInput): LayerInput {
    return inputs;
  }
  computeOutputShape(s: Shape | Shape[]): Shape | Shape[] {
    return s;
  }

  override getConfig(): Record<string, unknown> {
    return {
      batch_shape: [...this.batchInputShape!],
      dtype: this.dtype,
      sparse: false,
      ragged: false,
      name: this.name,
    };
  }

  static fromConfig(c: KerasConfig): InputLayer {
    return new InputLayer({
      batchShape: c.batch_shape ?? c.batch_input_shape,
      name: c.name,
      dtype: typeof c.dtype === 'string' ? c.dtype : undefined,
    });
  }
}

export interface InputFactory {
  (args: InputArgs): KerasTensor;
  new (args: InputArgs): KerasTensor;
}

/**
 * `Input({shape})` or `new Input({shape})`: the symbolic entry of a functional model. A function
 * declaration cannot be typed as constructible, hence the one cast through unknown.
 */
export const Input = function Input(args: InputArgs): KerasTensor {
  return new InputLayer(args).output;
} as unknown as InputFactory;

// ---------------------------------------------------------------- Dense

/** Options of the layers that own a kernel, an optional bias and an activation (Dense, Conv2D). */
export interface KernelLayerArgs extends LayerArgs {
  activation?: string | null;
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier;
  biasRegularizer?: RegularizerIdentifier;
}

/**
 * A layer with a kernel, an optional bias and an activation. ReLU (and linear) are fused into the
 * layer's op; other activations run as a separate op (finish()).
 */
export abstract class KernelLayer extends Layer {
  readonly activation: string;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerIdentifier;
  readonly biasInitializer: InitializerIdentifier;
  readonly kernelRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  kernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(args: KernelLayerArgs) {
    super(args);
    const where = `${this.className} '${this.name}'`;
    this.activation = activationName(args.activation, `${where} activation`);
    checkBoolean(args.useBias, `${where} useBias`);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = args.kernelInitializer ?? 'glorot_uniform';
    this.biasInitializer = args.biasInitializer ?? 'zeros';
    getInitializer(this.kernelInitializer, `${where} kernelInitializer`);
    getInitializer(this.biasInitializer, `${where} biasInitializer`);
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer, `${where} kernelRegularizer`);
    this.biasRegularizer = getRegularizer(args.biasRegularizer, `${where} biasRegularizer`);
  }

  /** Creates `kernel` (this shape) and `bias` (the last dimension), with their regularizers. */
  protected buildKernel(kernelShape: number[]): void {
    this.kernel = this.addWeight('kernel', kernelShape, this.kernelInitializer, {
      regularizer: this.kernelRegularizer,
    });
    if (this.useBias)
      this.bias = this.addWeight('bias', [kernelShape[kernelShape.length - 1]], this.biasInitializer, {
        regularizer: this.biasRegularizer,
      });
    this.built = true;
  }

  /** The activation the kernel op applies itself. */
  protected get fusedActivation(): FusedActivation {
    return this.activation === 'relu' ? 'relu' : 'linear';
  }

  /** Applies the activation the kernel op did not fuse. */
  protected finish(y: Tensor): Tensor {
    return this.activation === 'relu' || this.activation === 'linear' ? y : getActivation(this.activation)(y);
  }

  /** The Keras config keys of the kernel, bias and activation. */
  protected kernelConfig(): Record<string, unknown> {
    return {
      activation: this.activation,
      use_bias: this.useBias,
      kernel_initializer: serializeInit(this.kernelInitializer),
      bias_initializer: serializeInit(this.biasInitializer),
      kernel_regularizer: this.kernelRegularizer?.serialize() ?? null,
      bias_regularizer: this.biasRegularizer?.serialize() ?? null,
      kernel_constraint: null,
      bias_constraint: null,
    };
  }
}

/** KernelLayerArgs read from a Keras config. */
export function kernelArgsFromConfig(c: KerasConfig): KernelLayerArgs {
  return {
    ...baseArgsFromConfig(c),
    activation: c.activation,
    useBias: c.use_bias,
    kernelInitializer: c.kernel_initializer ?? undefined,
    biasInitializer: c.bias_initializer ?? undefined,
    kernelRegularizer: c.kernel_regularizer,
    biasRegularizer: c.bias_regularizer,
  };
}

/** The options of KernelLayerArgs, for the layers built on KernelLayer. */
export const KERNEL_OPTIONS: OptionNames<KernelLayerArgs> = {
  ...LAYER_OPTIONS,
  activation: true,
  useBias: true,
  kernelInitializer: true,
  biasInitializer: true,
  kernelRegularizer: true,
  biasRegularizer: true,
};

export type DenseArgs = KernelLayerArgs;

export class Dense extends KernelLayer {
  static className = 'Dense';
  static positionalArgs: readonly string[] = ['units'];
  static optionNames: OptionNames<DenseArgs> = KERNEL_OPTIONS;
  readonly units: number;

  constructor(units: number, args: DenseArgs = {}) {
    super(args);
    if (!Number.isInteger(units) || units <= 0)
      throw new ValueError(`Dense '${this.name}': units must be a positive integer, got ${describeValue(units)}`);
    this.units = units;
  }

  protected override checkInputShape(shape: Shape | Shape[]): void {
    const s = singleShape(this, shape);
    const last = s[s.length - 1];
    if (s.length < 2 || last === null) {
      throw new ShapeError(
        `Dense '${this.name}': expected an input of shape (batch, ..., features) with known features, got ` +
          `${fmtShape(s)}`,
      );
    }
    if (this.kernel && this.kernel.shape[0] !== last) {
      throw new ShapeError(
        `Dense '${this.name}': expected input with last dimension ${this.kernel.shape[0]}, got ${fmtShape(s)}`,
      );
    }
  }

  override build(shape: Shape | Shape[]): void {
    const s = singleShape(this, shape);
    this.buildKernel([s[s.length - 1] as number, this.units]);
  }

  call(inputs: LayerInput): Tensor {
    const x = singleTensor(this, inputs);
    // Dense applies to the last axis; fold leading axes into rows.
    const rows = x.rank === 2 ? x : ops.reshape(x, [-1, x.shape[x.rank - 1]]);
    let y = ops.dense(rows, this.kernel!, this.bias, this.fusedActivation);
    if (x.rank !== 2) y = ops.reshape(y, [...x.shape.slice(0, -1), this.units]);
    return this.finish(y);
  }

  computeOutputShape(shape: Shape | Shape[]): Shape {
    const s = singleShape(this, shape);
    return [...s.slice(0, -1), this.units];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), units: this.units, ...this.kernelConfig() };
  }

  static fromConfig(c: KerasConfig): Dense {
    return new Dense(c.units, kernelArgsFromConfig(c));
  }
}

// ---------------------------------------------------------------- Activation, ReLU

export class Activation extends Layer {
  static className = 'Activation';
  static positionalArgs: readonly string[] = ['activation'];
  static optionNames: OptionNames<LayerArgs> = LAYER_OPTIONS;
  readonly activation: string;
  constructor(activation: string, args: LayerArgs = {}) {
    super(args);
    this.activation = activationName(activation, `Activation '${this.name}'`);
  }
  call(inputs: LayerInput): Tensor {
    return getActivation(this.activation)(singleTensor(this, inputs));
  }
  computeOutputShape(s: Shape | Shape[]): Shape {
    return singleShape(this, s);
  }
  override getConfig() {
    return { ...super.getConfig(), activation: this.activation };
  }
  static fromConfig(c: KerasConfig): Activation {
    return new Activation(c.activation, baseArgsFromConfig(c));
  }
}

export interface ReLUArgs extends LayerArgs {
  maxValue?: number | null;
  negativeSlope?: number;
  threshold?: number;
}

/** Keras ReLU layer: min(max(x, threshold) with a negative slope below it, maxValue). */
export class ReLU extends Layer {
  static className = 'ReLU';
  static optionNames: OptionNames<ReLUArgs> = {
    ...LAYER_OPTIONS,
    maxValue: true,
    negativeSlope: true,
    threshold: true,
  };
  readonly maxValue: number | null;
  readonly negativeSlope: number;
  readonly threshold: number;
  constructor(args: ReLUArgs = {}) {
    super(args);
    const where = `ReLU '${this.name}'`;
    checkNumber(args.maxValue ?? undefined, `${where} maxValue`, { min: 0 });
    checkNumber(args.negativeSlope, `${where} negativeSlope`, { min: 0 });
    checkNumber(args.threshold, `${where} threshold`);
    this.maxValue = args.maxValue ?? null;
    this.negativeSlope = args.negativeSlope ?? 0;
    this.threshold = args.threshold ?? 0;
  }
  call(inputs: LayerInput): Tensor {
    const x = singleTensor(this, inputs);
    let y: Tensor;
    if (this.negativeSlope === 0 && this.threshold === 0) y = ops.relu(x);
    else {
      const above = ops.greaterEqual(x, this.threshold);
      const below = ops.sub(1, above);
      y = ops.add(ops.mul(x, above), ops.mul(ops.mul(ops.sub(x, this.threshold), this.negativeSlope), below));
    }
    return this.maxValue === null ? y : ops.minimum(y, this.maxValue);
  }
  computeOutputShape(s: Shape | Shape[]): Shape {
    return singleShape(this, s);
  }
  override getConfig() {
    return {
      ...super.getConfig(),
      max_value: this.maxValue,
      negative_slope: this.negativeSlope,
      threshold: this.threshold,
    };
  }
  static fromConfig(c: KerasConfig): ReLU {
    return new ReLU({
      ...baseArgsFromConfig(c),
      maxValue: c.max_value,
      negativeSlope: c.negative_slope,
      threshold: c.threshold,
    });
  }
}

// ---------------------------------------------------------------- Dropout

export interface DropoutArgs extends LayerArgs {
  seed?: number | null;
  noiseShape?: readonly (number | null)[] | null;
}

/** Inverted dropout: in training keeps each value with probability 1−rate, scaled by 1/(1−rate). */
export class Dropout extends Layer {
  static className = 'Dropout';
  static positionalArgs: readonly string[] = ['rate'];
  static optionNames: OptionNames<DropoutArgs> = { ...LAYER_OPTIONS, seed: true, noiseShape: true };
  readonly rate: number;
  readonly seed: number | null;
  readonly noiseShape: readonly (number | null)[] | null;
  private rng: RandomGenerator | null = null;

  constructor(rate: number, args: DropoutArgs = {}) {
    super(args);
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
      throw new ValueError(`Dropout '${this.name}': rate must be in [0, 1), got ${describeValue(rate)}`);
    }
    checkInt(args.seed ?? undefined, `Dropout '${this.name}' seed`);
    this.rate = rate;
    this.seed = args.seed ?? null;
    this.noiseShape = args.noiseShape ?? null;
  }

  /** Mask shape: noiseShape with nulls taken from the input (for SpatialDropout-style masks). */
  protected maskShape(x: Tensor): number[] {
    if (!this.noiseShape) return [...x.shape];
    return this.noiseShape.map((d, i) => (d === null ? x.shape[i] : d));
  }

  call(inputs: LayerInput, args: CallArgs): Tensor {
    const x = singleTensor(this, inputs);
    if (!args.training || this.rate === 0) return x;
    if (!this.rng) this.rng = this.seed !== null ? new RandomGenerator(this.seed) : getRng().fork();
    const shape = this.maskShape(x);
    const mask = new Float32Array(shape.reduce((a, b) => a * b, 1));
    const keep = 1 - this.rate;
    const scale = 1 / keep;
    for (let i = 0; i < mask.length; i++) mask[i] = this.rng.random() < keep ? scale : 0;
    return ops.mul(x, new Tensor(mask, shape));
  }

  computeOutputShape(s: Shape | Shape[]): Shape {
    return singleShape(this, s);
  }
  override getConfig() {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed, noise_shape: this.noiseShape };
  }
  static fromConfig(c: KerasConfig): Dropout {
    return new Dropout(c.rate, { ...baseArgsFromConfig(c), seed: c.seed ?? null, noiseShape: c.noise_shape ?? null });
  }
}

// ---------------------------------------------------------------- Flatten, Reshape

export class Flatten extends Layer {
  static className = 'Flatten';
  static optionNames: OptionNames<LayerArgs> = LAYER_OPTIONS;
  call(inputs: LayerInput): Tensor {
    const x = singleTensor(this, inputs);
    return ops.reshape(x, [x.shape[0], -1]);
  }
  computeOutputShape(shape: Shape | Shape[]): Shape {
    const s = singleShape(this, shape);
    const rest = s.slice(1);
    return [s[0], rest.some((d) => d === null) ? null : rest.reduce<number>((a, b) => a * (b as number), 1)];
  }
  override getConfig() {
    return { ...super.getConfig(), data_format: 'channels_last' };
  }
  static fromConfig(c: KerasConfig): Flatten {
    return new Flatten(baseArgsFromConfig(c));
  }
}

export class Reshape extends Layer {
  static className = 'Reshape';
  static positionalArgs: readonly string[] = ['targetShape'];
  static optionNames: OptionNames<LayerArgs> = LAYER_OPTIONS;
  readonly targetShape: number[];
  constructor(targetShape: readonly number[], args: LayerArgs = {}) {
    super(args);
    if (
      !Array.isArray(targetShape) ||
      targetShape.filter((d) => d === -1).length > 1 ||
      targetShape.some((d) => !Number.isInteger(d) || (d <= 0 && d !== -1))
    ) {
      throw new ValueError(
        `Reshape '${this.name}': targetShape must hold positive integers and at most one -1, got ` +
          `${describeArgument(targetShape)}`,
      );
    }
    this.targetShape = [...targetShape];
  }
  private resolve(inShape: Shape): number[] {
    const size = inShape.slice(1).reduce<number>((a, b) => a * (b as number), 1);
    const known = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const out = this.targetShape.map((d) => (d === -1 ? size / known : d));
    if (out.reduce((a, b) => a * b, 1) !== size || !out.every(Number.isInteger)) {
      throw new ShapeError(
        `Reshape '${this.name}': cannot reshape an input of shape ${fmtShape(inShape)} into ` +
          `${fmtShape([null, ...this.targetShape])}`,
      );
    }
    return out;
  }
  protected override checkInputShape(shape: Shape | Shape[]): void {
    const s = singleShape(this, shape);
    if (!s.slice(1).some((d) => d === null)) this.resolve(s);
  }
  call(inputs: LayerInput): Tensor {
    const x = singleTensor(this, inputs);
    return ops.reshape(x, [x.shape[0], ...this.resolve(x.shape)]);
  }
  computeOutputShape(shape: Shape | Shape[]): Shape {
    const s = singleShape(this, shape);
    return [s[0], ...this.resolve(s)];
  }
  override getConfig() {
    return { ...super.getConfig(), target_shape: [...this.targetShape] };
  }
  static fromConfig(c: KerasConfig): Reshape {
    return new Reshape(c.target_shape, baseArgsFromConfig(c));
  }
}

registerLayer('InputLayer', InputLayer);
registerLayer('Dense', Dense);
registerLayer('Activation', Activation);
registerLayer('ReLU', ReLU);
registerLayer('Dropout', Dropout);
registerLayer('Flatten', Flatten);
registerLayer('Reshape', Reshape);
