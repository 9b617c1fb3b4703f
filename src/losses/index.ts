// Losses by Keras name. Each returns per-sample values (shape [batch]); the trainer reduces them
// with Keras's sum_over_batch_size. Cross-entropies on softmax/sigmoid outputs use the logits
// behind them (stable and fused), as Keras's TensorFlow backend does.
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import * as ops from '../ops/index.js';
import { sigmoidLogits } from '../ops/elementwise.js';
import { softmaxLogits } from '../ops/softmax.js';
import { Tensor } from '../tensor/tensor.js';
import { didYouMean } from '../utils/suggest.js';

export const EPSILON = 1e-7;
export type LossFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

function checkSameShape(name: string, yTrue: Tensor, yPred: Tensor, hint = ''): void {
  if (yTrue.shape.join(',') !== yPred.shape.join(',')) {
    throw new ShapeError(
      `${name}: targets of shape ${fmtShape(yTrue.shape)} do not match predictions of shape ` +
        `${fmtShape(yPred.shape)}${hint}`,
    );
  }
}

/** Targets of shape [batch] or [batch, 1] against [batch, classes]: class indices, not one-hot rows. */
function integerLabelsHint(yTrue: Tensor, yPred: Tensor): string {
  const classes = yPred.shape[yPred.rank - 1];
  const batchOnly = yTrue.rank === 1 || (yTrue.rank === 2 && yTrue.shape[1] === 1);
  if (yPred.rank !== 2 || classes < 2 || !batchOnly || yTrue.shape[0] !== yPred.shape[0]) return '';
  return (
    `; the targets look like integer class labels: one-hot encode them with utils.toCategorical(y, ${classes}) ` +
    "or use loss 'sparse_categorical_crossentropy'"
  );
}

function lastAxisMean(x: Tensor): Tensor {
  return x.rank <= 1 ? x : ops.mean(x, -1);
}

export function categoricalCrossentropy(yTrue: Tensor, yPred: Tensor, fromLogits = false): Tensor {
  checkSameShape('categorical_crossentropy', yTrue, yPred, integerLabelsHint(yTrue, yPred));
  const labels = yTrue.dtype === 'float32' ? yTrue : ops.cast(yTrue, 'float32');
  const logits = fromLogits ? yPred : softmaxLogits.get(yPred);
  if (logits) return ops.softmaxCrossEntropy(logits, labels);
  // Probabilities from elsewhere: renormalise, clip, −Σ y·log p (Keras's generic path).
  const p = ops.clip(ops.div(yPred, ops.sum(yPred, -1, true)), EPSILON, 1 - EPSILON);
  return ops.neg(ops.sum(ops.mul(labels, ops.log(p)), -1));
}

function oneHot(labels: Tensor, numClasses: number, where: string): Tensor {
  const n = labels.size;
  const out = new Float32Array(n * numClasses);
  for (let i = 0; i < n; i++) {
    const c = labels.data[i];
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
      throw new ValueError(`${where}: label ${c} at index ${i} is out of range [0, ${numClasses})`);
    }
    out[i * numClasses + c] = 1;
  }
  return new Tensor(out, [n, numClasses]);
}

export function sparseCategoricalCrossentropy(yTrue: Tensor, yPred: Tensor, fromLogits = false): Tensor {
  let labels = yTrue;
  if (labels.rank === yPred.rank && labels.shape[labels.rank - 1] === 1)
    labels = ops.reshape(labels, labels.shape.slice(0, -1));
  if (labels.shape.join(',') !== yPred.shape.slice(0, -1).join(',')) {
    if (yTrue.shape.join(',') === yPred.shape.join(',') && yPred.shape[yPred.rank - 1] > 1) {
      throw new ShapeError(
        `sparse_categorical_crossentropy: the targets have the predictions' shape ${fmtShape(yPred.shape)}, so ` +
          'they look one-hot encoded; this loss wants integer class labels of shape [batch]: use loss ' +
          "'categorical_crossentropy' with one-hot targets, or pass the labels before toCategorical",
      );
    }
    throw new ShapeError(
      `sparse_categorical_crossentropy: integer targets of shape ${fmtShape(yTrue.shape)} do not match predictions ` +
        `of shape ${fmtShape(yPred.shape)}`,
    );
  }
  const classes = yPred.shape[yPred.rank - 1];
  const hot = ops.reshape(oneHot(labels, classes, 'sparse_categorical_crossentropy'), yPred.shape);
  return categoricalCrossentropy(hot, yPred, fromLogits);
}

export function binaryCrossentropy(yTrue: Tensor, yPred: Tensor, fromLogits = false): Tensor {
  let y = yTrue.dtype === 'float32' ? yTrue : ops.cast(yTrue, 'float32');
  if (y.rank === yPred.rank - 1 && yPred.shape[yPred.rank - 1] === 1) y = ops.reshape(y, yPred.shape);
  checkSameShape('binary_crossentropy', y, yPred);
  const z = fromLogits ? yPred : sigmoidLogits.get(yPred);
  if (z) {
    // max(z, 0) − z·y + log(1 + exp(−|z|))
    return lastAxisMean(ops.add(ops.sub(ops.relu(z), ops.mul(z, y)), ops.softplus(ops.neg(ops.abs(z)))));
  }
  const p = ops.clip(yPred, EPSILON, 1 - EPSILON);
  const terms = ops.add(ops.mul(y, ops.log(p)), ops.mul(ops.sub(1, y), ops.log(ops.sub(1, p))));
  return lastAxisMean(ops.neg(terms));
}

export function meanSquaredError(yTrue: Tensor, yPred: Tensor): Tensor {
  const y = yTrue.dtype === 'float32' ? yTrue : ops.cast(yTrue, 'float32');
  checkSameShape('mean_squared_error', y, yPred);
  return lastAxisMean(ops.square(ops.sub(yPred, y)));
}

export function meanAbsoluteError(yTrue: Tensor, yPred: Tensor): Tensor {
  const y = yTrue.dtype === 'float32' ? yTrue : ops.cast(yTrue, 'float32');
  checkSameShape('mean_absolute_error', y, yPred);
  return lastAxisMean(ops.abs(ops.sub(yPred, y)));
}

const losses: Record<string, LossFn> = {
  categorical_crossentropy: (t, p) => categoricalCrossentropy(t, p),
  sparse_categorical_crossentropy: (t, p) => sparseCategoricalCrossentropy(t, p),
  binary_crossentropy: (t, p) => binaryCrossentropy(t, p),
  mean_squared_error: meanSquaredError,
  mse: meanSquaredError,
  mean_absolute_error: meanAbsoluteError,
  mae: meanAbsoluteError,
};

/** Resolves a Keras loss name (snake_case or camelCase) or a function. */
export function getLoss(id: string | LossFn): { name: string; fn: LossFn } {
  if (typeof id === 'function') return { name: id.name || 'loss', fn: id };
  if (typeof id === 'string') {
    const key = id.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
    const fn = losses[key];
    if (!fn)
      throw new ValueError(
        `compile: unknown loss '${id}'; expected one of ` +
          `${Object.keys(losses).join(', ')}${didYouMean(id, Object.keys(losses))}`,
      );
    return { name: key, fn };
  }
  throw new ValueError(`compile: loss must be a name or a function, got ${JSON.stringify(id)}`);
}
