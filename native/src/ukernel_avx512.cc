// AVX-512 micro-kernel, MR x 32 (MR*2 accumulators + 2 B vectors + 1 broadcast of 32 zmm registers).
// This translation unit alone is compiled with AVX-512 flags; it is only called when cpuid allows.
#if defined(__AVX512F__) && defined(__FMA__)  // empty on other architectures (not linked there)
#include <immintrin.h>

#include "ukernel.h"

#ifndef CK_AVX512_MR
#define CK_AVX512_MR 14
#endif
#ifndef CK_AVX512_NV
#define CK_AVX512_NV 2
#endif

#define CK_STR2(x) #x
#define CK_STR(x) CK_STR2(x)

namespace ck {
namespace {

constexpr int MR = CK_AVX512_MR, NV = CK_AVX512_NV, NR = 16 * NV;

void uk_avx512(int64_t nt, int64_t kc, const float* const* ind, const float* bp, float* c, int64_t ldc, int mr, int nr,
               int acc, const float* bias, int relu) {
  __m512 t[MR][NV];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) t[r][v] = _mm512_setzero_ps();
  for (int64_t tap = 0; tap < nt; ++tap) {
    const float* a[MR];
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) a[r] = ind[tap * MR + r];
    for (int64_t p = 0; p < kc; ++p) {
      __m512 b[NV];
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) b[v] = _mm512_loadu_ps(bp + v * 16);
#pragma GCC unroll 16
      for (int r = 0; r < MR; ++r) {
        const __m512 x = _mm512_set1_ps(a[r][p]);
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) t[r][v] = _mm512_fmadd_ps(x, b[v], t[r][v]);
      }
      bp += NR;
    }
  }
  __mmask16 mask[NV];
  for (int v = 0; v < NV; ++v) {
    int cnt = nr - 16 * v;
    mask[v] = cnt >= 16 ? __mmask16(0xffff) : cnt <= 0 ? __mmask16(0) : __mmask16((1u << cnt) - 1);
  }
  const __m512 zero = _mm512_setzero_ps();
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
    if (r >= mr) break;
    float* cr = c + r * ldc;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      __m512 x = t[r][v];
      if (acc) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(mask[v], cr + v * 16));
      if (bias) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(mask[v], bias + v * 16));
      if (relu) x = _mm512_maskz_max_ps(mask[v], x, zero);
      _mm512_mask_storeu_ps(cr + v * 16, mask[v], x);
    }
  }
}

}  // namespace

UKernel ukernel_avx512() {
  return UKernel{MR, NR, uk_avx512, "avx512 " CK_STR(CK_AVX512_MR) "x" CK_STR(CK_AVX512_NV) "*16"};
}

}  // namespace ck

#endif
