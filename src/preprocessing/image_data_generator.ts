// ImageDataGenerator: Keras 2's real-time augmentation generator (keras.preprocessing.image,
// kept in Keras 3 under keras._legacy). Per image: one random affine transform (rotation, shift,
// shear, zoom, about the centre, bilinear, scipy-style fill), channel shift, flips, brightness;
// then preprocessingFunction, then rescale (then the optional sample/feature-wise normalisation).
// flow() and flowFromDirectory() return the infinite iterators in iterators.ts.
import { ValueError } from '../errors.js';
import { type OptionNames, checkNumber, checkOptions } from '../options.js';
import { RandomGenerator } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { FILL_MODES, kerasAffineMatrix, type FillMode } from '../data/affine.js';
import { applyAugment, type AugmentParams } from '../data/augment.js';
import { channelsLastOnly } from '../layers/args.js';
import {
  type ClassMode,
  DirectoryIterator,
  NumpyArrayIterator,
  type FlowFromDirectoryOptions,
  type FlowOptions,
} from './iterators.js';

export interface ImageDataGeneratorOptions {
  featurewiseCenter?: boolean;
  samplewiseCenter?: boolean;
  featurewiseStdNormalization?: boolean;
  samplewiseStdNormalization?: boolean;
  /** Degrees: theta ~ U(-r, r). */
  rotationRange?: number;
  /** < 1: fraction of the width; >= 1: pixels; an array: one of its values, with a random sign. */
  widthShiftRange?: number | readonly number[];
  heightShiftRange?: number | readonly number[];
  /** [lo, hi]: brightness factor ~ U(lo, hi). */
  brightnessRange?: readonly [number, number] | null;
  /** Shear angle in degrees, ~ U(-r, r). */
  shearRange?: number;
  /** z -> [1 - z, 1 + z], or [lo, hi]; zx and zy drawn independently. */
  zoomRange?: number | readonly [number, number];
  channelShiftRange?: number;
  fillMode?: FillMode;
  cval?: number;
  horizontalFlip?: boolean;
  verticalFlip?: boolean;
  /** Multiplier applied last (e.g. 1/255). */
  rescale?: number | null;
  /** Called on each image (a float32 Tensor [h, w, c]) after the random transform, before rescale. */
  preprocessingFunction?: ((x: Tensor) => Tensor) | null;
  /** Fraction held out for subset 'validation' of flow/flowFromDirectory. */
  validationSplit?: number;
  /** 1 (bilinear, default) or 0 (nearest). */
  interpolationOrder?: 0 | 1;
  dataFormat?: 'channels_last';
}

/** One image's random parameters, with Keras's names. */
export interface TransformParameters {
  theta: number;
  tx: number;
  ty: number;
  shear: number;
  zx: number;
  zy: number;
  flipHorizontal: boolean;
  flipVertical: boolean;
  channelShiftIntensity: number | null;
  brightness: number | null;
}

function nonNeg(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw new ValueError(`ImageDataGenerator: ${name} must be a non-negative number, got ${String(v)}`);
  return v;
}

const GENERATOR_OPTIONS: OptionNames<ImageDataGeneratorOptions> = {
  featurewiseCenter: true,
  samplewiseCenter: true,
  featurewiseStdNormalization: true,
  samplewiseStdNormalization: true,
  rotationRange: true,
  widthShiftRange: true,
  heightShiftRange: true,
  brightnessRange: true,
  shearRange: true,
  zoomRange: true,
  channelShiftRange: true,
  fillMode: true,
  cval: true,
  horizontalFlip: true,
  verticalFlip: true,
  rescale: true,
  preprocessingFunction: true,
  validationSplit: true,
  interpolationOrder: true,
  dataFormat: true,
};

export class ImageDataGenerator {
  readonly featurewiseCenter: boolean;
  readonly samplewiseCenter: boolean;
  readonly featurewiseStdNormalization: boolean;
  readonly samplewiseStdNormalization: boolean;
  readonly rotationRange: number;
  readonly widthShiftRange: number | readonly number[];
  readonly heightShiftRange: number | readonly number[];
  readonly brightnessRange: readonly [number, number] | null;
  readonly shearRange: number;
  readonly zoomRange: readonly [number, number];
  readonly channelShiftRange: number;
  readonly fillMode: FillMode;
  readonly cval: number;
  readonly horizontalFlip: boolean;
  readonly verticalFlip: boolean;
  readonly rescale: number | null;
  readonly preprocessingFunction: ((x: Tensor) => Tensor) | null;
  readonly validationSplit: number;
  readonly interpolationOrder: 0 | 1;
  /** Per-channel statistics set by fit() (featurewise options). */
  mean: Float32Array | null = null;
  std: Float32Array | null = null;

  constructor(opts: ImageDataGeneratorOptions = {}) {
    checkOptions(opts, GENERATOR_OPTIONS, 'ImageDataGenerator');
    for (const k of ['rotationRange', 'shearRange', 'channelShiftRange', 'cval', 'validationSplit'] as const) {
      checkNumber(opts[k], `ImageDataGenerator ${k}`);
    }
    checkNumber(opts.rescale ?? undefined, 'ImageDataGenerator rescale');
    this.featurewiseCenter = opts.featurewiseCenter ?? false;
    this.samplewiseCenter = opts.samplewiseCenter ?? false;
    this.featurewiseStdNormalization = opts.featurewiseStdNormalization ?? false;
    this.samplewiseStdNormalization = opts.samplewiseStdNormalization ?? false;
    this.rotationRange = nonNeg(opts.rotationRange ?? 0, 'rotationRange');
    const shift = (v: number | readonly number[], name: string) => {
      if (Array.isArray(v)) {
        const values: readonly unknown[] = v;
        if (values.length === 0 || !values.every((e): e is number => typeof e === 'number' && Number.isFinite(e))) {
          throw new ValueError(`ImageDataGenerator: ${name} array must hold numbers, got ${JSON.stringify(v)}`);
        }
        return [...values];
      }
      return nonNeg(v, name);
    };
    this.widthShiftRange = shift(opts.widthShiftRange ?? 0, 'widthShiftRange');
    this.heightShiftRange = shift(opts.heightShiftRange ?? 0, 'heightShiftRange');
    const br = opts.brightnessRange ?? null;
    if (br !== null && (!Array.isArray(br) || br.length !== 2 || !br.every((v) => typeof v === 'number' && v >= 0))) {
      throw new ValueError(
        `ImageDataGenerator: brightnessRange must be [lo, hi] of non-negative numbers, got ${JSON.stringify(br)}`,
      );
    }
    this.brightnessRange = br ? [br[0], br[1]] : null;
    this.shearRange = nonNeg(opts.shearRange ?? 0, 'shearRange');
    const z = opts.zoomRange ?? 0;
    if (typeof z === 'number') {
      nonNeg(z, 'zoomRange');
      this.zoomRange = [1 - z, 1 + z];
    } else if (Array.isArray(z) && z.length === 2 && z.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      this.zoomRange = [z[0], z[1]];
    } else {
      throw new ValueError(`ImageDataGenerator: zoomRange must be a number or [lo, hi], got ${JSON.stringify(z)}`);
    }
    this.channelShiftRange = nonNeg(opts.channelShiftRange ?? 0, 'channelShiftRange');
    const fm = opts.fillMode ?? 'nearest';
    if (!FILL_MODES.includes(fm))
      throw new ValueError(
        `ImageDataGenerator: fillMode must be one of ${FILL_MODES.map((m) => `'${m}'`).join(', ')}, got ` +
          `'${String(fm)}'`,
      );
    this.fillMode = fm;
    this.cval = opts.cval ?? 0;
    this.horizontalFlip = opts.horizontalFlip ?? false;
    this.verticalFlip = opts.verticalFlip ?? false;
    this.rescale = opts.rescale ?? null;
    if (this.rescale !== null && (typeof this.rescale !== 'number' || !Number.isFinite(this.rescale)))
      throw new ValueError(`ImageDataGenerator: rescale must be a number, got ${String(this.rescale)}`);
    this.preprocessingFunction = opts.preprocessingFunction ?? null;
    if (this.preprocessingFunction !== null && typeof this.preprocessingFunction !== 'function')
      throw new ValueError('ImageDataGenerator: preprocessingFunction must be a function');
    const vs = opts.validationSplit ?? 0;
    if (!(vs >= 0 && vs < 1)) throw new ValueError(`ImageDataGenerator: validationSplit must be in [0, 1), got ${vs}`);
    this.validationSplit = vs;
    this.interpolationOrder = opts.interpolationOrder ?? 1;
    if (this.interpolationOrder !== 0 && this.interpolationOrder !== 1)
      throw new ValueError(
        `ImageDataGenerator: interpolationOrder must be 0 or 1, got ${String(this.interpolationOrder)}`,
      );
    channelsLastOnly(opts.dataFormat, 'ImageDataGenerator');
  }

  /** Whether any random transform is configured (else images pass through untouched). */
  get hasRandomTransform(): boolean {
    return (
      this.rotationRange !== 0 ||
      this.widthShiftRange !== 0 ||
      this.heightShiftRange !== 0 ||
      this.shearRange !== 0 ||
      this.zoomRange[0] !== 1 ||
      this.zoomRange[1] !== 1 ||
      this.horizontalFlip ||
      this.verticalFlip ||
      this.channelShiftRange !== 0 ||
      this.brightnessRange !== null
    );
  }

  /** Draws one image's parameters (Keras's get_random_transform, same order of draws). */
  getRandomTransform(imgShape: readonly number[], rng: RandomGenerator | number): TransformParameters {
    const r = typeof rng === 'number' ? new RandomGenerator(rng) : rng;
    const [h, w] = imgShape;
    const theta = this.rotationRange ? r.uniform(-this.rotationRange, this.rotationRange) : 0;
    const shift = (range: number | readonly number[], size: number): number => {
      if (Array.isArray(range)) {
        let v = range[r.int(range.length)] * (r.random() < 0.5 ? -1 : 1);
        if (Math.max(...range) < 1) v *= size;
        return v;
      }
      const rr = range as number;
      if (!rr) return 0;
      const v = r.uniform(-rr, rr);
      return rr < 1 ? v * size : v;
    };
    const tx = shift(this.heightShiftRange, h);
    const ty = shift(this.widthShiftRange, w);
    const shear = this.shearRange ? r.uniform(-this.shearRange, this.shearRange) : 0;
    let zx = 1,
      zy = 1;
    if (!(this.zoomRange[0] === 1 && this.zoomRange[1] === 1)) {
      zx = r.uniform(this.zoomRange[0], this.zoomRange[1]);
      zy = r.uniform(this.zoomRange[0], this.zoomRange[1]);
    }
    const flipHorizontal = this.horizontalFlip ? r.random() < 0.5 : false;
    const flipVertical = this.verticalFlip ? r.random() < 0.5 : false;
    const channelShiftIntensity = this.channelShiftRange
      ? r.uniform(-this.channelShiftRange, this.channelShiftRange)
      : null;
    const brightness = this.brightnessRange ? r.uniform(this.brightnessRange[0], this.brightnessRange[1]) : null;
    return { theta, tx, ty, shear, zx, zy, flipHorizontal, flipVertical, channelShiftIntensity, brightness };
  }

  /** The parameters in the plain form the warp (and the decoding workers) take. */
  augmentParams(p: Partial<TransformParameters>, h: number, w: number): AugmentParams {
    return {
      matrix: kerasAffineMatrix({ theta: p.theta, tx: p.tx, ty: p.ty, shear: p.shear, zx: p.zx, zy: p.zy }, h, w),
      fillMode: this.fillMode,
      cval: this.cval,
      order: this.interpolationOrder,
      channelShiftIntensity: p.channelShiftIntensity ?? null,
      flipHorizontal: p.flipHorizontal ?? false,
      flipVertical: p.flipVertical ?? false,
      brightness: p.brightness ?? null,
    };
  }

  /** Applies given parameters to one image [h, w, c] (Keras's apply_transform). */
  applyTransform(x: Tensor, params: Partial<TransformParameters>): Tensor {
    checkImage(x, 'applyTransform');
    const [h, w, c] = x.shape;
    const src = x.data instanceof Float32Array ? x.data : Float32Array.from(x.data);
    return new Tensor(applyAugment(src, h, w, c, this.augmentParams(params, h, w)), [h, w, c]);
  }

  /** A randomly transformed copy of one image [h, w, c]. */
  randomTransform(x: Tensor, seed?: number | RandomGenerator): Tensor {
    checkImage(x, 'randomTransform');
    const rng = seed === undefined ? new RandomGenerator((Math.random() * 2 ** 32) >>> 0) : seed;
    return this.applyTransform(x, this.getRandomTransform(x.shape, rng));
  }

  /**
   * preprocessingFunction, then rescale, then the sample-wise and feature-wise normalisation
   * (Keras's standardize), on one image [h, w, c] or a batch.
   */
  standardize(x: Tensor): Tensor {
    let t = x.dtype === 'float32' ? x : new Tensor(Float32Array.from(x.data), x.shape);
    if (this.preprocessingFunction) {
      const r = this.preprocessingFunction(t);
      if (!(r instanceof Tensor))
        throw new ValueError('ImageDataGenerator: preprocessingFunction must return a Tensor');
      if (r.shape.length !== t.shape.length || r.shape.some((d, i) => d !== t.shape[i])) {
        throw new ValueError(
          `ImageDataGenerator: preprocessingFunction must keep the image shape [${t.shape.join(', ')}], returned ` +
            `[${r.shape.join(', ')}]`,
        );
      }
      t = r.dtype === 'float32' ? r : new Tensor(Float32Array.from(r.data), r.shape);
    }
    const needs =
      this.rescale !== null ||
      this.samplewiseCenter ||
      this.samplewiseStdNormalization ||
      (this.featurewiseCenter && this.mean) ||
      (this.featurewiseStdNormalization && this.std);
    if (!needs) return t;
    const d = t === x || t.data === x.data ? (t.data as Float32Array).slice() : (t.data as Float32Array);
    if (this.rescale !== null) for (let i = 0; i < d.length; i++) d[i] *= this.rescale;
    if (this.samplewiseCenter || this.samplewiseStdNormalization) {
      let mean = 0;
      for (let i = 0; i < d.length; i++) mean += d[i];
      mean /= d.length || 1;
      if (this.samplewiseCenter) for (let i = 0; i < d.length; i++) d[i] -= mean;
      if (this.samplewiseStdNormalization) {
        const m = this.samplewiseCenter ? 0 : mean;
        let v = 0;
        for (let i = 0; i < d.length; i++) v += (d[i] - m) ** 2;
        const s = Math.sqrt(v / (d.length || 1)) + 1e-6;
        for (let i = 0; i < d.length; i++) d[i] /= s;
      }
    }
    const c = t.shape[t.shape.length - 1];
    if (this.featurewiseCenter && this.mean) for (let i = 0; i < d.length; i++) d[i] -= this.mean[i % c];
    if (this.featurewiseStdNormalization && this.std) for (let i = 0; i < d.length; i++) d[i] /= this.std[i % c] + 1e-6;
    return new Tensor(d, t.shape);
  }

  /** Computes the per-channel mean/std of x [n, h, w, c] for the featurewise options. */
  fit(x: Tensor): void {
    if (x.rank !== 4)
      throw new ValueError(
        `ImageDataGenerator.fit: expected x of rank 4 [n, h, w, c], got shape [${x.shape.join(', ')}]`,
      );
    const c = x.shape[3];
    const mean = new Float64Array(c),
      sq = new Float64Array(c);
    const n = x.size / c;
    for (let i = 0; i < x.size; i++) mean[i % c] += x.data[i];
    for (let k = 0; k < c; k++) mean[k] /= n;
    for (let i = 0; i < x.size; i++) sq[i % c] += (x.data[i] - mean[i % c]) ** 2;
    // Keras applies rescale to the statistics' data first.
    const s = this.rescale ?? 1;
    this.mean = Float32Array.from(mean, (v) => v * s);
    this.std = Float32Array.from(sq, (v) => Math.sqrt(v / n) * Math.abs(s));
  }

  /** Batches of augmented images from arrays: x [n, h, w, c], y [n, ...] (optional). Loops forever. */
  flow(x: Tensor, y?: null, opts?: FlowOptions): NumpyArrayIterator<Tensor>;
  flow(
    x: Tensor,
    y: Tensor,
    opts: FlowOptions & { sampleWeight: Tensor },
  ): NumpyArrayIterator<[Tensor, Tensor, Tensor]>;
  flow(x: Tensor, y: Tensor, opts?: FlowOptions): NumpyArrayIterator<[Tensor, Tensor]>;
  flow(x: Tensor, y?: Tensor | null, opts?: FlowOptions): NumpyArrayIterator;
  flow(x: Tensor, y?: Tensor | null, opts: FlowOptions = {}): NumpyArrayIterator {
    return new NumpyArrayIterator(x, y ?? null, this, opts);
  }

  /**
   * Batches of augmented images read from class subfolders of `dir` (decoded, resized and
   * transformed in worker threads). Loops forever; cardinality() = batches per epoch.
   */
  flowFromDirectory(dir: string, opts: FlowFromDirectoryOptions & { classMode: null }): DirectoryIterator<Tensor>;
  flowFromDirectory(
    dir: string,
    opts?: FlowFromDirectoryOptions & { classMode?: Exclude<ClassMode, null> },
  ): DirectoryIterator<[Tensor, Tensor]>;
  flowFromDirectory(dir: string, opts?: FlowFromDirectoryOptions): DirectoryIterator;
  flowFromDirectory(dir: string, opts: FlowFromDirectoryOptions = {}): DirectoryIterator {
    return new DirectoryIterator(dir, this, opts);
  }
}

function checkImage(x: Tensor, where: string): void {
  if (!(x instanceof Tensor) || x.rank !== 3) {
    throw new ValueError(
      `ImageDataGenerator.${where}: expected one image of shape [h, w, c], got ` +
        `${x instanceof Tensor ? `[${x.shape.join(', ')}]` : typeof x}`,
    );
  }
}
