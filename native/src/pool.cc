// Max and average pooling over NHWC input, forward and backward; parallel over images.
#include "pool.h"

#include <algorithm>
#include <cstring>

#include "binder.h"
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <limits>
#include <vector>

#include "threadpool.h"
#include "vec.h"

namespace ck {
namespace {

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
          float* __restrict d = y + ((n * g.OH + oy) * g.OW + ox) * C;
          const Win w = window(g, oy, ox);
          for (int64_t c = 0; c < C; ++c) d[c] = -std::numeric_limits<float>::infinity();
          for (int64_t iy = w.y0; iy < w.y1; ++iy)
            for (int64_t ix = w.x0; ix < w.x1; ++ix) {
              const float* __restrict s = x + ((n * g.H + iy) * g.W + ix) * C;
              for (int64_t c = 0; c < C; ++c) {
                const float v = s[c], cur = d[c];
                d[c] = v > cur || v != v ? v : cur;  // NaN wins, as in the reference
              }
            }
        }
  });
}

namespace {
// One window, channels [0, cn): running argmax (first maximum wins: strict '>'), then route dy.
// SSE2 (baseline x86-64) four channels at a time: random data would mispredict a branchy loop half
// the time, and GCC does not vectorise the mixed float/int select on its own.
// Assign: windows do not overlap, so each cell is written once (no zero fill, no read-modify-write).
template <bool Assign>
inline void max_window_backward(const float* __restrict x, const int64_t* __restrict cell, int32_t cells, int64_t cn,
                                const float* __restrict gy, float* __restrict dx) {
  int64_t c = 0;
#if defined(__SSE2__)
  for (; c + 4 <= cn; c += 4) {
    __m128 best = _mm_loadu_ps(x + cell[0] + c);
    __m128i arg = _mm_setzero_si128();
    for (int32_t k = 1; k < cells; ++k) {
      const __m128 v = _mm_loadu_ps(x + cell[k] + c);
      const __m128i gt = _mm_castps_si128(_mm_cmpgt_ps(v, best));
      best = _mm_max_ps(v, best);
      arg = _mm_or_si128(_mm_andnot_si128(gt, arg), _mm_and_si128(gt, _mm_set1_epi32(k)));
    }
    const __m128 g = _mm_loadu_ps(gy + c);
    for (int32_t k = 0; k < cells; ++k) {
      const __m128 hit = _mm_castsi128_ps(_mm_cmpeq_epi32(arg, _mm_set1_epi32(k)));
      float* d = dx + cell[k] + c;
      if (Assign) _mm_storeu_ps(d, _mm_and_ps(hit, g));
      else _mm_storeu_ps(d, _mm_add_ps(_mm_loadu_ps(d), _mm_and_ps(hit, g)));
    }
  }
#endif
  for (; c < cn; ++c) {
    float best = x[cell[0] + c];
    int32_t arg = 0;
    for (int32_t k = 1; k < cells; ++k)
      if (x[cell[k] + c] > best) {
        best = x[cell[k] + c];
        arg = k;
      }
    if (Assign)
      for (int32_t k = 0; k < cells; ++k) dx[cell[k] + c] = 0.f;
    dx[cell[arg] + c] += gy[c];
  }
}
}  // namespace

void max_pool_backward(const PoolGeom& g, const float* x, const float* dy, float* dx) {
  const int64_t C = g.C;
  constexpr int64_t CB = 64;
  // Non-overlapping windows (stride >= pool, the usual case) write their cells directly; only cells
  // that no window covers are zeroed.
  const bool assign = g.SH >= g.PH && g.SW >= g.PW;
  std::vector<char> row_cov(static_cast<size_t>(g.H), 0), col_cov(static_cast<size_t>(g.W), 0);
  for (int64_t o = 0; o < g.OH; ++o) {
    const Win w = window(g, o, 0);
    for (int64_t i = w.y0; i < w.y1; ++i) row_cov[i] = 1;
  }
  for (int64_t o = 0; o < g.OW; ++o) {
    const Win w = window(g, 0, o);
    for (int64_t i = w.x0; i < w.x1; ++i) col_cov[i] = 1;
  }
  parallel_for(g.N, pool_threads(g), [&](int64_t n0, int64_t n1) {
    if (!assign) {
      std::memset(dx + n0 * g.H * g.W * C, 0, sizeof(float) * (n1 - n0) * g.H * g.W * C);
    } else {
      for (int64_t n = n0; n < n1; ++n)
        for (int64_t iy = 0; iy < g.H; ++iy) {
          float* row = dx + (n * g.H + iy) * g.W * C;
          if (!row_cov[iy]) {
            std::memset(row, 0, sizeof(float) * g.W * C);
            continue;
          }
          for (int64_t ix = 0; ix < g.W; ++ix)
            if (!col_cov[ix]) std::memset(row + ix * C, 0, sizeof(float) * C);
        }
    }
    std::vector<int64_t> cell(static_cast<size_t>(g.PH * g.PW));
    for (int64_t n = n0; n < n1; ++n)
      for (int64_t oy = 0; oy < g.OH; ++oy)
        for (int64_t ox = 0; ox < g.OW; ++ox) {
          const Win w = window(g, oy, ox);
          if (w.y0 >= w.y1 || w.x0 >= w.x1) continue;
          int32_t cells = 0;
          for (int64_t iy = w.y0; iy < w.y1; ++iy)
            for (int64_t ix = w.x0; ix < w.x1; ++ix) cell[cells++] = ((n * g.H + iy) * g.W + ix) * C;
          const float* gy = dy + ((n * g.OH + oy) * g.OW + ox) * C;
          for (int64_t cb = 0; cb < C; cb += CB)
            if (assign)
              max_window_backward<true>(x + cb, cell.data(), cells, C - cb < CB ? C - cb : CB, gy + cb, dx + cb);
            else max_window_backward<false>(x + cb, cell.data(), cells, C - cb < CB ? C - cb : CB, gy + cb, dx + cb);
        }
  });
}

namespace {

// One cell of a window after the first: d keeps the max (NaN wins), a the place of the first strict
// maximum of d's non-NaN run (a NaN window is redone in max_pool_forward_argmax).
inline void argmax_cell(const float* __restrict s, float pos, int64_t C, float* __restrict d, float* __restrict a) {
  int64_t c = 0;
  const v4 p4 = v4{} + pos;
  for (; c + 4 <= C; c += 4) {
    const v4 v = ld4(s + c), cur = ld4(d + c);
    const auto gt = v > cur;
    st4(a + c, gt ? p4 : ld4(a + c));
    st4(d + c, gt | (v != v) ? v : cur);
  }
  for (; c < C; ++c) {
    const float v = s[c], cur = d[c];
    a[c] = v > cur ? pos : a[c];
    d[c] = v > cur || v != v ? v : cur;
  }
}

// One cell of a window in backward: the gradient where the argmax names this cell, else 0 (or add);
// what is routed is also added into sum (per channel) when sum is non-null.
template <bool Assign>
inline void route_cell(const float* __restrict a, const float* __restrict gy, float pos, int64_t C, float* __restrict d,
                       float* __restrict sum) {
  int64_t c = 0;
  const v4 p4 = v4{} + pos, zero = v4{};
  for (; c + 4 <= C; c += 4) {
    const v4 g = ld4(a + c) == p4 ? ld4(gy + c) : zero;
    st4(d + c, Assign ? g : ld4(d + c) + g);
    if (sum) st4(sum + c, ld4(sum + c) + g);
  }
  for (; c < C; ++c) {
    const float g = a[c] == pos ? gy[c] : 0.f;
    d[c] = Assign ? g : d[c] + g;
    if (sum) sum[c] += g;
  }
}
}  // namespace

void max_pool_forward_argmax(const PoolGeom& g, const float* x, float* y, float* arg) {
  const int64_t C = g.C;
  parallel_for(g.N, pool_threads(g), [&](int64_t n0, int64_t n1) {
    for (int64_t n = n0; n < n1; ++n)
      for (int64_t oy = 0; oy < g.OH; ++oy)
        for (int64_t ox = 0; ox < g.OW; ++ox) {
          const int64_t o = ((n * g.OH + oy) * g.OW + ox) * C;
          float* d = y + o;
          float* a = arg + o;
          const Win w = window(g, oy, ox);
          if (w.y0 >= w.y1 || w.x0 >= w.x1) {
            std::fill(d, d + C, -std::numeric_limits<float>::infinity());
            std::fill(a, a + C, -1.f);
            continue;
          }
          const int64_t ys = oy * g.SH - g.PT, xs = ox * g.SW - g.PL;
          const float* s0 = x + ((n * g.H + w.y0) * g.W + w.x0) * C;
          std::memcpy(d, s0, sizeof(float) * C);
          std::fill(a, a + C, static_cast<float>((w.y0 - ys) * g.PW + (w.x0 - xs)));
          for (int64_t iy = w.y0; iy < w.y1; ++iy)
            for (int64_t ix = iy == w.y0 ? w.x0 + 1 : w.x0; ix < w.x1; ++ix)
              argmax_cell(x + ((n * g.H + iy) * g.W + ix) * C, static_cast<float>((iy - ys) * g.PW + (ix - xs)), C, d,
                          a);
          for (int64_t c = 0; c < C; ++c) {
            if (d[c] == d[c]) continue;  // NaN in the window: argmax by strict '>' from the first cell
            float best = s0[c];
            for (int64_t iy = w.y0; iy < w.y1; ++iy)
              for (int64_t ix = w.x0; ix < w.x1; ++ix) {
                const float v = x[((n * g.H + iy) * g.W + ix) * C + c];
                if (v > best) {
                  best = v;
                  a[c] = static_cast<float>((iy - ys) * g.PW + (ix - xs));
                }
              }
          }
        }
  });
}

void max_pool_backward_argmax(const PoolGeom& g, const float* arg, const float* dy, float* dx, float* sums) {
  const int64_t C = g.C;
  // Each image's sums apart, then added in image order: the same result on any number of threads.
  std::vector<float> parts(sums ? static_cast<size_t>(g.N * C) : 0, 0.f);
  const bool assign = g.SH >= g.PH && g.SW >= g.PW;  // non-overlapping windows: each cell written once
  // Windows that tile the input exactly write every cell; otherwise cells no window covers read 0,
  // and overlapping windows add into their cells.
  const bool tiles = g.SH == g.PH && g.SW == g.PW && g.PT == 0 && g.PL == 0 && g.OH * g.SH == g.H && g.OW * g.SW == g.W;
  parallel_for(g.N, pool_threads(g), [&](int64_t n0, int64_t n1) {
    const int64_t img = g.H * g.W * C;
    for (int64_t n = n0; n < n1; ++n) {
      if (!tiles) std::memset(dx + n * img, 0, sizeof(float) * img);
      for (int64_t oy = 0; oy < g.OH; ++oy)
        for (int64_t ox = 0; ox < g.OW; ++ox) {
          const int64_t o = ((n * g.OH + oy) * g.OW + ox) * C;
          const Win w = window(g, oy, ox);
          const int64_t ys = oy * g.SH - g.PT, xs = ox * g.SW - g.PL;
          for (int64_t iy = w.y0; iy < w.y1; ++iy)
            for (int64_t ix = w.x0; ix < w.x1; ++ix) {
              float* d = dx + ((n * g.H + iy) * g.W + ix) * C;
              const float pos = static_cast<float>((iy - ys) * g.PW + (ix - xs));
              float* sum = sums ? parts.data() + n * C : nullptr;
              if (assign) route_cell<true>(arg + o, dy + o, pos, C, d, sum);
              else route_cell<false>(arg + o, dy + o, pos, C, d, sum);
            }
        }
    }
  });
  if (!sums) return;
  std::fill(sums, sums + C, 0.f);
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t c = 0; c < C; ++c) sums[c] += parts[n * C + c];
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

// Kernel entries: the arguments of the kernel table (src/backend/kernels.ts) in order, output
// first; each checks buffer lengths and calls the compute function above.
namespace ck::k {
namespace {

void max_pool2d(Out out, In x, const PoolGeom& g) {
  max_pool_forward(g, expect(x, product({g.N, g.H, g.W, g.C}, "x")),
                   expect(out, product({g.N, g.OH, g.OW, g.C}, "out")));
}

void max_pool2d_backward(Out out, In x, In dy, const PoolGeom& g) {
  max_pool_backward(g, expect(x, product({g.N, g.H, g.W, g.C}, "x")), expect(dy, product({g.N, g.OH, g.OW, g.C}, "dy")),
                    expect(out, product({g.N, g.H, g.W, g.C}, "out")));
}

// out: the routed gradient, then its per-channel sums.
void max_pool2d_backward_argmax(Out out, In arg, In dy, const PoolGeom& g) {
  const int64_t pooled = product({g.N, g.OH, g.OW, g.C}, "dy");
  const int64_t routed = product({g.N, g.H, g.W, g.C}, "out");
  float* dx = expect(out, product({g.N * g.H * g.W + 1, g.C}, "out"));
  max_pool_backward_argmax(g, expect(arg, pooled), expect(dy, pooled), dx, dx + routed);
}

void avg_pool2d(Out out, In x, const PoolGeom& g) {
  avg_pool_forward(g, expect(x, product({g.N, g.H, g.W, g.C}, "x")),
                   expect(out, product({g.N, g.OH, g.OW, g.C}, "out")));
}

void avg_pool2d_backward(Out out, In dy, const PoolGeom& g) {
  avg_pool_backward(g, expect(dy, product({g.N, g.OH, g.OW, g.C}, "dy")),
                    expect(out, product({g.N, g.H, g.W, g.C}, "out")));
}

}  // namespace

CK_KERNEL("maxPool2d", max_pool2d, "out x info");
CK_KERNEL("maxPool2dBackward", max_pool2d_backward, "out x dy info");
CK_KERNEL("maxPool2dBackwardArgmax", max_pool2d_backward_argmax, "out arg dy info");
CK_KERNEL("avgPool2d", avg_pool2d, "out x info");
CK_KERNEL("avgPool2dBackward", avg_pool2d_backward, "out dy info");

}  // namespace ck::k
