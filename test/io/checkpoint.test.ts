// ModelCheckpoint: file-name fields, save-best-only with Keras's messages, weights-only and
// batch-frequency saving; the best checkpoint reloads with the model's predictions at that epoch.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as L from '../../src/layers/index.js';
import { Sequential } from '../../src/models/sequential.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { setRandomSeed } from '../../src/tensor/random.js';
import { Callback, type Logs } from '../../src/callbacks/callback.js';
import { BackupAndRestore, ModelCheckpoint, formatFilepath } from '../../src/callbacks/checkpoint.js';
import { loadModel, loadWeights } from '../../src/io/index.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'convkit-ckpt-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('formatFilepath follows Python str.format for checkpoint names', () => {
  assert.equal(
    formatFilepath('w.{epoch:02d}-{val_loss:.2f}.keras', { epoch: 3, val_loss: 0.123456 }),
    'w.03-0.12.keras',
  );
  assert.equal(
    formatFilepath('{epoch}_{loss}_{acc:.3f}.h5', { epoch: 12, loss: 0.5, acc: 0.98765 }),
    '12_0.5_0.988.h5',
  );
  assert.equal(formatFilepath('{epoch:03d}{{x}}.keras', { epoch: 7 }), '007{x}.keras');
  assert.equal(formatFilepath('{val_loss:.1e}.keras', { val_loss: 0.000123 }), '1.2e-04.keras');
  assert.throws(
    () => formatFilepath('{val_acc:.2f}.keras', { epoch: 1, loss: 1 }),
    /Failed to format this callback filepath: "\{val_acc:\.2f\}\.keras"/,
  );
});

test('ModelCheckpoint validates its arguments like Keras', () => {
  assert.throws(() => new ModelCheckpoint({ filepath: 'x.pt' }), /must end in '\.keras'/);
  assert.throws(
    () => new ModelCheckpoint({ filepath: 'x.keras', saveWeightsOnly: true }),
    /must end in '\.weights\.h5'/,
  );
  assert.throws(() => new ModelCheckpoint({ filepath: 'x.keras', saveFreq: 0 }), /Unrecognized saveFreq/);
});

function data(n: number, seed: number): { x: Tensor; y: Tensor } {
  let s = seed;
  const x = new Float32Array(n * 4);
  const y = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 4; j++) {
      s = (s * 1103515245 + 12345) % 2147483648;
      x[i * 4 + j] = s / 2147483648;
    }
    y[i * 2 + (x[i * 4] + x[i * 4 + 1] > 1 ? 1 : 0)] = 1;
  }
  return { x: new Tensor(x, [n, 4]), y: new Tensor(y, [n, 2]) };
}

/** Records the predictions after each epoch, to compare with what the checkpoint holds. */
class Snap extends Callback {
  preds: Float32Array[] = [];
  logs: Logs[] = [];
  constructor(private readonly x: Tensor) {
    super();
  }
  override onEpochEnd(_e: number, logs: Logs = {}): void {
    const y: Tensor = this.model.predict(this.x);
    this.preds.push(Float32Array.from(y.data));
    this.logs.push({ ...logs });
  }
}

test('saveBestOnly: Keras messages, {epoch:02d}/{val_loss:.2f} names, best model reloads', async () => {
  setRandomSeed(3);
  const m = new Sequential([
    new L.Dense(8, { inputShape: [4], activation: 'relu' }),
    new L.Dense(2, { activation: 'softmax' }),
  ]);
  m.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  const { x, y } = data(40, 1);
  const lines: string[] = [];
  const best = new ModelCheckpoint({
    filepath: path.join(tmp, 'best.keras'),
    monitor: 'val_loss',
    saveBestOnly: true,
    verbose: 1,
    print: (l) => lines.push(l),
  });
  const named = new ModelCheckpoint({
    filepath: path.join(tmp, 'named', 'w.{epoch:02d}-{val_loss:.2f}.weights.h5'),
    saveWeightsOnly: true,
  });
  const snap = new Snap(x);
  await m.fit(x, y, { epochs: 5, batchSize: 8, validationSplit: 0.25, verbose: 0, callbacks: [best, named, snap] });
  // One weights file per epoch, named from the epoch and its val_loss.
  const files = readdirSync(path.join(tmp, 'named')).sort();
  assert.deepEqual(
    files,
    snap.logs.map((l, i) => `w.${String(i + 1).padStart(2, '0')}-${l.val_loss.toFixed(2)}.weights.h5`),
  );
  // Messages as Keras prints them; the first comparison is against None.
  const vals = snap.logs.map((l) => l.val_loss);
  let bestV: number | null = null;
  let bestEpoch = 0;
  const want: string[] = [];
  vals.forEach((v, i) => {
    if (bestV === null || v < bestV) {
      want.push(
        `\nEpoch ${i + 1}: val_loss improved from ${bestV === null ? 'None' : bestV.toFixed(5)} to ${v.toFixed(5)}, saving model to ${path.join(tmp, 'best.keras')}`,
      );
      want.push(`\nEpoch ${i + 1}: finished saving model to ${path.join(tmp, 'best.keras')}`);
      bestV = v;
      bestEpoch = i;
    } else {
      want.push(`\nEpoch ${i + 1}: val_loss did not improve from ${bestV.toFixed(5)}`);
    }
  });
  assert.deepEqual(lines, want);
  const r = await loadModel(path.join(tmp, 'best.keras'));
  assert.deepEqual(Array.from(r.predict(x).data), Array.from(snap.preds[bestEpoch]));
  // A weights checkpoint from epoch 2 loads into a fresh model.
  const fresh = new Sequential([
    new L.Dense(8, { inputShape: [4], activation: 'relu' }),
    new L.Dense(2, { activation: 'softmax' }),
  ]);
  await loadWeights(fresh, path.join(tmp, 'named', files[1]));
  assert.deepEqual(Array.from(fresh.predict(x).data), Array.from(snap.preds[1]));
});

test('saveFreq in batches and monitor on accuracy (mode auto → max)', async () => {
  setRandomSeed(4);
  const m = new Sequential([new L.Dense(2, { inputShape: [4], activation: 'softmax' })]);
  m.compile({ optimizer: 'sgd', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  const { x, y } = data(32, 2);
  const perBatch = new ModelCheckpoint({ filepath: path.join(tmp, 'b', 'e{epoch}_b{batch}.h5'), saveFreq: 3 });
  const acc = new ModelCheckpoint({ filepath: path.join(tmp, 'acc.h5'), monitor: 'accuracy', saveBestOnly: true });
  await m.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, callbacks: [perBatch, acc] });
  // 4 batches per epoch, every 3rd batch overall: epoch 1 batch 3, epoch 2 batch 2.
  assert.deepEqual(
    perBatch.saved.map((p) => path.basename(p)),
    ['e1_b3.h5', 'e2_b2.h5'],
  );
  assert.ok(existsSync(path.join(tmp, 'acc.h5')));
  assert.ok(acc.best !== null && acc.best >= 0 && acc.best <= 1);
});

test('BackupAndRestore: an interrupted fit leaves a backup; the next fit restores weights, optimizer and epoch', async () => {
  const dir = path.join(tmp, 'backup');
  const make = () => {
    setRandomSeed(11);
    const m = new Sequential([
      new L.Dense(4, { inputShape: [4], activation: 'relu' }),
      new L.Dense(2, { activation: 'softmax' }),
    ]);
    m.compile({ optimizer: 'adam', loss: 'categorical_crossentropy' });
    return m;
  };
  const { x, y } = data(16, 5);
  class Crash extends Callback {
    weightsAtEnd: number[] = [];
    override onEpochEnd(epoch: number): void {
      if (epoch === 2) {
        this.weightsAtEnd = Array.from(this.model.layers[0].weights[0].data);
        throw new Error('power cut');
      }
    }
  }
  const m1 = make();
  const crash = new Crash();
  await assert.rejects(
    m1.fit(x, y, { epochs: 5, batchSize: 8, verbose: 0, callbacks: [new BackupAndRestore({ backupDir: dir }), crash] }),
    /power cut/,
  );
  assert.ok(existsSync(path.join(dir, 'latest.weights.h5')));
  assert.equal(
    JSON.parse((await import('node:fs')).readFileSync(path.join(dir, 'training_metadata.json'), 'utf8')).epoch,
    3,
  );
  const m2 = make();
  class Peek extends Callback {
    restored: number[] = [];
    iterations = 0;
    initialEpoch: number | undefined;
    epochsRun: number[] = [];
    override onEpochBegin(epoch: number): void {
      this.epochsRun.push(epoch);
    }
    override onTrainBegin(): void {
      this.restored = Array.from(this.model.layers[0].weights[0].data);
      this.iterations = this.model.optimizer!.iterations;
      this.initialEpoch = this.model.initialEpoch;
    }
  }
  const peek = new Peek();
  await m2.fit(x, y, {
    epochs: 5,
    batchSize: 8,
    verbose: 0,
    callbacks: [new BackupAndRestore({ backupDir: dir }), peek],
  });
  assert.deepEqual(peek.restored, crash.weightsAtEnd);
  assert.equal(peek.iterations, 6);
  assert.equal(peek.initialEpoch, 3);
  assert.deepEqual(peek.epochsRun, [3, 4], 'fit resumes after the last completed epoch');
  assert.ok(!existsSync(dir), 'the backup is deleted after a completed fit');
});
