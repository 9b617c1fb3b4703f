// Image preprocessing and augmentation layers with Keras 3's names, defaults and configs.
// Rescaling, Resizing and CenterCrop always apply (and are differentiable); the Random* layers are
// the identity when training=false (fit passes true; evaluate and predict pass false) and draw
// parameters per image from their own generator (seeded by `seed`, else forked from the global RNG
// on first use). Called directly with no `training` at all they augment, as Keras's do (their
// call signature defaults to training=True): `augment.apply(images)` shows augmented images. Inputs are NHWC batches or
// single HWC images (channels_last only). Geometric warps use data/affine.ts (Keras 3's
// ImageProjectiveTransform semantics and fill modes); they carry no gradient, as they sit at the input.
import {
  affineTransformBatch,
  FILL_MODES,
  type FillMode,
  rotationMatrix,
  type TransformMatrix,
  translationMatrix,
  zoomMatrix,
} from '../data/affine.js';
import type { Interpolation as ImageInterpolation } from '../data/resize.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import * as ops from '../ops/index.js';
import { crop2d, flip2d, resize2d } from '../ops/image.js';
import { RandomGenerator, getRng } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { channelsLastOnly } from './args.js';
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
import { type OptionNames, checkBoolean, checkInt, checkNumber, describeArgument } from '../options.js';

type Range = [number, number];
export type Interpolation = 'bilinear' | 'nearest';
/** Resizing also takes TF's 'bicubic' and 'area': the one image-geometry module's interpolation type. */
export type ResizeInterpolation = ImageInterpolation;

function checkInterpolation(v: unknown, where: string): Interpolation {
  if (v !== 'bilinear' && v !== 'nearest')
    throw new ValueError(`${where}: interpolation must be 'bilinear' or 'nearest', got ${JSON.stringify(v)}`);
  return v;
}

function checkFillMode(v: unknown, where: string): FillMode {
  if (!FILL_MODES.includes(v as FillMode)) {
    throw new ValueError(
      `${where}: fillMode must be one of ${FILL_MODES.map((m) => `'${m}'`).join(', ')}, got ${JSON.stringify(v)}`,
    );
  }
  return v as FillMode;
}

/** Common args of the image layers read from a Keras config (a channels_first file is refused, not misread). */
function imageArgs(c: KerasConfig): ImageLayerArgs {
  return { ...baseArgsFromConfig(c), dataFormat: c.data_format ?? undefined, seed: c.seed ?? null };
}

/** A factor given as a number f (→ [−f, f], or [f, f] with `symmetric` false) or a [lo, hi] pair. */
function factorRange(
  f: number | readonly number[],
  where: string,
  bounds: Range = [-Infinity, Infinity],
  symmetric = true,
): Range {
  const r: unknown[] =
    typeof f === 'number' ? (symmetric ? [-Math.abs(f), Math.abs(f)] : [f, f]) : Array.isArray(f) ? [...f] : [f];
  if (
    r.length !== 2 ||
    !r.every((v): v is number => typeof v === 'number' && Number.isFinite(v)) ||
    r[0] > r[1] ||
    r[0] < bounds[0] ||
    r[1] > bounds[1]
  ) {
    throw new ValueError(
      `${where}: expected a number or a [lower, upper] pair with lower ≤ ` +
        `upper${Number.isFinite(bounds[0]) ? ` within [${bounds[0]}, ${bounds[1]}]` : ''}, got ${describeArgument(f)}`,
    );
  }
  return [r[0], r[1]];
}

function sizeArg(v: number, what: string, where: string): number {
  if (!Number.isInteger(v) || v <= 0)
    throw new ValueError(`${where}: ${what} must be a positive integer, got ${describeArgument(v)}`);
  return v;
}

export interface ImageLayerArgs extends LayerArgs {
  dataFormat?: 'channels_last';
  seed?: number | null;
}

const IMAGE_OPTIONS: OptionNames<ImageLayerArgs> = { ...LAYER_OPTIONS, dataFormat: true, seed: true };

/** Shared by the image layers: rank 3/4 inputs, a single image treated as a batch of one. */
abstract class ImageLayer extends Layer {
  constructor(args: ImageLayerArgs = {}) {
    super(args);
    channelsLastOnly(args.dataFormat, `${this.className} '${this.name}'`);
  }

  protected override checkInputShape(shape: Shape | Shape[]): void {
    const s = singleShape(this, shape);
    if (s.length !== 3 && s.length !== 4) {
      throw new ShapeError(
        `${this.className} '${this.name}': expected images of shape (batch, height, width, channels) or (height, ` +
          `width, channels), got ${fmtShape(s)}`,
      );
    }
  }

  /** Output size (height, width) for an input size; the identity for most layers. */
  protected outputSize(h: number | null, w: number | null): [number | null, number | null] {
    return [h, w];
  }

  computeOutputShape(shape: Shape | Shape[]): Shape {
    const s = [...singleShape(this, shape)];
    this.checkInputShape(s);
    const a = s.length - 3;
    [s[a], s[a + 1]] = this.outputSize(s[a], s[a + 1]);
    return s;
  }

  /** The transform on an NHWC float batch. */
  protected abstract transform(x: Tensor, training: boolean): Tensor;

  /** Whether the layer does anything for this call (the random layers are idle outside training). */
  protected active(training: boolean): boolean {
    return training || !this.randomOnly;
  }
  protected get randomOnly(): boolean {
    return false;
  }
  /** `training` when the caller gives none: Keras's call-signature default (True for the Random* layers). */
  protected get trainingDefault(): boolean {
    return false;
  }

  call(inputs: LayerInput, args: CallArgs): Tensor {
    let x = singleTensor(this, inputs);
    this.checkInputShape(x.shape);
    const training = args.training ?? this.trainingDefault;
    if (!this.active(training)) return x;
    if (x.dtype !== 'float32') x = ops.cast(x, 'float32');
    if (x.rank === 4) return this.transform(x, training);
    const y = this.transform(ops.reshape(x, [1, ...x.shape]), training);
    return ops.reshape(y, y.shape.slice(1));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), data_format: 'channels_last' };
  }
}

/** Base of the Random* layers: identity when training is false, per-layer generator. */
abstract class RandomImageLayer extends ImageLayer {
  readonly seed: number | null;
  private _rng: RandomGenerator | null = null;
  constructor(args: ImageLayerArgs = {}) {
    super(args);
    checkInt(args.seed ?? undefined, `${this.className} '${this.name}' seed`);
    this.seed = args.seed ?? null;
  }
  protected override get randomOnly(): boolean {
    return true;
  }
  protected override get trainingDefault(): boolean {
    return true;
  }
  protected get rng(): RandomGenerator {
    if (!this._rng) this._rng = this.seed !== null ? new RandomGenerator(this.seed) : getRng().fork();
    return this._rng;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), seed: this.seed };
  }
}

// ------------------------------------------------------------------ always applied

export interface RescalingArgs extends LayerArgs {
  offset?: number | readonly number[];
}

/** x·scale + offset (any input rank; per-channel arrays broadcast over the last axis). */
export class Rescaling extends Layer {
  static className = 'Rescaling';
  static positionalArgs: readonly string[] = ['scale'];
  static optionNames: OptionNames<RescalingArgs> = { ...LAYER_OPTIONS, offset: true };
  readonly scale: number | readonly number[];
  readonly offset: number | readonly number[];
  constructor(scale: number | readonly number[], args: RescalingArgs = {}) {
    super(args);
    const ok = (v: unknown) =>
      (typeof v === 'number' && Number.isFinite(v)) || (Array.isArray(v) && v.every((e) => typeof e === 'number'));
    if (!ok(scale))
      throw new ValueError(
        `Rescaling '${this.name}': scale must be a number or an array of numbers, got ${describeArgument(scale)}`,
      );
    this.scale = scale;
    this.offset = args.offset ?? 0;
    if (!ok(this.offset))
      throw new ValueError(
        `Rescaling '${this.name}': offset must be a number or an array of numbers, got ${describeArgument(args.offset)}`,
      );
  }
  private static asOperand(v: number | readonly number[]): number | Tensor {
    return typeof v === 'number' ? v : new Tensor(Float32Array.from(v), [v.length]);
  }
  call(inputs: LayerInput, _args: CallArgs): Tensor {
    let x = singleTensor(this, inputs);
    if (x.dtype !== 'float32') x = ops.cast(x, 'float32');
    let y = ops.mul(x, Rescaling.asOperand(this.scale));
    if (this.offset !== 0) y = ops.add(y, Rescaling.asOperand(this.offset));
    return y;
  }
  computeOutputShape(shape: Shape | Shape[]): Shape {
    return singleShape(this, shape);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), scale: this.scale, offset: this.offset };
  }
  static fromConfig(c: KerasConfig): Rescaling {
    return new Rescaling(c.scale, { ...baseArgsFromConfig(c), offset: c.offset ?? 0 });
  }
}

/** Largest centred window of the target aspect ratio (Keras's crop_to_aspect_ratio). */
function aspectCrop(h: number, w: number, th: number, tw: number): [number, number, number, number] {
  const ch = Math.max(Math.min(h, Math.floor((w * th) / tw)), 1);
  const cw = Math.max(Math.min(w, Math.floor((h * tw) / th)), 1);
  return [Math.floor((h - ch) / 2), Math.floor((w - cw) / 2), ch, cw];
}

/** Resizes NHWC x to th × tw, optionally centre-cropping to the target aspect ratio first. */
function resizeTo(x: Tensor, th: number, tw: number, method: ResizeInterpolation, cropToAspectRatio: boolean): Tensor {
  let v = x;
  if (cropToAspectRatio) {
    const [top, left, ch, cw] = aspectCrop(x.shape[1], x.shape[2], th, tw);
    if (ch !== x.shape[1] || cw !== x.shape[2]) v = crop2d(x, top, left, ch, cw);
  }
  return resize2d(v, th, tw, method);
}

export interface ResizingArgs extends ImageLayerArgs {
  interpolation?: ResizeInterpolation;
  cropToAspectRatio?: boolean;
  padToAspectRatio?: boolean;
  fillMode?: 'constant';
  fillValue?: number;
}

/** Resizes images to height × width (bilinear by default; half-pixel centres as tf.image.resize). */
export class Resizing extends ImageLayer {
  static className = 'Resizing';
  static positionalArgs: readonly string[] = ['height', 'width'];
  static optionNames: OptionNames<ResizingArgs> = {
    ...IMAGE_OPTIONS,
    interpolation: true,
    cropToAspectRatio: true,
    padToAspectRatio: true,
    fillMode: true,
    fillValue: true,
  };
  readonly height: number;
  readonly width: number;
  readonly interpolation: ResizeInterpolation;
  readonly cropToAspectRatio: boolean;
  readonly padToAspectRatio: boolean;
  readonly fillValue: number;
  constructor(height: number, width: number, args: ResizingArgs = {}) {
    super(args);
    const where = `Resizing '${this.name}'`;
    this.height = sizeArg(height, 'height', where);
    this.width = sizeArg(width, 'width', where);
    const interp = args.interpolation ?? 'bilinear';
    if (!['bilinear', 'nearest', 'bicubic', 'area'].includes(interp)) {
      throw new ValueError(
        `${where}: interpolation must be 'bilinear', 'nearest', 'bicubic' or 'area', got ` +
          `${JSON.stringify(args.interpolation)}`,
      );
    }
    this.interpolation = interp;
    checkBoolean(args.cropToAspectRatio, `${where} cropToAspectRatio`);
    checkBoolean(args.padToAspectRatio, `${where} padToAspectRatio`);
    this.cropToAspectRatio = args.cropToAspectRatio ?? false;
    this.padToAspectRatio = args.padToAspectRatio ?? false;
    if (this.cropToAspectRatio && this.padToAspectRatio)
      throw new ValueError(`${where}: cropToAspectRatio and padToAspectRatio cannot both be true`);
    if ((args.fillMode ?? 'constant') !== 'constant')
      throw new ValueError(`${where}: fillMode must be 'constant', got ${JSON.stringify(args.fillMode)}`);
    checkNumber(args.fillValue, `${where} fillValue`);
    this.fillValue = args.fillValue ?? 0;
  }
  protected override outputSize(): [number, number] {
    return [this.height, this.width];
  }
  protected transform(x: Tensor): Tensor {
    if (!this.padToAspectRatio) return resizeTo(x, this.height, this.width, this.interpolation, this.cropToAspectRatio);
    // Pad (with fillValue) to the target aspect ratio, image centred, then resize.
    const [, h, w] = x.shape;
    const ph = Math.max(h, Math.floor((w * this.height) / this.width));
    const pw = Math.max(w, Math.floor((h * this.width) / this.height));
    const top = Math.floor((ph - h) / 2),
      left = Math.floor((pw - w) / 2);
    let v = x;
    if (ph !== h || pw !== w) {
      v = ops.pad2d(this.fillValue ? ops.sub(x, this.fillValue) : x, top, ph - h - top, left, pw - w - left);
      if (this.fillValue) v = ops.add(v, this.fillValue);
    }
    return resizeTo(v, this.height, this.width, this.interpolation, false);
  }
  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      height: this.height,
      width: this.width,
      interpolation: this.interpolation,
      crop_to_aspect_ratio: this.cropToAspectRatio,
      pad_to_aspect_ratio: this.padToAspectRatio,
      fill_mode: 'constant',
      fill_value: this.fillValue,
    };
  }
  static fromConfig(c: KerasConfig): Resizing {
    return new Resizing(c.height, c.width, {
      ...imageArgs(c),
      interpolation: c.interpolation ?? 'bilinear',
      cropToAspectRatio: c.crop_to_aspect_ratio ?? false,
      padToAspectRatio: c.pad_to_aspect_ratio ?? false,
      fillValue: c.fill_value ?? 0,
    });
  }
}

/** The centred height × width window; images smaller than that are resized (aspect-ratio crop) instead. */
export class CenterCrop extends ImageLayer {
  static className = 'CenterCrop';
  static positionalArgs: readonly string[] = ['height', 'width'];
  static optionNames: OptionNames<ImageLayerArgs> = IMAGE_OPTIONS;
  readonly height: number;
  readonly width: number;
  constructor(height: number, width: number, args: ImageLayerArgs = {}) {
    super(args);
    this.height = sizeArg(height, 'height', `CenterCrop '${this.name}'`);
    this.width = sizeArg(width, 'width', `CenterCrop '${this.name}'`);
  }
  protected override outputSize(): [number, number] {
    return [this.height, this.width];
  }
  protected transform(x: Tensor): Tensor {
    const [, h, w] = x.shape;
    if (h < this.height || w < this.width) return resizeTo(x, this.height, this.width, 'bilinear', true);
    return crop2d(x, Math.floor((h - this.height) / 2), Math.floor((w - this.width) / 2), this.height, this.width);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), height: this.height, width: this.width };
  }
  static fromConfig(c: KerasConfig): CenterCrop {
    return new CenterCrop(c.height, c.width, imageArgs(c));
  }
}

// ------------------------------------------------------------------ random, training only

/**
 * A random height × width window per image when training (and the image is large enough);
 * otherwise (inference, or smaller images) a plain resize to height × width, as Keras 3.
 * Keras 3 draws one offset per batch; convkit draws one per image (Keras's stated intent).
 */
export class RandomCrop extends RandomImageLayer {
  static className = 'RandomCrop';
  static positionalArgs: readonly string[] = ['height', 'width'];
  static optionNames: OptionNames<ImageLayerArgs> = IMAGE_OPTIONS;
  readonly height: number;
  readonly width: number;
  constructor(height: number, width: number, args: ImageLayerArgs = {}) {
    super(args);
    this.height = sizeArg(height, 'height', `RandomCrop '${this.name}'`);
    this.width = sizeArg(width, 'width', `RandomCrop '${this.name}'`);
  }
  protected override get randomOnly(): boolean {
    return false;
  } // resizes at inference
  protected override outputSize(): [number, number] {
    return [this.height, this.width];
  }
  protected transform(x: Tensor, training: boolean): Tensor {
    const [n, h, w] = x.shape;
    // Keras 3: at inference (or for a too-small input) the largest centred window of the target
    // aspect ratio is resized to the target size.
    if (!training || h < this.height || w < this.width) return resizeTo(x, this.height, this.width, 'bilinear', true);
    const crops: Tensor[] = [];
    for (let b = 0; b < n; b++) {
      const top = this.rng.int(h - this.height + 1),
        left = this.rng.int(w - this.width + 1);
      crops.push(crop2d(n === 1 ? x : ops.sliceRows(x, b, b + 1), top, left, this.height, this.width));
    }
    return crops.length === 1 ? crops[0] : ops.concat(crops, 0);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), height: this.height, width: this.width };
  }
  static fromConfig(c: KerasConfig): RandomCrop {
    return new RandomCrop(c.height, c.width, imageArgs(c));
  }
}

export type FlipMode = 'horizontal' | 'vertical' | 'horizontal_and_vertical';

/** Flips each image left-right and/or upside-down, each with probability 1/2. */
export class RandomFlip extends RandomImageLayer {
  static className = 'RandomFlip';
  static positionalArgs: readonly string[] = ['mode'];
  static optionNames: OptionNames<ImageLayerArgs> = IMAGE_OPTIONS;
  readonly mode: FlipMode;
  constructor(mode: FlipMode = 'horizontal_and_vertical', args: ImageLayerArgs = {}) {
    super(args);
    if (mode !== 'horizontal' && mode !== 'vertical' && mode !== 'horizontal_and_vertical') {
      throw new ValueError(
        `RandomFlip '${this.name}': mode must be 'horizontal', 'vertical' or 'horizontal_and_vertical', got ` +
          `${JSON.stringify(mode)}`,
      );
    }
    this.mode = mode;
  }
  protected transform(x: Tensor): Tensor {
    const n = x.shape[0];
    const hz = this.mode !== 'vertical',
      vt = this.mode !== 'horizontal';
    const hf: boolean[] = [],
      vf: boolean[] = [];
    for (let b = 0; b < n; b++) {
      hf.push(hz && this.rng.random() < 0.5);
      vf.push(vt && this.rng.random() < 0.5);
    }
    return flip2d(x, hf, vf);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), mode: this.mode };
  }
  static fromConfig(c: KerasConfig): RandomFlip {
    return new RandomFlip(c.mode ?? 'horizontal_and_vertical', imageArgs(c));
  }
}

export interface WarpArgs extends ImageLayerArgs {
  fillMode?: FillMode;
  interpolation?: Interpolation;
  fillValue?: number;
}

const WARP_OPTIONS: OptionNames<WarpArgs> = { ...IMAGE_OPTIONS, fillMode: true, interpolation: true, fillValue: true };

/** Random affine warps: one output→input matrix per image, sampled with the fill mode. */
abstract class RandomWarp extends RandomImageLayer {
  readonly fillMode: FillMode;
  readonly interpolation: Interpolation;
  readonly fillValue: number;
  constructor(args: WarpArgs) {
    super(args);
    const where = `${this.className} '${this.name}'`;
    this.fillMode = checkFillMode(args.fillMode ?? 'reflect', where);
    this.interpolation = checkInterpolation(args.interpolation ?? 'bilinear', where);
    checkNumber(args.fillValue, `${where} fillValue`);
    this.fillValue = args.fillValue ?? 0;
  }
  protected abstract matrix(h: number, w: number): TransformMatrix;
  protected transform(x: Tensor): Tensor {
    const [n, h, w, c] = x.shape;
    const ms: TransformMatrix[] = [];
    for (let b = 0; b < n; b++) ms.push(this.matrix(h, w));
    const out = affineTransformBatch(x.data as Float32Array, n, h, w, c, ms, {
      fillMode: this.fillMode,
      fillValue: this.fillValue,
      interpolation: this.interpolation,
    });
    return new Tensor(out, x.shape);
  }
  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      fill_mode: this.fillMode,
      interpolation: this.interpolation,
      fill_value: this.fillValue,
    };
  }
  protected static warpArgs(c: KerasConfig): WarpArgs {
    return {
      ...imageArgs(c),
      fillMode: c.fill_mode ?? 'reflect',
      interpolation: c.interpolation ?? 'bilinear',
      fillValue: c.fill_value ?? 0,
    };
  }
}

/** Rotates each image by an angle drawn from factor·2π (a number f means [−f, f]). */
export class RandomRotation extends RandomWarp {
  static className = 'RandomRotation';
  static positionalArgs: readonly string[] = ['factor'];
  static optionNames: OptionNames<WarpArgs> = WARP_OPTIONS;
  readonly factor: number | readonly number[];
  readonly range: Range;
  /** The angle (radians) of each image of the last call, for inspection and tests. */
  lastAngles: number[] = [];
  constructor(factor: number | readonly number[], args: WarpArgs = {}) {
    super(args);
    this.factor = factor;
    this.range = factorRange(factor, `RandomRotation '${this.name}': factor`);
  }
  protected override transform(x: Tensor): Tensor {
    this.lastAngles = [];
    return super.transform(x);
  }
  protected matrix(h: number, w: number): TransformMatrix {
    const angle = this.rng.uniform(this.range[0], this.range[1]) * 2 * Math.PI;
    this.lastAngles.push(angle);
    return rotationMatrix(angle, h, w);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), factor: this.factor };
  }
  static fromConfig(c: KerasConfig): RandomRotation {
    return new RandomRotation(c.factor, RandomWarp.warpArgs(c));
  }
}

/**
 * Zooms each image about its centre: zoom = 1 + U(range); positive factors zoom out (Keras 3).
 * widthFactor null keeps the aspect ratio (the height zoom is used for both axes).
 */
export class RandomZoom extends RandomWarp {
  static className = 'RandomZoom';
  static positionalArgs: readonly string[] = ['heightFactor', 'widthFactor'];
  static optionNames: OptionNames<WarpArgs> = WARP_OPTIONS;
  readonly heightFactor: number | readonly number[];
  readonly widthFactor: number | readonly number[] | null;
  private readonly hRange: Range;
  private readonly wRange: Range | null;
  /** [zoomY, zoomX] of each image of the last call. */
  lastZooms: [number, number][] = [];
  constructor(
    heightFactor: number | readonly number[],
    widthFactor: number | readonly number[] | null = null,
    args: WarpArgs = {},
  ) {
    super(args);
    this.heightFactor = heightFactor;
    this.widthFactor = widthFactor;
    this.hRange = factorRange(heightFactor, `RandomZoom '${this.name}': heightFactor`, [-1, Infinity]);
    this.wRange =
      widthFactor === null ? null : factorRange(widthFactor, `RandomZoom '${this.name}': widthFactor`, [-1, Infinity]);
  }
  protected override transform(x: Tensor): Tensor {
    this.lastZooms = [];
    return super.transform(x);
  }
  protected matrix(h: number, w: number): TransformMatrix {
    const zy = 1 + this.rng.uniform(this.hRange[0], this.hRange[1]);
    const zx = this.wRange ? 1 + this.rng.uniform(this.wRange[0], this.wRange[1]) : zy;
    this.lastZooms.push([zy, zx]);
    return zoomMatrix(zx, zy, h, w);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), height_factor: this.heightFactor, width_factor: this.widthFactor };
  }
  static fromConfig(c: KerasConfig): RandomZoom {
    return new RandomZoom(c.height_factor, c.width_factor ?? null, RandomWarp.warpArgs(c));
  }
}

/** Shifts each image by U(range)·size pixels along each axis (content moves right/down for positive draws). */
export class RandomTranslation extends RandomWarp {
  static className = 'RandomTranslation';
  static positionalArgs: readonly string[] = ['heightFactor', 'widthFactor'];
  static optionNames: OptionNames<WarpArgs> = WARP_OPTIONS;
  readonly heightFactor: number | readonly number[];
  readonly widthFactor: number | readonly number[];
  private readonly hRange: Range;
  private readonly wRange: Range;
  /** [dy, dx] (pixels) of each image of the last call. */
  lastShifts: [number, number][] = [];
  constructor(heightFactor: number | readonly number[], widthFactor: number | readonly number[], args: WarpArgs = {}) {
    super(args);
    this.heightFactor = heightFactor;
    this.widthFactor = widthFactor;
    this.hRange = factorRange(heightFactor, `RandomTranslation '${this.name}': heightFactor`, [-1, 1]);
    this.wRange = factorRange(widthFactor, `RandomTranslation '${this.name}': widthFactor`, [-1, 1]);
  }
  protected override transform(x: Tensor): Tensor {
    this.lastShifts = [];
    return super.transform(x);
  }
  protected matrix(h: number, w: number): TransformMatrix {
    const dy = this.rng.uniform(this.hRange[0], this.hRange[1]) * h;
    const dx = this.rng.uniform(this.wRange[0], this.wRange[1]) * w;
    this.lastShifts.push([dy, dx]);
    return translationMatrix(dx, dy);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), height_factor: this.heightFactor, width_factor: this.widthFactor };
  }
  static fromConfig(c: KerasConfig): RandomTranslation {
    return new RandomTranslation(c.height_factor, c.width_factor, RandomWarp.warpArgs(c));
  }
}

export interface ValueRangeArgs extends ImageLayerArgs {
  valueRange?: readonly [number, number];
}

function checkValueRange(v: readonly number[] | undefined, where: string): Range {
  const r = v ?? [0, 255];
  if (!Array.isArray(r) || r.length !== 2 || !r.every((e) => typeof e === 'number') || !(r[0] < r[1]))
    throw new ValueError(`${where}: valueRange must be [low, high] with low < high, got ${describeArgument(v)}`);
  return [r[0], r[1]];
}

/** (x − mean_HW)·c + mean_HW per image and channel, c ~ U(1 − lower, 1 + upper), clipped to valueRange. */
export class RandomContrast extends RandomImageLayer {
  static className = 'RandomContrast';
  static positionalArgs: readonly string[] = ['factor'];
  static optionNames: OptionNames<ValueRangeArgs> = { ...IMAGE_OPTIONS, valueRange: true };
  readonly factor: number | readonly number[];
  readonly valueRange: Range;
  private readonly bounds: Range;
  /** The contrast factor of each image of the last call. */
  lastFactors: number[] = [];
  constructor(factor: number | readonly number[], args: ValueRangeArgs = {}) {
    super(args);
    this.factor = factor;
    // Keras: a number f or a pair (lower, upper) gives c ~ U(1 − lower, 1 + upper); no negatives, lower ≤ 1.
    const pair: unknown[] =
      typeof factor === 'number' ? [factor, factor] : Array.isArray(factor) ? [...factor] : [factor];
    if (
      pair.length !== 2 ||
      !pair.every((v): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0) ||
      pair[0] > 1
    ) {
      throw new ValueError(
        `RandomContrast '${this.name}': factor must be a number or a [lower, upper] pair, non-negative with lower ≤ ` +
          `1, got ${describeArgument(factor)}`,
      );
    }
    this.bounds = [1 - pair[0], 1 + pair[1]];
    this.valueRange = checkValueRange(args.valueRange, `RandomContrast '${this.name}'`);
  }
  protected transform(x: Tensor): Tensor {
    const n = x.shape[0];
    const f = new Float32Array(n);
    for (let b = 0; b < n; b++) f[b] = this.rng.uniform(this.bounds[0], this.bounds[1]);
    this.lastFactors = [...f];
    const mean = ops.mean(x, [1, 2], true);
    const y = ops.add(ops.mul(ops.sub(x, mean), new Tensor(f, [n, 1, 1, 1])), mean);
    return ops.clip(y, this.valueRange[0], this.valueRange[1]);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), factor: this.factor, value_range: [...this.valueRange] };
  }
  static fromConfig(c: KerasConfig): RandomContrast {
    return new RandomContrast(c.factor, { ...imageArgs(c), valueRange: c.value_range ?? [0, 255] });
  }
}

/** Adds U(range)·(high − low) to every pixel of an image (one draw per image), clipped to valueRange. */
export class RandomBrightness extends RandomImageLayer {
  static className = 'RandomBrightness';
  static positionalArgs: readonly string[] = ['factor'];
  static optionNames: OptionNames<ValueRangeArgs> = { ...IMAGE_OPTIONS, valueRange: true };
  readonly factor: number | readonly number[];
  readonly valueRange: Range;
  private readonly range: Range;
  /** The delta added to each image of the last call. */
  lastDeltas: number[] = [];
  constructor(factor: number | readonly number[], args: ValueRangeArgs = {}) {
    super(args);
    this.factor = factor;
    this.range = factorRange(factor, `RandomBrightness '${this.name}': factor`, [-1, 1]);
    this.valueRange = checkValueRange(args.valueRange, `RandomBrightness '${this.name}'`);
  }
  protected transform(x: Tensor): Tensor {
    const n = x.shape[0];
    const span = this.valueRange[1] - this.valueRange[0];
    const d = new Float32Array(n);
    for (let b = 0; b < n; b++) d[b] = this.rng.uniform(this.range[0], this.range[1]) * span;
    this.lastDeltas = [...d];
    return ops.clip(ops.add(x, new Tensor(d, [n, 1, 1, 1])), this.valueRange[0], this.valueRange[1]);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), factor: this.factor, value_range: [...this.valueRange] };
  }
  static fromConfig(c: KerasConfig): RandomBrightness {
    return new RandomBrightness(c.factor, { ...imageArgs(c), valueRange: c.value_range ?? [0, 255] });
  }
}

for (const cls of [
  Rescaling,
  Resizing,
  CenterCrop,
  RandomCrop,
  RandomFlip,
  RandomRotation,
  RandomZoom,
  RandomTranslation,
  RandomContrast,
  RandomBrightness,
]) {
  registerLayer(cls.className, cls);
}
