// Depthwise 2D convolution (NHWC input, [kh,kw,C,M] weights read as [kh,kw,C*M]): forward with
// fused bias and ReLU, and both gradients. Every loop runs innermost over contiguous channels (the
// output channel f = c*M + m reads input channel c), so the compiler vectorises it; the row functions are
// also cloned for x86-64-v3 CPUs (AVX2 + FMA), chosen by CPU features when the addon loads
// (CK_AVX2_CLONES, cpu.h).
// Forward and backprop-input are threaded over (image, row) pairs, each writing only its own rows;
// backprop-filter sums per-thread partial filters, then adds them up in a fixed order.
#include <string>
#include <vector>

#include "binder.h"
#include "cpu.h"
#include "threadpool.h"

namespace ck {
namespace {

// acc[f] += x[f / M] * w[f] over f in [0, F).
CK_AVX2_CLONES void tap_forward(float* __restrict acc, const float* __restrict x, const float* __restrict w, int64_t C,
                                int64_t M) {
  if (M == 1) {
    for (int64_t c = 0; c < C; ++c) acc[c] += x[c] * w[c];
    return;
  }
  for (int64_t c = 0; c < C; ++c) {
    const float xv = x[c];
    float* __restrict a = acc + c * M;
    const float* __restrict wc = w + c * M;
    for (int64_t m = 0; m < M; ++m) a[m] += xv * wc[m];
  }
}

// dx[c] += sum_m dy[c*M + m] * w[c*M + m].
CK_AVX2_CLONES void tap_input(float* __restrict dx, const float* __restrict dy, const float* __restrict w, int64_t C,
                              int64_t M) {
  if (M == 1) {
    for (int64_t c = 0; c < C; ++c) dx[c] += dy[c] * w[c];
    return;
  }
  for (int64_t c = 0; c < C; ++c) {
    float s = 0.f;
    for (int64_t m = 0; m < M; ++m) s += dy[c * M + m] * w[c * M + m];
    dx[c] += s;
  }
}

// dw[f] += x[f / M] * dy[f]: the same access pattern as the forward tap.
CK_AVX2_CLONES void tap_filter(float* __restrict dw, const float* __restrict x, const float* __restrict dy, int64_t C,
                               int64_t M) {
  tap_forward(dw, x, dy, C, M);
}

int dw_threads(const ConvGeom& g, int64_t rows) {
  const int nt = threads_for(2.0 * g.N * g.OH * g.OW * g.F * g.KH * g.KW, 1.0e6);
  return rows < nt ? static_cast<int>(rows) : nt;
}

void forward(const ConvGeom& g, const float* x, const float* w, const float* bias, bool relu, float* y) {
  const int64_t C = g.C, F = g.F, M = F / C;
  parallel_for(g.N * g.OH, dw_threads(g, g.N * g.OH), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t n = r / g.OH, oh = r % g.OH;
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        float* __restrict acc = y + (r * g.OW + ow) * F;
        for (int64_t f = 0; f < F; ++f) acc[f] = bias ? bias[f] : 0.f;
        for (int64_t kh = 0; kh < g.KH; ++kh) {
          const int64_t ih = oh * g.SH - g.PT + kh * g.DH;
          if (ih < 0 || ih >= g.H) continue;
          for (int64_t kw = 0; kw < g.KW; ++kw) {
            const int64_t iw = ow * g.SW - g.PL + kw * g.DW;
            if (iw < 0 || iw >= g.W) continue;
            tap_forward(acc, x + ((n * g.H + ih) * g.W + iw) * C, w + (kh * g.KW + kw) * F, C, M);
          }
        }
        if (relu)
          for (int64_t f = 0; f < F; ++f) acc[f] = acc[f] > 0.f ? acc[f] : 0.f;
      }
    }
  });
}

// Gathers, for every input pixel, the output pixels whose windows cover it: no two threads write
// the same element, so no atomics and no per-thread copies of dx.
void backprop_input(const ConvGeom& g, const float* dy, const float* w, float* dx) {
  const int64_t C = g.C, F = g.F, M = F / C;
  parallel_for(g.N * g.H, dw_threads(g, g.N * g.H), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t n = r / g.H, ih = r % g.H;
      for (int64_t iw = 0; iw < g.W; ++iw) {
        float* __restrict d = dx + (r * g.W + iw) * C;
        for (int64_t c = 0; c < C; ++c) d[c] = 0.f;
        for (int64_t kh = 0; kh < g.KH; ++kh) {
          const int64_t th = ih + g.PT - kh * g.DH;
          if (th < 0 || th % g.SH != 0 || th / g.SH >= g.OH) continue;
          const int64_t oh = th / g.SH;
          for (int64_t kw = 0; kw < g.KW; ++kw) {
            const int64_t tw = iw + g.PL - kw * g.DW;
            if (tw < 0 || tw % g.SW != 0 || tw / g.SW >= g.OW) continue;
            const int64_t ow = tw / g.SW;
            tap_input(d, dy + ((n * g.OH + oh) * g.OW + ow) * F, w + (kh * g.KW + kw) * F, C, M);
          }
        }
      }
    }
  });
}

void backprop_filter(const ConvGeom& g, const float* x, const float* dy, float* dw) {
  const int64_t C = g.C, F = g.F, M = F / C, size = g.KH * g.KW * F, rows = g.N * g.OH;
  const int nt = dw_threads(g, rows);
  // One partial filter per thread beyond the first, which sums straight into dw.
  std::vector<float> partial(static_cast<size_t>(nt > 1 ? (nt - 1) * size : 0), 0.f);
  for (int64_t i = 0; i < size; ++i) dw[i] = 0.f;
  auto work = [&](int tid, int nthreads) {
    int64_t r0, r1;
    split_range(rows, 1, tid, nthreads, &r0, &r1);
    float* acc = tid == 0 ? dw : partial.data() + (tid - 1) * size;
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t n = r / g.OH, oh = r % g.OH;
      for (int64_t kh = 0; kh < g.KH; ++kh) {
        const int64_t ih = oh * g.SH - g.PT + kh * g.DH;
        if (ih < 0 || ih >= g.H) continue;
        for (int64_t ow = 0; ow < g.OW; ++ow) {
          const float* gy = dy + ((r * g.OW) + ow) * F;
          for (int64_t kw = 0; kw < g.KW; ++kw) {
            const int64_t iw = ow * g.SW - g.PL + kw * g.DW;
            if (iw < 0 || iw >= g.W) continue;
            tap_filter(acc + (kh * g.KW + kw) * F, x + ((n * g.H + ih) * g.W + iw) * C, gy, C, M);
          }
        }
      }
    }
  };
  if (nt <= 1) {
    work(0, 1);
    return;
  }
  run_parallel(nt, work);
  for (int t = 1; t < nt; ++t) {
    const float* p = partial.data() + (t - 1) * size;
    for (int64_t i = 0; i < size; ++i) dw[i] += p[i];
  }
}

void check_multiple(const ConvGeom& g) {
  if (g.F % g.C != 0)
    throw ArgError{"outC must be a multiple of inC (channels times the depth multiplier), given inC " +
                   std::to_string(g.C) + ", outC " + std::to_string(g.F)};
}

}  // namespace

namespace k {
namespace {

void depthwise_conv2d(Out out, In x, In w, Opt<const float> bias, const ConvGeom& g, Activation act) {
  check_multiple(g);
  forward(g, expect(x, product({g.N, g.H, g.W, g.C}, "x")), expect(w, product({g.KH, g.KW, g.F}, "w")),
          expect(bias, g.F), act == Activation::Relu, expect(out, product({g.N, g.OH, g.OW, g.F}, "out")));
}

void depthwise_conv2d_backprop_input(Out out, In dy, In w, const ConvGeom& g) {
  check_multiple(g);
  backprop_input(g, expect(dy, product({g.N, g.OH, g.OW, g.F}, "dy")), expect(w, product({g.KH, g.KW, g.F}, "w")),
                 expect(out, product({g.N, g.H, g.W, g.C}, "out")));
}

void depthwise_conv2d_backprop_filter(Out out, In x, In dy, const ConvGeom& g) {
  check_multiple(g);
  backprop_filter(g, expect(x, product({g.N, g.H, g.W, g.C}, "x")), expect(dy, product({g.N, g.OH, g.OW, g.F}, "dy")),
                  expect(out, product({g.KH, g.KW, g.F}, "out")));
}

}  // namespace

CK_KERNEL("depthwiseConv2d", depthwise_conv2d, "out x w bias info act");
CK_KERNEL("depthwiseConv2dBackpropInput", depthwise_conv2d_backprop_input, "out dy w info");
CK_KERNEL("depthwiseConv2dBackpropFilter", depthwise_conv2d_backprop_filter, "out x dy info");

}  // namespace k
}  // namespace ck
