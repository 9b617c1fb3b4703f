// 2D convolution kernels (NHWC input, [kh,kw,C,F] weights) built on the indirect GEMM driver.
#pragma once

#include <cstdint>

namespace ck {

struct ConvGeom {
  int64_t N, H, W, C, OH, OW, F, KH, KW, SH, SW, DH, DW, PT, PL;
};

void conv2d_forward(const ConvGeom& g, const float* x, const float* w, const float* bias, bool relu, float* y);
void conv2d_backprop_input(const ConvGeom& g, const float* dy, const float* w, float* dx);
void conv2d_backprop_filter(const ConvGeom& g, const float* x, const float* dy, float* dw);

}  // namespace ck
