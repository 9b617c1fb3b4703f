// The standard training callbacks with Keras 3's semantics and messages: EarlyStopping,
// ReduceLROnPlateau, CSVLogger (written atomically: temp file + fsync + rename at every epoch
// end, so a run that dies keeps every earlier row), TerminateOnNaN and LambdaCallback.
// History and the progress bar are in callback.ts; ModelCheckpoint belongs to the model files.
import { existsSync, readFileSync } from 'node:fs';
import { ValueError } from '../errors.js';
import { atomicWriteFileSync } from '../io/atomic.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  type OptionNames,
  checkBoolean,
  checkNonNegativeInt,
  checkNumber,
  checkOptions,
  describeValue,
} from '../options.js';
import { Callback, type Logs } from './callback.js';

export type MonitorMode = 'auto' | 'min' | 'max';
type Print = (line: string) => void;
const defaultPrint: Print = (line) => {
  process.stdout.write(`${line}\n`);
};

/** A float as Python's repr writes it (shortest round-trip digits; exponent form below 1e-4 or from 1e16). */
export function pyFloat(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const [mant, expStr] = v.toExponential().split('e');
  const exp = Number(expStr);
  if (exp < -4 || exp >= 16) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  const s = String(v);
  const fixed = s.includes('e') ? v.toFixed(Math.max(0, -exp + mant.replace(/^-?\d\.?/, '').length)) : s;
  return /[.e]/.test(fixed) ? fixed : `${fixed}.0`;
}

const MAXIMIZED = /(acc|accuracy|auc|precision|recall|iou|f1|fbeta|top_k|r2)/i;
const MINIMIZED =
  /(loss|error|mae|mse|mape|msle|crossentropy|hinge|divergence|poisson|cosine_similarity_loss|logcosh)/i;

/** Whether `monitor` is to be minimised, as Keras 3 decides for mode 'auto' (loss down, accuracy-like metrics up). */
function isMinimised(monitor: string, mode: MonitorMode, who: string): boolean {
  if (mode === 'min') return true;
  if (mode === 'max') return false;
  const name = monitor.startsWith('val_') ? monitor.slice(4) : monitor;
  if (name === 'loss' || MINIMIZED.test(name)) return true;
  if (MAXIMIZED.test(name)) return false;
  throw new ValueError(
    `${who} callback received monitor=${monitor} but convkit isn't able to automatically determine whether that metric should be maximized or minimized. Pass mode='max' in order to do early stopping based on the highest metric value, or pass mode='min' in order to use the lowest value.`,
  );
}

function checkMode(mode: unknown, who: string): MonitorMode {
  if (mode !== 'auto' && mode !== 'min' && mode !== 'max')
    throw new ValueError(`${who}: mode must be 'auto', 'min' or 'max', got ${JSON.stringify(mode)}`);
  return mode;
}

/** Warns once per distinct message (Python's default warnings filter). */
class OnceWarner {
  private seen = new Set<string>();
  warn(msg: string): void {
    if (this.seen.has(msg)) return;
    this.seen.add(msg);
    process.emitWarning(msg, { code: 'CONVKIT_CALLBACK' });
  }
}

// ------------------------------------------------------------------ EarlyStopping

export interface EarlyStoppingArgs {
  monitor?: string;
  minDelta?: number;
  patience?: number;
  verbose?: number;
  mode?: MonitorMode;
  baseline?: number | null;
  restoreBestWeights?: boolean;
  startFromEpoch?: number;
  /** Where messages go (default: stdout). */
  print?: Print;
}

const EARLY_STOPPING_OPTIONS: OptionNames<EarlyStoppingArgs> = {
  monitor: true,
  minDelta: true,
  patience: true,
  verbose: true,
  mode: true,
  baseline: true,
  restoreBestWeights: true,
  startFromEpoch: true,
  print: true,
};

/** Stops training when the monitored value has stopped improving for `patience` epochs. */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly patience: number;
  readonly verbose: number;
  readonly mode: MonitorMode;
  readonly baseline: number | null;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  readonly minDelta: number;
  wait = 0;
  stoppedEpoch = 0;
  best: number | null = null;
  bestEpoch = 0;
  bestWeights: Tensor[] | null = null;
  private minimise: boolean | null = null;
  private readonly print: Print;
  private readonly warner = new OnceWarner();

  constructor(args: EarlyStoppingArgs = {}) {
    super();
    checkOptions(args, EARLY_STOPPING_OPTIONS, 'EarlyStopping');
    checkNumber(args.minDelta, 'EarlyStopping minDelta');
    checkNumber(args.baseline ?? undefined, 'EarlyStopping baseline');
    checkNonNegativeInt(args.verbose, 'EarlyStopping verbose');
    checkNonNegativeInt(args.startFromEpoch, 'EarlyStopping startFromEpoch');
    checkBoolean(args.restoreBestWeights, 'EarlyStopping restoreBestWeights');
    this.monitor = args.monitor ?? 'val_loss';
    this.minDelta = Math.abs(args.minDelta ?? 0);
    this.patience = args.patience ?? 0;
    this.verbose = args.verbose ?? 0;
    this.mode = checkMode(args.mode ?? 'auto', 'EarlyStopping');
    this.baseline = args.baseline ?? null;
    this.restoreBestWeights = args.restoreBestWeights ?? false;
    this.startFromEpoch = args.startFromEpoch ?? 0;
    this.print = args.print ?? defaultPrint;
    if (!(Number.isInteger(this.patience) && this.patience >= 0)) {
      throw new ValueError(
        `EarlyStopping: patience must be a non-negative integer, got ${describeValue(args.patience)}`,
      );
    }
  }

  override onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = null;
    this.bestWeights = null;
    this.bestEpoch = 0;
  }

  private isImprovement(value: number, reference: number | null): boolean {
    if (reference === null) return true;
    if (this.minimise === null) this.minimise = isMinimised(this.monitor, this.mode, 'EarlyStopping');
    // Keras: monitor_op(value − min_delta, reference) with min_delta negated for 'min'.
    return this.minimise ? value + this.minDelta < reference : value - this.minDelta > reference;
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    if (this.minimise === null) this.minimise = isMinimised(this.monitor, this.mode, 'EarlyStopping');
    const current = logs[this.monitor];
    if (current === undefined || current === null) {
      this.warner.warn(
        `Early stopping conditioned on metric \`${this.monitor}\` which is not available. Available metrics are: ${Object.keys(logs).join(',')}`,
      );
      return;
    }
    if (epoch < this.startFromEpoch) return;
    if (this.restoreBestWeights && this.bestWeights === null) {
      // Until something improves, the current weights are the best.
      this.bestWeights = this.model.getWeights();
      this.bestEpoch = epoch;
    }
    this.wait += 1;
    if (this.isImprovement(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = this.model.getWeights();
      // Only restart the wait when both the baseline and the previous best are beaten.
      if (this.baseline === null || this.isImprovement(current, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
    }
  }

  override onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) this.print(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    if (this.restoreBestWeights && this.bestWeights !== null) {
      if (this.verbose > 0)
        this.print(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
      this.model.setWeights(this.bestWeights);
    }
  }
}

// ------------------------------------------------------------------ ReduceLROnPlateau

export interface ReduceLROnPlateauArgs {
  monitor?: string;
  factor?: number;
  patience?: number;
  verbose?: number;
  mode?: MonitorMode;
  minDelta?: number;
  cooldown?: number;
  minLr?: number;
  print?: Print;
}

/** Multiplies the learning rate by `factor` when the monitored value has not improved for `patience` epochs. */
const REDUCE_LR_OPTIONS: OptionNames<ReduceLROnPlateauArgs> = {
  monitor: true,
  factor: true,
  patience: true,
  verbose: true,
  mode: true,
  minDelta: true,
  cooldown: true,
  minLr: true,
  print: true,
};

export class ReduceLROnPlateau extends Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly verbose: number;
  readonly mode: MonitorMode;
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;
  wait = 0;
  cooldownCounter = 0;
  best = Infinity;
  private better: (a: number, b: number) => boolean = (a, b) => a < b;
  private readonly print: Print;
  private readonly warner = new OnceWarner();

  constructor(args: ReduceLROnPlateauArgs = {}) {
    super();
    checkOptions(args, REDUCE_LR_OPTIONS, 'ReduceLROnPlateau');
    checkNumber(args.factor, 'ReduceLROnPlateau factor', { min: 0 });
    checkNonNegativeInt(args.patience, 'ReduceLROnPlateau patience');
    checkNonNegativeInt(args.verbose, 'ReduceLROnPlateau verbose');
    checkNumber(args.minDelta, 'ReduceLROnPlateau minDelta');
    checkNonNegativeInt(args.cooldown, 'ReduceLROnPlateau cooldown');
    checkNumber(args.minLr, 'ReduceLROnPlateau minLr', { min: 0 });
    this.monitor = args.monitor ?? 'val_loss';
    this.factor = args.factor ?? 0.1;
    if (!(this.factor < 1))
      throw new ValueError(`ReduceLROnPlateau does not support a factor >= 1.0. Received factor=${args.factor}`);
    this.patience = args.patience ?? 10;
    this.verbose = args.verbose ?? 0;
    this.mode = checkMode(args.mode ?? 'auto', 'ReduceLROnPlateau');
    this.minDelta = args.minDelta ?? 1e-4;
    this.cooldown = args.cooldown ?? 0;
    this.minLr = args.minLr ?? 0;
    this.print = args.print ?? defaultPrint;
    this.reset();
  }

  private reset(): void {
    // Keras: 'auto' minimises unless the monitor's name contains 'acc'.
    if (this.mode === 'min' || (this.mode === 'auto' && !this.monitor.includes('acc'))) {
      this.better = (a, b) => a < b - this.minDelta;
      this.best = Infinity;
    } else {
      this.better = (a, b) => a > b + this.minDelta;
      this.best = -Infinity;
    }
    this.cooldownCounter = 0;
    this.wait = 0;
  }

  private get optimizer(): { learningRate: number } {
    const opt = this.model.optimizer;
    if (!opt) {
      throw new ValueError(
        'ReduceLROnPlateau: the model has no optimizer with a numeric learningRate; compile the model first',
      );
    }
    return opt;
  }

  override onTrainBegin(): void {
    this.reset();
  }

  inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    const opt = this.optimizer;
    // The learning rate the optimizer holds is a float32 variable in Keras; History records it.
    logs.learning_rate = Math.fround(opt.learningRate);
    const current = logs[this.monitor];
    if (current === undefined || current === null) {
      this.warner.warn(
        `Learning rate reduction is conditioned on metric \`${this.monitor}\` which is not available. Available metrics are: ${Object.keys(logs).join(',')}.`,
      );
      return;
    }
    if (this.inCooldown()) {
      this.cooldownCounter -= 1;
      this.wait = 0;
    }
    if (this.better(current, this.best)) {
      this.best = current;
      this.wait = 0;
    } else if (!this.inCooldown()) {
      this.wait += 1;
      if (this.wait >= this.patience) {
        const oldLr = Math.fround(opt.learningRate);
        if (oldLr > Math.fround(this.minLr)) {
          const newLr = Math.max(oldLr * this.factor, this.minLr);
          opt.learningRate = newLr;
          if (this.verbose > 0)
            this.print(`\nEpoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${pyFloat(newLr)}.`);
          this.cooldownCounter = this.cooldown;
          this.wait = 0;
        }
      }
    }
  }
}

// ------------------------------------------------------------------ CSVLogger

export interface CSVLoggerArgs {
  separator?: string;
  append?: boolean;
}

/**
 * Streams epoch results to a CSV file: `epoch` then the sorted log keys (with `val_` columns
 * added when the first epoch has none, as Keras 3), Python's float formatting and csv.excel's
 * \r\n rows. Each epoch rewrites the whole file through a temp file, fsync and rename.
 */
export class CSVLogger extends Callback {
  readonly filename: string;
  readonly separator: string;
  readonly append: boolean;
  keys: string[] | null = null;
  private content = '';
  private headerPending = true;
  private writing = false;

  constructor(filename: string, args: CSVLoggerArgs = {}) {
    super();
    if (typeof filename !== 'string' || filename === '')
      throw new ValueError(`CSVLogger: filename must be a non-empty string, got ${JSON.stringify(filename)}`);
    checkOptions<CSVLoggerArgs>(args, { separator: true, append: true }, 'CSVLogger');
    checkBoolean(args.append, 'CSVLogger append');
    this.filename = filename;
    this.separator = args.separator ?? ',';
    if (this.separator.length !== 1)
      throw new ValueError(`CSVLogger: separator must be one character, got ${JSON.stringify(args.separator)}`);
    this.append = args.append ?? false;
  }

  private field(v: string): string {
    return /["\r\n]/.test(v) || v.includes(this.separator) ? `"${v.replace(/"/g, '""')}"` : v;
  }

  private flush(): void {
    atomicWriteFileSync(this.filename, this.content, { fsync: true });
  }

  override onTrainBegin(): void {
    if (this.append && existsSync(this.filename)) {
      this.content = readFileSync(this.filename, 'utf8');
      // Keras writes the header only when the existing file is empty.
      this.headerPending = this.content.length === 0;
      if (this.content.length > 0 && !this.content.endsWith('\n')) this.content += '\r\n';
    } else {
      this.content = '';
      this.headerPending = true;
    }
    this.writing = true;
    this.flush();
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    if (!this.writing) this.onTrainBegin();
    if (this.keys === null) {
      this.keys = Object.keys(logs).sort();
      if (!this.keys.some((k) => k.startsWith('val_'))) this.keys.push(...this.keys.map((k) => `val_${k}`));
    }
    const value = (v: unknown): string => {
      if (v === undefined || v === null) return 'NA';
      if (typeof v === 'number') return pyFloat(v);
      if (Array.isArray(v)) return `"[${v.join(', ')}]"`;
      return typeof v === 'string' ? v : JSON.stringify(v);
    };
    if (this.headerPending) {
      this.content += ['epoch', ...this.keys].map((k) => this.field(k)).join(this.separator) + '\r\n';
      this.headerPending = false;
    }
    this.content += [String(epoch), ...this.keys.map((k) => this.field(value(logs[k])))].join(this.separator) + '\r\n';
    this.flush();
  }

  override onTrainEnd(): void {
    this.writing = false;
  }
}

// ------------------------------------------------------------------ TerminateOnNaN

export interface TerminateOnNaNArgs {
  print?: Print;
}

/** Stops training as soon as a batch's loss is NaN or infinite. */
export class TerminateOnNaN extends Callback {
  private readonly print: Print;
  constructor(args: TerminateOnNaNArgs = {}) {
    super();
    checkOptions<TerminateOnNaNArgs>(args, { print: true }, 'TerminateOnNaN');
    this.print = args.print ?? defaultPrint;
  }
  override onTrainBatchEnd(batch: number, logs: Logs = {}): void {
    const loss = logs.loss;
    if (loss !== undefined && loss !== null && !Number.isFinite(loss)) {
      this.print(`Batch ${batch}: Invalid loss, terminating training`);
      this.model.stopTraining = true;
    }
  }
}

// ------------------------------------------------------------------ LambdaCallback

type EpochFn = (epoch: number, logs?: Logs) => void | Promise<void>;
type BatchFn = (batch: number, logs?: Logs) => void | Promise<void>;
type LogsFn = (logs?: Logs) => void | Promise<void>;

export interface LambdaCallbackArgs {
  onEpochBegin?: EpochFn;
  onEpochEnd?: EpochFn;
  /** Keras's on_batch_begin/on_batch_end: training batches. */
  onBatchBegin?: BatchFn;
  onBatchEnd?: BatchFn;
  onTrainBatchBegin?: BatchFn;
  onTrainBatchEnd?: BatchFn;
  onTrainBegin?: LogsFn;
  onTrainEnd?: LogsFn;
  onTestBegin?: LogsFn;
  onTestEnd?: LogsFn;
  onTestBatchBegin?: BatchFn;
  onTestBatchEnd?: BatchFn;
  onPredictBegin?: LogsFn;
  onPredictEnd?: LogsFn;
  onPredictBatchBegin?: BatchFn;
  onPredictBatchEnd?: BatchFn;
}

/** A callback made of plain functions (any subset of the hooks; each may be async). */
export class LambdaCallback extends Callback {
  constructor(args: LambdaCallbackArgs = {}) {
    super();
    const known = new Set([
      'onEpochBegin',
      'onEpochEnd',
      'onBatchBegin',
      'onBatchEnd',
      'onTrainBatchBegin',
      'onTrainBatchEnd',
      'onTrainBegin',
      'onTrainEnd',
      'onTestBegin',
      'onTestEnd',
      'onTestBatchBegin',
      'onTestBatchEnd',
      'onPredictBegin',
      'onPredictEnd',
      'onPredictBatchBegin',
      'onPredictBatchEnd',
    ]);
    for (const [k, f] of Object.entries(args)) {
      if (!known.has(k))
        throw new ValueError(`LambdaCallback: unknown hook '${k}'; expected one of ${[...known].join(', ')}`);
      if (f === undefined || f === null) continue;
      if (typeof f !== 'function') throw new ValueError(`LambdaCallback: ${k} must be a function, got ${typeof f}`);
      const hook = k === 'onBatchBegin' ? 'onTrainBatchBegin' : k === 'onBatchEnd' ? 'onTrainBatchEnd' : k;
      (this as unknown as Record<string, unknown>)[hook] = f;
    }
  }
}
