// Depthwise 2D convolution (NHWC input, [kh, kw, in, depthMultiplier] kernel) with fused bias and
// ReLU, and its gradients. The geometry is conv2d's (TF 'valid'/'same'), with outC = in·multiplier.
// SeparableConv2D composes this op with a 1x1 conv2d; it needs no op of its own.
import { getBackend } from '../backend/index.js';
import type { Activation, Conv2DInfo } from '../backend/types.js';
import { record } from '../autograd/tape.js';
import { ShapeError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { type Padding, convOutputSize } from './conv.js';
import { floatData } from './util.js';

function fmt(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}

/** The geometry of a depthwise convolution of x [n, h, w, c] by w [kh, kw, c, m]. */
export function depthwiseConv2dInfo(
  xShape: readonly number[],
  wShape: readonly number[],
  strides: readonly [number, number],
  padding: Padding,
  dilation: readonly [number, number] = [1, 1],
): Conv2DInfo {
  if (xShape.length !== 4) {
    throw new ShapeError(
      `depthwiseConv2d: expected input of rank 4 (batch, height, width, channels), got shape ${fmt(xShape)}`,
    );
  }
  if (wShape.length !== 4) {
    throw new ShapeError(
      `depthwiseConv2d: expected a kernel of rank 4 (kh, kw, in, depthMultiplier), got shape ${fmt(wShape)}`,
    );
  }
  const [batch, inH, inW, inC] = xShape;
  const [kH, kW, kC, mult] = wShape;
  if (kC !== inC) throw new ShapeError(`depthwiseConv2d: input has ${inC} channels but the kernel expects ${kC}`);
  const h = convOutputSize(inH, kH, strides[0], dilation[0], padding);
  const w = convOutputSize(inW, kW, strides[1], dilation[1], padding);
  if (h.out <= 0 || w.out <= 0) {
    throw new ShapeError(
      `depthwiseConv2d: a ${kH}x${kW} kernel does not fit a ${inH}x${inW} input with padding ` + `'${padding}'`,
    );
  }
  return {
    batch,
    inH,
    inW,
    inC,
    outH: h.out,
    outW: w.out,
    outC: inC * mult,
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

/** y = act(depthwiseConv2d(x, w) + bias): output channel c·M+m is input channel c by filter w[.., c, m]. */
export function depthwiseConv2d(
  x: Tensor,
  w: Tensor,
  bias: Tensor | null,
  strides: readonly [number, number],
  padding: Padding,
  act: Activation = 'linear',
  dilation: readonly [number, number] = [1, 1],
): Tensor {
  const info = depthwiseConv2dInfo(x.shape, w.shape, strides, padding, dilation);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== info.outC)) {
    throw new ShapeError(`depthwiseConv2d: expected a bias of shape [${info.outC}], got ${fmt(bias.shape)}`);
  }
  const be = getBackend();
  const yd = be.depthwiseConv2d(floatData(x), floatData(w), bias ? floatData(bias) : null, info, act);
  const y = new Tensor(yd, [info.batch, info.outH, info.outW, info.outC]);
  const inputs = bias ? [x, w, bias] : [x, w];
  return record(y, `depthwise_conv2d_${act}`, inputs, (dy, needs) => {
    const dz = act === 'relu' ? be.reluBackward(dy.data as Float32Array, yd) : (dy.data as Float32Array);
    const grads = [
      needs[0] ? new Tensor(be.depthwiseConv2dBackpropInput(dz, floatData(w), info), x.shape) : null,
      needs[1] ? new Tensor(be.depthwiseConv2dBackpropFilter(floatData(x), dz, info), w.shape) : null,
      bias && needs[2]
        ? new Tensor(be.reduce('sum', dz, 1, info.batch * info.outH * info.outW, info.outC), bias.shape)
        : null,
    ];
    // The masked gradient is local to this backward: its storage can serve the next output.
    if (dz !== dy.data) be.release?.(dz);
    return grads;
  });
}
