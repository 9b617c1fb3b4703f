// Optimizer constructors and compile refuse unknown options (Keras's snake_case names get the camelCase
// one) and numbers given as strings, printing the value with its type.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { layers, models, optimizers } from '../../src/index.js';

// Untyped callers (JavaScript, JSON-driven code) reach the constructors with any value.
const untyped = (v: unknown): never => v as never;

test('optimizers refuse unknown and snake_case options', () => {
  assert.throws(
    () => new optimizers.Adam(untyped({ learning_rate: 1e-3 })),
    /adam: unknown option 'learning_rate'; use learningRate/,
  );
  assert.throws(() => new optimizers.Adam(untyped({ beta_1: 0.8 })), /use beta1/);
  assert.throws(
    () => new optimizers.SGD(untyped({ momentun: 0.9 })),
    /unknown option 'momentun' \(did you mean 'momentum'\?\)/,
  );
  assert.throws(() => new optimizers.RMSprop(untyped({ lr: 0.1 })), /use 'learningRate'/);
});

test('optimizer numbers given as strings are errors that show the string', () => {
  assert.throws(() => new optimizers.RMSprop({ learningRate: untyped('1e-4') }), /got the string '1e-4'/);
  assert.throws(() => new optimizers.SGD({ momentum: untyped('0.9') }), /sgd momentum: .*got the string '0\.9'/);
  assert.throws(() => new optimizers.Adam({ epsilon: untyped('1e-7') }), /adam epsilon: .*got the string '1e-7'/);
  assert.throws(() => new optimizers.Adam({ clipnorm: untyped('1') }), /adam clipnorm: .*got the string '1'/);
  assert.equal(new optimizers.Adam({ learningRate: 0.01, beta1: 0.8 }).getConfig().beta_1, 0.8);
});

test('an optimizer rebuilt from a Keras config still accepts its fields', () => {
  const opt = optimizers.getOptimizer({ class_name: 'Adam', config: { learning_rate: 0.002, beta_1: 0.85 } });
  assert.equal(opt.learningRate, 0.002);
});

test('compile refuses unknown options, with the camelCase hint where one exists', () => {
  const m = new models.Sequential([new layers.Dense(1, { inputShape: [2] })]);
  assert.throws(
    () => m.compile(untyped({ optimizer: 'sgd', loss: 'mse', metric: ['accuracy'] })),
    /compile: unknown option 'metric' \(did you mean 'metrics'\?\)/,
  );
  assert.throws(() => m.compile(untyped({ loss: 'mse', loss_weights: [1] })), /unknown option 'loss_weights'/);
  assert.throws(
    () => m.compile(untyped({ loss: 'mse', jitCompile: true })),
    /compile: unknown option 'jitCompile'; the options are optimizer, loss, metrics/,
  );
  m.compile({ optimizer: 'sgd', loss: 'mse' });
});
