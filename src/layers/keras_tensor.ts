// Symbolic tensors for the functional API: a shape with an unknown batch size and a link to the
// layer call (node) that produces it. Models are graphs of nodes between KerasTensors.
import type { Layer } from './base.js';

export type SymbolicShape = readonly (number | null)[];

/** One call of a layer on symbolic inputs. */
export interface Node {
  layer: Layer;
  inputs: KerasTensor[];
  outputs: KerasTensor[];
}

export class KerasTensor {
  readonly shape: SymbolicShape;
  readonly dtype: string;
  /** The node that produced this tensor. */
  readonly node: Node | null;
  readonly index: number;
  readonly name: string;

  constructor(shape: SymbolicShape, node: Node | null, index: number, name: string, dtype = 'float32') {
    this.shape = Object.freeze([...shape]);
    this.node = node;
    this.index = index;
    this.name = name;
    this.dtype = dtype;
  }

  toString(): string {
    return `<KerasTensor shape=(${this.shape.map((d) => (d === null ? 'None' : d)).join(', ')}), name=${this.name}>`;
  }
}

export function isKerasTensor(x: unknown): x is KerasTensor {
  return x instanceof KerasTensor;
}
