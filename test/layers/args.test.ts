// The shared layer-argument checks and the activation names: one wording for every layer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValueError } from '../../src/errors.js';
import { activationName, getActivation } from '../../src/layers/activations.js';
import { channelsLastOnly, checkPadding, dataFormatOf } from '../../src/layers/args.js';
import * as L from '../../src/layers/index.js';
import { ImageDataGenerator } from '../../src/preprocessing/index.js';
import { Tensor } from '../../src/tensor/tensor.js';

describe('dataFormatOf', () => {
  it('defaults to channels_last and accepts both layouts', () => {
    assert.equal(dataFormatOf(undefined, 'w'), 'channels_last');
    assert.equal(dataFormatOf(null, 'w'), 'channels_last');
    assert.equal(dataFormatOf('channels_first', 'w'), 'channels_first');
  });
  it('names the layer and the value it refuses', () => {
    assert.throws(
      () => dataFormatOf('NHWC', "GlobalMaxPooling2D 'g'"),
      (e: Error) =>
        e instanceof ValueError &&
        e.message === `GlobalMaxPooling2D 'g': dataFormat must be 'channels_last' or 'channels_first', got "NHWC"`,
    );
  });
});

describe('channelsLastOnly', () => {
  it('accepts channels_last or nothing', () => {
    assert.equal(channelsLastOnly(undefined, 'w'), 'channels_last');
    assert.equal(channelsLastOnly(null, 'w'), 'channels_last');
    assert.equal(channelsLastOnly('channels_last', 'w'), 'channels_last');
  });
  it('refuses channels_first with the same words in every layer that cannot run it', () => {
    const refusals: [string, () => unknown][] = [
      [
        'Conv2D',
        () =>
          L.deserializeLayer({
            class_name: 'Conv2D',
            config: { name: 'c', filters: 2, kernel_size: 3, data_format: 'channels_first' },
          }),
      ],
      [
        'MaxPooling2D',
        () =>
          L.deserializeLayer({
            class_name: 'MaxPooling2D',
            config: { name: 'p', pool_size: 2, data_format: 'channels_first' },
          }),
      ],
      [
        'RandomFlip',
        () => L.deserializeLayer({ class_name: 'RandomFlip', config: { name: 'f', data_format: 'channels_first' } }),
      ],
      ['ImageDataGenerator', () => new ImageDataGenerator({ dataFormat: 'channels_first' as 'channels_last' })],
    ];
    for (const [who, make] of refusals) {
      assert.throws(
        make,
        (e: Error) =>
          e instanceof ValueError &&
          e.message.includes(who) &&
          e.message.includes(`only dataFormat 'channels_last' is supported, got "channels_first"`),
        who,
      );
    }
  });
});

describe('checkPadding', () => {
  it("defaults to 'valid' and refuses anything but 'valid' or 'same'", () => {
    assert.equal(checkPadding(undefined, 'w'), 'valid');
    assert.equal(checkPadding('same', 'w'), 'same');
    assert.throws(
      () => checkPadding('full', "Conv2D 'c'"),
      /^ValueError: Conv2D 'c': padding must be 'valid' or 'same', got 'full'$/,
    );
  });
});

describe('activations', () => {
  it('resolves every supported name to a function, and null/undefined to linear', () => {
    const x = new Tensor(Float32Array.from([-2, 0, 3]), [3]);
    for (const name of ['linear', 'relu', 'sigmoid', 'softmax', 'tanh', 'softplus', 'relu6', 'swish']) {
      assert.equal(activationName(name, 'w'), name);
      assert.deepEqual(getActivation(name)(x).shape, [3], name);
    }
    assert.equal(activationName(null, 'w'), 'linear');
    assert.equal(activationName(undefined, 'w'), 'linear');
  });
  it('refuses names convkit does not implement, and object keys that are not activations', () => {
    for (const name of ['gelu', 'elu', 'selu', 'constructor', 'toString', '__proto__']) {
      assert.throws(
        () => activationName(name, "Dense 'd'"),
        new RegExp(`Dense 'd': unknown activation '${name}'; expected one of linear, relu`),
      );
      assert.throws(() => getActivation(name), /unknown activation/);
    }
  });
});
