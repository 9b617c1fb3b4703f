// Pooling kernels over NHWC tensors; padded cells never take part (max) and are not counted (avg).
#pragma once

#include <cstdint>

namespace ck {

struct PoolGeom {
  int64_t N, H, W, C, OH, OW, PH, PW, SH, SW, PT, PL;
};

void max_pool_forward(const PoolGeom& g, const float* x, float* y);
void max_pool_backward(const PoolGeom& g, const float* x, const float* dy, float* dx);
void avg_pool_forward(const PoolGeom& g, const float* x, float* y);
void avg_pool_backward(const PoolGeom& g, const float* dy, float* dx);

}  // namespace ck
