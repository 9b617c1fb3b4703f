// Merge layers: take a list of tensors and combine them (Concatenate along an axis; Add, Subtract,
// Multiply, Average, Maximum, Minimum elementwise with broadcasting). Shapes include the batch axis;
// null dimensions are unknown and accepted against anything.
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import * as ops from '../ops/index.js';
import { Tensor } from '../tensor/tensor.js';
import { KerasTensor, isKerasTensor } from './keras_tensor.js';
import {
  type CallArgs,
  Layer,
  LAYER_OPTIONS,
  type LayerArgs,
  type LayerInput,
  type Shape,
  type SymbolicInput,
  baseArgsFromConfig,
  registerLayer,
} from './base.js';
import type { KerasConfig } from '../keras_config.js';
import { type OptionNames, describeArgument } from '../options.js';

function isShapeList(s: Shape | Shape[]): s is Shape[] {
  return s.length > 0 && Array.isArray(s[0]);
}

/** Shared behaviour: a list of inputs, shape checks that name the layer. */
abstract class Merge extends Layer {
  protected minInputs = 1;

  // A merge has one output: narrow the base overloads so `add.apply([a, b])` types as one tensor.
  override apply(inputs: KerasTensor, args?: CallArgs): KerasTensor;
  override apply(inputs: KerasTensor[], args?: CallArgs): KerasTensor;
  override apply(inputs: Tensor, args?: CallArgs): Tensor;
  override apply(inputs: Tensor[], args?: CallArgs): Tensor;
  override apply(inputs: SymbolicInput | LayerInput, args: CallArgs = {}): SymbolicInput | LayerInput {
    // The base class checks the inputs again (a single input or a mix of kinds is refused there).
    if (!Array.isArray(inputs)) return isKerasTensor(inputs) ? super.apply(inputs, args) : super.apply(inputs, args);
    return inputs.every(isKerasTensor) ? super.apply(inputs, args) : super.apply(inputs, args);
  }

  protected shapesOf(shape: Shape | Shape[]): Shape[] {
    if (!isShapeList(shape)) {
      throw new ValueError(
        `${this.className} '${this.name}': expected a list of inputs (apply([a, b])), got a single input of shape ` +
          `${fmtShape(shape)}`,
      );
    }
    if (shape.length < this.minInputs) {
      throw new ValueError(
        `${this.className} '${this.name}': expected at least ${this.minInputs} inputs, got ${shape.length}`,
      );
    }
    return shape;
  }

  protected tensorsOf(inputs: LayerInput): Tensor[] {
    if (!Array.isArray(inputs)) {
      throw new ValueError(
        `${this.className} '${this.name}': expected a list of inputs (apply([a, b])), got a single tensor of shape ` +
          `${fmtShape(inputs.shape)}`,
      );
    }
    return inputs;
  }
}

/** Elementwise merges: inputs broadcast against each other (same rank, dims equal or 1). */
abstract class ElementwiseMerge extends Merge {
  protected abstract merge(xs: Tensor[]): Tensor;

  protected override checkInputShape(shape: Shape | Shape[]): void {
    this.computeOutputShape(shape);
  }

  computeOutputShape(shape: Shape | Shape[]): Shape {
    const shapes = this.shapesOf(shape);
    const rank = shapes[0].length;
    const bad = () =>
      new ShapeError(
        `${this.className} '${this.name}': inputs must have the same shape (or broadcastable ones), got ` +
          `${shapes.map(fmtShape).join(', ')}`,
      );
    if (shapes.some((s) => s.length !== rank)) throw bad();
    const out: (number | null)[] = [];
    for (let i = 0; i < rank; i++) {
      let d: number | null = 1;
      let unknown = false;
      for (const s of shapes) {
        const v = s[i];
        if (v === null) {
          unknown = true;
          continue;
        }
        if (v === 1) continue;
        if (d !== 1 && d !== v) throw bad();
        d = v;
      }
      out.push(unknown && d === 1 ? null : d);
    }
    return out;
  }

  call(inputs: LayerInput, _args: CallArgs): Tensor {
    const xs = this.tensorsOf(inputs);
    this.computeOutputShape(xs.map((x) => x.shape));
    return this.merge(xs);
  }
}

export class Add extends ElementwiseMerge {
  static className = 'Add';
  static optionNames: OptionNames<LayerArgs> = LAYER_OPTIONS;
  protected merge(xs: Tensor[]): Tensor {
    return xs.slice(1).reduce((a, b) => ops.add(a, b), xs[0]);
  }
  static fromConfig(c: KerasConfig): Add {
    return new Add(baseArgsFromConfig(c));
  }
}

export class Subtract extends ElementwiseMerge {
  static className = 'Subtract';
  static optionNames: OptionNames<LayerArgs> = LAYER_OPTIONS;
  protected override minInputs = 2;
  protected merge(xs: Tensor[]): Tensor {
    if (xs.length !== 2) throw new ValueError(`Subtract '${this.name}': expected exactly 2 inputs, got ${xs.length}`);
    return ops.sub(xs[0], xs[1]);
  }
  override computeOutputShape(shape: Shape | Shape[]): Shape {
    const s = this.shapesOf(shape);
    if (s.length !== 2) throw new ValueError(`Subtract '${this.name}': expected exactly 2 inputs, got ${s.length}`);
    return super.computeOutputShape(shape);
  }
  static fromConfig(c: KerasConfig): Subtract {
    return new Subtract(baseArgsFromConfig(c));
  }
}

export class Multiply extends ElementwiseMerge {
  static className = 'Multiply';
  static optionNames: OptionNames<LayerArgs> = LAYER_OPTIONS;
  protected merge(xs: Tensor[]): Tensor {
    return xs.slice(1).reduce((a, b) => ops.mul(a, b), xs[0]);
  }
  static fromConfig(c: KerasConfig): Multiply {
    return new Multiply(baseArgsFromConfig(c));
  }
}

export class Average extends ElementwiseMerge {
  static className = 'Average';
  static optionNames: OptionNames<LayerArgs> = LAYER_OPTIONS;
  protected merge(xs: Tensor[]): Tensor {
    return ops.mul(
      xs.slice(1).reduce((a, b) => ops.add(a, b), xs[0]),
      1 / xs.length,
    );
  }
  static fromConfig(c: KerasConfig): Average {
    return new Average(baseArgsFromConfig(c));
  }
}

export class Maximum extends ElementwiseMerge {
  static className = 'Maximum';
  static optionNames: OptionNames<LayerArgs> = LAYER_OPTIONS;
  protected merge(xs: Tensor[]): Tensor {
    return xs.slice(1).reduce((a, b) => ops.maximum(a, b), xs[0]);
  }
  static fromConfig(c: KerasConfig): Maximum {
    return new Maximum(baseArgsFromConfig(c));
  }
}

export class Minimum extends ElementwiseMerge {
  static className = 'Minimum';
  static optionNames: OptionNames<LayerArgs> = LAYER_OPTIONS;
  protected merge(xs: Tensor[]): Tensor {
    return xs.slice(1).reduce((a, b) => ops.minimum(a, b), xs[0]);
  }
  static fromConfig(c: KerasConfig): Minimum {
    return new Minimum(baseArgsFromConfig(c));
  }
}

export interface ConcatenateArgs extends LayerArgs {
  axis?: number;
}

/** Concatenates along `axis` (default -1); every other dimension must agree. */
export class Concatenate extends Merge {
  static className = 'Concatenate';
  static optionNames: OptionNames<ConcatenateArgs> = { ...LAYER_OPTIONS, axis: true };
  readonly axis: number;

  constructor(args: ConcatenateArgs = {}) {
    super(args);
    this.axis = args.axis ?? -1;
    if (!Number.isInteger(this.axis))
      throw new ValueError(`Concatenate '${this.name}': axis must be an integer, got ${describeArgument(args.axis)}`);
  }

  protected override checkInputShape(shape: Shape | Shape[]): void {
    this.computeOutputShape(shape);
  }

  computeOutputShape(shape: Shape | Shape[]): Shape {
    const shapes = this.shapesOf(shape);
    const rank = shapes[0].length;
    const a = this.axis < 0 ? this.axis + rank : this.axis;
    const given = shapes.map(fmtShape).join(', ');
    if (shapes.some((s) => s.length !== rank)) {
      throw new ShapeError(`Concatenate '${this.name}': inputs must have the same rank, got ${given}`);
    }
    if (a < 0 || a >= rank)
      throw new ValueError(`Concatenate '${this.name}': axis ${this.axis} is out of range for inputs of rank ${rank}`);
    const out: (number | null)[] = [];
    for (let i = 0; i < rank; i++) {
      if (i === a) {
        out.push(shapes.some((s) => s[i] === null) ? null : shapes.reduce((t, s) => t + (s[i] as number), 0));
        continue;
      }
      const known = shapes.map((s) => s[i]).filter((d): d is number => d !== null);
      if (known.some((d) => d !== known[0])) {
        throw new ShapeError(
          `Concatenate '${this.name}': inputs must match on every axis except the concatenation axis ` +
            `(${this.axis}), got ${given}`,
        );
      }
      out.push(known.length ? known[0] : null);
    }
    return out;
  }

  call(inputs: LayerInput, _args: CallArgs): Tensor {
    const xs = this.tensorsOf(inputs);
    this.computeOutputShape(xs.map((x) => x.shape));
    return xs.length === 1 ? xs[0] : ops.concat(xs, this.axis);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis };
  }
  static fromConfig(c: KerasConfig): Concatenate {
    return new Concatenate({ ...baseArgsFromConfig(c), axis: c.axis ?? -1 });
  }
}

registerLayer('Add', Add);
registerLayer('Subtract', Subtract);
registerLayer('Multiply', Multiply);
registerLayer('Average', Average);
registerLayer('Maximum', Maximum);
registerLayer('Minimum', Minimum);
registerLayer('Concatenate', Concatenate);

// Keras's functional shortcuts: layers.add([x, residual]), layers.concatenate([a, b], {axis}), ...
function shortcut<L extends Merge>(make: (args: LayerArgs) => L) {
  function f(inputs: KerasTensor[], args?: LayerArgs): KerasTensor;
  function f(inputs: Tensor[], args?: LayerArgs): Tensor;
  function f(inputs: KerasTensor[] | Tensor[], args: LayerArgs = {}): KerasTensor | Tensor {
    return make(args).apply(inputs as KerasTensor[]);
  }
  return f;
}
export const add = shortcut((a) => new Add(a));
export const subtract = shortcut((a) => new Subtract(a));
export const multiply = shortcut((a) => new Multiply(a));
export const average = shortcut((a) => new Average(a));
export const maximum = shortcut((a) => new Maximum(a));
export const minimum = shortcut((a) => new Minimum(a));
export const concatenate: {
  (inputs: KerasTensor[], args?: ConcatenateArgs): KerasTensor;
  (inputs: Tensor[], args?: ConcatenateArgs): Tensor;
} = shortcut((a: ConcatenateArgs) => new Concatenate(a));
