// What Model's trainStep/testStep/predictStep do unless a subclass overrides them (Keras's
// train_step, test_step, predict_step): the forward pass, the compiled loss (mean over the batch,
// weighted by sample weights, plus regularisation), the update, and the running means of the loss
// and metrics. Also the context a loop gives the step methods while it calls them.
import { gradients, noGrad, releaseGraph } from '../../autograd/tape.js';
import type { Logs } from '../../callbacks/callback.js';
import { ShapeError, ValueError, fmtShape } from '../../errors.js';
import { Mean } from '../../metrics/index.js';
import * as ops from '../../ops/index.js';
import type { Tensor, Variable } from '../../tensor/tensor.js';
import type { Model } from '../model.js';
import type { CompiledState } from '../training.js';
import { type Batch, asList } from './data_adapter.js';

/** Running means of the loss and of each compiled metric over the batches seen so far. */
export interface Trackers {
  loss: Mean;
  metrics: Mean[];
}

/**
 * What a fit's steps share: the trainable weights (captured at the first step: as in Keras,
 * changes to `trainable` take effect at the next fit or compile) and the buffers a step must never
 * recycle (the weights' and the batch buffers').
 */
export class StepPlan {
  vars: Variable[] = [];
  readonly keep = new Set<ArrayBufferLike>();
  private captured = false;

  capture(model: Model): void {
    if (this.captured) return;
    this.captured = true;
    this.vars = model.trainableWeights;
    for (const w of model.weights) this.keep.add(w.data.buffer);
  }
}

/**
 * What the default step methods work with while a loop calls them: the compiled loss and metrics,
 * the running means to update, and in fit the step plan (without one, a step recycles nothing).
 */
export interface StepContext {
  readonly compiled: CompiledState;
  readonly trackers: Trackers;
  readonly plan: StepPlan | null;
}

export function requireCompiled(model: Model, what: string): CompiledState {
  if (!model.compiled) {
    throw new ValueError(
      `${what}: the model '${model.name}' must be compiled first: ` + 'call model.compile({optimizer, loss, metrics})',
    );
  }
  return model.compiled;
}

export function newContext(compiled: CompiledState, plan: StepPlan | null = null): StepContext {
  const trackers = { loss: new Mean('loss'), metrics: compiled.metrics.map((m) => new Mean(m.name)) };
  return { compiled, plan, trackers };
}

/** The logs a step reports: the running means, with `prefix` on their keys. */
export function trackerLogs(ctx: StepContext, prefix = ''): Logs {
  const { compiled: c, trackers: t } = ctx;
  const logs: Logs = { [`${prefix}loss`]: t.loss.result() };
  c.metrics.forEach((m, i) => {
    logs[`${prefix}${m.name}`] = t.metrics[i].result();
  });
  return logs;
}

/**
 * Calls a step method with `ctx` as the model's step context. Steps are synchronous, so a loop
 * started inside another's callback (an evaluate in onEpochEnd) never sees the other's context.
 */
export function withContext<T>(model: Model, ctx: StepContext, step: () => T): T {
  const prev = model.stepContext;
  model.stepContext = ctx;
  try {
    return step();
  } finally {
    model.stepContext = prev;
  }
}

/** The context of the loop calling, or a fresh one for a step called by hand (nothing recycled). */
function contextOf(model: Model, what: string): StepContext {
  return model.stepContext ?? newContext(requireCompiled(model, what));
}

function toFloat(x: Tensor): Tensor {
  return x.dtype === 'float32' ? x : ops.cast(x, 'float32');
}

function targets(batch: Batch, what: string): Tensor {
  if (!batch.y) throw new ValueError(`${what}: the batch has no targets (y)`);
  return batch.y;
}

function forward(model: Model, x: Tensor | Tensor[], training: boolean): Tensor {
  const xs = asList(x);
  const out = model.applyEager(xs.length === 1 ? toFloat(xs[0]) : xs.map(toFloat), { training });
  if (Array.isArray(out)) {
    throw new ValueError(`Model '${model.name}': training with several outputs is not supported yet`);
  }
  return out;
}

/** Mean loss over the batch (weighted if sample weights are given) plus regularisation. */
function totalLoss(model: Model, c: CompiledState, y: Tensor, yPred: Tensor, sw: Tensor | null, where: string): Tensor {
  let perSample: Tensor;
  try {
    perSample = c.loss.fn(y, yPred);
  } catch (e) {
    if (e instanceof ShapeError) {
      throw new ShapeError(
        `${where}: y of batch shape ${fmtShape(y.shape)} does not fit the model output of shape ` +
          `${fmtShape(yPred.shape)} for loss '${c.loss.name}': ${e.message}`,
      );
    }
    throw e;
  }
  const n = perSample.size;
  let loss = sw
    ? ops.div(ops.sum(ops.mul(ops.reshape(perSample, [n]), ops.reshape(toFloat(sw), [n]))), n)
    : ops.mean(perSample);
  for (const r of model.regularizationLosses()) loss = ops.add(loss, r);
  return loss;
}

function track(ctx: StepContext, loss: Tensor, batchSize: number, y: Tensor, yPred: Tensor): void {
  const { compiled: c, trackers: t } = ctx;
  t.loss.updateWeighted(loss.item(), batchSize);
  c.metrics.forEach((m, i) => t.metrics[i].update(m.fn(y, yPred)));
}

export function defaultTrainStep(model: Model, batch: Batch): Logs {
  const ctx = contextOf(model, 'trainStep');
  const c = ctx.compiled;
  const y = targets(batch, 'trainStep');
  const yPred = forward(model, batch.x, true);
  const loss = totalLoss(model, c, y, yPred, batch.sampleWeight, 'fit');
  const vars = ctx.plan ? ctx.plan.vars : model.trainableWeights;
  let grads: Tensor[] = [];
  if (vars.length > 0) {
    grads = gradients(loss, vars);
    noGrad(() => c.optimizer.applyGradients(grads, vars));
  }
  track(ctx, loss, asList(batch.x)[0].shape[0], y, yPred);
  // Nothing of this step outlives it but the weights (views of them share their buffers, so
  // those are kept): its activations and gradients are recycled for the next step.
  if (ctx.plan) releaseGraph(loss, ctx.plan.keep, grads);
  return trackerLogs(ctx);
}

export function defaultTestStep(model: Model, batch: Batch): Logs {
  const ctx = contextOf(model, 'testStep');
  const y = targets(batch, 'testStep');
  noGrad(() => {
    const yPred = forward(model, batch.x, false);
    const loss = totalLoss(model, ctx.compiled, y, yPred, batch.sampleWeight, 'evaluate');
    track(ctx, loss, asList(batch.x)[0].shape[0], y, yPred);
  });
  return trackerLogs(ctx);
}

export function defaultPredictStep(model: Model, batch: Batch): Tensor | Tensor[] {
  const xs = asList(batch.x);
  return noGrad(() => model.applyEager(xs.length === 1 ? toFloat(xs[0]) : xs.map(toFloat), { training: false }));
}
