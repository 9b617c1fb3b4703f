// ModelCheckpoint: saves the model (or its weights) during fit, every epoch or every N batches,
// optionally only when the monitored value improves; file names may hold Python-style fields
// (`{epoch:02d}`, `{val_loss:.2f}`), filled from the epoch (1-based) and the epoch's logs.
// Messages follow Keras 3's ModelCheckpoint. BackupAndRestore (also here) resumes interrupted fits. Saves go through io/ (atomic: a crash mid-save keeps
// the previous checkpoint).
import { ValueError } from '../errors.js';
import * as fs from 'node:fs';
import path from 'node:path';
import { atomicWrite } from '../io/atomic.js';
import { loadWeights, saveModel, saveWeights } from '../io/index.js';
import { type OptionNames, checkBoolean, checkNonNegativeInt, checkNumber, checkOptions } from '../options.js';
import { Callback, type Logs } from './callback.js';
import { pyFloat } from './standard.js';

export interface ModelCheckpointArgs {
  /** Where to save; may contain `{epoch}`, `{epoch:02d}`, `{batch}`, `{val_loss:.2f}`, any log key. */
  filepath: string;
  monitor?: string;
  verbose?: number;
  saveBestOnly?: boolean;
  saveWeightsOnly?: boolean;
  mode?: 'auto' | 'min' | 'max';
  /** 'epoch' or a number of batches. */
  saveFreq?: 'epoch' | number;
  /** Only save when the monitored value beats this (with saveBestOnly). */
  initialValueThreshold?: number | null;
  /** Where messages go (default: stdout). */
  print?: (line: string) => void;
}

/** Formats one value with a Python format spec ([[fill]align][sign][0][width][,][.precision][type]). */
function formatSpec(v: unknown, spec: string, key: string, pattern: string): string {
  const m = /^(?:(.)?([<>^=]))?([+\- ])?(0)?(\d+)?(,)?(?:\.(\d+))?([bdeEfFgGnosxX%])?$/.exec(spec);
  if (!m) throw new ValueError(`ModelCheckpoint: invalid format spec '{${key}:${spec}}' in filepath "${pattern}"`);
  const [, fill0, align0, sign, zero, width0, comma, prec, type] = m;
  let s: string;
  if (typeof v === 'number') {
    const p = prec !== undefined ? Number(prec) : undefined;
    switch (type) {
      case 'd':
      case 'n':
        if (!Number.isInteger(v))
          throw new ValueError(`ModelCheckpoint: '{${key}:${spec}}' needs an integer, got ${v}`);
        s = String(Math.abs(v));
        break;
      case 'f':
      case 'F':
        s = Math.abs(v).toFixed(p ?? 6);
        break;
      case 'e':
      case 'E': {
        const [mant, exp] = Math.abs(v)
          .toExponential(p ?? 6)
          .split('e');
        s = `${mant}e${exp[0] === '-' ? '-' : '+'}${exp.replace(/^[+-]/, '').padStart(2, '0')}`;
        if (type === 'E') s = s.toUpperCase();
        break;
      }
      case '%':
        s = `${(Math.abs(v) * 100).toFixed(p ?? 6)}%`;
        break;
      case 'g':
      case 'G':
      case undefined:
        s =
          p !== undefined
            ? String(Number(Math.abs(v).toPrecision(Math.max(1, p))))
            : Number.isInteger(v)
              ? String(Math.abs(v))
              : pyFloat(Math.abs(v));
        break;
      default:
        s = String(Math.abs(v));
    }
    if (comma) s = s.replace(/^(\d+)/, (d) => d.replace(/\B(?=(\d{3})+(?!\d))/g, ','));
    const neg = v < 0 || Object.is(v, -0);
    const signStr = neg ? '-' : sign === '+' ? '+' : sign === ' ' ? ' ' : '';
    const width = width0 ? Number(width0) : 0;
    if (zero && !align0) return signStr + s.padStart(Math.max(0, width - signStr.length), '0');
    s = signStr + s;
    const fill = fill0 ?? ' ';
    const align = align0 ?? '>';
    return pad(s, width, fill, align);
  }
  s = String(v);
  if (prec !== undefined) s = s.slice(0, Number(prec));
  return pad(s, width0 ? Number(width0) : 0, fill0 ?? ' ', align0 ?? '<');
}

function pad(s: string, width: number, fill: string, align: string): string {
  if (s.length >= width) return s;
  const n = width - s.length;
  if (align === '<') return s + fill.repeat(n);
  if (align === '^') return fill.repeat(Math.floor(n / 2)) + s + fill.repeat(n - Math.floor(n / 2));
  return fill.repeat(n) + s;
}

/** Python's str.format for the named fields of a checkpoint path. */
export function formatFilepath(pattern: string, values: Record<string, unknown>): string {
  return pattern.replace(
    /\{\{|\}\}|\{([^{}:!]*)(?::([^{}]*))?\}/g,
    (all, key: string | undefined, spec: string | undefined) => {
      if (all === '{{') return '{';
      if (all === '}}') return '}';
      const k = key ?? '';
      if (!(k in values)) {
        throw new ValueError(
          `Failed to format this callback filepath: "${pattern}". Reason: '${k}' is not among ${Object.keys(values).join(', ')}`,
        );
      }
      const v = values[k];
      if (spec === undefined || spec === '')
        return typeof v === 'number' && !Number.isInteger(v) ? pyFloat(v) : String(v);
      return formatSpec(v, spec, k, pattern);
    },
  );
}

const fmt5 = (v: number | null): string =>
  v === null ? 'None' : Number.isFinite(v) ? v.toFixed(5) : v > 0 ? 'inf' : '-inf';

/** Saves the model or its weights during training (Keras's ModelCheckpoint). */
const MODEL_CHECKPOINT_OPTIONS: OptionNames<ModelCheckpointArgs> = {
  filepath: true,
  monitor: true,
  verbose: true,
  saveBestOnly: true,
  saveWeightsOnly: true,
  mode: true,
  saveFreq: true,
  initialValueThreshold: true,
  print: true,
};

export class ModelCheckpoint extends Callback {
  readonly filepath: string;
  readonly monitor: string;
  readonly verbose: number;
  readonly saveBestOnly: boolean;
  readonly saveWeightsOnly: boolean;
  readonly mode: 'auto' | 'min' | 'max';
  readonly saveFreq: 'epoch' | number;
  /** The best monitored value so far (null before the first). */
  best: number | null;
  /** Paths saved so far, in order. */
  readonly saved: string[] = [];
  private minimise: boolean | null = null;
  private currentEpoch = 0;
  private batchesSinceSave = 0;
  private lastBatch: number | null = null;
  private readonly print: (line: string) => void;
  private warnedMonitor = false;

  constructor(args: ModelCheckpointArgs) {
    super();
    if (!args || typeof args.filepath !== 'string' || !args.filepath) {
      throw new ValueError(
        'ModelCheckpoint: `filepath` is required (e.g. "best.keras" or "ckpt_{epoch:02d}.weights.h5")',
      );
    }
    checkOptions(args, MODEL_CHECKPOINT_OPTIONS, 'ModelCheckpoint');
    checkNonNegativeInt(args.verbose, 'ModelCheckpoint verbose');
    checkBoolean(args.saveBestOnly, 'ModelCheckpoint saveBestOnly');
    checkBoolean(args.saveWeightsOnly, 'ModelCheckpoint saveWeightsOnly');
    checkNumber(args.initialValueThreshold ?? undefined, 'ModelCheckpoint initialValueThreshold');
    this.filepath = args.filepath;
    this.monitor = args.monitor ?? 'val_loss';
    this.verbose = args.verbose ?? 0;
    this.saveBestOnly = args.saveBestOnly ?? false;
    this.saveWeightsOnly = args.saveWeightsOnly ?? false;
    this.mode = args.mode ?? 'auto';
    if (!['auto', 'min', 'max'].includes(this.mode))
      throw new ValueError(`ModelCheckpoint: mode must be 'auto', 'min' or 'max', got ${JSON.stringify(this.mode)}`);
    this.saveFreq = args.saveFreq ?? 'epoch';
    if (this.saveFreq !== 'epoch' && !(Number.isInteger(this.saveFreq) && this.saveFreq > 0)) {
      throw new ValueError(
        `Unrecognized saveFreq: ${JSON.stringify(this.saveFreq)}. Expected saveFreq are 'epoch' or integer values`,
      );
    }
    this.best = args.initialValueThreshold ?? null;
    this.print =
      args.print ??
      ((line) => {
        process.stdout.write(`${line}\n`);
      });
    const f = this.filepath;
    if (this.saveWeightsOnly) {
      if (!f.endsWith('.weights.h5') && !f.endsWith('.h5')) {
        throw new ValueError(
          `When using saveWeightsOnly=true in ModelCheckpoint, the filepath provided must end in '.weights.h5' (Keras weights format). Received: filepath=${f}`,
        );
      }
    } else if (!f.endsWith('.keras') && !f.endsWith('.h5')) {
      throw new ValueError(`The filepath provided must end in '.keras' (Keras model format). Received: filepath=${f}`);
    }
  }

  private isMinimised(): boolean {
    if (this.minimise !== null) return this.minimise;
    if (this.mode === 'min') this.minimise = true;
    else if (this.mode === 'max') this.minimise = false;
    else {
      const name = this.monitor.replace(/^val_/, '');
      if (name === 'loss' || /(loss|error|crossentropy|mae|mse|mape|msle|hinge)/.test(name)) this.minimise = true;
      else if (/(acc|accuracy|auc|precision|recall|iou|f1|fbeta|top_k)/.test(name)) this.minimise = false;
      else {
        throw new ValueError(
          `ModelCheckpoint callback received monitor=${this.monitor}, but convkit isn't able to automatically determine whether that metric should be maximized or minimized. Pass mode='max' in order to monitor based on the highest metric value, or pass mode='min' in order to use the lowest value.`,
        );
      }
    }
    return this.minimise;
  }

  override onEpochBegin(epoch: number): void {
    this.currentEpoch = epoch;
  }

  override async onTrainBatchEnd(batch: number, logs: Logs = {}): Promise<void> {
    if (this.saveFreq === 'epoch') return;
    this.batchesSinceSave += this.lastBatch === null || batch <= this.lastBatch ? batch + 1 : batch - this.lastBatch;
    this.lastBatch = batch;
    if (this.batchesSinceSave >= this.saveFreq) {
      this.batchesSinceSave = 0;
      await this.saveCheckpoint(this.currentEpoch, batch, logs);
    }
  }

  override async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    if (this.saveBestOnly) this.isMinimised();
    if (this.saveFreq === 'epoch') await this.saveCheckpoint(epoch, null, logs);
  }

  private shouldSave(epoch: number, logs: Logs, filepath: string): boolean {
    if (!this.saveBestOnly) {
      if (this.verbose > 0) this.print(`\nEpoch ${epoch + 1}: saving model to ${filepath}`);
      return true;
    }
    const current = logs[this.monitor];
    if (current === undefined || current === null) {
      // Keras's words, with the logged names added; once per callback, not once per epoch.
      if (!this.warnedMonitor) {
        this.warnedMonitor = true;
        process.emitWarning(
          `Can save best model only with ${this.monitor} available. ` +
            `Available metrics are: ${Object.keys(logs).join(',')}`,
          { code: 'CONVKIT_CALLBACK' },
        );
      }
      return true;
    }
    const improved =
      this.best === null || Number.isNaN(this.best) || (this.isMinimised() ? current < this.best : current > this.best);
    if (improved) {
      if (this.verbose > 0)
        this.print(
          `\nEpoch ${epoch + 1}: ${this.monitor} improved from ${fmt5(this.best)} to ${fmt5(current)}, saving model to ${filepath}`,
        );
      this.best = current;
      return true;
    }
    if (this.verbose > 0) this.print(`\nEpoch ${epoch + 1}: ${this.monitor} did not improve from ${fmt5(this.best)}`);
    return false;
  }

  private async saveCheckpoint(epoch: number, batch: number | null, logs: Logs): Promise<void> {
    const values: Record<string, unknown> = { ...logs, epoch: epoch + 1 };
    if (batch !== null && !('batch' in logs)) values.batch = batch + 1;
    const filepath = formatFilepath(this.filepath, values);
    if (!this.shouldSave(epoch, logs, filepath)) return;
    const model = this.model;
    if (!model) throw new ValueError('ModelCheckpoint: no model attached (use it in model.fit({callbacks}))');
    if (this.saveWeightsOnly) await saveWeights(model, filepath);
    else await saveModel(model, filepath);
    this.saved.push(filepath);
    if (this.verbose > 0) this.print(`\nEpoch ${epoch + 1}: finished saving model to ${filepath}`);
  }
}

export interface BackupAndRestoreArgs {
  /** Folder for the backup (latest.weights.h5 + training_metadata.json). */
  backupDir: string;
  /** 'epoch' or a number of batches. */
  saveFreq?: 'epoch' | number;
  /** Keep the previous backup as *.bkp and fall back to it if the latest is unreadable. */
  doubleCheckpoint?: boolean;
  /** Remove the backup folder when training ends normally (default true). */
  deleteCheckpoint?: boolean;
}

/**
 * Keras's BackupAndRestore: backs up weights and optimizer state (and the epoch reached) during
 * fit; when fit starts again after an interruption it restores them and sets
 * `model.initialEpoch`, from which fit resumes (as Keras's fit does).
 */
export class BackupAndRestore extends Callback {
  readonly backupDir: string;
  readonly saveFreq: 'epoch' | number;
  readonly doubleCheckpoint: boolean;
  readonly deleteCheckpoint: boolean;
  private currentEpoch = 0;
  private batchesSinceSave = 0;
  private lastBatch = 0;

  constructor(args: BackupAndRestoreArgs) {
    super();
    if (!args || !args.backupDir) throw new ValueError('Empty `backupDir` argument passed');
    checkOptions<BackupAndRestoreArgs>(
      args,
      { backupDir: true, saveFreq: true, doubleCheckpoint: true, deleteCheckpoint: true },
      'BackupAndRestore',
    );
    checkBoolean(args.doubleCheckpoint, 'BackupAndRestore doubleCheckpoint');
    checkBoolean(args.deleteCheckpoint, 'BackupAndRestore deleteCheckpoint');
    this.backupDir = args.backupDir;
    this.saveFreq = args.saveFreq ?? 'epoch';
    if (this.saveFreq !== 'epoch' && !(Number.isInteger(this.saveFreq) && this.saveFreq > 0)) {
      throw new ValueError(
        `Invalid value for argument saveFreq. Received: saveFreq=${JSON.stringify(this.saveFreq)}. Expected either 'epoch' or an integer value.`,
      );
    }
    this.doubleCheckpoint = args.doubleCheckpoint ?? false;
    this.deleteCheckpoint = args.deleteCheckpoint ?? true;
  }

  get weightsPath(): string {
    return path.join(this.backupDir, 'latest.weights.h5');
  }
  get metadataPath(): string {
    return path.join(this.backupDir, 'training_metadata.json');
  }

  override async onTrainBegin(): Promise<void> {
    try {
      await this.restore();
    } catch (e) {
      const prev = `${this.weightsPath}.bkp`;
      if (!fs.existsSync(prev)) throw e;
      fs.copyFileSync(prev, this.weightsPath);
      if (fs.existsSync(`${this.metadataPath}.bkp`)) fs.copyFileSync(`${this.metadataPath}.bkp`, this.metadataPath);
      else fs.rmSync(this.metadataPath, { force: true });
      await this.restore();
    }
  }

  private async restore(): Promise<void> {
    const model = this.model;
    if (!fs.existsSync(this.weightsPath)) return;
    if (!model.built) {
      throw new ValueError(
        `To use the BackupAndRestore callback, your model must be built before you call fit(). Model '${model.name}' is unbuilt: give its first layer an inputShape.`,
      );
    }
    await loadWeights(model, this.weightsPath);
    if (fs.existsSync(this.metadataPath)) {
      const meta = JSON.parse(fs.readFileSync(this.metadataPath, 'utf8')) as { epoch: number };
      this.currentEpoch = meta.epoch;
      model.initialEpoch = meta.epoch;
    }
  }

  override async onEpochEnd(epoch: number): Promise<void> {
    this.currentEpoch = epoch + 1;
    this.lastBatch = 0;
    if (this.saveFreq === 'epoch') await this.backup();
  }

  override async onTrainBatchEnd(batch: number): Promise<void> {
    if (this.saveFreq === 'epoch') return;
    this.batchesSinceSave += batch <= this.lastBatch ? batch + 1 : batch - this.lastBatch;
    this.lastBatch = batch;
    if (this.batchesSinceSave >= this.saveFreq) {
      this.batchesSinceSave = 0;
      await this.backup();
    }
  }

  private async backup(): Promise<void> {
    fs.mkdirSync(this.backupDir, { recursive: true });
    if (this.doubleCheckpoint && fs.existsSync(this.weightsPath))
      fs.copyFileSync(this.weightsPath, `${this.weightsPath}.bkp`);
    if (this.doubleCheckpoint && fs.existsSync(this.metadataPath))
      fs.copyFileSync(this.metadataPath, `${this.metadataPath}.bkp`);
    await saveWeights(this.model, this.weightsPath);
    await atomicWrite(this.metadataPath, (tmp) =>
      fs.writeFileSync(tmp, JSON.stringify({ epoch: this.currentEpoch, batch: this.lastBatch })),
    );
  }

  override async onTrainEnd(): Promise<void> {
    if (this.deleteCheckpoint && fs.existsSync(this.backupDir))
      fs.rmSync(this.backupDir, { recursive: true, force: true });
  }
}
