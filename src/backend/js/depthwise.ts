// Reference depthwise convolution kernels: each input channel c is convolved with its own M
// filters (the depth multiplier), giving output channels c·M .. c·M+M−1. The weight
// [kh, kw, C, M] is read as [kh, kw, C·M], so output channel f reads input channel ⌊f/M⌋.
// Plain loops over every (image, output pixel, tap, channel): the oracle of the native kernels.
import type { Kernels } from '../kernels.js';
import type { Conv2DInfo } from '../types.js';

type DepthwiseKernels = Pick<
  Kernels,
  'depthwiseConv2d' | 'depthwiseConv2dBackpropInput' | 'depthwiseConv2dBackpropFilter'
>;

/** Calls fn(xIndex, outIndex, wIndex) for every in-bounds (pixel, tap, output channel) of the sweep. */
function sweep(p: Conv2DInfo, fn: (xi: number, yi: number, wi: number) => void): void {
  const m = p.outC / p.inC;
  for (let n = 0; n < p.batch; n++) {
    for (let oh = 0; oh < p.outH; oh++) {
      for (let ow = 0; ow < p.outW; ow++) {
        const yRow = ((n * p.outH + oh) * p.outW + ow) * p.outC;
        for (let kh = 0; kh < p.kH; kh++) {
          const ih = oh * p.strideH - p.padTop + kh * p.dilationH;
          if (ih < 0 || ih >= p.inH) continue;
          for (let kw = 0; kw < p.kW; kw++) {
            const iw = ow * p.strideW - p.padLeft + kw * p.dilationW;
            if (iw < 0 || iw >= p.inW) continue;
            const xRow = ((n * p.inH + ih) * p.inW + iw) * p.inC;
            const wRow = (kh * p.kW + kw) * p.outC;
            for (let f = 0; f < p.outC; f++) fn(xRow + Math.floor(f / m), yRow + f, wRow + f);
          }
        }
      }
    }
  }
}

export const depthwiseKernels: DepthwiseKernels = {
  depthwiseConv2d(x, w, bias, p, act) {
    const y = new Float32Array(p.batch * p.outH * p.outW * p.outC);
    if (bias) for (let i = 0; i < y.length; i += p.outC) y.set(bias, i);
    sweep(p, (xi, yi, wi) => {
      y[yi] += x[xi] * w[wi];
    });
    if (act === 'relu') for (let i = 0; i < y.length; i++) if (!(y[i] > 0)) y[i] = 0;
    return y;
  },

  depthwiseConv2dBackpropInput(dy, w, p) {
    const dx = new Float32Array(p.batch * p.inH * p.inW * p.inC);
    sweep(p, (xi, yi, wi) => {
      dx[xi] += dy[yi] * w[wi];
    });
    return dx;
  },

  depthwiseConv2dBackpropFilter(x, dy, p) {
    const dw = new Float32Array(p.kH * p.kW * p.outC);
    sweep(p, (xi, yi, wi) => {
      dw[wi] += x[xi] * dy[yi];
    });
    return dw;
  },
};
