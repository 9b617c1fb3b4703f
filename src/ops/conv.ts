// 2D convolution (NHWC input, [kh, kw, in, out] kernel) with fused bias and activation, and its
// gradients; the geometry (Keras/TF 'valid' and 'same' padding) is computed here, once.
import { getBackend } from '../backend/index.js';
import type { Activation, Conv2DInfo } from '../backend/types.js';
import { record } from '../autograd/tape.js';
import { ShapeError, ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { floatData } from './util.js';

export type Padding = 'valid' | 'same';

/** Output size and leading pad of one spatial axis under TF's padding rule. */
export function convOutputSize(
  n: number,
  k: number,
  stride: number,
  dilation: number,
  padding: Padding,
): { out: number; padBefore: number } {
  const ek = (k - 1) * dilation + 1;
  if (padding === 'valid') return { out: Math.floor((n - ek) / stride) + 1, padBefore: 0 };
  if (padding === 'same') {
    const out = Math.ceil(n / stride);
    const total = Math.max((out - 1) * stride + ek - n, 0);
    return { out, padBefore: Math.floor(total / 2) };
  }
  throw new ValueError(`padding: expected 'valid' or 'same', got '${String(padding)}'`);
}

export function conv2dInfo(
  xShape: readonly number[],
  wShape: readonly number[],
  strides: readonly [number, number],
  padding: Padding,
  dilation: readonly [number, number] = [1, 1],
): Conv2DInfo {
  if (xShape.length !== 4)
    throw new ShapeError(
      `conv2d: expected input of rank 4 (batch, height, width, channels), got shape [${xShape.join(', ')}]`,
    );
  if (wShape.length !== 4)
    throw new ShapeError(`conv2d: expected a kernel of rank 4 (kh, kw, in, out), got shape [${wShape.join(', ')}]`);
  const [batch, inH, inW, inC] = xShape;
  const [kH, kW, kC, outC] = wShape;
  if (kC !== inC) throw new ShapeError(`conv2d: input has ${inC} channels but the kernel expects ${kC}`);
  const h = convOutputSize(inH, kH, strides[0], dilation[0], padding);
  const w = convOutputSize(inW, kW, strides[1], dilation[1], padding);
  if (h.out <= 0 || w.out <= 0) {
    throw new ShapeError(`conv2d: a ${kH}x${kW} kernel does not fit a ${inH}x${inW} input with padding '${padding}'`);
  }
  return {
    batch,
    inH,
    inW,
    inC,
    outH: h.out,
    outW: w.out,
    outC,
    kH,
    kW,
    strideH: strides[0],
    strideW: strides[1],
    dilationH: dilation[0],
    dilationW: dilation[1],
    padTop: h.padBefore,
    padLeft: w.padBefore,
  };
}

/** The kernels of one convolution family: forward with fused bias and activation, and its two gradients. */
export type ConvFamily = 'conv2d' | 'depthwiseConv2d';

/**
 * y = act(conv(x, w) + bias) for a convolution family whose geometry `info` the caller computed; the
 * backward pass undoes the fused ReLU, then asks only for the gradients the tape needs.
 */
export function fusedConvolution(
  family: ConvFamily,
  x: Tensor,
  w: Tensor,
  bias: Tensor | null,
  info: Conv2DInfo,
  act: Activation,
): Tensor {
  const be = getBackend();
  const forward = family === 'conv2d' ? be.conv2d : be.depthwiseConv2d;
  const yd = forward(floatData(x), floatData(w), bias ? floatData(bias) : null, info, act);
  const y = new Tensor(yd, [info.batch, info.outH, info.outW, info.outC]);
  const inputs = bias ? [x, w, bias] : [x, w];
  const opName = family === 'conv2d' ? 'conv2d' : 'depthwise_conv2d';
  return record(y, `${opName}_${act}`, inputs, (dy, needs) =>
    convolutionGradients(family, x, w, bias, info, act, yd, dy.data as Float32Array, needs),
  );
}

/**
 * The gradients of y = act(conv(x, w) + bias) (output yd) given dy: the fused ReLU undone, then only
 * the gradients the tape needs (needs: x, w, bias).
 */
export function convolutionGradients(
  family: ConvFamily,
  x: Tensor,
  w: Tensor,
  bias: Tensor | null,
  info: Conv2DInfo,
  act: Activation,
  yd: Float32Array,
  dy: Float32Array,
  needs: readonly boolean[],
): (Tensor | null)[] {
  const be = getBackend();
  const backInput = family === 'conv2d' ? be.conv2dBackpropInput : be.depthwiseConv2dBackpropInput;
  const backFilter = family === 'conv2d' ? be.conv2dBackpropFilter : be.depthwiseConv2dBackpropFilter;
  const dz = act === 'relu' ? be.reluBackward(dy, yd) : dy;
  const grads = [
    needs[0] ? new Tensor(backInput(dz, floatData(w), info), x.shape) : null,
    needs[1] ? new Tensor(backFilter(floatData(x), dz, info), w.shape) : null,
    bias && needs[2]
      ? new Tensor(be.reduce('sum', dz, 1, info.batch * info.outH * info.outW, info.outC), bias.shape)
      : null,
  ];
  // The masked gradient is local to this backward: its storage can serve the next output.
  if (dz !== dy) be.release?.(dz);
  return grads;
}

/** y = act(conv2d(x, w) + bias). */
export function conv2d(
  x: Tensor,
  w: Tensor,
  bias: Tensor | null,
  strides: readonly [number, number],
  padding: Padding,
  act: Activation = 'linear',
  dilation: readonly [number, number] = [1, 1],
): Tensor {
  return fusedConvolution('conv2d', x, w, bias, conv2dInfo(x.shape, w.shape, strides, padding, dilation), act);
}
