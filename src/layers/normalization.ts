// Normalisation layers: BatchNormalization and LayerNormalization (Keras 3 semantics).
// BatchNormalization's training mode (training=true and the layer trainable)
// normalises with the batch's mean and biased variance over every axis but `axis`, and moves the
// moving statistics: moving = moving·momentum + batch·(1−momentum). Inference mode (training
// false, or the layer frozen with trainable=false, as Keras does) uses the moving statistics.
// The moving-stat updates write the variables directly: they are not ops, so the tape never sees them.
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { type InitializerIdentifier, getInitializer } from '../initializers/index.js';
import * as ops from '../ops/index.js';
import { batchNormTrain } from '../ops/batchnorm.js';
import { type Regularizer, type RegularizerIdentifier, getRegularizer } from '../regularizers/index.js';
import { Tensor, Variable } from '../tensor/tensor.js';
import {
  type CallArgs,
  Layer,
  LAYER_OPTIONS,
  type LayerArgs,
  type LayerInput,
  type Shape,
  baseArgsFromConfig,
  registerLayer,
  singleShape,
  singleTensor,
} from './base.js';
import type { KerasConfig } from '../keras_config.js';
import { type OptionNames, checkBoolean, describeArgument } from '../options.js';

export interface BatchNormalizationArgs extends LayerArgs {
  axis?: number;
  momentum?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerIdentifier;
  gammaInitializer?: InitializerIdentifier;
  movingMeanInitializer?: InitializerIdentifier;
  movingVarianceInitializer?: InitializerIdentifier;
  betaRegularizer?: RegularizerIdentifier;
  gammaRegularizer?: RegularizerIdentifier;
}

export class BatchNormalization extends Layer {
  static className = 'BatchNormalization';
  static optionNames: OptionNames<BatchNormalizationArgs> = {
    ...LAYER_OPTIONS,
    axis: true,
    momentum: true,
    epsilon: true,
    center: true,
    scale: true,
    betaInitializer: true,
    gammaInitializer: true,
    movingMeanInitializer: true,
    movingVarianceInitializer: true,
    betaRegularizer: true,
    gammaRegularizer: true,
  };
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: InitializerIdentifier;
  readonly gammaInitializer: InitializerIdentifier;
  readonly movingMeanInitializer: InitializerIdentifier;
  readonly movingVarianceInitializer: InitializerIdentifier;
  readonly betaRegularizer: Regularizer | null;
  readonly gammaRegularizer: Regularizer | null;
  gamma: Variable | null = null;
  beta: Variable | null = null;
  movingMean!: Variable;
  movingVariance!: Variable;
  private rank = 0;

  constructor(args: BatchNormalizationArgs = {}) {
    super(args);
    const where = `BatchNormalization '${this.name}'`;
    this.axis = args.axis ?? -1;
    if (!Number.isInteger(this.axis))
      throw new ValueError(`${where}: axis must be an integer, got ${describeArgument(args.axis)}`);
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
    if (typeof this.momentum !== 'number' || !(this.momentum >= 0 && this.momentum <= 1))
      throw new ValueError(`${where}: momentum must be in [0, 1], got ${describeArgument(args.momentum)}`);
    if (typeof this.epsilon !== 'number' || !(this.epsilon > 0))
      throw new ValueError(`${where}: epsilon must be positive, got ${describeArgument(args.epsilon)}`);
    checkBoolean(args.center, `${where} center`);
    checkBoolean(args.scale, `${where} scale`);
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.betaInitializer = args.betaInitializer ?? 'zeros';
    this.gammaInitializer = args.gammaInitializer ?? 'ones';
    this.movingMeanInitializer = args.movingMeanInitializer ?? 'zeros';
    this.movingVarianceInitializer = args.movingVarianceInitializer ?? 'ones';
    for (const [k, v] of [
      ['betaInitializer', this.betaInitializer],
      ['gammaInitializer', this.gammaInitializer],
      ['movingMeanInitializer', this.movingMeanInitializer],
      ['movingVarianceInitializer', this.movingVarianceInitializer],
    ] as const) {
      getInitializer(v, `${where}: ${k}`); // fail early on unknown names
    }
    this.betaRegularizer = getRegularizer(args.betaRegularizer, `${where}: betaRegularizer`);
    this.gammaRegularizer = getRegularizer(args.gammaRegularizer, `${where}: gammaRegularizer`);
  }

  private channelAxis(rank: number): number {
    const a = this.axis < 0 ? this.axis + rank : this.axis;
    if (a < 0 || a >= rank)
      throw new ValueError(
        `BatchNormalization '${this.name}': axis ${this.axis} is out of range for inputs of rank ${rank}`,
      );
    return a;
  }

  protected override checkInputShape(shape: Shape | Shape[]): void {
    const s = singleShape(this, shape);
    if (s.length < 2)
      throw new ShapeError(
        `BatchNormalization '${this.name}': expected an input of rank ≥ 2 (batch, ..., channels), got shape ` +
          `${fmtShape(s)}`,
      );
    const a = this.channelAxis(s.length);
    const c = s[a];
    if (c === null)
      throw new ShapeError(
        `BatchNormalization '${this.name}': the normalised axis ${this.axis} must have a known size, got shape ` +
          `${fmtShape(s)}`,
      );
    if (this.built && (c !== this.movingMean.size || s.length !== this.rank)) {
      throw new ShapeError(
        `BatchNormalization '${this.name}': built for rank ${this.rank} with ${this.movingMean.size} channels on ` +
          `axis ${this.axis}, got shape ${fmtShape(s)}`,
      );
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = singleShape(this, inputShape);
    this.rank = s.length;
    const c = s[this.channelAxis(s.length)] as number;
    // Keras 3 creation order: gamma, beta, moving_mean, moving_variance.
    if (this.scale)
      this.gamma = this.addWeight('gamma', [c], this.gammaInitializer, { regularizer: this.gammaRegularizer });
    if (this.center)
      this.beta = this.addWeight('beta', [c], this.betaInitializer, { regularizer: this.betaRegularizer });
    this.movingMean = this.addWeight('moving_mean', [c], this.movingMeanInitializer, { trainable: false });
    this.movingVariance = this.addWeight('moving_variance', [c], this.movingVarianceInitializer, { trainable: false });
    this.built = true;
  }

  /** A [C] vector reshaped to broadcast against the input (C on the normalised axis). */
  private bcast(v: Tensor): Tensor {
    const a = this.channelAxis(this.rank);
    if (a === this.rank - 1) return v;
    return ops.reshape(
      v,
      Array.from({ length: this.rank }, (_, i) => (i === a ? v.size : 1)),
    );
  }

  call(inputs: LayerInput, args: CallArgs): Tensor {
    const x = singleTensor(this, inputs);
    this.checkInputShape(x.shape);
    const a = this.channelAxis(x.rank);
    if (args.training && this.trainable) {
      const { y, mean, variance } = batchNormTrain(
        x.dtype === 'float32' ? x : ops.cast(x, 'float32'),
        this.gamma,
        this.beta,
        a,
        this.epsilon,
      );
      this.updateMovingStats(mean, variance);
      return y;
    }
    // Inference: y = x·k + b with k = γ/sqrt(σ²+ε), b = β − μ·k.
    let k = ops.rsqrt(ops.add(this.movingVariance, this.epsilon));
    if (this.gamma) k = ops.mul(k, this.gamma);
    let b = ops.neg(ops.mul(this.movingMean, k));
    if (this.beta) b = ops.add(b, this.beta);
    return ops.add(ops.mul(x, this.bcast(k)), this.bcast(b));
  }

  /** Moves the moving statistics towards the batch's; plain writes, invisible to the tape. */
  private updateMovingStats(mean: Float32Array, variance: Float32Array): void {
    const m = this.momentum;
    const mm = this.movingMean.data as Float32Array,
      mv = this.movingVariance.data as Float32Array;
    for (let i = 0; i < mm.length; i++) {
      mm[i] = mm[i] * m + mean[i] * (1 - m);
      mv[i] = mv[i] * m + variance[i] * (1 - m);
    }
  }

  computeOutputShape(shape: Shape | Shape[]): Shape {
    return singleShape(this, shape);
  }

  override getConfig(): Record<string, unknown> {
    const ser = (id: InitializerIdentifier) => getInitializer(id).serialize();
    return {
      ...super.getConfig(),
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      beta_initializer: ser(this.betaInitializer),
      gamma_initializer: ser(this.gammaInitializer),
      moving_mean_initializer: ser(this.movingMeanInitializer),
      moving_variance_initializer: ser(this.movingVarianceInitializer),
      beta_regularizer: this.betaRegularizer ? this.betaRegularizer.serialize() : null,
      gamma_regularizer: this.gammaRegularizer ? this.gammaRegularizer.serialize() : null,
      beta_constraint: null,
      gamma_constraint: null,
      synchronized: false,
    };
  }

  static fromConfig(c: KerasConfig): BatchNormalization {
    // Keras 2 files may hold the axis as a one-element list.
    let axis = c.axis ?? -1;
    if (Array.isArray(axis)) {
      if (axis.length !== 1)
        throw new ValueError(
          `BatchNormalization '${c.name}': only one normalised axis is supported, got ${JSON.stringify(axis)}`,
        );
      axis = axis[0];
    }
    return new BatchNormalization({
      ...baseArgsFromConfig(c),
      axis,
      momentum: c.momentum ?? 0.99,
      epsilon: c.epsilon ?? 1e-3,
      center: c.center ?? true,
      scale: c.scale ?? true,
      betaInitializer: c.beta_initializer ?? 'zeros',
      gammaInitializer: c.gamma_initializer ?? 'ones',
      movingMeanInitializer: c.moving_mean_initializer ?? 'zeros',
      movingVarianceInitializer: c.moving_variance_initializer ?? 'ones',
      betaRegularizer: c.beta_regularizer ?? null,
      gammaRegularizer: c.gamma_regularizer ?? null,
    });
  }
}

registerLayer('BatchNormalization', BatchNormalization);

export interface LayerNormalizationArgs extends LayerArgs {
  axis?: number | readonly number[];
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerIdentifier;
  gammaInitializer?: InitializerIdentifier;
  betaRegularizer?: RegularizerIdentifier;
  gammaRegularizer?: RegularizerIdentifier;
}

/**
 * Normalises each sample over `axis` (default the last): (x − mean)/sqrt(var + ε)·γ + β. Same in
 * training and inference.
 */
export class LayerNormalization extends Layer {
  static className = 'LayerNormalization';
  static optionNames: OptionNames<LayerNormalizationArgs> = {
    ...LAYER_OPTIONS,
    axis: true,
    epsilon: true,
    center: true,
    scale: true,
    betaInitializer: true,
    gammaInitializer: true,
    betaRegularizer: true,
    gammaRegularizer: true,
  };
  readonly axis: number | readonly number[];
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: InitializerIdentifier;
  readonly gammaInitializer: InitializerIdentifier;
  readonly betaRegularizer: Regularizer | null;
  readonly gammaRegularizer: Regularizer | null;
  gamma: Variable | null = null;
  beta: Variable | null = null;
  private axes: number[] = [];
  private paramShape: number[] = [];

  constructor(args: LayerNormalizationArgs = {}) {
    super(args);
    const where = `LayerNormalization '${this.name}'`;
    this.axis = args.axis ?? -1;
    const axes = typeof this.axis === 'number' ? [this.axis] : Array.isArray(this.axis) ? this.axis : [this.axis];
    if (axes.length === 0 || !axes.every((a) => Number.isInteger(a)))
      throw new ValueError(`${where}: axis must be an integer or a list of them, got ${describeArgument(args.axis)}`);
    this.epsilon = args.epsilon ?? 1e-3;
    if (typeof this.epsilon !== 'number' || !(this.epsilon > 0))
      throw new ValueError(`${where}: epsilon must be positive, got ${describeArgument(args.epsilon)}`);
    checkBoolean(args.center, `${where} center`);
    checkBoolean(args.scale, `${where} scale`);
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.betaInitializer = args.betaInitializer ?? 'zeros';
    this.gammaInitializer = args.gammaInitializer ?? 'ones';
    getInitializer(this.betaInitializer, `${where}: betaInitializer`);
    getInitializer(this.gammaInitializer, `${where}: gammaInitializer`);
    this.betaRegularizer = getRegularizer(args.betaRegularizer, `${where}: betaRegularizer`);
    this.gammaRegularizer = getRegularizer(args.gammaRegularizer, `${where}: gammaRegularizer`);
  }

  private resolveAxes(rank: number): number[] {
    const list = typeof this.axis === 'number' ? [this.axis] : [...this.axis];
    const axes = list.map((a) => (a < 0 ? a + rank : a));
    if (axes.some((a) => !Number.isInteger(a) || a < 1 || a >= rank) || new Set(axes).size !== axes.length) {
      throw new ValueError(
        `LayerNormalization '${this.name}': axis ${JSON.stringify(this.axis)} is invalid for inputs of rank ${rank} ` +
          `(the batch axis cannot be normalised)`,
      );
    }
    return axes.sort((a, b) => a - b);
  }

  protected override checkInputShape(shape: Shape | Shape[]): void {
    const s = singleShape(this, shape);
    const axes = this.resolveAxes(s.length);
    if (axes.some((a) => s[a] === null))
      throw new ShapeError(
        `LayerNormalization '${this.name}': the normalised axes must have known sizes, got shape ${fmtShape(s)}`,
      );
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = singleShape(this, inputShape);
    this.axes = this.resolveAxes(s.length);
    const shape = this.axes.map((a) => s[a] as number);
    // Broadcast shape over the input's non-batch axes: sizes on the normalised axes, 1 elsewhere.
    this.paramShape = s.slice(1).map((d, i) => (this.axes.includes(i + 1) ? (d as number) : 1));
    if (this.scale)
      this.gamma = this.addWeight('gamma', shape, this.gammaInitializer, { regularizer: this.gammaRegularizer });
    if (this.center)
      this.beta = this.addWeight('beta', shape, this.betaInitializer, { regularizer: this.betaRegularizer });
    this.built = true;
  }

  call(inputs: LayerInput, _args: CallArgs): Tensor {
    const x = singleTensor(this, inputs);
    this.checkInputShape(x.shape);
    const mean = ops.mean(x, this.axes, true);
    const centered = ops.sub(x, mean);
    const variance = ops.mean(ops.square(centered), this.axes, true);
    let y = ops.mul(centered, ops.rsqrt(ops.add(variance, this.epsilon)));
    if (this.gamma) y = ops.mul(y, ops.reshape(this.gamma, this.paramShape));
    if (this.beta) y = ops.add(y, ops.reshape(this.beta, this.paramShape));
    return y;
  }

  computeOutputShape(shape: Shape | Shape[]): Shape {
    return singleShape(this, shape);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      axis: typeof this.axis === 'number' ? this.axis : [...this.axis],
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      rms_scaling: false,
      beta_initializer: getInitializer(this.betaInitializer).serialize(),
      gamma_initializer: getInitializer(this.gammaInitializer).serialize(),
      beta_regularizer: this.betaRegularizer ? this.betaRegularizer.serialize() : null,
      gamma_regularizer: this.gammaRegularizer ? this.gammaRegularizer.serialize() : null,
      beta_constraint: null,
      gamma_constraint: null,
    };
  }

  static fromConfig(c: KerasConfig): LayerNormalization {
    if (c.rms_scaling) throw new ValueError(`LayerNormalization '${c.name}': rms_scaling=True is not supported`);
    const axis = Array.isArray(c.axis) && c.axis.length === 1 ? c.axis[0] : (c.axis ?? -1);
    return new LayerNormalization({
      ...baseArgsFromConfig(c),
      axis,
      epsilon: c.epsilon ?? 1e-3,
      center: c.center ?? true,
      scale: c.scale ?? true,
      betaInitializer: c.beta_initializer ?? 'zeros',
      gammaInitializer: c.gamma_initializer ?? 'ones',
      betaRegularizer: c.beta_regularizer ?? null,
      gammaRegularizer: c.gamma_regularizer ?? null,
    });
  }
}

registerLayer('LayerNormalization', LayerNormalization);
