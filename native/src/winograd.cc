// Winograd F(2x2, 3x3) (Lavin & Gray, 2016) over NHWC tensors:
//   U[k] = (G g Gᵀ)[k]        for each of the 16 positions k: a C x F matrix, packed once per call
//   V[k] = (Bᵀ d B)[k]        d: the 4x4xC input patch of a 2x2 output tile (zeros outside the image)
//   M[k] = V[k] · U[k]        16 GEMMs of (tiles x C) · (C x F) on the micro-kernel of gemm.h
//   y    = Aᵀ M A             2x2xF outputs per tile, bias and relu applied as they are written
// Tiles are processed in chunks (a few hundred KiB of V and M per thread), claimed dynamically.
#include "winograd.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "gemm.h"
#include "pool.h"
#include "threadpool.h"
#include "vec.h"
#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

namespace ck {
namespace {

// Rows a, b, c, d of a 4x4 block become its columns.
inline void transpose4(v4& a, v4& b, v4& c, v4& d) {
#if defined(__SSE2__)
  __m128 r0 = (__m128)a, r1 = (__m128)b, r2 = (__m128)c, r3 = (__m128)d;
  _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
  a = (v4)r0, b = (v4)r1, c = (v4)r2, d = (v4)r3;
#else
  float m[4][4];
  st4(m[0], a), st4(m[1], b), st4(m[2], c), st4(m[3], d);
  for (int i = 0; i < 4; ++i)
    for (int j = i + 1; j < 4; ++j) std::swap(m[i][j], m[j][i]);
  a = ld4(m[0]), b = ld4(m[1]), c = ld4(m[2]), d = ld4(m[3]);
#endif
}

// Bᵀ d B on 16 values (row-major 4x4), in place. Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1].
template <class T>
inline void input_tf(T* d) {
  T t[16];
  for (int j = 0; j < 4; ++j) {
    t[0 + j] = d[0 + j] - d[8 + j];
    t[4 + j] = d[4 + j] + d[8 + j];
    t[8 + j] = d[8 + j] - d[4 + j];
    t[12 + j] = d[4 + j] - d[12 + j];
  }
  for (int i = 0; i < 4; ++i) {
    const T* r = t + 4 * i;
    d[4 * i + 0] = r[0] - r[2];
    d[4 * i + 1] = r[1] + r[2];
    d[4 * i + 2] = r[2] - r[1];
    d[4 * i + 3] = r[1] - r[3];
  }
}

// Aᵀ m A: 16 values to 4 (y00, y01, y10, y11). Aᵀ = [1 1 1 0; 0 1 -1 -1].
template <class T>
inline void output_tf(const T* m, T* y) {
  T r0[4], r1[4];
  for (int j = 0; j < 4; ++j) {
    r0[j] = m[j] + m[4 + j] + m[8 + j];
    r1[j] = m[4 + j] - m[8 + j] - m[12 + j];
  }
  y[0] = r0[0] + r0[1] + r0[2];
  y[1] = r0[1] - r0[2] - r0[3];
  y[2] = r1[0] + r1[1] + r1[2];
  y[3] = r1[1] - r1[2] - r1[3];
}

// The plain problem both kernels reduce to: a 3x3 stride-1 correlation of in[N,H,W,C] into
// out[N,OH,OW,F] whose window for output (oy, ox) starts at (oy - PT, ox - PL).
struct Problem {
  int64_t N, H, W, C, OH, OW, F, PT, PL;
};

// U packed for the micro-kernel: for position k and NR-column panel j, C rows of NR floats
// (columns beyond F zero) at up + (k * panels + j) * C * NR. wt(ky, kx, c, f) reads the filter.
template <class WAt>
void transform_filter(const Problem& p, int NR, float* up, WAt&& wt) {
  const int64_t C = p.C, F = p.F, panels = (F + NR - 1) / NR;
  parallel_for(C, threads_for(36.0 * C * F), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c)
      for (int64_t f = 0; f < panels * NR; ++f) {
        float u[16];
        if (f >= F) {
          std::fill(u, u + 16, 0.f);
        } else {
          float g[9], t[12];
          for (int i = 0; i < 9; ++i) g[i] = wt(i / 3, i % 3, c, f);
          // G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1], rows (G g) then columns ((G g) Gᵀ).
          for (int j = 0; j < 3; ++j) {
            t[0 + j] = g[j];
            t[3 + j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
            t[6 + j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
            t[9 + j] = g[6 + j];
          }
          for (int i = 0; i < 4; ++i) {
            const float* r = t + 3 * i;
            u[4 * i + 0] = r[0];
            u[4 * i + 1] = 0.5f * (r[0] + r[1] + r[2]);
            u[4 * i + 2] = 0.5f * (r[0] - r[1] + r[2]);
            u[4 * i + 3] = r[2];
          }
        }
        const int64_t j = f / NR, jj = f - j * NR;
        for (int k = 0; k < 16; ++k) up[((k * panels + j) * C + c) * NR + jj] = u[k];
      }
  });
}

// V = Bᵀ d B for tiles [t0, t0 + nt) (row-major over images, tile rows, tile columns): the 4x4xC
// patch whose top-left input is (2ty - PT, 2tx - PL), zeros outside the image; position k of tile r
// at v + k * vk + r * C.
void transform_inputs(const Problem& p, const float* in, int64_t t0, int64_t nt, const float* zeros, float* v,
                      int64_t vk) {
  const int64_t C = p.C, tw = (p.OW + 1) / 2, per_img = ((p.OH + 1) / 2) * tw;
  for (int64_t r = 0; r < nt; ++r) {
    const int64_t t = t0 + r, n = t / per_img, ty = (t - n * per_img) / tw, tx = t - n * per_img - ty * tw;
    const int64_t iy0 = 2 * ty - p.PT, ix0 = 2 * tx - p.PL;
    const float* src[16];
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 4; ++j) {
        const int64_t iy = iy0 + i, ix = ix0 + j;
        const bool inside = iy >= 0 && iy < p.H && ix >= 0 && ix < p.W;
        src[4 * i + j] = inside ? in + ((n * p.H + iy) * p.W + ix) * C : zeros;
      }
    float* dst = v + r * C;
    int64_t c = 0;
    for (; c + 4 <= C; c += 4) {
      v4 d[16];
      for (int k = 0; k < 16; ++k) d[k] = ld4(src[k] + c);
      input_tf(d);
      for (int k = 0; k < 16; ++k) st4(dst + k * vk + c, d[k]);
    }
    for (; c < C; ++c) {
      float d[16];
      for (int k = 0; k < 16; ++k) d[k] = src[k][c];
      input_tf(d);
      for (int k = 0; k < 16; ++k) dst[k * vk + c] = d[k];
    }
  }
}

// A tile's four outputs for filters f..f+3 (position k of its products at src + k * mk), bias and
// ReLU applied; tile_out1 for filter f alone.
inline void tile_out4(const float* src, int64_t mk, int64_t f, const float* bias, bool relu, v4* y) {
  v4 a[16];
  for (int k = 0; k < 16; ++k) a[k] = ld4(src + k * mk + f);
  output_tf(a, y);
  const v4 b = bias ? ld4(bias + f) : v4{0.f, 0.f, 0.f, 0.f};
  for (int q = 0; q < 4; ++q) {
    y[q] += b;
    if (relu) y[q] = y[q] > 0.f ? y[q] : 0.f;
  }
}

inline void tile_out1(const float* src, int64_t mk, int64_t f, const float* bias, bool relu, float* y) {
  float a[16];
  for (int k = 0; k < 16; ++k) a[k] = src[k * mk + f];
  output_tf(a, y);
  for (int q = 0; q < 4; ++q) {
    y[q] += bias ? bias[f] : 0.f;
    if (relu && !(y[q] > 0.f)) y[q] = 0.f;
  }
}

// A pooled output: max (and argmax) per 2x2 tile, for tiles inside OH x OW.
struct PooledOut {
  float* y;
  float* arg;
  int64_t OH, OW;
};

// One tile's 2x2 outputs (position k of its F products at src + k * mk), bias and ReLU applied, reduced
// to their max (NaN wins, as max pooling) and the place of the first strict maximum.
void pool_tile(const float* src, int64_t mk, int64_t F, const float* bias, bool relu, int64_t n, int64_t ty, int64_t tx,
               const PooledOut& pool) {
  const int64_t o = ((n * pool.OH + ty) * pool.OW + tx) * F;
  float* dst = pool.y + o;
  float* arg = pool.arg ? pool.arg + o : nullptr;
  int64_t f = 0;
  for (; f + 4 <= F; f += 4) {
    v4 y[4];
    tile_out4(src, mk, f, bias, relu, y);
    v4 mx = y[0], best = y[0], at = v4{0.f, 0.f, 0.f, 0.f};
    for (int q = 1; q < 4; ++q) {
      mx = (y[q] > mx) | (y[q] != y[q]) ? y[q] : mx;
      const auto gt = y[q] > best;
      best = gt ? y[q] : best;
      at = gt ? v4{0.f, 0.f, 0.f, 0.f} + static_cast<float>(q) : at;
    }
    st4(dst + f, mx);
    // With ReLU a window whose max is not positive routes nothing (ReLU's gradient is zero there).
    if (arg) st4(arg + f, relu ? (mx > 0.f ? at : v4{} - 1.f) : at);
  }
  for (; f < F; ++f) {
    float y[4];
    tile_out1(src, mk, f, bias, relu, y);
    float mx = 0.f, best = 0.f, at = 0.f;
    for (int q = 0; q < 4; ++q) {
      const float v = y[q];
      if (q == 0) {
        mx = best = v;
        continue;
      }
      if (v > mx || v != v) mx = v;
      if (v > best) {
        best = v;
        at = static_cast<float>(q);
      }
    }
    dst[f] = mx;
    if (arg) arg[f] = relu && !(mx > 0.f) ? -1.f : at;
  }
}

// With pool: each tile's four outputs (after bias and ReLU) are max-pooled as one 2x2 window (the
// tile is the window: pooling 2x2 at stride 2 from the origin), and only the max (and, with pool->arg,
// its place 0..3 in the window, the first strict maximum) is stored, for tiles inside pool->OH x OW.
void run(const Problem& p, const float* in, const float* up, const float* bias, bool relu, float* out,
         const PooledOut* pool = nullptr) {
  const UKernel& uk = active_ukernel();
  const Blocking bl = blocking_for(uk);
  const int MR = uk.mr, NR = uk.nr;
  const int64_t C = p.C, F = p.F, panels = (F + NR - 1) / NR;
  const int64_t th = (p.OH + 1) / 2, tw = (p.OW + 1) / 2, per_img = th * tw, T = p.N * per_img;
  const int nthreads = threads_for(2.0 * 16 * T * C * F);
  // Tiles per chunk: V[k] and M[k] of one chunk about 64 KiB each, but at least 96 rows so that each
  // B panel of U (streamed from L3: U is 16·C·F floats) serves enough micro-kernel calls; and about
  // four chunks per thread.
  int64_t tb = round_up(std::max<int64_t>(96, 16384 / std::max(C, F)), MR);
  tb = std::min(tb, std::max<int64_t>(MR, round_up((T + 4 * nthreads - 1) / (4 * nthreads), MR)));
  tb = std::max<int64_t>(MR, std::min<int64_t>(tb, 512));
  const int64_t chunks = (T + tb - 1) / tb;
  const int64_t nkb = (C + bl.kc - 1) / bl.kc, kcb = (C + nkb - 1) / nkb;
  run_dynamic(nthreads, chunks, [&](int64_t ch, int) {
    const int64_t t0 = ch * tb, nt = std::min(tb, T - t0);
    Workspace& ws = thread_workspace();
    // Distance between positions k in v and m, off a multiple of 4 KiB so the 16 streams of the
    // transforms do not all fall into one L1 set.
    const int64_t vk = nt * C + 16, mk = nt * F + 16;
    float* v = ws.cols.get<float>(static_cast<size_t>(16 * vk));
    float* m = ws.aux.get<float>(static_cast<size_t>(16 * mk));
    float* zeros = ws.zeros.get<float>(static_cast<size_t>(C));
    std::memset(zeros, 0, sizeof(float) * C);
    transform_inputs(p, in, t0, nt, zeros, v, vk);
    const float** ind = ws.ind.get<const float*>(static_cast<size_t>(round_up(nt, MR)));
    for (int k = 0; k < 16; ++k)
      for (int64_t c0 = 0; c0 < C; c0 += kcb) {
        const int64_t cc = std::min(kcb, C - c0);
        for (int64_t r = 0; r < round_up(nt, MR); ++r) ind[r] = v + k * vk + (r < nt ? r : 0) * C + c0;
        for (int64_t j = 0; j < panels; ++j) {
          const float* bp = up + ((k * panels + j) * C + c0) * NR;
          const int nr = static_cast<int>(std::min<int64_t>(NR, F - j * NR));
          for (int64_t ir = 0; ir < nt; ir += MR) {
            const int mr = static_cast<int>(std::min<int64_t>(MR, nt - ir));
            uk.fn(1, cc, ind + ir, bp, m + k * mk + ir * F + j * NR, F, mr, nr, c0 == 0 ? 0 : 1, nullptr, 0);
          }
        }
      }
    for (int64_t r = 0; r < nt; ++r) {
      const int64_t t = t0 + r, n = t / per_img, ty = (t - n * per_img) / tw, tx = t - n * per_img - ty * tw;
      const int64_t oy = 2 * ty, ox = 2 * tx;
      if (pool) {
        if (ty < pool->OH && tx < pool->OW) pool_tile(m + r * F, mk, F, bias, relu, n, ty, tx, *pool);
        continue;
      }
      const bool down = oy + 1 < p.OH, right = ox + 1 < p.OW;
      float* o00 = out + ((n * p.OH + oy) * p.OW + ox) * F;
      float* dst[4] = {o00, o00 + F, o00 + p.OW * F, o00 + (p.OW + 1) * F};
      const bool keep[4] = {true, right, down, down && right};
      const float* src = m + r * F;
      int64_t f = 0;
      for (; f + 4 <= F; f += 4) {
        v4 y[4];
        tile_out4(src, mk, f, bias, relu, y);
        for (int q = 0; q < 4; ++q)
          if (keep[q]) st4(dst[q] + f, y[q]);
      }
      for (; f < F; ++f) {
        float y[4];
        tile_out1(src, mk, f, bias, relu, y);
        for (int q = 0; q < 4; ++q)
          if (keep[q]) dst[q][f] = y[q];
      }
    }
  });
}

bool eligible(const ConvGeom& g) { return g.KH == 3 && g.KW == 3 && g.SH == 1 && g.SW == 1 && g.DH == 1 && g.DW == 1; }

// -1: unset (use the shape rule), 0: never, 1: every eligible shape. Read per call so tests can switch.
int mode() {
  const char* s = std::getenv("CONVKIT_WINOGRAD");
  if (!s || !*s) return -1;
  return s[0] == '0' ? 0 : 1;
}

// Shape rule, from interleaved A/B runs against the direct kernel (bench/vgg_layers.ts --ab): enough
// channels on both sides for the transforms to pay off; at most 0.6x the direct method's
// multiplications once the partial 2x2 tiles at the bottom and right edges are counted (the direct
// GEMM has one row per `direct_pixels`); and enough tiles that each chunk reuses the streamed U
// (16·cin·cout floats) over many rows.
bool worth_it(int64_t n, int64_t cin, int64_t cout, int64_t oh, int64_t ow, int64_t direct_pixels) {
  const int64_t tiles = ((oh + 1) / 2) * ((ow + 1) / 2);
  const double mults = 16.0 * static_cast<double>(tiles), direct = 9.0 * static_cast<double>(direct_pixels);
  return cin >= 32 && cout >= 32 && mults <= 0.6 * direct && n * tiles >= 192;
}

}  // namespace

bool winograd_forward_applies(const ConvGeom& g) {
  if (!eligible(g)) return false;
  const int md = mode();
  return md < 0 ? worth_it(g.N, g.C, g.F, g.OH, g.OW, g.OH * g.OW) : md == 1;
}

bool winograd_backprop_input_applies(const ConvGeom& g) {
  if (!eligible(g)) return false;
  const int md = mode();
  return md < 0 ? worth_it(g.N, g.F, g.C, g.H, g.W, g.OH * g.OW) : md == 1;
}

// The filter gradient's transforms and 16·C·F partial sums cost more than they save on small images:
// A/B against the direct kernel (2 threads), Winograd won by 25-35% on 36x36 to 75x75 outputs and lost
// by 20-50% on 13x13, 9x9 and 5x5 ones, so it also asks for 400 output pixels.
bool winograd_backprop_filter_applies(const ConvGeom& g) {
  if (!eligible(g)) return false;
  const int md = mode();
  return md < 0 ? worth_it(g.N, g.C, g.F, g.OH, g.OW, g.OH * g.OW) && g.OH * g.OW >= 400 : md == 1;
}

bool winograd_pooled_applies(const ConvGeom& g, const PoolGeom& pg) {
  return winograd_forward_applies(g) && pg.PH == 2 && pg.PW == 2 && pg.SH == 2 && pg.SW == 2 && pg.PT == 0 &&
         pg.PL == 0 && pg.OH == g.OH / 2 && pg.OW == g.OW / 2;
}

namespace {
// The forward's filter transform, then the tiles: written out whole, or pooled (pool non-null).
void forward(const ConvGeom& g, const float* x, const float* w, const float* bias, bool relu, float* y,
             const PooledOut* pool) {
  const Problem p{g.N, g.H, g.W, g.C, g.OH, g.OW, g.F, g.PT, g.PL};
  const int NR = active_ukernel().nr;
  const int64_t panels = (p.F + NR - 1) / NR;
  float* up = thread_workspace().shared_b.get<float>(static_cast<size_t>(16 * panels * NR * p.C));
  transform_filter(p, NR, up,
                   [&](int ky, int kx, int64_t c, int64_t f) { return w[((ky * 3 + kx) * g.C + c) * g.F + f]; });
  run(p, x, up, bias, relu, y, pool);
}
}  // namespace

void winograd_forward_pooled(const ConvGeom& g, const PoolGeom& pg, const float* x, const float* w, const float* bias,
                             bool relu, float* y, float* arg) {
  const PooledOut pool{y, arg, pg.OH, pg.OW};
  forward(g, x, w, bias, relu, nullptr, &pool);
}

void winograd_forward(const ConvGeom& g, const float* x, const float* w, const float* bias, bool relu, float* y) {
  forward(g, x, w, bias, relu, y, nullptr);
}

// dx[iy] = Σ_ky dy[iy + PT - ky] · w[ky] = Σ_ky' dy[iy - (2 - PT) + ky'] · w[2 - ky']: a correlation of dy
// with the filter turned by 180° and its channel axes swapped, window offset 2 - PT (and 2 - PL).
void winograd_backprop_input(const ConvGeom& g, const float* dy, const float* w, float* dx) {
  const Problem p{g.N, g.OH, g.OW, g.F, g.H, g.W, g.C, 2 - g.PT, 2 - g.PL};
  const int NR = active_ukernel().nr;
  const int64_t panels = (p.F + NR - 1) / NR;
  float* up = thread_workspace().shared_b.get<float>(static_cast<size_t>(16 * panels * NR * p.C));
  transform_filter(p, NR, up, [&](int ky, int kx, int64_t f, int64_t c) {
    return w[(((2 - ky) * 3 + (2 - kx)) * g.C + c) * g.F + f];
  });
  run(p, dy, up, nullptr, false, dx);
}

// dw[ky,kx,c,f] = Σ x[n, oy + ky - PT, ox + kx - PL, c] · dy[n, oy, ox, f] by Winograd F(3x3, 2x2),
// the transpose of F(2x2, 3x3): for each 2x2 tile of dy, V = Bᵀ d B of its 4x4 input patch (as the
// forward), U = A e Aᵀ of the tile (A = (Aᵀ)ᵀ: rows e0, e0+e1, e0-e1, -e1); M[k] = Σ_tiles U[k]ᵀ·V[k],
// 16 GEMMs (F x C) with the tiles as depth; dw = Gᵀ M G. Tiles run in chunks, each into its own
// partial M, summed in chunk order (the result does not depend on which thread ran which chunk).
void winograd_backprop_filter(const ConvGeom& g, const float* x, const float* dy, float* dw) {
  const Problem p{g.N, g.H, g.W, g.C, g.OH, g.OW, g.F, g.PT, g.PL};
  const UKernel& uk = active_ukernel();
  const Blocking bl = blocking_for(uk);
  const int64_t C = p.C, F = p.F, msize = 16 * F * C;
  const int64_t tw = (p.OW + 1) / 2, per_img = ((p.OH + 1) / 2) * tw, T = p.N * per_img;
  const int nthreads = threads_for(2.0 * 16 * T * C * F);
  // Partials: at most about four chunks per thread, 64 MiB in all, but one per thread at least.
  int64_t chunks = std::min<int64_t>((T + 31) / 32, 4 * static_cast<int64_t>(nthreads));
  chunks = std::max<int64_t>(1, std::min(chunks, std::max<int64_t>((int64_t(16) << 20) / msize, nthreads)));
  const int64_t per = (T + chunks - 1) / chunks;
  chunks = (T + per - 1) / per;
  // Tiles per GEMM block: V and U of a block about 256 KiB, but at least 32 deep.
  const int64_t tb = std::min(per, std::max<int64_t>(96, 16384 / std::max(C, F)));
  std::vector<float> parts(static_cast<size_t>(chunks * msize));
  run_dynamic(nthreads, chunks, [&](int64_t ch, int) {
    float* part = parts.data() + ch * msize;
    Workspace& ws = thread_workspace();
    const int64_t vk = tb * C + 16, ldu = tb + 4, F4 = (F + 3) / 4 * 4;
    float* v = ws.cols.get<float>(static_cast<size_t>(16 * vk));
    float* u = ws.aux.get<float>(static_cast<size_t>(16 * F * ldu + 3 * ldu + 4));
    float* zeros = ws.zeros.get<float>(static_cast<size_t>(C + F4));
    std::memset(zeros, 0, sizeof(float) * (C + F4));
    const float* fzeros = zeros;  // F4 zeros (C + F4 in all)
    const int64_t c0 = ch * per, c1 = std::min(T, c0 + per);
    for (int64_t b0 = c0; b0 < c1; b0 += tb) {
      const int64_t nt = std::min(tb, c1 - b0);
      transform_inputs(p, x, b0, nt, zeros, v, vk);
      // U, stored [k][f][tile] so that its rows are the GEMM's A rows: four tiles and four filters at
      // a time, turned by 4x4 transposes so each store runs along the tiles.
      for (int64_t r0 = 0; r0 < nt; r0 += 4) {
        const float* e[4][4];  // [tile][e00, e01, e10, e11], zeros outside dy or past the block
        for (int q = 0; q < 4; ++q) {
          const int64_t t = b0 + r0 + q;
          if (r0 + q >= nt) {
            e[q][0] = e[q][1] = e[q][2] = e[q][3] = fzeros;
            continue;
          }
          const int64_t n = t / per_img, ty = (t - n * per_img) / tw, tx = t - n * per_img - ty * tw;
          const int64_t oy = 2 * ty, ox = 2 * tx;
          const bool down = oy + 1 < p.OH, right = ox + 1 < p.OW;
          const float* e00 = dy + ((n * p.OH + oy) * p.OW + ox) * F;
          e[q][0] = e00;
          e[q][1] = right ? e00 + F : fzeros;
          e[q][2] = down ? e00 + p.OW * F : fzeros;
          e[q][3] = down && right ? e00 + (p.OW + 1) * F : fzeros;
        }
        for (int64_t f = 0; f < F; f += 4) {
          const int64_t nf = F - f < 4 ? F - f : 4;
          v4 e0[4][2], e1[4][2];  // [tile][column]: the tile's two rows of dy, four filters each
          for (int q = 0; q < 4; ++q) {
            v4 a[4];
            for (int j = 0; j < 4; ++j) {
              if (nf == 4) {
                a[j] = ld4(e[q][j] + f);
              } else {  // the last filters: no read past the pixel's F values
                float tmp[4] = {0.f, 0.f, 0.f, 0.f};
                for (int64_t i = 0; i < nf; ++i) tmp[i] = e[q][j][f + i];
                a[j] = ld4(tmp);
              }
            }
            e0[q][0] = a[0], e0[q][1] = a[1], e1[q][0] = a[2], e1[q][1] = a[3];
          }
          // Row i of A e (e0, e0 + e1, e0 - e1, -e1), then its columns the same way: positions 4i..4i+3.
          for (int i = 0; i < 4; ++i) {
            v4 c[4][4];  // [position within the row][tile]
            for (int q = 0; q < 4; ++q) {
              const v4 r0 = i == 0 ? e0[q][0] : i == 1 ? e0[q][0] + e1[q][0] : i == 2 ? e0[q][0] - e1[q][0] : -e1[q][0];
              const v4 r1 = i == 0 ? e0[q][1] : i == 1 ? e0[q][1] + e1[q][1] : i == 2 ? e0[q][1] - e1[q][1] : -e1[q][1];
              c[0][q] = r0;
              c[1][q] = r0 + r1;
              c[2][q] = r0 - r1;
              c[3][q] = -r1;
            }
            for (int j = 0; j < 4; ++j) {
              transpose4(c[j][0], c[j][1], c[j][2], c[j][3]);  // now c[j][l]: filter f + l, four tiles
              float* d = u + ((4 * i + j) * F + f) * ldu + r0;
              if (nf == 4) {
                st4(d, c[j][0]);
                st4(d + ldu, c[j][1]);
                st4(d + 2 * ldu, c[j][2]);
                st4(d + 3 * ldu, c[j][3]);
              } else {
                for (int64_t l = 0; l < nf; ++l) st4(d + l * ldu, c[j][l]);
              }
            }
          }
        }
      }
      for (int k = 0; k < 16; ++k) {
        RowsA ap{u + k * F * ldu, ldu};
        RowsB bp{v + k * vk, C};
        igemm_serial(uk, bl, F, C, 1, nt, ap, bp, part + k * F * C, C, nullptr, false, ws, 0, b0 > c0);
      }
    }
  });
  // Partials summed in chunk order, then dw = Gᵀ M G per (c, f).
  float* m = parts.data();
  const int sum_threads = threads_for(static_cast<double>(chunks) * msize, 2.0e5);
  parallel_for(msize, sum_threads, [&](int64_t b, int64_t e) {
    for (int64_t ch = 1; ch < chunks; ++ch) {
      const float* part = parts.data() + ch * msize;
      for (int64_t i = b; i < e; ++i) m[i] += part[i];
    }
  });
  parallel_for(F, sum_threads, [&](int64_t f0, int64_t f1) {
    for (int64_t f = f0; f < f1; ++f)
      for (int64_t c = 0; c < C; ++c) {
        float q[16], t[12];
        for (int k = 0; k < 16; ++k) q[k] = m[(k * F + f) * C + c];
        // Gᵀ q: rows q0 + (q1 + q2)/2, (q1 - q2)/2, (q1 + q2)/2 + q3; then the same on columns.
        for (int j = 0; j < 4; ++j) {
          t[0 + j] = q[j] + 0.5f * (q[4 + j] + q[8 + j]);
          t[4 + j] = 0.5f * (q[4 + j] - q[8 + j]);
          t[8 + j] = 0.5f * (q[4 + j] + q[8 + j]) + q[12 + j];
        }
        for (int i = 0; i < 3; ++i) {
          const float* r = t + 4 * i;
          float* o = dw + ((i * 3) * C + c) * F + f;
          o[0] = r[0] + 0.5f * (r[1] + r[2]);
          o[C * F] = 0.5f * (r[1] - r[2]);
          o[2 * C * F] = 0.5f * (r[1] + r[2]) + r[3];
        }
      }
  });
}

}  // namespace ck
