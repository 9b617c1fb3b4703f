// compile / fit / evaluate / predict with Keras 3 semantics: sum_over_batch_size losses plus
// regularisation, running-mean metrics, validation at epoch end (val_ keys), seeded shuffling,
// callbacks with Keras's hooks, and the progress bar.
import { gradients, noGrad, releaseGraph } from '../autograd/tape.js';
import { Callback, CallbackList, History, type Logs, ProgbarLogger, displayOrder } from '../callbacks/callback.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { getLoss, type LossFn } from '../losses/index.js';
import { type CompiledMetric, Mean, getMetric, type MetricFn } from '../metrics/index.js';
import * as ops from '../ops/index.js';
import { type Optimizer, getOptimizer } from '../optimizers/index.js';
import { getRng } from '../tensor/random.js';
import { Tensor, type TypedArray, type Variable, arrayFor } from '../tensor/tensor.js';
import { Progbar } from '../utils/progbar.js';
import type { Model } from './model.js';

export interface CompileArgs {
  optimizer?: string | Optimizer;
  loss: string | LossFn;
  metrics?: (string | MetricFn)[];
}

export interface CompiledState {
  optimizer: Optimizer;
  loss: { name: string; fn: LossFn };
  metrics: CompiledMetric[];
  /** The arguments as given, for saving (compile_config). */
  config: { optimizer: string | Record<string, unknown>; loss: string; metrics: string[] };
}

/** A source of batches (Dataset, generators): [x, y], [x, y, sampleWeight] or x. */
export interface BatchSource {
  [Symbol.asyncIterator](): AsyncIterator<Tensor | Tensor[]>;
  cardinality?(): number;
}

export type Verbose = 0 | 1 | 2 | 'auto';

export interface FitArgs {
  batchSize?: number;
  epochs?: number;
  verbose?: Verbose;
  callbacks?: Callback[];
  validationSplit?: number;
  validationData?: [Tensor, Tensor] | [Tensor, Tensor, Tensor] | BatchSource;
  shuffle?: boolean;
  initialEpoch?: number;
  stepsPerEpoch?: number;
  validationSteps?: number;
  validationBatchSize?: number;
  sampleWeight?: Tensor;
}

export interface EvaluateArgs {
  batchSize?: number;
  verbose?: Verbose;
  steps?: number;
  returnDict?: boolean;
  callbacks?: Callback[];
  sampleWeight?: Tensor;
}

export interface PredictArgs {
  batchSize?: number;
  verbose?: Verbose;
  steps?: number;
}

export function compileModel(model: Model, args: CompileArgs): void {
  if (!args || typeof args !== 'object') throw new ValueError('compile: expected an options object {optimizer, loss, metrics}');
  if (args.loss === undefined) throw new ValueError("compile: 'loss' is required (e.g. 'categorical_crossentropy')");
  const optimizer = getOptimizer(args.optimizer ?? 'rmsprop');
  const loss = getLoss(args.loss);
  if (args.metrics !== undefined && !Array.isArray(args.metrics)) {
    throw new ValueError(`compile: metrics must be a list (e.g. ['accuracy']), got ${JSON.stringify(args.metrics)}`);
  }
  const metrics = (args.metrics ?? []).map((m) => getMetric(m));
  model.compiled = {
    optimizer, loss, metrics,
    config: {
      optimizer: typeof args.optimizer === 'string' ? args.optimizer : { class_name: optimizer.className, config: optimizer.getConfig() },
      loss: loss.name,
      metrics: metrics.map((m) => m.name),
    },
  };
}

function requireCompiled(model: Model, what: string): CompiledState {
  if (!model.compiled) throw new ValueError(`${what}: the model '${model.name}' must be compiled first: call model.compile({optimizer, loss, metrics})`);
  return model.compiled;
}

function isBatchSource(x: unknown): x is BatchSource {
  return typeof x === 'object' && x !== null && !(x instanceof Tensor) && !Array.isArray(x) && typeof (x as BatchSource)[Symbol.asyncIterator] === 'function';
}

function verbosity(v: Verbose | undefined): 0 | 1 | 2 {
  if (v === undefined || v === 'auto') return 1;
  if (v !== 0 && v !== 1 && v !== 2) throw new ValueError(`verbose: expected 0, 1, 2 or 'auto', got ${JSON.stringify(v)}`);
  return v;
}

function checkPositiveInt(v: number | undefined, name: string): void {
  if (v !== undefined && (!Number.isInteger(v) || v <= 0)) throw new ValueError(`${name}: expected a positive integer, got ${v}`);
}

/** Checks x against the model's input shape(s), building the model from x if it was not built. */
function checkInputs(model: Model, xs: Tensor[], where: string): void {
  if (!model.built || model.inputs.length === 0) {
    if (xs.length !== 1) throw new ValueError(`${where}: the model is not built and expects one input, got ${xs.length}`);
    (model as unknown as { maybeBuild(s: unknown): void }).maybeBuild([null, ...xs[0].shape.slice(1)]);
  }
  if (xs.length !== model.inputs.length) throw new ValueError(`${where}: the model expects ${model.inputs.length} input(s), got ${xs.length}`);
  xs.forEach((x, i) => {
    const want = model.inputs[i].shape;
    const ok = x.rank === want.length && want.every((d, j) => j === 0 || d === null || d === x.shape[j]);
    if (!ok) {
      throw new ShapeError(`${where}: x${xs.length > 1 ? `[${i}]` : ''} has shape ${fmtShape(x.shape)} but the model '${model.name}' expects input of shape ${fmtShape(want)}`);
    }
  });
  const n = xs[0].shape[0];
  for (const x of xs) if (x.shape[0] !== n) throw new ValueError(`${where}: all inputs must have the same number of samples, got ${xs.map((t) => t.shape[0]).join(' and ')}`);
}

function asList(x: Tensor | Tensor[]): Tensor[] {
  return Array.isArray(x) ? x : [x];
}

function toFloat(x: Tensor): Tensor {
  return x.dtype === 'float32' ? x : ops.cast(x, 'float32');
}

function forward(model: Model, xs: Tensor[], training: boolean): Tensor {
  const out = model.applyEager(xs.length === 1 ? toFloat(xs[0]) : xs.map(toFloat), { training });
  if (Array.isArray(out)) throw new ValueError(`Model '${model.name}': training with several outputs is not supported yet`);
  return out;
}

/** Mean loss over the batch (weighted if sample weights are given) plus regularisation. */
function totalLoss(model: Model, c: CompiledState, y: Tensor, yPred: Tensor, sw: Tensor | null, where: string): { total: Tensor; data: Tensor } {
  let perSample: Tensor;
  try {
    perSample = c.loss.fn(y, yPred);
  } catch (e) {
    if (e instanceof ShapeError) {
      throw new ShapeError(`${where}: y of batch shape ${fmtShape(y.shape)} does not fit the model output of shape ${fmtShape(yPred.shape)} for loss '${c.loss.name}': ${e.message}`);
    }
    throw e;
  }
  const n = perSample.size;
  let data = sw ? ops.div(ops.sum(ops.mul(ops.reshape(perSample, [n]), ops.reshape(toFloat(sw), [n]))), n) : ops.mean(perSample);
  for (const r of model.regularizationLosses()) data = ops.add(data, r);
  return { total: data, data };
}

interface Trackers { loss: Mean; metrics: Mean[] }

function makeTrackers(c: CompiledState): Trackers {
  return { loss: new Mean('loss'), metrics: c.metrics.map((m) => new Mean(m.name)) };
}

function updateMetrics(c: CompiledState, t: Trackers, y: Tensor, yPred: Tensor): void {
  c.metrics.forEach((m, i) => t.metrics[i].update(m.fn(y, yPred)));
}

function trackerLogs(c: CompiledState, t: Trackers, prefix = ''): Logs {
  const logs: Logs = { [`${prefix}loss`]: t.loss.result() };
  c.metrics.forEach((m, i) => { logs[`${prefix}${m.name}`] = t.metrics[i].result(); });
  return logs;
}

/**
 * What a fit needs per step but can work out once: the trainable weights (as in Keras, changes to
 * `trainable` take effect at the next fit or compile) and the buffers a step must never recycle.
 */
interface StepPlan { vars: Variable[]; keep: Set<ArrayBufferLike> }

function planSteps(model: Model): StepPlan {
  return { vars: model.trainableWeights, keep: new Set(model.weights.map((w) => w.data.buffer)) };
}

function trainStep(model: Model, c: CompiledState, xs: Tensor[], y: Tensor, sw: Tensor | null, t: Trackers, plan: StepPlan): void {
  const yPred = forward(model, xs, true);
  const { total } = totalLoss(model, c, y, yPred, sw, 'fit');
  let grads: Tensor[] = [];
  if (plan.vars.length > 0) {
    grads = gradients(total, plan.vars);
    noGrad(() => c.optimizer.applyGradients(grads, plan.vars));
  }
  t.loss.updateWeighted(total.item(), xs[0].shape[0]);
  updateMetrics(c, t, y, yPred);
  // Nothing of this step outlives it but the weights (views of them share their buffers, so
  // those are kept): its activations and gradients are recycled for the next step.
  releaseGraph(total, plan.keep, grads);
}

/**
 * Copies the rows `idx` of `src` into a batch buffer reused from step to step (a fit's batches
 * are dead once their step is done), so batching allocates nothing.
 */
function gatherInto(src: Tensor, idx: ArrayLike<number>, buffers: Map<Tensor, TypedArray>, keep: Set<ArrayBufferLike>): Tensor {
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

/** Splits [x, y] batches out of whatever a BatchSource yields. */
function unpack(el: Tensor | Tensor[], where: string): { xs: Tensor[]; y: Tensor | null; sw: Tensor | null } {
  if (el instanceof Tensor) return { xs: [el], y: null, sw: null };
  if (Array.isArray(el) && el.length >= 1) {
    const [x, y, sw] = el as [Tensor | Tensor[], Tensor | undefined, Tensor | undefined];
    return { xs: asList(x), y: y ?? null, sw: sw ?? null };
  }
  throw new ValueError(`${where}: a dataset element must be x, [x, y] or [x, y, sampleWeight]; got ${typeof el}`);
}

function cardinalityOf(src: BatchSource): number | null {
  const n = src.cardinality?.();
  return n !== undefined && Number.isFinite(n) && n > 0 ? n : null;
}

/**
 * Yields to the event loop (at most every 20 ms) so timers, signals and I/O get served between
 * steps; batches from a Dataset are awaited anyway.
 */
let lastTick = 0;
function tick(): Promise<void> | void {
  const now = performance.now();
  if (now - lastTick < 20) return;
  lastTick = now;
  return new Promise((r) => setImmediate(r));
}

export async function fitModel(model: Model, x: Tensor | Tensor[] | BatchSource, yOrArgs?: Tensor | FitArgs, maybeArgs?: FitArgs): Promise<History> {
  const c = requireCompiled(model, 'fit');
  const fromSource = isBatchSource(x);
  const args: FitArgs = (fromSource ? (yOrArgs as FitArgs) : maybeArgs) ?? {};
  const y = fromSource ? null : (yOrArgs as Tensor | undefined) ?? null;
  const epochs = args.epochs ?? 1;
  const batchSize = args.batchSize ?? 32;
  checkPositiveInt(epochs, 'fit: epochs');
  checkPositiveInt(batchSize, 'fit: batchSize');
  checkPositiveInt(args.stepsPerEpoch, 'fit: stepsPerEpoch');
  const verbose = verbosity(args.verbose);
  const shuffle = args.shuffle ?? true;

  let xs: Tensor[] = [];
  let yAll: Tensor | null = null;
  let swAll: Tensor | null = args.sampleWeight ?? null;
  let validation: { xs: Tensor[]; y: Tensor; sw: Tensor | null } | BatchSource | null = null;
  let steps: number | null;
  if (!fromSource) {
    xs = asList(x as Tensor | Tensor[]);
    for (const t of xs) if (!(t instanceof Tensor)) throw new ValueError(`fit: x must be a Tensor, a list of Tensors or a Dataset, got ${typeof t}`);
    if (!(y instanceof Tensor)) throw new ValueError('fit: y (the targets) is required when x is a Tensor');
    checkInputs(model, xs, 'fit');
    if (y.shape[0] !== xs[0].shape[0]) {
      throw new ValueError(`fit: x and y must have the same number of samples: x has ${xs[0].shape[0]}, y has ${y.shape[0]}`);
    }
    if (swAll && swAll.shape[0] !== y.shape[0]) throw new ValueError(`fit: sampleWeight has ${swAll.shape[0]} values for ${y.shape[0]} samples`);
    yAll = y;
    const split = args.validationSplit ?? 0;
    if (!(split >= 0 && split < 1)) throw new ValueError(`fit: validationSplit must be in [0, 1), got ${split}`);
    if (split > 0 && !args.validationData) {
      // Keras takes the last fraction, before any shuffling.
      const n = y.shape[0];
      const nTrain = Math.floor(n * (1 - split));
      if (nTrain === 0 || nTrain === n) throw new ValueError(`fit: validationSplit=${split} leaves no training or no validation samples out of ${n}`);
      validation = { xs: xs.map((t) => t.slice(nTrain)), y: y.slice(nTrain), sw: swAll ? swAll.slice(nTrain) : null };
      xs = xs.map((t) => t.slice(0, nTrain));
      yAll = y.slice(0, nTrain);
      if (swAll) swAll = swAll.slice(0, nTrain);
    }
    steps = args.stepsPerEpoch ?? Math.ceil(yAll.shape[0] / batchSize);
  } else {
    if (args.validationSplit) throw new ValueError('fit: validationSplit is not supported with a Dataset; pass validationData instead');
    steps = args.stepsPerEpoch ?? cardinalityOf(x as BatchSource);
  }
  if (args.validationData) {
    const vd = args.validationData;
    if (isBatchSource(vd)) validation = vd;
    else if (Array.isArray(vd) && vd.length >= 2) {
      const vxs = asList(vd[0]);
      checkInputs(model, vxs, 'fit (validationData)');
      if (vd[1].shape[0] !== vxs[0].shape[0]) throw new ValueError(`fit: validationData x has ${vxs[0].shape[0]} samples but y has ${vd[1].shape[0]}`);
      validation = { xs: vxs, y: vd[1], sw: vd[2] ?? null };
    } else throw new ValueError('fit: validationData must be [xVal, yVal] or a Dataset');
  }

  const history = new History();
  const progbar = verbose ? [new ProgbarLogger()] : [];
  // Keras 3's order: the user's callbacks, then History, then the progress bar.
  const list = new CallbackList([...(args.callbacks ?? []), history, ...progbar]);
  list.setModel(model);
  list.setParams({ epochs, steps, verbose });
  model.stopTraining = false;
  const rng = getRng().fork();
  const trackers = makeTrackers(c);
  let plan: StepPlan | null = null;
  const batchBuffers = new Map<Tensor, TypedArray>();
  let persistentIter: AsyncIterator<Tensor | Tensor[]> | null = null;

  // Callbacks such as BackupAndRestore may move the starting epoch during onTrainBegin (as in Keras).
  const resumable = model as unknown as { _initialEpoch: number };
  resumable._initialEpoch = args.initialEpoch ?? 0;
  await list.call('onTrainBegin');
  const firstEpoch = resumable._initialEpoch;
  let lastLogs: Logs = {};
  for (let epoch = firstEpoch; epoch < epochs && !model.stopTraining; epoch++) {
    trackers.loss.reset();
    trackers.metrics.forEach((m) => m.reset());
    await list.call('onEpochBegin', epoch);
    let step = 0;
    const runBatch = async (bxs: Tensor[], by: Tensor, bsw: Tensor | null): Promise<void> => {
      await list.call('onTrainBatchBegin', step);
      plan ??= planSteps(model);
      trainStep(model, c, bxs, by, bsw, trackers, plan);
      await list.call('onTrainBatchEnd', step, trackerLogs(c, trackers));
      step++;
      await tick();
    };
    if (!fromSource) {
      const n = yAll!.shape[0];
      const order = new Int32Array(n);
      for (let i = 0; i < n; i++) order[i] = i;
      if (shuffle) rng.shuffle(order);
      for (let s = 0; s < steps! && !model.stopTraining; s++) {
        const start = (s * batchSize) % n;
        const idx = order.subarray(start, Math.min(start + batchSize, n));
        plan ??= planSteps(model);
        const g = (t: Tensor) => gatherInto(t, idx, batchBuffers, plan!.keep);
        await runBatch(xs.map(g), g(yAll!), swAll ? g(swAll) : null);
      }
    } else {
      const src = x as BatchSource;
      const iter = args.stepsPerEpoch ? (persistentIter ??= src[Symbol.asyncIterator]()) : src[Symbol.asyncIterator]();
      while (!model.stopTraining && (steps === null || step < steps)) {
        const r = await iter.next();
        if (r.done) break;
        const b = unpack(r.value, 'fit');
        if (!b.y) throw new ValueError('fit: the dataset must yield [x, y] pairs');
        if (step === 0 && epoch === firstEpoch) checkInputs(model, b.xs, 'fit');
        await runBatch(b.xs, b.y, b.sw);
      }
      if (steps === null) list.setParams({ epochs, steps: step, verbose });
    }
    let logs = trackerLogs(c, trackers);
    if (validation) {
      await list.call('onTestBegin');
      const v = await runEvaluation(model, c, validation, { batchSize: args.validationBatchSize ?? batchSize, steps: args.validationSteps, verbose: 0, callbacks: list });
      await list.call('onTestEnd', v);
      for (const [k, val] of Object.entries(v)) logs[`val_${k}`] = val;
    }
    logs = Object.fromEntries(displayOrder(logs));
    lastLogs = logs;
    await list.call('onEpochEnd', epoch, logs);
  }
  await list.call('onTrainEnd', lastLogs);
  return history;
}

async function runEvaluation(model: Model, c: CompiledState, data: { xs: Tensor[]; y: Tensor; sw: Tensor | null } | BatchSource,
  opts: { batchSize: number; steps?: number; verbose: 0 | 1 | 2; callbacks?: CallbackList }): Promise<Logs> {
  const t = makeTrackers(c);
  const evalBatch = (xs: Tensor[], y: Tensor, sw: Tensor | null): void => {
    noGrad(() => {
      const yPred = forward(model, xs, false);
      const { total } = totalLoss(model, c, y, yPred, sw, 'evaluate');
      t.loss.updateWeighted(total.item(), xs[0].shape[0]);
      updateMetrics(c, t, y, yPred);
    });
  };
  let bar: Progbar | null = null;
  let step = 0;
  const after = async (): Promise<void> => {
    step++;
    bar?.update(step, displayOrder(trackerLogs(c, t)));
    await opts.callbacks?.call('onTestBatchEnd', step - 1, trackerLogs(c, t));
  };
  if (isBatchSource(data)) {
    // Endless iterators (ImageDataGenerator.flow*) stop after one pass of their cardinality, as Keras.
    const total = opts.steps ?? cardinalityOf(data);
    if (opts.verbose) bar = new Progbar({ target: total, verbose: opts.verbose });
    const iter = data[Symbol.asyncIterator]();
    while (total === null || step < total) {
      const r = await iter.next();
      if (r.done) break;
      const b = unpack(r.value, 'evaluate');
      if (!b.y) throw new ValueError('evaluate: the dataset must yield [x, y] pairs');
      evalBatch(b.xs, b.y, b.sw);
      await after();
    }
  } else {
    const n = data.y.shape[0];
    const steps = Math.min(opts.steps ?? Infinity, Math.ceil(n / opts.batchSize));
    if (opts.verbose) bar = new Progbar({ target: steps, verbose: opts.verbose });
    for (let s = 0; s < steps; s++) {
      const a = s * opts.batchSize, b = Math.min(a + opts.batchSize, n);
      evalBatch(data.xs.map((x) => x.slice(a, b)), data.y.slice(a, b), data.sw ? data.sw.slice(a, b) : null);
      await after();
    }
  }
  bar?.update(step, displayOrder(trackerLogs(c, t)), true);
  return trackerLogs(c, t);
}

export async function evaluateModel(model: Model, x: Tensor | Tensor[] | BatchSource, yOrArgs?: Tensor | EvaluateArgs,
  maybeArgs?: EvaluateArgs): Promise<number | number[] | Record<string, number>> {
  const c = requireCompiled(model, 'evaluate');
  const fromSource = isBatchSource(x);
  const args: EvaluateArgs = (fromSource ? (yOrArgs as EvaluateArgs) : maybeArgs) ?? {};
  const batchSize = args.batchSize ?? 32;
  checkPositiveInt(batchSize, 'evaluate: batchSize');
  const verbose = verbosity(args.verbose);
  let data: { xs: Tensor[]; y: Tensor; sw: Tensor | null } | BatchSource;
  if (fromSource) data = x as BatchSource;
  else {
    const xs = asList(x as Tensor | Tensor[]);
    const y = yOrArgs;
    if (!(y instanceof Tensor)) throw new ValueError('evaluate: y (the targets) is required when x is a Tensor');
    checkInputs(model, xs, 'evaluate');
    if (y.shape[0] !== xs[0].shape[0]) throw new ValueError(`evaluate: x and y must have the same number of samples: x has ${xs[0].shape[0]}, y has ${y.shape[0]}`);
    data = { xs, y, sw: args.sampleWeight ?? null };
  }
  const list = new CallbackList(args.callbacks ?? []);
  list.setModel(model);
  await list.call('onTestBegin');
  const logs = await runEvaluation(model, c, data, { batchSize, steps: args.steps, verbose, callbacks: list });
  await list.call('onTestEnd', logs);
  if (args.returnDict) return logs;
  const values = [logs.loss, ...c.metrics.map((m) => logs[m.name])];
  return values.length === 1 ? values[0] : values;
}

export function predictModel(model: Model, x: Tensor | Tensor[] | BatchSource, args: PredictArgs): Tensor | Tensor[] | Promise<Tensor | Tensor[]> {
  const batchSize = args.batchSize ?? 32;
  checkPositiveInt(batchSize, 'predict: batchSize');
  const verbose = verbosity(args.verbose);
  const collect = (outs: (Tensor | Tensor[])[]): Tensor | Tensor[] => {
    if (outs.length === 0) throw new ValueError('predict: no data to predict on');
    if (Array.isArray(outs[0])) return (outs[0] as Tensor[]).map((_, k) => ops.concat(outs.map((o) => (o as Tensor[])[k]), 0));
    return outs.length === 1 ? (outs[0] as Tensor) : ops.concat(outs as Tensor[], 0);
  };
  const run = (xs: Tensor[]): Tensor | Tensor[] => noGrad(() => model.applyEager(xs.length === 1 ? toFloat(xs[0]) : xs.map(toFloat), { training: false }) as Tensor | Tensor[]);
  if (isBatchSource(x)) {
    return (async () => {
      const outs: (Tensor | Tensor[])[] = [];
      const total = args.steps ?? cardinalityOf(x);
      const bar = verbose ? new Progbar({ target: total, verbose }) : null;
      for await (const el of x as AsyncIterable<Tensor | Tensor[]>) {
        outs.push(run(unpack(el, 'predict').xs));
        bar?.update(outs.length, []);
        if (total !== null && outs.length >= total) break;
      }
      bar?.update(outs.length, [], true);
      return collect(outs);
    })();
  }
  const xs = asList(x as Tensor | Tensor[]);
  for (const t of xs) if (!(t instanceof Tensor)) throw new ValueError(`predict: x must be a Tensor, a list of Tensors or a Dataset, got ${typeof t}`);
  checkInputs(model, xs, 'predict');
  const n = xs[0].shape[0];
  const steps = Math.ceil(n / batchSize);
  const bar = verbose ? new Progbar({ target: steps, verbose }) : null;
  const outs: (Tensor | Tensor[])[] = [];
  for (let s = 0; s < steps; s++) {
    outs.push(run(xs.map((t) => t.slice(s * batchSize, Math.min((s + 1) * batchSize, n)))));
    bar?.update(s + 1, []);
  }
  bar?.update(steps, [], true);
  return collect(outs);
}

