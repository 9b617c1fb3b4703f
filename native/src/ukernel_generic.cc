// Portable micro-kernel (baseline x86-64 / any CPU): 4 x 16, plain loops the compiler vectorises.
#include "ukernel.h"

namespace ck {
namespace {

constexpr int MR = 4, NR = 16;

void uk_generic(int64_t nt, int64_t kc, const float* const* ind, const float* bp, float* c, int64_t ldc, int mr, int nr,
                int acc, const float* bias, int relu) {
  float t[MR * NR];
  for (int i = 0; i < MR * NR; ++i) t[i] = 0.f;
  for (int64_t tap = 0; tap < nt; ++tap) {
    const float* a0 = ind[tap * MR + 0];
    const float* a1 = ind[tap * MR + 1];
    const float* a2 = ind[tap * MR + 2];
    const float* a3 = ind[tap * MR + 3];
    for (int64_t p = 0; p < kc; ++p) {
      const float* b = bp + p * NR;
      const float x0 = a0[p], x1 = a1[p], x2 = a2[p], x3 = a3[p];
      for (int j = 0; j < NR; ++j) {
        t[0 * NR + j] += x0 * b[j];
        t[1 * NR + j] += x1 * b[j];
        t[2 * NR + j] += x2 * b[j];
        t[3 * NR + j] += x3 * b[j];
      }
    }
    bp += kc * NR;
  }
  store_tile_generic(t, NR, c, ldc, mr, nr, acc, bias, relu);
}

}  // namespace

UKernel ukernel_generic() { return UKernel{MR, NR, uk_generic, "generic 4x16"}; }

}  // namespace ck
