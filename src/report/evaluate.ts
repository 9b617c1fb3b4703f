// The report's one pass over the evaluation data: every kind of data writeReport takes becomes a
// stream of [x, y] batches; the model's predictions on them fill the confusion matrix, keep the
// most confidently wrong images and a few sample images, and (for a compiled model) the same
// stream feeds model.evaluate, so a folder of images is read once.
import { noGrad } from '../autograd/tape.js';
import { Dataset, INFINITE_CARDINALITY } from '../data/dataset.js';
import { imageDatasetFromDirectory } from '../data/image_dataset.js';
import { ValueError } from '../errors.js';
import type { Model } from '../models/model.js';
import { describeValue } from '../options.js';
import { DirectoryIterator } from '../preprocessing/iterators.js';
import { Tensor } from '../tensor/tensor.js';
import { inputShapeOf } from '../vis/common.js';

/** Tensors for evaluation: images [n, h, w, c] and labels (integers [n], one-hot [n, k] or binary [n, 1]). */
export interface TensorData {
  x: Tensor;
  y: Tensor;
}

/** What writeReport evaluates on: a Dataset of [x, y] batches, a DirectoryIterator, tensors, or a folder. */
export type ReportData = Dataset<unknown> | DirectoryIterator | TensorData | string;

/** One image in the model's input space [h, w, c], with its class when known. */
export interface LabelledImage {
  image: Tensor;
  label: number | null;
}

export interface WrongImage {
  image: Tensor;
  label: number;
  predicted: number;
  /** The model's probability for the predicted class. */
  confidence: number;
}

/** How the model's output reads as classes: k softmax units, or one sigmoid unit (threshold 0.5). */
export interface OutputKind {
  units: number;
  numClasses: number;
}

export interface Evaluation {
  count: number;
  labelled: boolean;
  /** confusion[true][predicted] counts; null without labels. */
  confusion: number[][] | null;
  accuracy: number | null;
  wrong: WrongImage[];
  samples: LabelledImage[];
  classNames: string[] | null;
  /** model.evaluate's results (compiled models), else null. */
  metrics: Record<string, number> | null;
  /** Why metrics are missing, when evaluate failed. */
  metricsNote: string | null;
  /** Whether the outputs were logits and were turned into probabilities for display. */
  convertedLogits: boolean;
}

const BATCH = 32;

/** The classifier reading of the model's output, or a sentence saying why it has none. */
export function outputKind(model: Model): OutputKind | string {
  if (model.outputs.length !== 1)
    return `the model has ${model.outputs.length} outputs; these sections need a single classifier output`;
  const shape = model.output.shape;
  const units = shape[shape.length - 1];
  if (shape.length !== 2 || units === null)
    return `the model's output has shape (${shape.map((d) => d ?? 'None').join(', ')}), not (batch, classes)`;
  return { units, numClasses: units === 1 ? 2 : units };
}

function isTensorData(d: unknown): d is TensorData {
  return (
    typeof d === 'object' &&
    d !== null &&
    !(d instanceof Dataset) &&
    (d as { x?: unknown }).x instanceof Tensor &&
    (d as { y?: unknown }).y instanceof Tensor
  );
}

/** Checks the data option's kind (cheap, before any work is done). */
export function checkReportData(data: unknown, where: string): void {
  if (data === undefined) return;
  if (typeof data === 'string' && data !== '') return;
  if (data instanceof Dataset && data.cardinality() === INFINITE_CARDINALITY) {
    throw new ValueError(`${where}: data is an infinite Dataset (repeat()); pass one pass of it, e.g. with take(n)`);
  }
  if (data instanceof Dataset || data instanceof DirectoryIterator || isTensorData(data)) return;
  throw new ValueError(
    `${where}: data must be a Dataset of [images, labels] batches, a DirectoryIterator, { x, y } tensors or ` +
      `the path of a folder of class subfolders, got ${describeValue(data)}`,
  );
}

interface Source {
  batches: () => AsyncGenerator<[Tensor, Tensor | null]>;
  classNames: string[] | null;
  labelled: boolean;
}

function asTensor(v: unknown, what: string, where: string): Tensor {
  if (v instanceof Tensor) return v;
  throw new ValueError(`${where}: ${what} must be a Tensor, got ${describeValue(v)}`);
}

function splitElement(el: unknown, where: string): [Tensor, Tensor | null] {
  if (el instanceof Tensor) return [el, null];
  if (Array.isArray(el) && el.length >= 2) return [asTensor(el[0], 'images', where), asTensor(el[1], 'labels', where)];
  if (Array.isArray(el) && el.length === 1) return [asTensor(el[0], 'images', where), null];
  throw new ValueError(`${where}: data elements must be [images, labels] batches, got ${describeValue(el)}`);
}

async function sourceOf(model: Model, data: ReportData, where: string): Promise<Source> {
  if (typeof data === 'string') {
    const shape = inputShapeOf(model, where);
    const [h, w, c] = [shape[1], shape[2], shape[3]];
    if (shape.length !== 4 || h === null || w === null || (c !== 1 && c !== 3)) {
      throw new ValueError(
        `${where}: data '${data}' is a folder of images, but model '${model.name}' takes input ` +
          `(${shape.map((d) => d ?? 'None').join(', ')}); expected (None, height, width, 1 or 3)`,
      );
    }
    const ds = await imageDatasetFromDirectory(data, {
      imageSize: [h, w],
      colorMode: c === 1 ? 'grayscale' : 'rgb',
      batchSize: BATCH,
      shuffle: false,
      verbose: false,
    });
    return {
      classNames: ds.classNames ?? null,
      labelled: true,
      batches: async function* () {
        for await (const [x, y] of ds) yield [x, y];
      },
    };
  }
  if (data instanceof DirectoryIterator) {
    return {
      classNames: [...data.classNames],
      labelled: data.classMode !== null && data.classMode !== 'input',
      batches: async function* () {
        data.reset();
        const steps = data.cardinality();
        for (let s = 0; s < steps; s++) yield splitElement(await data.next(), where);
      },
    };
  }
  if (data instanceof Dataset) {
    const first = await data[Symbol.asyncIterator]().next();
    const labelled = !first.done && splitElement(first.value, where)[1] !== null;
    return {
      classNames: data.classNames ?? null,
      labelled,
      batches: async function* () {
        for await (const el of data) yield splitElement(el, where);
      },
    };
  }
  const { x, y } = data;
  if (x.rank < 1 || y.rank < 1 || x.shape[0] !== y.shape[0]) {
    throw new ValueError(
      `${where}: data.x and data.y must have the same number of rows, got [${x.shape.join(', ')}] and ` +
        `[${y.shape.join(', ')}]`,
    );
  }
  return {
    classNames: null,
    labelled: true,
    batches: async function* () {
      for (let i = 0; i < x.shape[0]; i += BATCH) {
        const end = Math.min(i + BATCH, x.shape[0]);
        yield [x.slice(i, end), y.slice(i, end)];
      }
    },
  };
}

/** Integer labels from int [n], binary [n, 1] or one-hot [n, k] labels. */
export function labelsOf(y: Tensor, n: number, numClasses: number, where: string): number[] {
  const out: number[] = [];
  const oneHot = y.rank === 2 && y.shape[1] > 1;
  if (y.shape[0] !== n || !(y.rank === 1 || (y.rank === 2 && (y.shape[1] === 1 || oneHot)))) {
    throw new ValueError(
      `${where}: labels of shape [${y.shape.join(', ')}] for ${n} images; expected [${n}], [${n}, 1] or ` +
        `[${n}, ${numClasses}]`,
    );
  }
  for (let i = 0; i < n; i++) {
    let c: number;
    if (oneHot) {
      const k = y.shape[1];
      c = 0;
      for (let j = 1; j < k; j++) if (y.data[i * k + j] > y.data[i * k + c]) c = j;
    } else c = Math.round(Number(y.data[i]));
    if (!(c >= 0 && c < numClasses))
      throw new ValueError(`${where}: label ${c} is out of range: the model has ${numClasses} classes`);
    out.push(c);
  }
  return out;
}

/** Probabilities per class [n][numClasses] (sigmoid outputs as [1 - p, p]); logits are squashed. */
function probabilities(out: Tensor, units: number): { probs: number[][]; logits: boolean } {
  const n = out.shape[0];
  const d = out.data;
  let logits = false;
  for (const v of d) if (v < 0 || v > 1) logits = true;
  const probs: number[][] = [];
  for (let i = 0; i < n; i++) {
    if (units === 1) {
      const p = logits ? 1 / (1 + Math.exp(-d[i])) : d[i];
      probs.push([1 - p, p]);
      continue;
    }
    const row = Array.from(d.subarray(i * units, (i + 1) * units));
    if (logits) {
      const m = Math.max(...row);
      const e = row.map((v) => Math.exp(v - m));
      const s = e.reduce((a, b) => a + b, 0);
      probs.push(e.map((v) => v / s));
    } else probs.push(row);
  }
  return { probs, logits };
}

const copyImage = (x: Tensor, i: number): Tensor => {
  const one = x.index(i);
  return new Tensor(Float32Array.from(one.data), one.shape);
};

export interface EvaluateOptions {
  maxWrong: number;
  samples: number;
  where: string;
}

/** One pass: predictions, confusion matrix, wrong and sample images, and evaluate's metrics. */
export async function evaluateData(
  model: Model,
  data: ReportData,
  kind: OutputKind | string,
  opts: EvaluateOptions,
): Promise<Evaluation> {
  const { where } = opts;
  const src = await sourceOf(model, data, where);
  const k = typeof kind === 'string' ? 0 : kind.numClasses;
  const fresh = () => ({
    confusion: src.labelled && k ? Array.from({ length: k }, () => new Array<number>(k).fill(0)) : null,
    wrong: [] as WrongImage[],
    firstOfClass: new Map<number, LabelledImage & { at: number }>(),
    first: [] as (LabelledImage & { at: number })[],
    count: 0,
    correct: 0,
    convertedLogits: false,
  });
  let st = fresh();

  const observe = (x: Tensor, y: Tensor | null): void => {
    const n = x.shape[0];
    if (x.rank !== model.input.shape.length)
      throw new ValueError(
        `${where}: data batches must be images [batch, h, w, c] for model '${model.name}', got [${x.shape.join(', ')}]`,
      );
    const labels = y && k && src.labelled ? labelsOf(y, n, k, where) : null;
    for (let i = 0; i < n && st.first.length < opts.samples; i++)
      st.first.push({ image: copyImage(x, i), label: labels?.[i] ?? null, at: st.count + i });
    if (labels) {
      for (let i = 0; i < n && st.firstOfClass.size < opts.samples; i++) {
        if (!st.firstOfClass.has(labels[i]))
          st.firstOfClass.set(labels[i], { image: copyImage(x, i), label: labels[i], at: st.count + i });
      }
    }
    st.count += n;
    if (typeof kind === 'string') return;
    const out = noGrad(() => model.applyEager(x, { training: false }));
    const { probs, logits } = probabilities(out as Tensor, kind.units);
    st.convertedLogits ||= logits;
    if (!labels || !st.confusion) return;
    const { wrong } = st;
    for (let i = 0; i < n; i++) {
      let p = 0;
      for (let c = 1; c < k; c++) if (probs[i][c] > probs[i][p]) p = c;
      st.confusion[labels[i]][p]++;
      if (p === labels[i]) {
        st.correct++;
        continue;
      }
      const conf = probs[i][p];
      if (wrong.length < opts.maxWrong || conf > wrong[wrong.length - 1].confidence) {
        wrong.push({ image: copyImage(x, i), label: labels[i], predicted: p, confidence: conf });
        wrong.sort((a, b) => b.confidence - a.confidence);
        if (wrong.length > opts.maxWrong) wrong.pop();
      }
    }
  };
  const plainPass = async () => {
    st = fresh();
    for await (const [x, y] of src.batches()) observe(x, y);
  };

  let metrics: Record<string, number> | null = null;
  let metricsNote: string | null = null;
  if (model.compiled !== null && src.labelled) {
    const tee = Dataset.fromGenerator(async function* () {
      for await (const [x, y] of src.batches()) {
        observe(x, y);
        yield [x, y] as [Tensor, Tensor];
      }
    });
    try {
      metrics = await model.evaluate(tee, { verbose: 0, returnDict: true });
    } catch (e) {
      // A loss that does not fit these labels loses the metrics, not the rest of the report.
      metricsNote = `model.evaluate failed: ${(e as Error).message}`;
      await plainPass();
    }
  } else {
    await plainPass();
  }

  // Samples: one image per class first, so that Grad-CAM shows each class, then the first images.
  const samples = [...st.firstOfClass.values()];
  for (const s of st.first) if (!samples.some((t) => t.at === s.at)) samples.push(s);
  const classNames = src.classNames && src.classNames.length === k ? src.classNames : null;
  const { confusion, count } = st;
  return {
    count,
    labelled: confusion !== null,
    confusion,
    accuracy: confusion && count ? st.correct / count : null,
    wrong: st.wrong,
    samples: samples.slice(0, opts.samples).map(({ image, label }) => ({ image, label })),
    classNames,
    metrics,
    metricsNote,
    convertedLogits: st.convertedLogits,
  };
}
