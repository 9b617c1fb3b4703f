// Layer constructors check what an untyped caller passes: Keras's snake_case option names get the
// camelCase one to use, and numbers given as strings are refused with the value's type printed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { layers, models } from '../../src/index.js';

// Untyped callers (JavaScript, JSON-driven code) reach the constructors with any value.
const untyped = (v: unknown): never => v as never;

test('a snake_case option names the camelCase one instead of being ignored', () => {
  assert.throws(
    () => new layers.Conv2D(32, 3, untyped({ input_shape: [28, 28, 1] })),
    /Conv2D: unknown option 'input_shape'; use inputShape/,
  );
  assert.throws(() => new layers.Dense(10, untyped({ kernel_initializer: 'zeros' })), /use kernelInitializer/);
  assert.throws(() => new layers.MaxPooling2D(2, untyped({ pool_size: 2 })), /use poolSize/);
  // The camelCase spelling builds the model as asked.
  const m = new models.Sequential([new layers.Conv2D(4, 3, { inputShape: [8, 8, 1] })]);
  assert.deepEqual(m.layers[0].batchInputShape, [null, 8, 8, 1]);
});

test('options that are not an object are refused with their type', () => {
  assert.throws(
    () => new layers.Dense(10, untyped('relu')),
    /Dense: expected an options object, got the string 'relu'/,
  );
});

test('numbers given as strings are errors that print the string, not values stored in the config', () => {
  assert.throws(() => new layers.Dropout(untyped('0.5')), /rate must be in \[0, 1\), got the string '0\.5'/);
  assert.throws(() => new layers.SpatialDropout2D(untyped('0.2')), /got the string '0\.2'/);
  assert.throws(() => new layers.Dense(untyped('64')), /units must be a positive integer, got the string '64'/);
  assert.throws(() => new layers.Conv2D(untyped('32'), 3), /filters must be a positive integer, got the string '32'/);
  assert.throws(() => new layers.Dropout(0.5, { seed: untyped('1') }), /seed: expected an integer, got the string '1'/);
  assert.throws(() => new layers.Dense(4, { batchSize: untyped('8') }), /batchSize: expected a positive integer/);
  assert.throws(() => new layers.Dense(4, { trainable: untyped('false') }), /trainable: expected true or false/);
  assert.equal(new layers.Dropout(0.5).getConfig().rate, 0.5);
});
