// Winograd F(2x2, 3x3) for 3x3, stride-1, undilated convolutions (forward and backprop-input), and
// its transpose F(3x3, 2x2) for the filter gradient.
// 16 products per 2x2 output tile instead of 36: 2.25x fewer multiplications than the direct method,
// at the price of input/output transforms. Rounding stays within a few ulps of the direct kernel's
// (the transforms only use 0, ±1 and ±1/2); test/backend/native.test.ts checks it against both.
#pragma once

#include "conv.h"

namespace ck {

// Whether the forward (and, with the roles of C and F swapped, backprop-input) of this geometry
// runs through Winograd: 3x3, stride 1, dilation 1, and a shape where it beats the direct GEMM
// (32+ channels each side, enough tiles, few wasted in partial edge tiles; see winograd.cc).
// CONVKIT_WINOGRAD=0 turns it off, =1 uses it for every eligible shape (tests, A/B comparisons).
bool winograd_forward_applies(const ConvGeom& g);
bool winograd_backprop_input_applies(const ConvGeom& g);
// The filter gradient by F(3x3, 2x2) (the transpose of F(2x2, 3x3)), on the forward's shape rule.
bool winograd_backprop_filter_applies(const ConvGeom& g);

void winograd_forward(const ConvGeom& g, const float* x, const float* w, const float* bias, bool relu, float* y);
void winograd_backprop_input(const ConvGeom& g, const float* dy, const float* w, float* dx);
void winograd_backprop_filter(const ConvGeom& g, const float* x, const float* dy, float* dw);

// Forward then 2x2 max pooling at stride 2 from the origin, pooled in the output transform (a
// Winograd tile is a pooling window), for shapes where the forward runs through Winograd; arg
// (nullable) gets each max's place in its window as max_pool_forward_argmax writes it.
struct PoolGeom;
bool winograd_pooled_applies(const ConvGeom& g, const PoolGeom& pg);
void winograd_forward_pooled(const ConvGeom& g, const PoolGeom& pg, const float* x, const float* w, const float* bias,
                             bool relu, float* y, float* arg);

}  // namespace ck
