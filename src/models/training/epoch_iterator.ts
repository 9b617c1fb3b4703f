// The epoch iterator shared by fit, evaluate and predict (Keras 3's EpochIterator): how many
// steps an epoch takes, which batches they get, where an endless source stops, and yielding to the
// event loop between steps.
import { ValueError } from '../../errors.js';
import type { Model } from '../model.js';
import {
  ArrayDataAdapter,
  type Batch,
  type BatchElement,
  SourceDataAdapter,
  asList,
  checkInputs,
  unpack,
} from './data_adapter.js';

export type DataAdapter = ArrayDataAdapter | SourceDataAdapter;

export interface EpochIteratorOptions {
  /** Steps per epoch asked for (fit's stepsPerEpoch, evaluate/predict's steps). */
  steps?: number;
  /**
   * Keep one source iterator across epochs (fit with stepsPerEpoch): each epoch continues where
   * the last stopped instead of starting a new pass.
   */
  continueAcrossEpochs?: boolean;
  /** Error-message prefix: fit, evaluate or predict. */
  where: string;
  /** Whether batches must carry targets (fit, evaluate). */
  needsTargets: boolean;
  /** The model that a source's first batch is checked against (and built from). */
  model: Model;
}

/** Yields to the event loop at most this often, so timers, signals and I/O get served between steps. */
const YIELD_EVERY_MS = 20;

export class EpochIterator {
  private persistent: AsyncIterator<BatchElement> | null = null;
  private checked = false;
  private lastYield = 0;

  constructor(
    readonly data: DataAdapter,
    private readonly opts: EpochIteratorOptions,
  ) {}

  /**
   * The steps an epoch takes when known in advance: the steps asked for, else one pass; arrays
   * in evaluate/predict never take more than one pass. null: until the source ends.
   */
  get steps(): number | null {
    const asked = this.opts.steps;
    const n = this.data.numBatches;
    if (this.data instanceof ArrayDataAdapter && !this.data.wraps) return Math.min(asked ?? Infinity, n!);
    return asked ?? n;
  }

  /** One epoch's batches of arrays, without awaiting anything (predict on tensors is synchronous). */
  *arrayEpoch(): Generator<Batch> {
    const data = this.data;
    if (!(data instanceof ArrayDataAdapter)) {
      throw new ValueError(`${this.opts.where}: a dataset is read asynchronously`);
    }
    data.onEpochBegin();
    const steps = this.steps ?? 0;
    for (let s = 0; s < steps; s++) yield data.batch(s);
  }

  /** One epoch's batches; `stop` is asked before each (a callback may end training mid-epoch). */
  async *epoch(stop: () => boolean = () => false): AsyncGenerator<Batch> {
    const data = this.data;
    const steps = this.steps;
    if (data instanceof ArrayDataAdapter) {
      data.onEpochBegin();
      for (let s = 0; s < steps! && !stop(); s++) {
        yield data.batch(s);
        await this.yieldToEventLoop();
      }
      return;
    }
    const iter = this.opts.continueAcrossEpochs ? (this.persistent ??= data.iterator()) : data.iterator();
    for (let s = 0; !stop() && (steps === null || s < steps); s++) {
      const r = await iter.next();
      if (r.done) {
        if (s === 0 && !this.checked) throw data.noData(this.opts.where);
        return;
      }
      yield this.check(unpack(r.value, this.opts.where));
      await this.yieldToEventLoop();
    }
  }

  /** Checks a source's batch: targets where needed, and the first batch's inputs against the model. */
  private check(b: Batch): Batch {
    const { where, needsTargets, model } = this.opts;
    if (needsTargets && !b.y) throw new ValueError(`${where}: the dataset must yield [x, y] pairs`);
    if (!this.checked) {
      checkInputs(model, asList(b.x), where);
      this.checked = true;
    }
    return b;
  }

  private yieldToEventLoop(): Promise<void> | void {
    const now = performance.now();
    if (now - this.lastYield < YIELD_EVERY_MS) return;
    this.lastYield = now;
    return new Promise((r) => setImmediate(r));
  }
}
