// Max and average pooling over NHWC tensors, with gradients.
import { getBackend } from '../backend/index.js';
import type { Activation, Conv2DInfo, Pool2DInfo } from '../backend/types.js';
import { isRecording, record } from '../autograd/tape.js';
import { ShapeError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { conv2dInfo, convOutputSize, type Padding } from './conv.js';
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
 * The convolution cut to the rows and columns that some pooling window reads (the pooling geometry
 * with the same input size): a 2x2 pooling at stride 2 of an 11x11 output reads only its top-left
 * 10x10, so the fused op neither computes nor back-propagates the last row and column (a fifth of
 * MNIST's second convolution). The cut convolution has an implied negative bottom/right padding,
 * which every convolution kernel takes (its outputs are those of the whole one, fewer of them).
 */
export function pooledRegion(info: Conv2DInfo, pinfo: Pool2DInfo): { info: Conv2DInfo; pinfo: Pool2DInfo } {
  const reach = (out: number, size: number, stride: number, pad: number, whole: number): number =>
    Math.max(1, Math.min(whole, (out - 1) * stride + size - pad));
  const outH = reach(pinfo.outH, pinfo.poolH, pinfo.strideH, pinfo.padTop, info.outH);
  const outW = reach(pinfo.outW, pinfo.poolW, pinfo.strideW, pinfo.padLeft, info.outW);
  if (outH === info.outH && outW === info.outW) return { info, pinfo };
  return { info: { ...info, outH, outW }, pinfo: { ...pinfo, inH: outH, inW: outW } };
}

/**
 * maxPool2d(act(conv2d(x, w) + bias)) as one op, for a Conv2D (ReLU or linear) followed by a
 * MaxPooling2D (models fuse such pairs); one kernel that never stores the convolution's output.
 * When a gradient is recorded, that kernel also writes where each max came from (its argmax), kept
 * as a hidden buffer (given back with the graph). With ReLU, a window whose pooled value is not
 * positive gets no argmax (-1): the value a window routes to is the pooled one, so pooled > 0 is
 * ReLU's mask there, and the argmaxes carry it. The backward pass routes the pooled gradient to the
 * argmaxes (summing what it routes per channel: the bias gradient), then runs the convolution's
 * backward passes: the gradients of the two ops, without their full-size intermediates.
 */
export function conv2dMaxPool(
  x: Tensor,
  w: Tensor,
  bias: Tensor | null,
  conv: { strides: readonly [number, number]; padding: Padding; dilation: readonly [number, number] },
  act: Activation,
  pool: { poolSize: readonly [number, number]; strides: readonly [number, number]; padding: Padding },
): Tensor {
  const full = conv2dInfo(x.shape, w.shape, conv.strides, conv.padding, conv.dilation);
  const { info, pinfo } = pooledRegion(
    full,
    pool2dInfo([full.batch, full.outH, full.outW, full.outC], pool.poolSize, pool.strides, pool.padding),
  );
  const be = getBackend();
  const b = bias ? floatData(bias) : null;
  const inputs = bias ? [x, w, bias] : [x, w];
  const shape = [pinfo.batch, pinfo.outH, pinfo.outW, pinfo.channels];
  if (!isRecording() || !inputs.some((t) => t.requiresGrad)) {
    return new Tensor(be.conv2dMaxPool(floatData(x), floatData(w), b, info, act, pinfo), shape);
  }
  // One output: the pooled values, then their argmaxes.
  const both = be.conv2dMaxPoolArgmax(floatData(x), floatData(w), b, info, act, pinfo);
  const size = both.length / 2;
  const pd = both.subarray(0, size),
    arg = both.subarray(size);
  const backward = (dp: Tensor, needs: readonly boolean[]): (Tensor | null)[] => {
    // With ReLU the argmaxes route nothing from windows whose value is not positive, where ReLU's
    // gradient is zero: the ReLU mask is already in them. Both kernels also return the bias gradient.
    const dpd = dp.data as Float32Array;
    const grads: (Tensor | null)[] = [null, null, null];
    let db = new Float32Array(0);
    // Both gradients straight from the pooled gradient and the argmaxes (the kernels skip what a
    // window does not route); the filter gradient's kernel also returns the bias gradient.
    if (needs[0]) grads[0] = new Tensor(be.conv2dMaxPoolBackpropInput(dpd, floatData(w), arg, info, pinfo), x.shape);
    if (needs[1]) {
      const both = be.conv2dMaxPoolBackpropFilter(floatData(x), dpd, arg, info, pinfo);
      const n = both.length - pinfo.channels;
      grads[1] = new Tensor(both.subarray(0, n), w.shape);
      db = both.slice(n);
    } else if (bias && needs[2]) {
      const routed = be.maxPool2dBackwardArgmax(arg, dpd, pinfo);
      db = routed.slice(routed.length - pinfo.channels);
      be.release?.(routed);
    }
    if (bias && needs[2]) grads[2] = new Tensor(db, bias.shape);
    return grads;
  };
  return record(new Tensor(pd, shape), `conv2d_${act}_max_pool2d`, inputs, backward, undefined, [both]);
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
