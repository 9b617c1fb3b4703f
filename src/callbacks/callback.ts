// Callbacks: Keras's hook interface, the list that dispatches hooks, History (always attached by
// fit) and ProgbarLogger (the progress bar).
import { ValueError } from '../errors.js';
import type { Model } from '../models/model.js';
import { Progbar, type Writer, printMessage } from '../utils/progbar.js';

export type Logs = Record<string, number>;

/** Anything a callback can be attached to (a model). */
export interface CallbackModel {
  stopTraining: boolean;
}

export interface TrainingParams {
  epochs: number;
  steps: number | null;
  verbose: 0 | 1 | 2;
}

/** Base class with Keras's hooks (camelCase); every hook may be async. */
export class Callback {
  /** The model the callback is attached to: set by fit/evaluate/predict before the first hook. */
  model!: Model;
  params: TrainingParams = { epochs: 1, steps: null, verbose: 1 };
  setModel(model: Model): void {
    this.model = model;
  }
  setParams(params: TrainingParams): void {
    this.params = params;
  }
  onTrainBegin(_logs?: Logs): void | Promise<void> {}
  onTrainEnd(_logs?: Logs): void | Promise<void> {}
  onEpochBegin(_epoch: number, _logs?: Logs): void | Promise<void> {}
  onEpochEnd(_epoch: number, _logs?: Logs): void | Promise<void> {}
  /** Keras's on_batch_begin/end: called by the training-batch hooks unless those are overridden. */
  onBatchBegin(_batch: number, _logs?: Logs): void | Promise<void> {}
  onBatchEnd(_batch: number, _logs?: Logs): void | Promise<void> {}
  onTrainBatchBegin(batch: number, logs?: Logs): void | Promise<void> {
    return this.onBatchBegin(batch, logs);
  }
  onTrainBatchEnd(batch: number, logs?: Logs): void | Promise<void> {
    return this.onBatchEnd(batch, logs);
  }
  onTestBegin(_logs?: Logs): void | Promise<void> {}
  onTestEnd(_logs?: Logs): void | Promise<void> {}
  onTestBatchBegin(_batch: number, _logs?: Logs): void | Promise<void> {}
  onTestBatchEnd(_batch: number, _logs?: Logs): void | Promise<void> {}
  onPredictBegin(_logs?: Logs): void | Promise<void> {}
  onPredictEnd(_logs?: Logs): void | Promise<void> {}
  onPredictBatchBegin(_batch: number, _logs?: Logs): void | Promise<void> {}
  onPredictBatchEnd(_batch: number, _logs?: Logs): void | Promise<void> {}
}

type Hook = Exclude<keyof Callback, 'model' | 'params' | 'setModel' | 'setParams'>;

/** Dispatches each hook to every callback in order, awaiting async ones. */
export class CallbackList {
  private running = 0;
  constructor(readonly callbacks: Callback[]) {}
  setModel(m: Model): void {
    for (const c of this.callbacks) c.setModel(m);
  }
  setParams(p: TrainingParams): void {
    for (const c of this.callbacks) c.setParams(p);
  }

  /** Whether a hook is running now (a loop started from a callback is nested in this one, not beside it). */
  get inHook(): boolean {
    return this.running > 0;
  }

  async call(hook: Hook, ...args: unknown[]): Promise<void> {
    for (const c of this.callbacks) {
      const pending = this.start(c, hook, args);
      if (pending) {
        try {
          await pending;
        } finally {
          this.running--;
        }
      }
    }
  }

  /** Dispatches a hook where nothing can be awaited (predict on tensors); an async hook is an error. */
  callSync(hook: Hook, ...args: unknown[]): void {
    for (const c of this.callbacks) {
      const pending = this.start(c, hook, args);
      if (pending) {
        this.running--;
        pending.catch(() => undefined);
        throw new ValueError(
          `${c.constructor.name}.${hook} returned a Promise, but predict on tensors is synchronous ` +
            'and cannot await it; make the hook synchronous or predict on a Dataset',
        );
      }
    }
  }

  /** Calls one hook; returns its promise if it is still pending (counted as running until settled). */
  private start(c: Callback, hook: Hook, args: unknown[]): Promise<void> | null {
    this.running++;
    let r: void | Promise<void>;
    try {
      r = (c[hook] as (...a: unknown[]) => void | Promise<void>).apply(c, args);
    } catch (e) {
      this.running--;
      throw e;
    }
    if (r && typeof r.then === 'function') return r;
    this.running--;
    return null;
  }
}

/** Records the epoch logs; fit returns it. */
export class History extends Callback {
  epoch: number[] = [];
  history: Record<string, number[]> = {};
  override onTrainBegin(): void {
    this.epoch = [];
  }
  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}

/** Keys in display order: alphabetical, as Keras 3 logs show them. */
export function displayOrder(logs: Logs): [string, number][] {
  return Object.keys(logs)
    .sort()
    .map((k) => [k, logs[k]]);
}

/**
 * The progress bar of fit (with `Epoch e/E` lines), evaluate and predict. Inside fit, validation
 * runs silently (as in Keras 3).
 */
export class ProgbarLogger extends Callback {
  private bar: Progbar | null = null;
  private seen = 0;
  private inFit = false;
  constructor(
    private readonly write?: Writer,
    private readonly dynamic?: boolean,
  ) {
    super();
  }

  private out(s: string): void {
    (this.write ?? printMessage)(s);
  }

  private startBar(): void {
    const { steps, verbose } = this.params;
    this.bar = verbose === 0 ? null : new Progbar({ target: steps, verbose, write: this.write, dynamic: this.dynamic });
    this.seen = 0;
  }

  private advance(batch: number, logs: Logs): void {
    this.seen = batch + 1;
    this.bar?.update(this.seen, displayOrder(logs));
  }

  private finish(logs: Logs): void {
    this.bar?.update(this.seen, displayOrder(logs), true);
    this.bar = null;
  }

  override onTrainBegin(): void {
    this.inFit = true;
  }
  override onTrainEnd(): void {
    this.inFit = false;
  }

  override onEpochBegin(epoch: number): void {
    if (this.params.verbose === 0) return;
    if (this.params.epochs > 1) this.out(`Epoch ${epoch + 1}/${this.params.epochs}\n`);
    this.startBar();
  }
  override onTrainBatchEnd(batch: number, logs: Logs = {}): void {
    this.advance(batch, logs);
  }
  override onEpochEnd(_epoch: number, logs: Logs = {}): void {
    this.finish(logs);
  }

  override onTestBegin(): void {
    if (!this.inFit) this.startBar();
  }
  override onTestBatchEnd(batch: number, logs: Logs = {}): void {
    if (!this.inFit) this.advance(batch, logs);
  }
  override onTestEnd(logs: Logs = {}): void {
    if (!this.inFit) this.finish(logs);
  }

  override onPredictBegin(): void {
    this.startBar();
  }
  override onPredictBatchEnd(batch: number): void {
    this.advance(batch, {});
  }
  override onPredictEnd(): void {
    this.finish({});
  }
}
