// DepthwiseConv2D and SeparableConv2D (Keras 3's keras.layers of those names): per-channel
// spatial filtering, optionally followed by a 1x1 pointwise convolution that mixes channels.
// Weights are Keras 3's, in its order, so files move both ways: DepthwiseConv2D has `kernel`
// [kh, kw, in, depthMultiplier] and `bias`; SeparableConv2D has `depthwise_kernel`,
// `pointwise_kernel` [1, 1, in·depthMultiplier, filters] and `bias`.
import type { Activation as FusedActivation } from '../backend/types.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { type InitializerIdentifier, getInitializer } from '../initializers/index.js';
import type { KerasConfig } from '../keras_config.js';
import * as ops from '../ops/index.js';
import type { Padding } from '../ops/conv.js';
import { type Regularizer, type RegularizerIdentifier, getRegularizer } from '../regularizers/index.js';
import type { Tensor, Variable } from '../tensor/tensor.js';
import { activationName, getActivation } from './activations.js';
import {
  LAYER_OPTIONS,
  Layer,
  type LayerArgs,
  type LayerInput,
  type Shape,
  baseArgsFromConfig,
  pair,
  registerLayer,
  singleShape,
  singleTensor,
} from './base.js';
import { channelsLastOnly, checkPadding } from './args.js';
import { serializeInit } from './core.js';
import { type OptionNames, checkBoolean, describeArgument } from '../options.js';

/** Options DepthwiseConv2D and SeparableConv2D share (Keras's names in camelCase). */
export interface DepthwiseConvArgs extends LayerArgs {
  strides?: number | readonly [number, number];
  padding?: Padding;
  dataFormat?: 'channels_last';
  dilationRate?: number | readonly [number, number];
  depthMultiplier?: number;
  activation?: string | null;
  useBias?: boolean;
  depthwiseInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  depthwiseRegularizer?: RegularizerIdentifier;
  biasRegularizer?: RegularizerIdentifier;
  /** Keras's activity regularizer: only null (none) is supported. */
  activityRegularizer?: null;
  /** Keras's weight constraints: only null (none) is supported. */
  depthwiseConstraint?: null;
  biasConstraint?: null;
}

const DEPTHWISE_OPTIONS: OptionNames<DepthwiseConvArgs> = {
  ...LAYER_OPTIONS,
  strides: true,
  padding: true,
  dataFormat: true,
  dilationRate: true,
  depthMultiplier: true,
  activation: true,
  useBias: true,
  depthwiseInitializer: true,
  biasInitializer: true,
  depthwiseRegularizer: true,
  biasRegularizer: true,
  activityRegularizer: true,
  depthwiseConstraint: true,
  biasConstraint: true,
};

export interface DepthwiseConv2DArgs extends DepthwiseConvArgs {
  /** Keras 3 also accepts the kernel size as an option. */
  kernelSize?: number | readonly [number, number];
}

export interface SeparableConv2DArgs extends DepthwiseConvArgs {
  pointwiseInitializer?: InitializerIdentifier;
  pointwiseRegularizer?: RegularizerIdentifier;
  pointwiseConstraint?: null;
}

function refuseUnsupported(args: object, keys: readonly string[], where: string): void {
  const rec = args as Readonly<Record<string, unknown>>;
  for (const k of keys) {
    const v = rec[k];
    if (v !== undefined && v !== null) {
      throw new ValueError(`${where}: ${k} is not supported by convkit (expected null), got ${JSON.stringify(v)}`);
    }
  }
}

/** The spatial part both layers share: geometry, depthwise kernel, bias and activation. */
abstract class BaseDepthwiseConv extends Layer {
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly dilationRate: [number, number];
  readonly depthMultiplier: number;
  readonly activation: string;
  readonly useBias: boolean;
  readonly depthwiseInitializer: InitializerIdentifier;
  readonly biasInitializer: InitializerIdentifier;
  readonly depthwiseRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  bias: Variable | null = null;

  constructor(kernelSize: number | readonly [number, number] | undefined, args: DepthwiseConvArgs) {
    super(args);
    const where = this.where;
    if (kernelSize === undefined) throw new ValueError(`${where}: kernelSize is required, got undefined`);
    this.kernelSize = pair(kernelSize, [3, 3], `${where} kernelSize`);
    this.strides = pair(args.strides, [1, 1], `${where} strides`);
    this.dilationRate = pair(args.dilationRate, [1, 1], `${where} dilationRate`);
    if ((this.strides[0] > 1 || this.strides[1] > 1) && (this.dilationRate[0] > 1 || this.dilationRate[1] > 1)) {
      throw new ValueError(
        `${where}: strides > 1 cannot be combined with dilationRate > 1 (as in Keras), got ` +
          `strides=${JSON.stringify(this.strides)}, dilationRate=${JSON.stringify(this.dilationRate)}`,
      );
    }
    this.padding = checkPadding(args.padding, where);
    channelsLastOnly(args.dataFormat, where);
    const m = args.depthMultiplier ?? 1;
    if (!Number.isInteger(m) || m <= 0) {
      throw new ValueError(
        `${where}: depthMultiplier must be a positive integer, got ${describeArgument(args.depthMultiplier)}`,
      );
    }
    this.depthMultiplier = m;
    this.activation = activationName(args.activation, `${where} activation`);
    checkBoolean(args.useBias, `${where} useBias`);
    this.useBias = args.useBias ?? true;
    this.depthwiseInitializer = args.depthwiseInitializer ?? 'glorot_uniform';
    this.biasInitializer = args.biasInitializer ?? 'zeros';
    getInitializer(this.depthwiseInitializer, `${where} depthwiseInitializer`);
    getInitializer(this.biasInitializer, `${where} biasInitializer`);
    this.depthwiseRegularizer = getRegularizer(args.depthwiseRegularizer, `${where} depthwiseRegularizer`);
    this.biasRegularizer = getRegularizer(args.biasRegularizer, `${where} biasRegularizer`);
    refuseUnsupported(args, ['activityRegularizer', 'depthwiseConstraint', 'biasConstraint'], where);
  }

  protected get where(): string {
    return `${this.className} '${this.name}'`;
  }

  /** The depthwise kernel, once built. */
  protected abstract get depthwise(): Variable | null;

  protected get fusedActivation(): FusedActivation {
    return this.activation === 'relu' ? 'relu' : 'linear';
  }

  protected finish(y: Tensor): Tensor {
    return this.activation === 'relu' || this.activation === 'linear' ? y : getActivation(this.activation)(y);
  }

  protected spatialSize(n: number | null, i: number): number | null {
    if (n === null) return null;
    return ops.convOutputSize(n, this.kernelSize[i], this.strides[i], this.dilationRate[i], this.padding).out;
  }

  protected override checkInputShape(shape: Shape | Shape[]): void {
    const s = singleShape(this, shape);
    if (s.length !== 4 || s[3] === null) {
      throw new ShapeError(
        `${this.where}: expected an input of shape (batch, height, width, channels) with known ` +
          `channels, got ${fmtShape(s)}`,
      );
    }
    const k = this.depthwise;
    if (k && k.shape[2] !== s[3]) {
      throw new ShapeError(`${this.where}: expected an input with ${k.shape[2]} channels, got ${fmtShape(s)}`);
    }
    for (let i = 0; i < 2; i++) {
      const out = this.spatialSize(s[1 + i], i);
      if (out !== null && out <= 0) {
        throw new ShapeError(
          `${this.where}: a ${this.kernelSize.join('x')} kernel with padding '${this.padding}' ` +
            `does not fit an input of shape ${fmtShape(s)}`,
        );
      }
    }
  }

  protected addDepthwiseKernel(name: string, inC: number): Variable {
    return this.addWeight(
      name,
      [this.kernelSize[0], this.kernelSize[1], inC, this.depthMultiplier],
      this.depthwiseInitializer,
      { regularizer: this.depthwiseRegularizer },
    );
  }

  protected addBias(units: number): void {
    if (this.useBias) {
      this.bias = this.addWeight('bias', [units], this.biasInitializer, { regularizer: this.biasRegularizer });
    }
  }

  /** The Keras 3 config keys both layers write, in Keras's order around the layer's own. */
  protected geometryConfig(): Record<string, unknown> {
    return {
      depth_multiplier: this.depthMultiplier,
      kernel_size: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      data_format: 'channels_last',
      dilation_rate: [...this.dilationRate],
      activation: this.activation,
      use_bias: this.useBias,
    };
  }
}

/** Options common to both layers, read from a Keras config. */
function depthwiseArgsFromConfig(c: KerasConfig): DepthwiseConvArgs {
  return {
    ...baseArgsFromConfig(c),
    strides: c.strides,
    padding: c.padding,
    dataFormat: c.data_format ?? undefined,
    dilationRate: c.dilation_rate,
    depthMultiplier: c.depth_multiplier,
    activation: c.activation,
    useBias: c.use_bias,
    depthwiseInitializer: c.depthwise_initializer ?? undefined,
    biasInitializer: c.bias_initializer ?? undefined,
    depthwiseRegularizer: c.depthwise_regularizer,
    biasRegularizer: c.bias_regularizer,
    activityRegularizer: c.activity_regularizer,
    depthwiseConstraint: c.depthwise_constraint,
    biasConstraint: c.bias_constraint,
  };
}

/**
 * Keras's DepthwiseConv2D: each input channel convolved with its own `depthMultiplier` filters;
 * output channels = input channels · depthMultiplier (channel c·M+m from channel c).
 */
export class DepthwiseConv2D extends BaseDepthwiseConv {
  static className = 'DepthwiseConv2D';
  static optionNames: OptionNames<DepthwiseConv2DArgs> = { ...DEPTHWISE_OPTIONS, kernelSize: true };
  kernel: Variable | null = null;

  constructor(kernelSize: number | readonly [number, number] | DepthwiseConv2DArgs, args: DepthwiseConv2DArgs = {}) {
    const optionsFirst = typeof kernelSize === 'object' && kernelSize !== null && !Array.isArray(kernelSize);
    const opts = optionsFirst ? (kernelSize as DepthwiseConv2DArgs) : args;
    // Anything but an options object is the kernel size (a string too, refused by pair with its type).
    const size = optionsFirst ? opts.kernelSize : (kernelSize as number | readonly [number, number]);
    super(size, opts);
  }

  protected get depthwise(): Variable | null {
    return this.kernel;
  }

  override build(shape: Shape | Shape[]): void {
    const c = singleShape(this, shape)[3] as number;
    this.kernel = this.addDepthwiseKernel('kernel', c);
    this.addBias(c * this.depthMultiplier);
    this.built = true;
  }

  call(inputs: LayerInput): Tensor {
    const x = singleTensor(this, inputs);
    return this.finish(
      ops.depthwiseConv2d(
        x,
        this.kernel!,
        this.bias,
        this.strides,
        this.padding,
        this.fusedActivation,
        this.dilationRate,
      ),
    );
  }

  computeOutputShape(shape: Shape | Shape[]): Shape {
    const s = singleShape(this, shape);
    const c = s[3] === null ? null : s[3] * this.depthMultiplier;
    return [s[0], this.spatialSize(s[1], 0), this.spatialSize(s[2], 1), c];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      ...this.geometryConfig(),
      depthwise_initializer: serializeInit(this.depthwiseInitializer),
      bias_initializer: serializeInit(this.biasInitializer),
      depthwise_regularizer: this.depthwiseRegularizer?.serialize() ?? null,
      bias_regularizer: this.biasRegularizer?.serialize() ?? null,
      activity_regularizer: null,
      depthwise_constraint: null,
      bias_constraint: null,
    };
  }

  static fromConfig(c: KerasConfig): DepthwiseConv2D {
    return new DepthwiseConv2D(c.kernel_size, depthwiseArgsFromConfig(c));
  }
}

/**
 * Keras's SeparableConv2D: a depthwise convolution (no bias, no activation) followed by a 1x1
 * convolution to `filters` channels with the bias and the activation.
 */
export class SeparableConv2D extends BaseDepthwiseConv {
  static className = 'SeparableConv2D';
  static positionalArgs: readonly string[] = ['filters', 'kernelSize'];
  static optionNames: OptionNames<SeparableConv2DArgs> = {
    ...DEPTHWISE_OPTIONS,
    pointwiseInitializer: true,
    pointwiseRegularizer: true,
    pointwiseConstraint: true,
  };
  readonly filters: number;
  readonly pointwiseInitializer: InitializerIdentifier;
  readonly pointwiseRegularizer: Regularizer | null;
  depthwiseKernel: Variable | null = null;
  pointwiseKernel: Variable | null = null;

  constructor(filters: number, kernelSize: number | readonly [number, number], args: SeparableConv2DArgs = {}) {
    super(kernelSize, args);
    if (!Number.isInteger(filters) || filters <= 0) {
      throw new ValueError(`${this.where}: filters must be a positive integer, got ${describeArgument(filters)}`);
    }
    this.filters = filters;
    this.pointwiseInitializer = args.pointwiseInitializer ?? 'glorot_uniform';
    getInitializer(this.pointwiseInitializer, `${this.where} pointwiseInitializer`);
    this.pointwiseRegularizer = getRegularizer(args.pointwiseRegularizer, `${this.where} pointwiseRegularizer`);
    refuseUnsupported(args, ['pointwiseConstraint'], this.where);
  }

  protected get depthwise(): Variable | null {
    return this.depthwiseKernel;
  }

  override build(shape: Shape | Shape[]): void {
    const c = singleShape(this, shape)[3] as number;
    this.depthwiseKernel = this.addDepthwiseKernel('depthwise_kernel', c);
    this.pointwiseKernel = this.addWeight(
      'pointwise_kernel',
      [1, 1, c * this.depthMultiplier, this.filters],
      this.pointwiseInitializer,
      { regularizer: this.pointwiseRegularizer },
    );
    this.addBias(this.filters);
    this.built = true;
  }

  call(inputs: LayerInput): Tensor {
    const x = singleTensor(this, inputs);
    const d = ops.depthwiseConv2d(
      x,
      this.depthwiseKernel!,
      null,
      this.strides,
      this.padding,
      'linear',
      this.dilationRate,
    );
    return this.finish(ops.conv2d(d, this.pointwiseKernel!, this.bias, [1, 1], 'valid', this.fusedActivation));
  }

  computeOutputShape(shape: Shape | Shape[]): Shape {
    const s = singleShape(this, shape);
    return [s[0], this.spatialSize(s[1], 0), this.spatialSize(s[2], 1), this.filters];
  }

  override getConfig(): Record<string, unknown> {
    const { depth_multiplier: depthMultiplier, ...geometry } = this.geometryConfig();
    return {
      ...super.getConfig(),
      depth_multiplier: depthMultiplier,
      filters: this.filters,
      ...geometry,
      depthwise_initializer: serializeInit(this.depthwiseInitializer),
      pointwise_initializer: serializeInit(this.pointwiseInitializer),
      bias_initializer: serializeInit(this.biasInitializer),
      depthwise_regularizer: this.depthwiseRegularizer?.serialize() ?? null,
      pointwise_regularizer: this.pointwiseRegularizer?.serialize() ?? null,
      bias_regularizer: this.biasRegularizer?.serialize() ?? null,
      activity_regularizer: null,
      depthwise_constraint: null,
      pointwise_constraint: null,
      bias_constraint: null,
    };
  }

  static fromConfig(c: KerasConfig): SeparableConv2D {
    return new SeparableConv2D(c.filters, c.kernel_size, {
      ...depthwiseArgsFromConfig(c),
      pointwiseInitializer: c.pointwise_initializer ?? undefined,
      pointwiseRegularizer: c.pointwise_regularizer,
      pointwiseConstraint: c.pointwise_constraint,
    });
  }
}

registerLayer('DepthwiseConv2D', DepthwiseConv2D);
registerLayer('SeparableConv2D', SeparableConv2D);
