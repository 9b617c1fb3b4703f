// AVX2 + FMA micro-kernel, 6 x 16 (12 accumulators, 2 B vectors, 1 broadcast of 16 ymm registers).
// This translation unit alone is compiled with -mavx2 -mfma; it is only called when cpuid allows.
#if defined(__AVX2__) && defined(__FMA__)  // empty on other architectures (not linked there)
#include <immintrin.h>

#include "ukernel.h"

namespace ck {
namespace {

constexpr int MR = 6, NV = 2, NR = 8 * NV;

void uk_avx2(int64_t nt, int64_t kc, const float* const* ind, const float* bp, float* c, int64_t ldc, int mr, int nr,
             int acc, const float* bias, int relu) {
  __m256 t[MR][NV];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) t[r][v] = _mm256_setzero_ps();
  for (int64_t tap = 0; tap < nt; ++tap) {
    const float* a[MR];
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) a[r] = ind[tap * MR + r];
    for (int64_t p = 0; p < kc; ++p) {
      __m256 b[NV];
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) b[v] = _mm256_loadu_ps(bp + v * 8);
#pragma GCC unroll 8
      for (int r = 0; r < MR; ++r) {
        const __m256 x = _mm256_broadcast_ss(a[r] + p);
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) t[r][v] = _mm256_fmadd_ps(x, b[v], t[r][v]);
      }
      bp += NR;
    }
  }
  if (mr == MR && nr == NR) {
    const __m256 zero = _mm256_setzero_ps();
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      float* cr = c + r * ldc;
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) {
        __m256 x = t[r][v];
        if (acc) x = _mm256_add_ps(x, _mm256_loadu_ps(cr + v * 8));
        if (bias) x = _mm256_add_ps(x, _mm256_loadu_ps(bias + v * 8));
        if (relu) x = _mm256_max_ps(x, zero);
        _mm256_storeu_ps(cr + v * 8, x);
      }
    }
    return;
  }
  alignas(32) float tile[MR * NR];
  // Fully unrolled so t[][] stays in registers (a runtime index would force it to the stack).
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) _mm256_store_ps(tile + r * NR + v * 8, t[r][v]);
  store_tile_generic(tile, NR, c, ldc, mr, nr, acc, bias, relu);
}

}  // namespace

UKernel ukernel_avx2() { return UKernel{MR, NR, uk_avx2, "avx2 6x16"}; }

}  // namespace ck

#endif
