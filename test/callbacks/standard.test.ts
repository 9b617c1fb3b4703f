// The standard callbacks through the real fit loop. Monitored values are scripted by a
// LambdaCallback placed before the callback under test (it rewrites the epoch logs in place), so
// the expected stopping epochs follow from Keras's rules, not from training noise.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { type Logs } from '../../src/callbacks/callback.js';
import {
  CSVLogger,
  EarlyStopping,
  LambdaCallback,
  ReduceLROnPlateau,
  TerminateOnNaN,
  pyFloat,
} from '../../src/callbacks/standard.js';
import { ValueError } from '../../src/errors.js';
import { Dense } from '../../src/layers/core.js';
import { Sequential } from '../../src/models/sequential.js';
import { SGD } from '../../src/optimizers/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { setRandomSeed } from '../../src/tensor/random.js';
import { rand as randTensor } from '../helpers/gradcheck.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'convkit-cb-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function tinyModel(lr = 0.01): Sequential {
  setRandomSeed(1);
  const m = new Sequential([new Dense(1, { inputShape: [2] })]);
  m.compile({ optimizer: new SGD({ learningRate: lr }), loss: 'mse' });
  return m;
}
const x = randTensor([16, 2], 1);
const y = randTensor([16, 1], 2);
const xv = randTensor([8, 2], 3);
const yv = randTensor([8, 1], 4);

/** Rewrites logs[key] with script[epoch] (before the callbacks that follow it). */
const script = (key: string, values: number[]) =>
  new LambdaCallback({
    onEpochEnd: (e, logs) => {
      if (logs) logs[key] = values[e];
    },
  });
/** Snapshots the weights after every epoch. */
function snapshots(model: Sequential): { cb: LambdaCallback; weights: number[][] } {
  const weights: number[][] = [];
  return {
    weights,
    cb: new LambdaCallback({
      onEpochEnd: () => {
        weights.push(model.getWeights().flatMap((w) => Array.from(w.data)));
      },
    }),
  };
}
const flat = (m: Sequential) => m.getWeights().flatMap((w) => Array.from(w.data));

describe('EarlyStopping', () => {
  it('stops after `patience` epochs without improvement and restores the best weights', async () => {
    const m = tinyModel();
    const lines: string[] = [];
    const snap = snapshots(m);
    const es = new EarlyStopping({ patience: 2, restoreBestWeights: true, verbose: 1, print: (l) => lines.push(l) });
    const h = await m.fit(x, y, {
      epochs: 10,
      verbose: 0,
      validationData: [xv, yv],
      callbacks: [script('val_loss', [1, 0.8, 0.9, 0.85, 0.1, 0.1]), snap.cb, es],
    });
    assert.deepEqual(h.epoch, [0, 1, 2, 3]);
    assert.equal(es.stoppedEpoch, 3);
    assert.equal(es.bestEpoch, 1);
    assert.deepEqual(lines, ['Epoch 4: early stopping', 'Restoring model weights from the end of the best epoch: 2.']);
    assert.deepEqual(flat(m), snap.weights[1]);
    assert.notDeepEqual(snap.weights[3], snap.weights[1]);
  });
  it('restores the best weights at the end even when training is not stopped (Keras 3)', async () => {
    const m = tinyModel();
    const snap = snapshots(m);
    const lines: string[] = [];
    const h = await m.fit(x, y, {
      epochs: 3,
      verbose: 0,
      validationData: [xv, yv],
      callbacks: [
        script('val_loss', [0.5, 0.7, 0.9]),
        snap.cb,
        new EarlyStopping({ patience: 5, restoreBestWeights: true, verbose: 1, print: (l) => lines.push(l) }),
      ],
    });
    assert.equal(h.epoch.length, 3);
    assert.deepEqual(lines, ['Restoring model weights from the end of the best epoch: 1.']);
    assert.deepEqual(flat(m), snap.weights[0]);
  });
  it('does not restore without restoreBestWeights and prints nothing at verbose 0', async () => {
    const m = tinyModel();
    const snap = snapshots(m);
    const lines: string[] = [];
    const h = await m.fit(x, y, {
      epochs: 10,
      verbose: 0,
      validationData: [xv, yv],
      callbacks: [
        script('val_loss', [0.5, 0.7, 0.9]),
        snap.cb,
        new EarlyStopping({ patience: 1, print: (l) => lines.push(l) }),
      ],
    });
    assert.equal(h.epoch.length, 2);
    assert.deepEqual(lines, []);
    assert.deepEqual(flat(m), snap.weights[1]);
  });
  it('honours minDelta, mode (auto max for accuracy), baseline and startFromEpoch', async () => {
    const run = async (key: string, values: number[], args: ConstructorParameters<typeof EarlyStopping>[0]) => {
      const m = tinyModel();
      const h = await m.fit(x, y, {
        epochs: values.length,
        verbose: 0,
        validationData: [xv, yv],
        callbacks: [script(key, values), new EarlyStopping(args)],
      });
      return h.epoch.length;
    };
    // 0.95 is not better than 1.0 by 0.1: stop at the second epoch with patience 1.
    assert.equal(await run('val_loss', [1, 0.95, 0.91, 0.5], { minDelta: 0.1, patience: 1 }), 2);
    assert.equal(await run('val_loss', [1, 0.95, 0.91, 0.5], { minDelta: -0.1, patience: 1 }), 2); // Keras takes |minDelta|
    assert.equal(await run('val_loss', [1, 0.95, 0.91, 0.5], { minDelta: 0.01, patience: 1 }), 4);
    assert.equal(await run('val_accuracy', [0.5, 0.6, 0.55, 0.9], { monitor: 'val_accuracy', patience: 1 }), 3);
    assert.equal(
      await run('val_accuracy', [0.5, 0.6, 0.55, 0.9], { monitor: 'val_accuracy', patience: 1, mode: 'min' }),
      2,
    );
    // Baseline 0.5 never beaten: the first epoch does not reset the wait, so patience 2 stops at epoch 1.
    assert.equal(await run('val_loss', [0.9, 0.95, 0.96, 0.2], { baseline: 0.5, patience: 2 }), 2);
    // ...but improving epochs never stop training.
    assert.equal(await run('val_loss', [0.9, 0.8, 0.7, 0.6], { baseline: 0.5, patience: 1 }), 4);
    // Epochs before startFromEpoch are ignored.
    assert.equal(await run('val_loss', [1, 2, 3, 4, 5, 6], { patience: 0, startFromEpoch: 2 }), 4);
  });
  it('warns (once) and keeps training when the monitored value is missing; rejects undecidable metrics', async () => {
    const warnings: string[] = [];
    const onWarn = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarn);
    try {
      const m = tinyModel();
      const h = await m.fit(x, y, {
        epochs: 3,
        verbose: 0,
        callbacks: [new EarlyStopping({ monitor: 'val_loss', patience: 0 })],
      });
      assert.equal(h.epoch.length, 3);
      await new Promise((r) => setImmediate(r));
      assert.equal(
        warnings.filter((w) => w.includes('`val_loss` which is not available. Available metrics are: loss')).length,
        1,
      );
    } finally {
      process.off('warning', onWarn);
    }
    const m = tinyModel();
    await assert.rejects(
      m.fit(x, y, {
        epochs: 2,
        verbose: 0,
        callbacks: [script('weird', [1, 2]), new EarlyStopping({ monitor: 'weird' })],
      }),
      ValueError,
    );
  });
});

describe('ReduceLROnPlateau', () => {
  it("lowers the learning rate after `patience` flat epochs, logs learning_rate and prints Keras's message", async () => {
    const m = tinyModel(0.01);
    const lines: string[] = [];
    const cb = new ReduceLROnPlateau({ factor: 0.5, patience: 2, verbose: 1, print: (l) => lines.push(l) });
    const h = await m.fit(x, y, {
      epochs: 6,
      verbose: 0,
      validationData: [xv, yv],
      callbacks: [script('val_loss', [1, 1, 1, 1, 1, 1]), cb],
    });
    const f = Math.fround;
    const lr1 = f(0.01) * 0.5,
      lr2 = f(lr1) * 0.5;
    assert.deepEqual(h.history.learning_rate, [f(0.01), f(0.01), f(0.01), f(lr1), f(lr1), f(lr2)]);
    assert.equal(m.optimizer!.learningRate, lr2);
    assert.deepEqual(lines, [
      `\nEpoch 3: ReduceLROnPlateau reducing learning rate to ${pyFloat(lr1)}.`,
      `\nEpoch 5: ReduceLROnPlateau reducing learning rate to ${pyFloat(lr2)}.`,
    ]);
    assert.equal(lines[0], '\nEpoch 3: ReduceLROnPlateau reducing learning rate to 0.004999999888241291.');
  });
  it('improvements reset the wait; cooldown delays; minLr is a floor', async () => {
    const lrs = async (values: number[], args: ConstructorParameters<typeof ReduceLROnPlateau>[0]) => {
      const m = tinyModel(0.1);
      const h = await m.fit(x, y, {
        epochs: values.length,
        verbose: 0,
        validationData: [xv, yv],
        callbacks: [script('val_loss', values), new ReduceLROnPlateau(args)],
      });
      return h.history.learning_rate.map((v) => Number(v.toPrecision(4)));
    };
    assert.deepEqual(await lrs([1, 0.5, 0.6, 0.4, 0.45, 0.46], { patience: 2 }), [0.1, 0.1, 0.1, 0.1, 0.1, 0.1]);
    assert.deepEqual(await lrs([1, 1, 1, 1, 1, 1, 1], { patience: 1 }), [0.1, 0.1, 0.01, 0.001, 0.0001, 1e-5, 1e-6]);
    assert.deepEqual(
      await lrs([1, 1, 1, 1, 1, 1, 1], { patience: 1, cooldown: 2 }),
      [0.1, 0.1, 0.01, 0.01, 0.001, 0.001, 0.0001],
    );
    assert.deepEqual(await lrs([1, 1, 1, 1, 1], { patience: 1, minLr: 0.005 }), [0.1, 0.1, 0.01, 0.005, 0.005]);
    // minDelta: 0.99995 is not an improvement over 1 by 1e-4.
    assert.deepEqual(await lrs([1, 0.99995, 0.5], { patience: 1 }), [0.1, 0.1, 0.01]);
    // mode 'max': rising values are improvements.
    assert.deepEqual(await lrs([0.5, 0.6, 0.7], { monitor: 'val_loss', mode: 'max', patience: 1 }), [0.1, 0.1, 0.1]);
  });
  it('rejects factor >= 1', () => {
    assert.throws(() => new ReduceLROnPlateau({ factor: 1 }), /does not support a factor >= 1.0/);
  });
});

describe('CSVLogger', () => {
  it('writes epoch and the sorted keys, Python float formatting, \\r\\n rows', async () => {
    const file = path.join(tmp, 'log.csv');
    const m = tinyModel();
    const h = await m.fit(x, y, { epochs: 3, verbose: 0, validationData: [xv, yv], callbacks: [new CSVLogger(file)] });
    const text = readFileSync(file, 'utf8');
    const rows = text.split('\r\n');
    assert.equal(rows.pop(), '');
    assert.equal(rows[0], 'epoch,loss,val_loss');
    assert.equal(rows.length, 4);
    for (let e = 0; e < 3; e++)
      assert.equal(rows[e + 1], `${e},${pyFloat(h.history.loss[e])},${pyFloat(h.history.val_loss[e])}`);
    // A later run with append adds rows and no header; a run without validation gets NA val_ columns.
    await m.fit(x, y, { epochs: 1, verbose: 0, callbacks: [new CSVLogger(file, { append: true, separator: ',' })] });
    const rows2 = readFileSync(file, 'utf8').split('\r\n');
    assert.equal(rows2.length, 6);
    assert.match(rows2[4], /^0,[0-9.e-]+,NA$/);
    assert.deepEqual(
      readdirSync(tmp).filter((f) => f.includes('tmp')),
      [],
    );
  });
  it('uses the separator, truncates without append, and keeps earlier rows when a run fails', async () => {
    const file = path.join(tmp, 'fail.csv');
    writeFileSync(file, 'old content\n');
    const m = tinyModel();
    const boom = new LambdaCallback({
      onEpochEnd: (e) => {
        if (e === 2) throw new Error('boom');
      },
    });
    await assert.rejects(
      m.fit(x, y, { epochs: 5, verbose: 0, callbacks: [new CSVLogger(file, { separator: ';' }), boom] }),
      /boom/,
    );
    const rows = readFileSync(file, 'utf8').split('\r\n');
    assert.equal(rows[0], 'epoch;loss;val_loss');
    assert.deepEqual(
      rows.slice(1, 4).map((r) => r.split(';')[0]),
      ['0', '1', '2'],
    );
    assert.ok(rows.slice(1, 4).every((r) => r.endsWith(';NA')));
    assert.equal(rows.length, 5);
  });
  it('formats floats as Python repr', () => {
    assert.equal(pyFloat(1e-5), '1e-05');
    assert.equal(pyFloat(0.0001), '0.0001');
    assert.equal(pyFloat(1), '1.0');
    assert.equal(pyFloat(0.5), '0.5');
    assert.equal(pyFloat(Math.fround(0.001) * 0.1), '0.00010000000474974513');
    assert.equal(pyFloat(1e16), '1e+16');
    assert.equal(pyFloat(123456.5), '123456.5');
    assert.equal(pyFloat(NaN), 'nan');
  });
});

describe('TerminateOnNaN', () => {
  it('stops at the first batch whose loss is NaN', async () => {
    const m = tinyModel();
    const xn = new Tensor(Float32Array.from(x.data), x.shape);
    xn.data[0] = NaN;
    const lines: string[] = [];
    let batches = 0;
    const h = await m.fit(xn, y, {
      epochs: 5,
      batchSize: 4,
      shuffle: false,
      verbose: 0,
      callbacks: [
        new LambdaCallback({
          onBatchEnd: () => {
            batches++;
          },
        }),
        new TerminateOnNaN({ print: (l) => lines.push(l) }),
      ],
    });
    assert.equal(batches, 1);
    assert.equal(h.epoch.length, 1);
    assert.deepEqual(lines, ['Batch 0: Invalid loss, terminating training']);
    assert.equal(m.stopTraining, true);
  });
  it('leaves finite losses alone', async () => {
    const m = tinyModel();
    const h = await m.fit(x, y, {
      epochs: 2,
      verbose: 0,
      callbacks: [new TerminateOnNaN({ print: () => assert.fail('no message expected') })],
    });
    assert.equal(h.epoch.length, 2);
  });
});

describe('LambdaCallback', () => {
  it('calls the hooks in Keras order, awaiting async ones', async () => {
    const calls: string[] = [];
    const m = tinyModel();
    const cb = new LambdaCallback({
      onTrainBegin: () => {
        calls.push('trainBegin');
      },
      onEpochBegin: (e) => {
        calls.push(`epochBegin ${e}`);
      },
      onBatchBegin: (b) => {
        calls.push(`batchBegin ${b}`);
      },
      onBatchEnd: (b, logs) => {
        calls.push(`batchEnd ${b} ${typeof (logs as Logs).loss}`);
      },
      onEpochEnd: async (e, logs) => {
        await new Promise((r) => setTimeout(r, 5));
        calls.push(`epochEnd ${e} ${Object.keys(logs ?? {}).join(',')}`);
      },
      onTrainEnd: () => {
        calls.push('trainEnd');
      },
    });
    await m.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, validationData: [xv, yv], callbacks: [cb] });
    assert.deepEqual(calls, [
      'trainBegin',
      'epochBegin 0',
      'batchBegin 0',
      'batchEnd 0 number',
      'batchBegin 1',
      'batchEnd 1 number',
      'epochEnd 0 loss,val_loss',
      'epochBegin 1',
      'batchBegin 0',
      'batchEnd 0 number',
      'batchBegin 1',
      'batchEnd 1 number',
      'epochEnd 1 loss,val_loss',
      'trainEnd',
    ]);
  });
  it('rejects unknown hooks and non-functions', () => {
    assert.throws(() => new LambdaCallback({ onEpochFinish: () => {} } as never), /unknown hook 'onEpochFinish'/);
    assert.throws(() => new LambdaCallback({ onEpochEnd: 3 } as never), ValueError);
  });
});
