// Callback constructors refuse unknown options (Keras's snake_case names get the camelCase one) and
// numbers given as strings; a checkpoint monitor that names no logged metric warns once, listing them.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  BackupAndRestore,
  CSVLogger,
  EarlyStopping,
  ModelCheckpoint,
  ReduceLROnPlateau,
  TerminateOnNaN,
} from '../../src/callbacks/index.js';
import { Dense } from '../../src/layers/core.js';
import { Sequential } from '../../src/models/sequential.js';
import { tensor } from '../../src/tensor/index.js';

// Untyped callers (JavaScript, JSON-driven code) reach the constructors with any value.
const untyped = (v: unknown): never => v as never;

test('callbacks refuse snake_case and unknown options', () => {
  assert.throws(
    () => new EarlyStopping(untyped({ restore_best_weights: true })),
    /EarlyStopping: unknown option 'restore_best_weights'; use restoreBestWeights/,
  );
  assert.throws(() => new ReduceLROnPlateau(untyped({ min_lr: 1e-5 })), /ReduceLROnPlateau: .*use minLr/);
  // A computed key, so that a scan for focused tests does not mistake Keras's save-best option for one.
  assert.throws(
    () => new ModelCheckpoint(untyped({ filepath: 'a.keras', ['save_best_only']: true })),
    /ModelCheckpoint: .*use saveBestOnly/,
  );
  assert.throws(() => new CSVLogger('log.csv', untyped({ sep: ';' })), /CSVLogger: unknown option 'sep'/);
  assert.throws(() => new TerminateOnNaN(untyped({ verbose: 1 })), /TerminateOnNaN: unknown option 'verbose'/);
  assert.throws(
    () => new BackupAndRestore(untyped({ backupDir: '/tmp/x', save_freq: 2 })),
    /BackupAndRestore: .*use saveFreq/,
  );
});

test('callback numbers given as strings are errors that show the string', () => {
  assert.throws(
    () => new EarlyStopping({ patience: untyped('3') }),
    /patience must be a non-negative integer, got the string '3'/,
  );
  assert.throws(() => new EarlyStopping({ minDelta: untyped('0.01') }), /minDelta: .*got the string '0\.01'/);
  assert.throws(() => new ReduceLROnPlateau({ factor: untyped('0.5') }), /factor: .*got the string '0\.5'/);
  assert.throws(() => new ReduceLROnPlateau({ minLr: untyped('1e-6') }), /minLr: .*got the string '1e-6'/);
  assert.throws(
    () => new ModelCheckpoint({ filepath: 'a.keras', saveBestOnly: untyped('true') }),
    /saveBestOnly: expected true or false, got the string 'true'/,
  );
});

test('ModelCheckpoint with a monitor that is not logged warns once, naming the logged metrics', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'convkit-ckpt-'));
  const m = new Sequential([new Dense(1, { inputShape: [2] })]);
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  try {
    const filepath = path.join(dir, 'best.keras');
    const cb = new ModelCheckpoint({ filepath, monitor: 'val_los', saveBestOnly: true, mode: 'min' });
    const x = tensor(new Float32Array(8), [4, 2]);
    const y = tensor(new Float32Array(4), [4, 1]);
    await m.fit(x, y, { epochs: 3, verbose: 0, callbacks: [cb] });
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off('warning', onWarning);
  }
  const mine = warnings.filter((w) => w.includes('val_los'));
  assert.equal(mine.length, 1, mine.join('\n'));
  assert.match(mine[0], /Can save best model only with val_los available\. Available metrics are: loss/);
});
