// Blocked, packed GEMM driver (GotoBLAS/BLIS loop nest) over indirect A rows and packed B panels.
//
//   for jc in N step NC:            B block of NC columns
//     for each depth block kb:      a group of taps (and channels) of about KC depth
//       pack B[kb, jc:jc+NC] into NR-column micro-panels          (L2-resident)
//       for ic in M step MC:
//         build the A indirection for rows ic:ic+MC, taps of kb    (rows point into A or the input)
//         for jr in NC step NR: for ir in MC step MR: micro-kernel
//
// The A and B "providers" are small functors, so one driver serves matmul (A rows copied into a
// contiguous block, transA handled there; B packed with transB handled there) and the three
// convolution kernels (A rows straight from the NHWC input through an indirection table).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "ukernel.h"

namespace ck {

struct Blocking {
  int64_t mc, kc, nc;
};

// The micro-kernel for the active ISA, and cache blocking tuned for it.
const UKernel& active_ukernel();
Blocking blocking_for(const UKernel& uk);

// Grow-only 64-byte aligned scratch buffer (one set per thread; bounded by the largest problem seen).
class Scratch {
 public:
  Scratch() = default;
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() { std::free(p_); }
  template <class T>
  T* get(size_t count) {
    size_t bytes = count * sizeof(T) + 64;
    if (bytes > cap_) {
      std::free(p_);
      cap_ = bytes + bytes / 4;
      p_ = std::aligned_alloc(64, (cap_ + 63) / 64 * 64);
      if (!p_) {
        cap_ = 0;
        throw std::bad_alloc();
      }
    }
    return static_cast<T*>(p_);
  }

 private:
  void* p_ = nullptr;
  size_t cap_ = 0;
};

struct Workspace {
  Scratch bpack, apack, ind, zeros, cols, aux, aux2, shared_b;
  uint64_t bkey = 0;  // call key of the B block now in bpack (0: none), see igemm_serial
};
// A fresh nonzero key per kernel call, for igemm_serial's packed-B reuse across chunks of one call.
uint64_t next_call_key();
Workspace& thread_workspace();

// A depth block: taps [t0, t0+nt), channels [c0, c0+cc) of each tap.
struct KBlock {
  int64_t t0, nt, c0, cc;
};

std::vector<KBlock> make_kblocks(int64_t ntaps, int64_t C, int64_t kc_target);

inline int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// AProv: void build(int64_t i0, int64_t mc, const KBlock&, const float** ind, int MR)
//   fills ceil(mc/MR) panels laid out [panel][kb.nt][MR]; pointers of rows beyond mc must be readable.
// BProv: void pack(const KBlock&, int64_t j0, int64_t nc, float* bp, int NR)
//   fills ceil(nc/NR) panels, each kb.nt*kb.cc rows of NR floats, zero beyond nc;
//   const float* direct(const KBlock&, int64_t j0, int64_t nc, int NR): the block in place when its
//   storage already has that layout (nc == NR, row stride NR), else nullptr.
// accumulate: C += A·B instead of C = A·B.
// bkey (nonzero): chunks of one kernel call that share the same B pass the same key, and when B is a
// single block (one depth block, n <= NC) a thread packs it once for all the chunks it runs.
template <class AProv, class BProv>
void igemm_serial(const UKernel& uk, const Blocking& bl, int64_t m, int64_t n, int64_t ntaps, int64_t C, AProv& ap,
                  BProv& bpv, float* c, int64_t ldc, const float* bias, bool relu, Workspace& ws, uint64_t bkey = 0,
                  bool accumulate = false) {
  if (m <= 0 || n <= 0) return;
  const int MR = uk.mr, NR = uk.nr;
  if (ntaps * C == 0) {
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        float v = bias ? bias[j] : 0.f;
        c[i * ldc + j] = relu && v < 0.f ? 0.f : v;
      }
    return;
  }
  const std::vector<KBlock> kbs = make_kblocks(ntaps, C, bl.kc);
  int64_t max_depth = 0, max_nt = 0;
  for (const KBlock& kb : kbs) {
    if (kb.nt * kb.cc > max_depth) max_depth = kb.nt * kb.cc;
    if (kb.nt > max_nt) max_nt = kb.nt;
  }
  const int64_t ncb = n < bl.nc ? n : bl.nc;
  const int64_t mcb = m < bl.mc ? m : bl.mc;
  float* bp = ws.bpack.get<float>(static_cast<size_t>(round_up(ncb, NR) * max_depth));
  const float** ind = ws.ind.get<const float*>(static_cast<size_t>(round_up(mcb, MR) * max_nt));
  for (int64_t jc = 0; jc < n; jc += bl.nc) {
    const int64_t nc = n - jc < bl.nc ? n - jc : bl.nc;
    for (size_t kbi = 0; kbi < kbs.size(); ++kbi) {
      const KBlock& kb = kbs[kbi];
      const int64_t depth = kb.nt * kb.cc;
      const bool first = kbi == 0 && !accumulate, last = kbi + 1 == kbs.size();
      // A B block already laid out as one NR-wide panel (row stride NR) is used in place.
      const float* bdirect = bpv.direct(kb, jc, nc, NR);
      const bool single_block = kbs.size() == 1 && n <= bl.nc;
      if (!bdirect && !(bkey != 0 && single_block && ws.bkey == bkey)) {
        bpv.pack(kb, jc, nc, bp, NR);
        ws.bkey = single_block ? bkey : 0;
      }
      const float* bsrc = bdirect ? bdirect : bp;
      for (int64_t ic = 0; ic < m; ic += bl.mc) {
        const int64_t mc = m - ic < bl.mc ? m - ic : bl.mc;
        ap.build(ic, mc, kb, ind, MR);
        for (int64_t jr = 0; jr < nc; jr += NR) {
          const int nr = static_cast<int>(nc - jr < NR ? nc - jr : NR);
          const float* bpanel = bsrc + (jr / NR) * depth * NR;
          const float* bj = last && bias ? bias + jc + jr : nullptr;
          for (int64_t ir = 0; ir < mc; ir += MR) {
            const int mr = static_cast<int>(mc - ir < MR ? mc - ir : MR);
            uk.fn(kb.nt, kb.cc, ind + (ir / MR) * kb.nt * MR, bpanel, c + (ic + ir) * ldc + jc + jr, ldc, mr, nr,
                  first ? 0 : 1, bj, last && relu ? 1 : 0);
          }
        }
      }
    }
  }
}

// Packs rows of a row-major source into NR-column panels: row(k) gives a pointer to the start of
// depth row k (column 0 of the block, i.e. already offset by j0); nc valid columns.
template <class RowFn>
inline void pack_b_rows(int64_t depth, int64_t nc, float* bp, int NR, RowFn&& row) {
  for (int64_t jr = 0; jr < nc; jr += NR) {
    const int64_t w = nc - jr < NR ? nc - jr : NR;
    float* dst = bp + (jr / NR) * depth * NR;
    if (w == NR) {
      for (int64_t k = 0; k < depth; ++k) std::memcpy(dst + k * NR, row(k) + jr, sizeof(float) * NR);
    } else {
      for (int64_t k = 0; k < depth; ++k) {
        const float* s = row(k) + jr;
        float* d = dst + k * NR;
        int64_t j = 0;
        for (; j < w; ++j) d[j] = s[j];
        for (; j < NR; ++j) d[j] = 0.f;
      }
    }
  }
}

// Providers for plain row-major operands (igemm_serial's AProv / BProv).
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
  const float* direct(const KBlock& kb, int64_t j0, int64_t nc, int NR) const {
    return nc == NR && ldb == NR && j0 == 0 ? b + kb.c0 * ldb : nullptr;
  }
  void pack(const KBlock& kb, int64_t j0, int64_t nc, float* bp, int NR) const {
    pack_b_rows(kb.cc, nc, bp, NR, [&](int64_t k) { return b + (kb.c0 + k) * ldb + j0; });
  }
};

// C[m,n] = op(A)·op(B) (+bias) (relu), multi-threaded. lda/ldb are the row strides of A and B as stored.
void sgemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
           int64_t ldb, float* c, int64_t ldc, const float* bias, bool relu, int nthreads);

}  // namespace ck
