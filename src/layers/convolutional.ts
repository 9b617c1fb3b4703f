// Conv2D: 2D convolution over channels-last images, kernel [kh, kw, in, out], bias and ReLU fused.
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { MemoryLimitError } from '../limits.js';
import * as ops from '../ops/index.js';
import type { Padding } from '../ops/conv.js';
import type { Tensor } from '../tensor/tensor.js';
import { type Layer, type LayerInput, type Shape, pair, registerLayer, singleShape, singleTensor } from './base.js';
import { MaxPooling2D } from './pooling.js';
import { channelsLastOnly, checkPadding } from './args.js';
import { KERNEL_OPTIONS, KernelLayer, type KernelLayerArgs, kernelArgsFromConfig } from './core.js';
import type { KerasConfig } from '../keras_config.js';
import { type OptionNames, describeValue } from '../options.js';

export interface Conv2DArgs extends KernelLayerArgs {
  strides?: number | readonly [number, number];
  padding?: Padding;
  dilationRate?: number | readonly [number, number];
  dataFormat?: 'channels_last';
}

export class Conv2D extends KernelLayer {
  static className = 'Conv2D';
  static positionalArgs: readonly string[] = ['filters', 'kernelSize'];
  static optionNames: OptionNames<Conv2DArgs> = {
    ...KERNEL_OPTIONS,
    strides: true,
    padding: true,
    dilationRate: true,
    dataFormat: true,
  };
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly dilationRate: [number, number];

  constructor(filters: number, kernelSize: number | readonly [number, number], args: Conv2DArgs = {}) {
    super(args);
    const where = `Conv2D '${this.name}'`;
    if (!Number.isInteger(filters) || filters <= 0)
      throw new ValueError(`${where}: filters must be a positive integer, got ${describeValue(filters)}`);
    this.filters = filters;
    this.kernelSize = pair(kernelSize, [3, 3], `${where} kernelSize`);
    this.strides = pair(args.strides, [1, 1], `${where} strides`);
    this.dilationRate = pair(args.dilationRate, [1, 1], `${where} dilationRate`);
    if ((this.strides[0] > 1 || this.strides[1] > 1) && (this.dilationRate[0] > 1 || this.dilationRate[1] > 1)) {
      throw new ValueError(`${where}: strides > 1 cannot be combined with dilationRate > 1 (as in Keras)`);
    }
    this.padding = checkPadding(args.padding, where);
    channelsLastOnly(args.dataFormat, where);
  }

  protected override checkInputShape(shape: Shape | Shape[]): void {
    const s = singleShape(this, shape);
    if (s.length !== 4 || s[3] === null) {
      throw new ShapeError(
        `Conv2D '${this.name}': expected an input of shape (batch, height, width, channels), got ${fmtShape(s)}`,
      );
    }
    if (this.kernel && this.kernel.shape[2] !== s[3]) {
      throw new ShapeError(
        `Conv2D '${this.name}': expected an input with ${this.kernel.shape[2]} channels, got ${fmtShape(s)}`,
      );
    }
    for (let i = 0; i < 2; i++) {
      const n = s[1 + i];
      if (n === null) continue;
      const out = ops.convOutputSize(n, this.kernelSize[i], this.strides[i], this.dilationRate[i], this.padding).out;
      if (out <= 0) {
        throw new ShapeError(
          `Conv2D '${this.name}': a ${this.kernelSize.join('x')} kernel with padding '${this.padding}' does not fit ` +
            `an input of shape ${fmtShape(s)}`,
        );
      }
    }
  }

  override build(shape: Shape | Shape[]): void {
    const s = singleShape(this, shape);
    this.buildKernel([this.kernelSize[0], this.kernelSize[1], s[3] as number, this.filters]);
  }

  call(inputs: LayerInput): Tensor {
    const x = singleTensor(this, inputs);
    return this.finish(
      ops.conv2d(x, this.kernel!, this.bias, this.strides, this.padding, this.fusedActivation, this.dilationRate),
    );
  }

  /**
   * This layer and a following MaxPooling2D as one op (ops.conv2dMaxPool), which never stores the
   * convolution's output. Null when they do not fuse: another next layer, an activation the kernel
   * does not fuse, layers not built yet, or a shape the unfused path should report.
   */
  override applyFused(inputs: LayerInput, next: Layer): Tensor | null {
    if (!(next instanceof MaxPooling2D) || !this.built || !next.built) return null;
    if (this.activation !== 'relu' && this.activation !== 'linear') return null;
    const x = singleTensor(this, inputs);
    const convShape = this.computeOutputShape(x.shape);
    if (x.rank !== 4 || x.shape[3] !== this.kernel!.shape[2] || convShape.some((d) => d !== null && d <= 0))
      return null;
    if (next.computeOutputShape(convShape).some((d) => d !== null && d <= 0)) return null;
    try {
      return ops.conv2dMaxPool(
        x,
        this.kernel!,
        this.bias,
        { strides: this.strides, padding: this.padding, dilation: this.dilationRate },
        this.fusedActivation,
        { poolSize: next.poolSize, strides: next.strides, padding: next.padding },
      );
    } catch (e) {
      if (e instanceof MemoryLimitError && !e.layer) {
        throw new MemoryLimitError(`Conv2D '${this.name}' + MaxPooling2D '${next.name}': ${e.message}`, this.name);
      }
      throw e;
    }
  }

  computeOutputShape(shape: Shape | Shape[]): Shape {
    const s = singleShape(this, shape);
    const dims = [0, 1].map((i) => {
      const n = s[1 + i];
      return n === null
        ? null
        : ops.convOutputSize(n, this.kernelSize[i], this.strides[i], this.dilationRate[i], this.padding).out;
    });
    return [s[0], dims[0], dims[1], this.filters];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernel_size: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      data_format: 'channels_last',
      dilation_rate: [...this.dilationRate],
      groups: 1,
      ...this.kernelConfig(),
      activity_regularizer: null,
    };
  }

  static fromConfig(c: KerasConfig): Conv2D {
    if (c.groups !== undefined && c.groups !== 1)
      throw new ValueError(`Conv2D '${c.name}': groups=${c.groups} is not supported (only 1)`);
    return new Conv2D(c.filters, c.kernel_size, {
      ...kernelArgsFromConfig(c),
      strides: c.strides,
      padding: c.padding,
      dilationRate: c.dilation_rate,
      dataFormat: c.data_format ?? undefined,
    });
  }
}

registerLayer('Conv2D', Conv2D);
