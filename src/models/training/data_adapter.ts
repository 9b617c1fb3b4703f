// What fit/evaluate/predict are given, turned into batches (Keras 3's data adapters): arrays (a
// Tensor or a list of Tensors, with y and sampleWeight), async iterables such as Dataset and the
// ImageDataGenerator iterators (BatchSource), and generators. Also the checks that data fits the
// model. How many batches an epoch takes, and when, is the epoch iterator's business.
import { ShapeError, ValueError, fmtShape } from '../../errors.js';
import type { RandomGenerator } from '../../tensor/random.js';
import { Tensor, type TypedArray, arrayFor } from '../../tensor/tensor.js';
import type { Model } from '../model.js';

/** What a source yields per batch: x, [x, y] or [x, y, sampleWeight] (x may itself be a list). */
export type BatchElement = Tensor | (Tensor | Tensor[])[];

/** A source of batches (Dataset, ImageDataGenerator iterators, any async iterable). */
export interface BatchSource {
  [Symbol.asyncIterator](): AsyncIterator<BatchElement>;
  cardinality?(): number;
}

/** A generator of batches (or any iterator that is its own iterable), as Keras's fit takes one. */
export interface BatchGenerator {
  [Symbol.iterator](): Iterator<BatchElement>;
  next(): IteratorResult<BatchElement>;
  cardinality?(): number;
}

/** One batch, as the step methods receive it (Keras's `(x, y, sample_weight)`). */
export interface Batch {
  /** The inputs: a Tensor, or a list of Tensors for a model with several inputs. */
  x: Tensor | Tensor[];
  /** The targets; null where the data has none (predict). */
  y: Tensor | null;
  sampleWeight: Tensor | null;
}

/** Arrays given to fit/evaluate/predict, after checking: inputs, targets and sample weights. */
export interface ArrayData {
  xs: Tensor[];
  y: Tensor | null;
  sw: Tensor | null;
}

export function isBatchSource(x: unknown): x is BatchSource {
  return (
    typeof x === 'object' &&
    x !== null &&
    !(x instanceof Tensor) &&
    !Array.isArray(x) &&
    typeof (x as BatchSource)[Symbol.asyncIterator] === 'function'
  );
}

export function isBatchGenerator(x: unknown): x is BatchGenerator {
  return (
    typeof x === 'object' &&
    x !== null &&
    !(x instanceof Tensor) &&
    !Array.isArray(x) &&
    typeof (x as BatchGenerator)[Symbol.iterator] === 'function' &&
    typeof (x as BatchGenerator).next === 'function'
  );
}

/** Whether x is data that yields its own batches rather than arrays to be batched. */
export function isSource(x: unknown): x is BatchSource | BatchGenerator {
  return isBatchSource(x) || isBatchGenerator(x);
}

export function asList(x: Tensor | Tensor[]): Tensor[] {
  return Array.isArray(x) ? x : [x];
}

/** The inputs as a model takes them: one Tensor for one input, else the list. */
export function asInputs(xs: Tensor[]): Tensor | Tensor[] {
  return xs.length === 1 ? xs[0] : xs;
}

/** Checks x against the model's input shape(s), building the model from x if it was not built. */
export function checkInputs(model: Model, xs: Tensor[], where: string): void {
  if (!model.built || model.inputs.length === 0) {
    if (xs.length !== 1) {
      throw new ValueError(`${where}: the model is not built and expects one input, got ${xs.length}`);
    }
    model.buildFromData([null, ...xs[0].shape.slice(1)]);
  }
  if (xs.length !== model.inputs.length) {
    throw new ValueError(`${where}: the model expects ${model.inputs.length} input(s), got ${xs.length}`);
  }
  xs.forEach((x, i) => {
    const want = model.inputs[i].shape;
    const ok = x.rank === want.length && want.every((d, j) => j === 0 || d === null || d === x.shape[j]);
    if (!ok) {
      throw new ShapeError(
        `${where}: x${xs.length > 1 ? `[${i}]` : ''} has shape ${fmtShape(x.shape)} but the model ` +
          `'${model.name}' expects input of shape ${fmtShape(want)}`,
      );
    }
  });
  const n = xs[0].shape[0];
  for (const x of xs) {
    if (x.shape[0] !== n) {
      const counts = xs.map((t) => t.shape[0]).join(' and ');
      throw new ValueError(`${where}: all inputs must have the same number of samples, got ${counts}`);
    }
  }
}

/**
 * Checks arrays given to fit/evaluate/predict against each other and the model (building it if
 * needed). `y` is required unless `where` is predict.
 */
export function arrayData(
  model: Model,
  x: Tensor | Tensor[],
  y: Tensor | null,
  sw: Tensor | null,
  where: string,
  needsY: boolean,
): ArrayData {
  const xs = asList(x);
  for (const t of xs) {
    if (!(t instanceof Tensor)) {
      throw new ValueError(`${where}: x must be a Tensor, a list of Tensors or a Dataset, got ${typeof t}`);
    }
  }
  if (needsY && !(y instanceof Tensor)) {
    throw new ValueError(`${where}: y (the targets) is required when x is a Tensor`);
  }
  if (needsY && xs[0].shape[0] === 0) {
    // Keras would report loss 0 for an epoch without steps: no data is an error, not a result.
    throw new ValueError(`${where}: there is no data: x has 0 samples (shape ${fmtShape(xs[0].shape)})`);
  }
  checkInputs(model, xs, where);
  if (y && y.shape[0] !== xs[0].shape[0]) {
    throw new ValueError(
      `${where}: x and y must have the same number of samples: ` + `x has ${xs[0].shape[0]}, y has ${y.shape[0]}`,
    );
  }
  if (y && sw && sw.shape[0] !== y.shape[0]) {
    throw new ValueError(`${where}: sampleWeight has ${sw.shape[0]} values for ${y.shape[0]} samples`);
  }
  return { xs, y, sw };
}

/**
 * Keras's validationSplit: the last fraction of the arrays, taken before any shuffling, becomes
 * the validation data.
 */
export function splitValidation(data: ArrayData, split: number): { train: ArrayData; validation: ArrayData } {
  const n = data.xs[0].shape[0];
  const nTrain = Math.floor(n * (1 - split));
  if (nTrain === 0 || nTrain === n) {
    throw new ValueError(`fit: validationSplit=${split} leaves no training or no validation samples out of ${n}`);
  }
  const head = (t: Tensor | null): Tensor | null => (t ? t.slice(0, nTrain) : null);
  const tail = (t: Tensor | null): Tensor | null => (t ? t.slice(nTrain) : null);
  return {
    train: { xs: data.xs.map((t) => t.slice(0, nTrain)), y: head(data.y), sw: head(data.sw) },
    validation: { xs: data.xs.map((t) => t.slice(nTrain)), y: tail(data.y), sw: tail(data.sw) },
  };
}

/** How fit batches arrays: in a fresh (optionally shuffled) order per epoch, into reused buffers. */
export interface GatherOptions {
  /** Shuffles each epoch's order; null keeps the arrays' order. */
  rng: RandomGenerator | null;
  /** Receives the batch buffers, which the training step must never recycle. */
  keep: Set<ArrayBufferLike>;
}

/** Batches of arrays by step index. */
export class ArrayDataAdapter {
  readonly size: number;
  readonly numBatches: number;
  /** Whether steps past one pass are served (fit's stepsPerEpoch wraps round the epoch's order). */
  readonly wraps: boolean;
  private order: Int32Array | null = null;
  private readonly buffers = new Map<Tensor, TypedArray>();

  /** Without `gather`, batches are slices in order (evaluate, predict); with it, see GatherOptions. */
  constructor(
    readonly data: ArrayData,
    readonly batchSize: number,
    private readonly gather: GatherOptions | null = null,
  ) {
    this.size = data.xs[0].shape[0];
    this.numBatches = Math.ceil(this.size / batchSize);
    this.wraps = gather !== null;
  }

  onEpochBegin(): void {
    if (!this.gather) return;
    const order = new Int32Array(this.size);
    for (let i = 0; i < this.size; i++) order[i] = i;
    if (this.gather.rng) this.gather.rng.shuffle(order);
    this.order = order;
  }

  batch(step: number): Batch {
    const { xs, y, sw } = this.data;
    let pick: (t: Tensor) => Tensor;
    if (this.gather) {
      const start = (step * this.batchSize) % this.size;
      const idx = this.order!.subarray(start, Math.min(start + this.batchSize, this.size));
      const keep = this.gather.keep;
      pick = (t) => gatherInto(t, idx, this.buffers, keep);
    } else {
      const a = step * this.batchSize,
        b = Math.min(a + this.batchSize, this.size);
      pick = (t) => t.slice(a, b);
    }
    return { x: asInputs(xs.map(pick)), y: y ? pick(y) : null, sampleWeight: sw ? pick(sw) : null };
  }
}

/**
 * Copies the rows `idx` of `src` into a batch buffer reused from step to step (a fit's batches
 * are dead once their step is done), so batching allocates nothing.
 */
function gatherInto(
  src: Tensor,
  idx: ArrayLike<number>,
  buffers: Map<Tensor, TypedArray>,
  keep: Set<ArrayBufferLike>,
): Tensor {
  const row = src.shape[0] === 0 ? 0 : src.size / src.shape[0];
  let buf = buffers.get(src);
  if (!buf || buf.length < idx.length * row) {
    buf = arrayFor(src.dtype, idx.length * row);
    buffers.set(src, buf);
    keep.add(buf.buffer);
  }
  const out = buf.length === idx.length * row ? buf : buf.subarray(0, idx.length * row);
  const d = src.data;
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i];
    if (row < 64) for (let j = 0; j < row; j++) out[i * row + j] = d[r * row + j];
    else out.set(d.subarray(r * row, (r + 1) * row), i * row);
  }
  return new Tensor(out, [idx.length, ...src.shape.slice(1)]);
}

/** Batches pulled from a Dataset, an async iterable or a generator. */
export class SourceDataAdapter {
  /** The source's cardinality when it knows it (endless and unknown sources give null). */
  readonly numBatches: number | null;

  constructor(private readonly source: BatchSource | BatchGenerator) {
    const n = source.cardinality?.();
    this.numBatches = n !== undefined && Number.isFinite(n) && n > 0 ? n : null;
  }

  /**
   * The error for a source that ended before its first batch; an image folder's dataset whose
   * every file was skipped as unreadable says how many.
   */
  noData(where: string): ValueError {
    const files = (this.source as { filePaths?: unknown }).filePaths;
    const skipped =
      Array.isArray(files) && files.length > 0
        ? `; all ${files.length} files of the dataset were skipped as unreadable`
        : '';
    return new ValueError(`${where}: there is no data: the dataset ended before its first batch${skipped}`);
  }

  /**
   * An iterator over the source. Datasets start a new pass per call; generators and the
   * ImageDataGenerator iterators continue one stream.
   */
  iterator(): AsyncIterator<BatchElement> {
    const src = this.source;
    if (isBatchSource(src)) return src[Symbol.asyncIterator]();
    const it = src[Symbol.iterator]();
    return { next: async () => it.next() };
  }
}

/** Splits a batch out of whatever a source yields. */
export function unpack(el: BatchElement, where: string): Batch {
  if (el instanceof Tensor) return { x: el, y: null, sampleWeight: null };
  if (Array.isArray(el) && el.length >= 1) {
    const [x, y, sw] = el;
    if (Array.isArray(y) || Array.isArray(sw)) {
      throw new ValueError(
        `${where}: a dataset element must be x, [x, y] or [x, y, sampleWeight] with one ` +
          'target tensor; got a list of targets (models with several outputs are not supported yet)',
      );
    }
    return { x: Array.isArray(x) ? asInputs(x) : x, y: y ?? null, sampleWeight: sw ?? null };
  }
  throw new ValueError(`${where}: a dataset element must be x, [x, y] or [x, y, sampleWeight]; got ${typeof el}`);
}
