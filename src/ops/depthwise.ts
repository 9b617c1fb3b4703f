// Depthwise 2D convolution (NHWC input, [kh, kw, in, depthMultiplier] kernel) with fused bias and
// ReLU, and its gradients. The geometry is conv2d's (TF 'valid'/'same'), with outC = in·multiplier.
// SeparableConv2D composes this op with a 1x1 conv2d; it needs no op of its own.
import type { Activation, Conv2DInfo } from '../backend/types.js';
import { ShapeError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { type Padding, convOutputSize, fusedConvolution } from './conv.js';

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
  return fusedConvolution('depthwiseConv2d', x, w, bias, info, act);
}
