// Depthwise 2D convolution (NHWC input, [kh,kw,C,M] weights read as [kh,kw,C*M]): forward with
// fused bias and ReLU, and both gradients. Entries of the kernel table, in the binder's namespace.
#pragma once

#include <cstdint>

#include "args.h"
#include "conv.h"

namespace ck::k {

void depthwise_conv2d(Out out, In x, In w, Opt<const float> bias, const ConvGeom& g, Activation act);
void depthwise_conv2d_backprop_input(Out out, In dy, In w, const ConvGeom& g);
void depthwise_conv2d_backprop_filter(Out out, In x, In dy, const ConvGeom& g);

}  // namespace ck::k
