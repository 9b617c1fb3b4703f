// MaxPooling2D and AveragePooling2D over channels-last images.
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import * as ops from '../ops/index.js';
import type { Padding } from '../ops/conv.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  Layer,
  LAYER_OPTIONS,
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
import type { KerasConfig } from '../keras_config.js';
import type { OptionNames } from '../options.js';

export interface Pooling2DArgs extends LayerArgs {
  strides?: number | readonly [number, number] | null;
  padding?: Padding;
  dataFormat?: 'channels_last';
}

const POOLING_OPTIONS: OptionNames<Pooling2DArgs> = {
  ...LAYER_OPTIONS,
  strides: true,
  padding: true,
  dataFormat: true,
};

abstract class Pooling2D extends Layer {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;

  constructor(poolSize: number | readonly [number, number] | undefined, args: Pooling2DArgs, requirePool: boolean) {
    super(args);
    const where = `${this.className} '${this.name}'`;
    if (requirePool && (poolSize === undefined || poolSize === null)) {
      throw new ValueError(`${where}: poolSize is required (e.g. [2, 2])`);
    }
    this.poolSize = pair(poolSize, [2, 2], `${where} poolSize`);
    this.strides = pair(args.strides ?? undefined, this.poolSize, `${where} strides`);
    this.padding = checkPadding(args.padding, where);
    channelsLastOnly(args.dataFormat, where);
  }

  protected override checkInputShape(shape: Shape | Shape[]): void {
    const s = singleShape(this, shape);
    if (s.length !== 4) {
      throw new ShapeError(
        `${this.className} '${this.name}': expected an input of shape (batch, height, width, channels), got ` +
          `${fmtShape(s)}`,
      );
    }
    const out = this.computeOutputShape(s);
    if ((out[1] !== null && out[1] <= 0) || (out[2] !== null && out[2] <= 0)) {
      throw new ShapeError(
        `${this.className} '${this.name}': a ${this.poolSize.join('x')} window with padding '${this.padding}' does ` +
          `not fit an input of shape ${fmtShape(s)}`,
      );
    }
  }

  computeOutputShape(shape: Shape | Shape[]): Shape {
    const s = singleShape(this, shape);
    const dims = [0, 1].map((i) => {
      const n = s[1 + i];
      return n === null ? null : ops.convOutputSize(n, this.poolSize[i], this.strides[i], 1, this.padding).out;
    });
    return [s[0], dims[0], dims[1], s[3]];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      pool_size: [...this.poolSize],
      padding: this.padding,
      strides: [...this.strides],
      data_format: 'channels_last',
    };
  }
}

export class MaxPooling2D extends Pooling2D {
  static className = 'MaxPooling2D';
  static positionalArgs: readonly string[] = ['poolSize'];
  static optionNames: OptionNames<Pooling2DArgs> = POOLING_OPTIONS;
  constructor(poolSize: number | readonly [number, number] = [2, 2], args: Pooling2DArgs = {}) {
    super(poolSize, args, false);
  }
  call(inputs: LayerInput): Tensor {
    return ops.maxPool2d(singleTensor(this, inputs), this.poolSize, this.strides, this.padding);
  }
  static fromConfig(c: KerasConfig): MaxPooling2D {
    return new MaxPooling2D(c.pool_size, {
      ...baseArgsFromConfig(c),
      strides: c.strides,
      padding: c.padding,
      dataFormat: c.data_format ?? undefined,
    });
  }
}

export class AveragePooling2D extends Pooling2D {
  static className = 'AveragePooling2D';
  static positionalArgs: readonly string[] = ['poolSize'];
  static optionNames: OptionNames<Pooling2DArgs> = POOLING_OPTIONS;
  /** Keras 3 requires poolSize. */
  constructor(poolSize: number | readonly [number, number], args: Pooling2DArgs = {}) {
    super(poolSize, args, true);
  }
  call(inputs: LayerInput): Tensor {
    return ops.avgPool2d(singleTensor(this, inputs), this.poolSize, this.strides, this.padding);
  }
  static fromConfig(c: KerasConfig): AveragePooling2D {
    return new AveragePooling2D(c.pool_size ?? [2, 2], {
      ...baseArgsFromConfig(c),
      strides: c.strides,
      padding: c.padding,
      dataFormat: c.data_format ?? undefined,
    });
  }
}

registerLayer('MaxPooling2D', MaxPooling2D);
registerLayer('AveragePooling2D', AveragePooling2D);
// Keras 1/2 aliases seen in old files.
registerLayer('MaxPool2D', MaxPooling2D);
registerLayer('AvgPool2D', AveragePooling2D);
