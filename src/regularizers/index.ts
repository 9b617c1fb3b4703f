// Weight regularizers: a penalty computed from a weight and added to the training loss.
import { ValueError } from '../errors.js';
import * as ops from '../ops/index.js';
import { Tensor } from '../tensor/tensor.js';

export class Regularizer {
  readonly className: string;
  constructor(
    readonly l1 = 0,
    readonly l2 = 0,
  ) {
    if (!(l1 >= 0) || !(l2 >= 0))
      throw new ValueError(`regularizer: l1 and l2 must be non-negative, got l1=${l1}, l2=${l2}`);
    this.className = l1 && l2 ? 'L1L2' : l1 ? 'L1' : 'L2';
  }
  /** l1·Σ|w| + l2·Σw² (Keras: no ½). */
  penalty(w: Tensor): Tensor {
    let p: Tensor | null = null;
    if (this.l1) p = ops.mul(ops.sum(ops.abs(w)), this.l1);
    if (this.l2) {
      const q = ops.mul(ops.sum(ops.square(w)), this.l2);
      p = p ? ops.add(p, q) : q;
    }
    return p ?? new Tensor(new Float32Array(1), []);
  }
  getConfig(): Record<string, unknown> {
    if (this.className === 'L1') return { l1: this.l1 };
    if (this.className === 'L2') return { l2: this.l2 };
    return { l1: this.l1, l2: this.l2 };
  }
  serialize(): Record<string, unknown> {
    return {
      module: 'keras.regularizers',
      class_name: this.className,
      config: this.getConfig(),
      registered_name: null,
    };
  }
}

export function l1(l1 = 0.01): Regularizer {
  return new Regularizer(l1, 0);
}
export function l2(l2 = 0.01): Regularizer {
  return new Regularizer(0, l2);
}
export function l1l2(args: { l1?: number; l2?: number } = {}): Regularizer {
  return new Regularizer(args.l1 ?? 0.01, args.l2 ?? 0.01);
}

export type RegularizerIdentifier =
  string | Regularizer | { class_name: string; config?: Record<string, number> } | null | undefined;

export function getRegularizer(id: RegularizerIdentifier, argName = 'regularizer'): Regularizer | null {
  if (id === null || id === undefined) return null;
  if (id instanceof Regularizer) return id;
  if (typeof id === 'string') {
    const k = id.toLowerCase().replace('_', '');
    if (k === 'l1') return l1();
    if (k === 'l2') return l2();
    if (k === 'l1l2') return l1l2();
    throw new ValueError(`${argName}: unknown regularizer '${id}'; expected 'l1', 'l2' or 'l1_l2'`);
  }
  if (typeof id === 'object' && typeof id.class_name === 'string') {
    const c = id.config ?? {};
    const k = id.class_name.toLowerCase();
    if (k === 'l1') return new Regularizer(c.l1 ?? 0.01, 0);
    if (k === 'l2') return new Regularizer(0, c.l2 ?? 0.01);
    if (k === 'l1l2') return new Regularizer(c.l1 ?? 0, c.l2 ?? 0);
    throw new ValueError(`${argName}: unknown regularizer class '${id.class_name}'`);
  }
  throw new ValueError(`${argName}: expected a regularizer, got ${JSON.stringify(id)}`);
}
