// Metrics: per-sample functions plus Keras's running-mean state, and 'accuracy' resolved the way
// Keras resolves it from the loss and the shapes.
import { ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { didYouMean } from '../utils/suggest.js';
import { getLoss } from '../losses/index.js';

export type MetricFn = (yTrue: Tensor, yPred: Tensor) => Float32Array;

export function categoricalAccuracy(yTrue: Tensor, yPred: Tensor): Float32Array {
  const cols = yPred.shape[yPred.rank - 1];
  const rows = yPred.size / cols;
  const out = new Float32Array(rows);
  const t = yTrue.data,
    p = yPred.data;
  for (let r = 0; r < rows; r++) {
    let bt = 0,
      bp = 0;
    for (let c = 1; c < cols; c++) {
      if (t[r * cols + c] > t[r * cols + bt]) bt = c;
      if (p[r * cols + c] > p[r * cols + bp]) bp = c;
    }
    out[r] = bt === bp ? 1 : 0;
  }
  return out;
}

export function sparseCategoricalAccuracy(yTrue: Tensor, yPred: Tensor): Float32Array {
  const cols = yPred.shape[yPred.rank - 1];
  const rows = yPred.size / cols;
  const out = new Float32Array(rows);
  const p = yPred.data;
  for (let r = 0; r < rows; r++) {
    let bp = 0;
    for (let c = 1; c < cols; c++) if (p[r * cols + c] > p[r * cols + bp]) bp = c;
    out[r] = yTrue.data[r] === bp ? 1 : 0;
  }
  return out;
}

export function binaryAccuracy(yTrue: Tensor, yPred: Tensor, threshold = 0.5): Float32Array {
  const n = yPred.size;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++)
    out[i] = (yPred.data[i] > threshold ? 1 : 0) === (yTrue.data[i] > threshold ? 1 : 0) ? 1 : 0;
  // Mean over the last axis per sample (Keras), here last axis of size 1 in practice.
  const cols = yPred.rank > 1 ? yPred.shape[yPred.rank - 1] : 1;
  if (cols === 1) return out;
  const rows = n / cols;
  const per = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += out[r * cols + c];
    per[r] = s / cols;
  }
  return per;
}

/** Keras's resolution of 'accuracy'/'acc' (compile_utils.get_metric). */
export function resolveAccuracy(yTrue: Tensor, yPred: Tensor): MetricFn {
  const last = yPred.shape[yPred.rank - 1];
  if (last === 1) return binaryAccuracy;
  if (yTrue.rank < yPred.rank || yTrue.shape[yTrue.rank - 1] === 1) return sparseCategoricalAccuracy;
  return categoricalAccuracy;
}

const named: Record<string, MetricFn> = {
  categorical_accuracy: categoricalAccuracy,
  sparse_categorical_accuracy: sparseCategoricalAccuracy,
  binary_accuracy: (t, p) => binaryAccuracy(t, p),
};

/** A compiled metric: a name (the key in logs) and how it is computed per sample. */
export interface CompiledMetric {
  name: string;
  fn: (yTrue: Tensor, yPred: Tensor) => Float32Array;
}

export function getMetric(id: string | MetricFn): CompiledMetric {
  if (typeof id === 'function') return { name: id.name || 'metric', fn: id };
  if (typeof id !== 'string')
    throw new ValueError(`compile: metrics must hold names or functions, got ${JSON.stringify(id)}`);
  if (id === 'accuracy' || id === 'acc') return { name: id, fn: (t, p) => resolveAccuracy(t, p)(t, p) };
  const key = id.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  if (named[key]) return { name: id, fn: named[key] };
  try {
    const loss = getLoss(id);
    return { name: id, fn: (t, p) => loss.fn(t, p).data as Float32Array };
  } catch {
    const all = [
      'accuracy',
      'acc',
      ...Object.keys(named),
      'mse',
      'mae',
      'binary_crossentropy',
      'categorical_crossentropy',
    ];
    throw new ValueError(`compile: unknown metric '${id}'; expected one of ${all.join(', ')}${didYouMean(id, all)}`);
  }
}

/** Keras's Mean: a weighted running mean. */
export class Mean {
  private total = 0;
  private count = 0;
  constructor(readonly name: string) {}
  update(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) this.total += values[i];
    this.count += values.length;
  }
  updateWeighted(value: number, weight: number): void {
    this.total += value * weight;
    this.count += weight;
  }
  result(): number {
    return this.count === 0 ? 0 : this.total / this.count;
  }
  reset(): void {
    this.total = 0;
    this.count = 0;
  }
}
