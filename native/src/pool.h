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

// Valid window rows/cols for output (oy, ox): [y0, y1) x [x0, x1) in input coordinates.
struct Win {
  int64_t y0, y1, x0, x1;
};
inline Win window(const PoolGeom& g, int64_t oy, int64_t ox) {
  Win w;
  int64_t ys = oy * g.SH - g.PT, xs = ox * g.SW - g.PL;
  w.y0 = ys < 0 ? 0 : ys;
  w.y1 = ys + g.PH < g.H ? ys + g.PH : g.H;
  w.x0 = xs < 0 ? 0 : xs;
  w.x1 = xs + g.PW < g.W ? xs + g.PW : g.W;
  return w;
}

void max_pool_forward(const PoolGeom& g, const float* x, float* y);
void max_pool_backward(const PoolGeom& g, const float* x, const float* dy, float* dx);
// max_pool_forward, and in arg the place in its window (row-major over the unclipped PH x PW window)
// of the cell max_pool_backward routes to: the first strict maximum; -1 for a window of padding only.
void max_pool_forward_argmax(const PoolGeom& g, const float* x, float* y, float* arg);
// dx: each dy routed to the cell at its window place arg (cells no arg names get 0; an arg that
// names no cell of its window routes nothing); sums (nullable): the per-channel sums of what was routed,
// each image's apart, then added in image order.
void max_pool_backward_argmax(const PoolGeom& g, const float* arg, const float* dy, float* dx, float* sums);
void avg_pool_forward(const PoolGeom& g, const float* x, float* y);
void avg_pool_backward(const PoolGeom& g, const float* dy, float* dx);

}  // namespace ck
