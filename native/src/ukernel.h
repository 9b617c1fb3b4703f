// The GEMM micro-kernel contract shared by the generic, AVX2 and AVX-512 translation units.
//
// A micro-kernel computes an MR x NR tile  C = sum over taps t, depth p of A[t][r][p] * B[t][p][c]
// where the A rows are given indirectly (XNNPACK-style indirection): ind[t*MR + r] points at the kc
// consecutive floats of row r for tap t. Plain matrices use one tap whose pointers are row starts;
// a convolution uses one tap per kernel position whose pointers go straight into the NHWC input (or
// into a zero row for padding), so the im2col matrix is never materialised or transposed.
// B is packed: nt*kc rows of NR floats (zero-padded beyond the valid columns), 64-byte aligned.
// Epilogue: acc != 0 adds the existing C; bias (nullable, indexed by column) and relu are applied
// as the tile is written (the driver passes them only with the last depth block).
// Only the valid mr x nr corner of the tile is written.
#pragma once

#include <cstdint>

namespace ck {

using UKernelFn = void (*)(int64_t nt, int64_t kc, const float* const* ind, const float* bp, float* c, int64_t ldc,
                           int mr, int nr, int acc, const float* bias, int relu);

struct UKernel {
  int mr, nr;
  UKernelFn fn;
  const char* name;
};

UKernel ukernel_generic();
UKernel ukernel_avx2();
UKernel ukernel_avx512();

// Writes an MR x NR tile held in `t` (row-major, ld NR) to C with the epilogue (edge tiles, generic).
inline void store_tile_generic(const float* t, int NR, float* c, int64_t ldc, int mr, int nr, int acc,
                               const float* bias, int relu) {
  for (int r = 0; r < mr; ++r) {
    float* cr = c + r * ldc;
    const float* tr = t + r * NR;
    for (int j = 0; j < nr; ++j) {
      float v = tr[j];
      if (acc) v += cr[j];
      if (bias) v += bias[j];
      if (relu) v = v > 0.f ? v : 0.f;
      cr[j] = v;
    }
  }
}

}  // namespace ck
