// Weight initializers with Keras's names, defaults and serialisation.
import { ValueError } from '../errors.js';
import { Tensor, sizeOf } from '../tensor/tensor.js';
import { RandomGenerator, getRng } from '../tensor/random.js';
import type { KerasConfig } from '../keras_config.js';

export abstract class Initializer {
  abstract readonly className: string;
  abstract generate(shape: readonly number[]): Tensor;
  getConfig(): Record<string, unknown> {
    return {};
  }
  /** Keras 3 serialisation: {module, class_name, config, registered_name}. */
  serialize(): Record<string, unknown> {
    return {
      module: 'keras.initializers',
      class_name: this.className,
      config: this.getConfig(),
      registered_name: null,
    };
  }
}

/** Keras fans: 2D (in, out); conv kernels (..., in, out) scaled by the receptive field. */
export function computeFans(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  if (shape.length === 2) return [shape[0], shape[1]];
  const receptive = sizeOf(shape.slice(0, -2));
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

function rngFor(seed: number | null | undefined): RandomGenerator {
  return seed === null || seed === undefined ? getRng() : new RandomGenerator(seed);
}

export class Zeros extends Initializer {
  readonly className = 'Zeros';
  generate(shape: readonly number[]): Tensor {
    return new Tensor(new Float32Array(sizeOf(shape)), shape);
  }
}

export class Ones extends Initializer {
  readonly className = 'Ones';
  generate(shape: readonly number[]): Tensor {
    return new Tensor(new Float32Array(sizeOf(shape)).fill(1), shape);
  }
}

export class Constant extends Initializer {
  readonly className = 'Constant';
  constructor(readonly value = 0) {
    super();
  }
  generate(shape: readonly number[]): Tensor {
    return new Tensor(new Float32Array(sizeOf(shape)).fill(this.value), shape);
  }
  override getConfig() {
    return { value: this.value };
  }
}

export class RandomUniform extends Initializer {
  readonly className = 'RandomUniform';
  constructor(
    readonly minval = -0.05,
    readonly maxval = 0.05,
    readonly seed: number | null = null,
  ) {
    super();
  }
  generate(shape: readonly number[]): Tensor {
    const rng = rngFor(this.seed);
    const d = new Float32Array(sizeOf(shape));
    for (let i = 0; i < d.length; i++) d[i] = rng.uniform(this.minval, this.maxval);
    return new Tensor(d, shape);
  }
  override getConfig() {
    return { minval: this.minval, maxval: this.maxval, seed: this.seed };
  }
}

export class RandomNormal extends Initializer {
  readonly className = 'RandomNormal';
  constructor(
    readonly mean = 0,
    readonly stddev = 0.05,
    readonly seed: number | null = null,
  ) {
    super();
  }
  generate(shape: readonly number[]): Tensor {
    const rng = rngFor(this.seed);
    const d = new Float32Array(sizeOf(shape));
    for (let i = 0; i < d.length; i++) d[i] = rng.normal(this.mean, this.stddev);
    return new Tensor(d, shape);
  }
  override getConfig() {
    return { mean: this.mean, stddev: this.stddev, seed: this.seed };
  }
}

export type FanMode = 'fan_in' | 'fan_out' | 'fan_avg';
export type Distribution = 'truncated_normal' | 'untruncated_normal' | 'uniform';

export class VarianceScaling extends Initializer {
  className = 'VarianceScaling';
  constructor(
    readonly scale = 1,
    readonly mode: FanMode = 'fan_in',
    readonly distribution: Distribution = 'truncated_normal',
    readonly seed: number | null = null,
  ) {
    super();
  }
  generate(shape: readonly number[]): Tensor {
    const [fanIn, fanOut] = computeFans(shape);
    const n = this.mode === 'fan_in' ? fanIn : this.mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2;
    const s = this.scale / Math.max(1, n);
    const rng = rngFor(this.seed);
    const d = new Float32Array(sizeOf(shape));
    if (this.distribution === 'uniform') {
      const limit = Math.sqrt(3 * s);
      for (let i = 0; i < d.length; i++) d[i] = rng.uniform(-limit, limit);
    } else if (this.distribution === 'untruncated_normal') {
      const std = Math.sqrt(s);
      for (let i = 0; i < d.length; i++) d[i] = rng.normal(0, std);
    } else {
      // Truncated at two standard deviations; the constant corrects the variance lost by truncation.
      const std = Math.sqrt(s) / 0.87962566103423978;
      for (let i = 0; i < d.length; i++) {
        let v: number;
        do v = rng.normal(0, 1);
        while (Math.abs(v) > 2);
        d[i] = v * std;
      }
    }
    return new Tensor(d, shape);
  }
  override getConfig(): Record<string, unknown> {
    return { scale: this.scale, mode: this.mode, distribution: this.distribution, seed: this.seed };
  }
}

class NamedVarianceScaling extends VarianceScaling {
  override getConfig(): Record<string, unknown> {
    return { seed: this.seed };
  }
}
export class GlorotUniform extends NamedVarianceScaling {
  constructor(seed: number | null = null) {
    super(1, 'fan_avg', 'uniform', seed);
    this.className = 'GlorotUniform';
  }
}
export class GlorotNormal extends NamedVarianceScaling {
  constructor(seed: number | null = null) {
    super(1, 'fan_avg', 'truncated_normal', seed);
    this.className = 'GlorotNormal';
  }
}
export class HeNormal extends NamedVarianceScaling {
  constructor(seed: number | null = null) {
    super(2, 'fan_in', 'truncated_normal', seed);
    this.className = 'HeNormal';
  }
}
export class HeUniform extends NamedVarianceScaling {
  constructor(seed: number | null = null) {
    super(2, 'fan_in', 'uniform', seed);
    this.className = 'HeUniform';
  }
}
export class LecunNormal extends NamedVarianceScaling {
  constructor(seed: number | null = null) {
    super(1, 'fan_in', 'truncated_normal', seed);
    this.className = 'LecunNormal';
  }
}

export type InitializerIdentifier = string | Initializer | { class_name: string; config?: Record<string, unknown> };

const byName: Record<string, (c: KerasConfig) => Initializer> = {
  zeros: () => new Zeros(),
  ones: () => new Ones(),
  constant: (c) => new Constant(c.value ?? 0),
  random_uniform: (c) => new RandomUniform(c.minval ?? -0.05, c.maxval ?? 0.05, c.seed ?? null),
  random_normal: (c) => new RandomNormal(c.mean ?? 0, c.stddev ?? 0.05, c.seed ?? null),
  variance_scaling: (c) =>
    new VarianceScaling(c.scale ?? 1, c.mode ?? 'fan_in', c.distribution ?? 'truncated_normal', c.seed ?? null),
  glorot_uniform: (c) => new GlorotUniform(c.seed ?? null),
  glorot_normal: (c) => new GlorotNormal(c.seed ?? null),
  he_normal: (c) => new HeNormal(c.seed ?? null),
  he_uniform: (c) => new HeUniform(c.seed ?? null),
  lecun_normal: (c) => new LecunNormal(c.seed ?? null),
};

function normalizeName(name: string): string {
  // Accept 'glorot_uniform', 'GlorotUniform', 'glorotUniform'.
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** Resolves a Keras initializer identifier (string, object, or serialised config). */
export function getInitializer(id: InitializerIdentifier, argName = 'initializer'): Initializer {
  if (id instanceof Initializer) return id;
  if (typeof id === 'string') {
    const f = byName[normalizeName(id)];
    if (!f)
      throw new ValueError(
        `${argName}: unknown initializer '${id}'; expected one of ${Object.keys(byName).join(', ')}`,
      );
    return f({});
  }
  if (id && typeof id === 'object' && typeof id.class_name === 'string') {
    const f = byName[normalizeName(id.class_name)];
    if (!f) throw new ValueError(`${argName}: unknown initializer class '${id.class_name}'`);
    return f(id.config ?? {});
  }
  throw new ValueError(`${argName}: expected an initializer name or object, got ${JSON.stringify(id)}`);
}
