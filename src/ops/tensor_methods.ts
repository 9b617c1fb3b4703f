// Tensor's arithmetic methods, installed on its prototype when ops/ loads: tensor/tensor.ts
// declares them and stays a leaf; here each method is the op of the same name on `this`.
import { ValueError } from '../errors.js';
import { installTensorMethods } from '../tensor/tensor.js';
import {
  abs,
  add,
  div,
  equal,
  exp,
  greater,
  less,
  log,
  mul,
  neg,
  pow,
  relu,
  sqrt,
  square,
  sub,
} from './elementwise.js';
import { matmul } from './matmul.js';
import { argMax, max, mean, min, sum } from './reduce.js';
import { cast, gatherRows, reshape, sliceRows, transpose } from './shape.js';
import { expandDims, index, slice, squeeze } from './slicing.js';

installTensorMethods({
  reshape(shape) {
    return reshape(this, shape);
  },
  flatten() {
    return reshape(this, [this.size]);
  },
  astype(dtype) {
    return cast(this, dtype);
  },
  cast(dtype) {
    return cast(this, dtype);
  },
  add(b) {
    return add(this, b);
  },
  sub(b) {
    return sub(this, b);
  },
  mul(b) {
    return mul(this, b);
  },
  div(b) {
    return div(this, b);
  },
  pow(b) {
    return pow(this, b);
  },
  neg() {
    return neg(this);
  },
  square() {
    return square(this);
  },
  sqrt() {
    return sqrt(this);
  },
  exp() {
    return exp(this);
  },
  log() {
    return log(this);
  },
  abs() {
    return abs(this);
  },
  relu() {
    return relu(this);
  },
  matmul(b) {
    return matmul(this, b);
  },
  transpose(perm) {
    return transpose(this, perm);
  },
  sum(axis, keepDims = false) {
    return sum(this, axis, keepDims);
  },
  mean(axis, keepDims = false) {
    return mean(this, axis, keepDims);
  },
  max(axis, keepDims = false) {
    return max(this, axis, keepDims);
  },
  min(axis, keepDims = false) {
    return min(this, axis, keepDims);
  },
  argMax(axis = -1) {
    return argMax(this, axis);
  },
  slice(startOrBegin: number | readonly number[], endOrSize?: number | readonly number[]) {
    if (typeof startOrBegin === 'number') {
      if (endOrSize !== undefined && typeof endOrSize !== 'number') {
        throw new ValueError('slice: with a start row, the end must be a number too');
      }
      return sliceRows(this, startOrBegin, endOrSize);
    }
    if (typeof endOrSize === 'number') {
      throw new ValueError('slice: with per-axis begin indices, size must be a list too');
    }
    return slice(this, startOrBegin, endOrSize);
  },
  expandDims(axis = 0) {
    return expandDims(this, axis);
  },
  squeeze(axis) {
    return squeeze(this, axis);
  },
  index(...spec) {
    return index(this, ...spec);
  },
  gather(indices) {
    return gatherRows(this, indices);
  },
  equal(b) {
    return equal(this, b);
  },
  greater(b) {
    return greater(this, b);
  },
  less(b) {
    return less(this, b);
  },
});
