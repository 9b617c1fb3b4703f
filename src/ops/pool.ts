// Max and average pooling over NHWC tensors, with gradients.
import { getBackend } from '../backend/index.js';
import type { Activation, Pool2DInfo } from '../backend/types.js';
import { record } from '../autograd/tape.js';
import { ShapeError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { conv2dInfo, convOutputSize, convolutionGradients, type Padding } from './conv.js';
import { floatData } from './util.js';

export function pool2dInfo(
  xShape: readonly number[],
  pool: readonly [number, number],
  strides: readonly [number, number],
  padding: Padding,
): Pool2DInfo {
  if (xShape.length !== 4)
    throw new ShapeError(
      `pooling: expected input of rank 4 (batch, height, width, channels), got shape [${xShape.join(', ')}]`,
    );
  const [batch, inH, inW, channels] = xShape;
  const h = convOutputSize(inH, pool[0], strides[0], 1, padding);
  const w = convOutputSize(inW, pool[1], strides[1], 1, padding);
  if (h.out <= 0 || w.out <= 0) {
    throw new ShapeError(
      `pooling: a ${pool[0]}x${pool[1]} window does not fit a ${inH}x${inW} input with padding '${padding}'`,
    );
  }
  return {
    batch,
    inH,
    inW,
    channels,
    outH: h.out,
    outW: w.out,
    poolH: pool[0],
    poolW: pool[1],
    strideH: strides[0],
    strideW: strides[1],
    padTop: h.padBefore,
    padLeft: w.padBefore,
  };
}

export function maxPool2d(
  x: Tensor,
  pool: readonly [number, number],
  strides: readonly [number, number],
  padding: Padding,
): Tensor {
  const info = pool2dInfo(x.shape, pool, strides, padding);
  const be = getBackend();
  const y = new Tensor(be.maxPool2d(floatData(x), info), [info.batch, info.outH, info.outW, info.channels]);
  return record(y, 'maxPool2d', [x], (dy) => [
    new Tensor(be.maxPool2dBackward(floatData(x), dy.data as Float32Array, info), x.shape),
  ]);
}

/**
 * maxPool2d(act(conv2d(x, w) + bias)) in one kernel that never stores the convolution's output, for
 * inference (a Sequential fuses Conv2D + MaxPooling2D when no gradient is recorded). Its gradient
 * recomputes the convolution's output, then runs the pooling's and the convolution's backward
 * passes, so it is that of the two ops.
 */
export function conv2dMaxPool(
  x: Tensor,
  w: Tensor,
  bias: Tensor | null,
  conv: { strides: readonly [number, number]; padding: Padding; dilation: readonly [number, number] },
  act: Activation,
  pool: { poolSize: readonly [number, number]; strides: readonly [number, number]; padding: Padding },
): Tensor {
  const info = conv2dInfo(x.shape, w.shape, conv.strides, conv.padding, conv.dilation);
  const pinfo = pool2dInfo([info.batch, info.outH, info.outW, info.outC], pool.poolSize, pool.strides, pool.padding);
  const be = getBackend();
  const b = bias ? floatData(bias) : null;
  const y = new Tensor(be.conv2dMaxPool(floatData(x), floatData(w), b, info, act, pinfo), [
    pinfo.batch,
    pinfo.outH,
    pinfo.outW,
    pinfo.channels,
  ]);
  return record(y, `conv2d_${act}_max_pool2d`, bias ? [x, w, bias] : [x, w], (dy, needs) => {
    const yd = be.conv2d(floatData(x), floatData(w), b, info, act);
    const dc = be.maxPool2dBackward(yd, dy.data as Float32Array, pinfo);
    const grads = convolutionGradients('conv2d', x, w, bias, info, act, yd, dc, needs);
    be.release?.(dc);
    be.release?.(yd);
    return grads;
  });
}

export function avgPool2d(
  x: Tensor,
  pool: readonly [number, number],
  strides: readonly [number, number],
  padding: Padding,
): Tensor {
  const info = pool2dInfo(x.shape, pool, strides, padding);
  const be = getBackend();
  const y = new Tensor(be.avgPool2d(floatData(x), info), [info.batch, info.outH, info.outW, info.channels]);
  return record(y, 'avgPool2d', [x], (dy) => [
    new Tensor(be.avgPool2dBackward(dy.data as Float32Array, info), x.shape),
  ]);
}
