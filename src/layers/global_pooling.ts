// Global pooling over the spatial axes of images: GlobalAveragePooling2D and GlobalMaxPooling2D
// (channels_last by default; keepdims keeps the pooled axes with size 1). Windowed pooling is in pooling.ts.
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import * as ops from '../ops/index.js';
import { Tensor } from '../tensor/tensor.js';
import { type CallArgs, Layer, type LayerArgs, type LayerInput, type Shape, baseArgsFromConfig, registerLayer } from './base.js';

export type DataFormat = 'channels_last' | 'channels_first';

export function dataFormatOf(v: unknown, where: string): DataFormat {
  const f = v ?? 'channels_last';
  if (f !== 'channels_last' && f !== 'channels_first') {
    throw new ValueError(`${where}: dataFormat must be 'channels_last' or 'channels_first', got ${JSON.stringify(v)}`);
  }
  return f;
}

/** The one input shape of a single-input layer (rejects lists of several). */
export function singleShape(layer: Layer, shape: Shape | Shape[]): Shape {
  if (shape.length > 0 && Array.isArray(shape[0])) {
    if (shape.length !== 1) throw new ValueError(`${layer.className} '${layer.name}': expected one input, got ${shape.length}`);
    return shape[0] as Shape;
  }
  return shape as Shape;
}

export function singleTensor(layer: Layer, inputs: LayerInput): Tensor {
  if (Array.isArray(inputs)) {
    if (inputs.length !== 1) throw new ValueError(`${layer.className} '${layer.name}': expected one input, got ${inputs.length}`);
    return inputs[0];
  }
  return inputs;
}

export interface GlobalPoolingArgs extends LayerArgs { dataFormat?: DataFormat; keepdims?: boolean }

abstract class GlobalPooling2D extends Layer {
  readonly dataFormat: DataFormat;
  readonly keepdims: boolean;

  constructor(args: GlobalPoolingArgs = {}) {
    super(args);
    this.dataFormat = dataFormatOf(args.dataFormat, `${this.className} '${this.name}'`);
    this.keepdims = args.keepdims ?? false;
  }

  protected get axes(): [number, number] { return this.dataFormat === 'channels_last' ? [1, 2] : [2, 3]; }

  protected override checkInputShape(shape: Shape | Shape[]): void {
    const s = singleShape(this, shape);
    if (s.length !== 4) {
      throw new ShapeError(`${this.className} '${this.name}': expected a 4D input (batch, height, width, channels), got shape ${fmtShape(s)}`);
    }
  }

  computeOutputShape(shape: Shape | Shape[]): Shape {
    const s = singleShape(this, shape);
    this.checkInputShape(s);
    const [a, b] = this.axes;
    return this.keepdims ? s.map((d, i) => (i === a || i === b ? 1 : d)) : s.filter((_, i) => i !== a && i !== b);
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

  protected static argsFromConfig(c: Record<string, any>): GlobalPoolingArgs {
    return { ...baseArgsFromConfig(c), dataFormat: c.data_format ?? 'channels_last', keepdims: c.keepdims ?? false };
  }
}

export class GlobalAveragePooling2D extends GlobalPooling2D {
  static className = 'GlobalAveragePooling2D';
  protected reduce(x: Tensor): Tensor { return ops.mean(x, this.axes, this.keepdims); }
  static fromConfig(c: Record<string, any>): GlobalAveragePooling2D { return new GlobalAveragePooling2D(GlobalPooling2D.argsFromConfig(c)); }
}

export class GlobalMaxPooling2D extends GlobalPooling2D {
  static className = 'GlobalMaxPooling2D';
  protected reduce(x: Tensor): Tensor { return ops.max(x, this.axes, this.keepdims); }
  static fromConfig(c: Record<string, any>): GlobalMaxPooling2D { return new GlobalMaxPooling2D(GlobalPooling2D.argsFromConfig(c)); }
}

registerLayer('GlobalAveragePooling2D', GlobalAveragePooling2D);
registerLayer('GlobalMaxPooling2D', GlobalMaxPooling2D);
// Keras 2 aliases found in older model files.
registerLayer('GlobalAvgPool2D', GlobalAveragePooling2D);
registerLayer('GlobalMaxPool2D', GlobalMaxPooling2D);
