// Convolution as GEMM without a materialised im2col matrix.
//  forward:        y[M,F]      = cols(x)[M,K] · w[K,F]        A rows point straight into x per tap
//  backprop-input: dcols[M,K]  = dy[M,F] · wᵀ[F,K], then col2im into dx (chunks of images, in L2)
//  backprop-filter: dwᵀ[F,K]   = dyᵀ[F,M] · cols(x)[M,K]      (B panels copied from x in C-long runs)
//              or  dw[K,F]     = cols(x)ᵀ[K,M] · dy[M,F]      (when K is narrow, e.g. C = 1)
// where M = N·OH·OW output pixels and K = KH·KW·C, column p = (ky·KW + kx)·C + c.
#include "conv.h"

#include <cstring>
#include <vector>

#include "gemm.h"
#include "threadpool.h"

namespace ck {
namespace {

struct Pix {
  int64_t n, oy, ox;
};

inline Pix pixel_of(const ConvGeom& g, int64_t m) {
  const int64_t hw = g.OH * g.OW;
  Pix p;
  p.n = m / hw;
  const int64_t r = m - p.n * hw;
  p.oy = r / g.OW;
  p.ox = r - p.oy * g.OW;
  return p;
}

// Offset in x of input pixel under tap t of output pixel px, or -1 when it falls in the padding.
inline int64_t tap_offset(const ConvGeom& g, const Pix& px, int64_t t) {
  const int64_t ky = t / g.KW, kx = t - ky * g.KW;
  const int64_t iy = px.oy * g.SH - g.PT + ky * g.DH;
  const int64_t ix = px.ox * g.SW - g.PL + kx * g.DW;
  if (iy < 0 || iy >= g.H || ix < 0 || ix >= g.W) return -1;
  return ((px.n * g.H + iy) * g.W + ix) * g.C;
}

// Copies im2col row m, columns [p0, p0+len), to dst[j*ds].
inline void im2col_row(const ConvGeom& g, const float* x, int64_t m, int64_t p0, int64_t len, float* dst,
                       int64_t ds) {
  const Pix px = pixel_of(g, m);
  int64_t t = p0 / g.C, c = p0 - t * g.C;
  while (len > 0) {
    const int64_t seg = g.C - c < len ? g.C - c : len;
    const int64_t off = tap_offset(g, px, t);
    if (ds == 1) {
      if (off >= 0) std::memcpy(dst, x + off + c, sizeof(float) * seg);
      else std::memset(dst, 0, sizeof(float) * seg);
    } else if (off >= 0) {
      const float* s = x + off + c;
      for (int64_t j = 0; j < seg; ++j) dst[j * ds] = s[j];
    } else {
      for (int64_t j = 0; j < seg; ++j) dst[j * ds] = 0.f;
    }
    dst += seg * ds;
    len -= seg;
    ++t;
    c = 0;
  }
}

// Forward A: rows are output pixels [mbase + i0, ...), one pointer per tap into x (or a zero row).
struct ConvA {
  const ConvGeom* g;
  const float* x;
  int64_t mbase;
  const float* zeros;
  void build(int64_t i0, int64_t mc, const KBlock& kb, const float** ind, int MR) const {
    const int64_t rows = round_up(mc, MR);
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t m = mbase + i0 + (r < mc ? r : 0);
      const Pix px = pixel_of(*g, m);
      const float** d = ind + (r / MR) * kb.nt * MR + (r % MR);
      for (int64_t tt = 0; tt < kb.nt; ++tt) {
        const int64_t off = tap_offset(*g, px, kb.t0 + tt);
        d[tt * MR] = off >= 0 ? x + off + kb.c0 : zeros;
      }
    }
  }
};

// Forward B: weight rows (t, c) of w[K,F].
struct ConvWB {
  const float* w;
  int64_t C, F;
  void pack(const KBlock& kb, int64_t j0, int64_t nc, float* bp, int NR) const {
    pack_b_rows(kb.nt * kb.cc, nc, bp, NR, [&](int64_t k) {
      const int64_t tt = k / kb.cc, c = k - tt * kb.cc;
      return w + ((kb.t0 + tt) * C + kb.c0 + c) * F + j0;
    });
  }
};

// Plain row-major A (rows of length lda), depth offset by the block's channel start.
struct RowsA {
  const float* a;
  int64_t lda;
  void build(int64_t i0, int64_t mc, const KBlock& kb, const float** ind, int MR) const {
    const int64_t rows = round_up(mc, MR);
    for (int64_t r = 0; r < rows; ++r) ind[r] = a + (i0 + (r < mc ? r : 0)) * lda + kb.c0;
  }
};

// Plain row-major B [depth, ldb], depth offset by the block's channel start.
struct RowsB {
  const float* b;
  int64_t ldb;
  void pack(const KBlock& kb, int64_t j0, int64_t nc, float* bp, int NR) const {
    pack_b_rows(kb.cc, nc, bp, NR, [&](int64_t k) { return b + (kb.c0 + k) * ldb + j0; });
  }
};

// Backprop-filter, orientation dwᵀ: A = dyᵀ (rows f, depth = pixels), copied transposed into a block.
struct DyTA {
  const float* dy;
  int64_t F, mbase;
  Workspace* ws;
  void build(int64_t i0, int64_t mc, const KBlock& kb, const float** ind, int MR) const {
    const int64_t ld = round_up(kb.cc, 16) + 16;
    float* buf = ws->apack.get<float>(static_cast<size_t>(mc * ld));
    for (int64_t k = 0; k < kb.cc; ++k) {
      const float* s = dy + (mbase + kb.c0 + k) * F + i0;
      for (int64_t f = 0; f < mc; ++f) buf[f * ld + k] = s[f];
    }
    const int64_t rows = round_up(mc, MR);
    for (int64_t r = 0; r < rows; ++r) ind[r] = buf + (r < mc ? r : 0) * ld;
  }
};

// Backprop-filter, orientation dwᵀ: B = cols(x) rows (pixels), NR columns of K each.
struct ColsB {
  const ConvGeom* g;
  const float* x;
  int64_t mbase;
  void pack(const KBlock& kb, int64_t j0, int64_t nc, float* bp, int NR) const {
    for (int64_t jr = 0; jr < nc; jr += NR) {
      const int64_t w = nc - jr < NR ? nc - jr : NR;
      float* dst = bp + (jr / NR) * kb.cc * NR;
      for (int64_t k = 0; k < kb.cc; ++k) {
        float* d = dst + k * NR;
        im2col_row(*g, x, mbase + kb.c0 + k, j0 + jr, w, d, 1);
        for (int64_t j = w; j < NR; ++j) d[j] = 0.f;
      }
    }
  }
};

// Backprop-filter, orientation dw: A = cols(x)ᵀ (rows p, depth = pixels), gathered into a block.
struct ColsTA {
  const ConvGeom* g;
  const float* x;
  int64_t mbase;
  Workspace* ws;
  void build(int64_t i0, int64_t mc, const KBlock& kb, const float** ind, int MR) const {
    const int64_t ld = round_up(kb.cc, 16) + 16;
    float* buf = ws->apack.get<float>(static_cast<size_t>(mc * ld));
    for (int64_t k = 0; k < kb.cc; ++k) im2col_row(*g, x, mbase + kb.c0 + k, i0, mc, buf + k, ld);
    const int64_t rows = round_up(mc, MR);
    for (int64_t r = 0; r < rows; ++r) ind[r] = buf + (r < mc ? r : 0) * ld;
  }
};

double eff(int64_t a, int64_t mult) { return static_cast<double>(a) / static_cast<double>(round_up(a, mult)); }

}  // namespace

void conv2d_forward(const ConvGeom& g, const float* x, const float* w, const float* bias, bool relu, float* y) {
  const int64_t M = g.N * g.OH * g.OW, K = g.KH * g.KW * g.C, F = g.F;
  if (M == 0 || F == 0) return;
  const UKernel& uk = active_ukernel();
  const Blocking bl = blocking_for(uk);
  int nthreads = threads_for(2.0 * M * K * F);
  const int64_t units = (M + uk.mr - 1) / uk.mr;
  if (nthreads > units) nthreads = static_cast<int>(units);
  run_parallel(nthreads, [&](int tid, int nt) {
    int64_t m0, m1;
    split_range(M, uk.mr, tid, nt, &m0, &m1);
    if (m0 >= m1) return;
    Workspace& ws = thread_workspace();
    float* zeros = ws.zeros.get<float>(static_cast<size_t>(g.C));
    std::memset(zeros, 0, sizeof(float) * g.C);
    ConvA ap{&g, x, m0, zeros};
    ConvWB bp{w, g.C, F};
    igemm_serial(uk, bl, m1 - m0, F, g.KH * g.KW, g.C, ap, bp, y + m0 * F, F, bias, relu, ws);
  });
}

void conv2d_backprop_input(const ConvGeom& g, const float* dy, const float* w, float* dx) {
  const int64_t M = g.N * g.OH * g.OW, K = g.KH * g.KW * g.C, F = g.F;
  const int64_t hw = g.OH * g.OW, in_img = g.H * g.W * g.C;
  if (g.N == 0 || in_img == 0) return;
  const UKernel& uk = active_ukernel();
  const Blocking bl = blocking_for(uk);
  // wᵀ[F,K] once, so the B panels are straight row copies.
  std::vector<float> wt(static_cast<size_t>(F * K));
  for (int64_t p = 0; p < K; ++p)
    for (int64_t f = 0; f < F; ++f) wt[f * K + p] = w[p * F + f];
  int nthreads = threads_for(2.0 * M * K * F);
  if (nthreads > g.N) nthreads = static_cast<int>(g.N);
  const int64_t chunk = hw >= 384 || hw == 0 ? 1 : 384 / hw;
  run_parallel(nthreads, [&](int tid, int nt) {
    int64_t n0, n1;
    split_range(g.N, 1, tid, nt, &n0, &n1);
    if (n0 >= n1) return;
    std::memset(dx + n0 * in_img, 0, sizeof(float) * (n1 - n0) * in_img);
    if (hw == 0 || K == 0) return;
    Workspace& ws = thread_workspace();
    for (int64_t nb = n0; nb < n1; nb += chunk) {
      const int64_t ne = nb + chunk < n1 ? nb + chunk : n1;
      const int64_t rows = (ne - nb) * hw;
      float* dcols = ws.cols.get<float>(static_cast<size_t>(rows * K));
      RowsA ap{dy + nb * hw * F, F};
      RowsB bp{wt.data(), K};
      igemm_serial(uk, bl, rows, K, 1, F, ap, bp, dcols, K, nullptr, false, ws);
      for (int64_t r = 0; r < rows; ++r) {
        const Pix px = pixel_of(g, nb * hw + r);
        const float* src = dcols + r * K;
        for (int64_t t = 0; t < g.KH * g.KW; ++t) {
          const int64_t off = tap_offset(g, px, t);
          if (off < 0) continue;
          float* d = dx + off;
          const float* s = src + t * g.C;
          for (int64_t c = 0; c < g.C; ++c) d[c] += s[c];
        }
      }
    }
  });
}

void conv2d_backprop_filter(const ConvGeom& g, const float* x, const float* dy, float* dw) {
  const int64_t M = g.N * g.OH * g.OW, K = g.KH * g.KW * g.C, F = g.F;
  if (K == 0 || F == 0) return;
  if (M == 0) { std::memset(dw, 0, sizeof(float) * K * F); return; }
  const UKernel& uk = active_ukernel();
  const Blocking bl = blocking_for(uk);
  // dwᵀ = dyᵀ·cols keeps the big copy (cols) contiguous; dw = colsᵀ·dy wins when K is narrow.
  const bool transposed = eff(F, uk.mr) * eff(K, uk.nr) * 1.25 >= eff(K, uk.mr) * eff(F, uk.nr);
  const int64_t rows = transposed ? F : K, cols = transposed ? K : F;
  int nthreads = threads_for(2.0 * M * K * F);
  if (nthreads > M) nthreads = static_cast<int>(M);
  std::vector<float*> parts(static_cast<size_t>(nthreads), nullptr);
  run_parallel(nthreads, [&](int tid, int nt) {
    int64_t m0, m1;
    split_range(M, 1, tid, nt, &m0, &m1);
    if (m0 >= m1) return;
    Workspace& ws = thread_workspace();
    float* out = ws.aux.get<float>(static_cast<size_t>(rows * cols));
    if (transposed) {
      DyTA ap{dy, F, m0, &ws};
      ColsB bp{&g, x, m0};
      igemm_serial(uk, bl, F, K, 1, m1 - m0, ap, bp, out, K, nullptr, false, ws);
    } else {
      ColsTA ap{&g, x, m0, &ws};
      RowsB bp{dy + m0 * F, F};
      igemm_serial(uk, bl, K, F, 1, m1 - m0, ap, bp, out, F, nullptr, false, ws);
    }
    parts[tid] = out;
  });
  std::memset(dw, 0, sizeof(float) * K * F);
  for (float* part : parts) {
    if (!part) continue;
    if (transposed) {
      for (int64_t f = 0; f < F; ++f)
        for (int64_t p = 0; p < K; ++p) dw[p * F + f] += part[f * K + p];
    } else {
      for (int64_t i = 0; i < K * F; ++i) dw[i] += part[i];
    }
  }
}

}  // namespace ck
