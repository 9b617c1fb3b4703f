// Pooling kernels over NHWC tensors; padded cells never take part (max) and are not counted (avg).
#pragma once

#include <cstdint>

namespace ck {

struct PoolGeom {
  int64_t N, H, W, C, OH, OW, PH, PW, SH, SW, PT, PL;
};

// The fields of the JS record (Pool2DInfo in src/backend/types.ts) read by name: X(jsName, member, least value).
// clang-format would re-break this list differently on every run.
// clang-format off
#define CK_POOL_GEOM_FIELDS(X) \
  X(batch, N, 1) \
  X(inH, H, 1) \
  X(inW, W, 1) \
  X(channels, C, 1) \
  X(outH, OH, 1) \
  X(outW, OW, 1) \
  X(poolH, PH, 1) \
  X(poolW, PW, 1) \
  X(strideH, SH, 1) \
  X(strideW, SW, 1) \
  X(padTop, PT, 0) \
  X(padLeft, PL, 0)
// clang-format on

void max_pool_forward(const PoolGeom& g, const float* x, float* y);
void max_pool_backward(const PoolGeom& g, const float* x, const float* dy, float* dx);
void avg_pool_forward(const PoolGeom& g, const float* x, float* y);
void avg_pool_backward(const PoolGeom& g, const float* dy, float* dx);

}  // namespace ck
