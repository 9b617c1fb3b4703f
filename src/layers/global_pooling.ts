// Global pooling over the spatial axes: GlobalAveragePooling2D/GlobalMaxPooling2D for images and
// the 1D forms for sequences (channels_last by default; keepdims keeps the pooled axes with size 1).
// Windowed pooling is in pooling.ts.
import { ShapeError, fmtShape } from '../errors.js';
import * as ops from '../ops/index.js';
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
import type { KerasConfig } from '../keras_config.js';
import { type DataFormat, dataFormatOf } from './args.js';
import { type OptionNames, checkBoolean } from '../options.js';

export interface GlobalPoolingArgs extends LayerArgs {
  dataFormat?: DataFormat;
  keepdims?: boolean;
}

const GLOBAL_POOLING_OPTIONS: OptionNames<GlobalPoolingArgs> = { ...LAYER_OPTIONS, dataFormat: true, keepdims: true };

abstract class GlobalPooling extends Layer {
  readonly dataFormat: DataFormat;
  readonly keepdims: boolean;
  /** Number of pooled (spatial or time) axes. */
  protected abstract readonly spatialRank: number;

  constructor(args: GlobalPoolingArgs = {}) {
    super(args);
    this.dataFormat = dataFormatOf(args.dataFormat, `${this.className} '${this.name}'`);
    checkBoolean(args.keepdims, `${this.className} '${this.name}' keepdims`);
    this.keepdims = args.keepdims ?? false;
  }

  protected get axes(): number[] {
    const first = this.dataFormat === 'channels_last' ? 1 : 2;
    return Array.from({ length: this.spatialRank }, (_, i) => first + i);
  }

  protected override checkInputShape(shape: Shape | Shape[]): void {
    const s = singleShape(this, shape);
    if (s.length !== this.spatialRank + 2) {
      const want =
        this.spatialRank === 1 ? '3D input (batch, steps, features)' : '4D input (batch, height, width, channels)';
      throw new ShapeError(`${this.className} '${this.name}': expected a ${want}, got shape ${fmtShape(s)}`);
    }
  }

  computeOutputShape(shape: Shape | Shape[]): Shape {
    const s = singleShape(this, shape);
    this.checkInputShape(s);
    const axes = this.axes;
    return this.keepdims ? s.map((d, i) => (axes.includes(i) ? 1 : d)) : s.filter((_, i) => !axes.includes(i));
  }

  protected abstract reduce(x: Tensor): Tensor;

  call(inputs: LayerInput, _args: CallArgs): Tensor {
    const x = singleTensor(this, inputs);
    this.checkInputShape(x.shape);
    return this.reduce(x);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), data_format: this.dataFormat, keepdims: this.keepdims };
  }

  protected static argsFromConfig(c: KerasConfig): GlobalPoolingArgs {
    return { ...baseArgsFromConfig(c), dataFormat: c.data_format ?? 'channels_last', keepdims: c.keepdims ?? false };
  }
}

export class GlobalAveragePooling2D extends GlobalPooling {
  static className = 'GlobalAveragePooling2D';
  static optionNames: OptionNames<GlobalPoolingArgs> = GLOBAL_POOLING_OPTIONS;
  protected readonly spatialRank = 2;
  protected reduce(x: Tensor): Tensor {
    return ops.mean(x, this.axes, this.keepdims);
  }
  static fromConfig(c: KerasConfig): GlobalAveragePooling2D {
    return new GlobalAveragePooling2D(GlobalPooling.argsFromConfig(c));
  }
}

export class GlobalMaxPooling2D extends GlobalPooling {
  static className = 'GlobalMaxPooling2D';
  static optionNames: OptionNames<GlobalPoolingArgs> = GLOBAL_POOLING_OPTIONS;
  protected readonly spatialRank = 2;
  protected reduce(x: Tensor): Tensor {
    return ops.max(x, this.axes, this.keepdims);
  }
  static fromConfig(c: KerasConfig): GlobalMaxPooling2D {
    return new GlobalMaxPooling2D(GlobalPooling.argsFromConfig(c));
  }
}

export class GlobalAveragePooling1D extends GlobalPooling {
  static className = 'GlobalAveragePooling1D';
  static optionNames: OptionNames<GlobalPoolingArgs> = GLOBAL_POOLING_OPTIONS;
  protected readonly spatialRank = 1;
  protected reduce(x: Tensor): Tensor {
    return ops.mean(x, this.axes, this.keepdims);
  }
  static fromConfig(c: KerasConfig): GlobalAveragePooling1D {
    return new GlobalAveragePooling1D(GlobalPooling.argsFromConfig(c));
  }
}

export class GlobalMaxPooling1D extends GlobalPooling {
  static className = 'GlobalMaxPooling1D';
  static optionNames: OptionNames<GlobalPoolingArgs> = GLOBAL_POOLING_OPTIONS;
  protected readonly spatialRank = 1;
  protected reduce(x: Tensor): Tensor {
    return ops.max(x, this.axes, this.keepdims);
  }
  static fromConfig(c: KerasConfig): GlobalMaxPooling1D {
    return new GlobalMaxPooling1D(GlobalPooling.argsFromConfig(c));
  }
}

registerLayer('GlobalAveragePooling2D', GlobalAveragePooling2D);
registerLayer('GlobalMaxPooling2D', GlobalMaxPooling2D);
registerLayer('GlobalAveragePooling1D', GlobalAveragePooling1D);
registerLayer('GlobalMaxPooling1D', GlobalMaxPooling1D);
// Keras 2 aliases found in older model files.
registerLayer('GlobalAvgPool2D', GlobalAveragePooling2D);
registerLayer('GlobalMaxPool2D', GlobalMaxPooling2D);
registerLayer('GlobalAvgPool1D', GlobalAveragePooling1D);
registerLayer('GlobalMaxPool1D', GlobalMaxPooling1D);
