// Max and average pooling over NHWC input, forward and backward; parallel over images.
#include "pool.h"

#include <cstring>
#include <limits>

#include "threadpool.h"

namespace ck {
namespace {

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

int pool_threads(const PoolGeom& g) {
  int nt = threads_for(static_cast<double>(g.N) * g.OH * g.OW * g.C * g.PH * g.PW, 4.0e5);
  return nt > g.N ? static_cast<int>(g.N) : nt;
}

}  // namespace

void max_pool_forward(const PoolGeom& g, const float* x, float* y) {
  const int64_t C = g.C;
  parallel_for(g.N, pool_threads(g), [&](int64_t n0, int64_t n1) {
    for (int64_t n = n0; n < n1; ++n)
      for (int64_t oy = 0; oy < g.OH; ++oy)
        for (int64_t ox = 0; ox < g.OW; ++ox) {
          float* d = y + ((n * g.OH + oy) * g.OW + ox) * C;
          const Win w = window(g, oy, ox);
          for (int64_t c = 0; c < C; ++c) d[c] = -std::numeric_limits<float>::infinity();
          for (int64_t iy = w.y0; iy < w.y1; ++iy)
            for (int64_t ix = w.x0; ix < w.x1; ++ix) {
              const float* s = x + ((n * g.H + iy) * g.W + ix) * C;
              for (int64_t c = 0; c < C; ++c) d[c] = s[c] > d[c] || s[c] != s[c] ? s[c] : d[c];  // NaN wins
            }
        }
  });
}

void max_pool_backward(const PoolGeom& g, const float* x, const float* dy, float* dx) {
  const int64_t C = g.C;
  parallel_for(g.N, pool_threads(g), [&](int64_t n0, int64_t n1) {
    std::memset(dx + n0 * g.H * g.W * C, 0, sizeof(float) * (n1 - n0) * g.H * g.W * C);
    float best[64];
    int64_t arg[64];
    for (int64_t n = n0; n < n1; ++n)
      for (int64_t oy = 0; oy < g.OH; ++oy)
        for (int64_t ox = 0; ox < g.OW; ++ox) {
          const float* gy = dy + ((n * g.OH + oy) * g.OW + ox) * C;
          const Win w = window(g, oy, ox);
          if (w.y0 >= w.y1 || w.x0 >= w.x1) continue;
          for (int64_t cb = 0; cb < C; cb += 64) {
            const int64_t ce = cb + 64 < C ? cb + 64 : C, cn = ce - cb;
            // First (lowest h, then w) position of the maximum: strict '>' keeps the earliest.
            const int64_t first = ((n * g.H + w.y0) * g.W + w.x0) * C;
            for (int64_t c = 0; c < cn; ++c) { best[c] = x[first + cb + c]; arg[c] = first; }
            for (int64_t iy = w.y0; iy < w.y1; ++iy)
              for (int64_t ix = w.x0; ix < w.x1; ++ix) {
                const int64_t off = ((n * g.H + iy) * g.W + ix) * C;
                const float* s = x + off + cb;
                for (int64_t c = 0; c < cn; ++c)
                  if (s[c] > best[c]) { best[c] = s[c]; arg[c] = off; }
              }
            for (int64_t c = 0; c < cn; ++c) dx[arg[c] + cb + c] += gy[cb + c];
          }
        }
  });
}

void avg_pool_forward(const PoolGeom& g, const float* x, float* y) {
  const int64_t C = g.C;
  parallel_for(g.N, pool_threads(g), [&](int64_t n0, int64_t n1) {
    for (int64_t n = n0; n < n1; ++n)
      for (int64_t oy = 0; oy < g.OH; ++oy)
        for (int64_t ox = 0; ox < g.OW; ++ox) {
          float* d = y + ((n * g.OH + oy) * g.OW + ox) * C;
          const Win w = window(g, oy, ox);
          for (int64_t c = 0; c < C; ++c) d[c] = 0.f;
          for (int64_t iy = w.y0; iy < w.y1; ++iy)
            for (int64_t ix = w.x0; ix < w.x1; ++ix) {
              const float* s = x + ((n * g.H + iy) * g.W + ix) * C;
              for (int64_t c = 0; c < C; ++c) d[c] += s[c];
            }
          const int64_t cnt = (w.y1 - w.y0) * (w.x1 - w.x0);
          const float inv = cnt > 0 ? 1.f / static_cast<float>(cnt) : 0.f;
          for (int64_t c = 0; c < C; ++c) d[c] *= inv;
        }
  });
}

void avg_pool_backward(const PoolGeom& g, const float* dy, float* dx) {
  const int64_t C = g.C;
  parallel_for(g.N, pool_threads(g), [&](int64_t n0, int64_t n1) {
    std::memset(dx + n0 * g.H * g.W * C, 0, sizeof(float) * (n1 - n0) * g.H * g.W * C);
    for (int64_t n = n0; n < n1; ++n)
      for (int64_t oy = 0; oy < g.OH; ++oy)
        for (int64_t ox = 0; ox < g.OW; ++ox) {
          const float* gy = dy + ((n * g.OH + oy) * g.OW + ox) * C;
          const Win w = window(g, oy, ox);
          const int64_t cnt = (w.y1 - w.y0) * (w.x1 - w.x0);
          if (cnt <= 0) continue;
          const float inv = 1.f / static_cast<float>(cnt);
          for (int64_t iy = w.y0; iy < w.y1; ++iy)
            for (int64_t ix = w.x0; ix < w.x1; ++ix) {
              float* d = dx + ((n * g.H + iy) * g.W + ix) * C;
              for (int64_t c = 0; c < C; ++c) d[c] += gy[c] * inv;
            }
        }
  });
}

}  // namespace ck
