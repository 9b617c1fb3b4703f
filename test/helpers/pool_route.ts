// What the fused op's routing kernel must give, built from the unfused reference kernels.
import { jsBackend } from '../../src/backend/js/index.js';
import type { Activation, Pool2DInfo } from '../../src/backend/types.js';

/**
 * maxPool2dBackwardArgmax's output for the argmaxes conv2dMaxPoolArgmax writes over y = act(conv):
 * maxPool2dBackward's routing of dy on y (with ReLU, then ReLU's mask: windows whose max is not
 * positive route nothing), followed by the per-channel sums of what was routed.
 */
export function expectedRoute(y: Float32Array, dy: Float32Array, p: Pool2DInfo, act: Activation): Float32Array {
  const routed = jsBackend.maxPool2dBackward(y, dy, p);
  const masked = act === 'relu' ? jsBackend.reluBackward(routed, y) : routed;
  const out = new Float32Array(masked.length + p.channels);
  out.set(masked);
  for (let i = 0; i < masked.length; i++) out[masked.length + (i % p.channels)] += masked[i];
  return out;
}
