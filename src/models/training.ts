// compile, and the fit/evaluate/predict loops with Keras 3 semantics: validation at epoch end
// (val_ keys), seeded shuffling, callbacks with Keras's hooks and the progress bar. The pieces the
// three loops share are under training/: the data adapters (arrays, datasets, generators into
// batches), the epoch iterator (steps per epoch, where a source stops), and the default step
// methods that Model's trainStep/testStep/predictStep call unless a subclass overrides them.
import { Callback, CallbackList, History, type Logs, ProgbarLogger, displayOrder } from '../callbacks/callback.js';
import { ValueError } from '../errors.js';
import { getLoss, type LossFn } from '../losses/index.js';
import { type CompiledMetric, getMetric, type MetricFn } from '../metrics/index.js';
import * as ops from '../ops/index.js';
import { type Optimizer, getOptimizer } from '../optimizers/index.js';
import { getRng } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import type { Model } from './model.js';
import {
  type ArrayData,
  ArrayDataAdapter,
  type BatchGenerator,
  type BatchSource,
  SourceDataAdapter,
  arrayData,
  asList,
  checkInputs,
  isSource,
  splitValidation,
} from './training/data_adapter.js';
import { type DataAdapter, EpochIterator } from './training/epoch_iterator.js';
import {
  type OptionNames,
  checkBoolean,
  checkNonNegativeInt,
  checkOptions,
  checkPositiveInt,
  describeValue,
} from './training/options.js';
import { StepPlan, newContext, requireCompiled, trackerLogs, withContext } from './training/step.js';

export type { Batch, BatchGenerator, BatchSource } from './training/data_adapter.js';

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

/** What fit/evaluate/predict take: arrays, or a source that yields its own batches. */
export type TrainingData = Tensor | Tensor[] | BatchSource | BatchGenerator;

export type Verbose = 0 | 1 | 2 | 'auto';

export interface FitArgs {
  batchSize?: number;
  epochs?: number;
  verbose?: Verbose;
  callbacks?: Callback[];
  validationSplit?: number;
  validationData?: [Tensor, Tensor] | [Tensor, Tensor, Tensor] | BatchSource | BatchGenerator;
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
  callbacks?: Callback[];
}

export function compileModel(model: Model, args: CompileArgs): void {
  if (!args || typeof args !== 'object') {
    throw new ValueError('compile: expected an options object {optimizer, loss, metrics}');
  }
  checkOptions<CompileArgs>(args, { optimizer: true, loss: true, metrics: true }, 'compile');
  if (args.loss === undefined) throw new ValueError("compile: 'loss' is required (e.g. 'categorical_crossentropy')");
  const optimizer = getOptimizer(args.optimizer ?? 'rmsprop');
  const loss = getLoss(args.loss);
  if (args.metrics !== undefined && !Array.isArray(args.metrics)) {
    throw new ValueError(`compile: metrics must be a list (e.g. ['accuracy']), got ${JSON.stringify(args.metrics)}`);
  }
  const metrics = (args.metrics ?? []).map((m) => getMetric(m));
  model.compiled = {
    optimizer,
    loss,
    metrics,
    config: {
      optimizer:
        typeof args.optimizer === 'string'
          ? args.optimizer
          : { class_name: optimizer.className, config: optimizer.getConfig() },
      loss: loss.name,
      metrics: metrics.map((m) => m.name),
    },
  };
}

function verbosity(v: Verbose | undefined): 0 | 1 | 2 {
  if (v === undefined || v === 'auto') return 1;
  if (v !== 0 && v !== 1 && v !== 2) {
    throw new ValueError(`verbose: expected 0, 1, 2 or 'auto', got ${JSON.stringify(v)}`);
  }
  return v;
}

const FIT_OPTIONS: OptionNames<FitArgs> = {
  batchSize: true,
  epochs: true,
  verbose: true,
  callbacks: true,
  validationSplit: true,
  validationData: true,
  shuffle: true,
  initialEpoch: true,
  stepsPerEpoch: true,
  validationSteps: true,
  validationBatchSize: true,
  sampleWeight: true,
};
const EVALUATE_OPTIONS: OptionNames<EvaluateArgs> = {
  batchSize: true,
  verbose: true,
  steps: true,
  returnDict: true,
  callbacks: true,
  sampleWeight: true,
};
const PREDICT_OPTIONS: OptionNames<PredictArgs> = { batchSize: true, verbose: true, steps: true, callbacks: true };

/**
 * fit(x, y, args) and fit(dataset, args): the targets (for arrays) and the options, checked
 * against the names the loop knows.
 */
function targetsAndArgs<A extends object>(
  x: TrainingData,
  yOrArgs: Tensor | A | undefined,
  maybeArgs: A | undefined,
  names: OptionNames<A>,
  where: string,
): { y: Tensor | null; args: A } {
  if (isSource(x)) {
    return { y: null, args: checkOptions(yOrArgs instanceof Tensor ? maybeArgs : yOrArgs, names, where) };
  }
  return { y: yOrArgs instanceof Tensor ? yOrArgs : null, args: checkOptions(maybeArgs, names, where) };
}

/**
 * The fit running on a model, so that a second one (or an evaluate/predict from outside its
 * callbacks: a forgotten `await`) is refused instead of interleaving its steps with the first's.
 */
export interface FitRun {
  callbacks: CallbackList | null;
}

function refuseDuringFit(model: Model, what: 'fit' | 'evaluate' | 'predict'): void {
  const run = model.runningFit;
  // evaluate or predict inside one of the fit's own callbacks is nested in it, not beside it
  if (!run || (what !== 'fit' && run.callbacks?.inHook)) return;
  throw new ValueError(`model '${model.name}' is already training; await the first fit`);
}

function adapterFor(data: ArrayData | BatchSource | BatchGenerator, batchSize: number): DataAdapter {
  return isSource(data) ? new SourceDataAdapter(data) : new ArrayDataAdapter(data, batchSize);
}

/** The callbacks of one loop, in Keras 3's order: the user's, then History (fit), then the progress bar. */
function callbackList(
  model: Model,
  user: Callback[] | undefined,
  verbose: 0 | 1 | 2,
  history: History | null,
): CallbackList {
  const bar = verbose ? [new ProgbarLogger()] : [];
  const list = new CallbackList([...(user ?? []), ...(history ? [history] : []), ...bar]);
  list.setModel(model);
  return list;
}

function checkValidationData(
  model: Model,
  vd: NonNullable<FitArgs['validationData']>,
): ArrayData | BatchSource | BatchGenerator {
  if (isSource(vd)) return vd;
  if (!Array.isArray(vd) || vd.length < 2) {
    throw new ValueError('fit: validationData must be [xVal, yVal] or a Dataset');
  }
  const xs = asList(vd[0]);
  checkInputs(model, xs, 'fit (validationData)');
  if (vd[1].shape[0] !== xs[0].shape[0]) {
    throw new ValueError(`fit: validationData x has ${xs[0].shape[0]} samples but y has ${vd[1].shape[0]}`);
  }
  return { xs, y: vd[1], sw: vd[2] ?? null };
}

export async function fitModel(
  model: Model,
  x: TrainingData,
  yOrArgs?: Tensor | FitArgs,
  maybeArgs?: FitArgs,
): Promise<History> {
  refuseDuringFit(model, 'fit');
  const run: FitRun = { callbacks: null };
  model.runningFit = run;
  try {
    return await fit(model, run, x, yOrArgs, maybeArgs);
  } finally {
    model.runningFit = null;
  }
}

async function fit(
  model: Model,
  run: FitRun,
  x: TrainingData,
  yOrArgs: Tensor | FitArgs | undefined,
  maybeArgs: FitArgs | undefined,
): Promise<History> {
  const c = requireCompiled(model, 'fit');
  const { y, args } = targetsAndArgs(x, yOrArgs, maybeArgs, FIT_OPTIONS, 'fit');
  const epochs = args.epochs ?? 1;
  const batchSize = args.batchSize ?? 32;
  checkPositiveInt(epochs, 'fit: epochs');
  checkPositiveInt(batchSize, 'fit: batchSize');
  checkPositiveInt(args.stepsPerEpoch, 'fit: stepsPerEpoch');
  checkPositiveInt(args.validationSteps, 'fit: validationSteps');
  checkPositiveInt(args.validationBatchSize, 'fit: validationBatchSize');
  checkNonNegativeInt(args.initialEpoch, 'fit: initialEpoch');
  checkBoolean(args.shuffle, 'fit: shuffle');
  if (args.validationSplit !== undefined && typeof args.validationSplit !== 'number') {
    throw new ValueError(`fit: validationSplit must be a number in [0, 1), got ${describeValue(args.validationSplit)}`);
  }
  const verbose = verbosity(args.verbose);

  let train: ArrayData | BatchSource | BatchGenerator;
  let validation: ArrayData | BatchSource | BatchGenerator | null = null;
  if (isSource(x)) {
    if (args.validationSplit) {
      throw new ValueError('fit: validationSplit is not supported with a Dataset; pass validationData instead');
    }
    train = x;
  } else {
    train = arrayData(model, x, y, args.sampleWeight ?? null, 'fit', true);
    const split = args.validationSplit ?? 0;
    if (!(split >= 0 && split < 1)) throw new ValueError(`fit: validationSplit must be in [0, 1), got ${split}`);
    if (split > 0 && !args.validationData) ({ train, validation } = splitValidation(train, split));
  }
  if (args.validationData) validation = checkValidationData(model, args.validationData);

  // The shuffling stream is forked from the global seed whether or not it is used, so what
  // follows a fit draws the same numbers either way.
  const rng = getRng().fork();
  const plan = new StepPlan();
  const adapter = isSource(train)
    ? new SourceDataAdapter(train)
    : new ArrayDataAdapter(train, batchSize, { rng: (args.shuffle ?? true) ? rng : null, keep: plan.keep });
  const batches = new EpochIterator(adapter, {
    steps: args.stepsPerEpoch,
    continueAcrossEpochs: args.stepsPerEpoch !== undefined,
    where: 'fit',
    needsTargets: true,
    model,
  });
  const validationBatches =
    validation &&
    new EpochIterator(adapterFor(validation, args.validationBatchSize ?? batchSize), {
      steps: args.validationSteps,
      where: 'evaluate',
      needsTargets: true,
      model,
    });

  const history = new History();
  const list = callbackList(model, args.callbacks, verbose, history);
  run.callbacks = list;
  list.setParams({ epochs, steps: batches.steps, verbose });
  model.stopTraining = false;
  // Callbacks such as BackupAndRestore may move the starting epoch during onTrainBegin (as in Keras).
  model.initialEpoch = args.initialEpoch ?? 0;
  await list.call('onTrainBegin');
  let lastLogs: Logs = {};
  for (let epoch = model.initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
    const ctx = newContext(c, plan);
    await list.call('onEpochBegin', epoch);
    let step = 0;
    let stepLogs: Logs | null = null;
    for await (const batch of batches.epoch(() => model.stopTraining)) {
      plan.capture(model);
      await list.call('onTrainBatchBegin', step);
      stepLogs = withContext(model, ctx, () => model.trainStep(batch));
      await list.call('onTrainBatchEnd', step, stepLogs);
      step++;
    }
    if (batches.steps === null) list.setParams({ epochs, steps: step, verbose });
    let logs: Logs = { ...(stepLogs ?? trackerLogs(ctx)) };
    if (validationBatches) {
      const v = await testLoop(model, validationBatches, list);
      for (const [k, val] of Object.entries(v)) logs[`val_${k}`] = val;
    }
    logs = Object.fromEntries(displayOrder(logs));
    lastLogs = logs;
    await list.call('onEpochEnd', epoch, logs);
  }
  await list.call('onTrainEnd', lastLogs);
  return history;
}

/** One pass of testStep over the batches (evaluate, and fit's validation), with the test hooks. */
async function testLoop(model: Model, batches: EpochIterator, list: CallbackList): Promise<Logs> {
  const ctx = newContext(requireCompiled(model, 'evaluate'));
  await list.call('onTestBegin');
  let step = 0;
  let stepLogs: Logs | null = null;
  for await (const batch of batches.epoch()) {
    await list.call('onTestBatchBegin', step);
    stepLogs = withContext(model, ctx, () => model.testStep(batch));
    await list.call('onTestBatchEnd', step, stepLogs);
    step++;
  }
  const logs = { ...(stepLogs ?? trackerLogs(ctx)) };
  await list.call('onTestEnd', logs);
  return logs;
}

export async function evaluateModel(
  model: Model,
  x: TrainingData,
  yOrArgs?: Tensor | EvaluateArgs,
  maybeArgs?: EvaluateArgs,
): Promise<number | number[] | Record<string, number>> {
  refuseDuringFit(model, 'evaluate');
  const c = requireCompiled(model, 'evaluate');
  const { y, args } = targetsAndArgs(x, yOrArgs, maybeArgs, EVALUATE_OPTIONS, 'evaluate');
  const batchSize = args.batchSize ?? 32;
  checkPositiveInt(batchSize, 'evaluate: batchSize');
  checkPositiveInt(args.steps, 'evaluate: steps');
  checkBoolean(args.returnDict, 'evaluate: returnDict');
  const verbose = verbosity(args.verbose);
  const data = isSource(x) ? x : arrayData(model, x, y, args.sampleWeight ?? null, 'evaluate', true);
  const batches = new EpochIterator(adapterFor(data, batchSize), {
    steps: args.steps,
    where: 'evaluate',
    needsTargets: true,
    model,
  });
  const list = callbackList(model, args.callbacks, verbose, null);
  list.setParams({ epochs: 1, steps: batches.steps, verbose });
  const logs = await testLoop(model, batches, list);
  if (args.returnDict) return logs;
  const values = [logs.loss, ...c.metrics.map((m) => logs[m.name])];
  return values.length === 1 ? values[0] : values;
}

/** Joins the batches' predictions along the batch axis (per output for several outputs). */
function concatOutputs(outs: (Tensor | Tensor[])[]): Tensor | Tensor[] {
  if (outs.length === 0) throw new ValueError('predict: no data to predict on');
  const first = outs[0];
  if (Array.isArray(first))
    return first.map((_, k) =>
      ops.concat(
        outs.map((o) => asList(o)[k]),
        0,
      ),
    );
  return outs.length === 1
    ? first
    : ops.concat(
        outs.map((o) => asList(o)[0]),
        0,
      );
}

export function predictModel(
  model: Model,
  x: TrainingData,
  options: PredictArgs | undefined,
): Tensor | Tensor[] | Promise<Tensor | Tensor[]> {
  refuseDuringFit(model, 'predict');
  const args = checkOptions(options, PREDICT_OPTIONS, 'predict');
  const batchSize = args.batchSize ?? 32;
  checkPositiveInt(batchSize, 'predict: batchSize');
  checkPositiveInt(args.steps, 'predict: steps');
  const verbose = verbosity(args.verbose);
  const data = isSource(x) ? x : arrayData(model, x, null, null, 'predict', false);
  const batches = new EpochIterator(adapterFor(data, batchSize), {
    steps: args.steps,
    where: 'predict',
    needsTargets: false,
    model,
  });
  const list = callbackList(model, args.callbacks, verbose, null);
  list.setParams({ epochs: 1, steps: batches.steps, verbose });
  const outs: (Tensor | Tensor[])[] = [];
  if (isSource(x)) {
    return (async () => {
      await list.call('onPredictBegin');
      for await (const batch of batches.epoch()) {
        await list.call('onPredictBatchBegin', outs.length);
        outs.push(model.predictStep(batch));
        await list.call('onPredictBatchEnd', outs.length - 1);
      }
      await list.call('onPredictEnd');
      return concatOutputs(outs);
    })();
  }
  // Arrays are predicted synchronously, as Keras's predict returns its result: hooks cannot be awaited.
  list.callSync('onPredictBegin');
  for (const batch of batches.arrayEpoch()) {
    list.callSync('onPredictBatchBegin', outs.length);
    outs.push(model.predictStep(batch));
    list.callSync('onPredictBatchEnd', outs.length - 1);
  }
  list.callSync('onPredictEnd');
  return concatOutputs(outs);
}
