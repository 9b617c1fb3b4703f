// ImageDataGenerator refuses unknown options and numbers given as strings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { preprocessing } from '../../src/index.js';

const untyped = (v: unknown): never => v as never;

test('ImageDataGenerator: snake_case options name the camelCase one; strings are not numbers', () => {
  assert.throws(
    () => new preprocessing.ImageDataGenerator(untyped({ rotation_range: 40 })),
    /ImageDataGenerator: unknown option 'rotation_range'; use rotationRange/,
  );
  assert.throws(
    () => new preprocessing.ImageDataGenerator({ rescale: untyped('0.00392') }),
    /rescale: expected a number, got the string '0\.00392'/,
  );
  assert.throws(() => new preprocessing.ImageDataGenerator({ rotationRange: untyped('40') }), /got the string '40'/);
  assert.equal(new preprocessing.ImageDataGenerator({ rescale: 1 / 255 }).rescale, 1 / 255);
});
