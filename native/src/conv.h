// 2D convolution kernels (NHWC input, [kh,kw,C,F] weights) built on the indirect GEMM driver.
#pragma once

#include <cstdint>

namespace ck {

struct ConvGeom {
  int64_t N, H, W, C, OH, OW, F, KH, KW, SH, SW, DH, DW, PT, PL;
};

// The fields of the JS record (Conv2DInfo in src/backend/types.ts) read by name into ConvGeom:
// X(jsName, member, least value). Order is irrelevant; the names are the contract.
// clang-format would re-break this list differently on every run.
// clang-format off
#define CK_CONV_GEOM_FIELDS(X) \
  X(batch, N, 1) \
  X(inH, H, 1) \
  X(inW, W, 1) \
  X(inC, C, 1) \
  X(outH, OH, 1) \
  X(outW, OW, 1) \
  X(outC, F, 1) \
  X(kH, KH, 1) \
  X(kW, KW, 1) \
  X(strideH, SH, 1) \
  X(strideW, SW, 1) \
  X(dilationH, DH, 1) \
  X(dilationW, DW, 1) \
  X(padTop, PT, 0) \
  X(padLeft, PL, 0)
// clang-format on

void conv2d_forward(const ConvGeom& g, const float* x, const float* w, const float* bias, bool relu, float* y);
struct PoolGeom;
// y = maxPool(act(conv(x) + bias)) without storing the convolution's output (conv_pool.cc); with
// arg (nullable), also each max's place in its window, as max_pool_forward_argmax writes it.
void conv2d_max_pool_forward(const ConvGeom& g, const PoolGeom& p, const float* x, const float* w, const float* bias,
                             bool relu, float* y, float* arg);
// conv2d_backprop_filter of the convolution behind conv2d_max_pool_forward, from the pooled gradient
// dy and the argmaxes that forward wrote (dy routed by arg, without storing the routed gradient); db:
// the per-filter sums of what is routed (the bias gradient).
void conv2d_max_pool_backprop_filter(const ConvGeom& g, const PoolGeom& p, const float* x, const float* dy,
                                     const float* arg, float* dw, float* db);
// conv2d_backprop_input of the convolution behind conv2d_max_pool_forward, from the pooled gradient dy
// and the argmaxes that forward wrote (dy routed by arg, without storing the routed gradient).
void conv2d_max_pool_backprop_input(const ConvGeom& g, const PoolGeom& p, const float* dy, const float* w,
                                    const float* arg, float* dx);
void conv2d_backprop_input(const ConvGeom& g, const float* dy, const float* w, float* dx);
void conv2d_backprop_filter(const ConvGeom& g, const float* x, const float* dy, float* dw);

}  // namespace ck
