// Softmax, log-softmax and the fused softmax cross-entropy over the last axis.
import { getBackend } from '../backend/index.js';
import { record } from '../autograd/tape.js';
import { ShapeError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { floatData } from './util.js';

function rowsCols(x: Tensor): [number, number] {
  const cols = x.shape[x.rank - 1] ?? 1;
  return [x.size / Math.max(cols, 1), cols];
}

/**
 * The logits behind each softmax output, so that cross-entropy on probabilities can be computed
 * from logits (stable, and one fused kernel), as Keras's TF backend does.
 */
export const softmaxLogits = new WeakMap<Tensor, Tensor>();

/** Softmax over the last axis. */
export function softmax(x: Tensor): Tensor {
  const [rows, cols] = rowsCols(x);
  const be = getBackend();
  const yd = be.softmax(floatData(x), rows, cols);
  const y = new Tensor(yd, x.shape);
  // dx = y ⊙ (dy − Σ dy⊙y)
  record(y, 'softmax', [x], (dy) => [new Tensor(be.softmaxBackward(yd, floatData(dy), rows, cols), x.shape)]);
  softmaxLogits.set(y, x);
  return y;
}

export function logSoftmax(x: Tensor): Tensor {
  const [rows, cols] = rowsCols(x);
  const be = getBackend();
  const yd = be.logSoftmax(floatData(x), rows, cols);
  const y = new Tensor(yd, x.shape);
  // dx = dy − exp(y)·Σ dy
  return record(y, 'logSoftmax', [x], (dy) => [
    new Tensor(be.logSoftmaxBackward(yd, floatData(dy), rows, cols), x.shape),
  ]);
}

/** Per-example −Σ labels·log_softmax(logits) over the last axis; shape = logits.shape[:-1]. */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor): Tensor {
  if (logits.shape.join(',') !== labels.shape.join(',')) {
    throw new ShapeError(
      `softmaxCrossEntropy: labels shape [${labels.shape.join(', ')}] differs from logits shape [${logits.shape.join(', ')}]`,
    );
  }
  const [rows, cols] = rowsCols(logits);
  const be = getBackend();
  const ld = floatData(logits),
    yd = floatData(labels);
  const loss = new Tensor(be.softmaxCrossEntropy(ld, yd, rows, cols), logits.shape.slice(0, -1));
  return record(loss, 'softmaxCrossEntropy', [logits, labels], (dy, needs) => [
    needs[0]
      ? new Tensor(be.softmaxCrossEntropyBackward(ld, yd, dy.data as Float32Array, rows, cols), logits.shape)
      : null,
    // d/dlabels = −log_softmax(logits)·dy
    needs[1]
      ? new Tensor(
          be.binary(
            'mul',
            be.unary('neg', be.logSoftmax(ld, rows, cols)),
            logits.shape,
            dy.data as Float32Array,
            [...logits.shape.slice(0, -1), 1],
            logits.shape,
          ),
          labels.shape,
        )
      : null,
  ]);
}
