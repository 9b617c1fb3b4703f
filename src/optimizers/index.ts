// Optimizers with Keras 3's defaults, update rules, variables and configs. The update itself is
// one fused backend kernel per weight (rmspropUpdate, adamUpdate, sgdUpdate).
import { getBackend } from '../backend/index.js';
import { ValueError } from '../errors.js';
import { checkBoolean, checkNumber, checkOptions, describeValue } from '../options.js';
import { Tensor, Variable } from '../tensor/tensor.js';
import { didYouMean } from '../utils/suggest.js';
import { uniqueName } from '../utils/naming.js';
import type { KerasConfig } from '../keras_config.js';

export interface OptimizerArgs {
  learningRate?: number;
  clipnorm?: number | null;
  clipvalue?: number | null;
  globalClipnorm?: number | null;
  name?: string;
}

const COMMON_NAMES = ['learningRate', 'clipnorm', 'clipvalue', 'globalClipnorm', 'name'];

export abstract class Optimizer {
  abstract readonly className: string;
  learningRate: number;
  /** Number of updates applied so far (Keras `iterations`). */
  iterations = 0;
  readonly name: string;
  readonly clipnorm: number | null;
  readonly clipvalue: number | null;
  readonly globalClipnorm: number | null;
  /** Slot variables per weight, created on the first update. */
  protected slots = new Map<Variable, Variable[]>();
  /** Weights in the order their slots were built (Keras orders optimizer variables this way). */
  protected built: Variable[] = [];

  /** `ownNames`: the subclass's options beside the common ones, so unknown keys can be refused. */
  constructor(args: OptimizerArgs, defaultLr: number, defaultName: string, ownNames: readonly string[] = []) {
    if (args === null || typeof args !== 'object' || Array.isArray(args)) {
      throw new ValueError(`${defaultName}: expected an options object, got ${describeValue(args)}`);
    }
    if ('lr' in args) throw new ValueError(`${defaultName}: argument 'lr' is not recognized; use 'learningRate'`);
    // Keys left undefined are absent options (getOptimizer passes every field of a Keras config).
    const given = Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined));
    const names = Object.fromEntries([...COMMON_NAMES, ...ownNames].map((n) => [n, true] as const));
    checkOptions<Record<string, unknown>>(given, names, defaultName);
    for (const k of ['clipnorm', 'clipvalue', 'globalClipnorm']) {
      checkNumber(given[k] ?? undefined, `${defaultName} ${k}`, { min: 0 });
    }
    this.learningRate = args.learningRate ?? defaultLr;
    if (typeof this.learningRate !== 'number' || !(this.learningRate >= 0) || !Number.isFinite(this.learningRate)) {
      throw new ValueError(
        `${defaultName}: learningRate must be a non-negative number, got ${describeValue(args.learningRate)}`,
      );
    }
    this.clipnorm = args.clipnorm ?? null;
    this.clipvalue = args.clipvalue ?? null;
    this.globalClipnorm = args.globalClipnorm ?? null;
    this.name = args.name ?? uniqueName(defaultName);
  }

  /** Names of the slot kinds, in Keras's build order (e.g. ['velocity', 'momentum']). */
  protected abstract slotNames(): string[];
  protected abstract update(w: Variable, g: Float32Array, slots: Variable[]): void;

  private slotsFor(w: Variable): Variable[] {
    let s = this.slots.get(w);
    if (!s) {
      s = this.slotNames().map(
        (n) => new Variable(new Tensor(new Float32Array(w.size), w.shape), `${w.name}_${n}`, false),
      );
      this.slots.set(w, s);
      this.built.push(w);
    }
    return s;
  }

  /** Applies one update step to `vars` with their gradients. */
  applyGradients(grads: readonly Tensor[], vars: readonly Variable[]): void {
    if (grads.length !== vars.length)
      throw new ValueError(`${this.className}.applyGradients: ${grads.length} gradients for ${vars.length} variables`);
    let gs = grads.map((g) => g.data as Float32Array);
    gs = this.clip(gs);
    for (let i = 0; i < vars.length; i++) this.update(vars[i], gs[i], this.slotsFor(vars[i]));
    this.iterations++;
  }

  private clip(gs: Float32Array[]): Float32Array[] {
    let out = gs;
    if (this.clipvalue !== null) {
      const c = this.clipvalue;
      out = out.map((g) => g.map((v) => Math.min(c, Math.max(-c, v))));
    }
    if (this.clipnorm !== null) {
      const c = this.clipnorm;
      out = out.map((g) => {
        const n = Math.sqrt(g.reduce((s, v) => s + v * v, 0));
        return n > c ? g.map((v) => (v * c) / n) : g;
      });
    }
    if (this.globalClipnorm !== null) {
      const n = Math.sqrt(out.reduce((s, g) => s + g.reduce((t, v) => t + v * v, 0), 0));
      const c = this.globalClipnorm;
      if (n > c) out = out.map((g) => g.map((v) => (v * c) / n));
    }
    return out;
  }

  /**
   * Keras's optimizer variable list: iterations, learning_rate, then the slot variables grouped by
   * kind (all velocities, then all momentums, ...) in the order the weights were first updated.
   */
  get variables(): Variable[] {
    const it = new Variable(new Tensor(new Float32Array([this.iterations]), []), 'iteration', false);
    const lr = new Variable(new Tensor(new Float32Array([this.learningRate]), []), 'learning_rate', false);
    const kinds = this.slotNames().length;
    const slotVars: Variable[] = [];
    for (let k = 0; k < kinds; k++) for (const w of this.built) slotVars.push(this.slots.get(w)![k]);
    return [it, lr, ...slotVars];
  }

  /** Restores iterations, learning rate and slots (as written by `variables`) for these weights. */
  setVariables(values: readonly Tensor[], weights: readonly Variable[]): void {
    const kinds = this.slotNames().length;
    if (values.length !== 2 + kinds * weights.length) {
      throw new ValueError(
        `${this.className}: expected ${2 + kinds * weights.length} optimizer variables, got ${values.length}`,
      );
    }
    this.iterations = values[0].data[0];
    this.learningRate = values[1].data[0];
    weights.forEach((w) => this.slotsFor(w));
    for (let k = 0; k < kinds; k++)
      weights.forEach((w, i) => this.slots.get(w)![k].assign(values[2 + k * weights.length + i]));
  }

  getConfig(): Record<string, unknown> {
    return {
      name: this.name,
      learning_rate: this.learningRate,
      weight_decay: null,
      clipnorm: this.clipnorm,
      global_clipnorm: this.globalClipnorm,
      clipvalue: this.clipvalue,
      use_ema: false,
      ema_momentum: 0.99,
      ema_overwrite_frequency: null,
      loss_scale_factor: null,
      gradient_accumulation_steps: null,
    };
  }
}

export interface RMSpropArgs extends OptimizerArgs {
  rho?: number;
  momentum?: number;
  epsilon?: number;
  centered?: boolean;
}

export class RMSprop extends Optimizer {
  readonly className = 'RMSprop';
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;
  constructor(args: RMSpropArgs = {}) {
    super(args, 0.001, 'rmsprop', ['rho', 'momentum', 'epsilon', 'centered']);
    checkNumber(args.rho, 'rmsprop rho', { min: 0, max: 1 });
    checkNumber(args.momentum, 'rmsprop momentum', { min: 0 });
    checkNumber(args.epsilon, 'rmsprop epsilon', { min: 0 });
    checkBoolean(args.centered, 'rmsprop centered');
    this.rho = args.rho ?? 0.9;
    this.momentum = args.momentum ?? 0;
    this.epsilon = args.epsilon ?? 1e-7;
    this.centered = args.centered ?? false;
  }
  protected slotNames(): string[] {
    return ['velocity', ...(this.momentum > 0 ? ['momentum'] : []), ...(this.centered ? ['average_gradient'] : [])];
  }
  protected update(w: Variable, g: Float32Array, slots: Variable[]): void {
    const v = slots[0].data as Float32Array;
    const m = this.momentum > 0 ? (slots[1].data as Float32Array) : null;
    if (!this.centered) {
      getBackend().rmspropUpdate(
        w.data as Float32Array,
        g,
        v,
        m,
        this.learningRate,
        this.rho,
        this.momentum,
        this.epsilon,
      );
      return;
    }
    // Centered RMSprop (rare): plain loop, v − a² inside the root.
    const a = slots[slots.length - 1].data as Float32Array;
    const wd = w.data as Float32Array;
    for (let i = 0; i < wd.length; i++) {
      v[i] = this.rho * v[i] + (1 - this.rho) * g[i] * g[i];
      a[i] = this.rho * a[i] + (1 - this.rho) * g[i];
      const inc = (this.learningRate * g[i]) / Math.sqrt(v[i] - a[i] * a[i] + this.epsilon);
      if (m) {
        m[i] = this.momentum * m[i] + inc;
        wd[i] -= m[i];
      } else wd[i] -= inc;
    }
  }
  override getConfig() {
    return {
      ...super.getConfig(),
      rho: this.rho,
      momentum: this.momentum,
      epsilon: this.epsilon,
      centered: this.centered,
    };
  }
}

export interface AdamArgs extends OptimizerArgs {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  amsgrad?: boolean;
}

export class Adam extends Optimizer {
  readonly className = 'Adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  constructor(args: AdamArgs = {}) {
    super(args, 0.001, 'adam', ['beta1', 'beta2', 'epsilon', 'amsgrad']);
    checkNumber(args.beta1, 'adam beta1', { min: 0, max: 1 });
    checkNumber(args.beta2, 'adam beta2', { min: 0, max: 1 });
    checkNumber(args.epsilon, 'adam epsilon', { min: 0 });
    this.beta1 = args.beta1 ?? 0.9;
    this.beta2 = args.beta2 ?? 0.999;
    this.epsilon = args.epsilon ?? 1e-7;
    if (args.amsgrad) throw new ValueError('Adam: amsgrad is not supported');
  }
  protected slotNames(): string[] {
    return ['momentum', 'velocity'];
  }
  protected update(w: Variable, g: Float32Array, slots: Variable[]): void {
    const t = this.iterations + 1;
    const alpha = (this.learningRate * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t);
    getBackend().adamUpdate(
      w.data as Float32Array,
      g,
      slots[0].data as Float32Array,
      slots[1].data as Float32Array,
      alpha,
      this.beta1,
      this.beta2,
      this.epsilon,
    );
  }
  override getConfig() {
    return { ...super.getConfig(), beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon, amsgrad: false };
  }
}

export interface SGDArgs extends OptimizerArgs {
  momentum?: number;
  nesterov?: boolean;
}

export class SGD extends Optimizer {
  readonly className = 'SGD';
  readonly momentum: number;
  readonly nesterov: boolean;
  constructor(args: SGDArgs = {}) {
    super(args, 0.01, 'sgd', ['momentum', 'nesterov']);
    checkNumber(args.momentum, 'sgd momentum', { min: 0, max: 1 });
    checkBoolean(args.nesterov, 'sgd nesterov');
    this.momentum = args.momentum ?? 0;
    this.nesterov = args.nesterov ?? false;
    if (!(this.momentum >= 0 && this.momentum <= 1))
      throw new ValueError(`SGD: momentum must be in [0, 1], got ${this.momentum}`);
  }
  protected slotNames(): string[] {
    return this.momentum !== 0 ? ['momentum'] : [];
  }
  protected update(w: Variable, g: Float32Array, slots: Variable[]): void {
    getBackend().sgdUpdate(
      w.data as Float32Array,
      g,
      slots.length ? (slots[0].data as Float32Array) : null,
      this.learningRate,
      this.momentum,
      this.nesterov,
    );
  }
  override getConfig() {
    return { ...super.getConfig(), momentum: this.momentum, nesterov: this.nesterov };
  }
}

const optimizers: Record<string, (a: KerasConfig) => Optimizer> = {
  rmsprop: (a) => new RMSprop(a),
  adam: (a) => new Adam(a),
  sgd: (a) => new SGD(a),
};

/** Resolves 'rmsprop' | 'adam' | 'sgd' or an Optimizer, or a Keras config {class_name, config}. */
export function getOptimizer(id: string | Optimizer | { class_name: string; config?: KerasConfig }): Optimizer {
  if (id instanceof Optimizer) return id;
  if (typeof id === 'string') {
    const f = optimizers[id.toLowerCase()];
    if (!f)
      throw new ValueError(
        `compile: unknown optimizer '${id}'; expected one of ` +
          `${Object.keys(optimizers).join(', ')}${didYouMean(id, Object.keys(optimizers))}`,
      );
    return f({});
  }
  if (id && typeof id === 'object' && typeof id.class_name === 'string') {
    const f = optimizers[id.class_name.toLowerCase()];
    if (!f) throw new ValueError(`optimizer: unknown optimizer class '${id.class_name}'`);
    const c = id.config ?? {};
    return f({
      learningRate: typeof c.learning_rate === 'number' ? c.learning_rate : c.lr,
      rho: c.rho,
      momentum: c.momentum,
      epsilon: c.epsilon ?? undefined,
      centered: c.centered,
      beta1: c.beta_1,
      beta2: c.beta_2,
      nesterov: c.nesterov,
      clipnorm: c.clipnorm,
      clipvalue: c.clipvalue,
      globalClipnorm: c.global_clipnorm,
      name: c.name,
    });
  }
  throw new ValueError(
    `compile: optimizer must be a name ('rmsprop', 'adam', 'sgd') or an Optimizer, got ${JSON.stringify(id)}`,
  );
}
