// Convolution as GEMM without a materialised im2col matrix.
//  forward:        y[M,F]      = cols(x)[M,K] · w[K,F]        A rows point straight into x per tap
//                                                            (C < 8: an MC-row block of im2col rows)
//  backprop-input: dcols[M,K]  = dy[M,F] · wᵀ[F,K], then col2im into dx (chunks of images, in L2)
//  backprop-filter: dwᵀ[F,K]   = dyᵀ[F,M] · cols(x)[M,K]      (B panels copied from x in C-long runs)
//              or  dw[K,F]     = cols(x)ᵀ[K,M] · dy[M,F]      (when K is narrow, e.g. C = 1)
// where M = N·OH·OW output pixels and K = KH·KW·C, column p = (ky·KW + kx)·C + c.
#include "conv.h"

#include <algorithm>
#include <cstring>

#include "binder.h"
#if defined(__SSE2__)
#include <xmmintrin.h>
#endif
#include <vector>

#include "gemm.h"
#include "threadpool.h"
#include "winograd.h"

namespace ck {
namespace {

// dst[c * ldd + r] = src[r * lds + c] for r < rows, c < cols; 4x4 SSE tiles where possible.
inline void transpose_block(const float* src, int64_t lds, int64_t rows, int64_t cols, float* dst, int64_t ldd) {
  int64_t r = 0;
#if defined(__SSE2__)
  for (; r + 4 <= rows; r += 4) {
    int64_t c = 0;
    for (; c + 4 <= cols; c += 4) {
      __m128 a0 = _mm_loadu_ps(src + (r + 0) * lds + c), a1 = _mm_loadu_ps(src + (r + 1) * lds + c);
      __m128 a2 = _mm_loadu_ps(src + (r + 2) * lds + c), a3 = _mm_loadu_ps(src + (r + 3) * lds + c);
      _MM_TRANSPOSE4_PS(a0, a1, a2, a3);
      _mm_storeu_ps(dst + (c + 0) * ldd + r, a0);
      _mm_storeu_ps(dst + (c + 1) * ldd + r, a1);
      _mm_storeu_ps(dst + (c + 2) * ldd + r, a2);
      _mm_storeu_ps(dst + (c + 3) * ldd + r, a3);
    }
    for (; c < cols; ++c)
      for (int64_t i = 0; i < 4; ++i) dst[c * ldd + r + i] = src[(r + i) * lds + c];
  }
#endif
  for (; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) dst[c * ldd + r] = src[r * lds + c];
}

// Per-call tap table and incremental pixel walk: no divisions in the inner loops, and interior
// pixels (all taps inside the image) take a branch-free path.
struct Taps {
  const ConvGeom* g;
  int64_t ntaps;
  std::vector<int64_t> dy, dx, off;  // per tap: row/col displacement and element offset in x
  explicit Taps(const ConvGeom& geom) : g(&geom), ntaps(geom.KH * geom.KW) {
    dy.resize(ntaps);
    dx.resize(ntaps);
    off.resize(ntaps);
    for (int64_t ky = 0; ky < geom.KH; ++ky)
      for (int64_t kx = 0; kx < geom.KW; ++kx) {
        const int64_t t = ky * geom.KW + kx;
        dy[t] = ky * geom.DH;
        dx[t] = kx * geom.DW;
        off[t] = (dy[t] * geom.W + dx[t]) * geom.C;
      }
  }
};

// Output pixel m = (n, oy, ox), advanced one at a time.
struct PixelWalk {
  const ConvGeom* g;
  int64_t n, oy, ox;
  PixelWalk(const ConvGeom& geom, int64_t m) : g(&geom) {
    const int64_t hw = geom.OH * geom.OW;
    n = m / hw;
    const int64_t r = m - n * hw;
    oy = r / geom.OW;
    ox = r - oy * geom.OW;
  }
  void next() {
    if (++ox == g->OW) {
      ox = 0;
      if (++oy == g->OH) {
        oy = 0;
        ++n;
      }
    }
  }
  int64_t iy0() const { return oy * g->SH - g->PT; }
  int64_t ix0() const { return ox * g->SW - g->PL; }
  // Element offset in x of the window's top-left corner (may lie in the padding).
  int64_t base() const { return ((n * g->H + iy0()) * g->W + ix0()) * g->C; }
  bool interior() const {
    const int64_t y0 = iy0(), x0 = ix0();
    return y0 >= 0 && y0 + (g->KH - 1) * g->DH < g->H && x0 >= 0 && x0 + (g->KW - 1) * g->DW < g->W;
  }
  // Offset of tap t's input pixel, or -1 in the padding.
  int64_t tap(const Taps& tp, int64_t t) const {
    const int64_t y = iy0() + tp.dy[t], x = ix0() + tp.dx[t];
    if (y < 0 || y >= g->H || x < 0 || x >= g->W) return -1;
    return base() + tp.off[t];
  }
};

// Writes the whole im2col row of the current pixel (K floats) into dst.
inline void im2col_row(const Taps& tp, const PixelWalk& pw, const float* x, float* dst) {
  const int64_t C = tp.g->C;
  if (C < 8) {  // short runs: plain loops beat memcpy calls
    const bool in = pw.interior();
    const int64_t base = pw.base();
    for (int64_t t = 0; t < tp.ntaps; ++t) {
      const int64_t o = in ? base + tp.off[t] : pw.tap(tp, t);
      float* d = dst + t * C;
      if (o >= 0)
        for (int64_t c = 0; c < C; ++c) d[c] = x[o + c];
      else
        for (int64_t c = 0; c < C; ++c) d[c] = 0.f;
    }
    return;
  }
  if (pw.interior()) {
    const float* b = x + pw.base();
    for (int64_t t = 0; t < tp.ntaps; ++t) std::memcpy(dst + t * C, b + tp.off[t], sizeof(float) * C);
    return;
  }
  for (int64_t t = 0; t < tp.ntaps; ++t) {
    const int64_t o = pw.tap(tp, t);
    if (o >= 0) std::memcpy(dst + t * C, x + o, sizeof(float) * C);
    else std::memset(dst + t * C, 0, sizeof(float) * C);
  }
}

// Forward A: rows are output pixels [mbase + i0, ...), one pointer per tap into x (or a zero row).
struct ConvA {
  const Taps* tp;
  const float* x;
  int64_t mbase;
  const float* zeros;
  void build(int64_t i0, int64_t mc, const KBlock& kb, const float** ind, int MR) const {
    const int64_t rows = round_up(mc, MR);
    PixelWalk pw(*tp->g, mbase + i0);
    for (int64_t r = 0; r < rows; ++r) {
      const float** d = ind + (r / MR) * kb.nt * MR + (r % MR);
      if (r >= mc) {  // padding rows of the last panel: any readable pointer
        for (int64_t tt = 0; tt < kb.nt; ++tt) d[tt * MR] = zeros;
        continue;
      }
      if (pw.interior()) {
        const float* b = x + pw.base() + kb.c0;
        for (int64_t tt = 0; tt < kb.nt; ++tt) d[tt * MR] = b + tp->off[kb.t0 + tt];
      } else {
        for (int64_t tt = 0; tt < kb.nt; ++tt) {
          const int64_t o = pw.tap(*tp, kb.t0 + tt);
          d[tt * MR] = o >= 0 ? x + o + kb.c0 : zeros;
        }
      }
      pw.next();
    }
  }
};

// Forward A for few input channels (C < 8): runs of C are too short to be worth an indirection
// pointer each, so the im2col rows of the block are materialised (K floats per row) and the GEMM
// sees a plain matrix with one pointer per row.
struct ColsA {
  const Taps* tp;
  const float* x;
  int64_t mbase;
  Workspace* ws;
  void build(int64_t i0, int64_t mc, const KBlock& kb, const float** ind, int MR) const {
    const int64_t K = tp->ntaps * tp->g->C;
    const int64_t ld = round_up(K, 4);
    float* buf = ws->apack.get<float>(static_cast<size_t>(mc * ld));
    PixelWalk pw(*tp->g, mbase + i0);
    const int64_t C = tp->g->C, nt = tp->ntaps;
    const int64_t* off = tp->off.data();
    for (int64_t r = 0; r < mc; ++r, pw.next()) {
      float* d = buf + r * ld;
      if (!pw.interior()) {
        im2col_row(*tp, pw, x, d);
        continue;
      }
      const float* b = x + pw.base();
      if (C == 1) {
        for (int64_t t = 0; t < nt; ++t) d[t] = b[off[t]];
      } else if (C == 3) {
        for (int64_t t = 0; t < nt; ++t) {
          const float* s = b + off[t];
          d[3 * t] = s[0];
          d[3 * t + 1] = s[1];
          d[3 * t + 2] = s[2];
        }
      } else {
        for (int64_t t = 0; t < nt; ++t)
          for (int64_t c = 0; c < C; ++c) d[t * C + c] = b[off[t] + c];
      }
    }
    const int64_t rows = round_up(mc, MR);
    for (int64_t r = 0; r < rows; ++r) ind[r] = buf + (r < mc ? r : 0) * ld + kb.c0;
  }
};

// Forward B: weight rows (t, c) of w[K,F].
struct ConvWB {
  const float* w;
  int64_t C, F;
  const float* direct(const KBlock& kb, int64_t j0, int64_t nc, int NR) const {
    return nc == NR && F == NR && j0 == 0 && kb.c0 == 0 ? w + kb.t0 * C * F : nullptr;
  }
  void pack(const KBlock& kb, int64_t j0, int64_t nc, float* bp, int NR) const {
    pack_b_rows(kb.nt * kb.cc, nc, bp, NR, [&](int64_t k) {
      const int64_t tt = k / kb.cc, c = k - tt * kb.cc;
      return w + ((kb.t0 + tt) * C + kb.c0 + c) * F + j0;
    });
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
    transpose_block(dy + (mbase + kb.c0) * F + i0, F, kb.cc, mc, buf, ld);
    const int64_t rows = round_up(mc, MR);
    for (int64_t r = 0; r < rows; ++r) ind[r] = buf + (r < mc ? r : 0) * ld;
  }
};

// Backprop-filter, orientation dwᵀ: B = cols(x) rows (pixels), NR columns of K each.
struct ColsB {
  const Taps* tp;
  const float* x;
  int64_t mbase;
  Workspace* ws;
  const float* direct(const KBlock&, int64_t, int64_t, int) const { return nullptr; }
  void pack(const KBlock& kb, int64_t j0, int64_t nc, float* bp, int NR) const {
    // Each tap's run of C input channels is copied straight to its place in the NR-wide panels
    // (split where it crosses a panel boundary); padded taps and the last panel's tail are zeros.
    const int64_t C = tp->g->C, depth = kb.cc;
    const int64_t t_lo = j0 / C, t_hi = (j0 + nc + C - 1) / C;
    const int64_t panels = (nc + NR - 1) / NR;
    PixelWalk pw(*tp->g, mbase + kb.c0);
    if (C < 8) {
      // Runs of fewer than 8 channels: a memcpy call per tap would cost more than the copy, so the
      // pixel's whole im2col row is built with plain loops and cut into the panels.
      float* row = ws->aux2.get<float>(static_cast<size_t>(tp->ntaps * C));
      for (int64_t k = 0; k < depth; ++k, pw.next()) {
        im2col_row(*tp, pw, x, row);
        for (int64_t panel = 0; panel < panels; ++panel) {
          const int64_t w = std::min<int64_t>(NR, nc - panel * NR);
          float* d = bp + (panel * depth + k) * NR;
          const float* src = row + j0 + panel * NR;
          int64_t j = 0;
          for (; j < w; ++j) d[j] = src[j];
          for (; j < NR; ++j) d[j] = 0.f;
        }
      }
      return;
    }
    if (NR == 16 && C % 16 == 0 && j0 % 16 == 0 && nc % 16 == 0) {
      // Whole 16-float pieces, each one panel row: fixed-size copies the compiler inlines.
      for (int64_t k = 0; k < depth; ++k, pw.next()) {
        const bool in = pw.interior();
        const int64_t base = pw.base();
        for (int64_t t = t_lo; t < t_hi; ++t) {
          const int64_t o = in ? base + tp->off[t] : pw.tap(*tp, t);
          for (int64_t q = 0; q < C; q += 16) {
            const int64_t col = t * C + q - j0;
            if (col < 0 || col >= nc) continue;
            float* d = bp + ((col >> 4) * depth + k) * 16;
            if (o >= 0) std::memcpy(d, x + o + q, sizeof(float) * 16);
            else std::memset(d, 0, sizeof(float) * 16);
          }
        }
      }
      return;
    }
    for (int64_t k = 0; k < depth; ++k, pw.next()) {
      const bool in = pw.interior();
      const int64_t base = pw.base();
      for (int64_t t = t_lo; t < t_hi; ++t) {
        const int64_t o = in ? base + tp->off[t] : pw.tap(*tp, t);
        int64_t col = t * C > j0 ? t * C : j0;
        const int64_t end = (t + 1) * C < j0 + nc ? (t + 1) * C : j0 + nc;
        while (col < end) {
          const int64_t rel = col - j0, panel = rel / NR, within = rel - panel * NR;
          const int64_t len = end - col < NR - within ? end - col : NR - within;
          float* d = bp + (panel * depth + k) * NR + within;
          if (o >= 0) std::memcpy(d, x + o + (col - t * C), sizeof(float) * len);
          else std::memset(d, 0, sizeof(float) * len);
          col += len;
        }
      }
      const int64_t tail = panels * NR - nc;
      if (tail > 0) std::memset(bp + ((panels - 1) * depth + k) * NR + (NR - tail), 0, sizeof(float) * tail);
    }
  }
};

// Backprop-filter, orientation dw: A = cols(x)ᵀ (rows p, depth = pixels), gathered into a block.
struct ColsTA {
  const Taps* tp;
  const float* x;
  int64_t mbase;
  Workspace* ws;
  void build(int64_t i0, int64_t mc, const KBlock& kb, const float** ind, int MR) const {
    const int64_t K = tp->ntaps * tp->g->C;
    const int64_t ld = round_up(kb.cc, 16) + 16;
    float* buf = ws->apack.get<float>(static_cast<size_t>(mc * ld));
    float* row = ws->aux2.get<float>(static_cast<size_t>(K));
    PixelWalk pw(*tp->g, mbase + kb.c0);
    const int64_t C = tp->g->C;
    for (int64_t k = 0; k < kb.cc; ++k, pw.next()) {
      if (i0 == 0 && mc == K && pw.interior()) {  // whole row, no padding: gather straight into place
        const float* b = x + pw.base();
        for (int64_t t = 0; t < tp->ntaps; ++t) {
          const float* s = b + tp->off[t];
          float* d = buf + t * C * ld + k;
          for (int64_t c = 0; c < C; ++c) d[c * ld] = s[c];
        }
        continue;
      }
      im2col_row(*tp, pw, x, row);
      for (int64_t p = 0; p < mc; ++p) buf[p * ld + k] = row[i0 + p];
    }
    const int64_t rows = round_up(mc, MR);
    for (int64_t r = 0; r < rows; ++r) ind[r] = buf + (r < mc ? r : 0) * ld;
  }
};

double eff(int64_t a, int64_t mult) { return static_cast<double>(a) / static_cast<double>(round_up(a, mult)); }

}  // namespace

void conv2d_forward(const ConvGeom& g, const float* x, const float* w, const float* bias, bool relu, float* y) {
  const int64_t M = g.N * g.OH * g.OW, K = g.KH * g.KW * g.C, F = g.F;
  if (M == 0 || F == 0) return;
  if (winograd_forward_applies(g)) {
    winograd_forward(g, x, w, bias, relu, y);
    return;
  }
  const UKernel& uk = active_ukernel();
  const Blocking bl = blocking_for(uk);
  const Taps taps(g);
  int nthreads = threads_for(2.0 * M * K * F);
  // Chunks of whole MC-row blocks (about four per thread), claimed dynamically; each thread packs
  // the weights once per call (call key) and reuses them for every chunk it takes.
  const int64_t rows_per_chunk =
      round_up(std::max<int64_t>(uk.mr, std::min<int64_t>(bl.mc, (M + 4 * nthreads - 1) / (4 * nthreads))), uk.mr);
  const int64_t chunks = (M + rows_per_chunk - 1) / rows_per_chunk;
  const uint64_t key = next_call_key();
  run_dynamic(nthreads, chunks, [&](int64_t ch, int) {
    const int64_t m0 = ch * rows_per_chunk, m1 = std::min(M, m0 + rows_per_chunk);
    Workspace& ws = thread_workspace();
    if (g.C < 8) {
      ColsA ap{&taps, x, m0, &ws};
      RowsB bp{w, F};
      igemm_serial(uk, bl, m1 - m0, F, 1, K, ap, bp, y + m0 * F, F, bias, relu, ws, key);
      return;
    }
    float* zeros = ws.zeros.get<float>(static_cast<size_t>(g.C));
    std::memset(zeros, 0, sizeof(float) * g.C);
    ConvA ap{&taps, x, m0, zeros};
    ConvWB bp{w, g.C, F};
    igemm_serial(uk, bl, m1 - m0, F, g.KH * g.KW, g.C, ap, bp, y + m0 * F, F, bias, relu, ws, key);
  });
}

void conv2d_backprop_input(const ConvGeom& g, const float* dy, const float* w, float* dx) {
  const int64_t M = g.N * g.OH * g.OW, K = g.KH * g.KW * g.C, F = g.F;
  const int64_t hw = g.OH * g.OW, in_img = g.H * g.W * g.C;
  if (g.N == 0 || in_img == 0) return;
  if (winograd_backprop_input_applies(g) && M > 0 && F > 0) {
    winograd_backprop_input(g, dy, w, dx);
    return;
  }
  const UKernel& uk = active_ukernel();
  const Blocking bl = blocking_for(uk);
  // wᵀ[F,K] once, so the B panels are straight row copies.
  const Taps taps(g);
  std::vector<float> wt(static_cast<size_t>(F * K));
  for (int64_t p = 0; p < K; ++p)
    for (int64_t f = 0; f < F; ++f) wt[f * K + p] = w[p * F + f];
  int nthreads = threads_for(2.0 * M * K * F);
  // Chunks of whole images (so col2im never races), claimed dynamically: about 384 rows each, but at
  // least four chunks per thread where there are enough images (MNIST's 3x3 third convolution: 42
  // images a chunk made two chunks of 42 and 22 images for two threads).
  const int64_t per_thread = (g.N + 4 * nthreads - 1) / (4 * nthreads);
  const int64_t chunk = hw >= 384 || hw == 0 ? 1 : std::max<int64_t>(1, std::min<int64_t>(384 / hw, per_thread));
  const int64_t chunks = (g.N + chunk - 1) / chunk;
  const uint64_t key = next_call_key();
  run_dynamic(nthreads, chunks, [&](int64_t ch, int) {
    const int64_t nb = ch * chunk, ne = std::min(g.N, nb + chunk);
    std::memset(dx + nb * in_img, 0, sizeof(float) * (ne - nb) * in_img);
    if (hw == 0 || K == 0) return;
    Workspace& ws = thread_workspace();
    const int64_t rows = (ne - nb) * hw;
    float* dcols = ws.cols.get<float>(static_cast<size_t>(rows * K));
    RowsA ap{dy + nb * hw * F, F};
    RowsB bp{wt.data(), K};
    igemm_serial(uk, bl, rows, K, 1, F, ap, bp, dcols, K, nullptr, false, ws, key);
    PixelWalk pw(g, nb * hw);
    for (int64_t r = 0; r < rows; ++r, pw.next()) {
      const float* src = dcols + r * K;
      const bool in = pw.interior();
      const int64_t base = pw.base();
      for (int64_t t = 0; t < taps.ntaps; ++t) {
        const int64_t off = in ? base + taps.off[t] : pw.tap(taps, t);
        if (off < 0) continue;
        float* d = dx + off;
        const float* s = src + t * g.C;
        for (int64_t c = 0; c < g.C; ++c) d[c] += s[c];
      }
    }
  });
}

void conv2d_backprop_filter(const ConvGeom& g, const float* x, const float* dy, float* dw) {
  const int64_t M = g.N * g.OH * g.OW, K = g.KH * g.KW * g.C, F = g.F;
  if (K == 0 || F == 0) return;
  if (M == 0) {
    std::memset(dw, 0, sizeof(float) * K * F);
    return;
  }
  if (winograd_backprop_filter_applies(g)) {
    winograd_backprop_filter(g, x, dy, dw);
    return;
  }
  const UKernel& uk = active_ukernel();
  const Blocking bl = blocking_for(uk);
  // dwᵀ = dyᵀ·cols keeps the big copy (cols) contiguous; dw = colsᵀ·dy wins when K is narrow.
  const bool transposed = eff(F, uk.mr) * eff(K, uk.nr) * 1.25 >= eff(K, uk.mr) * eff(F, uk.nr);
  const int64_t rows = transposed ? F : K, cols = transposed ? K : F;
  const Taps taps(g);
  int nthreads = threads_for(2.0 * M * K * F);
  if (nthreads > M) nthreads = static_cast<int>(M);
  // Pixel chunks claimed dynamically, each into its own partial result; the partials are summed in
  // chunk order, so the result does not depend on which thread ran which chunk (runs with the same
  // seed and thread count are bit-identical). Partials are capped at 64 MiB in all.
  // Each chunk keeps a depth of at least 256 pixels where it can: a shallower GEMM spends more on
  // writing and summing its rows x cols partial (VGG16's block5: 512 x 4608) than on multiplying.
  int64_t chunks = std::min<int64_t>({M, 4 * static_cast<int64_t>(nthreads), std::max<int64_t>(1, M / 256)});
  const int64_t budget = (int64_t(16) << 20) / std::max<int64_t>(1, rows * cols);
  chunks = std::max<int64_t>(std::min<int64_t>(chunks, budget), std::min<int64_t>(M, nthreads));
  const int64_t per = (M + chunks - 1) / chunks;
  chunks = (M + per - 1) / per;
  std::vector<float> parts(static_cast<size_t>(chunks * rows * cols));
  run_dynamic(nthreads, chunks, [&](int64_t ch, int) {
    const int64_t m0 = ch * per, m1 = std::min(M, m0 + per);
    Workspace& ws = thread_workspace();
    float* out = parts.data() + static_cast<size_t>(ch * rows * cols);
    if (transposed) {
      DyTA ap{dy, F, m0, &ws};
      ColsB bp{&taps, x, m0, &ws};
      igemm_serial(uk, bl, F, K, 1, m1 - m0, ap, bp, out, K, nullptr, false, ws);
    } else {
      ColsTA ap{&taps, x, m0, &ws};
      RowsB bp{dy + m0 * F, F};
      igemm_serial(uk, bl, K, F, 1, m1 - m0, ap, bp, out, F, nullptr, false, ws);
    }
  });
  // Partials summed in chunk order (per element, so splitting the elements between threads keeps
  // the result independent of the thread count), then written out in dw's [K,F] order.
  float* acc = parts.data();
  const int sum_threads = threads_for(static_cast<double>(chunks) * rows * cols, 2.0e5);
  parallel_for(rows * cols, sum_threads, [&](int64_t b, int64_t e) {
    for (int64_t ch = 1; ch < chunks; ++ch) {
      const float* part = parts.data() + static_cast<size_t>(ch * rows * cols);
      for (int64_t i = b; i < e; ++i) acc[i] += part[i];
    }
  });
  if (transposed) {
    parallel_for(K, sum_threads, [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; p += 64) {
        const int64_t pe = std::min(p1, p + 64);
        transpose_block(acc + p, K, F, pe - p, dw + p * F, F);
      }
    });
  } else {
    std::memcpy(dw, acc, sizeof(float) * K * F);
  }
}

}  // namespace ck

// Kernel entries: the arguments of the kernel table (src/backend/kernels.ts) in order, output
// first; each checks buffer lengths and calls the compute function above.
namespace ck::k {
namespace {

void conv2d(Out out, In x, In w, OptIn bias, const ConvGeom& g, Activation act) {
  conv2d_forward(g, expect(x, product({g.N, g.H, g.W, g.C}, "x")), expect(w, product({g.KH, g.KW, g.C, g.F}, "w")),
                 expect(bias, g.F), act == Activation::Relu, expect(out, product({g.N, g.OH, g.OW, g.F}, "out")));
}

void conv2d_backprop_input(Out out, In dy, In w, const ConvGeom& g) {
  ck::conv2d_backprop_input(g, expect(dy, product({g.N, g.OH, g.OW, g.F}, "dy")),
                            expect(w, product({g.KH, g.KW, g.C, g.F}, "w")),
                            expect(out, product({g.N, g.H, g.W, g.C}, "out")));
}

void conv2d_backprop_filter(Out out, In x, In dy, const ConvGeom& g) {
  ck::conv2d_backprop_filter(g, expect(x, product({g.N, g.H, g.W, g.C}, "x")),
                             expect(dy, product({g.N, g.OH, g.OW, g.F}, "dy")),
                             expect(out, product({g.KH, g.KW, g.C, g.F}, "out")));
}

}  // namespace

CK_KERNEL("conv2d", conv2d, "out x w bias info act");
CK_KERNEL("conv2dBackpropInput", conv2d_backprop_input, "out dy w info");
CK_KERNEL("conv2dBackpropFilter", conv2d_backprop_filter, "out x dy info");

}  // namespace ck::k
