// Regularisation layers active only when training: SpatialDropout1D/2D/3D (drop whole feature
// maps, inverted scaling), GaussianNoise (additive N(0, stddev²)) and GaussianDropout
// (multiplicative N(1, rate/(1−rate))). Plain Dropout is in core.ts. Each layer draws from its
// own generator: seeded by `seed`, or forked from the global RNG on first use.
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import * as ops from '../ops/index.js';
import { RandomGenerator, getRng } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
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
import { type DataFormat, dataFormatOf } from './args.js';
import type { KerasConfig } from '../keras_config.js';
import { type OptionNames, checkInt, describeArgument, describeValue } from '../options.js';

export interface SeededArgs extends LayerArgs {
  seed?: number | null;
}

const SEEDED_OPTIONS: OptionNames<SeededArgs> = { ...LAYER_OPTIONS, seed: true };

abstract class RandomTrainingLayer extends Layer {
  readonly seed: number | null;
  private _rng: RandomGenerator | null = null;
  constructor(args: SeededArgs) {
    super(args);
    checkInt(args.seed ?? undefined, `${this.className} '${this.name}' seed`);
    this.seed = args.seed ?? null;
  }
  protected get rng(): RandomGenerator {
    if (!this._rng) this._rng = this.seed !== null ? new RandomGenerator(this.seed) : getRng().fork();
    return this._rng;
  }
  computeOutputShape(shape: Shape | Shape[]): Shape {
    return singleShape(this, shape);
  }
}

export interface SpatialDropoutArgs extends SeededArgs {
  dataFormat?: DataFormat;
}

const SPATIAL_DROPOUT_OPTIONS: OptionNames<SpatialDropoutArgs> = { ...SEEDED_OPTIONS, dataFormat: true };

abstract class SpatialDropout extends RandomTrainingLayer {
  abstract readonly spatialRank: number;
  readonly rate: number;
  readonly dataFormat: DataFormat;

  constructor(rate: number, args: SpatialDropoutArgs = {}) {
    super(args);
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
      throw new ValueError(`${this.className} '${this.name}': rate must be in [0, 1), got ${describeValue(rate)}`);
    }
    this.rate = rate;
    this.dataFormat = dataFormatOf(args.dataFormat, `${this.className} '${this.name}'`);
  }

  protected override checkInputShape(shape: Shape | Shape[]): void {
    const s = singleShape(this, shape);
    if (s.length !== this.spatialRank + 2) {
      throw new ShapeError(
        `${this.className} '${this.name}': expected a ${this.spatialRank + 2}D input (batch, ` +
          `${this.spatialRank === 1 ? 'steps' : 'spatial axes'}..., channels), got shape ${fmtShape(s)}`,
      );
    }
  }

  call(inputs: LayerInput, args: CallArgs): Tensor {
    const x = singleTensor(this, inputs);
    this.checkInputShape(x.shape);
    if (!args.training || this.rate === 0) return x;
    // One keep/drop draw per (image, channel); the spatial axes share it.
    const n = x.shape[0];
    const c = this.dataFormat === 'channels_last' ? x.shape[x.rank - 1] : x.shape[1];
    const maskShape = x.shape.map((d, i) =>
      i === 0 ? n : (this.dataFormat === 'channels_last' ? i === x.rank - 1 : i === 1) ? c : 1,
    );
    const keep = 1 - this.rate;
    const mask = new Float32Array(n * c);
    for (let i = 0; i < mask.length; i++) mask[i] = this.rng.random() < keep ? 1 / keep : 0;
    return ops.mul(x, new Tensor(mask, maskShape));
  }

  override getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = { ...super.getConfig(), rate: this.rate, seed: this.seed };
    if (this.spatialRank > 1) c.data_format = this.dataFormat;
    // Keras 3's SpatialDropout constructors reject a `trainable` argument.
    delete c.trainable;
    return c;
  }

  protected static spatialArgs(c: KerasConfig): SpatialDropoutArgs {
    return { ...baseArgsFromConfig(c), seed: c.seed ?? null, dataFormat: c.data_format ?? 'channels_last' };
  }
}

export class SpatialDropout1D extends SpatialDropout {
  static className = 'SpatialDropout1D';
  static positionalArgs: readonly string[] = ['rate'];
  static optionNames: OptionNames<SpatialDropoutArgs> = SPATIAL_DROPOUT_OPTIONS;
  readonly spatialRank = 1;
  static fromConfig(c: KerasConfig): SpatialDropout1D {
    return new SpatialDropout1D(c.rate, SpatialDropout.spatialArgs(c));
  }
}

export class SpatialDropout2D extends SpatialDropout {
  static className = 'SpatialDropout2D';
  static positionalArgs: readonly string[] = ['rate'];
  static optionNames: OptionNames<SpatialDropoutArgs> = SPATIAL_DROPOUT_OPTIONS;
  readonly spatialRank = 2;
  static fromConfig(c: KerasConfig): SpatialDropout2D {
    return new SpatialDropout2D(c.rate, SpatialDropout.spatialArgs(c));
  }
}

export class SpatialDropout3D extends SpatialDropout {
  static className = 'SpatialDropout3D';
  static positionalArgs: readonly string[] = ['rate'];
  static optionNames: OptionNames<SpatialDropoutArgs> = SPATIAL_DROPOUT_OPTIONS;
  readonly spatialRank = 3;
  static fromConfig(c: KerasConfig): SpatialDropout3D {
    return new SpatialDropout3D(c.rate, SpatialDropout.spatialArgs(c));
  }
}

/** Adds zero-mean Gaussian noise with standard deviation `stddev` (training only). */
export class GaussianNoise extends RandomTrainingLayer {
  static className = 'GaussianNoise';
  static positionalArgs: readonly string[] = ['stddev'];
  static optionNames: OptionNames<SeededArgs> = SEEDED_OPTIONS;
  readonly stddev: number;
  constructor(stddev: number, args: SeededArgs = {}) {
    super(args);
    if (typeof stddev !== 'number' || !(stddev >= 0))
      throw new ValueError(`GaussianNoise '${this.name}': stddev must be ≥ 0, got ${describeArgument(stddev)}`);
    this.stddev = stddev;
  }
  call(inputs: LayerInput, args: CallArgs): Tensor {
    const x = singleTensor(this, inputs);
    if (!args.training || this.stddev === 0) return x;
    const noise = new Float32Array(x.size);
    for (let i = 0; i < noise.length; i++) noise[i] = this.rng.normal(0, this.stddev);
    return ops.add(x, new Tensor(noise, x.shape));
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), stddev: this.stddev, seed: this.seed };
  }
  static fromConfig(c: KerasConfig): GaussianNoise {
    return new GaussianNoise(c.stddev, { ...baseArgsFromConfig(c), seed: c.seed ?? null });
  }
}

/** Multiplies by Gaussian noise of mean 1 and variance rate/(1−rate) (training only). */
export class GaussianDropout extends RandomTrainingLayer {
  static className = 'GaussianDropout';
  static positionalArgs: readonly string[] = ['rate'];
  static optionNames: OptionNames<SeededArgs> = SEEDED_OPTIONS;
  readonly rate: number;
  constructor(rate: number, args: SeededArgs = {}) {
    super(args);
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1))
      throw new ValueError(`GaussianDropout '${this.name}': rate must be in [0, 1), got ${describeArgument(rate)}`);
    this.rate = rate;
  }
  call(inputs: LayerInput, args: CallArgs): Tensor {
    const x = singleTensor(this, inputs);
    if (!args.training || this.rate === 0) return x;
    const std = Math.sqrt(this.rate / (1 - this.rate));
    const noise = new Float32Array(x.size);
    for (let i = 0; i < noise.length; i++) noise[i] = this.rng.normal(1, std);
    return ops.mul(x, new Tensor(noise, x.shape));
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
  static fromConfig(c: KerasConfig): GaussianDropout {
    return new GaussianDropout(c.rate, { ...baseArgsFromConfig(c), seed: c.seed ?? null });
  }
}

registerLayer('SpatialDropout1D', SpatialDropout1D);
registerLayer('SpatialDropout2D', SpatialDropout2D);
registerLayer('SpatialDropout3D', SpatialDropout3D);
registerLayer('GaussianNoise', GaussianNoise);
registerLayer('GaussianDropout', GaussianDropout);
