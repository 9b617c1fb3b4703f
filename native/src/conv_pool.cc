// Inference kernel: y = maxPool(act(conv(x, w) + bias)), the convolution's output never stored whole.
//  - Small receptive field (K = KH·KW·C <= kDirectMaxK, e.g. 3x3 over one grayscale channel): for each
//    pooled pixel, the conv outputs of its window (at most kMaxCells) are computed in registers, 16
//    filters at a time, from their K inputs gathered once; ReLU, then the max, then one store. A GEMM
//    with a depth of 9 spends its time packing and storing tiles, and the full-size output costs
//    more memory traffic than the arithmetic.
//  - A convolution that runs through Winograd, pooled 2x2 at stride 2 from the origin: each 2x2 output
//    tile is a pooling window, so the output transform stores its max (winograd.cc).
//  - Otherwise: the ordinary convolution of a few images at a time into a scratch that stays in
//    cache, pooled from there (for 150x150 layers, whose outputs are tens of MB, half the time).
// The direct path is written with GCC vector types and cloned for x86-64-v3 (AVX2 + FMA).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "binder.h"
#include "conv.h"
#include "cpu.h"
#include "pool.h"
#include "threadpool.h"
#include "vec.h"
#include "winograd.h"

namespace ck {
namespace {

typedef float v8 __attribute__((vector_size(32)));
#define CK_INLINE inline __attribute__((always_inline))
CK_INLINE v8 load8(const float* p) {
  v8 v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
CK_INLINE void store8(float* p, v8 v) { __builtin_memcpy(p, &v, sizeof v); }

constexpr int64_t kDirectMaxK = 32;
constexpr int kMaxCells = 4;

// The window of pooled pixel (py, px) in conv-output coordinates, clipped to the conv output.
// pos: the cell's place in the unclipped window, row-major (what the argmax output holds).
struct Cells {
  int count;
  int64_t oy[kMaxCells], ox[kMaxCells];
  float pos[kMaxCells];
};
inline Cells window_cells(const PoolGeom& p, int64_t py, int64_t px) {
  Cells c{0, {}, {}, {}};
  const Win w = window(p, py, px);
  const int64_t ys = py * p.SH - p.PT, xs = px * p.SW - p.PL;
  for (int64_t y = w.y0; y < w.y1; ++y)
    for (int64_t x = w.x0; x < w.x1; ++x) {
      c.oy[c.count] = y;
      c.ox[c.count] = x;
      c.pos[c.count] = static_cast<float>((y - ys) * p.PW + (x - xs));
      ++c.count;
    }
  return c;
}

// A pooled pixel's window, worked out once per call for every (py, px) of an image (it does not
// depend on the image): its cells, whether every tap of every cell lies inside the image, and then
// each cell's first input as an offset from the image's start.
struct Plan {
  Cells cells;
  bool interior;
  int64_t rel[kMaxCells];
};
std::vector<Plan> plan_windows(const ConvGeom& g, const PoolGeom& p) {
  std::vector<Plan> plan(static_cast<size_t>(p.OH * p.OW));
  for (int64_t py = 0; py < p.OH; ++py)
    for (int64_t px = 0; px < p.OW; ++px) {
      Plan& q = plan[py * p.OW + px];
      q.cells = window_cells(p, py, px);
      q.interior = q.cells.count > 0;
      for (int c = 0; c < kMaxCells; ++c) q.rel[c] = 0;
      for (int c = 0; c < q.cells.count; ++c) {
        const int64_t iy = q.cells.oy[c] * g.SH - g.PT, ix = q.cells.ox[c] * g.SW - g.PL;
        q.interior = q.interior && iy >= 0 && ix >= 0 && iy + (g.KH - 1) * g.DH < g.H && ix + (g.KW - 1) * g.DW < g.W;
        q.rel[c] = (iy * g.W + ix) * g.C;
      }
    }
  return plan;
}

// The K inputs of conv-output pixel (n, oy, ox), row-major over ky, kx, c as the weights are.
inline void gather(const ConvGeom& g, const float* x, int64_t n, int64_t oy, int64_t ox, float* col) {
  const int64_t y0 = oy * g.SH - g.PT, x0 = ox * g.SW - g.PL;
  for (int64_t ky = 0; ky < g.KH; ++ky) {
    const int64_t iy = y0 + ky * g.DH;
    const bool row_in = iy >= 0 && iy < g.H;
    const float* src = x + (n * g.H + (row_in ? iy : 0)) * g.W * g.C;
    for (int64_t kx = 0, ix = x0; kx < g.KW; ++kx, ix += g.DW, col += g.C) {
      const bool in = row_in && ix >= 0 && ix < g.W;
      for (int64_t c = 0; c < g.C; ++c) col[c] = in ? src[ix * g.C + c] : 0.0f;
    }
  }
}

// The window's conv outputs (cells of them), 16 filters from f0, in registers; ReLU, their max, one
// store. Input k of cell c is at(c, k): straight from x for interior windows, else a gathered copy.
// With arg: also the window place (pos) of the first strict maximum, as max-pool backward picks it.
template <class At>
CK_INLINE void pooled16(int64_t K, int64_t F, int cells, const float* pos, const float* w, const float* bias, bool relu,
                        int64_t f0, float* out, float* arg, At at) {
  v8 acc[kMaxCells][2];
  const v8 b0 = bias ? load8(bias + f0) : v8{}, b1 = bias ? load8(bias + f0 + 8) : v8{};
  for (int c = 0; c < kMaxCells; ++c) {
    acc[c][0] = b0;
    acc[c][1] = b1;
  }
  const float* wk = w + f0;
  for (int64_t k = 0; k < K; ++k, wk += F) {
    const v8 w0 = load8(wk), w1 = load8(wk + 8);
    for (int c = 0; c < kMaxCells; ++c) {
      const float xv = at(c, k);
      const v8 xb = {xv, xv, xv, xv, xv, xv, xv, xv};
      acc[c][0] += xb * w0;
      acc[c][1] += xb * w1;
    }
  }
  for (int h = 0; h < 2; ++h) {
    v8 m = acc[0][h];
    if (relu) m = m > 0 ? m : v8{};
    v8 best = m, at_pos = v8{} + pos[0];
    for (int c = 1; c < cells; ++c) {
      v8 v = acc[c][h];
      if (relu) v = v > 0 ? v : v8{};
      m = (v > m) | (v != v) ? v : m;  // NaN wins, as in max pooling
      if (arg) {
        const auto gt = v > best;
        best = gt ? v : best;
        at_pos = gt ? v8{} + pos[c] : at_pos;
      }
    }
    store8(out + f0 + 8 * h, m);
    // With ReLU a window whose max is not positive routes nothing (ReLU's gradient is zero there).
    if (arg) store8(arg + f0 + 8 * h, relu ? (m > 0 ? at_pos : v8{} - 1.f) : at_pos);
  }
}

// Where one pooled pixel's window reads its inputs.
struct Window {
  int cells;
  bool interior;                 // every tap of every cell inside the image: read x at base[c] + off[k]
  const float* base[kMaxCells];  // interior: each cell's first input; else cell c's gathered inputs
  float pos[kMaxCells];          // each cell's place in the window
};

// One row of pooled pixels, all filters.
CK_AVX2_CLONES void pooled_row(int64_t K, int64_t F, int64_t OW, const Window* win, const int64_t* off, const float* w,
                               const float* bias, bool relu, float* out, float* arg) {
  for (int64_t px = 0; px < OW; ++px, out += F, arg = arg ? arg + F : nullptr) {
    const Window& wd = win[px];
    const float* b0 = wd.base[0];
    const float* b1 = wd.base[1];
    const float* b2 = wd.base[2];
    const float* b3 = wd.base[3];
    for (int64_t f0 = 0; f0 < F; f0 += 16) {
      if (wd.interior) {
        pooled16(K, F, wd.cells, wd.pos, w, bias, relu, f0, out, arg, [&](int c, int64_t k) {
          const int64_t o = off[k];
          return c == 0 ? b0[o] : c == 1 ? b1[o] : c == 2 ? b2[o] : b3[o];
        });
      } else {
        pooled16(K, F, wd.cells, wd.pos, w, bias, relu, f0, out, arg, [&](int c, int64_t k) {
          return c == 0 ? b0[k] : c == 1 ? b1[k] : c == 2 ? b2[k] : b3[k];
        });
      }
    }
  }
}

void direct(const ConvGeom& g, const PoolGeom& p, const float* x, const float* w, const float* bias, bool relu,
            float* y, float* arg) {
  const int64_t K = g.KH * g.KW * g.C, rows = p.N * p.OH;
  // Offsets of the K inputs from a conv-output pixel's top-left input, for pixels whose taps are all inside.
  int64_t off[kDirectMaxK];
  for (int64_t ky = 0, k = 0; ky < g.KH; ++ky)
    for (int64_t kx = 0; kx < g.KW; ++kx)
      for (int64_t c = 0; c < g.C; ++c) off[k++] = (ky * g.DH * g.W + kx * g.DW) * g.C + c;
  const std::vector<Plan> plan = plan_windows(g, p);
  const int64_t img = g.H * g.W * g.C;
  const int nthreads = threads_for(2.0 * g.N * g.OH * g.OW * K * g.F, 4.0e5);
  parallel_for(rows, nthreads, [&](int64_t r0, int64_t r1) {
    std::vector<float> cols(static_cast<size_t>(p.OW * kMaxCells * kDirectMaxK), 0.0f);
    std::vector<Window> win(static_cast<size_t>(p.OW));
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t n = r / p.OH, py = r % p.OH;
      float* out = y + (n * p.OH + py) * p.OW * g.F;
      float* arg_row = arg ? arg + (n * p.OH + py) * p.OW * g.F : nullptr;
      for (int64_t px = 0; px < p.OW; ++px) {
        const Plan& q = plan[py * p.OW + px];
        const Cells& cs = q.cells;
        Window& wd = win[px];
        wd.cells = cs.count;
        wd.interior = q.interior;
        for (int c = 0; c < kMaxCells; ++c) {
          const int cc = c < cs.count ? c : 0;  // unused cells repeat the first (computed, never taken)
          wd.pos[c] = cs.pos[cc];
          if (cs.count == 0) {
            wd.base[c] = cols.data();
          } else if (wd.interior) {
            wd.base[c] = x + n * img + q.rel[cc];
          } else {
            float* col = cols.data() + (px * kMaxCells + c) * kDirectMaxK;
            gather(g, x, n, cs.oy[cc], cs.ox[cc], col);
            wd.base[c] = col;
          }
        }
      }
      pooled_row(K, g.F, p.OW, win.data(), off, w, bias, relu, out, arg_row);
      for (int64_t px = 0; px < p.OW; ++px)  // an empty window (padding only): -inf, as the reference
        if (win[px].cells == 0)
          for (int64_t f = 0; f < g.F; ++f) {
            out[px * g.F + f] = -std::numeric_limits<float>::infinity();
            if (arg_row) arg_row[px * g.F + f] = -1.0f;
          }
    }
  });
}

// A few images at a time: convolution into a scratch (at most 8 MiB, in L3, kept by the calling
// thread and never zero-filled), then the pooling.
void chunked(const ConvGeom& g, const PoolGeom& p, const float* x, const float* w, const float* bias, bool relu,
             float* y, float* arg) {
  const int64_t per_image = g.OH * g.OW * g.F;
  const int64_t chunk =
      std::max<int64_t>(1, std::min<int64_t>(g.N, (int64_t(1) << 21) / std::max<int64_t>(per_image, 1)));
  static thread_local std::unique_ptr<float[]> scratch;
  static thread_local int64_t capacity = 0;
  if (capacity < chunk * per_image) {
    scratch.reset(new float[static_cast<size_t>(chunk * per_image)]);
    capacity = chunk * per_image;
  }
  for (int64_t n0 = 0; n0 < g.N; n0 += chunk) {
    ConvGeom gc = g;
    PoolGeom pc = p;
    gc.N = pc.N = std::min(chunk, g.N - n0);
    conv2d_forward(gc, x + n0 * g.H * g.W * g.C, w, bias, relu, scratch.get());
    const int64_t at = n0 * p.OH * p.OW * p.C;
    if (arg) {
      max_pool_forward_argmax(pc, scratch.get(), y + at, arg + at);
      // With ReLU a window whose max is not positive routes nothing (ReLU's gradient is zero there).
      if (relu)
        for (int64_t i = 0; i < pc.N * p.OH * p.OW * p.C; ++i)
          if (!(y[at + i] > 0.f)) arg[at + i] = -1.f;
    } else {
      max_pool_forward(pc, scratch.get(), y + at);
    }
  }
}

// Filter gradient straight from the pooled gradient and its argmaxes, for the direct path's shapes
// (K <= kDirectMaxK, F % 8 == 0, windows of at most kMaxCells cells): one row of pooled pixels at a
// time, the K inputs of every cell of the row gathered once; then for 8 filters and KG of the K rows
// of dw at a time, held in registers over the row, each cell adds (arg == its place ? dy : 0) times
// its inputs. dw accumulates into `acc` (K x F), which the caller zeroes; what is routed, into `sum` (F).
template <int KG>
CK_INLINE void filter_rows(int64_t F, int64_t OW, const int* cells, const float* pos, const float* cols, int64_t K,
                           int64_t k0, const float* dy, const float* arg, float* acc) {
  for (int64_t f0 = 0; f0 < F; f0 += 8) {
    v8 a[KG];
    for (int k = 0; k < KG; ++k) a[k] = load8(acc + (k0 + k) * F + f0);
    for (int64_t px = 0; px < OW; ++px) {
      const v8 g = load8(dy + px * F + f0), at = load8(arg + px * F + f0);
      const float* cp = cols + px * kMaxCells * K + k0;
      for (int c = 0; c < cells[px]; ++c, cp += K) {
        const v8 gc = at == pos[px * kMaxCells + c] ? g : v8{};
        for (int k = 0; k < KG; ++k) a[k] += gc * cp[k];
      }
    }
    for (int k = 0; k < KG; ++k) store8(acc + (k0 + k) * F + f0, a[k]);
  }
}

CK_AVX2_CLONES void filter_row(int64_t F, int64_t OW, const int* cells, const float* pos, const float* cols, int64_t K,
                               const float* dy, const float* arg, float* acc, float* sum) {
  for (int64_t f0 = 0; f0 < F; f0 += 8) {
    v8 s = load8(sum + f0);
    for (int64_t px = 0; px < OW; ++px) {
      const v8 g = load8(dy + px * F + f0), at = load8(arg + px * F + f0);
      for (int c = 0; c < cells[px]; ++c) s += at == pos[px * kMaxCells + c] ? g : v8{};
    }
    store8(sum + f0, s);
  }
  const int64_t groups = (K + 11) / 12, kg = (K + groups - 1) / groups;  // 9 -> one group of 9
  for (int64_t k0 = 0; k0 < K; k0 += kg) {
    switch (K - k0 < kg ? K - k0 : kg) {
      case 1: filter_rows<1>(F, OW, cells, pos, cols, K, k0, dy, arg, acc); break;
      case 2: filter_rows<2>(F, OW, cells, pos, cols, K, k0, dy, arg, acc); break;
      case 3: filter_rows<3>(F, OW, cells, pos, cols, K, k0, dy, arg, acc); break;
      case 4: filter_rows<4>(F, OW, cells, pos, cols, K, k0, dy, arg, acc); break;
      case 5: filter_rows<5>(F, OW, cells, pos, cols, K, k0, dy, arg, acc); break;
      case 6: filter_rows<6>(F, OW, cells, pos, cols, K, k0, dy, arg, acc); break;
      case 7: filter_rows<7>(F, OW, cells, pos, cols, K, k0, dy, arg, acc); break;
      case 8: filter_rows<8>(F, OW, cells, pos, cols, K, k0, dy, arg, acc); break;
      case 9: filter_rows<9>(F, OW, cells, pos, cols, K, k0, dy, arg, acc); break;
      case 10: filter_rows<10>(F, OW, cells, pos, cols, K, k0, dy, arg, acc); break;
      case 11: filter_rows<11>(F, OW, cells, pos, cols, K, k0, dy, arg, acc); break;
      default: filter_rows<12>(F, OW, cells, pos, cols, K, k0, dy, arg, acc); break;
    }
  }
}

// The windowed filter and input gradients: windows of at most four places, and a filter gradient
// small enough (K·F <= 2^19 floats). A/B against the dense kernels on the routed gradient (2 threads):
// the filter gradient 1.9 against 2.8 ms for MNIST's second convolution (K 288, F 64) and 11.8
// against 24.9 ms for the small convnet's fourth (K 1152, F 128), but 154 against 120 ms for VGG16's
// block5_conv3 (K 4608, F 512), where the dense GEMM runs near peak; the input gradient 2.35 against
// 3.37 and 11.2 against 17.1 ms on the first two.
bool windowed_applies(const ConvGeom& g, const PoolGeom& p) {
  return p.PH * p.PW <= kMaxCells && g.KH * g.KW * g.C * g.F <= (int64_t(1) << 19);
}

// The composed path: dy routed by arg to the convolution's output (every element written), and its
// per-channel sums into db when non-null.
std::unique_ptr<float[]> routed_gradient(const ConvGeom& g, const PoolGeom& p, const float* arg, const float* dy,
                                         float* db) {
  std::unique_ptr<float[]> dc(new float[static_cast<size_t>(g.N * g.OH * g.OW * g.F)]);
  max_pool_backward_argmax(p, arg, dy, dc.get(), db);
  return dc;
}

bool direct_applies(const ConvGeom& g, const PoolGeom& p, int64_t f_multiple) {
  return g.KH * g.KW * g.C <= kDirectMaxK && g.F % f_multiple == 0 && p.PH * p.PW <= kMaxCells;
}

void direct_backprop_filter(const ConvGeom& g, const PoolGeom& p, const float* x, const float* dy, const float* arg,
                            float* dw, float* db) {
  const int64_t K = g.KH * g.KW * g.C, F = g.F, rows = p.N * p.OH;
  int64_t off[kDirectMaxK];  // offsets of the K inputs from a cell's top-left input (interior cells)
  for (int64_t ky = 0, k = 0; ky < g.KH; ++ky)
    for (int64_t kx = 0; kx < g.KW; ++kx)
      for (int64_t c = 0; c < g.C; ++c) off[k++] = (ky * g.DH * g.W + kx * g.DW) * g.C + c;
  const int nthreads = threads_for(2.0 * g.N * g.OH * g.OW * K * F, 4.0e5);
  // Rows in a fixed number of chunks, each into its own partial, summed in chunk order: the result
  // does not depend on which thread ran which chunk.
  const int64_t chunks = std::min<int64_t>(rows, 4 * static_cast<int64_t>(nthreads));
  const int64_t per = (rows + chunks - 1) / chunks;
  // Each chunk's partial: K x F of dw, then F of db.
  const int64_t part = (K + 1) * F;
  std::vector<float> parts(static_cast<size_t>(chunks * part), 0.0f);
  const std::vector<Plan> plan = plan_windows(g, p);
  const int64_t img = g.H * g.W * g.C;
  run_dynamic(nthreads, chunks, [&](int64_t ch, int) {
    float* acc = parts.data() + ch * part;
    std::vector<float> cols(static_cast<size_t>(p.OW * kMaxCells * K), 0.0f),
        pos(static_cast<size_t>(p.OW * kMaxCells));
    std::vector<int> cells(static_cast<size_t>(p.OW));
    for (int64_t r = ch * per; r < std::min(rows, (ch + 1) * per); ++r) {
      const int64_t n = r / p.OH, py = r % p.OH;
      for (int64_t px = 0; px < p.OW; ++px) {
        const Plan& q = plan[py * p.OW + px];
        const Cells& cs = q.cells;
        cells[px] = cs.count;
        for (int c = 0; c < cs.count; ++c) {
          pos[px * kMaxCells + c] = cs.pos[c];
          float* col = cols.data() + (px * kMaxCells + c) * K;
          if (q.interior) {
            const float* b = x + n * img + q.rel[c];
            for (int64_t k = 0; k < K; ++k) col[k] = b[off[k]];
          } else {
            gather(g, x, n, cs.oy[c], cs.ox[c], col);
          }
        }
      }
      const int64_t o = (n * p.OH + py) * p.OW * F;
      filter_row(F, p.OW, cells.data(), pos.data(), cols.data(), K, dy + o, arg + o, acc, acc + K * F);
    }
  });
  for (int64_t i = 0; i < part; ++i) {
    float v = 0.f;
    for (int64_t ch = 0; ch < chunks; ++ch) v += parts[ch * part + i];
    (i < K * F ? dw[i] : db[i - K * F]) = v;
  }
}

// Filter gradient from the pooled gradient for windows of at most kMaxCells places and any depth:
// each (window, filter) routes its gradient to one cell, its argmax, so dwᵀ[f] = Σ_windows dy[w, f] ·
// (that cell's K inputs): a quarter of the dense filter gradient's multiply-adds for 2x2 windows (the
// dense one multiplies the three zeros of every window too). Windows run in blocks of kWinBlock. The
// K inputs of every place of the block's windows are gathered once, cut into 64-wide slices of K
// stored slice by slice ([slice][window][place][64], zeros where a place has no cell), so one slice
// of the whole block (16 KiB) stays in L1 while every filter reads it; each (filter, window) reads
// the row of the place its argmax names, at an offset worked out once per block.
constexpr int64_t kWinBlock = 16;
constexpr int64_t kSlice = 64;

// Floats from one slice of a block's rows to the next: a block's slice, plus a cache line so that
// slices are not a multiple of 4 KiB apart (stores to one and loads from another would alias).
constexpr int64_t slice_stride(int places) { return kWinBlock * places * kSlice + 16; }

template <int NV>
CK_INLINE void windowed_slice(int64_t nw, int64_t F, const float* cs, const int32_t* offs, const float* gs, float* part,
                              int64_t K8) {
  for (int64_t f = 0; f < F; ++f) {
    v8 acc[NV];
    for (int v = 0; v < NV; ++v) acc[v] = v8{};
    const int32_t* of = offs + f * kWinBlock;
    const float* gf = gs + f * kWinBlock;
    for (int64_t w = 0; w < nw; ++w) {
      const v8 gb = v8{} + gf[w];
      const float* src = cs + of[w];
      for (int v = 0; v < NV; ++v) acc[v] += gb * load8(src + 8 * v);
    }
    float* d = part + f * K8;
    for (int v = 0; v < NV; ++v) store8(d + 8 * v, load8(d + 8 * v) + acc[v]);
  }
}

CK_AVX2_CLONES void windowed_block(int64_t nw, int64_t F, int64_t K8, int places, const float* cols,
                                   const int32_t* offs, const float* gs, float* part) {
  const int64_t slice_floats = slice_stride(places);
  for (int64_t k0 = 0, sl = 0; k0 < K8; k0 += kSlice, ++sl) {
    const float* cs = cols + sl * slice_floats;
    switch ((K8 - k0 < kSlice ? K8 - k0 : kSlice) / 8) {
      case 1: windowed_slice<1>(nw, F, cs, offs, gs, part + k0, K8); break;
      case 2: windowed_slice<2>(nw, F, cs, offs, gs, part + k0, K8); break;
      case 3: windowed_slice<3>(nw, F, cs, offs, gs, part + k0, K8); break;
      case 4: windowed_slice<4>(nw, F, cs, offs, gs, part + k0, K8); break;
      case 5: windowed_slice<5>(nw, F, cs, offs, gs, part + k0, K8); break;
      case 6: windowed_slice<6>(nw, F, cs, offs, gs, part + k0, K8); break;
      case 7: windowed_slice<7>(nw, F, cs, offs, gs, part + k0, K8); break;
      default: windowed_slice<8>(nw, F, cs, offs, gs, part + k0, K8); break;
    }
  }
}

// n floats from src to dst (no overlap), four at a time where it can (the caller is baseline code,
// where an eight-wide vector type would go through the stack).
inline void copy_run(float* dst, const float* src, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) st4(dst + i, ld4(src + i));
  for (; i < n; ++i) dst[i] = src[i];
}

void windowed_backprop_filter(const ConvGeom& g, const PoolGeom& p, const float* x, const float* dy, const float* arg,
                              float* dw, float* db) {
  const int64_t K = g.KH * g.KW * g.C, K8 = (K + 7) / 8 * 8, F = g.F;
  const int places = static_cast<int>(p.PH * p.PW);
  const int64_t slices = (K8 + kSlice - 1) / kSlice, slice_floats = slice_stride(places);
  const int64_t windows = p.N * p.OH * p.OW, blocks = (windows + kWinBlock - 1) / kWinBlock;
  const std::vector<Plan> plan = plan_windows(g, p);
  const int64_t img = g.H * g.W * g.C;
  const int nthreads = threads_for(2.0 * windows * K * F, 4.0e5);
  // Blocks in a fixed number of chunks, each into its own partial (dwᵀ, F x K8, then db), summed in
  // chunk order: the result does not depend on which thread ran which chunk.
  const int64_t chunks = std::min<int64_t>(blocks, 4 * static_cast<int64_t>(nthreads));
  const int64_t per = (blocks + chunks - 1) / chunks;
  const int64_t part = F * K8 + F;
  std::vector<float> parts(static_cast<size_t>(chunks * part), 0.0f);
  // Each tap's run of C inputs, from a cell's first input and to its place in a row, when no run
  // crosses a slice (C divides the slice width, or taps end before one): one copy per tap.
  std::vector<int64_t> src_off(static_cast<size_t>(g.KH * g.KW)), dst_off(src_off.size());
  bool runs_fit = true;
  for (int64_t ky = 0; ky < g.KH; ++ky)
    for (int64_t kx = 0; kx < g.KW; ++kx) {
      const int64_t t = ky * g.KW + kx, k = t * g.C, sl = k / kSlice, within = k - sl * kSlice;
      src_off[t] = (ky * g.DH * g.W + kx * g.DW) * g.C;
      dst_off[t] = sl * slice_floats + within;
      runs_fit = runs_fit && within + g.C <= kSlice;
    }
  run_dynamic(nthreads, chunks, [&](int64_t ch, int) {
    // 64-byte aligned, so every row of a slice starts a cache line.
    std::vector<float> cols_store(static_cast<size_t>(slices * slice_floats + 16), 0.0f);
    float* cols_base = cols_store.data();
    while (reinterpret_cast<uintptr_t>(cols_base) % 64 != 0) ++cols_base;
    std::vector<int32_t> offs(static_cast<size_t>(F * kWinBlock));
    std::vector<float> gs(static_cast<size_t>(F * kWinBlock)), col(static_cast<size_t>(K));
    float* acc = parts.data() + ch * part;
    for (int64_t b = ch * per; b < std::min(blocks, (ch + 1) * per); ++b) {
      const int64_t w0 = b * kWinBlock, nw = std::min(kWinBlock, windows - w0);
      for (int64_t w = 0; w < nw; ++w) {
        const int64_t wi = w0 + w, n = wi / (p.OH * p.OW);
        const Plan& pl = plan[wi - n * p.OH * p.OW];
        unsigned have = 0;
        for (int c = 0; c < pl.cells.count; ++c) {
          const int place = static_cast<int>(pl.cells.pos[c]);
          have |= 1u << place;
          // Row (w, place) of slice s starts at s * slice_floats + (w * places + place) * kSlice.
          float* row = cols_base + (w * places + place) * kSlice;
          auto put = [&](int64_t k, const float* src, int64_t len) {  // k..k+len within K, split at slices
            while (len > 0) {
              const int64_t s = k / kSlice, within = k - s * kSlice, piece = std::min(len, kSlice - within);
              copy_run(row + s * slice_floats + within, src, piece);
              k += piece, src += piece, len -= piece;
            }
          };
          if (pl.interior && runs_fit) {
            const float* base = x + n * img + pl.rel[c];
            for (size_t t = 0; t < src_off.size(); ++t) copy_run(row + dst_off[t], base + src_off[t], g.C);
          } else {  // the cell's K inputs (zeros in the padding), then cut at the slices
            gather(g, x, n, pl.cells.oy[c], pl.cells.ox[c], col.data());
            put(0, col.data(), K);
          }
        }
        // Places without a cell read zeros (their rows are never written, so the zeros of the first
        // fill stay, unless an earlier block's window had a cell there: clear them).
        for (int place = 0; place < places; ++place)
          if (!((have >> place) & 1))
            for (int64_t s = 0; s < slices; ++s)
              std::fill_n(cols_base + s * slice_floats + (w * places + place) * kSlice, kSlice, 0.f);
        for (int64_t f = 0; f < F; ++f) {
          const float a = arg[wi * F + f];
          const bool ok = a >= 0.f && a < static_cast<float>(places) && ((have >> static_cast<int>(a)) & 1);
          const int r = ok ? static_cast<int>(a) : 0;
          const float gv = ok ? dy[wi * F + f] : 0.f;
          offs[f * kWinBlock + w] = static_cast<int32_t>((w * places + r) * kSlice);
          gs[f * kWinBlock + w] = gv;
          acc[F * K8 + f] += gv;  // the bias gradient: what is routed
        }
      }
      windowed_block(nw, F, K8, places, cols_base, offs.data(), gs.data(), acc);
    }
  });
  float* sum = parts.data();
  for (int64_t ch = 1; ch < chunks; ++ch)
    for (int64_t i = 0; i < part; ++i) sum[i] += parts[ch * part + i];
  for (int64_t k = 0; k < K; ++k)
    for (int64_t f = 0; f < F; ++f) dw[k * F + f] = sum[f * K8 + k];
  for (int64_t f = 0; f < F; ++f) db[f] = sum[F * K8 + f];
}

// Input gradient from the pooled gradient for windows of at most kMaxCells places: each (window,
// filter) routes its gradient to one cell, and only that cell's receptive field gets it back through
// the filter, dx[pixel of tap t] += dy[w, f] · w[t, :, f]: a quarter of the dense kernel's
// multiply-adds for 2x2 windows. For each image, the filters routed to each window place are listed
// once; then, 8 channels at a time (that slice of the filters, F·T·8 floats, stays in L1), the sums
// of up to 9 taps are held in registers over each list.
template <int TG>
CK_INLINE void cell_taps(int64_t L, const int32_t* fl, const float* gl, const float* wv, int64_t T, int64_t t0,
                         v8* acc) {
  for (int t = 0; t < TG; ++t) acc[t] = v8{};
  for (int64_t i = 0; i < L; ++i) {
    const v8 gb = v8{} + gl[i];
    const float* wf = wv + (fl[i] * T + t0) * 8;
    for (int t = 0; t < TG; ++t) acc[t] += gb * load8(wf + t * 8);
  }
}

// One cell, channels c0..c0+cn: pix[t] is tap t's pixel (its offset in the image's dx) or -1 in the
// padding; wv is the filters' slice for these channels ([f][t][8]).
CK_AVX2_CLONES void cell_input_grad(int64_t T, int64_t c0, int64_t cn, int64_t L, const int32_t* fl, const float* gl,
                                    const float* wv, const int64_t* pix, float* dximg) {
  for (int64_t t0 = 0; t0 < T; t0 += 9) {
    const int tg = static_cast<int>(T - t0 < 9 ? T - t0 : 9);
    v8 acc[9];
    switch (tg) {
      case 1: cell_taps<1>(L, fl, gl, wv, T, t0, acc); break;
      case 2: cell_taps<2>(L, fl, gl, wv, T, t0, acc); break;
      case 3: cell_taps<3>(L, fl, gl, wv, T, t0, acc); break;
      case 4: cell_taps<4>(L, fl, gl, wv, T, t0, acc); break;
      case 5: cell_taps<5>(L, fl, gl, wv, T, t0, acc); break;
      case 6: cell_taps<6>(L, fl, gl, wv, T, t0, acc); break;
      case 7: cell_taps<7>(L, fl, gl, wv, T, t0, acc); break;
      case 8: cell_taps<8>(L, fl, gl, wv, T, t0, acc); break;
      default: cell_taps<9>(L, fl, gl, wv, T, t0, acc); break;
    }
    for (int t = 0; t < tg; ++t) {
      const int64_t o = pix[t0 + t];
      if (o < 0) continue;
      float* d = dximg + o + c0;
      if (cn == 8) {
        store8(d, load8(d) + acc[t]);
      } else {
        float tmp[8];
        store8(tmp, acc[t]);
        for (int64_t j = 0; j < cn; ++j) d[j] += tmp[j];
      }
    }
  }
}

void windowed_backprop_input(const ConvGeom& g, const PoolGeom& p, const float* dy, const float* w, const float* arg,
                             float* dx) {
  const int64_t T = g.KH * g.KW, C = g.C, slices = (C + 7) / 8, F = g.F;
  // wt[s][f][t][8] = w[t][s·8 + j][f], channels past C zero: one 8-channel slice of every filter's taps.
  std::vector<float> wt(static_cast<size_t>(slices * F * T * 8), 0.0f);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t f = 0; f < F; ++f) wt[((c / 8 * F + f) * T + t) * 8 + c % 8] = w[(t * C + c) * F + f];
  const std::vector<Plan> plan = plan_windows(g, p);
  const int64_t img = g.H * g.W * C, per_img = p.OH * p.OW, cells = per_img * kMaxCells;
  const int nthreads = threads_for(2.0 * g.N * per_img * T * C * F, 4.0e5);
  // Whole images per chunk (no two threads write one dx image); each dx element sums in a fixed order.
  const int64_t chunks = std::min<int64_t>(g.N, 4 * static_cast<int64_t>(nthreads));
  const int64_t per = (g.N + chunks - 1) / chunks;
  run_dynamic(nthreads, chunks, [&](int64_t ch, int) {
    // Per image: for each (window, cell) its list of routed filters and gradients, and its taps' pixels.
    std::vector<int32_t> fl(static_cast<size_t>(cells * F));
    std::vector<float> gl(static_cast<size_t>(cells * F));
    std::vector<int64_t> len(static_cast<size_t>(cells)), pix(static_cast<size_t>(cells * T));
    for (int64_t n = ch * per; n < std::min(g.N, (ch + 1) * per); ++n) {
      float* dximg = dx + n * img;
      std::fill(dximg, dximg + img, 0.f);
      for (int64_t q = 0; q < per_img; ++q) {
        const Plan& pl = plan[q];
        const float* aw = arg + (n * per_img + q) * F;
        const float* gw = dy + (n * per_img + q) * F;
        for (int c = 0; c < kMaxCells; ++c) {
          const int64_t k = q * kMaxCells + c;
          len[k] = 0;
          if (c >= pl.cells.count) continue;
          const float place = pl.cells.pos[c];
          int32_t* f_out = fl.data() + k * F;
          float* g_out = gl.data() + k * F;
          int64_t L = 0;
          for (int64_t f = 0; f < F; ++f)
            if (aw[f] == place) {
              f_out[L] = static_cast<int32_t>(f);
              g_out[L++] = gw[f];
            }
          len[k] = L;
          const int64_t y0 = pl.cells.oy[c] * g.SH - g.PT, x0 = pl.cells.ox[c] * g.SW - g.PL;
          for (int64_t ky = 0; ky < g.KH; ++ky)
            for (int64_t kx = 0; kx < g.KW; ++kx) {
              const int64_t iy = y0 + ky * g.DH, ix = x0 + kx * g.DW;
              pix[k * T + ky * g.KW + kx] = iy >= 0 && iy < g.H && ix >= 0 && ix < g.W ? (iy * g.W + ix) * C : -1;
            }
        }
      }
      for (int64_t s = 0; s < slices; ++s) {
        const float* wv = wt.data() + s * F * T * 8;
        const int64_t cn = C - s * 8 < 8 ? C - s * 8 : 8;
        for (int64_t k = 0; k < cells; ++k)
          if (len[k] > 0)
            cell_input_grad(T, s * 8, cn, len[k], fl.data() + k * F, gl.data() + k * F, wv, pix.data() + k * T, dximg);
      }
    }
  });
}

}  // namespace

void conv2d_max_pool_forward(const ConvGeom& g, const PoolGeom& p, const float* x, const float* w, const float* bias,
                             bool relu, float* y, float* arg) {
  if (direct_applies(g, p, 16)) {
    direct(g, p, x, w, bias, relu, y, arg);
  } else if (winograd_pooled_applies(g, p)) {
    winograd_forward_pooled(g, p, x, w, bias, relu, y, arg);
  } else {
    chunked(g, p, x, w, bias, relu, y, arg);
  }
}

void conv2d_max_pool_backprop_filter(const ConvGeom& g, const PoolGeom& p, const float* x, const float* dy,
                                     const float* arg, float* dw, float* db) {
  if (direct_applies(g, p, 8)) {
    direct_backprop_filter(g, p, x, dy, arg, dw, db);
    return;
  }
  if (windowed_applies(g, p)) {
    windowed_backprop_filter(g, p, x, dy, arg, dw, db);
    return;
  }
  conv2d_backprop_filter(g, x, routed_gradient(g, p, arg, dy, db).get(), dw);
}

void conv2d_max_pool_backprop_input(const ConvGeom& g, const PoolGeom& p, const float* dy, const float* w,
                                    const float* arg, float* dx) {
  if (windowed_applies(g, p)) {
    windowed_backprop_input(g, p, dy, w, arg, dx);
    return;
  }
  conv2d_backprop_input(g, routed_gradient(g, p, arg, dy, nullptr).get(), w, dx);
}

// Kernel entry: the arguments of the kernel table (src/backend/kernels.ts) in order, output first.
namespace k {
namespace {

void require_chained(const ConvGeom& g, const PoolGeom& p) {
  require(p.N == g.N && p.H == g.OH && p.W == g.OW && p.C == g.F,
          "the pooling geometry must take the convolution's output (batch " + std::to_string(g.N) + ", " +
              std::to_string(g.OH) + "x" + std::to_string(g.OW) + "x" + std::to_string(g.F) + ")");
}

void conv2d_max_pool(Out out, In x, In w, OptIn bias, const ConvGeom& g, Activation act, const PoolGeom& p) {
  require_chained(g, p);
  conv2d_max_pool_forward(g, p, expect(x, product({g.N, g.H, g.W, g.C}, "x")),
                          expect(w, product({g.KH, g.KW, g.C, g.F}, "w")), expect(bias, g.F), act == Activation::Relu,
                          expect(out, product({p.N, p.OH, p.OW, p.C}, "out")), nullptr);
}

// out: the pooled values, then the argmax of each (its place in the window).
void conv2d_max_pool_argmax(Out out, In x, In w, OptIn bias, const ConvGeom& g, Activation act, const PoolGeom& p) {
  require_chained(g, p);
  const int64_t pooled = product({p.N, p.OH, p.OW, p.C}, "out");
  float* y = expect(out, product({2, pooled}, "out"));
  conv2d_max_pool_forward(g, p, expect(x, product({g.N, g.H, g.W, g.C}, "x")),
                          expect(w, product({g.KH, g.KW, g.C, g.F}, "w")), expect(bias, g.F), act == Activation::Relu,
                          y, y + pooled);
}

// out: the filter gradient, then the bias gradient.
void conv2d_max_pool_filter_grad(Out out, In x, In dy, In arg, const ConvGeom& g, const PoolGeom& p) {
  require_chained(g, p);
  const int64_t pooled = product({p.N, p.OH, p.OW, p.C}, "dy");
  float* dw = expect(out, product({g.KH * g.KW * g.C + 1, g.F}, "out"));
  conv2d_max_pool_backprop_filter(g, p, expect(x, product({g.N, g.H, g.W, g.C}, "x")), expect(dy, pooled),
                                  expect(arg, pooled), dw, dw + g.KH * g.KW * g.C * g.F);
}

void conv2d_max_pool_input_grad(Out out, In dy, In w, In arg, const ConvGeom& g, const PoolGeom& p) {
  require_chained(g, p);
  const int64_t pooled = product({p.N, p.OH, p.OW, p.C}, "dy");
  conv2d_max_pool_backprop_input(g, p, expect(dy, pooled), expect(w, product({g.KH, g.KW, g.C, g.F}, "w")),
                                 expect(arg, pooled), expect(out, product({g.N, g.H, g.W, g.C}, "out")));
}

}  // namespace

CK_KERNEL("conv2dMaxPool", conv2d_max_pool, "out x w bias conv act pool");
CK_KERNEL("conv2dMaxPoolArgmax", conv2d_max_pool_argmax, "out x w bias conv act pool");
CK_KERNEL("conv2dMaxPoolBackpropFilter", conv2d_max_pool_filter_grad, "out x dy arg conv pool");
CK_KERNEL("conv2dMaxPoolBackpropInput", conv2d_max_pool_input_grad, "out dy w arg conv pool");

}  // namespace k
}  // namespace ck
