// Numbers given as strings (from JSON, a form, a command line) are refused by every layer that takes
// a number, with the string printed as a string: '0.5' must not be stored in a config or compared
// as text ('0.3' >= 0 is true in JavaScript).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as L from '../../src/layers/index.js';

const untyped = (v: unknown): never => v as never;

// Each case passes a string where the layer takes a number; the message must print it as a string.
const CASES: [string, () => unknown, string][] = [
  ['Dense units', () => new L.Dense(untyped('64')), "'64'"],
  ['Conv2D filters', () => new L.Conv2D(untyped('32'), 3), "'32'"],
  ['Conv2D kernelSize', () => new L.Conv2D(32, untyped('3')), "'3'"],
  ['Conv2D strides', () => new L.Conv2D(32, 3, { strides: untyped('2') }), "'2'"],
  ['DepthwiseConv2D kernelSize', () => new L.DepthwiseConv2D(untyped('3')), "'3'"],
  ['DepthwiseConv2D depthMultiplier', () => new L.DepthwiseConv2D(3, { depthMultiplier: untyped('2') }), "'2'"],
  ['SeparableConv2D filters', () => new L.SeparableConv2D(untyped('8'), 3), "'8'"],
  ['SeparableConv2D kernelSize', () => new L.SeparableConv2D(8, untyped('3')), "'3'"],
  ['MaxPooling2D poolSize', () => new L.MaxPooling2D(untyped('2')), "'2'"],
  ['AveragePooling2D poolSize', () => new L.AveragePooling2D(untyped('2')), "'2'"],
  ['UpSampling2D size', () => new L.UpSampling2D({ size: untyped('2') }), "'2'"],
  ['ZeroPadding2D padding', () => new L.ZeroPadding2D({ padding: untyped('1') }), "'1'"],
  ['Cropping2D cropping', () => new L.Cropping2D({ cropping: untyped('1') }), "'1'"],
  ['Dropout rate', () => new L.Dropout(untyped('0.5')), "'0.5'"],
  ['SpatialDropout1D rate', () => new L.SpatialDropout1D(untyped('0.2')), "'0.2'"],
  ['SpatialDropout2D rate', () => new L.SpatialDropout2D(untyped('0.2')), "'0.2'"],
  ['SpatialDropout3D rate', () => new L.SpatialDropout3D(untyped('0.2')), "'0.2'"],
  ['GaussianNoise stddev', () => new L.GaussianNoise(untyped('0.1')), "'0.1'"],
  ['GaussianDropout rate', () => new L.GaussianDropout(untyped('0.3')), "'0.3'"],
  ['GaussianNoise seed', () => new L.GaussianNoise(0.1, { seed: untyped('1') }), "'1'"],
  ['Reshape targetShape', () => new L.Reshape(untyped('23')), "'23'"],
  ['ReLU maxValue', () => new L.ReLU({ maxValue: untyped('6') }), "'6'"],
  ['ReLU negativeSlope', () => new L.ReLU({ negativeSlope: untyped('0.1') }), "'0.1'"],
  ['BatchNormalization momentum', () => new L.BatchNormalization({ momentum: untyped('0.9') }), "'0.9'"],
  ['BatchNormalization epsilon', () => new L.BatchNormalization({ epsilon: untyped('0.001') }), "'0.001'"],
  ['BatchNormalization axis', () => new L.BatchNormalization({ axis: untyped('-1') }), "'-1'"],
  ['LayerNormalization epsilon', () => new L.LayerNormalization({ epsilon: untyped('0.001') }), "'0.001'"],
  ['LayerNormalization axis', () => new L.LayerNormalization({ axis: untyped('-1') }), "'-1'"],
  ['Concatenate axis', () => new L.Concatenate({ axis: untyped('1') }), "'1'"],
  ['Rescaling scale', () => new L.Rescaling(untyped('1/255')), "'1/255'"],
  ['Rescaling offset', () => new L.Rescaling(2, { offset: untyped('-1') }), "'-1'"],
  ['Resizing height', () => new L.Resizing(untyped('4'), 5), "'4'"],
  ['Resizing width', () => new L.Resizing(4, untyped('5')), "'5'"],
  ['Resizing fillValue', () => new L.Resizing(4, 5, { fillValue: untyped('0') }), "'0'"],
  ['CenterCrop height', () => new L.CenterCrop(untyped('4'), 4), "'4'"],
  ['RandomCrop width', () => new L.RandomCrop(4, untyped('4')), "'4'"],
  ['RandomRotation factor', () => new L.RandomRotation(untyped('0.1')), "'0.1'"],
  ['RandomRotation fillValue', () => new L.RandomRotation(0.1, { fillValue: untyped('0') }), "'0'"],
  ['RandomRotation seed', () => new L.RandomRotation(0.1, { seed: untyped('7') }), "'7'"],
  ['RandomZoom heightFactor', () => new L.RandomZoom(untyped('0.2')), "'0.2'"],
  ['RandomZoom widthFactor', () => new L.RandomZoom(0.2, untyped('0.2')), "'0.2'"],
  ['RandomTranslation heightFactor', () => new L.RandomTranslation(untyped('0.1'), 0.1), "'0.1'"],
  ['RandomTranslation widthFactor', () => new L.RandomTranslation(0.1, untyped('0.1')), "'0.1'"],
  ['RandomContrast factor', () => new L.RandomContrast(untyped('0.3')), "'0.3'"],
  ['RandomBrightness factor', () => new L.RandomBrightness(untyped('0.2')), "'0.2'"],
  [
    'RandomBrightness valueRange',
    () => new L.RandomBrightness(0.2, { valueRange: untyped(['0', '255']) }),
    '["0","255"]',
  ],
  ['Dense inputShape', () => new L.Dense(4, { inputShape: untyped(['28', 28]) }), '["28",28]'],
  ['Input shape', () => L.Input({ shape: untyped([28, '28', 1]) }), '[28,"28",1]'],
];

for (const [what, make, shown] of CASES) {
  test(`${what} given as a string is refused, printed as a string`, () => {
    assert.throws(make, (e: Error) => {
      const expected = shown.startsWith("'") ? `got the string ${shown}` : `got ${shown}`;
      assert.ok(
        e.message.includes(expected),
        `${what}: expected the message to include "${expected}", got: ${e.message}`,
      );
      return true;
    });
  });
}

test('booleans given as strings are refused too: the string false is truthy', () => {
  assert.throws(
    () => new L.Dense(4, { useBias: untyped('false') }),
    /Dense '.*' useBias: expected true or false, got the string 'false'/,
  );
  assert.throws(() => new L.Conv2D(4, 3, { useBias: untyped('false') }), /useBias: expected true or false/);
  assert.throws(() => new L.SeparableConv2D(4, 3, { useBias: untyped(0) }), /useBias: expected true or false, got 0/);
  assert.throws(() => new L.GlobalAveragePooling2D({ keepdims: untyped('true') }), /keepdims: expected true or false/);
  assert.throws(
    () => new L.Resizing(4, 4, { cropToAspectRatio: untyped('yes') }),
    /cropToAspectRatio: expected true or false/,
  );
  assert.throws(() => new L.BatchNormalization({ center: untyped('false') }), /center: expected true or false/);
  assert.equal(new L.Dense(4, { useBias: false }).useBias, false);
});

test('the same layers accept the numbers themselves', () => {
  assert.equal(new L.GaussianDropout(0.3).rate, 0.3);
  assert.equal(new L.GaussianNoise(0.1, { seed: 1 }).stddev, 0.1);
  assert.deepEqual(new L.DepthwiseConv2D({ kernelSize: 3 }).kernelSize, [3, 3]);
  assert.deepEqual(new L.RandomBrightness(0.2, { valueRange: [0, 1] }).valueRange, [0, 1]);
  assert.equal(new L.ReLU({ maxValue: 6, negativeSlope: 0.1, threshold: -1 }).maxValue, 6);
  assert.deepEqual(new L.LayerNormalization({ axis: [1, 2] }).axis, [1, 2]);
  assert.equal(new L.Rescaling(1 / 255).scale, 1 / 255);
});
