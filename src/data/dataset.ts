// Dataset: a re-iterable async stream of elements (tensors, tuples/arrays or records of tensors),
// built from tensors or generators and transformed lazily (map, batch, shuffle, prefetch, ...), with
// tf.data's semantics. Each `for await` (each epoch of fit) starts a fresh pass from the source.
// fit/evaluate/predict accept any async iterable of batches; cardinality() gives the batch count.
import { ShapeError, ValueError } from '../errors.js';
import { checkBoolean, checkOptions, describeValue } from '../options.js';
import { getRng, RandomGenerator } from '../tensor/random.js';
import { Tensor, arrayFor, sizeOf } from '../tensor/tensor.js';

/** tf.data.INFINITE_CARDINALITY */
export const INFINITE_CARDINALITY = -1;
/** tf.data.UNKNOWN_CARDINALITY */
export const UNKNOWN_CARDINALITY = -2;
/** Let the library pick the parallelism / buffer size (tf.data.AUTOTUNE). */
export const AUTOTUNE = -1;

/** A dataset element: a tensor, a number, or arrays/records of them. */
export type Element = Tensor | number | readonly Element[] | { readonly [k: string]: Element };

type Source<T> = () => AsyncIterator<T>;

export interface DatasetMeta {
  /** Class names of an image-folder dataset (index = label). */
  classNames?: string[];
  /** Files of an image-folder dataset, in dataset order before shuffling. */
  filePaths?: string[];
}

function cardMul(c: number, k: number): number {
  if (c === 0 || k === 0) return 0;
  if (c === INFINITE_CARDINALITY || k === INFINITE_CARDINALITY) return INFINITE_CARDINALITY;
  if (c < 0) return UNKNOWN_CARDINALITY;
  return c * k;
}

function checkCount(n: unknown, where: string, allowNegOne = false): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || (n < 0 && !(allowNegOne && n === -1))) {
    throw new ValueError(
      `${where}: expected a non-negative integer${allowNegOne ? ' (or -1)' : ''}, got ${describeValue(n)}`,
    );
  }
  return n;
}

function checkPositive(n: unknown, where: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) {
    throw new ValueError(`${where}: expected a positive integer, got ${describeValue(n)}`);
  }
  return n;
}

// ---- structure helpers ----

function isRecord(e: unknown): e is Record<string, Element> {
  return typeof e === 'object' && e !== null && !(e instanceof Tensor) && !Array.isArray(e) && !ArrayBuffer.isView(e);
}

/** Stacks same-shaped elements along a new first axis (element-wise through arrays and records). */
export function stackElements<T>(items: readonly T[]): T {
  // The structure is found at run time; stacking keeps it, so the result has the elements' type.
  return stack(items) as T;
}

function stack(items: readonly unknown[]): unknown {
  if (items.length === 0) throw new ValueError('batch: cannot stack zero elements');
  const first = items[0];
  if (first instanceof Tensor) {
    const shape = first.shape;
    const per = first.size;
    const out = arrayFor(first.dtype, per * items.length);
    for (let i = 0; i < items.length; i++) {
      const t = items[i];
      if (
        !(t instanceof Tensor) ||
        t.size !== per ||
        t.shape.length !== shape.length ||
        t.shape.some((d, k) => d !== shape[k])
      ) {
        const got = t instanceof Tensor ? `[${t.shape.join(', ')}]` : typeof t;
        throw new ShapeError(
          `batch: element ${i} has shape ${got}, expected [${shape.join(', ')}] like element 0; map them to one ` +
            `shape first (e.g. resize) or use batch size 1`,
        );
      }
      if (t.dtype !== first.dtype)
        throw new ValueError(`batch: element ${i} has dtype ${t.dtype}, expected ${first.dtype}`);
      out.set(t.data, i * per);
    }
    return new Tensor(out, [items.length, ...shape]);
  }
  if (typeof first === 'number') {
    const allInt = items.every((v) => Number.isInteger(v));
    const out = allInt ? new Int32Array(items.length) : new Float32Array(items.length);
    for (let i = 0; i < items.length; i++) out[i] = Number(items[i]);
    return new Tensor(out, [items.length]);
  }
  if (Array.isArray(first)) {
    const n = first.length;
    const out: unknown[] = [];
    for (let k = 0; k < n; k++) {
      out.push(
        stack(
          items.map((it, i) => {
            if (!Array.isArray(it) || it.length !== n)
              throw new ShapeError(`batch: element ${i} has a different structure than element 0`);
            const parts: readonly unknown[] = it;
            return parts[k];
          }),
        ),
      );
    }
    return out;
  }
  if (isRecord(first)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) out[key] = stack(items.map((it) => (it as Record<string, unknown>)[key]));
    return out;
  }
  throw new ValueError(`batch: cannot stack elements of type ${typeof first}`);
}

/** Splits a batched element along its first axis (inverse of stackElements). */
export function unstackElement(e: unknown): unknown[] {
  if (e instanceof Tensor) {
    if (e.rank === 0) throw new ShapeError('unbatch: cannot unbatch a scalar tensor');
    const n = e.shape[0];
    const rest = e.shape.slice(1);
    const per = sizeOf(rest);
    const out: Tensor[] = [];
    for (let i = 0; i < n; i++) out.push(new Tensor(e.data.slice(i * per, (i + 1) * per), rest));
    return out;
  }
  if (Array.isArray(e)) {
    const parts = e.map(unstackElement);
    const n = parts.length ? parts[0].length : 0;
    if (parts.some((p) => p.length !== n)) throw new ShapeError('unbatch: components have different batch sizes');
    return Array.from({ length: n }, (_, i) => parts.map((p) => p[i]));
  }
  if (isRecord(e)) {
    const keys = Object.keys(e);
    const parts = keys.map((k) => unstackElement(e[k]));
    const n = parts.length ? parts[0].length : 0;
    return Array.from({ length: n }, (_, i) => Object.fromEntries(keys.map((k, j) => [k, parts[j][i]])));
  }
  throw new ValueError(`unbatch: cannot unbatch an element of type ${typeof e}`);
}

function sliceComponent(x: unknown, where: string): { n: number; get: (i: number) => unknown } {
  if (x instanceof Tensor) {
    if (x.rank === 0) throw new ShapeError(`${where}: cannot slice a scalar tensor`);
    const n = x.shape[0];
    const rest = x.shape.slice(1);
    const per = sizeOf(rest);
    // Views into the source: tensors are immutable, so slices may share storage.
    return { n, get: (i) => new Tensor(x.data.subarray(i * per, (i + 1) * per), rest) };
  }
  if (Array.isArray(x) && x.every((v) => typeof v === 'number')) {
    return { n: x.length, get: (i) => x[i] };
  }
  if (Array.isArray(x)) {
    const parts = x.map((p, k) => sliceComponent(p, `${where}[${k}]`));
    const n = parts.length ? parts[0].n : 0;
    parts.forEach((p, k) => {
      if (p.n !== n)
        throw new ShapeError(
          `${where}: all components must have the same first dimension; component 0 has ${n}, component ${k} has ` +
            `${p.n}`,
        );
    });
    return { n, get: (i) => parts.map((p) => p.get(i)) };
  }
  if (isRecord(x)) {
    const keys = Object.keys(x);
    const parts = keys.map((k) => sliceComponent(x[k], `${where}.${k}`));
    const n = parts.length ? parts[0].n : 0;
    parts.forEach((p, k) => {
      if (p.n !== n)
        throw new ShapeError(
          `${where}: all components must have the same first dimension; '${keys[0]}' has ${n}, '${keys[k]}' has ${p.n}`,
        );
    });
    return { n, get: (i) => Object.fromEntries(keys.map((k, j) => [k, parts[j].get(i)])) };
  }
  throw new ValueError(`${where}: expected a Tensor, an array of numbers, or arrays/records of them, got ${typeof x}`);
}

export interface ShuffleOptions {
  /** Seed for a reproducible order; without it the global RNG (setRandomSeed) seeds the stream. */
  seed?: number;
  /** Draw a new order on each pass (default true). */
  reshuffleEachIteration?: boolean;
}

export class Dataset<T = Element> implements AsyncIterable<T> {
  classNames?: string[];
  filePaths?: string[];

  /** `source` starts one pass; `card` is the number of elements (or INFINITE/UNKNOWN_CARDINALITY). */
  constructor(
    private readonly source: Source<T>,
    private readonly card: number = UNKNOWN_CARDINALITY,
    meta: DatasetMeta = {},
  ) {
    if (meta.classNames) this.classNames = meta.classNames;
    if (meta.filePaths) this.filePaths = meta.filePaths;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.source();
  }

  /** Number of elements, or INFINITE_CARDINALITY (-1) / UNKNOWN_CARDINALITY (-2). */
  cardinality(): number {
    return this.card;
  }

  private derive<U>(source: Source<U>, card: number): Dataset<U> {
    return new Dataset<U>(source, card, { classNames: this.classNames });
  }

  // ---- sources ----

  /** One element per row of x (its first axis); x may be a tensor, a number array, or arrays/records of them. */
  static fromTensorSlices<S = Element>(x: unknown): Dataset<S> {
    const { n, get } = sliceComponent(x, 'Dataset.fromTensorSlices');
    return new Dataset<S>(async function* () {
      for (let i = 0; i < n; i++) yield get(i) as S;
    }, n);
  }

  /** A dataset of one element (Dataset.from_tensors). */
  static fromTensors<S = Element>(x: S): Dataset<S> {
    return new Dataset<S>(async function* () {
      yield x;
    }, 1);
  }

  /**
   * Elements from a (sync or async) generator function, called again on every pass.
   * Give `cardinality` when the count is known.
   */
  static fromGenerator<S = Element>(
    fn: () => Iterable<S> | AsyncIterable<S>,
    opts: { cardinality?: number } = {},
  ): Dataset<S> {
    if (typeof fn !== 'function')
      throw new ValueError(`Dataset.fromGenerator: expected a function returning an iterable, got ${typeof fn}`);
    return new Dataset<S>(async function* () {
      const it = fn();
      if (
        it == null ||
        (typeof (it as AsyncIterable<S>)[Symbol.asyncIterator] !== 'function' &&
          typeof (it as Iterable<S>)[Symbol.iterator] !== 'function')
      ) {
        throw new ValueError(
          'Dataset.fromGenerator: the function must return an iterable or async iterable (e.g. be a generator ' +
            'function)',
        );
      }
      yield* it as AsyncIterable<S>;
    }, opts.cardinality ?? UNKNOWN_CARDINALITY);
  }

  /** Integers start, start+step, ... below stop (numbers, batched into int32 tensors). */
  static range(start: number, stop?: number, step = 1): Dataset<number> {
    if (stop === undefined) {
      stop = start;
      start = 0;
    }
    if (step === 0) throw new ValueError('Dataset.range: step must not be 0');
    const n = Math.max(0, Math.ceil((stop - start) / step));
    const s = start;
    return new Dataset<number>(async function* () {
      for (let i = 0; i < n; i++) yield s + i * step;
    }, n);
  }

  /** Pairs (tuples) of elements from several datasets; stops with the shortest. */
  static zip<A extends unknown[]>(datasets: { [K in keyof A]: Dataset<A[K]> }): Dataset<A> {
    const ds: readonly Dataset<unknown>[] = datasets;
    const cards = ds.map((d) => d.cardinality());
    let card: number;
    if (cards.some((c) => c === 0)) card = 0;
    else if (cards.every((c) => c === INFINITE_CARDINALITY)) card = INFINITE_CARDINALITY;
    else if (cards.some((c) => c === UNKNOWN_CARDINALITY)) card = UNKNOWN_CARDINALITY;
    else card = Math.min(...cards.filter((c) => c >= 0));
    return new Dataset<A>(async function* () {
      const its = ds.map((d) => d[Symbol.asyncIterator]());
      try {
        while (true) {
          const rs = await Promise.all(its.map((it) => it.next()));
          if (rs.some((r) => r.done)) return;
          yield rs.map((r): unknown => r.value) as A;
        }
      } finally {
        await Promise.all(
          its.map(async (it) => {
            await it.return?.();
          }),
        );
      }
    }, card);
  }

  // ---- transformations ----

  /**
   * Applies fn to every element (fn may be async). With numParallelCalls > 1 up to that many calls
   * run at once (useful when fn awaits workers); the order of elements is kept.
   */
  map<U>(fn: (x: T) => U | Promise<U>, opts: { numParallelCalls?: number } = {}): Dataset<U> {
    checkOptions(opts, { numParallelCalls: true }, 'Dataset.map');
    let par = opts.numParallelCalls ?? 1;
    if (par === AUTOTUNE) par = 16;
    checkPositive(par, 'Dataset.map numParallelCalls');
    const self = this;
    if (par === 1) {
      return this.derive<U>(async function* () {
        for await (const x of self) yield await fn(x);
      }, this.card);
    }
    return this.derive<U>(async function* () {
      const it = self[Symbol.asyncIterator]();
      const pending: Promise<U>[] = [];
      let done = false;
      try {
        while (true) {
          while (!done && pending.length < par) {
            const r = await it.next();
            if (r.done) {
              done = true;
              break;
            }
            const p = Promise.resolve().then(() => fn(r.value));
            p.catch(() => undefined); // surfaced when awaited in order
            pending.push(p);
          }
          if (pending.length === 0) return;
          yield await pending.shift()!;
        }
      } finally {
        await it.return?.();
      }
    }, this.card);
  }

  /** Keeps the elements for which pred is true. */
  filter(pred: (x: T) => boolean | Promise<boolean>): Dataset<T> {
    const self = this;
    return this.derive<T>(
      async function* () {
        for await (const x of self) if (await pred(x)) yield x;
      },
      this.card === INFINITE_CARDINALITY ? INFINITE_CARDINALITY : UNKNOWN_CARDINALITY,
    );
  }

  /** Groups consecutive elements into batches stacked along a new first axis. */
  batch(batchSize: number, opts: { dropRemainder?: boolean } = {}): Dataset<T> {
    checkPositive(batchSize, 'Dataset.batch batchSize');
    checkOptions(opts, { dropRemainder: true }, 'Dataset.batch');
    checkBoolean(opts.dropRemainder, 'Dataset.batch dropRemainder');
    const drop = opts.dropRemainder ?? false;
    const self = this;
    const c = this.card;
    const card = c < 0 ? c : drop ? Math.floor(c / batchSize) : Math.ceil(c / batchSize);
    return this.derive<T>(async function* () {
      let buf: T[] = [];
      for await (const x of self) {
        buf.push(x);
        if (buf.length === batchSize) {
          yield stackElements(buf);
          buf = [];
        }
      }
      if (buf.length > 0 && !drop) yield stackElements(buf);
    }, card);
  }

  /** Splits each element along its first axis into separate elements. */
  unbatch(): Dataset<T> {
    const self = this;
    return this.derive<T>(
      async function* () {
        for await (const x of self) yield* unstackElement(x) as T[];
      },
      this.card === INFINITE_CARDINALITY ? INFINITE_CARDINALITY : UNKNOWN_CARDINALITY,
    );
  }

  /**
   * Randomly shuffles with a buffer of `bufferSize` elements (tf.data semantics: a buffer larger than
   * the dataset gives a uniform shuffle; a small one only mixes nearby elements).
   */
  shuffle(bufferSize: number, opts: ShuffleOptions = {}): Dataset<T> {
    checkPositive(bufferSize, 'Dataset.shuffle bufferSize');
    checkOptions<ShuffleOptions>(opts, { seed: true, reshuffleEachIteration: true }, 'Dataset.shuffle');
    if (opts.seed !== undefined && (typeof opts.seed !== 'number' || !Number.isFinite(opts.seed)))
      throw new ValueError(`Dataset.shuffle: seed must be a finite number, got ${describeValue(opts.seed)}`);
    checkBoolean(opts.reshuffleEachIteration, 'Dataset.shuffle reshuffleEachIteration');
    const reshuffle = opts.reshuffleEachIteration ?? true;
    // The seed stream: fixed by `seed`, else drawn from the global RNG now (so setRandomSeed before
    // building the pipeline makes it reproducible).
    const baseSeed = opts.seed !== undefined ? Math.floor(opts.seed) : getRng().nextUint32();
    const epochSeeds = new RandomGenerator(baseSeed);
    const self = this;
    return this.derive<T>(async function* () {
      const rng = reshuffle ? epochSeeds.fork() : new RandomGenerator(baseSeed);
      const buf: T[] = [];
      for await (const x of self) {
        if (buf.length < bufferSize) {
          buf.push(x);
          continue;
        }
        const j = rng.int(bufferSize);
        const out = buf[j];
        buf[j] = x;
        yield out;
      }
      // Drain in random order.
      while (buf.length > 0) {
        const j = rng.int(buf.length);
        const out = buf[j];
        buf[j] = buf[buf.length - 1];
        buf.pop();
        yield out;
      }
    }, this.card);
  }

  /** The first n elements (n = -1: all). */
  take(n: number): Dataset<T> {
    checkCount(n, 'Dataset.take', true);
    if (n === -1) return this;
    const self = this;
    const c = this.card;
    const card = c === INFINITE_CARDINALITY ? n : c === UNKNOWN_CARDINALITY ? UNKNOWN_CARDINALITY : Math.min(n, c);
    return this.derive<T>(async function* () {
      if (n === 0) return;
      let i = 0;
      for await (const x of self) {
        yield x;
        if (++i >= n) return;
      }
    }, card);
  }

  /** Skips the first n elements (n = -1: all). */
  skip(n: number): Dataset<T> {
    checkCount(n, 'Dataset.skip', true);
    const self = this;
    const c = this.card;
    const card = n === -1 ? (c === INFINITE_CARDINALITY ? UNKNOWN_CARDINALITY : 0) : c < 0 ? c : Math.max(0, c - n);
    return this.derive<T>(async function* () {
      let i = 0;
      for await (const x of self) {
        if (n === -1) continue;
        if (i++ < n) continue;
        yield x;
      }
    }, card);
  }

  /** Repeats the dataset `count` times (forever when count is undefined or -1). */
  repeat(count?: number): Dataset<T> {
    const k = count === undefined ? -1 : checkCount(count, 'Dataset.repeat', true);
    const self = this;
    return this.derive<T>(
      async function* () {
        for (let r = 0; k === -1 || r < k; r++) {
          let any = false;
          for await (const x of self) {
            any = true;
            yield x;
          }
          if (!any) return; // an empty dataset repeated forever is empty
        }
      },
      k === -1 ? (this.card === 0 ? 0 : INFINITE_CARDINALITY) : cardMul(this.card, k),
    );
  }

  /**
   * Keeps the elements in memory after the first complete pass; later passes replay them without
   * running the upstream pipeline (decoding, map) again. A pass stopped early caches nothing.
   */
  cache(): Dataset<T> {
    const self = this;
    let stored: T[] | null = null;
    return this.derive<T>(async function* () {
      if (stored) {
        yield* stored;
        return;
      }
      const acc: T[] = [];
      for await (const x of self) {
        acc.push(x);
        yield x;
      }
      stored = acc;
    }, this.card);
  }

  /**
   * Produces up to `bufferSize` elements ahead of the consumer, so upstream work that waits on
   * workers or I/O (image decoding) overlaps the consumer's work (a training step).
   */
  prefetch(bufferSize: number = AUTOTUNE): Dataset<T> {
    const size = bufferSize === AUTOTUNE ? 2 : checkCount(bufferSize, 'Dataset.prefetch bufferSize');
    if (size === 0) return this;
    const self = this;
    return this.derive<T>(() => prefetchIterator(self[Symbol.asyncIterator](), size), this.card);
  }

  /** Applies a function to the whole dataset (tf's Dataset.apply). */
  apply<U>(fn: (ds: Dataset<T>) => Dataset<U>): Dataset<U> {
    return fn(this);
  }

  /** Concatenates another dataset after this one. */
  concatenate(other: Dataset<T>): Dataset<T> {
    const self = this;
    const a = this.card,
      b = other.cardinality();
    const card =
      a === INFINITE_CARDINALITY || b === INFINITE_CARDINALITY
        ? INFINITE_CARDINALITY
        : a < 0 || b < 0
          ? UNKNOWN_CARDINALITY
          : a + b;
    return this.derive<T>(async function* () {
      yield* self;
      yield* other;
    }, card);
  }

  /** Calls fn on every element of one pass. */
  async forEach(fn: (x: T, i: number) => void | Promise<void>): Promise<void> {
    let i = 0;
    for await (const x of this) await fn(x, i++);
  }

  /** All elements of one pass (refuses infinite datasets). */
  async toArray(): Promise<T[]> {
    if (this.card === INFINITE_CARDINALITY)
      throw new ValueError('Dataset.toArray: the dataset is infinite; use take(n) first');
    const out: T[] = [];
    for await (const x of this) out.push(x);
    return out;
  }
}

/** An iterator that keeps up to `size` results of `it.next()` in flight/ready ahead of the consumer. */
function prefetchIterator<T>(it: AsyncIterator<T>, size: number): AsyncIterator<T> {
  const queue: Promise<IteratorResult<T>>[] = [];
  let finished = false;
  let closed = false;
  // next() calls on an async generator are queued by the generator itself, so issuing several is safe.
  const fill = () => {
    while (!finished && !closed && queue.length < size) {
      const p = it.next();
      p.then(
        (r) => {
          if (r.done) finished = true;
        },
        () => {
          finished = true;
        },
      );
      p.catch(() => undefined);
      queue.push(p);
    }
  };
  return {
    async next(): Promise<IteratorResult<T>> {
      if (closed) return { done: true, value: undefined };
      fill();
      const p = queue.shift();
      if (!p) return { done: true, value: undefined };
      const r = await p;
      if (!r.done) fill();
      return r;
    },
    async return(): Promise<IteratorResult<T>> {
      closed = true;
      // Let in-flight pulls settle before closing the source.
      await Promise.allSettled(queue);
      queue.length = 0;
      await it.return?.();
      return { done: true, value: undefined };
    },
  };
}
