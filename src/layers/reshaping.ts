// Spatial reshaping of images: ZeroPadding2D, Cropping2D and UpSampling2D (channels_last by default).
// Reshape and Flatten are in core.ts.
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import * as ops from '../ops/index.js';
import { crop2d, resize2d } from '../ops/image.js';
import { Tensor } from '../tensor/tensor.js';
import {
  type CallArgs,
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
import { type DataFormat, dataFormatOf } from './args.js';
import type { KerasConfig } from '../keras_config.js';
import { type OptionNames, describeArgument } from '../options.js';

export type Padding2D =
  number | readonly [number, number] | readonly [readonly [number, number], readonly [number, number]];

/** Normalises int | [h, w] | [[top, bottom], [left, right]] to [[t, b], [l, r]]. */
export function normalizePadding2D(
  p: Padding2D | undefined,
  fallback: number,
  where: string,
): [[number, number], [number, number]] {
  const v = p ?? fallback;
  let out: [[number, number], [number, number]] | null = null;
  if (typeof v === 'number')
    out = [
      [v, v],
      [v, v],
    ];
  else if (Array.isArray(v) && v.length === 2 && v.every((e) => typeof e === 'number')) {
    const [h, w] = v as [number, number];
    out = [
      [h, h],
      [w, w],
    ];
  } else if (Array.isArray(v) && v.length === 2 && v.every((e) => Array.isArray(e) && e.length === 2)) {
    const [[t, b], [l, r]] = v as [[number, number], [number, number]];
    out = [
      [t, b],
      [l, r],
    ];
  }
  if (!out || !out.flat().every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ValueError(
      `${where}: expected a non-negative integer, a pair [height, width] or [[top, bottom], [left, right]], got ` +
        `${describeArgument(p)}`,
    );
  }
  return out;
}

export interface ZeroPadding2DArgs extends LayerArgs {
  padding?: Padding2D;
  dataFormat?: DataFormat;
}

abstract class Spatial2D extends Layer {
  readonly dataFormat: DataFormat;
  constructor(args: LayerArgs & { dataFormat?: DataFormat }) {
    super(args);
    this.dataFormat = dataFormatOf(args.dataFormat, `${this.className} '${this.name}'`);
  }
  protected get hAxis(): number {
    return this.dataFormat === 'channels_last' ? 1 : 2;
  }
  protected override checkInputShape(shape: Shape | Shape[]): void {
    const s = singleShape(this, shape);
    if (s.length !== 4)
      throw new ShapeError(
        `${this.className} '${this.name}': expected a 4D input (batch, height, width, channels), got shape ` +
          `${fmtShape(s)}`,
      );
  }
  /** Runs f on the NHWC view of x (transposing channels_first in and out). */
  protected nhwc(x: Tensor, f: (t: Tensor) => Tensor): Tensor {
    if (this.dataFormat === 'channels_last') return f(x);
    return ops.transpose(f(ops.transpose(x, [0, 2, 3, 1])), [0, 3, 1, 2]);
  }
}

/** Adds rows and columns of zeros around each image. */
export class ZeroPadding2D extends Spatial2D {
  static className = 'ZeroPadding2D';
  static optionNames: OptionNames<ZeroPadding2DArgs> = { ...LAYER_OPTIONS, padding: true, dataFormat: true };
  readonly padding: [[number, number], [number, number]];

  constructor(args: ZeroPadding2DArgs = {}) {
    super(args);
    this.padding = normalizePadding2D(args.padding, 1, `ZeroPadding2D '${this.name}': padding`);
  }

  computeOutputShape(shape: Shape | Shape[]): Shape {
    const s = [...singleShape(this, shape)];
    this.checkInputShape(s);
    const a = this.hAxis;
    const [[t, b], [l, r]] = this.padding;
    if (s[a] !== null) s[a] = s[a] + t + b;
    if (s[a + 1] !== null) s[a + 1] = (s[a + 1] as number) + l + r;
    return s;
  }

  call(inputs: LayerInput, _args: CallArgs): Tensor {
    const x = singleTensor(this, inputs);
    this.checkInputShape(x.shape);
    const [[t, b], [l, r]] = this.padding;
    return this.nhwc(x, (v) => ops.pad2d(v, t, b, l, r));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), padding: this.padding.map((p) => [...p]), data_format: this.dataFormat };
  }
  static fromConfig(c: KerasConfig): ZeroPadding2D {
    return new ZeroPadding2D({
      ...baseArgsFromConfig(c),
      padding: c.padding ?? 1,
      dataFormat: c.data_format ?? 'channels_last',
    });
  }
}

export interface Cropping2DArgs extends LayerArgs {
  cropping?: Padding2D;
  dataFormat?: DataFormat;
}

/** Removes rows and columns at the borders of each image. */
export class Cropping2D extends Spatial2D {
  static className = 'Cropping2D';
  static optionNames: OptionNames<Cropping2DArgs> = { ...LAYER_OPTIONS, cropping: true, dataFormat: true };
  readonly cropping: [[number, number], [number, number]];

  constructor(args: Cropping2DArgs = {}) {
    super(args);
    this.cropping = normalizePadding2D(args.cropping, 0, `Cropping2D '${this.name}': cropping`);
  }

  protected override checkInputShape(shape: Shape | Shape[]): void {
    super.checkInputShape(shape);
    const s = singleShape(this, shape);
    const a = this.hAxis;
    const [[t, b], [l, r]] = this.cropping;
    if ((s[a] !== null && s[a] - t - b <= 0) || (s[a + 1] !== null && (s[a + 1] as number) - l - r <= 0)) {
      throw new ShapeError(
        `Cropping2D '${this.name}': cropping ${JSON.stringify(this.cropping)} leaves nothing of input shape ` +
          `${fmtShape(s)}`,
      );
    }
  }

  computeOutputShape(shape: Shape | Shape[]): Shape {
    const s = [...singleShape(this, shape)];
    this.checkInputShape(s);
    const a = this.hAxis;
    const [[t, b], [l, r]] = this.cropping;
    if (s[a] !== null) s[a] = s[a] - t - b;
    if (s[a + 1] !== null) s[a + 1] = (s[a + 1] as number) - l - r;
    return s;
  }

  call(inputs: LayerInput, _args: CallArgs): Tensor {
    const x = singleTensor(this, inputs);
    this.checkInputShape(x.shape);
    const [[t, b], [l, r]] = this.cropping;
    return this.nhwc(x, (v) => crop2d(v, t, l, v.shape[1] - t - b, v.shape[2] - l - r));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), cropping: this.cropping.map((p) => [...p]), data_format: this.dataFormat };
  }
  static fromConfig(c: KerasConfig): Cropping2D {
    return new Cropping2D({
      ...baseArgsFromConfig(c),
      cropping: c.cropping ?? 0,
      dataFormat: c.data_format ?? 'channels_last',
    });
  }
}

export interface UpSampling2DArgs extends LayerArgs {
  size?: number | readonly [number, number];
  dataFormat?: DataFormat;
  interpolation?: 'nearest' | 'bilinear';
}

/** Repeats rows and columns (nearest) or resizes bilinearly (TF half-pixel centres) by integer factors. */
export class UpSampling2D extends Spatial2D {
  static className = 'UpSampling2D';
  static optionNames: OptionNames<UpSampling2DArgs> = {
    ...LAYER_OPTIONS,
    size: true,
    dataFormat: true,
    interpolation: true,
  };
  readonly size: [number, number];
  readonly interpolation: 'nearest' | 'bilinear';

  constructor(args: UpSampling2DArgs = {}) {
    super(args);
    this.size = pair(args.size, [2, 2], `UpSampling2D '${this.name}': size`);
    const interp = args.interpolation ?? 'nearest';
    if (interp !== 'nearest' && interp !== 'bilinear') {
      throw new ValueError(
        `UpSampling2D '${this.name}': interpolation must be 'nearest' or 'bilinear', got ` +
          `${JSON.stringify(args.interpolation)}`,
      );
    }
    this.interpolation = interp;
  }

  computeOutputShape(shape: Shape | Shape[]): Shape {
    const s = [...singleShape(this, shape)];
    this.checkInputShape(s);
    const a = this.hAxis;
    if (s[a] !== null) s[a] = s[a] * this.size[0];
    if (s[a + 1] !== null) s[a + 1] = (s[a + 1] as number) * this.size[1];
    return s;
  }

  call(inputs: LayerInput, _args: CallArgs): Tensor {
    const x = singleTensor(this, inputs);
    this.checkInputShape(x.shape);
    // With integer factors, nearest at half-pixel centres is exactly a repeat.
    return this.nhwc(x, (v) => resize2d(v, v.shape[1] * this.size[0], v.shape[2] * this.size[1], this.interpolation));
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      size: [...this.size],
      data_format: this.dataFormat,
      interpolation: this.interpolation,
    };
  }
  static fromConfig(c: KerasConfig): UpSampling2D {
    return new UpSampling2D({
      ...baseArgsFromConfig(c),
      size: c.size ?? [2, 2],
      dataFormat: c.data_format ?? 'channels_last',
      interpolation: c.interpolation ?? 'nearest',
    });
  }
}

registerLayer('ZeroPadding2D', ZeroPadding2D);
registerLayer('UpSampling2D', UpSampling2D);
registerLayer('Cropping2D', Cropping2D);
